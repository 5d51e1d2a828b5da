"""A Markdown table of the rows and totals: for READMEs, slides and issue comments."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..explain import by_row
from ..report import Report
from ..units import human, human_bytes
from .common import frozen_text, jump_text, reads_text, rf_text, shape_text, visible_rows
from .escape import diagnostic_line, markdown

if TYPE_CHECKING:
    from ..training import Training


def render_markdown(
    report: Report,
    layout: str = "hwc",
    depth: int | None = None,
    explain: bool = False,
    training: Training | None = None,
) -> str:
    """With ``training``, each row's backward MACs and saved bytes, and the training step itemised."""
    batch = f", batch {report.batch}" if report.batch != 1 else ""
    more = ("", "") if training is None else (" Backward MACs | Saved |", "---:|---:|")
    lines = [
        f"### {markdown(report.name)}",
        "",
        f"Input {shape_text(report.input_shape, layout)}, {report.dtype}{batch}.",
        "",
        f"| Layer | Type | Output | Params | MACs | Memory |{more[0]} RF | Jump |",
        f"|---|---|---|---:|---:|---:|{more[1]}---:|---:|",
    ]
    costs = {} if training is None else {id(row): cost for row, cost in zip(report.rows, training.rows)}
    for row in visible_rows(report, depth):
        name = "&nbsp;&nbsp;" * row.depth + markdown(row.name)
        flag = frozen_text(row) + (" ⚠" if row.warnings else "") + markdown(reads_text(row))
        kind = markdown(row.type)
        cost = costs.get(id(row))
        cells = "" if cost is None else f" {cost.backward_macs:,} | {human_bytes(cost.saved_bytes)} |"
        lines.append(
            f"| {name}{flag} | {kind} | {shape_text(row.output_shape, layout)} | {row.params:,} | {row.macs:,} "
            f"| {human_bytes(row.activation_bytes)} |{cells} {rf_text(row.receptive_field)} "
            f"| {jump_text(row.receptive_field)} |"
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
    if training is not None:
        lines += [
            "",
            f"**Training step** (batch {training.batch}, {training.optimizer}): "
            f"{human(training.backward_macs)} backward MACs ({training.backward_macs:,}); "
            f"training memory {human_bytes(training.training_memory_bytes)} "
            f"({training.training_memory_bytes:,} B) = parameters {human_bytes(training.param_bytes)} "
            f"+ gradients {human_bytes(training.gradient_bytes)} + optimizer state "
            f"{human_bytes(training.optimizer_bytes)} + saved activations "
            f"{human_bytes(training.saved_activation_bytes)}.",
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
