"""Fully connected layers and flatten.

``fc`` flattens its whole input volume first, as the cs231n slides define a
fully connected layer: ``in = C·Πn`` features, ``in·units`` weights plus
``units`` biases, ``in·units`` MACs.
"""

from __future__ import annotations

from math import prod

from ..args import Arg, boolean, count
from ..receptive import ReceptiveField
from .base import Args, LayerRule, Outcome, Shape, register
from .conv import CONV_ARGS
from .worked import NO_COUNTS, Worked, count_line


def evaluate_fc(args: Args, shape: Shape, rf: ReceptiveField) -> Outcome:
    features = prod(shape)
    units = args["units"]
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


register(
    LayerRule(
        "fc",
        evaluate_fc,
        {"units": Arg(count), "bias": Arg(boolean, True), "activation": CONV_ARGS["activation"]},
        aliases=("linear", "dense"),
        summary="fully connected",
        accepts_flat=True,
        takes_activation=True,
    )
)


def evaluate_flatten(args: Args, shape: Shape, rf: ReceptiveField) -> Outcome:
    features = prod(shape)
    return Outcome(shape=(features,), rf=rf, explain=(count_line("features", shape), *NO_COUNTS))


register(LayerRule("flatten", evaluate_flatten, summary="flatten to features", accepts_flat=True))
