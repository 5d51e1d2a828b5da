"""Moving positions into channels and back: ``pixelunshuffle`` and ``pixelshuffle``.

As ``torch.nn.PixelUnshuffle``/``PixelShuffle`` for any spatial rank:
``[C, n…]`` ↔ ``[C·f^d, n/f…]``. Swin's patch merging is ``pixelunshuffle: {factor: 2}``,
``layernorm``, ``fc: {units: 2C, flatten: false, bias: false}`` (torchvision
orders the four gathered pixels differently; the counts are the same).
Sub-pixel super-resolution nets end with ``pixelshuffle``. 0 parameters, 0 MACs.
"""

from __future__ import annotations

from fractions import Fraction

from ..args import Arg, count
from ..errors import LayerError
from ..receptive import ReceptiveField
from .worked import NO_COUNTS
from .base import Args, LayerRule, Outcome, Shape, register, shape_text, spatial_of


def evaluate_pixelunshuffle(args: Args, shape: Shape, rf: ReceptiveField) -> Outcome:
    channels, spatial = spatial_of(shape, "pixelunshuffle")
    f = args["factor"]
    if any(n % f for n in spatial):
        raise LayerError("shape", f"factor {f} does not divide the spatial size {shape_text(spatial)}")
    out = tuple(n // f for n in spatial)
    ndim = len(spatial)
    field = rf.window([f] * ndim, [f] * ndim, [0] * ndim, out) if ndim == len(rf.extent) else rf
    return Outcome(
        shape=(channels * f**ndim, *out),
        rf=field,
        explain=(
            f"C: {channels}·{f}^{ndim} = {channels * f**ndim} (each {f}^{ndim} block of positions stacked)",
            f"size: {shape_text(spatial)} / {f} = {shape_text(out)}",
            *NO_COUNTS,
        ),
    )


def evaluate_pixelshuffle(args: Args, shape: Shape, rf: ReceptiveField) -> Outcome:
    channels, spatial = spatial_of(shape, "pixelshuffle")
    f = args["factor"]
    ndim = len(spatial)
    block = f**ndim
    if channels % block:
        raise LayerError("groups", f"channels {channels} are not divisible by factor^{ndim} = {block}")
    out = tuple(n * f for n in spatial)
    if ndim == len(rf.extent):
        jump = tuple(j / f if isinstance(j, Fraction) else Fraction(j, f) for j in rf.jump)
        jump = tuple(j.numerator if j.denominator == 1 else j for j in jump)
        field = ReceptiveField(rf.size, jump, rf.start, out)
    else:
        field = rf
    return Outcome(
        shape=(channels // block, *out),
        rf=field,
        explain=(
            f"C: {channels}/{f}^{ndim} = {channels // block} (channels spread over {f}^{ndim} blocks of positions)",
            f"size: {shape_text(spatial)} × {f} = {shape_text(out)}",
            *NO_COUNTS,
        ),
    )


_FACTOR = {"factor": Arg(count)}
register(LayerRule("pixelunshuffle", evaluate_pixelunshuffle, _FACTOR, summary="space to channels"))
register(LayerRule("pixelshuffle", evaluate_pixelshuffle, _FACTOR, summary="channels to space"))
