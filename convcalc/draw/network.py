"""A whole network drawn as a row of volumes, as the cs231n slides draw AlexNet.

One box per top-level volume: the input, then the output of every depth-0
row of the report. A box's height grows with the spatial size (square
root, so 224 and 7 both show), its width with the channels (log scale),
and its receding depth with the width W; flat ``[F]`` outputs are thin
bars. Between boxes, the layer's name and type. A composite top-level row
(parallel, residual, sequence, or a block use) is one box labelled with its
type; a parallel one also shows its branches side by side as small stacked
boxes, and a residual one a skip arc from the previous volume.

Every volume is a ``<g class="volume" data-shape="55×55×96" ...>`` (the
shape as the slides write it, H×W×C), so tests can count them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from ..render.escape import xml as escape
from ..render.escape import xml_chars
from .conv import attrs, num, svg_document, text_width

__all__ = ["draw_report", "shape_label"]

_MARGIN = 24
_FONT = "DejaVu Sans, Helvetica, Arial, sans-serif"
MAX_WIDTH = 1200
"""Lines of volumes wrap at about this many pixels."""

_STYLE = f"""
svg {{ font-family: {_FONT}; }}
.background {{ fill: #ffffff; }}
.title {{ font-size: 18px; font-weight: bold; fill: #222; }}
.subtitle {{ font-size: 13px; fill: #444; }}
.shape {{ font-size: 11px; fill: #222; text-anchor: middle; }}
.layer-name {{ font-size: 12px; fill: #222; text-anchor: middle; }}
.layer-type {{ font-size: 10px; fill: #777; text-anchor: middle; }}
.block-label {{ font-size: 11px; font-weight: bold; fill: #2d6a2d; text-anchor: middle; }}
.branch-label {{ font-size: 9px; fill: #555; text-anchor: middle; }}
.arrow {{ stroke: #888; stroke-width: 1.5; fill: none; }}
.arrow-head {{ fill: #888; }}
.skip {{ stroke: #2d6a2d; stroke-width: 1.5; fill: none; stroke-dasharray: 5 3; }}
.skip-label {{ font-size: 12px; font-weight: bold; fill: #2d6a2d; text-anchor: middle; }}
.face {{ stroke: #444; stroke-width: 0.8; stroke-linejoin: round; }}
.kind-input .front {{ fill: #bdbdbd; }} .kind-input .top {{ fill: #e0e0e0; }} .kind-input .side {{ fill: #9e9e9e; }}
.kind-conv .front {{ fill: #9ecae1; }} .kind-conv .top {{ fill: #c6dbef; }} .kind-conv .side {{ fill: #6baed6; }}
.kind-pool .front {{ fill: #fdae6b; }} .kind-pool .top {{ fill: #fdd0a2; }} .kind-pool .side {{ fill: #fd8d3c; }}
.kind-fc .front {{ fill: #bcbddc; }} .kind-fc .top {{ fill: #dadaeb; }} .kind-fc .side {{ fill: #9e9ac8; }}
.kind-other .front {{ fill: #deebf7; }} .kind-other .top {{ fill: #eff5fb; }} .kind-other .side {{ fill: #c6dbef; }}
.kind-block .front {{ fill: #c7e9c0; }} .kind-block .top {{ fill: #e5f5e0; }} .kind-block .side {{ fill: #a1d99b; }}
.composite .face {{ stroke: #2d6a2d; stroke-width: 1.2; }}
.branch-box {{ fill: #e5f5e0; stroke: #2d6a2d; stroke-width: 0.8; }}
.branch-box.identity {{ fill: #ffffff; stroke-dasharray: 2 2; }}
.branch-frame {{ fill: none; stroke: #a1d99b; stroke-width: 1; stroke-dasharray: 3 2; }}
"""


def shape_label(shape: Sequence[int]) -> str:
    """A channels-first shape as the slides write it: ``(96, 55, 55)`` → ``55×55×96``; ``(4096,)`` → ``4096``."""
    if len(shape) <= 1:
        return "×".join(str(v) for v in shape)
    return "×".join(str(v) for v in (*shape[1:], shape[0]))


def _human(value: int) -> str:
    from ..units import human

    return human(value)


def _kind(row_type: str, leaf: bool) -> str:
    if not leaf:
        return "block"
    if row_type in ("conv", "deconv", "convtranspose"):
        return "conv"
    if "pool" in row_type:
        return "pool"
    if row_type in ("fc", "linear", "dense", "flatten"):
        return "fc"
    return "other"


@dataclass
class _Volume:
    index: int
    name: str
    type: str
    shape: tuple[int, ...]
    kind: str
    row: object | None = None
    composite: bool = False
    residual: bool = False
    branches: list[list[object]] = field(default_factory=list)
    branch_rows: list[object] = field(default_factory=list)
    # geometry (front face w × h, receding offset)
    w: float = 0.0
    h: float = 0.0
    off: float = 0.0
    slot: float = 0.0
    left: float = 0.0
    gap: float = 0.0
    x: float = 0.0

    @property
    def flat(self) -> bool:
        return len(self.shape) <= 1

    @property
    def label(self) -> str:
        return shape_label(self.shape)

    @property
    def panel_height(self) -> float:
        if not self.branches:
            return 0.0
        return 16 + max(len(b) or 1 for b in self.branches) * 11 + 18

    @property
    def panel_width(self) -> float:
        return len(self.branches) * 22 + 8 if self.branches else 0.0


def _spatial_height(n: int) -> float:
    return 10 + 9 * math.sqrt(n)


def _channel_width(c: int) -> float:
    return 6 + 5 * math.log2(max(c, 1))


def _geometry(vol: _Volume) -> None:
    shape = vol.shape
    if vol.flat:
        features = shape[0] if shape else 1
        vol.w, vol.h, vol.off = 9.0, 10 + 8 * math.log2(max(features, 1)), 3.0
        return
    channels, spatial = shape[0], shape[1:]
    vol.w = _channel_width(channels)
    if len(spatial) == 1:
        vol.h, vol.off = _spatial_height(spatial[0]), 4.0
    else:
        vol.h = _spatial_height(spatial[-2])
        vol.off = 0.3 * _spatial_height(spatial[-1])


def _layer_texts(vol: _Volume) -> tuple[str, str]:
    """Name above the arrow, type below (left out when the name already says it)."""
    stem = vol.name.rstrip("0123456789.")
    kind = "" if stem == vol.type or vol.composite else vol.type
    return vol.name, kind


def _volumes(report) -> list[_Volume]:  # noqa: ANN001 - a convcalc.Report
    rows = list(report.rows)
    volumes = [_Volume(0, "input", "input", tuple(report.input_shape), "input")]
    for i, row in enumerate(rows):
        if row.depth != 0:
            continue
        vol = _Volume(
            len(volumes),
            xml_chars(row.name),
            xml_chars(row.type),
            tuple(row.output_shape),
            _kind(row.type, row.leaf),
            row=row,
            composite=not row.leaf,
        )
        if not row.leaf:
            inside = []
            for later in rows[i + 1 :]:
                if later.depth == 0:
                    break
                inside.append(later)
            vol.residual = row.type == "residual" or any(r.type == "residual" and r.depth == 1 for r in inside)
            parallel = row if row.type == "parallel" else next((r for r in inside if r.type == "parallel"), None)
            if parallel is not None:
                vol.branches, vol.branch_rows = _branches(parallel, inside)
        volumes.append(vol)
    return volumes


def _children(parent, rows) -> list:  # noqa: ANN001
    depth, path = parent.depth + 1, parent.path
    return [r for r in rows if r.depth == depth and r.path[: len(path)] == path]


def _branches(parallel, inside) -> tuple[list[list[object]], list[object]]:  # noqa: ANN001
    branch_rows = _children(parallel, inside)
    return [_children(b, inside) for b in branch_rows], branch_rows


def draw_report(report, *, depth: int | None = None, max_width: int = MAX_WIDTH) -> str:  # noqa: ANN001
    """An SVG of the network in ``report`` (a :class:`convcalc.Report`).

    ``depth=0``, or a network without composites: one box per top-level
    volume. ``depth`` ≥ 1: composites opened that many levels, every layer a
    card with its window and volume (:mod:`convcalc.draw.parts`); ``None``:
    as deep as keeps the cards within :data:`convcalc.draw.parts.MAX_BOXES`.
    """
    graph = report.graph_like
    if depth != 0 and (graph or any(not row.leaf for row in report.rows)):
        from .parts import draw_parts, fitting_depth

        opened = fitting_depth(report) if depth is None else depth
        if graph:
            from .graph_layout import draw_graph

            return draw_graph(report, opened)
        return draw_parts(report, opened)
    return draw_volumes(report, max_width=max_width)


def draw_volumes(report, *, max_width: int = MAX_WIDTH) -> str:  # noqa: ANN001 - a convcalc.Report
    """One box per top-level volume, as the cs231n slides draw AlexNet."""
    volumes = _volumes(report)
    for vol in volumes:
        _geometry(vol)
        half_label = text_width(vol.label, 11) / 2
        half_block = text_width(vol.type, 11) / 2 if vol.composite else 0.0
        half_panel = vol.panel_width / 2
        vol.left = max(vol.w / 2, half_label, half_panel, half_block - vol.off / 2)
        vol.slot = vol.left + max(vol.w / 2 + vol.off, half_label, half_panel, half_block + vol.off / 2)
        if vol.index:
            name, kind = _layer_texts(vol)
            vol.gap = max(46.0, text_width(name, 12) + 14, text_width(kind, 10) + 14)
    lines = _balanced_lines(volumes, max_width)

    title = report.name or "network"
    totals = report.totals
    subtitle = (
        f"input {shape_label(report.input_shape)} → output {shape_label(report.output_shape)} · "
        f"{_human(totals.params)} parameters · {_human(totals.macs)} MACs · "
        f"{len(volumes) - 1} top-level layers (H×W×C)"
    )
    body: list[str] = []
    y = _MARGIN + 18
    body.append(f"<text {attrs(cls='title', x=_MARGIN, y=y)}>{escape(title)}</text>")
    y += 20
    body.append(f"<text {attrs(cls='subtitle', x=_MARGIN, y=y)}>{escape(subtitle)}</text>")
    y += 16
    right = _MARGIN + max(text_width(title, 18), text_width(subtitle, 13))

    previous: _Volume | None = None
    for line in lines:
        arc_room = 36 if any(v.residual for v in line) else 0
        block_room = 16 if any(v.composite for v in line) else 0
        above = max(v.h / 2 + v.off for v in line)
        below = max(v.h / 2 for v in line)
        centre = y + arc_room + block_room + above + 6
        label_y = centre + below + 16
        panel_top = label_y + 8
        bottom = panel_top + max(v.panel_height for v in line)
        for vol in line:
            if vol.index:
                body.extend(_gap(vol, centre, continued=vol is line[0]))
            if vol.residual and previous is not None:
                body.extend(_skip(previous, vol, centre, same_line=vol is not line[0]))
            body.extend(_volume(vol, centre, label_y, panel_top))
            right = max(right, vol.x + vol.slot)
            previous = vol
        y = bottom + 18
    width, height = right + _MARGIN, y + _MARGIN - 10
    return svg_document(width, height, _STYLE, body, xml_chars(title))


def _cx(vol: _Volume) -> float:
    """Centre of the front face."""
    return vol.x + vol.left


def _wrap(volumes: list[_Volume], limit: float) -> list[list[_Volume]]:
    """Greedy lines no wider than ``limit`` (a single volume wider than it gets a line of its own)."""
    lines: list[list[_Volume]] = [[]]
    x = _MARGIN
    for vol in volumes:
        need = vol.gap + vol.slot
        if lines[-1] and x + need > limit:
            lines.append([])
            x = _MARGIN
        vol.x = x + vol.gap  # left edge of the slot
        lines[-1].append(vol)
        x += need
    return lines


def _balanced_lines(volumes: list[_Volume], max_width: float) -> list[list[_Volume]]:
    """As few lines as fit in ``max_width``, then as even as the same number of lines allows."""
    lines = _wrap(volumes, max_width)
    count = len(lines)
    if count > 1:
        total = sum(v.gap + v.slot for v in volumes)
        limit = _MARGIN + total / count
        while limit < max_width:
            trial = _wrap(volumes, limit)
            if len(trial) <= count:
                return trial
            limit += 10
        lines = _wrap(volumes, max_width)
    return lines


def _gap(vol: _Volume, centre: float, continued: bool) -> list[str]:
    name, kind = _layer_texts(vol)
    x1 = _cx(vol) - vol.w / 2 - 4
    x0 = x1 - vol.gap + 8
    mid = (x0 + x1) / 2
    parts = [f"<g {attrs(cls='layer', data_name=vol.name, data_type=vol.type)}>"]
    parts.append(f"<line {attrs(cls='arrow', x1=x0, y1=centre, x2=x1 - 6, y2=centre)}/>")
    parts.append(
        f'<polygon class="arrow-head" points="{num(x1)},{num(centre)} {num(x1 - 7)},{num(centre - 4)} '
        f'{num(x1 - 7)},{num(centre + 4)}"/>'
    )
    parts.append(f"<text {attrs(cls='layer-name', x=mid, y=centre - 7)}>{escape(name)}</text>")
    if kind:
        parts.append(f"<text {attrs(cls='layer-type', x=mid, y=centre + 15)}>{escape(kind)}</text>")
    parts.append("</g>")
    return parts


def _skip(previous: _Volume, vol: _Volume, centre: float, same_line: bool) -> list[str]:
    """The shortcut: a dashed arc from the previous volume over to this one, clear of the block labels."""

    def landing(v: _Volume) -> float:
        return centre - v.h / 2 - v.off - (20 if v.composite else 4)

    x1, y1 = _cx(vol) + vol.off / 2, landing(vol)
    if same_line:
        x0, y0 = _cx(previous) + previous.off / 2, landing(previous)
    else:  # the previous volume ended the line above: start the arc at the line's left margin
        x0, y0 = _MARGIN, y1
    peak = min(y0, y1) - 18
    return [
        f'<path class="skip" d="M {num(x0)} {num(y0)} C {num(x0)} {num(peak)}, '
        f'{num(x1)} {num(peak)}, {num(x1)} {num(y1)}"/>',
        f"<text {attrs(cls='skip-label', x=(x0 + x1) / 2, y=peak + 9)}>+</text>",
    ]


def _volume(vol: _Volume, centre: float, label_y: float, panel_top: float) -> list[str]:
    cx = _cx(vol)
    left, right = cx - vol.w / 2, cx + vol.w / 2
    top, bottom = centre - vol.h / 2, centre + vol.h / 2
    o = vol.off
    classes = ["volume", f"kind-{vol.kind}"]
    if vol.flat:
        classes.append("flat")
    if vol.composite:
        classes.append("composite")
    row = vol.row
    tooltip = f"{vol.name} ({vol.type}): {vol.label}"
    if row is not None:
        tooltip += f", {row.params:,} parameters, {row.macs:,} MACs"
    parts = [
        f"<g {attrs(cls=' '.join(classes), data_shape=vol.label, data_chw=','.join(map(str, vol.shape)), data_name=vol.name, data_type=vol.type, data_index=vol.index)}>",
        f"<title>{escape(tooltip)}</title>",
        f'<polygon class="face top" points="{num(left)},{num(top)} {num(left + o)},{num(top - o)} '
        f'{num(right + o)},{num(top - o)} {num(right)},{num(top)}"/>',
        f'<polygon class="face side" points="{num(right)},{num(top)} {num(right + o)},{num(top - o)} '
        f'{num(right + o)},{num(bottom - o)} {num(right)},{num(bottom)}"/>',
        f"<rect {attrs(cls='face front', x=left, y=top, width=vol.w, height=vol.h)}/>",
        f"<text {attrs(cls='shape', x=cx, y=label_y)}>{escape(vol.label)}</text>",
    ]
    if vol.composite:
        parts.append(f"<text {attrs(cls='block-label', x=cx + o / 2, y=top - o - 6)}>{escape(vol.type)}</text>")
    if vol.branches:
        parts.extend(_branch_panel(vol, cx, panel_top))
    parts.append("</g>")
    return parts


def _branch_panel(vol: _Volume, cx: float, top: float) -> list[str]:
    width = vol.panel_width
    x0 = cx - width / 2
    parts = [
        f'<g class="branches" data-count="{len(vol.branches)}">',
        f"<rect {attrs(cls='branch-frame', x=x0, y=top, width=width, height=vol.panel_height - 4)}/>",
        f"<text {attrs(cls='branch-label', x=cx, y=top + 11)}>{len(vol.branches)} branches</text>",
    ]
    for b, (branch, branch_row) in enumerate(zip(vol.branches, vol.branch_rows)):
        bx = x0 + 4 + b * 22 + 2
        y = top + 16
        parts.append(
            f"<g {attrs(cls='branch', data_name=xml_chars(branch_row.name), data_shape=shape_label(branch_row.output_shape))}>"
        )
        if not branch:
            parts.append(
                f"<rect {attrs(cls='branch-box identity', x=bx, y=y, width=16, height=9)}><title>identity</title></rect>"
            )
            y += 11
        for child in branch:
            tip = f"{'/'.join(child.path)} ({child.type}): {shape_label(child.output_shape)}"
            parts.append(
                f"<rect {attrs(cls='branch-box', x=bx, y=y, width=16, height=9)}><title>{escape(tip)}</title></rect>"
            )
            y += 11
        channels = branch_row.output_shape[0] if branch_row.output_shape else ""
        bottom = top + 16 + max(len(b) or 1 for b in vol.branches) * 11
        parts.append(f"<text {attrs(cls='branch-label', x=bx + 8, y=bottom + 9)}>{channels}</text>")
        parts.append("</g>")
    parts.append("</g>")
    return parts
