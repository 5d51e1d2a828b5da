"""The graph walk: sequence, parallel, residual and blocks, in spec order.

The walk carries the current shape, receptive field and live tensor through
the layer lists, asks each layer's rule for its outcome, and appends one
:class:`Row` per layer and per composite. It is linear in the number of rows:
each entry is read once per use, each row built once, and repeated entries
are checked against the row cap after their first copy.

Peak activation memory follows a naive forward pass in spec order: every
row's output is a new tensor, alive from its row until its last consumer
has run (a branch input until the last branch has read it, branch outputs
until their merge, which allocates its own output). The input tensor counts.
"""

from __future__ import annotations

import re
from math import prod
from typing import Any

from . import expr
from .args import MAX_INT, check_args, describe, is_int, suggest, yaml_text
from .errors import Diagnostic, LayerError, Position, SpecError
from .layers import RULES, LayerRule, Outcome
from .loader import YMap, YNode, YScalar, YSeq, duplicate_error, plain
from .memory import ForwardMemory, Tensor
from .merge import merged_shape
from .precheck import RowCounter, check_block_cycles
from .receptive import ReceptiveField, widest
from .report import Report, Row
from .runtime import paused_gc
from .spec import COMMON_KEYS, COMPOSITES, BlockDef, Spec

DEFAULT_MAX_ROWS = 1_000_000
MAX_DEPTH = 64
"""Deepest nesting of composites and block uses."""

_PARAM = re.compile(r"^\$([A-Za-z_][A-Za-z0-9_]*)$")
_EXPRESSION = re.compile(r"^\$\{(.*)\}$", re.DOTALL)
Shape = tuple[int, ...]


class _Flow:
    """What flows along an edge of the graph."""

    __slots__ = ("shape", "rf", "tensor")

    def __init__(self, shape: Shape, rf: ReceptiveField, tensor: Tensor) -> None:
        self.shape = shape
        self.rf = rf
        self.tensor = tensor


class _Scope:
    """Block parameters visible to the entries being read, and where the block was used."""

    __slots__ = ("values", "block", "use")

    def __init__(self, values: dict[str, YNode] | None = None, block: str = "", use: Position | None = None) -> None:
        self.values = values if values is not None else {}
        self.block = block
        self.use = use


class _Entry:
    """One entry as written. ``maps``: its own mappings, checked for repeated keys
    once the row has a name."""

    __slots__ = (
        "type",
        "args",
        "position",
        "name",
        "common",
        "maps",
        "checked",
        "problem",
        "repeat",
        "trainable",
        "condition",
    )

    def __init__(
        self,
        type: str,
        args: YMap,
        position: Position,
        name: str | None,
        common: dict[str, YNode],
        maps: tuple[YNode, ...] = (),
        checked: dict[str, dict[str, Any]] | None = None,
    ) -> None:
        self.type = type
        self.args = args
        self.position = position
        self.name = name
        self.common = common
        self.maps = maps
        self.checked = checked if checked is not None else {}
        """Checked args by rule name, shared by every use of one reading of the entry."""
        self.problem = ""
        """Why the entry can't be read, reported once its row has a name."""
        self.repeat: int | None = None
        self.trainable = True
        self.condition = True


class _Totals:
    __slots__ = ("params", "trainable", "buffers", "macs", "activation")

    def __init__(
        self, params: int = 0, trainable: int = 0, buffers: int = 0, macs: int = 0, activation: int = 0
    ) -> None:
        self.params = params
        self.trainable = trainable
        self.buffers = buffers
        self.macs = macs
        self.activation = activation

    def add(self, other: _Totals) -> None:
        self.params += other.params
        self.trainable += other.trainable
        self.buffers += other.buffers
        self.macs += other.macs
        self.activation += other.activation


class Walker:
    def __init__(self, spec: Spec, max_rows: int = DEFAULT_MAX_ROWS) -> None:
        self.spec = spec
        self.file = spec.file
        self.max_rows = max_rows
        self.rows: list[Row | None] = []
        self.memory = ForwardMemory()
        self.element_bytes = spec.dtype_bytes
        # Memos: an entry is read, and its args checked, once per set of block parameter
        # values, however often it is used or repeated. Each memo value keeps the nodes
        # its key names alive, so that no id in a key can be reused by another node.
        self.static: dict[int, tuple[YNode, bool]] = {}
        self.entries: dict[tuple[int, tuple[int, ...]], tuple[Any, _Entry]] = {}

    # ----- errors -----------------------------------------------------------------

    def error(self, code: str, message: str, position: Position, path: tuple[str, ...], scope: _Scope) -> SpecError:
        if scope.block and scope.use is not None:
            message += f" (in block {scope.block!r} used at line {scope.use.line})"
        return SpecError.at(code, message, file=self.file, position=position, row="/".join(path))

    # ----- the walk ---------------------------------------------------------------

    def run(self) -> Report:
        shape = self.spec.input_shape
        check_block_cycles(self.spec)
        self.check_size()
        tensor = self.memory.allocate(prod(shape) * self.element_bytes)
        flow = _Flow(shape, ReceptiveField.of_input(shape[1:]), tensor)
        flow, _ = self.walk_list(self.spec.layers, flow, (), _Scope(), frozen=False)
        if self.spec.duplicated:
            raise duplicate_error(self.spec.duplicated[0], self.file)
        return Report(
            name=self.spec.name,
            file=self.file,
            input_shape=shape,
            output_shape=flow.shape,
            dtype=self.spec.dtype,
            dtype_bytes=self.element_bytes,
            rows=tuple(self.rows),  # type: ignore[arg-type]
            peak_activation_bytes=self.memory.peak,
            description=self.spec.description,
            budget=dict(self.spec.budget.limits) if self.spec.budget else {},
            budget_positions=dict(self.spec.budget.positions) if self.spec.budget else {},
            receptive_field=flow.rf,
        )

    def check_size(self) -> None:
        """Fail before expanding when the spec surely makes more rows than the cap (a block fan-out bomb)."""
        least = RowCounter(self.spec).least(self.spec.layers)
        if least > self.max_rows:
            raise SpecError.at(
                "too-many-rows",
                f"the spec expands to at least {least:,} rows, more than the cap of {self.max_rows:,} "
                "(raise it with --max-rows)",
                file=self.file,
                position=self.spec.layers.pos,
            )

    def walk_list(
        self, items: YNode, flow: _Flow, prefix: tuple[str, ...], scope: _Scope, frozen: bool
    ) -> tuple[_Flow, _Totals]:
        items = resolve_shallow(items, scope, self, prefix)
        if isinstance(items, YScalar) and items.value is None:
            items = YSeq([], items.pos)
        if not isinstance(items, YSeq):
            raise self.error(
                "type", f"expected a list of layers, got {describe(plain(items))}", items.pos, prefix, scope
            )
        counters: dict[str, int] = {}
        seen: set[str] = set()
        totals = _Totals()
        for node in items.items:
            entry = self.read_entry(node, scope, prefix)
            self.read_common(entry, counters, scope, prefix)
            if not entry.condition:
                continue
            kind = self.canonical(entry.type)
            counters[kind] = counters.get(kind, 0) + 1
            name = entry.name if entry.name is not None else f"{kind}{counters[kind]}"
            frozen_here = frozen or not entry.trainable
            copies = entry.repeat or 1
            for copy in range(1, copies + 1):
                row_name = name if entry.repeat is None else f"{name}.{copy}"
                self.claim(row_name, seen, entry.position, prefix, scope)
                before = len(self.rows)
                flow, sub = self.walk_entry(entry, row_name, flow, prefix, scope, frozen_here)
                totals.add(sub)
                activation = entry.args.entries.get("activation") if entry.type in RULES else None
                if activation is not None:
                    flow, sub = self.walk_activation(
                        activation, entry, row_name, counters, copy, flow, prefix, scope, frozen_here, seen
                    )
                    totals.add(sub)
                if copy == 1 and copies > 1:
                    self.check_repeat(len(self.rows) - before, copies, entry.position, prefix + (row_name,), scope)
        return flow, totals

    def canonical(self, type_name: str) -> str:
        rule = RULES.get(type_name)
        return rule.name if rule is not None else type_name

    def claim(self, name: str, seen: set[str], position: Position, prefix: tuple[str, ...], scope: _Scope) -> None:
        if name in seen:
            raise self.error(
                "duplicate-name",
                f"row name {name!r} is used twice in the same list (give one a different name)",
                position,
                prefix + (name,),
                scope,
            )
        seen.add(name)

    def check_repeat(
        self, per_copy: int, copies: int, position: Position, path: tuple[str, ...], scope: _Scope
    ) -> None:
        expected = len(self.rows) + per_copy * (copies - 1)
        if expected > self.max_rows:
            raise self.error(
                "too-many-rows",
                f"repeat {copies:,} would make about {expected:,} rows, more than the cap of {self.max_rows:,} "
                "(raise it with --max-rows)",
                position,
                path,
                scope,
            )

    def add_row(self, row: Row | None) -> int:
        if len(self.rows) >= self.max_rows:
            raise SpecError.at(
                "too-many-rows",
                f"the spec expands to more than {self.max_rows:,} rows (raise the cap with --max-rows)",
                file=self.file,
                position=row.position if row else Position(),
                row=row.path_text if row else "",
            )
        self.rows.append(row)
        return len(self.rows) - 1

    # ----- entries ----------------------------------------------------------------

    def is_static(self, node: YNode) -> bool:
        """True when no ``$param`` or ``${expr}`` appears anywhere in ``node``."""
        known = self.static.get(id(node))
        if known is not None:
            return known[1]
        if isinstance(node, YScalar):
            result = not (isinstance(node.value, str) and node.value.startswith("$"))
        elif isinstance(node, YSeq):
            result = all(self.is_static(item) for item in node.items)
        else:
            result = all(self.is_static(value) for value in node.entries.values())
        self.static[id(node)] = (node, result)
        return result

    def read_entry(self, node: YNode, scope: _Scope, prefix: tuple[str, ...]) -> _Entry:
        """The entry as written (type, args, common keys); inside a block, read once per node
        and parameter values (outside blocks an entry is read once anyway)."""
        if not scope.block:
            return self.parse_entry(node, scope, prefix)
        static = self.is_static(node)
        values = () if static else tuple(scope.values.values())
        key = (id(node), tuple(id(value) for value in values))
        cached = self.entries.get(key)
        if cached is None:
            cached = ((node, values), self.parse_entry(node, scope, prefix))
            self.entries[key] = cached
        parsed = cached[1]
        entry = _Entry(parsed.type, parsed.args, parsed.position, None, parsed.common, parsed.maps, parsed.checked)
        entry.problem = parsed.problem
        return entry

    def parse_entry(self, node: YNode, scope: _Scope, prefix: tuple[str, ...]) -> _Entry:
        position = node.pos
        node = resolve_shallow(node, scope, self, prefix, position)
        if isinstance(node, YScalar):
            if not isinstance(node.value, str) or not node.value:
                raise self.error(
                    "type",
                    f"a layer entry is a type name or {{TYPE: {{ARGS}}}}, got {describe(node.value)}",
                    position,
                    prefix,
                    scope,
                )
            type_name, args = node.value, YMap({}, position)
        elif isinstance(node, YMap):
            if len(node.entries) != 1:
                keys = ", ".join(node.entries) or "none"
                raise self.error(
                    "entry",
                    f"a layer entry has one key, its type, with the args under it; found {keys}"
                    + (" (are the args indented under the type?)" if len(node.entries) > 1 else ""),
                    position,
                    prefix,
                    scope,
                )
            ((type_name, raw),) = node.entries.items()
            raw = resolve_shallow(raw, scope, self, prefix, position)
            if isinstance(raw, YScalar) and raw.value is None:
                raw = YMap({}, position)
            if not isinstance(raw, YMap):
                self.check_type(type_name, position, prefix, scope)
                entry = _Entry(type_name, YMap({}, position), position, None, {}, (node,))
                entry.problem = f"the args of {type_name} must be a mapping, got {describe(plain(raw))}" + _hint(
                    self.args_example(type_name, plain(raw))
                )
                return entry
            args = raw
        else:
            raise self.error(
                "type", "a layer entry is a type name or {TYPE: {ARGS}}, got a list", position, prefix, scope
            )
        self.check_type(type_name, position, prefix, scope)
        entries = args.entries
        common = {key: resolve(entries[key], scope, self, prefix, position) for key in COMMON_KEYS if key in entries}
        rest = (
            YMap({k: v for k, v in entries.items() if k not in COMMON_KEYS}, args.pos, args.key_pos) if common else args
        )
        return _Entry(type_name, rest, position, None, common, (node, args))

    def read_common(self, entry: _Entry, counters: dict[str, int], scope: _Scope, prefix: tuple[str, ...]) -> None:
        """``name``, ``repeat``, ``trainable`` and ``if``, checked with the row's name in every message."""
        common = entry.common
        kind = self.canonical(entry.type)
        tentative = f"{kind}{counters.get(kind, 0) + 1}"
        if "name" in common:
            entry.name = self.check_name(plain(common["name"]), entry.position, prefix + (tentative,), scope)
        path = prefix + (entry.name or tentative,)
        if entry.problem:
            raise self.error("type", entry.problem, entry.position, path, scope)
        for mapping in entry.maps:
            if isinstance(mapping, YMap) and mapping.duplicate is not None:
                dup = mapping.duplicate
                raise self.error("duplicate-key", dup.message(), dup.position, path, scope)
        try:
            entry.repeat = _count_or_none("repeat", common.get("repeat"))
            entry.trainable = _flag("trainable", common.get("trainable"), True)
            entry.condition = _flag("if", common.get("if"), True, allow_int=True)
        except LayerError as exc:
            raise self.error(exc.code, exc.message, entry.position, path, scope) from None
        if entry.repeat is not None and entry.repeat > self.max_rows:
            raise self.error(
                "too-many-rows",
                f"repeat {entry.repeat:,} is more than the cap of {self.max_rows:,} rows (raise it with --max-rows)",
                entry.position,
                path,
                scope,
            )

    def args_example(self, type_name: str, value: Any) -> str:
        """``write fc: {units: 10}`` for a type whose one required key was given bare."""
        rule = RULES.get(type_name)
        if rule is None:
            return ""
        from .args import REQUIRED

        required = [key for key, arg in rule.args.items() if arg.default is REQUIRED]
        if len(required) == 1 and not isinstance(value, (dict, list)):
            return f"write {type_name}: {{{required[0]}: {yaml_text(value) if not isinstance(value, str) else value}}}"
        return f"{type_name} takes {', '.join(rule.args)}" if rule.args else f"{type_name} takes no args"

    def check_type(self, type_name: str, position: Position, prefix: tuple[str, ...], scope: _Scope) -> None:
        if type_name in RULES or type_name in COMPOSITES or type_name in self.spec.blocks:
            return
        if type_name.startswith("$"):
            raise self.error(
                "unknown-type",
                f"unknown layer type {type_name!r}: keys are never substituted (write `- {type_name}` "
                "with the whole entry as the parameter's value)",
                position,
                prefix + (type_name,),
                scope,
            )
        known = [*RULES, *COMPOSITES, *self.spec.blocks]
        hint = suggest(type_name, known)
        raise self.error(
            "unknown-type",
            f"unknown layer type {type_name!r}" + (f" ({hint})" if hint else ""),
            position,
            prefix + (type_name,),
            scope,
        )

    def check_name(self, name: Any, position: Position, prefix: tuple[str, ...], scope: _Scope) -> str:
        if isinstance(name, bool) or not isinstance(name, (str, int)):
            raise self.error("type", f"name must be text, got {describe(name)}", position, prefix, scope)
        name = str(name)
        if not name or "/" in name:
            raise self.error("value", f"name {name!r} must be non-empty and contain no '/'", position, prefix, scope)
        return name

    def walk_entry(
        self, entry: _Entry, name: str, flow: _Flow, prefix: tuple[str, ...], scope: _Scope, frozen: bool
    ) -> tuple[_Flow, _Totals]:
        path = prefix + (name,)
        if len(path) > MAX_DEPTH:
            raise self.error(
                "too-deep", f"composites and blocks nest deeper than {MAX_DEPTH} levels", entry.position, path, scope
            )
        if entry.type in RULES:
            return self.walk_layer(RULES[entry.type], entry, path, flow, scope, frozen)
        if entry.type in self.spec.blocks:
            return self.walk_block(self.spec.blocks[entry.type], entry, path, flow, scope, frozen)
        return self.walk_composite(entry, path, flow, scope, frozen)

    # ----- leaf layers ------------------------------------------------------------

    def walk_layer(
        self, rule: LayerRule, entry: _Entry, path: tuple[str, ...], flow: _Flow, scope: _Scope, frozen: bool
    ) -> tuple[_Flow, _Totals]:
        try:
            args = self.checked_args(rule, entry, path, scope)
            if len(flow.shape) < 2 and not rule.accepts_flat:
                raise LayerError(
                    "spatial",
                    f"{rule.name} needs a spatial input but gets the flat shape [{flow.shape[0]}] "
                    "(after flatten or fc only fc, flatten, bn and shape-preserving layers apply)",
                )
            outcome = rule.evaluate(args, flow.shape, flow.rf)
            if max(outcome.shape) > MAX_INT:
                raise LayerError("value", f"output size {max(outcome.shape):,} is too large (> {MAX_INT:,})")
        except LayerError as exc:
            raise self.error(exc.code, exc.message, entry.position, path, scope) from None
        return self.emit(rule.name, entry.position, path, flow, outcome, frozen, args)

    def checked_args(self, rule: LayerRule, entry: _Entry, path: tuple[str, ...], scope: _Scope) -> dict[str, Any]:
        """The entry's args checked against the rule; once per reading of the entry (see read_entry)."""
        cached = entry.checked.get(rule.name)
        if cached is not None:
            return cached
        given = {
            name: plain(resolve(value, scope, self, path, entry.position)) for name, value in entry.args.entries.items()
        }
        args = entry.checked[rule.name] = check_args(rule.args, given, rule.name)
        return args

    def emit(
        self,
        type_name: str,
        position: Position,
        path: tuple[str, ...],
        flow: _Flow,
        outcome: Outcome,
        frozen: bool,
        args: dict[str, Any] | None = None,
    ) -> tuple[_Flow, _Totals]:
        nbytes = prod(outcome.shape) * self.element_bytes
        tensor = self.memory.allocate(nbytes)
        self.memory.release(flow.tensor)
        warnings = tuple(
            Diagnostic("warning", code, message, self.file, position, "/".join(path))
            for code, message in outcome.warnings
        )
        trainable = 0 if frozen else outcome.params
        self.add_row(
            Row(
                name=path[-1],
                type=type_name,
                path=path,
                position=position,
                input_shape=flow.shape,
                output_shape=outcome.shape,
                params=outcome.params,
                trainable_params=trainable,
                macs=outcome.macs,
                buffers=outcome.buffers,
                activation_bytes=nbytes,
                receptive_field=outcome.rf,
                warnings=warnings,
                formulas=outcome.explain,
                args=args,
            )
        )
        return _Flow(outcome.shape, outcome.rf, tensor), _Totals(
            outcome.params, trainable, outcome.buffers, outcome.macs, nbytes
        )

    def walk_activation(
        self,
        node: YNode,
        owner: _Entry,
        owner_row: str,
        counters: dict[str, int],
        copy: int,
        flow: _Flow,
        prefix: tuple[str, ...],
        scope: _Scope,
        frozen: bool,
        seen: set[str],
    ) -> tuple[_Flow, _Totals]:
        """``activation: relu`` on an entry: a row of its own, as if written after it."""
        owner_path = prefix + (owner_row,)
        node = resolve(node, scope, self, owner_path, owner.position)
        if isinstance(node, YScalar) and node.value in (None, "none"):
            return flow, _Totals()
        rule = None
        if isinstance(node, (YScalar, YMap)):
            type_name = node.value if isinstance(node, YScalar) else next(iter(node.entries), None)
            rule = RULES.get(type_name) if isinstance(type_name, str) else None
        if rule is None or not rule.simple:
            shown = describe(plain(node))
            hint = (
                suggest(plain(node), [name for name, r in RULES.items() if r.simple])
                if isinstance(node, YScalar)
                else ""
            )
            raise self.error(
                "value",
                f"activation must be a shape-preserving layer without parameters (relu, gelu, ...), got {shown}"
                + _hint(hint),
                owner.position,
                owner_path,
                scope,
            )
        entry = self.read_entry(node, scope, prefix)
        entry.position = owner.position
        if entry.problem:
            raise self.error("type", entry.problem, owner.position, owner_path, scope)
        if entry.common:
            raise self.error(
                "value",
                f"the activation takes no {', '.join(entry.common)}: write it as an entry of its own",
                owner.position,
                owner_path,
                scope,
            )
        if copy == 1:
            counters[rule.name] = counters.get(rule.name, 0) + 1
        base = f"{rule.name}{counters[rule.name]}"
        name = base if owner.repeat is None else f"{base}.{copy}"
        self.claim(name, seen, owner.position, prefix, scope)
        return self.walk_layer(rule, entry, prefix + (name,), flow, scope, frozen)

    # ----- composites -------------------------------------------------------------

    def open_row(self) -> int:
        return self.add_row(None)

    def close_row(
        self,
        index: int,
        type_name: str,
        position: Position,
        path: tuple[str, ...],
        before: _Flow,
        after: _Flow,
        totals: _Totals,
    ) -> None:
        self.rows[index] = Row(
            name=path[-1],
            type=type_name,
            path=path,
            position=position,
            input_shape=before.shape,
            output_shape=after.shape,
            params=totals.params,
            trainable_params=totals.trainable,
            macs=totals.macs,
            buffers=totals.buffers,
            activation_bytes=totals.activation,
            receptive_field=after.rf,
            leaf=False,
        )

    def walk_block(
        self, block: BlockDef, entry: _Entry, path: tuple[str, ...], flow: _Flow, scope: _Scope, frozen: bool
    ) -> tuple[_Flow, _Totals]:
        values: dict[str, YNode] = {}
        for key, node in entry.args.entries.items():
            if key not in block.params:
                hint = suggest(key, block.params)
                valid = ", ".join(block.params) or "none"
                raise self.error(
                    "unknown-key",
                    f"block {block.name!r} has no parameter {key!r}"
                    + (f" ({hint})" if hint else f" (parameters: {valid})"),
                    entry.position,
                    path,
                    scope,
                )
            values[key] = resolve(node, scope, self, path, entry.position)
        for key, default in block.params.items():
            if key not in values or (isinstance(values[key], YScalar) and values[key].value is None):
                if default is None:
                    raise self.error(
                        "missing-key", f"block {block.name!r} needs parameter {key!r}", entry.position, path, scope
                    )
                values[key] = default
        inner = _Scope(values, block.name, entry.position)
        index = self.open_row()
        out, totals = self.walk_list(block.layers, flow, path, inner, frozen)
        self.close_row(index, block.name, entry.position, path, flow, out, totals)
        return out, totals

    def walk_composite(
        self, entry: _Entry, path: tuple[str, ...], flow: _Flow, scope: _Scope, frozen: bool
    ) -> tuple[_Flow, _Totals]:
        keys = {"sequence": ("layers",), "parallel": ("branches", "merge"), "residual": ("main", "shortcut")}[
            entry.type
        ]
        for key in entry.args.entries:
            if key not in keys:
                hint = suggest(key, keys)
                raise self.error(
                    "unknown-key",
                    f"unknown key {key!r} for {entry.type}"
                    + (f" ({hint})" if hint else f" (valid: {', '.join(keys)})"),
                    entry.position,
                    path,
                    scope,
                )
        index = self.open_row()
        if entry.type == "sequence":
            if "layers" not in entry.args.entries:
                raise self.error("missing-key", "sequence needs 'layers'", entry.position, path, scope)
            out, totals = self.walk_list(entry.args.entries["layers"], flow, path, scope, frozen)
        elif entry.type == "parallel":
            out, totals = self.walk_parallel(entry, path, flow, scope, frozen)
        else:
            out, totals = self.walk_residual(entry, path, flow, scope, frozen)
        self.close_row(index, entry.type, entry.position, path, flow, out, totals)
        if entry.type != "sequence":
            merge = "add" if entry.type == "residual" else self.parallel_merge(entry, path, scope)
            self.rows[index].args = {"merge": merge}  # type: ignore[union-attr]
        return out, totals

    def walk_parallel(
        self, entry: _Entry, path: tuple[str, ...], flow: _Flow, scope: _Scope, frozen: bool
    ) -> tuple[_Flow, _Totals]:
        if "branches" not in entry.args.entries:
            raise self.error("missing-key", "parallel needs 'branches'", entry.position, path, scope)
        branches = resolve_shallow(entry.args.entries["branches"], scope, self, path, entry.position)
        if not isinstance(branches, YSeq):
            raise self.error("type", "branches must be a list of layer lists", entry.position, path, scope)
        if not branches.items:
            raise self.error("value", "parallel needs at least one branch", entry.position, path, scope)
        merge = self.parallel_merge(entry, path, scope)
        named = [(f"b{i}", branch) for i, branch in enumerate(branches.items, start=1)]
        return self.merge_branches(named, merge, entry, path, flow, scope, frozen)

    def parallel_merge(self, entry: _Entry, path: tuple[str, ...], scope: _Scope) -> str:
        merge = plain(resolve(entry.args.entries.get("merge", YScalar("concat")), scope, self, path, entry.position))
        if merge is None:
            return "concat"
        if merge not in ("concat", "add", "mul"):
            raise self.error(
                "value",
                f"merge must be concat, add or mul, got {describe(merge)}"
                + _hint(suggest(merge, ("concat", "add", "mul"))),
                entry.position,
                path,
                scope,
            )
        return merge

    def walk_residual(
        self, entry: _Entry, path: tuple[str, ...], flow: _Flow, scope: _Scope, frozen: bool
    ) -> tuple[_Flow, _Totals]:
        if "main" not in entry.args.entries:
            raise self.error("missing-key", "residual needs 'main'", entry.position, path, scope)
        shortcut = entry.args.entries.get("shortcut", YSeq([], entry.position))
        named = [("main", entry.args.entries["main"]), ("shortcut", shortcut)]
        return self.merge_branches(named, "add", entry, path, flow, scope, frozen)

    def merge_branches(
        self,
        branches: list[tuple[str, YNode]],
        merge: str,
        entry: _Entry,
        path: tuple[str, ...],
        flow: _Flow,
        scope: _Scope,
        frozen: bool,
    ) -> tuple[_Flow, _Totals]:
        flow.tensor.uses += len(branches) - 1
        outputs: list[tuple[str, _Flow]] = []
        totals = _Totals()
        for label, items in branches:
            branch_path = path + (label,)
            index = self.open_row()
            out, sub = self.walk_list(items, flow, branch_path, scope, frozen)
            position = items.pos if items.pos.line else entry.position
            self.close_row(index, "branch", position, branch_path, flow, out, sub)
            outputs.append((label, out))
            totals.add(sub)
        try:
            shape = merged_shape(merge, [(label, out.shape) for label, out in outputs])
        except LayerError as exc:
            raise self.error(exc.code, exc.message, entry.position, path, scope) from None
        tensor = self.memory.allocate(prod(shape) * self.element_bytes)
        for _, out in outputs:
            self.memory.release(out.tensor)
        rf = widest([out.rf for _, out in outputs], shape[1:] if len(shape) > 1 else None)
        return _Flow(shape, rf, tensor), totals


def _hint(text: str) -> str:
    return f" ({text})" if text else ""


# ----- block parameters -----------------------------------------------------------


def resolve_shallow(
    node: YNode, scope: _Scope, walker: Walker, path: tuple[str, ...], position: Position | None = None
) -> YNode:
    """``$param`` and ``${expr}`` replaced at this node only; errors located at ``position``."""
    if isinstance(node, YScalar) and isinstance(node.value, str) and node.value.startswith("$"):
        return _substitute(node, scope, walker, path, position or node.pos)
    return node


def resolve(
    node: YNode, scope: _Scope, walker: Walker, path: tuple[str, ...], position: Position | None = None
) -> YNode:
    """``$param`` and ``${expr}`` replaced everywhere below ``node`` (keys never)."""
    if isinstance(node, YScalar):
        return resolve_shallow(node, scope, walker, path, position)
    if isinstance(node, YSeq):
        items = [resolve(item, scope, walker, path, position) for item in node.items]
        return YSeq(items, node.pos) if any(a is not b for a, b in zip(items, node.items)) else node
    entries = {key: resolve(value, scope, walker, path, position) for key, value in node.entries.items()}
    if all(entries[key] is node.entries[key] for key in entries):
        return node
    return YMap(entries, node.pos, node.key_pos)


def _substitute(node: YScalar, scope: _Scope, walker: Walker, path: tuple[str, ...], position: Position) -> YNode:
    text = node.value
    match = _PARAM.match(text)
    if match:
        name = match.group(1)
        if name not in scope.values:
            if scope.block:
                known = ", ".join(scope.values) or "none"
                message = f"unknown parameter ${name} (parameters: {known})"
            else:
                message = f"unknown parameter ${name}: parameters exist only inside blocks"
            raise walker.error("block-param", message, position, path, scope)
        return scope.values[name]
    match = _EXPRESSION.match(text)
    if match:
        params = {key: plain(value) for key, value in scope.values.items() if isinstance(value, YScalar)}
        try:
            return YScalar(expr.evaluate(match.group(1), params), node.pos)
        except LayerError as exc:
            raise walker.error(exc.code, exc.message, position, path, scope) from None
    return node


def _count_or_none(key: str, node: YNode | None) -> int | None:
    if node is None:
        return None
    value = plain(node)
    if not is_int(value):
        raise LayerError("type", f"{key} must be a positive integer, got {describe(value)}")
    if value < 1:
        raise LayerError("value", f"{key} must be a positive integer, got {value}")
    return value


def _flag(key: str, node: YNode | None, default: bool, allow_int: bool = False) -> bool:
    if node is None:
        return default
    value = plain(node)
    if isinstance(value, bool):
        return value
    if allow_int and is_int(value):
        return value != 0
    raise LayerError("type", f"{key} must be true or false, got {describe(value)}")


def analyze_spec(spec: Spec, max_rows: int = DEFAULT_MAX_ROWS) -> Report:
    """Walk the spec into a report (the cycle collector paused meanwhile: no cycles are made)."""
    with paused_gc():
        return Walker(spec, max_rows).run()
