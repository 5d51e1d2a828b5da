"""Fully connected layers and flatten.

``fc`` flattens its whole input volume first, as the cs231n slides define a
fully connected layer: ``in = C·Πn`` features, ``in·units`` weights plus
``units`` biases, ``in·units`` MACs. ``flatten: false`` applies the layer to
the channels at every position instead (``torch.nn.Linear`` on a
channels-last tensor): ``C·units`` weights, ``positions·C·units`` MACs.
"""

from __future__ import annotations

from math import prod

from ..args import Arg, boolean, count
from ..receptive import ReceptiveField
from .base import Args, Autograd, LayerRule, Outcome, Saved, Shape, register
from .conv import CONV_ARGS
from .worked import NO_COUNTS, Worked, count_line


def evaluate_fc(args: Args, shape: Shape, rf: ReceptiveField) -> Outcome:
    units = args["units"]
    if not args["flatten"] and len(shape) > 1:
        return _position_wise(shape, units, args["bias"], rf)
    features = prod(shape)
    return Outcome(
        shape=(units,),
        rf=rf.whole([1] * len(rf.extent)),
        params=features * units + (units if args["bias"] else 0),
        macs=features * units,
        explain=Worked(
            lambda: (
                count_line("inputs", shape),
                count_line("params", [features], bias_units=units)
                if args["bias"]
                else count_line("params", [features, units]),
                count_line("MACs", [features, units]),
            ),
        ),
    )


def _position_wise(shape: Shape, units: int, bias: bool, rf: ReceptiveField) -> Outcome:
    """``flatten: false``: the same C→U layer at every position (a transformer's linear layer)."""
    channels, positions = shape[0], prod(shape[1:])
    return Outcome(
        shape=(units, *shape[1:]),
        rf=rf,
        params=channels * units + (units if bias else 0),
        macs=positions * channels * units,
        explain=(f"{positions:,} positions × {channels} inputs × {units} units",),
    )


def _fc_saved(args: Args, in_shape: Shape, out_shape: Shape) -> tuple[Saved, ...]:
    """Its input, only for the weight gradient (the input gradient needs the weights alone)."""
    return (Saved("input", prod(in_shape), needed_for="weights"),)


register(
    LayerRule(
        "fc",
        evaluate_fc,
        {
            "units": Arg(count),
            "bias": Arg(boolean, True),
            "flatten": Arg(boolean, True, "default true; false: the layer applied to the channels at every position"),
            "activation": CONV_ARGS["activation"],
        },
        aliases=("linear", "dense"),
        summary="fully connected",
        accepts_flat=True,
        takes_activation=True,
        autograd=Autograd(_fc_saved, weight_products=True),
    )
)


def evaluate_flatten(args: Args, shape: Shape, rf: ReceptiveField) -> Outcome:
    features = prod(shape)
    return Outcome(shape=(features,), rf=rf, explain=(count_line("features", shape), *NO_COUNTS))


register(
    LayerRule(
        "flatten", evaluate_flatten, summary="flatten to features", accepts_flat=True, autograd=Autograd(view=True)
    )
)
