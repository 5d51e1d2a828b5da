"""The terminal table. Rich is imported only to style it for a terminal.

Columns are laid out here, from the plain cell texts, and only styled and
printed by rich: rich's own Table measures every cell several times, which
costs most of a second on ResNet-152's 665 rows.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from rich.text import Text

    from ..training import Training

from ..explain import by_row
from ..optimizers import OPTIMIZER_STATES
from ..record import FrozenRecord
from ..report import Report
from ..units import human, human_bytes
from .common import frozen_text, jump_text, output_items, reads_text, rf_text, shape_text, visible_rows
from .escape import diagnostic_line, terminal


class Column(FrozenRecord):
    __slots__ = ("title", "right", "style")

    def __init__(self, title: str, right: bool, style: str = "") -> None:
        self.title = title
        self.right = right
        self.style = style


class Line(FrozenRecord):
    """A table line. ``style``: of the whole line (bold for composites, italic dim for
    formulas); ``note``: text after the first cell (the ⚠ of a row with warnings);
    ``spans``: a formula line, whose text spans every column."""

    __slots__ = ("cells", "style", "note", "spans")

    def __init__(self, cells: tuple[str, ...], style: str = "", note: str = "", spans: bool = False) -> None:
        self.cells = cells
        self.style = style
        self.note = note
        self.spans = spans


def table_lines(
    report: Report,
    layout: str = "hwc",
    depth: int | None = None,
    explain: bool = False,
    compact: bool = False,
    training: Training | None = None,
) -> tuple[list[Column], list[Line]]:
    """Columns and rows as plain text; ``compact`` writes counts as 62.4M instead of 62,378,344.
    With ``training``, each row's backward MACs and saved bytes too."""
    count = human if compact else (lambda value: f"{value:,}")
    columns = [
        Column("Layer", False),
        Column("Type", False, "cyan"),
        Column(f"Output ({'H×W×C' if layout == 'hwc' else 'C×H×W'})", True),
        Column("Params", True),
        Column("MACs", True),
        Column("Memory", True),
        Column("RF", True),
        Column("Jump", True),
    ]
    costs = {}
    if training is not None:
        columns[6:6] = [Column("Backward MACs", True), Column("Saved", True)]
        costs = {id(row): cost for row, cost in zip(report.rows, training.rows)}
    lines = []
    worked = by_row(report) if explain else {}
    for row in visible_rows(report, depth):
        cells: tuple[str, ...] = (
            "  " * row.depth
            + terminal(row.name)
            + frozen_text(row)
            + (" ⚠" if row.warnings else "")
            + terminal(reads_text(row)),
            terminal(row.type),
            shape_text(row.output_shape, layout),
            count(row.params) if row.params else "–",
            count(row.macs) if row.macs else "–",
            human_bytes(row.activation_bytes),
            rf_text(row.receptive_field),
            jump_text(row.receptive_field),
        )
        if costs:
            cost = costs[id(row)]
            extra = (count(cost.backward_macs) if cost.backward_macs else "–", human_bytes(cost.saved_bytes))
            cells = cells[:6] + extra + cells[6:]
        lines.append(Line(cells, "" if row.leaf else "bold", "⚠" if row.warnings else ""))
        if explain:
            for formula in worked[id(row)]:
                lines.append(Line(("  " * (row.depth + 1) + terminal(formula),), "italic dim", spans=True))
    return columns, lines


def _widths(columns: list[Column], lines: list[Line]) -> list[int]:
    widths = [len(c.title) for c in columns]
    for line in lines:
        if not line.spans:
            for index, cell in enumerate(line.cells):
                if len(cell) > widths[index]:
                    widths[index] = len(cell)
    return widths


def _fit(text: str, width: int, right: bool) -> str:
    return text.rjust(width) if right else text.ljust(width)


def plain_table(columns: list[Column], lines: list[Line], title: str) -> str:
    """The same table without styles, for pipes and files (no rich work per cell)."""
    widths = _widths(columns, lines)
    out = [
        title,
        " ┃ ".join(_fit(c.title, w, c.right) for c, w in zip(columns, widths)),
        "━╇━".join("━" * w for w in widths),
    ]
    for line in lines:
        if line.spans:
            out.append(line.cells[0])
        else:
            out.append(" │ ".join(_fit(cell, w, c.right) for c, w, cell in zip(columns, widths, line.cells)).rstrip())
    return "\n".join(out) + "\n"


def render_table_text(columns: list[Column], lines: list[Line], title: str) -> list[Text]:
    from rich.text import Text

    widths = _widths(columns, lines)
    out = [Text(title, style="italic")]
    header = " ┃ ".join(_fit(c.title, w, c.right) for c, w in zip(columns, widths))
    out.append(Text(header, style="bold"))
    out.append(Text("━╇━".join("━" * w for w in widths)))
    for line in lines:
        if line.spans:
            out.append(Text(line.cells[0], style=line.style))
            continue
        text = Text(style=line.style)
        for index, (column, width, cell) in enumerate(zip(columns, widths, line.cells)):
            if index:
                text.append(" │ ")
            padded = _fit(cell, width, column.right)
            if index == 0 and line.note:
                text.append(cell[: -len(line.note) - 1])
                text.append(" " + line.note, style="yellow")
                text.append(" " * (width - len(cell)))
            else:
                text.append(padded, style=column.style)
        out.append(text)
    return out


def totals_rows(report: Report, layout: str = "hwc") -> list[tuple[str, str, str, str]]:
    """(label, human value, exact value, what it counts) for each total."""
    t = report.totals
    frozen = f"{t.trainable_params:,} trainable, {t.frozen_params:,} frozen" if t.frozen_params else ""
    rows = [("Parameters", human(t.params), f"{t.params:,}", frozen)]
    if t.buffers:
        rows.append(("Buffers", human(t.buffers), f"{t.buffers:,}", "BN running statistics, not parameters"))
    rows += [
        ("MACs", human(t.macs), f"{t.macs:,}", "multiply-accumulates of conv, deconv, fc, attention"),
        ("FLOPs", human(t.flops), f"{t.flops:,}", "= 2 × MACs"),
        ("Activations", human_bytes(t.activation_bytes), f"{t.activation_bytes:,} B", "sum of row outputs"),
        ("Peak memory", human_bytes(t.peak_activation_bytes), f"{t.peak_activation_bytes:,} B", "most alive at once"),
        ("Param memory", human_bytes(t.param_bytes), f"{t.param_bytes:,} B", report.dtype),
    ]
    rows += [(terminal(label), shape, "", "") for label, shape in output_items(report, layout)]
    return rows


def training_rows(training: Training, dtype: str) -> list[tuple[str, str, str, str]]:
    """The training step, itemised: (label, human value, exact value, what it counts)."""
    copies = OPTIMIZER_STATES[training.optimizer]
    state = f"{training.optimizer}: {copies} cop{'y' if copies == 1 else 'ies'} of the trainable parameters"

    def line(label: str, value: int, note: str) -> tuple[str, str, str, str]:
        return (label, human_bytes(value), f"{value:,} B", note)

    return [
        ("Training step", f"batch {training.batch}", training.optimizer, "one forward and backward pass"),
        ("Backward MACs", human(training.backward_macs), f"{training.backward_macs:,}", "input + weight gradients"),
        line("  Parameters", training.param_bytes, dtype),
        line("  Gradients", training.gradient_bytes, "of the trainable parameters"),
        line("  Optimizer state", training.optimizer_bytes, state),
        line("  Saved activations", training.saved_activation_bytes, "kept by autograd for the backward"),
        line("Training memory", training.training_memory_bytes, "the four above"),
    ]


def _plain_totals(rows: list[tuple[str, str, str, str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    return "".join(
        f"{a.ljust(widths[0])}  {b.rjust(widths[1])}  {c.rjust(widths[2])}  {d}".rstrip() + "\n" for a, b, c, d in rows
    )


def wants_color(stream: TextIO) -> bool:
    """Styles only for a terminal (and never under NO_COLOR or TERM=dumb; FORCE_COLOR forces them)."""
    if os.environ.get("FORCE_COLOR"):
        return True
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def plain_report(
    report: Report,
    layout: str = "hwc",
    depth: int | None = None,
    explain: bool = False,
    training: Training | None = None,
) -> str:
    """Table, totals (and training costs) and warnings as plain text (rich is not imported)."""
    batch = f"  ·  batch {report.batch}" if report.batch != 1 else ""
    title = f"{terminal(report.name)}  ·  input {shape_text(report.input_shape, layout)}  ·  {report.dtype}{batch}"
    columns, lines = table_lines(report, layout, depth, explain, training=training)
    parts = [plain_table(columns, lines, title), "\n", _plain_totals(totals_rows(report, layout))]
    if training is not None:
        parts += ["\n", _plain_totals(training_rows(training, report.dtype))]
    if report.warnings:
        parts += ["\n", *(diagnostic_line(w) + "\n" for w in report.warnings)]
    return "".join(parts)


def print_report(
    report: Report,
    file: TextIO | None = None,
    layout: str = "hwc",
    depth: int | None = None,
    explain: bool = False,
    width: int | None = None,
    training: Training | None = None,
) -> None:
    """Table, totals and warnings. On a terminal, styled by rich, with counts in K/M/G
    when exact ones don't fit; elsewhere plain text, never cut, and rich is not imported.
    With ``training``, its columns and the step itemised."""
    stream = file if file is not None else sys.stdout
    if not wants_color(stream):
        stream.write(plain_report(report, layout, depth, explain, training))
        return
    batch = f"  ·  batch {report.batch}" if report.batch != 1 else ""
    title = f"{terminal(report.name)}  ·  input {shape_text(report.input_shape, layout)}  ·  {report.dtype}{batch}"
    columns, lines = table_lines(report, layout, depth, explain, training=training)
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console(file=stream, width=width, highlight=False)
    needed = sum(_widths(columns, lines)) + 3 * (len(columns) - 1)
    if needed > console.width and width is None:
        columns, lines = table_lines(report, layout, depth, explain, compact=True, training=training)
    console.print(Text("\n").join(render_table_text(columns, lines, title)), crop=False, soft_wrap=True)
    console.print()
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column(justify="right")
    grid.add_column(justify="right", style="dim")
    grid.add_column(style="dim")
    for row in totals_rows(report, layout):
        grid.add_row(*row)
    if training is not None:
        grid.add_row()
        for row in training_rows(training, report.dtype):
            grid.add_row(*row)
    console.print(grid, crop=False)
    if report.warnings:
        console.print()
        for warning in report.warnings:
            console.print(Text(diagnostic_line(warning), style="yellow"), soft_wrap=True)
