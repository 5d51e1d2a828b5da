"""A report at a batch size: what one pass over B samples holds and costs.

Every row's MACs and activation bytes, and the peak of activation bytes alive
at once, grow B times (every tensor of the forward pass is B times larger);
parameters and buffers don't. Shapes stay per sample, as PyTorch prints them
without the batch dimension. Batch 1 is the report itself, unchanged.
"""

from __future__ import annotations

from copy import copy

from .report import Report, Row
from .runtime import paused_gc

_ROW_SLOTS = Row.__slots__


def batched(report: Report, batch: int) -> Report:
    """The report for ``batch`` samples at once (from a report for any batch: every
    figure that scales is a multiple of the report's own batch)."""
    if batch == report.batch:
        return report
    old = report.batch
    with paused_gc():
        rows = tuple(_scaled(row, old, batch) for row in report.rows)
    result = copy(report)
    result.__dict__.pop("totals", None)
    result.rows = rows
    result.peak_activation_bytes = report.peak_activation_bytes // old * batch
    result.batch = batch
    return result


def _scaled(row: Row, old: int, batch: int) -> Row:
    scaled = Row.__new__(Row)
    for name in _ROW_SLOTS:
        setattr(scaled, name, getattr(row, name))
    scaled.macs = row.macs // old * batch
    scaled.activation_bytes = row.activation_bytes // old * batch
    return scaled
