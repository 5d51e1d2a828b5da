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
| backward_macs | MACs of the backward pass (convcalc.training) | count |
| training_memory | parameters + gradients + optimizer state + saved activations | bytes |

Two keys say how the limits are measured rather than limit anything:
``batch`` (samples per pass; default the command's ``--batch``) and
``optimizer`` (for ``training_memory``; default the command's ``--optimizer``).
Limits from the command line are measured at the command's batch and optimizer.
"""

from __future__ import annotations

from typing import Any

from .batch import batched
from .errors import Diagnostic, Position
from .record import FrozenRecord
from .report import Report
from .training import DEFAULT_OPTIMIZER, training_cost
from .units import human, human_bytes

BYTE_KEYS = {"memory", "peak_memory", "training_memory"}
SETTING_KEYS = ("batch", "optimizer")


def measure(report: Report, key: str, optimizer: str = DEFAULT_OPTIMIZER) -> int | tuple[int, ...]:
    """``key``'s measured value in ``report`` (at its batch), training with ``optimizer``."""
    totals = report.totals
    if key == "backward_macs":
        return training_cost(report, optimizer).backward_macs
    if key == "training_memory":
        return training_cost(report, optimizer).training_memory_bytes
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

    __slots__ = ("key", "limit", "measured", "position", "source", "batch")

    def __init__(
        self,
        key: str,
        limit: int | tuple[int, ...],
        measured: int | tuple[int, ...],
        position: Position,
        source: str,
        batch: int = 1,
    ) -> None:
        self.key = key
        self.limit = limit
        self.measured = measured
        self.position = position
        self.source = source
        self.batch = batch

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
        at = f", batch {self.batch}" if self.batch != 1 else ""
        return (
            f"{self.key} {measured:,} ({fmt(measured)}) exceed the budget of {limit:,} ({fmt(limit)}) "
            f"by {over:,}{share} ({self.source}{at})"
        )


def check_budget(
    report: Report,
    limits: dict[str, Any],
    positions: dict[str, Position],
    overrides: dict[str, int] | None = None,
    optimizer: str = DEFAULT_OPTIMIZER,
    defaults: dict[str, int] | None = None,
) -> list[BudgetLine]:
    """Every budget line: the configuration's ``defaults``, the spec's limits over them, the
    command line's overrides over both. The spec's limits are measured at its budget's
    ``batch`` and ``optimizer`` when it names them, else, as the defaults and overrides, at
    ``report``'s batch and ``optimizer``."""
    spec_report = batched(report, limits.get("batch", report.batch))
    spec_optimizer = limits.get("optimizer", optimizer)
    merged: dict[str, tuple[Any, str, Report, str]] = {
        key: (value, "config", report, optimizer) for key, value in (defaults or {}).items()
    }
    merged.update(
        (key, (value, "spec", spec_report, spec_optimizer)) for key, value in limits.items() if key not in SETTING_KEYS
    )
    for key, value in (overrides or {}).items():
        merged[key] = (value, "command line", report, optimizer)
    return [
        BudgetLine(key, limit, measure(at, key, opt), positions.get(key, Position(1, 1)), source, at.batch)
        for key, (limit, source, at, opt) in merged.items()
    ]


def budget_diagnostics(lines: list[BudgetLine], file: str) -> list[Diagnostic]:
    return [Diagnostic("error", "budget", line.message(), file, line.position) for line in lines if not line.ok]
