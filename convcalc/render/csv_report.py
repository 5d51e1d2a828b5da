"""One CSV line per row, exact integers; shapes and fields as ``a×b`` text in the chosen layout."""

from __future__ import annotations

import csv
import io

from typing import TYPE_CHECKING

from ..explain import by_row
from ..report import Report
from .common import dims_text, shape_text, visible_rows
from .escape import csv_row

if TYPE_CHECKING:
    from ..training import Training

HEADER = (
    "path",
    "name",
    "type",
    "depth",
    "line",
    "column",
    "output_shape",
    "params",
    "trainable_params",
    "buffers",
    "macs",
    "flops",
    "activation_bytes",
    "rf_size",
    "rf_jump",
    "rf_start",
    "warnings",
    "inputs",
    "output",
    "frozen",
)


def render_csv(
    report: Report,
    layout: str = "hwc",
    depth: int | None = None,
    explain: bool = False,
    training: Training | None = None,
) -> str:
    """One line per row; with ``training`` two more columns, ``backward_macs`` and ``saved_bytes``;
    with ``explain`` a last column holds the worked formulas, ``; ``-separated."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    trained = ("backward_macs", "saved_bytes") if training is not None else ()
    writer.writerow(HEADER + trained + (("explain",) if explain else ()))
    worked = by_row(report) if explain else {}
    costs = {} if training is None else {id(row): cost for row, cost in zip(report.rows, training.rows)}
    outputs = {path: name for (name, _), path in zip(report.outputs, report.output_paths)}
    for row in visible_rows(report, depth):
        rf = row.receptive_field
        extra = ("; ".join(worked[id(row)]),) if explain else ()
        if costs:
            extra = (costs[id(row)].backward_macs, costs[id(row)].saved_bytes, *extra)
        writer.writerow(
            csv_row(
                (
                    row.path_text,
                    row.name,
                    row.type,
                    row.depth,
                    row.position.line,
                    row.position.column,
                    shape_text(row.output_shape, layout),
                    row.params,
                    row.trainable_params,
                    row.buffers,
                    row.macs,
                    row.flops,
                    row.activation_bytes,
                    dims_text(rf.size),
                    dims_text(rf.jump),
                    dims_text(rf.start),
                    len(row.warnings),
                    ";".join(row.input_paths),
                    outputs.get(row.path_text, ""),
                    "yes" if row.frozen else "",
                    *extra,
                )
            )
        )
    return out.getvalue()
