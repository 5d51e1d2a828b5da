"""Training cost: backward MACs, saved activations and training memory of a report.

Reads a finished report (at its batch size), the graph it was evaluated from
and the layer rules' autograd declarations (``LayerRule.autograd``).
The convention (docs/spec-format.md, "Training cost"):

- A tensor needs a gradient when a trainable parameter lies before it: the
  network input doesn't, nor does anything computed from frozen layers alone.
  A layer is in the backward graph when its input needs a gradient or it has
  trainable parameters; only such a layer keeps tensors or costs backward MACs.
- Backward MACs: a layer whose MACs are products with its weights (conv,
  deconv, fc) costs them again for its input gradient, where its input needs
  one, and again for its weight gradient, where it is trainable. Products of
  two activations (attention) cost twice, once per factor.
- Saved bytes: each tensor autograd keeps is counted once, however many layers
  keep it (a ReLU's output that the next conv keeps too), at the row that keeps
  it first. Parameters and buffers are model state, not saved activations.
- Training memory: parameters + gradients of the trainable ones + optimizer
  state + saved activations, at the spec's dtype.

Which tensor each layer reads, its args and whether it is frozen come from
the graph the report was evaluated from (``report.graph``: nodes in
topological order, merges included); sizes and MACs from the report's rows.
A group row (composite, branch, block use) costs the sum of what it groups.
"""

from __future__ import annotations

from math import prod

from .graph import GROUP, INPUT, Node
from .layers.base import Saved
from .optimizers import DEFAULT_OPTIMIZER, OPTIMIZER_STATES
from .record import FrozenRecord
from .report import Report
from .runtime import paused_gc


class RowCost(FrozenRecord):
    """One row's backward MACs and the bytes of the tensors it is first to keep."""

    __slots__ = ("backward_macs", "saved_bytes")

    def __init__(self, backward_macs: int, saved_bytes: int) -> None:
        self.backward_macs = backward_macs
        self.saved_bytes = saved_bytes


NOTHING = RowCost(0, 0)


class Training(FrozenRecord):
    """A report's training cost: one :class:`RowCost` per row (in row order) and the totals."""

    __slots__ = (
        "optimizer",
        "batch",
        "rows",
        "backward_macs",
        "saved_activation_bytes",
        "param_bytes",
        "gradient_bytes",
        "optimizer_bytes",
    )

    def __init__(
        self,
        optimizer: str,
        batch: int,
        rows: tuple[RowCost, ...],
        backward_macs: int,
        saved_activation_bytes: int,
        param_bytes: int,
        gradient_bytes: int,
        optimizer_bytes: int,
    ) -> None:
        self.optimizer = optimizer
        self.batch = batch
        self.rows = rows
        self.backward_macs = backward_macs
        self.saved_activation_bytes = saved_activation_bytes
        self.param_bytes = param_bytes
        self.gradient_bytes = gradient_bytes
        self.optimizer_bytes = optimizer_bytes

    @property
    def training_memory_bytes(self) -> int:
        return self.param_bytes + self.gradient_bytes + self.optimizer_bytes + self.saved_activation_bytes

    def totals_dict(self) -> dict[str, int]:
        """The keys the JSON report's ``totals`` gains."""
        return {
            "backward_macs": self.backward_macs,
            "saved_activation_bytes": self.saved_activation_bytes,
            "gradient_bytes": self.gradient_bytes,
            "optimizer_bytes": self.optimizer_bytes,
            "training_memory_bytes": self.training_memory_bytes,
        }


class _Tensor:
    """A tensor of the forward pass: its bytes (of its whole storage), whether it needs a
    gradient, and whether some layer keeps it already."""

    __slots__ = ("nbytes", "grad", "kept")

    def __init__(self, nbytes: int, grad: bool) -> None:
        self.nbytes = nbytes
        self.grad = grad
        self.kept = False


class _Costing:
    """One pass over the report's graph in node order (topological), as the forward runs."""

    def __init__(self, report: Report) -> None:
        graph = report.graph
        if graph is None:
            raise ValueError("the training cost needs a report evaluated from a graph (convcalc.analyze gives one)")
        self.report = report
        self.nodes = graph.nodes
        self.batch = report.batch
        self.dtype_bytes = report.dtype_bytes
        self.saved_total = 0
        self.backward_total = 0
        self.row_at = [-1] * len(self.nodes)
        """The report row of each node (-1: a network input or a hidden merge)."""
        count = 0
        for index, node in enumerate(self.nodes):
            if node.kind != INPUT and node.row:
                self.row_at[index] = count
                count += 1
        if count != len(report.rows):
            raise ValueError("the report's rows are not its graph's")
        self.shapes = self.output_shapes()
        self.costs: list[RowCost] = [NOTHING] * len(self.nodes)

    def output_shapes(self) -> list[tuple[int, ...]]:
        """Each node's output shape: its row's; a hidden merge's is the output of the group it closes."""
        rows = self.report.rows
        shapes: list[tuple[int, ...]] = [()] * len(self.nodes)
        for index, node in enumerate(self.nodes):
            if node.kind == INPUT:
                shapes[index] = node.args["shape"]
            elif self.row_at[index] >= 0:
                shapes[index] = rows[self.row_at[index]].output_shape
        for index, node in enumerate(self.nodes):
            if node.kind == GROUP and not shapes[node.output]:
                shapes[node.output] = rows[self.row_at[index]].output_shape
        return shapes

    def run(self) -> None:
        tensors: list[_Tensor | None] = [None] * len(self.nodes)
        for index, node in enumerate(self.nodes):
            if node.kind == INPUT:
                tensors[index] = _Tensor(self.nbytes(self.shapes[index]), grad=False)
            elif node.kind != GROUP:
                tensors[index] = self.layer(index, node, [tensors[t] for t in node.inputs])  # type: ignore[misc]

    def nbytes(self, shape: tuple[int, ...]) -> int:
        return prod(shape) * self.dtype_bytes * self.batch

    def trainable(self, node: Node, index: int) -> bool:
        """It has parameters that learn: its own, or those of the row it shares."""
        owner = node.share if node.share >= 0 else index
        at = self.row_at[owner]
        return at >= 0 and not node.frozen and self.report.rows[at].trainable_params > 0

    def layer(self, index: int, node: Node, inputs: list[_Tensor]) -> _Tensor:
        rule = node.rule
        assert rule is not None
        autograd = rule.autograd
        if autograd.is_view(node.args):
            return inputs[0]
        trainable = self.trainable(node, index)
        output = _Tensor(self.nbytes(self.shapes[index]), grad=trainable or any(t.grad for t in inputs))
        if not output.grad:
            return output
        if autograd.keeps_factors:
            saved = tuple(Saved("input", 0, needed_for="other", index=i) for i in range(len(inputs)))
        else:
            saved = autograd.saved(node.args, self.shapes[node.inputs[0]], self.shapes[index])
        saved_bytes = self.keep(saved, inputs, output, trainable)
        at = self.row_at[index]
        macs = self.report.rows[at].macs if at >= 0 else 0
        products = 0
        if autograd.activation_products is not None:
            products = autograd.activation_products(node.args, self.shapes[node.inputs[0]], self.shapes[index])
            products *= self.batch
        weight_macs = macs - products if autograd.weight_products else 0
        backward = weight_macs * (int(inputs[0].grad) + int(trainable)) + 2 * products
        self.backward_total += backward
        self.costs[index] = RowCost(backward, saved_bytes)
        return output

    def keep(self, saved: tuple[Saved, ...], inputs: list[_Tensor], output: _Tensor, trainable: bool) -> int:
        """Bytes of the tensors in ``saved`` not counted before (and mark them counted)."""
        added = 0
        for item in saved:
            if item.needed_for == "weights" and not trainable:
                continue
            if item.needed_for == "other" and not any(t.grad for i, t in enumerate(inputs) if i != item.index):
                continue
            if item.tensor == "extra":
                itemsize = item.itemsize or self.dtype_bytes
                added += item.elements * itemsize * (self.batch if item.per_sample else 1)
                continue
            tensor = output if item.tensor == "output" else inputs[item.index]
            if not tensor.kept:
                tensor.kept = True
                added += tensor.nbytes
        self.saved_total += added
        return added

    def row_costs(self) -> tuple[RowCost, ...]:
        """Each row's cost; a group row's is the sum over the nodes it groups (prefix sums)."""
        macs = [0]
        saved = [0]
        for cost in self.costs:
            macs.append(macs[-1] + cost.backward_macs)
            saved.append(saved[-1] + cost.saved_bytes)
        rows: list[RowCost] = []
        for index, node in enumerate(self.nodes):
            if self.row_at[index] < 0:
                continue
            if node.kind == GROUP:
                rows.append(RowCost(macs[node.end] - macs[index + 1], saved[node.end] - saved[index + 1]))
            else:
                rows.append(self.costs[index])
        return tuple(rows)


def training_cost(report: Report, optimizer: str = DEFAULT_OPTIMIZER) -> Training:
    """The training cost of one step over ``report.batch`` samples with ``optimizer``."""
    if optimizer not in OPTIMIZER_STATES:
        raise ValueError(f"unknown optimizer {optimizer!r} (known: {', '.join(OPTIMIZER_STATES)})")
    costing = _Costing(report)
    with paused_gc():
        costing.run()
        rows = costing.row_costs()
    totals = report.totals
    gradient_bytes = totals.trainable_params * report.dtype_bytes
    return Training(
        optimizer=optimizer,
        batch=report.batch,
        rows=rows,
        backward_macs=costing.backward_total,
        saved_activation_bytes=costing.saved_total,
        param_bytes=totals.param_bytes,
        gradient_bytes=gradient_bytes,
        optimizer_bytes=OPTIMIZER_STATES[optimizer] * gradient_bytes,
    )
