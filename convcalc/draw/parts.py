"""A network drawn as its parts: every layer a card, composites opened down to a depth.

The drawing reads only the report's rows (paths, types, shapes, and the
window each layer rule notes, ``conv 3×3 /2 pad 1``). The row tree becomes
three kinds of item, each measured, then drawn centred on a vertical line:

- a :class:`Card`: one layer, or a composite left closed, as three lines
  of text (name; type and window; output volume H×W×C);
- a :class:`Chain`: items one under the other, joined by arrows; an opened
  block, stage or sequence is a chain in a dashed frame titled with its
  name and type;
- a :class:`Fork`: a ``parallel`` or ``residual`` row: its branches side by
  side, joined at the bottom by a merge node (``concat`` or ``+``); an
  identity branch (a residual's plain shortcut) is the skip arc beside the
  main path.

The top-level chain is cut into columns (at item boundaries) when it grows
taller than :data:`MAX_HEIGHT`; an elbow arrow leads from the foot of one
column to the head of the next. ``depth`` counts the composite levels
opened: a ``parallel``/``residual`` and its branch rows are one level.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape

from ..explain import children_of
from .conv import attrs, num, svg_document, text_width

__all__ = ["draw_parts", "boxes_at_depth", "fitting_depth"]

MAX_HEIGHT = 1500
"""A column of the drawing is cut at about this many pixels."""
MAX_BOXES = 160
"""Without a depth, composites are opened as deep as keeps the cards within this many."""

_MARGIN = 24
_GAP = 22
_BRANCH_GAP = 18
_FORK_TOP = 22
_MERGE = 40
_FRAME_HEAD = 24
_FRAME_PAD = 10
_SKIP_ROOM = 34
_COLUMN_GAP = 56
_FONT = "DejaVu Sans, Helvetica, Arial, sans-serif"
FORKS = ("parallel", "residual")

_STYLE = f"""
svg {{ font-family: {_FONT}; }}
.background {{ fill: #ffffff; }}
.title {{ font-size: 18px; font-weight: bold; fill: #222; }}
.subtitle {{ font-size: 13px; fill: #444; }}
.card {{ stroke: #444; stroke-width: 1; rx: 5; }}
.card-name {{ font-size: 12px; font-weight: bold; fill: #222; text-anchor: middle; }}
.card-kind {{ font-size: 12px; fill: #222; text-anchor: middle; }}
.card-shape {{ font-size: 12px; fill: #333; text-anchor: middle; }}
.card-from {{ font-size: 11px; fill: #2d6a2d; text-anchor: middle; }}
.card-folded {{ font-size: 11px; fill: #555; text-anchor: middle; font-style: italic; }}
.kind-input .card {{ fill: #e0e0e0; }}
.kind-conv .card {{ fill: #c6dbef; }}
.kind-pool .card {{ fill: #fdd0a2; }}
.kind-fc .card {{ fill: #dadaeb; }}
.kind-other .card {{ fill: #f4f6fa; }}
.kind-block .card {{ fill: #e5f5e0; stroke: #2d6a2d; }}
.arrow {{ stroke: #777; stroke-width: 1.4; fill: none; }}
.arrow-head {{ fill: #777; }}
.skip {{ stroke: #2d6a2d; stroke-width: 1.6; fill: none; stroke-dasharray: 5 3; }}
.merge {{ fill: #ffffff; stroke: #2d6a2d; stroke-width: 1.4; }}
.merge-label {{ font-size: 11px; font-weight: bold; fill: #2d6a2d; text-anchor: middle; }}
.frame {{ fill: none; stroke: #8fbf8f; stroke-width: 1.2; stroke-dasharray: 4 3; rx: 8; }}
.frame-label {{ font-size: 12px; font-weight: bold; fill: #2d6a2d; }}
.identity-label {{ font-size: 11px; fill: #2d6a2d; text-anchor: middle; }}
"""


def _shape_label(shape: Sequence[int]) -> str:
    from .network import shape_label

    return shape_label(shape)


def _kind(row_type: str, leaf: bool) -> str:
    from .network import _kind as volume_kind

    return volume_kind(row_type, leaf)


# --------------------------------------------------------------------------- the items


@dataclass
class Card:
    """A layer (or a closed composite); ``folded``: the shape-keeping layers after it (bn, relu, ...),
    written on its last line instead of cards of their own."""

    path: str
    type: str
    kind: str
    lines: tuple[str, str, str]
    folded: list[tuple[str, str]] = field(default_factory=list)
    w: float = 0.0
    h: float = 0.0
    row: Any = None
    joined: bool = True
    """It reads the item drawn before it (the arrow between them is drawn)."""
    source: str = ""
    """What it reads through ``from``, written on the card (``← enc4``)."""

    @property
    def last_path(self) -> str:
        return self.folded[-1][0] if self.folded else self.path

    @property
    def texts(self) -> list[tuple[str, str]]:
        out = list(zip(("card-name", "card-kind", "card-shape"), self.lines))
        if self.source:
            out.insert(1, ("card-from", self.source))
        if self.folded:
            out.append(("card-folded", "+ " + " + ".join(kind for _, kind in self.folded)))
        return [(cls, text) for cls, text in out if text]

    def measure(self) -> None:
        self.w = max(96.0, max(text_width(t, 12) for _, t in self.texts) + 18)
        self.h = 8.0 + 15 * len(self.texts)

    def draw(self, cx: float, top: float, out: list[str]) -> None:
        x = cx - self.w / 2
        folded = " ".join(path for path, _ in self.folded) or None
        card = attrs(cls=f"layer-card kind-{self.kind}", data_path=self.path, data_type=self.type, data_folded=folded)
        out.append(f"<g {card}>")
        out.append(f"<rect {attrs(cls='card', x=x, y=top, width=self.w, height=self.h)}/>")
        for i, (cls, line) in enumerate(self.texts):
            out.append(f"<text {attrs(cls=cls, x=cx, y=top + 16 + 15 * i)}>{escape(line)}</text>")
        out.append("</g>")


@dataclass
class Chain:
    items: list[Card | Chain | Fork]
    title: str = ""
    path: str = ""
    w: float = 0.0
    h: float = 0.0
    row: Any = None
    joined: bool = True

    @property
    def last_path(self) -> str:
        return self.path

    def measure(self) -> None:
        for item in self.items:
            item.measure()
        self.w = max((item.w for item in self.items), default=0.0)
        self.h = sum(item.h for item in self.items) + _GAP * max(len(self.items) - 1, 0)
        if self.title:
            self.w = max(self.w + 2 * _FRAME_PAD, text_width(self.title, 12) + 2 * _FRAME_PAD)
            self.h += _FRAME_HEAD + _FRAME_PAD

    def draw(self, cx: float, top: float, out: list[str]) -> None:
        if self.title:
            out.append(f"<g {attrs(cls='frame-group', data_path=self.path)}>")
            out.append(f"<rect {attrs(cls='frame', x=cx - self.w / 2, y=top, width=self.w, height=self.h)}/>")
            x = cx - self.w / 2 + _FRAME_PAD
            out.append(f"<text {attrs(cls='frame-label', x=x, y=top + 16)}>{escape(self.title)}</text>")
            top += _FRAME_HEAD
        y = top
        for i, item in enumerate(self.items):
            if i and item.joined:
                out.append(_arrow(cx, y - _GAP, cx, y))
            item.draw(cx, y, out)
            y += item.h + _GAP
        if self.title:
            out.append("</g>")


@dataclass
class Fork:
    path: str
    branches: list[Chain]
    names: list[str]
    merge: str
    shape: str = ""
    w: float = 0.0
    h: float = 0.0
    skip: bool = False
    columns: list[Chain] = field(default_factory=list)
    row: Any = None
    joined: bool = True

    @property
    def last_path(self) -> str:
        return self.path

    def measure(self) -> None:
        for branch in self.branches:
            branch.measure()
        self.columns = [b for b in self.branches if b.items]
        self.skip = len(self.columns) < len(self.branches)
        widths = [b.w for b in self.columns] or [40.0]
        self.w = sum(widths) + _BRANCH_GAP * (len(widths) - 1) + (2 * _SKIP_ROOM if self.skip else 0)
        self.w = max(self.w, 2 * (text_width(self.merge_text, 11) + 20))
        self.h = _FORK_TOP + max((b.h for b in self.columns), default=20.0) + _MERGE

    def draw(self, cx: float, top: float, out: list[str]) -> None:
        fork = attrs(cls="fork", data_path=self.path, data_branches=len(self.branches), data_merge=self.merge)
        out.append(f"<g {fork}>")
        widths = [b.w for b in self.columns]
        left = cx - (sum(widths) + _BRANCH_GAP * (len(widths) - 1)) / 2
        merge_y = top + self.h - 12
        body_top = top + _FORK_TOP
        for branch in self.columns:
            bx = left + branch.w / 2
            out.append(f'<path class="arrow" d="M {num(cx)} {num(top)} L {num(bx)} {num(body_top - 6)}"/>')
            out.append(_head(bx, body_top - 6 + 6, 0, 1))
            branch.draw(bx, body_top, out)
            bottom = body_top + branch.h
            out.append(
                f'<path class="arrow" d="M {num(bx)} {num(bottom)} L {num(bx)} {num(merge_y - 16)} '
                f'L {num(cx)} {num(merge_y - 10)}"/>'
            )
            left += branch.w + _BRANCH_GAP
        if self.skip:
            right = cx + self.w / 2 - 6
            out.append(
                f'<path class="skip" d="M {num(cx)} {num(top)} C {num(right)} {num(top)}, {num(right)} {num(top)}, '
                f'{num(right)} {num(top + 30)} L {num(right)} {num(merge_y - 30)} '
                f'C {num(right)} {num(merge_y)}, {num(right)} {num(merge_y)}, {num(cx + 10)} {num(merge_y)}"/>'
            )
            lx, ly = right - 4, (top + merge_y) / 2
            turn = f"rotate(90 {num(lx)} {num(ly)})"
            out.append(f"<text {attrs(cls='identity-label', x=lx, y=ly, transform=turn)}>identity</text>")
        out.append(f"<circle {attrs(cls='merge', cx=cx, cy=merge_y, r=10)}/>")
        symbol = "+" if self.merge == "+" else "C"
        out.append(f"<text {attrs(cls='merge-label', x=cx, y=merge_y + 4)}>{symbol}</text>")
        anchor, lx = ("end", cx - 16) if self.skip else ("start", cx + 16)
        out.append(
            f"<text {attrs(cls='merge-label', x=lx, y=merge_y + 4, style=f'text-anchor: {anchor}')}>"
            f"{escape(self.merge_text)}</text>"
        )
        out.append(f'<path class="arrow" d="M {num(cx)} {num(merge_y + 10)} L {num(cx)} {num(top + self.h)}"/>')
        out.append("</g>")


    @property
    def merge_text(self) -> str:
        word = "concat" if self.merge == "concat" else "add" if self.merge == "+" else self.merge
        return f"{word} → {self.shape}"


def _head(x: float, y: float, dx: float, dy: float) -> str:
    """An arrow head pointing along (dx, dy) (unit, axis-aligned) with its tip at (x, y)."""
    if dy:
        points = f"{num(x)},{num(y)} {num(x - 4)},{num(y - 7 * dy)} {num(x + 4)},{num(y - 7 * dy)}"
    else:
        points = f"{num(x)},{num(y)} {num(x - 7 * dx)},{num(y - 4)} {num(x - 7 * dx)},{num(y + 4)}"
    return f'<polygon class="arrow-head" points="{points}"/>'


def _arrow(x0: float, y0: float, x1: float, y1: float) -> str:
    return f'<path class="arrow" d="M {num(x0)} {num(y0)} L {num(x1)} {num(y1 - 6)}"/>' + _head(x1, y1, 0, 1)


# --------------------------------------------------------------------------- rows → items


class _Builder:
    def __init__(self, report, depth: int) -> None:  # noqa: ANN001 - a convcalc.Report
        self.rows = report.rows
        self.children = children_of(report)
        self.index = {id(row): i for i, row in enumerate(self.rows)}
        self.depth = depth
        self.cards = 0

    def kids(self, row) -> list:  # noqa: ANN001
        return [self.rows[i] for i in self.children.get(self.index[id(row)], [])]

    def card(self, row) -> Card:  # noqa: ANN001
        self.cards += 1
        brief = getattr(row.formulas, "brief", "")
        if row.leaf:
            kind_line = f"{row.type} {brief}".strip()
        else:
            leaves = self.leaf_count(row)
            kind_line = f"{row.type} ({leaves} layer{'s' if leaves != 1 else ''})"
        lines = (row.name, kind_line, _shape_label(row.output_shape))
        card = Card(row.path_text, row.type, _kind(row.type, row.leaf), lines)
        if row.linked:
            card.source = "← " + " + ".join(row.input_paths)
        return card

    def leaf_count(self, row) -> int:  # noqa: ANN001
        return sum(1 if k.leaf else self.leaf_count(k) for k in self.kids(row))

    def item(self, row, level: int) -> Card | Chain | Fork:  # noqa: ANN001
        if row.leaf or level >= self.depth:
            return self.card(row)
        kids = self.kids(row)
        if row.type in FORKS:
            branches = [Chain(self.items(self.kids(b), level + 1), path=b.path_text) for b in kids]
            shape = _shape_label(row.output_shape)
            return Fork(row.path_text, branches, [b.name for b in kids], _merge(row, kids), shape)
        title = f"{row.name} · {row.type} → {_shape_label(row.output_shape)}"
        return Chain(self.items(kids, level + 1), title=title, path=row.path_text)

    def items(self, rows: list, level: int) -> list[Card | Chain | Fork]:  # noqa: ANN001
        """Items for consecutive rows; a shape-keeping layer without MACs folds into the layer card before it."""
        out: list[Card | Chain | Fork] = []
        for row in rows:
            last = out[-1] if out else None
            joined = last is None or not row.linked or last.last_path in row.input_paths
            if isinstance(last, Card) and _folds(row) and joined and last.type != "input":
                last.folded.append((row.path_text, row.type))
                continue
            item = self.item(row, level)
            item.row, item.joined = row, joined
            out.append(item)
        return out

    def top(self) -> list[Card | Chain | Fork]:
        return self.items([row for row in self.rows if row.depth == 0], 0)


def _folds(row) -> bool:  # noqa: ANN001
    one_input = len(row.input_paths) <= 1
    return row.leaf and one_input and row.macs == 0 and row.output_shape == row.input_shape and row.type != "pad"


def _merge(row, branches) -> str:  # noqa: ANN001
    if row.type == "residual":
        return "+"
    shapes = [b.output_shape for b in branches]
    out = row.output_shape
    if len(shapes) > 1 and all(len(s) == len(out) for s in shapes) and sum(s[0] for s in shapes) == out[0]:
        return "concat"
    return "+" if all(s == row.output_shape for s in shapes) else "merge"


def boxes_at_depth(report, depth: int) -> int:  # noqa: ANN001
    """How many cards the drawing at ``depth`` has."""
    builder = _Builder(report, depth)
    builder.top()
    return builder.cards


def fitting_depth(report, limit: int = MAX_BOXES) -> int:  # noqa: ANN001
    """The deepest opening (at least 1) whose cards stay within ``limit``."""
    deepest = max((row.depth for row in report.rows), default=0)
    depth = 1
    while depth < deepest and boxes_at_depth(report, depth + 1) <= limit:
        depth += 1
    return depth


# --------------------------------------------------------------------------- the page


def _columns(items: list, limit: float) -> list[list]:
    columns: list[list] = [[]]
    height = 0.0
    for item in items:
        if columns[-1] and height + _GAP + item.h > limit:
            columns.append([])
            height = 0.0
        height += item.h + (_GAP if columns[-1] else 0)
        columns[-1].append(item)
    return columns


def draw_parts(report, depth: int, max_height: float = MAX_HEIGHT) -> str:  # noqa: ANN001 - a convcalc.Report
    """An SVG of ``report`` with composites opened ``depth`` levels deep (see the module's docstring)."""
    builder = _Builder(report, depth)
    start = Card("", "input", "input", ("input", "", _shape_label(report.input_shape)))
    items: list[Card | Chain | Fork] = [start, *builder.top()]
    for item in items:
        item.measure()
    columns = [Chain(column) for column in _columns(items, max_height)]
    for column in columns:
        column.measure()
    title = report.name or "network"
    totals = report.totals
    from .network import _human

    subtitle = (
        f"input {_shape_label(report.input_shape)} → output {_shape_label(report.output_shape)} · "
        f"{_human(totals.params)} parameters · {_human(totals.macs)} MACs · composites opened {depth} deep"
    )
    legend = "each card: name; type and window (/stride); output H×W×C; + the shape-keeping layers after it"
    body = [
        f"<text {attrs(cls='title', x=_MARGIN, y=_MARGIN + 18)}>{escape(title)}</text>",
        f"<text {attrs(cls='subtitle', x=_MARGIN, y=_MARGIN + 38)}>{escape(subtitle)}</text>",
        f"<text {attrs(cls='subtitle', x=_MARGIN, y=_MARGIN + 56)}>{escape(legend)}</text>",
    ]
    top = _MARGIN + 82
    x = _MARGIN
    height = max(c.h for c in columns)
    previous: tuple[float, float] | None = None
    for column in columns:
        cx = x + column.w / 2
        if previous is not None:
            px, py = previous
            mid = x - _COLUMN_GAP / 2
            body.append(
                f'<path class="arrow" d="M {num(px)} {num(py)} L {num(px)} {num(py + 12)} L {num(mid)} {num(py + 12)} '
                f'L {num(mid)} {num(top - 12)} L {num(cx)} {num(top - 12)} L {num(cx)} {num(top - 6)}"/>'
            )
            body.append(_head(cx, top, 0, 1))
        column.draw(cx, top, body)
        previous = (cx, top + column.h)
        x += column.w + _COLUMN_GAP
    texts = max(text_width(subtitle, 13), text_width(legend, 13), text_width(title, 18))
    width = max(x - _COLUMN_GAP + _MARGIN, texts + 2 * _MARGIN)
    return svg_document(width, top + height + 24 + _MARGIN, _STYLE, body, title)
