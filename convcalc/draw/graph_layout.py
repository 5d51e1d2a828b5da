"""A network that reads through ``from`` drawn as a graph: resolution levels as bands, U-Net as a U.

The items are those of :mod:`convcalc.draw.parts` (cards, opened blocks,
forks), one per top-level row, plus one card per network input. Laying
them out takes three simple passes, in the order of the rows:

1. **Level** (the band, top to bottom): an input's level comes from its
   size (each halving of the largest input one level down). An item that
   reads through ``from`` a source of about its own size (within 2×) takes
   that source's level: U-Net's decoder stage sits beside the encoder stage
   it concatenates. Otherwise an item goes one level down when its
   spatial size shrinks below ¾ of what it reads, one up when it grows past
   4/3, and stays put else.
2. **Column**: consecutive items on one level, each reading the one
   before, share a column (drawn one under the other) up to a height;
   any other item starts the next column, left to right.
3. **Edges**: arrows inside a column; an elbow from one column's last item
   to the next column's first when it reads it; every other read (a skip
   connection, a second input) a dashed arrow routed along a lane above
   the target's band.

An encoder goes down the bands, the decoder comes back up: a U.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from .conv import attrs, num, svg_document, text_width
from .parts import _GAP, _STYLE, MAX_HEIGHT, Card, Chain, _Builder, _head, _shape_label

__all__ = ["draw_graph"]

_MARGIN = 24
_COLUMN_GAP = 48
_BAND_GAP = 34
_LANE = 8


@dataclass
class _Node:
    item: Card | Chain
    level: int
    paths: set[str]
    reads: list[str]
    size: int | None
    column: int = 0
    x: float = 0.0
    y: float = 0.0


@dataclass
class _Column:
    nodes: list[_Node] = field(default_factory=list)
    level: int = 0
    chain: Chain | None = None
    x: float = 0.0


def _spatial(shape: tuple[int, ...]) -> int | None:
    return max(shape[1:]) if len(shape) > 1 else None


def _covered(item: Card | Chain, row_path: str) -> set[str]:
    """The row paths an item stands for: its own, the rows folded into it, anything inside it."""
    paths = {row_path}
    if isinstance(item, Card):
        paths |= {p for p, _ in item.folded}
    return paths


def _levels(nodes: list[_Node], owner: dict[str, _Node]) -> None:
    sizes = [n.size for n in nodes if not n.reads and n.size]
    base = max(sizes) if sizes else None
    previous: _Node | None = None
    for node in nodes:
        sources = [owner[p] for p in node.reads if p in owner and owner[p] is not node]
        if not node.reads:  # a network input
            node.level = round(math.log2(base / node.size)) if base and node.size else 0
        else:
            reference = previous if previous in sources else (sources[0] if sources else previous)
            skips = [s for s in sources if s is not previous and s.size and node.size]
            near = [s for s in skips if abs(math.log2(node.size / s.size)) < 1]
            if near:
                node.level = near[0].level
            elif reference is None:
                node.level = 0
            elif reference.size and node.size and node.size * 4 < reference.size * 3:
                node.level = reference.level + 1
            elif reference.size and node.size and node.size * 3 > reference.size * 4:
                node.level = reference.level - 1
            else:
                node.level = reference.level
        previous = node
    lowest = min(n.level for n in nodes)
    for node in nodes:
        node.level -= lowest


def _nodes(report, depth: int) -> list[_Node]:  # noqa: ANN001
    builder = _Builder(report, depth)
    nodes = []
    for name, shape in report.inputs:
        card = Card(name, "input", "input", (name, "input", _shape_label(shape)))
        nodes.append(_Node(card, 0, {name}, [], _spatial(shape)))
    for item in builder.top():
        row = item.row
        reads = [p.split("/")[0] for p in row.input_paths]
        nodes.append(_Node(item, 0, _covered(item, row.path_text), reads, _spatial(row.output_shape)))
    return nodes


def _columns(nodes: list[_Node], max_height: float) -> list[_Column]:
    """Columns in row order; a column taller than ``max_height`` goes on in the next one, on its level."""
    columns: list[_Column] = []
    previous: _Node | None = None
    height = 0.0
    for node in nodes:
        node.item.measure()
        joined = previous is not None and previous.level == node.level and bool(previous.paths & set(node.reads))
        if joined and height + _GAP + node.item.h > max_height:
            joined = False
        height = height + _GAP + node.item.h if joined else node.item.h
        if not joined:
            columns.append(_Column(level=node.level))
        node.column = len(columns) - 1
        node.item.joined = joined
        columns[-1].nodes.append(node)
        previous = node
    return columns


def draw_graph(report, depth: int, max_height: float = MAX_HEIGHT) -> str:  # noqa: ANN001 - a convcalc.Report
    """An SVG of a graph-like ``report`` (several inputs or outputs, or ``from``), laid out in bands."""
    nodes = _nodes(report, depth)
    owner = {path: node for node in nodes for path in node.paths}
    _levels(nodes, owner)
    columns = _columns(nodes, max_height)
    skips = []
    for node in nodes:
        previous_column_last = columns[node.column - 1].nodes[-1] if node.column else None
        for path in node.reads:
            source = owner.get(path)
            if source is None or source is node:
                continue
            chained = source.column == node.column or (
                source is previous_column_last and node is columns[node.column].nodes[0]
            )
            if not chained:
                skips.append((source, node))
    levels = max(n.level for n in nodes) + 1
    lanes = [sum(1 for _, target in skips if target.level == level) for level in range(levels)]
    for column in columns:
        column.chain = Chain([n.item for n in column.nodes])
        column.chain.measure()
    heights = [max((c.chain.h for c in columns if c.level == level), default=0.0) for level in range(levels)]
    title = report.name or "network"
    subtitle = (
        f"{len(report.inputs)} input{'s' if len(report.inputs) != 1 else ''} · "
        f"{len(report.outputs)} output{'s' if len(report.outputs) != 1 else ''} · "
        "bands: resolution levels (top: the largest); dashed: what a layer reads through from"
    )
    body = [
        f"<text {attrs(cls='title', x=_MARGIN, y=_MARGIN + 18)}>{escape(title)}</text>",
        f"<text {attrs(cls='subtitle', x=_MARGIN, y=_MARGIN + 38)}>{escape(subtitle)}</text>",
    ]
    band_top = []
    y = _MARGIN + 56
    for level in range(levels):
        y += 14 + _LANE * lanes[level]
        band_top.append(y)
        y += heights[level] + _BAND_GAP
    x = _MARGIN
    for column in columns:
        column.x = x + column.chain.w / 2
        x += column.chain.w + _COLUMN_GAP
    for index, column in enumerate(columns):
        top = band_top[column.level]
        body.append(f"<g {attrs(cls='band-column', data_level=column.level, data_column=index)}>")
        column.chain.draw(column.x, top, body)
        body.append("</g>")
        ny = top
        for node in column.nodes:
            node.x, node.y = column.x, ny
            ny += node.item.h + _GAP
    for prev, column in zip(columns, columns[1:]):
        first, last = column.nodes[0], prev.nodes[-1]
        if last.paths & set(first.reads):
            body.append(_elbow(last, first, column.x - column.chain.w / 2 - _COLUMN_GAP / 2))
    lane_used = [0] * levels
    for source, target in skips:
        lane_used[target.level] += 1
        lane_y = band_top[target.level] - 10 - _LANE * (lane_used[target.level] - 1)
        body.append(_skip(source, target, lane_y))
    width = max(x - _COLUMN_GAP + _MARGIN, _MARGIN * 2 + max(text_width(subtitle, 13), text_width(title, 18)))
    return svg_document(width, y + _MARGIN - _BAND_GAP + 10, _STYLE, body, title)


def _elbow(source: _Node, target: _Node, gap_x: float) -> str:
    """From the foot of ``source`` to the head of ``target`` through the gap between their columns."""
    x0, y0 = source.x, source.y + source.item.h
    x1, y1 = target.x, target.y
    path = (
        f"M {num(x0)} {num(y0)} L {num(x0)} {num(y0 + 10)} L {num(gap_x)} {num(y0 + 10)} "
        f"L {num(gap_x)} {num(y1 - 5)} L {num(x1)} {num(y1 - 5)} L {num(x1)} {num(y1 - 6)}"
    )
    return f'<path class="arrow" d="{path}"/>' + _head(x1, y1, 0, 1)


def _skip(source: _Node, target: _Node, lane_y: float) -> str:
    """A read through ``from``: out of the source's side, along the lane above the target's band, into its side."""
    sx = source.x + source.item.w / 2
    sy = source.y + min(source.item.h / 2, 20)
    tx = target.x - target.item.w / 2
    ty = target.y + min(target.item.h / 2, 20)
    if tx < sx:  # the target is to the left (or above in one column): come in from its right side
        tx = target.x + target.item.w / 2
        into = tx + 8
        head = _head(tx, ty, -1, 0)
    else:
        into = tx - 8
        head = _head(tx, ty, 1, 0)
    path = (
        f"M {num(sx)} {num(sy)} L {num(sx + 8)} {num(sy)} L {num(sx + 8)} {num(lane_y)} "
        f"L {num(into)} {num(lane_y)} L {num(into)} {num(ty)} L {num(tx)} {num(ty)}"
    )
    edge = attrs(cls="read", data_from=source.item.path, data_to=target.item.path)
    return f'<g {edge}><path class="skip" d="{path}"/>{head}</g>'
