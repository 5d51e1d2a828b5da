"""Fully connected layers and flatten.

``fc`` flattens its whole input volume first, as the cs231n slides define a
fully connected layer: ``in = C·Πn`` features, ``in·units`` weights plus
``units`` biases, ``in·units`` MACs.
"""

from __future__ import annotations

from math import prod

from ..args import Arg, boolean, count
from ..receptive import ReceptiveField
from .base import Args, Autograd, LayerRule, Outcome, Saved, Shape, register
from .conv import CONV_ARGS


def evaluate_fc(args: Args, shape: Shape, rf: ReceptiveField) -> Outcome:
    features = prod(shape)
    units = args["units"]
    return Outcome(
        shape=(units,),
        rf=rf.whole([1] * len(rf.extent)),
        params=features * units + (units if args["bias"] else 0),
        macs=features * units,
        explain=(f"{'·'.join(map(str, shape))} = {features} inputs × {units} units",),
    )


def _fc_saved(args: Args, in_shape: Shape, out_shape: Shape) -> tuple[Saved, ...]:
    """Its input, only for the weight gradient (the input gradient needs the weights alone)."""
    return (Saved("input", prod(in_shape), needed_for="weights"),)


register(
    LayerRule(
        "fc",
        evaluate_fc,
        {"units": Arg(count), "bias": Arg(boolean, True), "activation": CONV_ARGS["activation"]},
        aliases=("linear", "dense"),
        summary="fully connected",
        accepts_flat=True,
        takes_activation=True,
        autograd=Autograd(_fc_saved, weight_products=True),
    )
)


def evaluate_flatten(args: Args, shape: Shape, rf: ReceptiveField) -> Outcome:
    features = prod(shape)
    return Outcome(shape=(features,), rf=rf, explain=(f"{'·'.join(map(str, shape))} = {features}",))


register(
    LayerRule(
        "flatten", evaluate_flatten, summary="flatten to features", accepts_flat=True, autograd=Autograd(view=True)
    )
)
