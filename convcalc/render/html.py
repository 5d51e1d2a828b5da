"""One self-contained HTML page (inline CSS, no scripts, no network) for a lecture laptop."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..compare import Comparison, labels_of
from ..explain import by_row
from ..report import Report
from ..units import human, human_bytes
from .common import frozen_text, jump_text, output_items, reads_text, rf_text, shape_text, visible_rows
from .escape import xml as escape

if TYPE_CHECKING:
    from ..training import Training

STYLE = """
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto; max-width: 72rem;
       padding: 0 1rem; color: #1d2330; }
h1 { font-size: 1.5rem; margin-bottom: .2rem; } h2 { font-size: 1.15rem; margin-top: 2rem; }
.meta { color: #5b6475; margin-top: 0; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { padding: .28rem .6rem; border-bottom: 1px solid #e3e6ec; white-space: nowrap; }
th { text-align: left; background: #f4f6fa; position: sticky; top: 0; }
td.num, th.num { text-align: right; }
tr.composite td { font-weight: 600; background: #fafbfd; }
tr.warned td:first-child::after { content: " ⚠"; color: #b7791f; }
td.formula { color: #5b6475; font-style: italic; white-space: normal; }
.totals { display: grid; grid-template-columns: max-content max-content max-content; gap: .25rem 1.2rem; }
.totals .exact { color: #5b6475; }
.warnings li { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: .85rem; margin: .3rem 0; }
.drawing { overflow-x: auto; border: 1px solid #e3e6ec; border-radius: 6px; padding: .5rem; }
.drawing svg { max-width: none; height: auto; }
"""


def _page(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n"
    )


def _rows_table(report: Report, layout: str, depth: int | None, explain: bool, training: Training | None) -> str:
    more = "" if training is None else "<th class=num>Backward MACs</th><th class=num>Saved</th>"
    head = (
        "<tr><th>Layer</th><th>Type</th><th class=num>Output</th><th class=num>Params</th>"
        f"<th class=num>MACs</th><th class=num>Memory</th>{more}<th class=num>RF</th><th class=num>Jump</th></tr>"
    )
    lines = [f"<table class=rows>\n<thead>{head}</thead>\n<tbody>"]
    worked = by_row(report) if explain else {}
    costs = {} if training is None else {id(row): cost for row, cost in zip(report.rows, training.rows)}
    span = 7 if training is None else 9
    for row in visible_rows(report, depth):
        cost = costs.get(id(row))
        cells = (
            ""
            if cost is None
            else f"<td class=num>{cost.backward_macs:,}</td><td class=num>{human_bytes(cost.saved_bytes)}</td>"
        )
        classes = " ".join(c for c in ("composite" if not row.leaf else "", "warned" if row.warnings else "") if c)
        indent = f' style="padding-left:{0.6 + 1.2 * row.depth:.1f}rem"'
        lines.append(
            f'<tr class="{classes}" data-path="{escape(row.path_text)}"><td{indent}>{escape(row.name + frozen_text(row) + reads_text(row))}</td>'
            f"<td>{escape(row.type)}</td><td class=num>{shape_text(row.output_shape, layout)}</td>"
            f"<td class=num>{row.params:,}</td><td class=num>{row.macs:,}</td>"
            f"<td class=num>{human_bytes(row.activation_bytes)}</td>{cells}"
            f"<td class=num>{rf_text(row.receptive_field)}</td><td class=num>{jump_text(row.receptive_field)}</td></tr>"
        )
        if worked.get(id(row)):
            formulas = "<br>".join(escape(f) for f in worked[id(row)])
            lines.append(f"<tr class=worked><td></td><td class=formula colspan={span}>{formulas}</td></tr>")
    lines.append("</tbody>\n</table>")
    return "\n".join(lines)


def _totals(report: Report, layout: str) -> str:
    t = report.totals
    items = [
        ("Parameters", human(t.params), f"{t.params:,} ({t.trainable_params:,} trainable)"),
        ("MACs", human(t.macs), f"{t.macs:,} multiply-accumulates of conv, deconv and fc"),
        ("FLOPs", human(t.flops), f"{t.flops:,} = 2 × MACs"),
        ("Activations", human_bytes(t.activation_bytes), f"{t.activation_bytes:,} B, the sum of row outputs"),
        ("Peak memory", human_bytes(t.peak_activation_bytes), f"{t.peak_activation_bytes:,} B alive at once"),
        ("Parameter memory", human_bytes(t.param_bytes), f"{t.param_bytes:,} B ({report.dtype})"),
    ]
    items += [(label, shape, "") for label, shape in output_items(report, layout)]
    if t.buffers:
        items.insert(1, ("Buffers", human(t.buffers), f"{t.buffers:,} BN running statistics (not parameters)"))
    return _grid(items)


def _grid(items: list[tuple[str, str, str]]) -> str:
    cells = "".join(
        f"<b>{escape(a)}</b><span>{escape(b)}</span><span class=exact>{escape(c)}</span>" for a, b, c in items
    )
    return f"<div class=totals>{cells}</div>"


def render_html(
    report: Report,
    layout: str = "hwc",
    depth: int | None = None,
    explain: bool = False,
    drawing: str | None = None,
    training: Training | None = None,
) -> str:
    """The page; with ``training``, each row's backward MACs and saved bytes, and the step itemised."""
    batch = f" · batch {report.batch}" if report.batch != 1 else ""
    body = [
        f"<h1>{escape(report.name)}</h1>",
        f"<p class=meta>{escape(report.file)} · input {shape_text(report.input_shape, layout)} · "
        f"{report.dtype}{batch}</p>",
    ]
    if report.description:
        body.append(f"<p>{escape(report.description)}</p>")
    if drawing:
        body += ["<h2>The volumes</h2>", f"<div class=drawing>{drawing}</div>"]
    body += [
        "<h2>Layers</h2>",
        _rows_table(report, layout, depth, explain, training),
        "<h2>Totals</h2>",
        _totals(report, layout),
    ]
    if training is not None:
        from .table import training_rows

        itemised = training_rows(training, report.dtype)
        steps = [(name.strip(), value, f"{exact} {note}".strip()) for name, value, exact, note in itemised]
        body += ["<h2>Training step</h2>", _grid(steps)]
    if report.warnings:
        items = "".join(f"<li>{escape(w.format())}</li>" for w in report.warnings)
        body += ["<h2>Warnings</h2>", f"<ul class=warnings>{items}</ul>"]
    return _page(f"convcalc: {report.name}", "\n".join(body))


def render_html_fragment(report: Report, layout: str = "hwc", depth: int | None = None) -> str:
    """The rows, totals and warnings as an HTML fragment (no page, no styles): for Jupyter."""
    body = [
        f"<div class=convcalc><p><b>{escape(report.name)}</b> · input {shape_text(report.input_shape, layout)}"
        f" · {report.dtype}</p>",
        _rows_table(report, layout, depth, False, None),
        _totals(report, layout),
    ]
    if report.warnings:
        items = "".join(f"<li>{escape(w.format())}</li>" for w in report.warnings)
        body.append(f"<ul class=warnings>{items}</ul>")
    body.append("</div>")
    return "\n".join(body)


def render_compare_html(comparison: Comparison, layout: str = "hwc") -> str:
    from .compare_output import facts

    names = labels_of(comparison.reports)
    head = "".join(f"<th class=num>{escape(n)}</th>" for n in names)
    ratio_head = "".join(f"<th class=num>vs {escape(names[0])}</th>" for _ in names[1:])
    lines = [f"<table class=metrics><thead><tr><th>Metric</th>{head}{ratio_head}</tr></thead><tbody>"]
    for metric in comparison.metrics:
        fmt = human_bytes if metric.unit == "bytes" else human
        values = "".join(f"<td class=num>{fmt(v)} <span class=exact>({v:,})</span></td>" for v in metric.values)
        ratios = "".join(f"<td class=num>{escape(r)}</td>" for r in metric.ratios(noun=False))
        lines.append(f"<tr><td>{escape(metric.label)}</td>{values}{ratios}</tr>")
    for name, texts, same in facts(comparison, layout):
        cells = "".join(f"<td class=num>{escape(v)}</td>" for v in [*texts, *same])
        lines.append(f"<tr><td>{escape(name)}</td>{cells}</tr>")
    lines.append("</tbody></table>")
    row_head = "".join(
        f"<th class=num>{escape(n)} output</th><th class=num>params</th><th class=num>MACs</th>" for n in names
    )
    lines.append(f"<h2>Rows</h2><table class=rows><thead><tr><th>Row</th><th>Type</th>{row_head}</tr></thead><tbody>")
    for line in comparison.rows:
        cells = ""
        for row in line.rows:
            if row is None:
                cells += "<td class=num>—</td>" * 3
            else:
                cells += (
                    f"<td class=num>{shape_text(row.output_shape, layout)}</td>"
                    f"<td class=num>{row.params:,}</td><td class=num>{row.macs:,}</td>"
                )
        indent = f' style="padding-left:{0.6 + 1.2 * line.depth:.1f}rem"'
        lines.append(f'<tr title="{escape(line.path)}"><td{indent}>{escape(line.label)}</td><td>{escape(line.kind)}</td>{cells}</tr>')
    lines.append("</tbody></table>")
    title = " vs ".join(names)
    body = [f"<h1>{escape(title)}</h1>", "<h2>Totals</h2>", *lines]
    return _page(f"convcalc: {title}", "\n".join(body))
