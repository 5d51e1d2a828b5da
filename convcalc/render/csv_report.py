"""One CSV line per row, exact integers; shapes and fields as ``a×b`` text in the chosen layout."""

from __future__ import annotations

import csv
import io

from typing import TYPE_CHECKING

from ..report import Report
from .common import dims_text, shape_text, visible_rows

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
)


def render_csv(report: Report, layout: str = "hwc", depth: int | None = None, training: Training | None = None) -> str:
    """With ``training``, two more columns: ``backward_macs`` and ``saved_bytes``."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER if training is None else (*HEADER, "backward_macs", "saved_bytes"))
    costs = {} if training is None else {id(row): cost for row, cost in zip(report.rows, training.rows)}
    for row in visible_rows(report, depth):
        rf = row.receptive_field
        cost = costs.get(id(row))
        writer.writerow(
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
            )
            + (() if cost is None else (cost.backward_macs, cost.saved_bytes))
        )
    return out.getvalue()
