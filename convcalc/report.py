"""The report model: rows in spec order, totals derived from them.

Every row holds its output and its own counts; a composite row (sequence,
parallel, residual, branch, block use) holds the sums of its children and
``leaf`` is false. Totals sum the leaf rows only, so each layer counts once.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from math import prod
from typing import Any

from .errors import Diagnostic, Position
from .receptive import ReceptiveField
from .record import FrozenRecord, Record

REPORT_FORMAT = 1
ACTIVATION_TYPES = frozenset({"conv", "deconv", "fc"})


class Row(Record):
    """One row of the report, treated as immutable. ``formulas``: the worked
    formulas, or a function that writes them on demand (see :attr:`explain`)."""

    __slots__ = (
        "name",
        "type",
        "path",
        "position",
        "input_shape",
        "output_shape",
        "params",
        "trainable_params",
        "macs",
        "buffers",
        "activation_bytes",
        "receptive_field",
        "leaf",
        "warnings",
        "formulas",
        "inputs",
        "linked",
    )

    def __init__(
        self,
        name: str,
        type: str,
        path: tuple[str, ...],
        position: Position,
        input_shape: tuple[int, ...],
        output_shape: tuple[int, ...],
        params: int,
        trainable_params: int,
        macs: int,
        buffers: int,
        activation_bytes: int,
        receptive_field: ReceptiveField,
        leaf: bool = True,
        warnings: tuple[Diagnostic, ...] = (),
        formulas: Callable[[], tuple[str, ...]] | tuple[str, ...] = (),
        inputs: tuple[tuple[str, ...], ...] = (),
        linked: bool = False,
    ) -> None:
        self.name = name
        self.type = type
        self.path = path
        self.position = position
        self.input_shape = input_shape
        self.output_shape = output_shape
        self.params = params
        self.trainable_params = trainable_params
        self.macs = macs
        self.buffers = buffers
        self.activation_bytes = activation_bytes
        self.receptive_field = receptive_field
        self.leaf = leaf
        self.warnings = warnings
        self.formulas = formulas
        self.inputs = inputs
        """The row paths it reads (the implicit one too)."""
        self.linked = linked
        """It reads what ``from`` names, not simply the row before."""

    def __repr__(self) -> str:
        shape = "×".join(map(str, self.output_shape))
        return (
            f"Row({self.path_text!r}, {self.type}, output {shape}, params {self.params:,}, MACs {self.macs:,}"
            + (f", {len(self.warnings)} warning{'s' if len(self.warnings) != 1 else ''}" if self.warnings else "")
            + ")"
        )

    @property
    def explain(self) -> tuple[str, ...]:
        """The row's worked formulas, e.g. ``(227 − 11)/4 + 1 = 55`` per dimension."""
        return self.formulas() if callable(self.formulas) else self.formulas

    @property
    def depth(self) -> int:
        return len(self.path) - 1

    @property
    def frozen(self) -> bool:
        """Some of its parameters are frozen (``trainable: false``)."""
        return self.trainable_params < self.params

    @property
    def flops(self) -> int:
        return 2 * self.macs

    @property
    def path_text(self) -> str:
        return "/".join(self.path)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "path": list(self.path),
            "depth": self.depth,
            "line": self.position.line,
            "column": self.position.column,
            "leaf": self.leaf,
            "input_shape": list(self.input_shape),
            "output_shape": list(self.output_shape),
            "params": self.params,
            "trainable_params": self.trainable_params,
            "frozen": self.frozen,
            "buffers": self.buffers,
            "macs": self.macs,
            "flops": self.flops,
            "activation_bytes": self.activation_bytes,
            "receptive_field": self.receptive_field.to_dict(),
            "warnings": [w.to_dict() for w in self.warnings],
            "inputs": self.input_paths,
        }

    @property
    def input_paths(self) -> list[str]:
        return ["/".join(source) for source in self.inputs]


class Totals(FrozenRecord):
    """Sums over the leaf rows. ``activations``: output elements of conv, deconv and
    fc rows (RegNet's and fvcore's "activations")."""

    __slots__ = (
        "params",
        "trainable_params",
        "buffers",
        "macs",
        "activation_bytes",
        "peak_activation_bytes",
        "param_bytes",
        "activations",
    )

    def __init__(
        self,
        params: int,
        trainable_params: int,
        buffers: int,
        macs: int,
        activation_bytes: int,
        peak_activation_bytes: int,
        param_bytes: int,
        activations: int = 0,
    ) -> None:
        self.params = params
        self.trainable_params = trainable_params
        self.buffers = buffers
        self.macs = macs
        self.activation_bytes = activation_bytes
        self.peak_activation_bytes = peak_activation_bytes
        self.param_bytes = param_bytes
        self.activations = activations

    @property
    def frozen_params(self) -> int:
        return self.params - self.trainable_params

    @property
    def flops(self) -> int:
        return 2 * self.macs

    def to_dict(self) -> dict[str, int]:
        return {
            "params": self.params,
            "trainable_params": self.trainable_params,
            "frozen_params": self.frozen_params,
            "buffers": self.buffers,
            "macs": self.macs,
            "flops": self.flops,
            "activation_bytes": self.activation_bytes,
            "peak_activation_bytes": self.peak_activation_bytes,
            "param_bytes": self.param_bytes,
            "activations": self.activations,
        }


class Report:
    """A spec's analysis: its rows in spec order, and totals derived from them.
    ``receptive_field``: the field of the final output."""

    def __init__(
        self,
        name: str,
        file: str,
        input_shape: tuple[int, ...],
        output_shape: tuple[int, ...],
        dtype: str,
        dtype_bytes: int,
        rows: tuple[Row, ...],
        peak_activation_bytes: int,
        description: str = "",
        budget: dict[str, Any] | None = None,
        budget_positions: dict[str, Position] | None = None,
        receptive_field: ReceptiveField | None = None,
        batch: int = 1,
        inputs: tuple[tuple[str, tuple[int, ...]], ...] = (),
        outputs: tuple[tuple[str, tuple[int, ...]], ...] = (),
        output_paths: tuple[str, ...] = (),
        graph: Any = None,
    ) -> None:
        self.name = name
        self.file = file
        self.input_shape = input_shape
        self.output_shape = output_shape
        self.dtype = dtype
        self.dtype_bytes = dtype_bytes
        self.rows = rows
        self.peak_activation_bytes = peak_activation_bytes
        self.description = description
        self.budget = budget if budget is not None else {}
        self.budget_positions = budget_positions if budget_positions is not None else {}
        self.receptive_field = receptive_field
        self.batch = batch
        """Samples per pass: MACs and activation bytes are for this many (convcalc.batch)."""
        self.graph = graph
        """The graph it was evaluated from (convcalc.graph), when it came from one: what
        convcalc.training reads the layers' args and connections from."""
        self.inputs = inputs or (("input", input_shape),)
        """The network's inputs: (name, shape)."""
        self.outputs = outputs or (("output", output_shape),)
        """The network's outputs: (name, shape); the first is ``output_shape``."""
        self.output_paths = output_paths or tuple(name for name, _ in self.outputs)
        """The path of each output's row (an output named by a repeated entry's name is its last copy)."""

    @property
    def graph_like(self) -> bool:
        """Several inputs or outputs, or a row that reads through ``from`` (drawn as a graph)."""
        return len(self.inputs) > 1 or len(self.outputs) > 1 or any(row.linked for row in self.rows)

    def __repr__(self) -> str:
        return f"Report({self.name!r}, {len(self.rows)} rows, output {self.output_shape})"

    def _repr_html_(self) -> str:
        """Jupyter shows a report as its table (rows down to depth 1 when there are more than 200)."""
        from .render.html import render_html_fragment

        return render_html_fragment(self, depth=1 if len(self.rows) > 200 else None)

    def _repr_markdown_(self) -> str:
        from .render.markdown import render_markdown

        return render_markdown(self, depth=1 if len(self.rows) > 200 else None)

    @cached_property
    def totals(self) -> Totals:
        params = trainable = buffers = macs = activation = counted = 0
        for row in self.rows:
            if row.leaf:
                params += row.params
                trainable += row.trainable_params
                buffers += row.buffers
                macs += row.macs
                activation += row.activation_bytes
                if row.type in ACTIVATION_TYPES:
                    counted += prod(row.output_shape)
        return Totals(
            params=params,
            trainable_params=trainable,
            buffers=buffers,
            macs=macs,
            activation_bytes=activation,
            peak_activation_bytes=self.peak_activation_bytes,
            param_bytes=params * self.dtype_bytes,
            activations=counted * self.batch,
        )

    @property
    def warnings(self) -> list[Diagnostic]:
        return [w for row in self.rows for w in row.warnings]

    def row(self, path: str) -> Row:
        """The row whose ``/``-joined path (or unique name) is ``path``."""
        matches = [r for r in self.rows if r.path_text == path]
        if not matches:
            matches = [r for r in self.rows if r.name == path]
        if len(matches) != 1:
            raise KeyError(f"{'no' if not matches else 'more than one'} row {path!r}")
        return matches[0]

    def to_dict(self, rows: bool = True) -> dict[str, Any]:
        """The JSON report as data; ``rows=False`` leaves the rows' list empty (a renderer fills it)."""
        return {
            "convcalc": REPORT_FORMAT,
            "name": self.name,
            "file": self.file,
            "dtype": self.dtype,
            "batch": self.batch,
            "input": list(self.input_shape),
            "output_shape": list(self.output_shape),
            "inputs": [{"name": name, "shape": list(shape)} for name, shape in self.inputs],
            "outputs": [
                {"name": name, "shape": list(shape), "path": path}
                for (name, shape), path in zip(self.outputs, self.output_paths)
            ],
            "rows": [row.to_dict() for row in self.rows] if rows else [],
            "totals": self.totals.to_dict(),
            "warnings": [w.to_dict() for w in self.warnings],
        }
