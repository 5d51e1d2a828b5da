"""``convcalc compare`` output: a rich table, JSON, CSV and Markdown."""

from __future__ import annotations

import csv
import io
from typing import TextIO

from ..compare import Comparison, MetricLine, labels_of
from ..units import human, human_bytes
from .common import rf_text, shape_text
from .escape import csv_row, json_text, markdown, terminal


def _value(metric: MetricLine, value: int) -> str:
    return f"{human_bytes(value) if metric.unit == 'bytes' else human(value)} ({value:,})"


def _names(comparison: Comparison) -> list[str]:
    return labels_of(comparison.reports)


def facts(comparison: Comparison, layout: str = "hwc") -> list[tuple[str, list[str], list[str]]]:
    """Totals that are not counts, as (label, one text per spec, ``same``/``different`` against the first)."""
    reports = comparison.reports
    found = [
        ("Output", [shape_text(r.output_shape, layout) for r in reports]),
        ("Receptive field", [rf_text(r.receptive_field) if r.receptive_field else "1" for r in reports]),
    ]
    return [(name, values, ["same" if v == values[0] else "different" for v in values[1:]]) for name, values in found]


def _cell(row: object, layout: str) -> tuple[str, str, str]:
    if row is None:
        return "—", "—", "—"
    return shape_text(row.output_shape, layout), f"{row.params:,}", f"{row.macs:,}"  # type: ignore[attr-defined]


def render_json(comparison: Comparison) -> str:
    return json_text(comparison.to_dict())


def render_csv(comparison: Comparison, layout: str = "hwc") -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    names = _names(comparison)
    writer.writerow(csv_row(["metric", *names, *[f"{n} vs {names[0]}" for n in names[1:]]]))
    for metric in comparison.metrics:
        writer.writerow([metric.key, *metric.values, *metric.ratios()])
    for name, values, same in facts(comparison, layout):
        writer.writerow(csv_row([name.lower().replace(" ", "_"), *values, *same]))
    writer.writerow([])
    writer.writerow(
        csv_row(["row", "type", *[f"{n} {what}" for n in names for what in ("path", "output", "params", "macs")]])
    )
    for line in comparison.rows:
        cells = [v for row in line.rows for v in (row.path_text if row else "—", *_cell(row, layout))]
        writer.writerow(csv_row([line.label, line.kind, *cells]))
    return out.getvalue()


def render_markdown(comparison: Comparison, layout: str = "hwc") -> str:
    names = [markdown(name) for name in _names(comparison)]
    head = ["Metric", *names, *[f"vs {names[0]}" for _ in names[1:]]]
    lines = ["| " + " | ".join(head) + " |", "|---|" + "---:|" * (len(head) - 1)]
    for metric in comparison.metrics:
        cells = [metric.label, *[_value(metric, v) for v in metric.values], *metric.ratios(noun=False)]
        lines.append("| " + " | ".join(cells) + " |")
    for name, values, same in facts(comparison, layout):
        lines.append("| " + " | ".join([name, *values, *same]) + " |")
    lines += [
        "",
        "| Row | Type | " + " | ".join(f"{n}: output, params, MACs" for n in names) + " |",
        "|---|---|" + "---:|" * len(names),
    ]
    for line in comparison.rows:
        cells = [", ".join(_cell(row, layout)) if row is not None else "—" for row in line.rows]
        head = f"| {'&nbsp;&nbsp;' * line.depth}{markdown(line.label)} | {markdown(line.kind)} | "
        lines.append(head + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def print_comparison(comparison: Comparison, file: TextIO | None = None, layout: str = "hwc") -> None:
    """A rich table; every cell and header is a Text, so no name is ever read as rich markup."""
    from rich.console import Console
    from rich.measure import Measurement
    from rich.table import Table
    from rich.text import Text

    def cells(*values: str) -> list[Text]:
        return [Text(terminal(value)) for value in values]

    console = Console(file=file, highlight=False)
    names = _names(comparison)
    totals = Table(title="Totals", title_justify="left", header_style="bold", show_edge=False)
    totals.add_column("Metric", style="bold")
    for name in names:
        totals.add_column(Text(terminal(name)), justify="right")
    for _ in names[1:]:
        totals.add_column(Text(f"vs {terminal(names[0])}"), justify="right", style="green")
    for metric in comparison.metrics:
        totals.add_row(*cells(metric.label, *[_value(metric, v) for v in metric.values], *metric.ratios(noun=False)))
    for name, values, same in facts(comparison, layout):
        totals.add_row(*cells(name, *values, *same))
    rows = Table(title="Rows", title_justify="left", header_style="bold", show_edge=False)
    rows.add_column("Row", no_wrap=True)
    rows.add_column("Type", no_wrap=True, style="cyan")
    for name in names:
        rows.add_column(Text(f"{terminal(name)}\noutput"), justify="right")
        rows.add_column("params", justify="right")
        rows.add_column("MACs", justify="right")
    for line in comparison.rows:
        values = [v for row in line.rows for v in _cell(row, layout)]
        rows.add_row(*cells("  " * line.depth + line.label, line.kind, *values))
    for table in (totals, rows):
        width = Measurement.get(console, console.options.update_width(10_000), table).maximum
        if not console.is_terminal and width > console.width:
            console = Console(file=file, width=width, highlight=False)
        console.print(table)
        console.print()
