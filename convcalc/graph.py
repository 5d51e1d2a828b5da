"""The graph at the centre: nodes in topological order, each reading earlier tensors.

Reading (:mod:`convcalc.reader`) turns a spec into a :class:`Graph`;
evaluation (:mod:`convcalc.evaluate`) turns a graph into a report. Neither
knows the other's details: a test or an importer can build a graph by hand
with :meth:`Graph.add_input` and :meth:`Graph.add_layer`.

Node kinds:

- ``input``: a network input; its shape is ``args["shape"]``. Not a row.
- ``layer``: one layer of a type in :data:`convcalc.layers.RULES`, with its
  checked args and the tensors it reads (``inputs``, plus ``like`` for
  ``crop``/``upsample`` sized after another tensor). A row unless ``row`` is
  false: the implicit merge of ``parallel`` and ``residual`` is a hidden
  layer node.
- ``failed``: an entry that could not be read (only while its error and the
  spec's other errors are being collected); what reads it is not evaluated.
- ``group``: a row that groups the rows after it up to ``end`` (a composite,
  a branch, a block use); its output is the tensor ``output``, its counts the
  sums of the layers it groups.

A tensor is named by the index of the node that makes it.
"""

from __future__ import annotations

from typing import Any

from .args import check_args
from .errors import NOWHERE, Diagnostic, LayerError, Position, Problems
from .layers import RULES, LayerRule
from .record import Record

INPUT, LAYER, GROUP, FAILED = "input", "layer", "group", "failed"


class Node:
    """One node. ``sources``: for each input, the row path it was read as (the
    report's ``inputs``); ``linked``: it was read through ``from``; ``share``: the
    node whose parameters it uses (-1: its own); ``context``: appended to its
    error messages (which block use it sits in)."""

    __slots__ = (
        "kind",
        "rule",
        "type",
        "args",
        "inputs",
        "sources",
        "like",
        "path",
        "position",
        "frozen",
        "share",
        "row",
        "linked",
        "context",
        "end",
        "output",
    )

    def __init__(
        self,
        kind: str,
        type: str,
        path: tuple[str, ...],
        position: Position = NOWHERE,
        rule: LayerRule | None = None,
        args: dict[str, Any] | None = None,
        inputs: tuple[int, ...] = (),
        sources: tuple[tuple[str, ...], ...] = (),
        like: int = -1,
        frozen: bool = False,
        share: int = -1,
        row: bool = True,
        linked: bool = False,
        context: str = "",
    ) -> None:
        self.kind = kind
        self.rule = rule
        self.type = type
        self.args = args if args is not None else {}
        self.inputs = inputs
        self.sources = sources
        self.like = like
        self.path = path
        self.position = position
        self.frozen = frozen
        self.share = share
        self.row = row
        self.linked = linked
        self.context = context
        self.end = -1
        self.output = -1

    def __repr__(self) -> str:
        return f"Node({self.kind}, {self.type}, {'/'.join(self.path)}, inputs={self.inputs})"


class Graph(Record):
    """A network as nodes in topological order. ``inputs`` and ``outputs``: (name, tensor)."""

    __slots__ = (
        "nodes",
        "inputs",
        "outputs",
        "file",
        "name",
        "description",
        "dtype",
        "dtype_bytes",
        "budget",
        "budget_positions",
        "input_positions",
        "ignores",
        "problems",
        "warnings",
    )

    def __init__(
        self,
        file: str = "<graph>",
        name: str = "graph",
        description: str = "",
        dtype: str = "float32",
        dtype_bytes: int = 4,
    ) -> None:
        self.nodes: list[Node] = []
        self.inputs: list[tuple[str, int]] = []
        self.outputs: list[tuple[str, int]] = []
        self.file = file
        self.name = name
        self.description = description
        self.dtype = dtype
        self.dtype_bytes = dtype_bytes
        self.budget: dict[str, Any] = {}
        self.budget_positions: dict[str, Position] = {}
        self.input_positions: dict[str, Position] = {}
        self.problems: Problems = Problems()
        """Errors noted while reading; evaluation adds its own and raises them all."""
        self.warnings: list[Diagnostic] = []
        """Warnings of the spec's top level (``layout``), shown on the first row."""
        self.ignores: dict[str, frozenset[str]] = {}
        """Row path → codes its entry's ``ignore:`` key silences there and inside it."""

    def add(self, node: Node) -> int:
        self.nodes.append(node)
        return len(self.nodes) - 1

    def add_input(self, name: str, shape: tuple[int, ...], position: Position = NOWHERE) -> int:
        index = self.add(Node(INPUT, "input", (name,), position, args={"shape": tuple(shape)}, row=False))
        self.inputs.append((name, index))
        self.input_positions[name] = position
        return index

    def add_layer(
        self, type_name: str, args: dict[str, Any], inputs: tuple[int, ...] | list[int], name: str, like: int = -1
    ) -> int:
        """A top-level layer row, its args checked as a spec's would be (a LayerError if not)."""
        rule = RULES[type_name]
        checked = check_args(rule.args, args, rule.name)
        if len(inputs) < rule.least_inputs or (rule.combine is None and len(inputs) != 1):
            raise LayerError("from", f"{rule.name} cannot read {len(inputs)} tensors")
        sources = tuple(self.nodes[i].path for i in inputs)
        return self.add(
            Node(LAYER, rule.name, (name,), rule=rule, args=checked, inputs=tuple(inputs), sources=sources, like=like)
        )

    def add_output(self, tensor: int, name: str | None = None) -> None:
        self.outputs.append((name or "/".join(self.nodes[tensor].path), tensor))
