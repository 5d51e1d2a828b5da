"""A Markdown table of the rows and totals: for READMEs, slides and issue comments."""

from __future__ import annotations

from ..explain import by_row
from ..report import Report
from ..units import human, human_bytes
from .common import frozen_text, jump_text, reads_text, rf_text, shape_text, visible_rows
from .escape import diagnostic_line, markdown


def render_markdown(report: Report, layout: str = "hwc", depth: int | None = None, explain: bool = False) -> str:
    lines = [
        f"### {markdown(report.name)}",
        "",
        f"Input {shape_text(report.input_shape, layout)}, {report.dtype}.",
        "",
        "| Layer | Type | Output | Params | MACs | Memory | RF | Jump |",
        "|---|---|---|---:|---:|---:|---:|---:|",
    ]
    for row in visible_rows(report, depth):
        name = "&nbsp;&nbsp;" * row.depth + markdown(row.name)
        flag = frozen_text(row) + (" ⚠" if row.warnings else "") + markdown(reads_text(row))
        kind = markdown(row.type)
        lines.append(
            f"| {name}{flag} | {kind} | {shape_text(row.output_shape, layout)} | {row.params:,} | {row.macs:,} "
            f"| {human_bytes(row.activation_bytes)} | {rf_text(row.receptive_field)} | {jump_text(row.receptive_field)} |"
        )
    if explain:
        lines += ["", "**Worked formulas** (F kernel, S stride, P padding; MACs: multiply-accumulates):", ""]
        worked = by_row(report)
        for row in visible_rows(report, depth):
            if worked[id(row)]:
                head = f"{'  ' * row.depth}- **{markdown(row.path_text)}** ({markdown(row.type)}): "
                lines.append(head + "; ".join(worked[id(row)]))
    t = report.totals
    lines += [
        "",
        f"**Totals:** {human(t.params)} params ({t.params:,}; {t.trainable_params:,} trainable), "
        f"{human(t.macs)} MACs ({t.macs:,}) = {human(t.flops)} FLOPs, "
        f"activations {human_bytes(t.activation_bytes)} (peak {human_bytes(t.peak_activation_bytes)}), "
        f"parameters {human_bytes(t.param_bytes)}.",
    ]
    if len(report.outputs) > 1:
        shown = ", ".join(markdown(name) + " " + shape_text(shape, layout) for name, shape in report.outputs)
        lines += ["", f"**Outputs:** {shown}."]
    if report.warnings:
        lines += ["", "**Warnings:**", ""]
        lines += [f"- {markdown(diagnostic_line(w))}" for w in report.warnings]
    return "\n".join(lines) + "\n"


def render_summary(reports: list[Report], layout: str = "hwc") -> str:
    """One line per spec: the zoo table of specs/README.md."""
    lines = [
        "| Spec | Model | Input | Output | Params | MACs | Activations | Peak memory | Final RF |",
        "|---|---|---|---|---:|---:|---:|---:|---:|",
    ]
    for report in reports:
        t = report.totals
        stem = report.file.rsplit("/", 1)[-1].removesuffix(".yaml")
        final_rf = rf_text(report.receptive_field) if report.receptive_field else "1"
        link = stem.replace(" ", "%20").replace("(", "%28").replace(")", "%29")
        lines.append(
            f"| [{markdown(stem)}]({link}.yaml) | {markdown(report.name)} | {shape_text(report.input_shape, layout)} "
            f"| {shape_text(report.output_shape, layout)} | {t.params:,} | {t.macs:,} ({human(t.macs)}) "
            f"| {human_bytes(t.activation_bytes)} | {human_bytes(t.peak_activation_bytes)} | {final_rf} |"
        )
    return "\n".join(lines) + "\n"
