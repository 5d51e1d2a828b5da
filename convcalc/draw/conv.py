"""One convolution drawn as an SVG, the way Dumoulin & Visin draw them.

The input grid (padding shaded, inserted zeros of a transposed convolution
dashed), the kernel window (only its taps filled, so dilation gaps show)
and the output grid, animated with SMIL through every output position, or
one still frame. Standard library only; no JavaScript.

Every semantic element carries a class or ``data-*`` attribute, so tests
and style sheets can find them:

- grid cells: ``class="cell input"`` / ``"cell padding"`` / ``"cell zero"``
  (inserted zeros) with ``data-row``/``data-col``: the position relative to
  the first input cell (padding rows/columns are negative or past the end;
  for a transposed convolution, positions on the zero-stretched input, and
  input cells add ``data-src-row``/``data-src-col``, their index in the
  original input). Extra classes: ``cropped`` (a transposed padding larger
  than d(k − 1) crops the stretched input), ``unread`` (an input cell no
  window reads), ``output-padding`` (the far-side padding a transposed
  convolution's ``output_padding`` adds).
- output cells: ``class="cell output"`` with ``data-row``/``data-col``/``data-index``.
- one ``<g class="window" data-index="i">``: the window at output position
  ``i`` (row-major) in a still; in an animation window 0, with
  ``data-positions`` (how many positions it goes through) and an
  ``animateTransform`` moving it there in turn. It holds ``class="tap"``
  rects (``data-row``/``data-col`` as the grid cells), the ``window-span``
  outline and, in 1-D, the ``current`` output cell (in 2-D that one moves
  in its own ``<g class="current-cell">``). Step captions: ``class="step"``.

>>> svg = draw_conv((5, 5), 3, stride=2, padding=1)
>>> svg.count('class="window"'), 'data-positions="9"' in svg
(1, True)
>>> 'animate' in draw_conv((5, 5), 3, stride=2, padding=1, frame=4)
False
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Union
from xml.sax.saxutils import escape, quoteattr

from .. import shapes

__all__ = ["draw_conv", "conv_geometry", "ConvGeometry", "Axis"]

CELL = 28
"""Cell size in pixels for grids up to ``_FULL_SIZE_CELLS`` cells across."""
MIN_CELL = 12
MAX_DRAWN_CELLS = 64
"""Largest padded (or zero-stretched) grid side that is drawn."""
MAX_FRAMES = 120
"""An animation shows at most this many output positions (the first ones, row by row), so a drawing's
size grows with the frames shown, not with the grid: one window moves, no copy per position."""
STEP_SECONDS = 0.8
"""How long the animation stays on one output position at speed 1."""

_FULL_SIZE_CELLS = 24
_MARGIN = 20
_FONT = "DejaVu Sans, Helvetica, Arial, sans-serif"

PaddingArg = Union[int, str, Sequence[Union[int, Sequence[int]]]]
IntOrDims = Union[int, Sequence[int]]

_STYLE = f"""
svg {{ font-family: {_FONT}; }}
.background {{ fill: #ffffff; }}
.title {{ font-size: 18px; font-weight: bold; fill: #222; }}
.subtitle {{ font-size: 13px; fill: #444; }}
.note {{ font-size: 12px; fill: #8a4b08; }}
.label {{ font-size: 13px; fill: #333; }}
.step {{ font-size: 13px; fill: #333; }}
.legend-text {{ font-size: 12px; fill: #333; }}
.cell, .cell.input, .swatch-input {{ fill: #9ecae1; stroke: #3a6f96; }}
.cell.padding, .swatch-padding {{ fill: #d9d9d9; stroke: #8c8c8c; stroke-dasharray: 3 2; }}
.cell.zero, .swatch-zero {{ fill: #ffffff; stroke: #3a6f96; stroke-dasharray: 4 3; }}
.cell.cropped, .swatch-cropped {{ opacity: 0.3; }}
.cell.output {{ fill: #e5f5e0; stroke: #31a354; }}
.unread-mark, .swatch-hatch {{ fill: url(#cc-hatch); stroke: none; pointer-events: none; }}
.tap, .swatch-tap {{ fill: #f28e2b; fill-opacity: 0.65; stroke: #a3500b; stroke-width: 2; }}
.window-span {{ fill: none; stroke: #a3500b; stroke-width: 1.5; stroke-dasharray: 5 3; }}
.current, .swatch-current {{ fill: #f28e2b; stroke: #a3500b; stroke-width: 2; }}
.done, .swatch-done {{ fill: #74c476; stroke: #31a354; }}
.link {{ stroke: #a3500b; stroke-width: 1.2; stroke-opacity: 0.7; }}
.arrow {{ stroke: #666; stroke-width: 2; fill: none; }}
.arrow-head {{ fill: #666; }}
"""


# --------------------------------------------------------------------------- geometry


@dataclass(frozen=True)
class Axis:
    """One spatial dimension as drawn: the cells along it and where the windows sit.

    ``kinds[g]`` is ``"padding"``, ``"input"`` or ``"zero"`` for drawn cell
    ``g``; ``coords[g]`` its position relative to the first (stretched)
    input cell; ``sources[g]`` the original input index of an input cell.
    Window ``j`` starts at drawn cell ``origin + j·step`` and reads
    ``k`` taps ``dilation`` apart.
    """

    n: int
    k: int
    stride: int
    dilation: int
    lo: int
    hi: int
    output_padding: int
    transposed: bool
    kinds: tuple[str, ...]
    coords: tuple[int, ...]
    sources: tuple[int | None, ...]
    cropped: tuple[bool, ...]
    extra: tuple[bool, ...]
    origin: int
    step: int
    out: int
    formula: str

    @property
    def cells(self) -> int:
        return len(self.kinds)

    @property
    def span(self) -> int:
        return shapes.effective_kernel(self.k, self.dilation)

    def taps(self, j: int) -> list[int]:
        """Drawn indices of the taps of window ``j``."""
        start = self.origin + j * self.step
        return [start + t * self.dilation for t in range(self.k)]

    def covered(self) -> set[int]:
        return {g for j in range(self.out) for g in self.taps(j)}

    @property
    def equivalent_padding(self) -> tuple[int, int]:
        """Padding of the direct convolution drawn (for a transposed one: d(k − 1) − p, + output_padding)."""
        if not self.transposed:
            return self.lo, self.hi
        f = self.dilation * (self.k - 1)
        return f - self.lo, f - self.hi + self.output_padding


def _direct_axis(n: int, k: int, s: int, d: int, lo: int, hi: int) -> Axis:
    out = shapes.conv_output(n, k, s, lo, hi, d)
    formula = shapes.floored_formula(n, k, s, lo, hi, d)
    kinds = ("padding",) * lo + ("input",) * n + ("padding",) * hi
    return Axis(
        n=n,
        k=k,
        stride=s,
        dilation=d,
        lo=lo,
        hi=hi,
        output_padding=0,
        transposed=False,
        kinds=kinds,
        coords=tuple(range(-lo, n + hi)),
        sources=tuple(g - lo if kind == "input" else None for g, kind in enumerate(kinds)),
        cropped=(False,) * len(kinds),
        extra=(False,) * len(kinds),
        origin=0,
        step=s,
        out=out,
        formula=formula,
    )


def _transposed_axis(n: int, k: int, s: int, d: int, lo: int, hi: int, op: int) -> Axis:
    out = shapes.transposed_output(n, k, s, lo, hi, d, op)
    f = d * (k - 1)
    before, after = f - lo, f - hi + op  # padding of the equivalent direct convolution
    stretched = (n - 1) * s + 1
    pad_before, pad_after = max(before, 0), max(after, 0)
    kinds = (
        ("padding",) * pad_before
        + tuple("input" if c % s == 0 else "zero" for c in range(stretched))
        + ("padding",) * pad_after
    )
    coords = tuple(range(-pad_before, stretched + pad_after))
    sources = tuple(c // s if kind == "input" else None for c, kind in zip(coords, kinds))
    cropped = tuple(kind != "padding" and (c < -before or c >= stretched + after) for c, kind in zip(coords, kinds))
    extra_cells = min(op, pad_after)
    extra = tuple(g >= len(kinds) - extra_cells for g in range(len(kinds)))
    return Axis(
        n=n,
        k=k,
        stride=s,
        dilation=d,
        lo=lo,
        hi=hi,
        output_padding=op,
        transposed=True,
        kinds=kinds,
        coords=coords,
        sources=sources,
        cropped=cropped,
        extra=extra,
        origin=max(-before, 0),
        step=1,
        out=out,
        formula=shapes.transposed_formula(n, k, s, lo, hi, d, op),
    )


@dataclass(frozen=True)
class ConvGeometry:
    """What :func:`draw_conv` draws: the rows axis and the columns axis (1-D: one dummy row)."""

    ndim: int
    size: tuple[int, ...]
    rows: Axis
    cols: Axis
    transposed: bool
    depth_note: str = ""

    @property
    def axes(self) -> tuple[Axis, ...]:
        return (self.cols,) if self.ndim == 1 else (self.rows, self.cols)

    @property
    def output_size(self) -> tuple[int, ...]:
        return tuple(a.out for a in self.axes)

    @property
    def positions(self) -> int:
        return self.rows.out * self.cols.out

    def window(self, index: int) -> tuple[int, int]:
        """Output (row, col) of window ``index`` (row-major)."""
        return divmod(index, self.cols.out)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _per_dim(name: str, value: object, ndim: int, minimum: int) -> tuple[int, ...]:
    if _is_int(value):
        values = (value,) * ndim
    elif isinstance(value, (list, tuple)) and len(value) == ndim and all(_is_int(v) for v in value):
        values = tuple(value)
    else:
        raise ValueError(f"{name} must be an integer or a list of {ndim} integers (one per dimension), not {value!r}")
    if any(v < minimum for v in values):
        raise ValueError(f"{name} must be ≥ {minimum}, not {value!r}")
    return values  # type: ignore[return-value]


def _pad_pairs(
    padding: PaddingArg,
    sizes: Sequence[int],
    kernels: Sequence[int],
    strides: Sequence[int],
    dilations: Sequence[int],
    transposed: bool,
) -> list[tuple[int, int]]:
    ndim = len(sizes)
    if isinstance(padding, str):
        word = padding.lower()
        if word == "valid":
            return [(0, 0)] * ndim
        if word not in ("same", "half", "full"):
            raise ValueError(f"padding must be a number, a list, or one of valid, same, half, full; not {padding!r}")
        if transposed:
            raise ValueError(f"padding {padding!r} is for direct convolutions; a transposed convolution takes numbers")
        if word == "same":
            return [shapes.same_padding(n, k, s, d) for n, k, s, d in zip(sizes, kernels, strides, dilations)]
        if word == "half":
            return [shapes.half_padding(k, d) for k, d in zip(kernels, dilations)]
        return [shapes.full_padding(k, d) for k, d in zip(kernels, dilations)]
    if _is_int(padding):
        pairs = [(padding, padding)] * ndim
    elif isinstance(padding, (list, tuple)):
        items = list(padding)
        if ndim == 1 and len(items) == 2 and all(_is_int(v) for v in items):
            items = [items]  # 1-D: [lo, hi] is accepted for [[lo, hi]]
        if len(items) != ndim:
            raise ValueError(f"padding needs one entry per spatial dimension ({ndim}), got {padding!r}")
        pairs = []
        for item in items:
            if _is_int(item):
                pairs.append((item, item))
            elif isinstance(item, (list, tuple)) and len(item) == 2 and all(_is_int(v) for v in item):
                pairs.append((item[0], item[1]))
            else:
                raise ValueError(f"each padding entry is a number or a [lo, hi] pair, not {item!r}")
    else:
        raise ValueError(f"padding must be a number, a list, or one of valid, same, half, full; not {padding!r}")
    if any(p < 0 for pair in pairs for p in pair):
        raise ValueError(f"padding must be ≥ 0, not {padding!r}")
    return pairs


_AXIS_NAMES = {1: ("L",), 2: ("H", "W"), 3: ("D", "H", "W")}


def _check_cells(name: str, n: int, k: int, s: int, d: int, lo: int, hi: int, op: int, transposed: bool) -> None:
    """Refuse an axis of more than MAX_DRAWN_CELLS cells from its numbers, before building any."""
    if transposed:
        f = d * (k - 1)
        cells = max(f - lo, 0) + (n - 1) * s + 1 + max(f - hi + op, 0)
    else:
        cells = n + lo + hi
    if cells > MAX_DRAWN_CELLS:
        raise ValueError(
            f"too large to draw: {cells} cells along {name} (at most {MAX_DRAWN_CELLS}); try a smaller size"
        )


def conv_geometry(
    size: Sequence[int],
    kernel: IntOrDims,
    stride: IntOrDims = 1,
    padding: PaddingArg = 0,
    dilation: IntOrDims = 1,
    transposed: bool = False,
    output_padding: IntOrDims = 0,
) -> ConvGeometry:
    """Resolve the arguments of :func:`draw_conv` into the cells and windows it draws."""
    if _is_int(size):
        size = (size,)  # type: ignore[assignment]
    if not isinstance(size, (list, tuple)) or not all(_is_int(n) for n in size):
        raise ValueError(f"size must be a tuple of 1, 2 or 3 integers, not {size!r}")
    ndim = len(size)
    if ndim not in (1, 2, 3):
        raise ValueError(f"only 1-D, 2-D and 3-D convolutions can be drawn, not {ndim}-D (size {tuple(size)})")
    sizes = _per_dim("size", tuple(size), ndim, 1)
    kernels = _per_dim("kernel", kernel, ndim, 1)
    strides = _per_dim("stride", stride, ndim, 1)
    dilations = _per_dim("dilation", dilation, ndim, 1)
    pads = _pad_pairs(padding, sizes, kernels, strides, dilations, transposed)
    extras = _per_dim("output_padding", output_padding, ndim, 0)
    names = _AXIS_NAMES[ndim]
    axes = []
    for name, n, k, s, d, (lo, hi), op in zip(names, sizes, kernels, strides, dilations, pads, extras):
        _check_cells(name, n, k, s, d, lo, hi, op, transposed)
        if transposed:
            if op >= max(s, d):
                raise ValueError(
                    f"output_padding {op} must be smaller than the stride or the dilation (max({s}, {d}) = {max(s, d)})"
                )
            axis = _transposed_axis(n, k, s, d, lo, hi, op)
            if axis.out < 1:
                raise ValueError(f"output size along {name} is {axis.out} < 1 ({axis.formula})")
        else:
            if op:
                raise ValueError("output_padding is for transposed convolutions only")
            f = shapes.effective_kernel(k, d)
            if f > n + lo + hi:
                dilated = f" (dilated to {f})" if d > 1 else ""
                raise ValueError(f"kernel {k}{dilated} is larger than the padded input {n + lo + hi} along {name}")
            axis = _direct_axis(n, k, s, d, lo, hi)
        if axis.cells > MAX_DRAWN_CELLS:
            raise ValueError(
                f"too large to draw: {axis.cells} cells along {name} (at most {MAX_DRAWN_CELLS}); try a smaller size"
            )
        axes.append(axis)
    note = ""
    if ndim == 3:
        depth = axes.pop(0)
        note = (
            f"3-D: only H×W drawn; along D ({depth.formula}) the window also takes "
            f"{depth.out} position{'s' if depth.out != 1 else ''} for each frame shown"
        )
    if len(axes) == 1:
        rows = _direct_axis(1, 1, 1, 1, 0, 0)
        cols = axes[0]
    else:
        rows, cols = axes
    return ConvGeometry(ndim=min(ndim, 2), size=sizes, rows=rows, cols=cols, transposed=transposed, depth_note=note)


# --------------------------------------------------------------------------- SVG helpers


def num(value: float) -> str:
    """A coordinate without trailing zeros."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def attrs(**values: object) -> str:
    """``key="value"`` pairs, ``data_row`` written ``data-row``, ``cls`` as ``class``; None left out."""
    parts = []
    for key, value in values.items():
        if value is None:
            continue
        name = "class" if key == "cls" else key.rstrip("_").replace("_", "-")
        if isinstance(value, float):
            value = num(value)
        parts.append(f"{name}={quoteattr(str(value))}")
    return " ".join(parts)


def text_width(text: str, size: float) -> float:
    """A generous estimate of rendered text width (no font metrics in the standard library)."""
    return len(text) * size * 0.6


def svg_document(width: float, height: float, style: str, body: list[str], title: str, defs: str = "") -> str:
    w, h = num(width), num(height)
    head = f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{w}" height="{h}" viewBox="0 0 {w} {h}">'
    return "\n".join(
        [
            head,
            f"<title>{escape(title)}</title>",
            f"<style>{style}</style>",
            f"<defs>{defs}</defs>" if defs else "",
            f'<rect class="background" x="0" y="0" width="{w}" height="{h}"/>',
            *body,
            "</svg>",
            "",
        ]
    )


def _fraction(value: Fraction) -> str:
    return f"{float(value):.6f}".rstrip("0").rstrip(".") or "0"


def _visibility_animation(start: int, stop: int | None, total: int, duration: float) -> str:
    """Visible from position ``start`` until ``stop`` (None: to the end of the loop), discrete, looping."""
    values, times = [], []
    if start > 0:
        values.append("hidden")
        times.append(Fraction(0))
    values.append("visible")
    times.append(Fraction(start, total))
    if stop is not None and stop < total:
        values.append("hidden")
        times.append(Fraction(stop, total))
    if len(values) == 1:
        return ""
    return (
        f'<animate attributeName="visibility" calcMode="discrete" repeatCount="indefinite" '
        f'dur="{num(duration)}s" values="{";".join(values)}" keyTimes="{";".join(_fraction(t) for t in times)}"/>'
    )


# --------------------------------------------------------------------------- drawing


def _shape_text(values: Sequence[int]) -> str:
    return "×".join(str(v) for v in values)


def _same_everywhere(axes: Sequence[Axis]) -> bool:
    first = axes[0]
    return all(
        (a.n, a.k, a.stride, a.dilation, a.lo, a.hi, a.output_padding)
        == (first.n, first.k, first.stride, first.dilation, first.lo, first.hi, first.output_padding)
        for a in axes
    )


def _param_text(values: Sequence[int]) -> str:
    return str(values[0]) if len(set(values)) == 1 else _shape_text(values)


def _pad_text(axes: Sequence[Axis]) -> str:
    pairs = [(a.lo, a.hi) for a in axes]
    if all(lo == hi for lo, hi in pairs):
        return _param_text([lo for lo, _ in pairs])
    return ", ".join(f"{lo}/{hi}" if lo != hi else str(lo) for lo, hi in pairs) + " (before/after)"


def _titles(geo: ConvGeometry) -> tuple[str, list[str], list[str]]:
    axes = geo.axes
    names = ("L",) if geo.ndim == 1 else ("H", "W")
    if _same_everywhere(axes):
        title = axes[0].formula
    else:
        title = ";  ".join(f"{name}: {a.formula}" for name, a in zip(names, axes))
    spatial = _shape_text(geo.size[-len(axes) :])
    if len(geo.size) == 3:
        spatial = f"{_shape_text(geo.size)} (H×W shown)"
    kind = "transposed convolution" if geo.transposed else "convolution"
    described = (
        f"{kind}: input {spatial}, kernel {_shape_text([a.k for a in axes])}, "
        f"stride {_param_text([a.stride for a in axes])}, padding {_pad_text(axes)}"
    )
    if any(a.dilation > 1 for a in axes):
        described += f", dilation {_param_text([a.dilation for a in axes])}"
    if geo.transposed and any(a.output_padding for a in axes):
        described += f", output_padding {_param_text([a.output_padding for a in axes])}"
    described += f" → output {_shape_text(geo.output_size)}"
    subtitles = [described]
    if geo.transposed:
        before = [a.equivalent_padding[0] for a in axes]
        after = [a.equivalent_padding[1] for a in axes]
        zeros = [a.stride - 1 for a in axes]
        ops = [a.output_padding for a in axes]
        if before == after:
            pad = _param_text(before)
        else:
            pad = f"{_param_text(before)} before, {_param_text(after)} after"
            if any(ops):
                pad += f" (output_padding {_param_text(ops)} on the far side)"
        plural = "s" if any(z != 1 for z in zeros) else ""
        subtitles.append(
            f"drawn as its equivalent stride-1 convolution: s − 1 = {_param_text(zeros)} zero{plural} "
            "inserted between input cells,"
        )
        subtitles.append(f"padding d(k − 1) − p = {pad}")
    else:
        formula = "(N + P_lo + P_hi − F)/S + 1" if any(a.lo != a.hi for a in axes) else "(N + 2P − F)/S + 1"
        if any(a.dilation > 1 for a in axes):
            formula += ", F = d(k − 1) + 1"
        subtitles.append(f"output size = {formula}")
    notes = []
    if geo.depth_note:
        notes.append(geo.depth_note)
    if any(c for a in axes for c in a.cropped):
        notes.append("padding p > d(k − 1): the equivalent convolution crops the stretched input (faded cells)")
    return title, subtitles, notes


def draw_conv(
    size: int | Sequence[int],
    kernel: IntOrDims,
    stride: IntOrDims = 1,
    padding: PaddingArg = 0,
    dilation: IntOrDims = 1,
    transposed: bool = False,
    output_padding: IntOrDims = 0,
    frame: int | None = None,
    speed: float = 1.0,
    max_frames: int = MAX_FRAMES,
) -> str:
    """An SVG of a 1-D or 2-D convolution sliding over its input.

    ``size`` is the spatial input size, one number per dimension (a 3-D
    size draws its last two dimensions, with a note). ``kernel``,
    ``stride``, ``dilation`` and ``output_padding`` are one number or one
    per dimension; ``padding`` a number, a list per dimension of numbers or
    ``[lo, hi]`` pairs (1-D also takes ``[lo, hi]``), or ``valid``,
    ``same``, ``half``, ``full``. ``transposed`` draws the transposed
    convolution as its equivalent direct one (zeros inserted, stride 1).

    Without ``frame`` one window is animated (SMIL, looping) through the
    output positions, ``STEP_SECONDS / speed`` seconds on each, the first
    ``max_frames`` of them when there are more; ``frame=i`` draws output
    position ``i`` (row-major) as a still, with no animation elements.
    Raises ``ValueError`` on arguments that make no convolution, or grids
    too large to draw.
    """
    geo = conv_geometry(size, kernel, stride, padding, dilation, transposed, output_padding)
    total = geo.positions
    if frame is not None:
        if not _is_int(frame) or not 0 <= frame < total:
            raise ValueError(f"frame must be an output position from 0 to {total - 1}, not {frame!r}")
    if isinstance(speed, bool) or not isinstance(speed, (int, float)) or not 0.05 <= speed <= 20:
        raise ValueError(f"speed must be a number from 0.05 to 20 (1 is {STEP_SECONDS} s a position), not {speed!r}")
    if not _is_int(max_frames) or max_frames < 1:
        raise ValueError(f"max_frames must be a positive integer, not {max_frames!r}")
    return _Drawing(geo, frame, STEP_SECONDS / speed, min(total, max_frames)).render()


class _Drawing:
    def __init__(
        self, geo: ConvGeometry, frame: int | None, step_seconds: float = STEP_SECONDS, shown: int = 1
    ) -> None:
        self.geo = geo
        self.frame = frame
        self.step_seconds = step_seconds
        self.shown = shown
        """Output positions the animation goes through (the first ``shown``)."""
        rows, cols = geo.rows, geo.cols
        longest = max(rows.cells, cols.cells, rows.out, cols.out)
        self.cell = CELL if longest <= _FULL_SIZE_CELLS else max(MIN_CELL, CELL * _FULL_SIZE_CELLS // longest)
        self.one_d = geo.ndim == 1
        self.title, self.subtitles, self.notes = _titles(geo)
        if frame is None and shown < geo.positions:
            self.notes.append(
                f"animated: the first {shown} of {geo.positions} positions shown (row by row); "
                "a still frame shows any other"
            )
        self.covered_rows = rows.covered()
        self.covered_cols = cols.covered()
        self.body: list[str] = []

    # ---- layout
    def layout(self) -> None:
        c = self.cell
        geo = self.geo
        y = _MARGIN + 18
        self.title_y = y
        y += 8
        self.subtitle_ys = []
        for _ in self.subtitles:
            y += 18
            self.subtitle_ys.append(y)
        self.note_ys = []
        for _ in self.notes:
            y += 17
            self.note_ys.append(y)
        y += 30  # room for the grid labels
        self.grid_top = y
        if self.one_d:
            self.label_w = 64
            self.in_x = _MARGIN + self.label_w
            self.in_y = y
            self.out_y = y + 3 * c
            self.out_x = self.in_x  # output cells placed under their windows
            content_right = self.in_x + geo.cols.cells * c
            bottom = self.out_y + c
        else:
            self.in_x = _MARGIN
            self.in_y = y
            grid_w, grid_h = geo.cols.cells * c, geo.rows.cells * c
            out_w, out_h = geo.cols.out * c, geo.rows.out * c
            self.arrow_x0 = self.in_x + grid_w + 14
            self.out_x = self.arrow_x0 + max(56, 2 * c)
            self.out_y = y + max(0, (grid_h - out_h) // 2)
            in_label = self.input_label()
            self.out_x = max(self.out_x, self.in_x + text_width(in_label, 13) + 16)
            content_right = self.out_x + max(out_w, text_width(self.output_label(), 13))
            bottom = y + max(grid_h, out_h)
        self.step_y = bottom + 26
        self.legend_y = self.step_y + 22
        items = self.legend_items()
        x, line = _MARGIN, 0
        self.legend_pos = []
        width_limit = max(content_right, 560)
        for _, label in items:
            w = 20 + text_width(label, 12) + 18
            if x + w > width_limit and x > _MARGIN:
                x, line = _MARGIN, line + 1
            self.legend_pos.append((x, self.legend_y + line * 22))
            x += w
        legend_right = max(
            (px + 20 + text_width(lbl, 12) for (px, _), (_, lbl) in zip(self.legend_pos, items)), default=0
        )
        self.height = self.legend_y + line * 22 + 14 + _MARGIN
        texts = (
            [text_width(self.title, 18)]
            + [text_width(t, 13) for t in self.subtitles]
            + [text_width(t, 12) for t in self.notes]
        )
        self.width = max(content_right, legend_right, _MARGIN + max(texts), _MARGIN + text_width(self.step_text(0), 13))
        self.width += _MARGIN

    def input_label(self) -> str:
        geo = self.geo
        axes = geo.axes
        spatial = _shape_text([a.n for a in axes])
        drawn = _shape_text([a.cells for a in axes])
        if geo.transposed:
            stretched = _shape_text([(a.n - 1) * a.stride + 1 for a in axes])
            text = f"input {spatial}, stretched to {stretched}"
            if any(k == "padding" for a in axes for k in a.kinds):
                text += f", padded to {drawn}"
            if any(c for a in axes for c in a.cropped):
                kept = _shape_text([a.out + a.span - 1 for a in axes])
                text += f", cropped to {kept}"
            return text
        if any(a.lo or a.hi for a in axes):
            return f"input {spatial}, padded to {drawn}"
        return f"input {spatial}"

    def output_label(self) -> str:
        return f"output {_shape_text(self.geo.output_size)}"

    def legend_items(self) -> list[tuple[str, str]]:
        geo = self.geo
        axes = geo.axes
        items = [("swatch-input", "input")]
        if any(k == "padding" for a in axes for k in a.kinds):
            items.append(("swatch-padding", "padding (zeros)"))
        if any(k == "zero" for a in axes for k in a.kinds):
            items.append(("swatch-zero", "inserted zero (s − 1 between inputs)"))
        if any(c for a in axes for c in a.cropped):
            items.append(("swatch-input swatch-cropped", "cropped"))
        if self.unread_cells():
            items.append(("swatch-input swatch-unread", "never read"))
        dilated = any(a.dilation > 1 for a in axes)
        items.append(("swatch-tap", "kernel taps" + (" (dilated)" if dilated else "")))
        items.append(("swatch-current", "current output"))
        if geo.positions > 1:
            items.append(("swatch-done", "computed"))
        return items

    def unread_cells(self) -> list[tuple[int, int]]:
        rows, cols = self.geo.rows, self.geo.cols
        return [
            (gy, gx)
            for gy in range(rows.cells)
            for gx in range(cols.cells)
            if self.kind(gy, gx) == "input"
            and not (rows.cropped[gy] or cols.cropped[gx])
            and (gy not in self.covered_rows or gx not in self.covered_cols)
        ]

    def kind(self, gy: int, gx: int) -> str:
        a, b = self.geo.rows.kinds[gy], self.geo.cols.kinds[gx]
        if "padding" in (a, b):
            return "padding"
        if "zero" in (a, b):
            return "zero"
        return "input"

    # ---- coordinates
    def in_xy(self, gy: int, gx: int) -> tuple[float, float]:
        return self.in_x + gx * self.cell, self.in_y + gy * self.cell

    def out_xy(self, r: int, col: int) -> tuple[float, float]:
        c = self.cell
        if self.one_d:
            axis = self.geo.cols
            start = axis.origin + col * axis.step
            centre = self.in_x + (start + axis.span / 2) * c
            return centre - c / 2, self.out_y
        return self.out_x + col * c, self.out_y + r * c

    def step_text(self, index: int) -> str:
        geo = self.geo
        r, col = geo.window(index)
        where = f"({col})" if self.one_d else f"({r}, {col})"
        return f"position {index + 1} of {geo.positions}: output {where}"

    # ---- pieces
    def render(self) -> str:
        self.layout()
        self.draw_titles()
        self.draw_input()
        self.draw_output()
        self.draw_windows()
        self.draw_legend()
        defs = (
            '<pattern id="cc-hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
            'patternTransform="rotate(45)"><rect width="6" height="6" fill="none"/>'
            '<line x1="0" y1="0" x2="0" y2="6" stroke="#555" stroke-width="1.5"/></pattern>'
        )
        kind = "transposed convolution" if self.geo.transposed else "convolution"
        return svg_document(self.width, self.height, _STYLE, self.body, f"{kind}: {self.title}", defs)

    def draw_titles(self) -> None:
        out = self.body
        out.append(f"<text {attrs(cls='title', x=_MARGIN, y=self.title_y)}>{escape(self.title)}</text>")
        for text, y in zip(self.subtitles, self.subtitle_ys):
            out.append(f"<text {attrs(cls='subtitle', x=_MARGIN, y=y)}>{escape(text)}</text>")
        for text, y in zip(self.notes, self.note_ys):
            out.append(f"<text {attrs(cls='note', x=_MARGIN, y=y)}>{escape(text)}</text>")

    def cell_attrs(self, gy: int, gx: int) -> dict[str, object]:
        rows, cols = self.geo.rows, self.geo.cols
        values: dict[str, object] = {}
        if not self.one_d:
            values["data_row"] = rows.coords[gy]
        values["data_col"] = cols.coords[gx]
        return values

    def draw_input(self) -> None:
        geo, c, out = self.geo, self.cell, self.body
        rows, cols = geo.rows, geo.cols
        label_y = self.in_y - 8
        if self.one_d:
            out.append(f"<text {attrs(cls='label', x=_MARGIN, y=self.in_y + c / 2 + 5)}>input</text>")
            out.append(f"<text {attrs(cls='label', x=self.in_x, y=label_y)}>{escape(self.input_label())}</text>")
        else:
            out.append(f"<text {attrs(cls='label', x=self.in_x, y=label_y)}>{escape(self.input_label())}</text>")
        out.append('<g class="input-grid">')
        for gy in range(rows.cells):
            for gx in range(cols.cells):
                kind = self.kind(gy, gx)
                classes = ["cell", kind]
                if rows.cropped[gy] or cols.cropped[gx]:
                    classes.append("cropped")
                if kind == "padding" and (rows.extra[gy] or cols.extra[gx]):
                    classes.append("output-padding")
                extra = self.cell_attrs(gy, gx)
                if kind == "input" and geo.transposed:
                    if not self.one_d:
                        extra["data_src_row"] = rows.sources[gy]
                    extra["data_src_col"] = cols.sources[gx]
                x, y = self.in_xy(gy, gx)
                out.append(f"<rect {attrs(cls=' '.join(classes), x=x, y=y, width=c, height=c, **extra)}/>")
        for gy, gx in self.unread_cells():
            x, y = self.in_xy(gy, gx)
            out.append(f"<rect {attrs(cls='unread-mark', x=x, y=y, width=c, height=c, **self.cell_attrs(gy, gx))}/>")
        out.append("</g>")

    def draw_output(self) -> None:
        geo, c, out = self.geo, self.cell, self.body
        if self.one_d:
            out.append(f"<text {attrs(cls='label', x=_MARGIN, y=self.out_y + c / 2 + 5)}>output</text>")
        else:
            y = self.in_y + geo.rows.cells * c / 2
            x0, x1 = self.arrow_x0, self.out_x - 12
            out.append(f"<line {attrs(cls='arrow', x1=x0, y1=y, x2=x1 - 8, y2=y)}/>")
            out.append(
                f'<polygon class="arrow-head" points="{num(x1)},{num(y)} {num(x1 - 10)},{num(y - 6)} '
                f'{num(x1 - 10)},{num(y + 6)}"/>'
            )
            out.append(
                f"<text {attrs(cls='label', x=self.out_x, y=self.out_y - 8)}>{escape(self.output_label())}</text>"
            )
        out.append('<g class="output-grid">')
        for index in range(geo.positions):
            r, col = geo.window(index)
            x, y = self.out_xy(r, col)
            extra = {} if self.one_d else {"data_row": r}
            out.append(
                f"<rect {attrs(cls='cell output', x=x, y=y, width=c, height=c, **extra, data_col=col)}/>"
            )
        out.append("</g>")
        # outputs already computed: green, appearing as the window reaches them
        out.append('<g class="done-cells">')
        total, duration = self.shown, self.shown * self.step_seconds
        for index in range(total if self.frame is None else self.frame):
            r, col = geo.window(index)
            x, y = self.out_xy(r, col)
            extra = {} if self.one_d else {"data_row": r}
            if self.frame is None:
                anim = _visibility_animation(index, None, total, duration)
                vis = None if index == 0 else "hidden"
                out.append(
                    f"<rect {attrs(cls='done', x=x, y=y, width=c, height=c, visibility=vis, **extra, data_col=col)}>"
                    f"{anim}</rect>"
                )
            else:
                out.append(f"<rect {attrs(cls='done', x=x, y=y, width=c, height=c, **extra, data_col=col)}/>")
        out.append("</g>")

    def draw_windows(self) -> None:
        """One window: a still at ``frame``, or window 0 moved to each shown position in turn.

        Every window has the same taps, shifted by ``step`` cells per output
        row or column, so one ``animateTransform`` of discrete translations
        moves it; the step captions each show for their own frame.
        """
        geo, out = self.geo, self.body
        index = self.frame if self.frame is not None else 0
        r, col = geo.window(index)
        out.append('<g class="windows">')
        extra = {"data_out_row": None if self.one_d else r, "data_out_col": col}
        if self.frame is not None:
            out.append(f"<g {attrs(cls='window', data_index=index, **extra)}>")
            out.extend(self.window_elements(index))
            out.append(f"<text {attrs(cls='step', x=_MARGIN, y=self.step_y)}>{escape(self.step_text(index))}</text>")
            out.append("</g></g>")
            return
        total, duration = self.shown, self.shown * self.step_seconds
        parts = self.window_elements(0)
        current = [] if self.one_d else [parts.pop()]  # in 2-D the output cell moves by its own steps
        out.append(f"<g {attrs(cls='window', data_index=0, data_positions=total, **extra)}>")
        out.append(self.translations([self.offset(i) for i in range(total)], duration))
        out.extend(parts)
        out.append("</g>")
        if current:
            out.append('<g class="current-cell">')
            out.append(self.translations([self.out_offset(i) for i in range(total)], duration))
            out.extend(current)
            out.append("</g>")
        out.append('<g class="steps">')
        for i in range(total):
            anim = _visibility_animation(i, i + 1, total, duration)
            vis = None if i == 0 else "hidden"
            text = self.step_text(i)
            caption = attrs(cls="step", x=_MARGIN, y=self.step_y, visibility=vis, data_index=i)
            out.append(f"<text {caption}>{escape(text)}{anim}</text>")
        out.append("</g></g>")

    def offset(self, index: int) -> tuple[float, float]:
        """How far window ``index`` sits from window 0 on the input, in pixels (a 1-D output cell too)."""
        r, col = self.geo.window(index)
        return col * self.geo.cols.step * self.cell, r * self.geo.rows.step * self.cell

    def out_offset(self, index: int) -> tuple[float, float]:
        """How far output cell ``index`` sits from output cell 0, in pixels."""
        r, col = self.geo.window(index)
        return col * self.cell, r * self.cell

    @staticmethod
    def translations(offsets: list[tuple[float, float]], duration: float) -> str:
        """A looping, discrete ``animateTransform`` through ``offsets``, one step each."""
        if len(offsets) < 2:
            return ""
        total = len(offsets)
        return (
            f'<animateTransform attributeName="transform" type="translate" calcMode="discrete" '
            f'repeatCount="indefinite" dur="{num(duration)}s" '
            f'values="{";".join(f"{num(x)},{num(y)}" for x, y in offsets)}" '
            f'keyTimes="{";".join(_fraction(Fraction(i, total)) for i in range(total))}"/>'
        )

    def window_elements(self, index: int) -> list[str]:
        geo, c = self.geo, self.cell
        rows, cols = geo.rows, geo.cols
        r, col = geo.window(index)
        row_taps, col_taps = rows.taps(r), cols.taps(col)
        parts = []
        x0, y0 = self.in_xy(row_taps[0], col_taps[0])
        x1, y1 = self.in_xy(row_taps[-1], col_taps[-1])
        parts.append(
            f"<rect {attrs(cls='window-span', x=x0 - 2, y=y0 - 2, width=x1 - x0 + c + 4, height=y1 - y0 + c + 4)}/>"
        )
        inset = 3
        for gy in row_taps:
            for gx in col_taps:
                x, y = self.in_xy(gy, gx)
                parts.append(
                    f"<rect {attrs(cls='tap', x=x + inset, y=y + inset, width=c - 2 * inset, height=c - 2 * inset, **self.cell_attrs(gy, gx))}/>"
                )
        ox, oy = self.out_xy(r, col)
        if self.one_d:
            for gx in col_taps:
                x, y = self.in_xy(0, gx)
                parts.append(f"<line {attrs(cls='link', x1=x + c / 2, y1=y + c, x2=ox + c / 2, y2=oy)}/>")
        extra = {} if self.one_d else {"data_row": r}
        parts.append(f"<rect {attrs(cls='current', x=ox, y=oy, width=c, height=c, **extra, data_col=col)}/>")
        return parts

    def draw_legend(self) -> None:
        out = self.body
        out.append('<g class="legend">')
        for (cls, label), (x, y) in zip(self.legend_items(), self.legend_pos):
            out.append(f"<rect {attrs(cls='swatch ' + cls, x=x, y=y - 11, width=14, height=14)}/>")
            if "unread" in cls:
                out.append(f"<rect {attrs(cls='swatch-hatch', x=x, y=y - 11, width=14, height=14)}/>")
            out.append(f"<text {attrs(cls='legend-text', x=x + 20, y=y)}>{escape(label)}</text>")
        out.append("</g>")
