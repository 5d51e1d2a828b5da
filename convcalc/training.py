"""Training cost: backward MACs, saved activations and training memory of a report.

Reads a finished report (rows, their args and shapes, at its batch size) and
the layer rules' autograd declarations (``LayerRule.autograd``); nothing else.
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

Which row's output another row reads comes from the rows' structure: in a
list each row reads the one before; a branch reads its composite's input; a
parallel or residual row merges its branches' outputs into a new tensor.
That is the one place that knows how rows connect (``_Costing.node``): a
report whose rows name the rows they read can feed ``leaf`` and ``merge``
from those names instead, in row order.
"""

from __future__ import annotations

from math import prod

from .layers import RULES
from .layers.base import Saved
from .optimizers import DEFAULT_OPTIMIZER, OPTIMIZER_STATES
from .record import FrozenRecord
from .report import Report, Row
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
    def __init__(self, report: Report) -> None:
        self.report = report
        self.batch = report.batch
        self.dtype_bytes = report.dtype_bytes
        self.costs: list[RowCost] = [NOTHING] * len(report.rows)
        self.saved_total = 0
        self.backward_total = 0

    def run(self) -> None:
        rows = self.report.rows
        network_input = _Tensor(prod(self.report.input_shape) * self.dtype_bytes * self.batch, grad=False)
        index = 0
        current = network_input
        while index < len(rows):
            current, index = self.node(index, current)

    def node(self, index: int, tensor: _Tensor) -> tuple[_Tensor, int]:
        """Cost row ``index`` (and its subtree) reading ``tensor``; its output and the next row's index."""
        row = self.report.rows[index]
        if row.leaf:
            return self.leaf(index, row, tensor), index + 1
        children = _children(self.report.rows, index)
        end = children[-1] + _subtree_size(self.report.rows, children[-1]) if children else index + 1
        if row.type in ("parallel", "residual"):
            outputs = [self.node(child, tensor)[0] for child in children]
            output = self.merge(index, row, outputs)
        else:
            output = tensor
            for child in children:
                output, _ = self.node(child, output)
        own = self.costs[index]
        total_macs = own.backward_macs + sum(self.costs[c].backward_macs for c in children)
        total_saved = own.saved_bytes + sum(self.costs[c].saved_bytes for c in children)
        self.costs[index] = RowCost(total_macs, total_saved)
        return output, end

    def leaf(self, index: int, row: Row, tensor: _Tensor) -> _Tensor:
        rule = RULES[row.type].autograd
        trainable = row.trainable_params > 0
        if rule.is_view(row.args):
            return tensor
        output = _Tensor(row.activation_bytes, grad=tensor.grad or trainable)
        if not output.grad:
            return output
        saved = rule.saved(row.args, row.input_shape, row.output_shape)
        saved_bytes = self.keep(saved, [tensor], output, trainable)
        products = 0
        if rule.activation_products is not None:
            products = rule.activation_products(row.args, row.input_shape, row.output_shape) * self.batch
        weight_macs = row.macs - products if rule.weight_products else 0
        backward = weight_macs * (int(tensor.grad) + int(trainable)) + 2 * products
        self.backward_total += backward
        self.costs[index] = RowCost(backward, saved_bytes)
        return output

    def merge(self, index: int, row: Row, inputs: list[_Tensor]) -> _Tensor:
        """A parallel or residual row's merge: concat and add keep nothing; mul keeps each
        factor for the other's gradient."""
        output = _Tensor(prod(row.output_shape) * self.dtype_bytes * self.batch, any(t.grad for t in inputs))
        if output.grad and row.args.get("merge") == "mul":
            saved = tuple(Saved("input", 0, needed_for="other", index=i) for i in range(len(inputs)))
            self.costs[index] = RowCost(0, self.keep(saved, inputs, output, trainable=False))
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


def _children(rows: tuple[Row, ...], index: int) -> list[int]:
    """Indices of the direct children of the composite row ``index`` (rows are in pre-order)."""
    depth = rows[index].depth
    found = []
    child = index + 1
    while child < len(rows) and rows[child].depth > depth:
        found.append(child)
        child += _subtree_size(rows, child)
    return found


def _subtree_size(rows: tuple[Row, ...], index: int) -> int:
    depth = rows[index].depth
    end = index + 1
    while end < len(rows) and rows[end].depth > depth:
        end += 1
    return end - index


def training_cost(report: Report, optimizer: str = DEFAULT_OPTIMIZER) -> Training:
    """The training cost of one step over ``report.batch`` samples with ``optimizer``."""
    if optimizer not in OPTIMIZER_STATES:
        raise ValueError(f"unknown optimizer {optimizer!r} (known: {', '.join(OPTIMIZER_STATES)})")
    costing = _Costing(report)
    with paused_gc():
        costing.run()
    totals = report.totals
    gradient_bytes = totals.trainable_params * report.dtype_bytes
    return Training(
        optimizer=optimizer,
        batch=report.batch,
        rows=tuple(costing.costs),
        backward_macs=costing.backward_total,
        saved_activation_bytes=costing.saved_total,
        param_bytes=totals.param_bytes,
        gradient_bytes=gradient_bytes,
        optimizer_bytes=OPTIMIZER_STATES[optimizer] * gradient_bytes,
    )
