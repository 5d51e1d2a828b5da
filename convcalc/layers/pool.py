"""Pooling: windowed (max/avg), global, adaptive. No parameters, no MACs.

Pooling's comparisons and additions are not multiply-accumulates; like
torchvision's published figures, convcalc counts none for them.
"""

from __future__ import annotations

from fractions import Fraction
from math import prod
from typing import Any

from .. import shapes
from ..args import Arg, boolean, counts, padding, per_dim
from ..receptive import ReceptiveField
from .base import Args, Autograd, LayerRule, Outcome, Saved, Shape, keeps_input, register, spatial_of
from .window import check_output, check_window_fits, uneven_stride_warning, window_geometry
from .worked import NO_COUNTS, Worked, per_dimension, window_brief


def _pool(type_name: str) -> Any:
    def evaluate(args: Args, shape: Shape, rf: ReceptiveField) -> Outcome:
        channels, spatial = spatial_of(shape, type_name)
        kernels, strides, dilations, pads = window_geometry(args, spatial)
        check_window_fits(spatial, kernels, dilations, pads)
        ceil_mode = args["ceil_mode"]
        out = tuple(
            shapes.pool_output(n, k, s, lo, hi, d, ceil_mode)
            for n, k, s, d, (lo, hi) in zip(spatial, kernels, strides, dilations, pads)
        )

        def sizes() -> tuple[str, ...]:
            if not ceil_mode:
                return tuple(
                    shapes.floored_formula(n, k, s, lo, hi, d)
                    for n, k, s, d, (lo, hi) in zip(spatial, kernels, strides, dilations, pads)
                )
            return tuple(
                shapes.slide_formula(n, k, s, lo, hi, d) + f" → {o} (ceil mode)"
                for n, k, s, d, (lo, hi), o in zip(spatial, kernels, strides, dilations, pads, out)
            )

        def formulas() -> tuple[str, ...]:
            return (*per_dimension(sizes()), *NO_COUNTS)

        if min(out) < 1:
            check_output(out, sizes()[0])
        warnings = []
        too_much = [(k, max(p)) for k, p in zip(kernels, pads) if max(p) > k // 2]
        if too_much:
            k, p = too_much[0]
            warnings.append(("pool-padding", f"padding {p} is more than half the kernel {k}; PyTorch refuses this"))
        if not ceil_mode:
            uneven = uneven_stride_warning(spatial, kernels, strides, dilations, pads)
            if uneven:
                warnings.append(uneven)
        effective = [shapes.effective_kernel(k, d) for k, d in zip(kernels, dilations)]
        return Outcome(
            shape=(channels, *out),
            rf=rf.window(effective, strides, [p[0] for p in pads], out),
            warnings=tuple(warnings),
            explain=Worked(formulas, lambda: window_brief(kernels, strides, pads, dilations)),
        )

    return evaluate


POOL_ARGS = {
    "kernel": Arg(counts),
    "stride": Arg(counts, None, "defaults to the kernel"),
    "padding": Arg(padding, 0),
    "ceil_mode": Arg(boolean, False),
}

INDEX_BYTES = 8
"""Max pooling keeps where each maximum was, as int64 indices."""


def _max_saved(args: Args, in_shape: Shape, out_shape: Shape) -> tuple[Saved, ...]:
    """Its input and an int64 index per output element."""
    return (Saved("input", prod(in_shape)), Saved("extra", prod(out_shape), INDEX_BYTES))


MAX_AUTOGRAD = Autograd(_max_saved)

register(
    LayerRule(
        "maxpool",
        _pool("maxpool"),
        {**POOL_ARGS, "dilation": Arg(counts, 1)},
        summary="max pooling",
        autograd=MAX_AUTOGRAD,
    )
)
register(LayerRule("avgpool", _pool("avgpool"), POOL_ARGS, summary="average pooling", autograd=Autograd(keeps_input)))


def _global(type_name: str) -> Any:
    def evaluate(args: Args, shape: Shape, rf: ReceptiveField) -> Outcome:
        channels, spatial = spatial_of(shape, type_name)
        ones = tuple(1 for _ in spatial)
        worked = (*per_dimension([f"{n} → 1 (global)" for n in spatial]), *NO_COUNTS)
        return Outcome(shape=(channels, *ones), rf=rf.whole(ones), explain=worked)

    return evaluate


register(LayerRule("globalavgpool", _global("globalavgpool"), aliases=("gap",), summary="global average pooling"))
register(LayerRule("globalmaxpool", _global("globalmaxpool"), summary="global max pooling", autograd=MAX_AUTOGRAD))


def _output_arg(key: str, value: Any) -> Any:
    if isinstance(value, list):
        return tuple(None if v is None else counts(key, v) for v in value)
    return counts(key, value)


def _adaptive(type_name: str) -> Any:
    def evaluate(args: Args, shape: Shape, rf: ReceptiveField) -> Outcome:
        channels, spatial = spatial_of(shape, type_name)
        wanted = per_dim("output", args["output"], len(spatial))
        out = tuple(n if o is None else o for n, o in zip(spatial, wanted))
        kernels = [shapes.adaptive_max_window(n, o) for n, o in zip(spatial, out)]
        strides = [Fraction(n, o) if n % o else n // o for n, o in zip(spatial, out)]
        return Outcome(
            shape=(channels, *out),
            rf=rf.window(kernels, strides, [0] * len(spatial), out),
            explain=(
                *per_dimension([f"{n} → {o} (windows up to {k})" for n, o, k in zip(spatial, out, kernels)]),
                *NO_COUNTS,
            ),
        )

    return evaluate


def _adaptive_avg_saved(args: Args, in_shape: Shape, out_shape: Shape) -> tuple[Saved, ...]:
    """Its input, unless every output size is 1: PyTorch then takes a mean, which keeps nothing."""
    return () if all(n == 1 for n in out_shape[1:]) else keeps_input(args, in_shape, out_shape)


ADAPTIVE_ARGS = {"output": Arg(_output_arg)}
register(
    LayerRule(
        "adaptiveavgpool",
        _adaptive("adaptiveavgpool"),
        ADAPTIVE_ARGS,
        summary="adaptive average pooling",
        autograd=Autograd(_adaptive_avg_saved),
    )
)
register(
    LayerRule(
        "adaptivemaxpool",
        _adaptive("adaptivemaxpool"),
        ADAPTIVE_ARGS,
        summary="adaptive max pooling",
        autograd=MAX_AUTOGRAD,
    )
)
