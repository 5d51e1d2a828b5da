"""How a graph is evaluated: one pass over its nodes in order, into a :class:`Report`.

Each layer node asks its rule for the outcome of its input shapes (output
shape, parameters, MACs, receptive field, warnings); group rows sum the
layers they group. Linear in nodes + edges.

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
        for node in nodes:
            if node.kind == GROUP:
                continue
            for tensor in node.inputs:
                readers[tensor] += 1
            if node.like >= 0:
                readers[node.like] += 1
        read = [n > 0 for n in readers]
        outputs = {tensor for _, tensor in graph.outputs}
        for tensor in outputs:
            readers[tensor] += 1
        shapes: list[Any] = [None] * count
        fields: list[Any] = [None] * count
        sizes = [0] * count
        own = [0] * count
        rows: list[Row | None] = []
        row_of = [-1] * count
        alive = peak = 0
        problems = graph.problems
        poisoned = [False] * count if problems or any(node.kind == FAILED for node in nodes) else None
        for index, node in enumerate(nodes):
            kind = node.kind
            if kind == GROUP:
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
                shape = node.args["shape"]
                shapes[index] = shape
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
            own[index] = params
            explain = outcome.explain
            if node.share >= 0:
                try:
                    self.check_share(node, index, shapes, own)
                except SpecError as error:
                    problems.record(error)
                explain = _shared_explain(explain, "/".join(self.graph.nodes[node.share].path), params)
                params = 0
            row_of[index] = len(rows)
            path = node.path
            rows.append(
                Row(
                    path[-1],
                    node.type,
                    path,
                    node.position,
                    shapes[node.inputs[0]],
                    shape,
                    params,
                    0 if node.frozen else params,
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
        unused = self.unused(read, outputs)
        self.close_groups(rows, row_of, shapes, fields, unused)
        for tensor, where in unused.items():
            self.warn_unused(rows, row_of, tensor, where)
        if graph.warnings and rows and rows[0] is not None:
            rows[0].warnings = tuple(graph.warnings) + rows[0].warnings
        report = Report(
            name=graph.name,
            file=graph.file,
            input_shape=shapes[graph.inputs[0][1]] if graph.inputs else (),
            output_shape=shapes[graph.outputs[0][1]] if graph.outputs else (),
            dtype=graph.dtype,
            dtype_bytes=element,
            rows=tuple(rows),  # type: ignore[arg-type]
            peak_activation_bytes=peak,
            description=graph.description,
            budget=graph.budget,
            budget_positions=graph.budget_positions,
            receptive_field=fields[graph.outputs[0][1]] if graph.outputs else None,
            inputs=tuple((name, shapes[t]) for name, t in graph.inputs),
            outputs=tuple((name, shapes[t]) for name, t in graph.outputs),
        )
        return report

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

    def check_share(self, node: Node, index: int, shapes: list[Any], own: list[int]) -> None:
        """A row that shares must have the parameter shapes of the row it shares with."""
        target = self.graph.nodes[node.share]
        mine = _signature(node, shapes, own[index])
        theirs = _signature(target, shapes, own[node.share])
        if mine != theirs:
            raise self.error(
                node,
                "share",
                f"cannot share the parameters of {'/'.join(target.path)}: "
                f"{_describe(theirs)} there, {_describe(mine)} here",
            )

    def unused(self, read: list[bool], outputs: set[int]) -> dict[int, int]:
        """Tensors that nothing reads and that are no output, each with the node of its row."""
        nodes = self.graph.nodes
        unread = [i for i, node in enumerate(nodes) if node.kind != GROUP and not read[i] and i not in outputs]
        if not unread:
            return {}
        outermost: dict[int, int] = {}
        wanted = set(unread)
        for index, node in enumerate(nodes):
            if node.kind == GROUP and node.output in wanted and node.output not in outermost:
                outermost[node.output] = index
        return {tensor: outermost.get(tensor, tensor) for tensor in unread}

    def warn_unused(self, rows: list[Any], row_of: list[int], tensor: int, where: int) -> None:
        node = self.graph.nodes[where]
        path = "/".join(node.path)
        if node.kind == INPUT:
            return self.warn_input(rows, node)
        row = rows[row_of[where]]
        if row is None:
            return None
        message = f"nothing reads the output of {path} and it is not an output"
        row.warnings = row.warnings + (Diagnostic("warning", "unused", message, self.file, node.position, path),)
        return None

    def warn_input(self, rows: list[Any], node: Node) -> None:
        name = node.path[0]
        if rows and rows[0] is not None:
            message = f"nothing reads the input {name!r}"
            first = rows[0]
            first.warnings = first.warnings + (
                Diagnostic("warning", "unused", message, self.file, node.position, name),
            )

    def close_groups(
        self, rows: list[Any], row_of: list[int], shapes: list[Any], fields: list[Any], unused: dict[int, int]
    ) -> None:
        """Group rows: the sums of the layer rows they group (prefix sums: linear)."""
        nodes = self.graph.nodes
        sums = [(0, 0, 0, 0, 0)]
        params = trainable = buffers = macs = activation = 0
        for index, node in enumerate(nodes):
            at = row_of[index]
            if at >= 0 and node.kind != GROUP:
                row = rows[at]
                params += row.params
                trainable += row.trainable_params
                buffers += row.buffers
                macs += row.macs
                activation += row.activation_bytes
            sums.append((params, trainable, buffers, macs, activation))
        for index, node in enumerate(nodes):
            if node.kind != GROUP:
                continue
            low, high = sums[index + 1], sums[node.end]
            rows[row_of[index]] = Row(
                name=node.path[-1],
                type=node.type,
                path=node.path,
                position=node.position,
                input_shape=shapes[node.inputs[0]],
                output_shape=shapes[node.output],
                params=high[0] - low[0],
                trainable_params=high[1] - low[1],
                macs=high[3] - low[3],
                buffers=high[2] - low[2],
                activation_bytes=high[4] - low[4],
                receptive_field=fields[node.output],
                leaf=False,
                inputs=node.sources,
                linked=node.linked,
            )


def _signature(node: Node, shapes: list[Any], params: int) -> tuple[Any, ...]:
    shape = shapes[node.inputs[0]]
    args = tuple(sorted((k, repr(v)) for k, v in node.args.items() if k not in GEOMETRY))
    return (node.type, shape[0], params, args)


def _describe(signature: tuple[Any, ...]) -> str:
    kind, channels, params, args = signature
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
