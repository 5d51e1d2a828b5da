"""Shape-preserving layers: activations, dropout, normalization, channel shuffle.

None has MACs. Parameters are learnable tensors only: batch norm's γ and β
(2·C); its running mean and variance are buffers (2·C, reported apart; the
``num_batches_tracked`` counter is not counted).
"""

from __future__ import annotations

from collections.abc import Callable
from math import prod
from typing import Any

from ..args import Arg, boolean, choice, count, integer, real
from ..errors import LayerError
from ..receptive import ReceptiveField
from .base import (
    Args,
    Autograd,
    LayerRule,
    Outcome,
    Saved,
    Shape,
    keeps_input,
    keeps_nothing,
    keeps_output,
    register,
)
from .worked import NO_COUNTS

UNCHANGED = ("shape unchanged", *NO_COUNTS)


def _unchanged(args: Args, shape: Shape, rf: ReceptiveField) -> Outcome:
    return Outcome(shape=shape, rf=rf, explain=UNCHANGED)


def _simple(
    name: str,
    summary: str,
    args: dict[str, Arg] | None = None,
    aliases: tuple[str, ...] = (),
    autograd: Autograd = Autograd(keeps_input),
) -> None:
    register(
        LayerRule(
            name,
            _unchanged,
            args or {},
            aliases=aliases,
            summary=summary,
            accepts_flat=True,
            simple=True,
            autograd=autograd,
        )
    )


def _dropout_saved(args: Args, in_shape: Shape, out_shape: Shape) -> tuple[Saved, ...]:
    """The mask, one byte per element (bool, as CUDA's fused dropout keeps it)."""
    return (Saved("extra", prod(in_shape), itemsize=1),)


def _droppath_saved(args: Args, in_shape: Shape, out_shape: Shape) -> tuple[Saved, ...]:
    """One scaled keep-or-drop factor per sample (torchvision's stochastic_depth)."""
    return (Saved("extra", 1),)


def _lrn_saved(args: Args, in_shape: Shape, out_shape: Shape) -> tuple[Saved, ...]:
    """PyTorch's local_response_norm is composed of ops that keep: the input; the
    squares padded with size − 1 channels (for the average over channels); the
    scaled sum before and after the power; the output is not kept."""
    channels, positions = in_shape[0], prod(in_shape[1:])
    return (
        Saved("input", prod(in_shape)),
        Saved("extra", (channels + args["size"] - 1) * positions),
        Saved("extra", channels * positions),
        Saved("extra", channels * positions),
    )


KEEPS_OUTPUT = Autograd(keeps_output)
_simple("relu", "rectified linear unit", autograd=KEEPS_OUTPUT)
_simple("relu6", "ReLU capped at 6")
_simple("leakyrelu", "leaky ReLU", {"slope": Arg(real(), 0.01)})
_simple("elu", "exponential linear unit", {"alpha": Arg(real(), 1.0)})
_simple("gelu", "Gaussian error linear unit", {"approximate": Arg(choice("none", "tanh"), "none")})
_simple("silu", "sigmoid linear unit", aliases=("swish",))
_simple("sigmoid", "logistic sigmoid", autograd=KEEPS_OUTPUT)
_simple("tanh", "hyperbolic tangent", autograd=KEEPS_OUTPUT)
_simple("hardswish", "hard swish")
_simple("hardsigmoid", "hard sigmoid")
_simple("softmax", "softmax", {"dim": Arg(integer, 1)}, autograd=KEEPS_OUTPUT)
def _rate_0(args: Args) -> bool:
    """Dropout and stochastic depth at rate 0 return their input itself."""
    return args["rate"] == 0


_simple(
    "dropout",
    "dropout",
    {"rate": Arg(real(0, 1, open_max=True), 0.5)},
    autograd=Autograd(_dropout_saved, view=_rate_0),
)
_simple(
    "droppath",
    "stochastic depth",
    {"rate": Arg(real(0, 1, open_max=True), 0.0)},
    autograd=Autograd(_droppath_saved, view=_rate_0),
)
_simple(
    "lrn",
    "local response normalization",
    {"size": Arg(count, 5), "alpha": Arg(real(), 0.0001), "beta": Arg(real(), 0.75), "k": Arg(real(), 1.0)},
    autograd=Autograd(_lrn_saved),
)
_simple("identity", "identity", autograd=Autograd(view=True))


def _divisible(what: str, channels: int, groups: int) -> None:
    if channels % groups:
        raise LayerError("groups", f"{what}: channels {channels} are not divisible by groups {groups}")


def evaluate_shuffle(args: Args, shape: Shape, rf: ReceptiveField) -> Outcome:
    _divisible("shuffle", shape[0], args["groups"])
    return Outcome(shape=shape, rf=rf, explain=(f"shape unchanged, {shape[0]} channels regrouped", *NO_COUNTS))


register(
    LayerRule(
        "shuffle",
        evaluate_shuffle,
        {"groups": Arg(count)},
        summary="channel shuffle",
        accepts_flat=True,
        simple=True,
        autograd=Autograd(keeps_nothing),
    )
)


def _normalization(
    affine_params: Callable[[Args, int], int],
    buffers: Callable[[Args, int], int],
    learnt: str = "scale γ and shift β",
) -> Any:
    def evaluate(args: Args, shape: Shape, rf: ReceptiveField) -> Outcome:
        channels = shape[0]
        if "groups" in args:
            _divisible("groupnorm", channels, args["groups"])
        params, kept = affine_params(args, channels), buffers(args, channels)

        def formulas() -> tuple[str, ...]:
            lines = ["shape unchanged"]
            lines.append(f"params: {_per_channel(params, channels)} ({learnt})" if params else "params: 0")
            if kept:
                lines.append(f"buffers: {_per_channel(kept, channels)} (running mean and variance, not parameters)")
            return (*lines, "MACs: 0")

        return Outcome(shape=shape, rf=rf, params=params, buffers=kept, explain=formulas)

    return evaluate


def _per_channel(total: int, channels: int) -> str:
    """``2·96 = 192`` when the count is a multiple of the channels, else the count."""
    if total % channels or total == channels:
        return f"{total:,}"
    return f"{total // channels}·{channels} = {total:,}"


def _affine(args: Args, channels: int) -> int:
    return 2 * channels if args["affine"] else 0


def _no_buffers(args: Args, channels: int) -> int:
    return 0


STATISTIC_BYTES = 4
"""Norm statistics are float32 whatever the activations' dtype (as under autocast)."""


def _bn_saved(args: Args, in_shape: Shape, out_shape: Shape) -> tuple[Saved, ...]:
    """Its input and the batch's mean and inverse standard deviation per channel."""
    stats = Saved("extra", in_shape[0], STATISTIC_BYTES, per_sample=False)
    return (Saved("input", prod(in_shape)), stats, stats)


def _layernorm_saved(args: Args, in_shape: Shape, out_shape: Shape) -> tuple[Saved, ...]:
    """Its input and a mean and inverse standard deviation per position."""
    stats = Saved("extra", prod(in_shape[1:]), STATISTIC_BYTES)
    return (Saved("input", prod(in_shape)), stats, stats)


def _groupnorm_saved(args: Args, in_shape: Shape, out_shape: Shape) -> tuple[Saved, ...]:
    """Its input and a mean and inverse standard deviation per group."""
    stats = Saved("extra", args["groups"], STATISTIC_BYTES)
    return (Saved("input", prod(in_shape)), stats, stats)


EPS = Arg(real(0), 1e-5)
AFFINE = Arg(boolean, True)

register(
    LayerRule(
        "bn",
        _normalization(_affine, lambda args, c: 2 * c if args["track_running_stats"] else 0),
        {
            "eps": EPS,
            "momentum": Arg(real(0, 1), 0.1),
            "affine": AFFINE,
            "track_running_stats": Arg(boolean, True),
        },
        aliases=("batchnorm",),
        summary="batch normalization",
        accepts_flat=True,
        autograd=Autograd(_bn_saved),
    )
)
register(
    LayerRule(
        "layernorm",
        _normalization(_affine, _no_buffers),
        {"eps": Arg(real(0), 1e-6), "affine": AFFINE},
        summary="layer normalization over channels",
        accepts_flat=True,
        autograd=Autograd(_layernorm_saved),
    )
)
register(
    LayerRule(
        "groupnorm",
        _normalization(_affine, _no_buffers),
        {"groups": Arg(count), "eps": EPS, "affine": AFFINE},
        summary="group normalization",
        accepts_flat=True,
        autograd=Autograd(_groupnorm_saved),
    )
)
register(
    LayerRule(
        "prelu",
        _normalization(lambda args, c: 1 if args["shared"] else c, _no_buffers, "negative slopes"),
        {"shared": Arg(boolean, True)},
        summary="parametric ReLU",
        accepts_flat=True,
        autograd=Autograd(keeps_input),
    )
)
