"""Budgets: limits on what a spec may cost, checked by ``convcalc check``.

Each budget key names one measured quantity (docs/spec-format.md, "budget"):

| key | measured | unit |
|---|---|---|
| params | all parameters | count |
| trainable_params | trainable parameters | count |
| macs | multiply-accumulates | count |
| flops | 2 × MACs | count |
| activations | output elements of conv, deconv and fc layers (the convention of Radosavovic et al. 2020, "Designing Network Design Spaces", and fvcore) | count |
| memory | parameter bytes + peak activation bytes: what one inference holds | bytes |
| peak_memory | peak activation bytes | bytes |
| output | the output shape, channels first; must be equal | shape |
"""

from __future__ import annotations

from .errors import Diagnostic, Position
from .record import FrozenRecord
from .report import Report
from .units import human, human_bytes

BYTE_KEYS = {"memory", "peak_memory"}


def measure(report: Report, key: str) -> int | tuple[int, ...]:
    totals = report.totals
    if key == "output":
        return report.output_shape
    if key == "memory":
        return totals.param_bytes + totals.peak_activation_bytes
    if key == "peak_memory":
        return totals.peak_activation_bytes
    return int(getattr(totals, key))


class BudgetLine(FrozenRecord):
    """One budget key: its limit, the measured value, where the limit is written,
    and whether it came from the spec or the command line."""

    __slots__ = ("key", "limit", "measured", "position", "source")

    def __init__(
        self, key: str, limit: int | tuple[int, ...], measured: int | tuple[int, ...], position: Position, source: str
    ) -> None:
        self.key = key
        self.limit = limit
        self.measured = measured
        self.position = position
        self.source = source

    @property
    def ok(self) -> bool:
        if self.key == "output":
            return self.measured == self.limit
        return self.measured <= self.limit  # type: ignore[operator]

    def message(self) -> str:
        if self.key == "output":
            shown = "×".join(map(str, self.measured))  # type: ignore[arg-type]
            wanted = "×".join(map(str, self.limit))  # type: ignore[arg-type]
            return f"output shape {shown} is not the budgeted {wanted} ({self.source})"
        fmt = human_bytes if self.key in BYTE_KEYS else human
        measured, limit = int(self.measured), int(self.limit)  # type: ignore[arg-type]
        over = measured - limit
        share = f", {over / limit:.1%}" if limit else ""
        return (
            f"{self.key} {measured:,} ({fmt(measured)}) exceed the budget of {limit:,} ({fmt(limit)}) "
            f"by {over:,}{share} ({self.source})"
        )


def check_budget(
    report: Report,
    limits: dict[str, int | tuple[int, ...]],
    positions: dict[str, Position],
    overrides: dict[str, int] | None = None,
    defaults: dict[str, int] | None = None,
) -> list[BudgetLine]:
    """Every budget line: the configuration's ``defaults``, the spec's limits over them,
    the command line's overrides over both."""
    merged: dict[str, tuple[int | tuple[int, ...], str]] = {key: (value, "config") for key, value in (defaults or {}).items()}
    merged.update((key, (value, "spec")) for key, value in limits.items())
    for key, value in (overrides or {}).items():
        merged[key] = (value, "command line")
    return [
        BudgetLine(key, limit, measure(report, key), positions.get(key, Position(1, 1)), source)
        for key, (limit, source) in merged.items()
    ]


def budget_diagnostics(lines: list[BudgetLine], file: str) -> list[Diagnostic]:
    return [Diagnostic("error", "budget", line.message(), file, line.position) for line in lines if not line.ok]
