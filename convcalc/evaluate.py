"""How a graph is evaluated: one pass over its nodes in order, into a :class:`Report`.

Each layer node asks its rule for the outcome of its input shapes (output
shape, parameters, MACs, receptive field, warnings); a group row sums the
layer rows it groups, closed when the pass leaves it. Linear in nodes + edges.

Peak activation memory follows a naive forward pass in node order: every
node's output is a new tensor, allocated when the node runs and freed once
its last reader has run (``like:`` counts as a read). A network output lives
to the end; a tensor that nothing reads is freed as soon as it is made. The
input tensors count.
"""

from __future__ import annotations

from collections.abc import Callable
from math import prod
from typing import Any

from .args import MAX_INT
from .errors import Diagnostic, LayerError, SpecError
from .graph import FAILED, GROUP, INPUT, Graph, Node
from .receptive import ReceptiveField
from .report import Report, Row

GEOMETRY = frozenset({"stride", "padding", "dilation", "output_padding", "ceil_mode", "activation", "name"})
"""Args that leave a layer's parameter shapes alone (``share`` compares the others)."""


def evaluate(graph: Graph) -> Report:
    """The graph's report; the report keeps the graph (training cost and export read it)."""
    return _Evaluation(graph).run()


class _Evaluation:
    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.file = graph.file

    def error(self, node: Node, code: str, message: str) -> SpecError:
        return SpecError.at(
            code, message + node.context, file=self.file, position=node.position, row="/".join(node.path)
        )

    def run(self) -> Report:
        graph = self.graph
        nodes = graph.nodes
        count = len(nodes)
        element = graph.dtype_bytes
        readers = [0] * count
        targets: set[int] = set()
        for node in nodes:
            if node.kind == GROUP:
                continue
            for tensor in node.inputs:
                readers[tensor] += 1
            if node.like >= 0:
                readers[node.like] += 1
            if node.share >= 0:
                targets.add(node.share)
        outputs = {tensor for _, tensor in graph.outputs}
        unused = self.unused(readers, outputs)
        output_rows = {tensor: "/".join(node.path) for tensor, (_, node) in self.row_nodes(outputs).items()}
        for tensor in outputs:
            readers[tensor] += 1
        shapes: list[Any] = [None] * count
        fields: list[Any] = [None] * count
        sizes = [0] * count
        signatures: dict[int, tuple[Any, ...]] = {}
        rows: list[Any] = []
        row_of = [-1] * count
        groups: list[tuple[Node, int, tuple[int, int, int, int, int]]] = []
        params_sum = trainable_sum = buffers_sum = macs_sum = bytes_sum = 0
        alive = peak = 0
        problems = graph.problems
        poisoned = [False] * count if problems or any(node.kind == FAILED for node in nodes) else None
        for index, node in enumerate(nodes):
            while groups and groups[-1][0].end == index:
                group, at, before = groups.pop()
                if poisoned is None or not poisoned[group.output]:
                    now = (params_sum, trainable_sum, buffers_sum, macs_sum, bytes_sum)
                    rows[at] = self.group_row(group, before, now, shapes, fields)
            kind = node.kind
            if kind == GROUP:
                groups.append((node, len(rows), (params_sum, trainable_sum, buffers_sum, macs_sum, bytes_sum)))
                row_of[index] = len(rows)
                rows.append(None)
                continue
            if poisoned is not None and (
                kind == FAILED
                or any(poisoned[t] for t in node.inputs)
                or (node.like >= 0 and poisoned[node.like])
            ):
                poisoned[index] = True
                continue
            if kind == INPUT:
                shape = shapes[index] = node.args["shape"]
                fields[index] = ReceptiveField.of_input(shape[1:])
                nbytes = sizes[index] = prod(shape) * element
                alive += nbytes
                peak = max(peak, alive)
                if readers[index] == 0:
                    alive -= nbytes
                continue
            try:
                outcome = self.outcome(node, shapes, fields)
            except SpecError as error:
                # Noted; what reads this node is not evaluated, everything else is.
                problems.record(error)
                if poisoned is None:
                    poisoned = [False] * count
                poisoned[index] = True
                continue
            shape = shapes[index] = outcome.shape
            fields[index] = outcome.rf
            nbytes = sizes[index] = prod(shape) * element
            alive += nbytes
            if alive > peak:
                peak = alive
            for tensor in node.inputs:
                readers[tensor] -= 1
                if readers[tensor] == 0:
                    alive -= sizes[tensor]
            if node.like >= 0:
                readers[node.like] -= 1
                if readers[node.like] == 0:
                    alive -= sizes[node.like]
            if readers[index] == 0:
                alive -= nbytes
            if not node.row:
                continue
            params = outcome.params
            explain = outcome.explain
            if index in targets:
                signatures[index] = _signature(node, shapes, params)
            if node.share >= 0:
                if node.share in signatures:  # (absent when the shared row failed)
                    try:
                        self.check_share(node, _signature(node, shapes, params), signatures[node.share])
                    except SpecError as error:
                        problems.record(error)
                if params and row_of[node.share] >= 0:
                    explain = _shared_explain(explain, rows[row_of[node.share]].path_text, params)
                params = 0
            trainable = 0 if node.frozen else params
            params_sum += params
            trainable_sum += trainable
            buffers_sum += outcome.buffers
            macs_sum += outcome.macs
            bytes_sum += nbytes
            path = node.path
            row_of[index] = len(rows)
            rows.append(
                Row(
                    path[-1],
                    node.type,
                    path,
                    node.position,
                    shapes[node.inputs[0]],
                    shape,
                    params,
                    trainable,
                    outcome.macs,
                    outcome.buffers,
                    nbytes,
                    outcome.rf,
                    True,
                    self.warnings(node, outcome.warnings) if outcome.warnings else (),
                    explain,
                    node.sources,
                    node.linked,
                )
            )
        if problems:
            raise problems.error(graph.warnings)
        totals = (params_sum, trainable_sum, buffers_sum, macs_sum, bytes_sum)
        while groups:
            group, at, before = groups.pop()
            rows[at] = self.group_row(group, before, totals, shapes, fields)
        for where, node in unused.values():
            self.warn_unused(rows, row_of[where], node)
        if graph.warnings and rows and rows[0] is not None:
            rows[0].warnings = tuple(graph.warnings) + rows[0].warnings
        return Report(
            name=graph.name,
            file=graph.file,
            input_shape=shapes[graph.inputs[0][1]] if graph.inputs else (),
            output_shape=shapes[graph.outputs[0][1]] if graph.outputs else (),
            dtype=graph.dtype,
            dtype_bytes=element,
            rows=tuple(rows),
            peak_activation_bytes=peak,
            description=graph.description,
            budget=graph.budget,
            budget_positions=graph.budget_positions,
            receptive_field=fields[graph.outputs[0][1]] if graph.outputs else None,
            inputs=tuple((name, shapes[t]) for name, t in graph.inputs),
            outputs=tuple((name, shapes[t]) for name, t in graph.outputs),
            output_paths=tuple(output_rows[t] for _, t in graph.outputs),
            graph=graph,
        )

    def warnings(self, node: Node, found: tuple[tuple[str, ...], ...]) -> tuple[Diagnostic, ...]:
        path = "/".join(node.path)
        return tuple(
            Diagnostic(item[2] if len(item) > 2 else "warning", item[0], item[1], self.file, node.position, path)
            for item in found
        )

    def outcome(self, node: Node, shapes: list[Any], fields: list[Any]) -> Any:
        rule = node.rule
        assert rule is not None
        try:
            if rule.combine is not None:
                labels = ["/".join(source) for source in node.sources]
                outcome = rule.combine(
                    node.args, [shapes[t] for t in node.inputs], [fields[t] for t in node.inputs], labels
                )
            else:
                shape = shapes[node.inputs[0]]
                if len(shape) < 2 and not rule.accepts_flat:
                    raise LayerError(
                        "spatial",
                        f"{rule.name} needs a spatial input but gets the flat shape [{shape[0]}] "
                        "(after flatten or fc only fc, flatten, bn and shape-preserving layers apply)",
                    )
                args = node.args
                if node.like >= 0:
                    args = dict(args, like=shapes[node.like][1:])
                outcome = rule.evaluate(args, shape, fields[node.inputs[0]])
            if max(outcome.shape) > MAX_INT:
                raise LayerError("value", f"output size {max(outcome.shape):,} is too large (> {MAX_INT:,})")
        except LayerError as exc:
            raise self.error(node, exc.code, exc.message) from None
        return outcome

    def check_share(self, node: Node, mine: tuple[Any, ...], theirs: tuple[Any, ...]) -> None:
        """A row that shares must have the parameter shapes of the row it shares with."""
        if mine[1:] != theirs[1:]:
            raise self.error(
                node,
                "share",
                f"cannot share the parameters of {theirs[0]}: {_describe(theirs)} there, {_describe(mine)} here",
            )

    def unused(self, readers: list[int], outputs: set[int]) -> dict[int, tuple[int, Node]]:
        """Tensors that nothing reads and that are no output, each with the node of the row
        to warn at (see :meth:`row_nodes`)."""
        nodes = self.graph.nodes
        unread = {i for i, node in enumerate(nodes) if not readers[i] and node.kind != GROUP and i not in outputs}
        return self.row_nodes(unread)

    def row_nodes(self, tensors: set[int]) -> dict[int, tuple[int, Node]]:
        """Each tensor's row: the outermost one (a block use, a composite) whose output it is."""
        if not tensors:
            return {}
        nodes = self.graph.nodes
        outermost: dict[int, int] = {}
        for index, node in enumerate(nodes):
            if node.kind == GROUP and node.output in tensors and node.output not in outermost:
                outermost[node.output] = index
        found = {}
        for tensor in sorted(tensors):
            where = outermost.get(tensor, tensor)
            found[tensor] = (where, nodes[where])
        return found

    def warn_unused(self, rows: list[Any], at: int, node: Node) -> None:
        if node.kind == INPUT:
            if rows:
                message = f"nothing reads the input {node.path[0]!r}"
                rows[0].warnings += (Diagnostic("warning", "unused", message, self.file, node.position, node.path[0]),)
            return
        path = "/".join(node.path)
        message = f"nothing reads the output of {path} and it is not an output"
        rows[at].warnings += (Diagnostic("warning", "unused", message, self.file, node.position, path),)

    def group_row(
        self,
        node: Node,
        before: tuple[int, int, int, int, int],
        after: tuple[int, int, int, int, int],
        shapes: list[Any],
        fields: list[Any],
    ) -> Row:
        """A group's row: the sums of the layer rows it groups."""
        return Row(
            name=node.path[-1],
            type=node.type,
            path=node.path,
            position=node.position,
            input_shape=shapes[node.inputs[0]],
            output_shape=shapes[node.output],
            params=after[0] - before[0],
            trainable_params=after[1] - before[1],
            macs=after[3] - before[3],
            buffers=after[2] - before[2],
            activation_bytes=after[4] - before[4],
            receptive_field=fields[node.output],
            leaf=False,
            inputs=node.sources,
            linked=node.linked,
        )


def _signature(node: Node, shapes: list[Any], params: int) -> tuple[Any, ...]:
    """The row's path, then what fixes its parameter shapes."""
    shape = shapes[node.inputs[0]]
    args = tuple(sorted((k, repr(v)) for k, v in node.args.items() if k not in GEOMETRY))
    return ("/".join(node.path), node.type, shape[0], params, args)


def _describe(signature: tuple[Any, ...]) -> str:
    _, kind, channels, params, args = signature
    shown = ", ".join(f"{k}: {v}" for k, v in args)
    return f"{kind} of {channels} input channels ({shown}; {params:,} parameters)"


def _shared_explain(explain: Any, owner: str, params: int) -> Callable[[], tuple[str, ...]]:
    """A sharing row's worked lines: its parameters are counted once, at the row it shares with."""

    def lines() -> tuple[str, ...]:
        written = explain() if callable(explain) else explain
        return tuple(
            f"params: 0 (uses the {params:,} of {owner}, counted there)" if line.startswith("params:") else line
            for line in written
        )

    return lines
