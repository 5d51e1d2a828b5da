"""One CSV line per row, exact integers; shapes and fields as ``a×b`` text in the chosen layout."""

from __future__ import annotations

import csv
import io

from ..explain import by_row
from ..report import Report
from .common import dims_text, shape_text, visible_rows
from .escape import csv_row

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


def render_csv(report: Report, layout: str = "hwc", depth: int | None = None, explain: bool = False) -> str:
    """One line per row; with ``explain`` a last column holds the worked formulas, ``; ``-separated."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER + (("explain",) if explain else ()))
    worked = by_row(report) if explain else {}
    outputs = {name for name, _ in report.outputs}
    for row in visible_rows(report, depth):
        rf = row.receptive_field
        extra = ("; ".join(worked[id(row)]),) if explain else ()
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
                    row.path_text if row.path_text in outputs else "",
                    "yes" if row.frozen else "",
                    *extra,
                )
            )
        )
    return out.getvalue()
