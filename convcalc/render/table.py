"""The terminal table (rich). The only module of the library that imports rich."""

from __future__ import annotations

from typing import TextIO

from rich.console import Console
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from ..report import Report
from ..units import human, human_bytes
from .common import jump_text, rf_text, shape_text, visible_rows


def build_table(
    report: Report, layout: str = "hwc", depth: int | None = None, explain: bool = False, compact: bool = False
) -> Table:
    """Rows as a rich Table; ``compact`` writes counts as 62.4M instead of 62,378,344."""
    count = human if compact else (lambda value: f"{value:,}")
    table = Table(
        title=f"{report.name}  ·  input {shape_text(report.input_shape, layout)}  ·  {report.dtype}",
        title_justify="left",
        header_style="bold",
        show_edge=False,
        pad_edge=False,
    )
    table.add_column("Layer", no_wrap=True)
    table.add_column("Type", style="cyan", no_wrap=True)
    table.add_column(f"Output ({'H×W×C' if layout == 'hwc' else 'C×H×W'})", justify="right", no_wrap=True)
    table.add_column("Params", justify="right", no_wrap=True)
    table.add_column("MACs", justify="right", no_wrap=True)
    table.add_column("Memory", justify="right", no_wrap=True)
    table.add_column("RF", justify="right", no_wrap=True)
    table.add_column("Jump", justify="right", no_wrap=True)
    for row in visible_rows(report, depth):
        name = Text("  " * row.depth + row.name, style="" if row.leaf else "bold")
        if row.warnings:
            name.append(" ⚠", style="yellow")
        dim = "dim" if not row.leaf else ""
        table.add_row(
            name,
            row.type,
            shape_text(row.output_shape, layout),
            Text(count(row.params) if row.params else "–", style=dim),
            Text(count(row.macs) if row.macs else "–", style=dim),
            Text(human_bytes(row.activation_bytes), style=dim),
            rf_text(row.receptive_field),
            jump_text(row.receptive_field),
        )
        if explain and row.explain:
            for line in row.explain:
                table.add_row(Text("  " * (row.depth + 1) + line, style="italic dim"), "", "", "", "", "", "", "")
    return table


def totals_table(report: Report, layout: str = "hwc") -> Table:
    t = report.totals
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column(justify="right")
    grid.add_column(justify="right", style="dim")
    frozen = f"  ({t.trainable_params:,} trainable, {t.frozen_params:,} frozen)" if t.frozen_params else ""
    grid.add_row("Parameters", human(t.params), f"{t.params:,}{frozen}")
    if t.buffers:
        grid.add_row("Buffers", human(t.buffers), f"{t.buffers:,}  (BN running statistics, not parameters)")
    grid.add_row("MACs", human(t.macs), f"{t.macs:,}  (multiply-accumulates of conv, deconv, fc)")
    grid.add_row("FLOPs", human(t.flops), f"{t.flops:,}  (= 2 × MACs)")
    grid.add_row("Activations", human_bytes(t.activation_bytes), f"{t.activation_bytes:,} B  (sum of row outputs)")
    grid.add_row("Peak memory", human_bytes(t.peak_activation_bytes), f"{t.peak_activation_bytes:,} B  (most alive at once)")
    grid.add_row("Param memory", human_bytes(t.param_bytes), f"{t.param_bytes:,} B  ({report.dtype})")
    grid.add_row("Output", shape_text(report.output_shape, layout), "")
    return grid


def print_report(
    report: Report,
    file: TextIO | None = None,
    layout: str = "hwc",
    depth: int | None = None,
    explain: bool = False,
    width: int | None = None,
) -> None:
    """Table, totals and warnings. Counts are exact when they fit the terminal, else K/M/G;
    when the output is not a terminal the table is never cut."""
    console = Console(file=file, width=width, highlight=False)
    table = build_table(report, layout, depth, explain)
    needed = Measurement.get(console, console.options.update_width(10_000), table).maximum
    if needed > console.width:
        if console.is_terminal and width is None:
            table = build_table(report, layout, depth, explain, compact=True)
        elif width is None:
            console = Console(file=file, width=needed, highlight=False)
    console.print(table)
    console.print()
    console.print(totals_table(report, layout))
    if report.warnings:
        console.print()
        for warning in report.warnings:
            console.print(Text(warning.format(), style="yellow"), soft_wrap=True)
