"""Small helpers about the Python runtime that several modules share."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

from .errors import Position


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cycle collector: loading and walking make many small objects and no
    cycles, and at 10⁵ rows the collector's rescans cost a quarter of the time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            # What was made meanwhile joins the oldest generation unscanned (freeze and
            # unfreeze only splice lists): otherwise the first allocation after the pause
            # scans every one of those objects as young (half a second at 10⁵ rows).
            gc.freeze()
            gc.unfreeze()
            gc.enable()


def position_at(text: str | bytes, index: int) -> Position:
    """The 1-based line and column of a character (or byte) offset."""
    newline = b"\n" if isinstance(text, bytes) else "\n"
    line = text.count(newline, 0, index) + 1  # type: ignore[arg-type]
    column = index - (text.rfind(newline, 0, index) + 1) + 1  # type: ignore[arg-type]
    return Position(line, column)
