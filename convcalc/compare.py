"""Architectures side by side: totals with ratios, and rows where they correspond.

Rows correspond when they have the same path (``inception/b2/conv2``); the
first report is the baseline every ratio is taken against.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from .report import Report, Row

COMPARE_FORMAT = 1
METRICS = (
    ("params", "Parameters", "count", "parameters"),
    ("trainable_params", "Trainable", "count", "trainable parameters"),
    ("macs", "MACs", "count", "MACs"),
    ("flops", "FLOPs", "count", "FLOPs"),
    ("activations", "Activations (conv/fc outputs)", "count", "activations"),
    ("activation_bytes", "Activation memory", "bytes", "activation memory"),
    ("peak_activation_bytes", "Peak memory", "bytes", "peak memory"),
    ("param_bytes", "Parameter memory", "bytes", "parameter memory"),
)


def ratio_text(baseline: int, value: int, noun: str = "") -> str:
    """``3.15× fewer MACs`` / ``1.20× more MACs`` / ``same MACs``, against the baseline."""
    noun = f" {noun}" if noun else ""
    if value == baseline:
        return f"same{noun}"
    if value == 0 or baseline == 0:
        return f"{'none' if value == 0 else 'some'}{noun} (baseline {baseline:,})"
    if value < baseline:
        return f"{float(Fraction(baseline, value)):.2f}× fewer{noun}"
    return f"{float(Fraction(value, baseline)):.2f}× more{noun}"


@dataclass(frozen=True, slots=True)
class MetricLine:
    key: str
    label: str
    unit: str
    noun: str
    values: tuple[int, ...]

    def ratios(self, noun: bool = True) -> tuple[str, ...]:
        """Each report against the first: ``3.15× fewer MACs`` (or ``3.15× fewer`` without the noun)."""
        return tuple(ratio_text(self.values[0], v, self.noun if noun else "") for v in self.values[1:])


@dataclass(frozen=True, slots=True)
class RowLine:
    path: str
    depth: int
    rows: tuple[Row | None, ...]


@dataclass(frozen=True)
class Comparison:
    reports: tuple[Report, ...]
    metrics: tuple[MetricLine, ...]
    rows: tuple[RowLine, ...]

    def to_dict(self) -> dict[str, Any]:
        def row_values(row: Row | None) -> dict[str, Any] | None:
            if row is None:
                return None
            return {"type": row.type, "output_shape": list(row.output_shape), "params": row.params, "macs": row.macs}

        return {
            "convcalc_compare": COMPARE_FORMAT,
            "specs": [
                {
                    "name": r.name,
                    "label": label(r),
                    "file": r.file,
                    "output_shape": list(r.output_shape),
                    "totals": r.totals.to_dict(),
                }
                for r in self.reports
            ],
            "metrics": [
                {
                    "key": m.key,
                    "values": list(m.values),
                    "relative": [float(Fraction(v, m.values[0])) if m.values[0] else None for v in m.values],
                    "ratios": list(m.ratios()),
                }
                for m in self.metrics
            ],
            "rows": [
                {"path": line.path, "depth": line.depth, "values": [row_values(r) for r in line.rows]}
                for line in self.rows
            ],
        }


def label(report: Report) -> str:
    """A short column title: the file's stem, else the spec's name."""
    stem = report.file.replace("\\", "/").rsplit("/", 1)[-1]
    for suffix in (".yaml", ".yml"):
        stem = stem.removesuffix(suffix)
    return stem if stem and not stem.startswith("<") else report.name


TRAINING_METRICS = (
    ("backward_macs", "Backward MACs", "count", "backward MACs"),
    ("saved_activation_bytes", "Saved activations", "bytes", "saved activations"),
    ("training_memory_bytes", "Training memory", "bytes", "training memory"),
)
"""With ``optimizer``: one training step's (convcalc.training)."""


def compare(reports: list[Report], depth: int | None = 1, optimizer: str | None = None) -> Comparison:
    """Totals of every report, and the rows (down to ``depth``) in spec order of the first;
    with ``optimizer``, the training step's cost too."""
    totals = [r.totals for r in reports]
    metrics = tuple(
        MetricLine(key, title, unit, noun, tuple(int(getattr(t, key)) for t in totals))
        for key, title, unit, noun in METRICS
    )
    if optimizer is not None:
        from .training import training_cost

        costs = [training_cost(r, optimizer) for r in reports]
        metrics += tuple(
            MetricLine(key, title, unit, noun, tuple(int(getattr(c, key)) for c in costs))
            for key, title, unit, noun in TRAINING_METRICS
        )
    by_path = [{row.path_text: row for row in r.rows} for r in reports]
    order: list[str] = []
    seen: set[str] = set()
    for report in reports:
        for row in report.rows:
            if (depth is None or row.depth <= depth) and row.path_text not in seen:
                seen.add(row.path_text)
                order.append(row.path_text)
    lines = tuple(RowLine(path, path.count("/"), tuple(paths.get(path) for paths in by_path)) for path in order)
    return Comparison(tuple(reports), metrics, lines)
