"""What every renderer shares: shape and receptive-field text, row selection."""

from __future__ import annotations

from collections.abc import Iterable

from ..receptive import ReceptiveField
from ..report import Report, Row

LAYOUTS = ("hwc", "chw")


def shape_text(shape: tuple[int, ...], layout: str = "hwc") -> str:
    """``55×55×96`` (as the slides write it) or ``96×55×55`` (PyTorch's order)."""
    if layout == "hwc" and len(shape) > 1:
        shape = (*shape[1:], shape[0])
    return "×".join(str(v) for v in shape)


def _number(value: object) -> str:
    if isinstance(value, int):
        return str(value)
    return f"{float(value):.4g}"  # type: ignore[arg-type]


def dims_text(values: Iterable[object]) -> str:
    """One number when every dimension agrees, else ``a×b``."""
    values = list(values)
    if all(v == values[0] for v in values):
        return _number(values[0])
    return "×".join(_number(v) for v in values)


def rf_text(rf: ReceptiveField) -> str:
    return dims_text(rf.size)


def jump_text(rf: ReceptiveField) -> str:
    return dims_text(rf.jump)


def visible_rows(report: Report, depth: int | None) -> list[Row]:
    """Rows down to ``depth`` (0 = top level only); deeper rows are summed in their parents."""
    if depth is None:
        return list(report.rows)
    return [row for row in report.rows if row.depth <= depth]


FROZEN_MARK = " (frozen)"
"""After the name of a row with frozen parameters, in the table, Markdown and HTML."""


def frozen_text(row: Row) -> str:
    return FROZEN_MARK if row.frozen else ""


def reads_text(row: Row) -> str:
    """`` ← a, b/c`` for a row that reads through ``from`` (empty otherwise)."""
    return f" ← {', '.join(row.input_paths)}" if row.linked else ""


def output_items(report: Report, layout: str = "hwc") -> list[tuple[str, str]]:
    """("Output", shape) for one output; ("Output NAME", shape) for each of several."""
    if len(report.outputs) == 1:
        return [("Output", shape_text(report.output_shape, layout))]
    return [(f"Output {name}", shape_text(shape, layout)) for name, shape in report.outputs]
