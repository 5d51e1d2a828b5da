"""What every sliding-window layer shares: padding words, size checks, uneven strides."""

from __future__ import annotations

from collections.abc import Sequence

from .. import shapes
from ..args import PadSpec, pad_pairs, per_dim
from ..errors import LayerError

Pairs = tuple[tuple[int, int], ...]


def resolve_padding(
    spec: PadSpec,
    sizes: Sequence[int],
    kernels: Sequence[int],
    strides: Sequence[int],
    dilations: Sequence[int],
) -> Pairs:
    """Padding as (lo, hi) per dimension, the words valid/same/half/full resolved."""
    if spec == "valid":
        return tuple((0, 0) for _ in sizes)
    if spec == "same":
        return tuple(shapes.same_padding(n, k, s, d) for n, k, s, d in zip(sizes, kernels, strides, dilations))
    if spec == "half":
        return tuple(shapes.half_padding(k, d) for k, d in zip(kernels, dilations))
    if spec == "full":
        return tuple(shapes.full_padding(k, d) for k, d in zip(kernels, dilations))
    return pad_pairs("padding", spec, len(sizes))


def window_geometry(
    args: dict, spatial: Sequence[int]
) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...], Pairs]:
    """kernel, stride, dilation and padding pairs, one per spatial dimension."""
    ndim = len(spatial)
    kernels = per_dim("kernel", args["kernel"], ndim)
    stride = args.get("stride")
    strides = per_dim("stride", stride if stride is not None else args["kernel"], ndim)
    dilations = per_dim("dilation", args.get("dilation", 1), ndim)
    pads = resolve_padding(args.get("padding", 0), spatial, kernels, strides, dilations)
    return kernels, strides, dilations, pads


def check_window_fits(spatial: Sequence[int], kernels: Sequence[int], dilations: Sequence[int], pads: Pairs) -> None:
    for axis, (n, k, d, (lo, hi)) in enumerate(zip(spatial, kernels, dilations, pads)):
        f = shapes.effective_kernel(k, d)
        if f > n + lo + hi:
            dilated = f" (dilated to {f})" if d > 1 else ""
            raise LayerError(
                "kernel-size",
                f"kernel {k}{dilated} is larger than the padded input {n + lo + hi} "
                f"({n} + {lo} + {hi}) in dimension {axis_name(axis, len(spatial))}",
            )


def check_output(sizes: Sequence[int], formula: str) -> None:
    if any(o < 1 for o in sizes):
        raise LayerError("output-size", f"output size {'×'.join(map(str, sizes))} is < 1 ({formula})")


_AXES = {1: ("L",), 2: ("H", "W"), 3: ("D", "H", "W")}
_LINES = {1: ("position",), 2: ("row", "column"), 3: ("slice", "row", "column")}


def axis_name(axis: int, ndim: int) -> str:
    return _AXES.get(ndim, tuple(f"d{i}" for i in range(ndim)))[axis]


def _lines(axes: Sequence[int], ndim: int, count: int, kind: str = "input") -> str:
    words = _LINES.get(ndim, tuple("position" for _ in range(ndim)))
    word = "/".join(words[a] for a in axes)
    return f"{count} {kind} {word}{'s' if count != 1 else ''}"


def uneven_stride_warning(
    spatial: Sequence[int], kernels: Sequence[int], strides: Sequence[int], dilations: Sequence[int], pads: Pairs
) -> tuple[str, str, str] | None:
    """``("uneven-stride", message, severity)`` for a window layer, or None when every stride fits.

    The severity is ``note`` when every unread position is padding (no input is
    lost, as in ResNet's 3×3/2 pad 1 on an even size), else ``warning``.
    """
    ndim = len(spatial)
    found: dict[shapes.UnevenStride, list[int]] = {}
    for axis, (n, k, s, d, (lo, hi)) in enumerate(zip(spatial, kernels, strides, dilations, pads)):
        diagnosis = shapes.uneven_stride(n, k, s, lo, hi, d)
        if diagnosis is not None:
            found.setdefault(diagnosis, []).append(axis)
    if not found:
        return None
    parts = []
    for diagnosis, axes in found.items():
        prefix = "" if len(axes) == ndim else "/".join(axis_name(a, ndim) for a in axes) + ": "
        axis = axes[0]
        parts.append(
            prefix
            + _describe(diagnosis, spatial[axis], kernels[axis], strides[axis], dilations[axis], pads[axis], axes, ndim)
        )
    lost = any(diagnosis.unread_input for diagnosis in found)
    return ("uneven-stride", "; ".join(parts), "warning" if lost else "note")


def _describe(
    u: shapes.UnevenStride, n: int, k: int, s: int, d: int, pad: tuple[int, int], axes: list[int], ndim: int
) -> str:
    f = shapes.effective_kernel(k, d)
    lo, hi = pad
    span = n + lo + hi - f
    if u.unread_input:
        lost = f"{_lines(axes, ndim, u.unread_input)} (the last) never read"
        if u.unread_padding:
            lost += f", nor {_lines(axes, ndim, u.unread_padding, 'padding')}"
    else:
        lost = f"no input lost, only {_lines(axes, ndim, u.unread_padding, 'padding')} never read"
    fixes = []
    for p_lo, p_hi in u.fitting_paddings:
        label = f"{p_lo}" if p_lo == p_hi else f"[{p_lo}, {p_hi}]"
        fixes.append(f"padding {label} (→ {(n + p_lo + p_hi - f) // s + 1})")
    for t in u.fitting_strides:
        fixes.append(f"stride {t} (→ {span // t + 1})")
    for m in u.fitting_inputs:
        fixes.append(f"input {m} (→ {(m + lo + hi - f) // s + 1})")
    return f"{u.formula} is not an integer: the output is floored to {u.output}, {lost}; exact fits: {', '.join(fixes)}"
