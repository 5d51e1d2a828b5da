"""Layers that change sizes without weights: pad, upsample, channel slice and chunk."""

from __future__ import annotations

from fractions import Fraction
from functools import lru_cache
from math import floor
from typing import Any

from ..args import (
    Arg,
    boolean,
    choice,
    count,
    counts,
    is_int,
    nonnegative,
    numeric_padding,
    pad_pairs,
    per_dim,
    positive_numbers,
)
from ..errors import LayerError
from ..receptive import ReceptiveField, exact
from .base import Args, Autograd, LayerRule, Outcome, Saved, Shape, keeps_input, register, spatial_of
from .graph import reference
from .worked import NO_COUNTS, per_dimension

PAD_MODES = ("zeros", "reflect", "replicate", "circular")


def evaluate_pad(args: Args, shape: Shape, rf: ReceptiveField) -> Outcome:
    channels, spatial = spatial_of(shape, "pad")
    pairs = pad_pairs("padding", args["padding"], len(spatial))
    mode = args["mode"]
    for n, (lo, hi) in zip(spatial, pairs):
        if mode == "reflect" and max(lo, hi) >= n:
            raise LayerError("value", f"reflect padding {max(lo, hi)} must be smaller than the input size {n}")
        if mode == "circular" and max(lo, hi) > n:
            raise LayerError("value", f"circular padding {max(lo, hi)} must not exceed the input size {n}")
    out = tuple(n + lo + hi for n, (lo, hi) in zip(spatial, pairs))
    return Outcome(
        shape=(channels, *out),
        rf=rf.shifted([lo for lo, _ in pairs], out),
        explain=(
            *per_dimension([f"{n} + {lo} + {hi} = {o}" for n, (lo, hi), o in zip(spatial, pairs, out)]),
            *NO_COUNTS,
        ),
    )


def _pad_saved(args: Args, in_shape: Shape, out_shape: Shape) -> tuple[Saved, ...]:
    """Reflect and replicate padding keep their input; zeros and circular nothing."""
    return keeps_input(args, in_shape, out_shape) if args["mode"] in ("reflect", "replicate") else ()


register(
    LayerRule(
        "pad",
        evaluate_pad,
        {"padding": Arg(numeric_padding), "mode": Arg(choice(*PAD_MODES), "zeros")},
        summary="explicit padding",
        autograd=Autograd(_pad_saved),
    )
)

UPSAMPLE_MODES = {
    "nearest": None,
    "nearest-exact": None,
    "area": None,
    "linear": 1,
    "bilinear": 2,
    "bicubic": 2,
    "trilinear": 3,
}


@lru_cache(maxsize=64)
def _factor(scale: int | float) -> Fraction:
    """A scale as the exact decimal it is written as (0.1 is 1/10): once per value, not once per row."""
    return Fraction(scale) if is_int(scale) else Fraction(str(scale))


def evaluate_upsample(args: Args, shape: Shape, rf: ReceptiveField) -> Outcome:
    channels, spatial = spatial_of(shape, "upsample")
    ndim = len(spatial)
    mode = args["mode"]
    needs = UPSAMPLE_MODES[mode]
    if needs is not None and needs != ndim:
        raise LayerError("value", f"mode {mode} needs a {needs}-D input, this one is {ndim}-D")
    if args["align_corners"] is not None and needs is None:
        raise LayerError("value", f"align_corners applies to linear, bilinear, bicubic and trilinear, not {mode}")
    like = args["like"]
    given = sum(args[key] is not None for key in ("scale", "size", "like"))
    if given != 1:
        keys = "'scale' and 'size'" if like is None else "'scale', 'size' and 'like'"
        raise LayerError("missing-key", f"upsample needs exactly one of {keys}")
    if like is not None and len(like) != ndim:
        raise LayerError("value", f"like: a {len(like)}-D size for a {ndim}-D input")
    if args["size"] is not None or like is not None:
        out = tuple(like) if like is not None else per_dim("size", args["size"], ndim)
        factors = [Fraction(o, n) for o, n in zip(out, spatial)]
    else:
        factors = [_factor(f) for f in per_dim("scale", args["scale"], ndim)]
        out = tuple(floor(n * f) for n, f in zip(spatial, factors))
        if any(o < 1 for o in out):
            shown = "×".join(map(str, spatial))
            raise LayerError("output-size", f"upsampling {shown} by {args['scale']} gives an empty output")
    reach = 1 if needs is None else (4 if mode == "bicubic" else 2)
    widened = rf.window([reach] * ndim, [1] * ndim, [0] * ndim, out)
    jump = tuple(j / f for j, f in zip(rf.jump, factors))
    field = ReceptiveField(widened.size, tuple(exact(v) for v in jump), rf.start, out)
    return Outcome(
        shape=(channels, *out),
        rf=field,
        explain=lambda: (*per_dimension([f"⌊{n} × {f}⌋ = {o}" for n, f, o in zip(spatial, factors, out)]), *NO_COUNTS),
    )


register(
    LayerRule(
        "upsample",
        evaluate_upsample,
        {
            "scale": Arg(positive_numbers, None),
            "size": Arg(counts, None),
            "mode": Arg(choice(*UPSAMPLE_MODES), "nearest"),
            "align_corners": Arg(boolean, None),
            "like": Arg(reference, None, "a row whose spatial size to resize to"),
        },
        summary="upsampling",
    )
)


def _channel_range(key: str, value: Any) -> tuple[int, int]:
    if not isinstance(value, list) or len(value) != 2:
        raise LayerError("type", f"{key} must be a [start, stop] pair, got {value!r}")
    start, stop = nonnegative(key, value[0]), count(key, value[1])
    if start >= stop:
        raise LayerError("value", f"{key}: start {start} must be smaller than stop {stop}")
    return start, stop


def evaluate_slice(args: Args, shape: Shape, rf: ReceptiveField) -> Outcome:
    start, stop = args["channels"]
    if stop > shape[0]:
        raise LayerError("value", f"channels [{start}, {stop}] go past the input's {shape[0]} channels")
    taken = f"C: channels {start}..{stop - 1} of {shape[0]}, {stop} − {start} = {stop - start}"
    return Outcome(shape=(stop - start, *shape[1:]), rf=rf, explain=(taken, *NO_COUNTS))


VIEW = Autograd(view=True)

register(
    LayerRule(
        "slice",
        evaluate_slice,
        {"channels": Arg(_channel_range)},
        summary="channel slice",
        accepts_flat=True,
        autograd=VIEW,
    )
)


def evaluate_chunk(args: Args, shape: Shape, rf: ReceptiveField) -> Outcome:
    index, chunks = args["index"], args["chunks"]
    if index >= chunks:
        raise LayerError("value", f"index {index} is out of range for {chunks} chunks (0..{chunks - 1})")
    if shape[0] % chunks:
        raise LayerError("groups", f"channels {shape[0]} are not divisible into {chunks} equal chunks")
    size = shape[0] // chunks
    taken = f"C: {shape[0]}/{chunks} = {size}, channels {index * size}..{(index + 1) * size - 1}"
    return Outcome(shape=(size, *shape[1:]), rf=rf, explain=(taken, *NO_COUNTS))


register(
    LayerRule(
        "chunk",
        evaluate_chunk,
        {"index": Arg(nonnegative), "chunks": Arg(count)},
        summary="one of n equal channel chunks",
        accepts_flat=True,
        autograd=VIEW,
    )
)
