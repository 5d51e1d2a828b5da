"""Architectures side by side: totals with ratios, and rows where they correspond.

Rows are aligned by structure, as ``diff`` aligns two texts (see
:func:`compare`); the first report is the baseline every ratio is taken
against.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from difflib import SequenceMatcher
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
    """One line of the row comparison: each report's row at this place of the structure, or None."""

    path: str
    depth: int
    rows: tuple[Row | None, ...]

    @property
    def names(self) -> tuple[str, ...]:
        """The row's name, and the other names it has in the other reports (``conv1``, ``conv2``)."""
        seen: list[str] = []
        for row in self.rows:
            if row is not None and row.name not in seen:
                seen.append(row.name)
        return tuple(seen)

    @property
    def label(self) -> str:
        return " / ".join(self.names)

    @property
    def kind(self) -> str:
        """Type and window of the line's rows (``conv 3×3 pad 1``), what the alignment matched on."""
        row = next(r for r in self.rows if r is not None)
        return f"{row.type} {getattr(row.formulas, 'brief', '')}".strip()


@dataclass(frozen=True)
class Comparison:
    """Reports side by side (the first the baseline): totals as :class:`MetricLine`, rows
    aligned as :class:`RowLine`. ``convcalc.render(comparison, "markdown")`` writes it."""

    reports: tuple[Report, ...]
    metrics: tuple[MetricLine, ...]
    rows: tuple[RowLine, ...]

    def __repr__(self) -> str:
        return f"Comparison({[r.name for r in self.reports]!r}, {len(self.rows)} row lines)"

    def _repr_html_(self) -> str:
        from .render.html import render_compare_html

        return render_compare_html(self)

    def _repr_markdown_(self) -> str:
        from .render.compare_output import render_markdown

        return render_markdown(self)

    def to_dict(self) -> dict[str, Any]:
        def row_values(row: Row | None) -> dict[str, Any] | None:
            if row is None:
                return None
            return {
                "path": row.path_text,
                "type": row.type,
                "output_shape": list(row.output_shape),
                "params": row.params,
                "macs": row.macs,
            }

        labels = labels_of(self.reports)
        return {
            "convcalc_compare": COMPARE_FORMAT,
            "specs": [
                {
                    "name": r.name,
                    "label": text,
                    "file": r.file,
                    "output_shape": list(r.output_shape),
                    "receptive_field": r.receptive_field.to_dict() if r.receptive_field else None,
                    "totals": r.totals.to_dict(),
                }
                for r, text in zip(self.reports, labels)
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


def _stem(report: Report) -> str:
    stem = report.file.replace("\\", "/").rsplit("/", 1)[-1]
    for suffix in (".yaml", ".yml"):
        stem = stem.removesuffix(suffix)
    return stem if not stem.startswith("<") else ""


def label(report: Report) -> str:
    """A column title: the spec's ``name``, else the file's stem."""
    return report.name or _stem(report) or "spec"


def labels_of(reports: tuple[Report, ...] | list[Report]) -> list[str]:
    """Column titles; specs that share a name are told apart by their file's stem."""
    names = [label(r) for r in reports]
    return [
        f"{name} ({_stem(r) or i + 1})" if names.count(name) > 1 else name
        for i, (name, r) in enumerate(zip(names, reports))
    ]


def structure_key(row: Row) -> tuple[object, ...]:
    """What must agree for two rows to sit on one line: depth, type, window (``conv 3×3 pad 1``)
    and output size (channels may differ: that is what a comparison shows)."""
    return (row.depth, row.type, getattr(row.formulas, "brief", ""), row.output_shape[1:])


def _coarse_key(row: Row) -> tuple[object, ...]:
    """Second chance inside a differing stretch: a layer of the same type, or any composite, at the same
    depth and output size."""
    return (row.depth, row.leaf, row.type if row.leaf else "", row.output_shape[1:])


def _align(
    lines: list[list[Row | None]], rows: list[Row], key: Callable[[Row], tuple[object, ...]], fallback: bool
) -> list[list[Row | None]]:
    """``lines`` (one slot per report so far) aligned with ``rows`` as diff aligns two texts.

    Matched rows share a line; the others keep their place, each on a line of its own.
    """
    first = [next(r for r in line if r is not None) for line in lines]
    width = len(lines[0]) if lines else 0
    matcher = SequenceMatcher(None, [key(r) for r in first], [key(r) for r in rows], autojunk=False)
    out: list[list[Row | None]] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            out += [[*line, row] for line, row in zip(lines[i1:i2], rows[j1:j2])]
        elif op == "replace" and fallback:
            out += _align(lines[i1:i2], rows[j1:j2], _coarse_key, fallback=False)
        else:
            out += [[*line, None] for line in lines[i1:i2]]
            out += [[*([None] * width), row] for row in rows[j1:j2]]
    return out


AUTO_ROWS = 100
"""Without ``depth``, rows are compared as deep as keeps every spec within this many rows."""


def auto_depth(reports: list[Report], limit: int = AUTO_ROWS) -> int:
    deepest = max((row.depth for r in reports for row in r.rows), default=0)
    depth = 0
    while depth < deepest and all(sum(1 for row in r.rows if row.depth <= depth + 1) <= limit for r in reports):
        depth += 1
    return depth


TRAINING_METRICS = (
    ("backward_macs", "Backward MACs", "count", "backward MACs"),
    ("saved_activation_bytes", "Saved activations", "bytes", "saved activations"),
    ("training_memory_bytes", "Training memory", "bytes", "training memory"),
)
"""With ``optimizer``: one training step's (convcalc.training)."""


def compare(reports: list[Report], depth: int | None = None, optimizer: str | None = None) -> Comparison:
    """Totals of every report (with ``optimizer``, a training step's cost too), and their rows
    (down to ``depth``) aligned by structure.

    Rows are aligned as ``diff`` aligns lines, on their depth, type and window
    (:func:`structure_key`): the naive inception's 3×3 convolution sits next to
    the bottleneck's 3×3, and the bottleneck's extra 1×1 rows sit in place on
    lines of their own. ``depth=None`` goes as deep as :func:`auto_depth` allows.
    """
    if depth is None:
        depth = auto_depth(reports)
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
    shown = [[row for row in r.rows if row.depth <= depth] for r in reports]
    lines: list[list[Row | None]] = [[row] for row in shown[0]]
    for rows in shown[1:]:
        lines = _align(lines, rows, structure_key, fallback=True)
    row_lines = []
    for line in lines:
        present = next(r for r in line if r is not None)
        row_lines.append(RowLine(present.path_text, present.depth, tuple(line)))
    return Comparison(tuple(reports), metrics, tuple(row_lines))


from .callable_module import make_callable  # noqa: E402

make_callable(__name__, "compare")
