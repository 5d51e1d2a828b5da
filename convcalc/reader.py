"""How a spec becomes a graph: YAML nodes, blocks, ``$params`` and references in, a :class:`Graph` out.

The reader walks the layer lists in spec order, expands composites and block
uses, checks every entry's args and resolves every ``from``, ``share`` and
``like`` against the names visible there (:mod:`convcalc.references`). It
computes no shapes: :mod:`convcalc.evaluate` does that, from the graph alone.

Each entry is read once per set of block parameter values, however often it
is used or repeated, and repeated entries are checked against the row cap
after their first copy, so reading is linear in the number of rows.
"""

from __future__ import annotations

import re
from typing import Any

from . import expr
from .args import check_args, describe, is_int, suggest, yaml_text
from .errors import LayerError, Position, Problems, SpecError
from .graph import FAILED, GROUP, LAYER, Graph, Node
from .layers import RULES, LayerRule
from .layers.graph import reference
from .loader import YMap, YNode, YScalar, YSeq, plain
from .precheck import RowCounter, check_block_cycles
from .references import Frame, Name, Resolver
from .lint import CODE
from .spec import COMMON_KEYS, COMPOSITES, BlockDef, Spec

DEFAULT_MAX_ROWS = 1_000_000
MAX_DEPTH = 64
"""Deepest nesting of composites and block uses."""

_PARAM = re.compile(r"^\$([A-Za-z_][A-Za-z0-9_]*)$")
_EXPRESSION = re.compile(r"^\$\{(.*)\}$", re.DOTALL)
Flow = tuple[int, tuple[str, ...]]
"""A tensor and the row path it is read as."""


class _Scope:
    """Block parameters visible to the entries being read, and where the block was used."""

    __slots__ = ("values", "block", "use", "context")

    def __init__(self, values: dict[str, YNode] | None = None, block: str = "", use: Position | None = None) -> None:
        self.values = values if values is not None else {}
        self.block = block
        self.use = use
        self.context = f" (in block {block!r} used at line {use.line})" if block and use is not None else ""


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
        "ignore",
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
        self.ignore: frozenset[str] = frozenset()


class Reader:
    def __init__(self, spec: Spec, max_rows: int = DEFAULT_MAX_ROWS) -> None:
        self.spec = spec
        self.file = spec.file
        self.max_rows = max_rows
        self.graph = Graph(spec.file, spec.name, spec.description, spec.dtype, spec.dtype_bytes)
        self.nodes = self.graph.nodes
        self.row_count = 0
        self.names = Resolver(self)
        # Memos: an entry is read, and its args checked, once per set of block parameter
        # values, however often it is used or repeated. Each memo value keeps the nodes
        # its key names alive, so that no id in a key can be reused by another node.
        self.static: dict[int, tuple[YNode, bool]] = {}
        self.entries: dict[tuple[int, tuple[int, ...]], tuple[Any, _Entry]] = {}
        self.problems = Problems()
        """The entries' own errors, noted while reading goes on (see :meth:`recover`)."""
        self.args: dict[tuple[str, str], dict[str, Any]] = {}
        """Checked args by type and args as written: equal layers share one (read-only) dict."""

    # ----- errors -----------------------------------------------------------------

    def error(self, code: str, message: str, position: Position, path: tuple[str, ...], scope: _Scope) -> SpecError:
        return SpecError.at(code, message + scope.context, file=self.file, position=position, row="/".join(path))

    # ----- reading the lists ---------------------------------------------------------

    def read(self) -> Graph:
        spec = self.spec
        check_block_cycles(spec)
        self.check_size()
        graph = self.graph
        if spec.budget:
            graph.budget = dict(spec.budget.limits)
            graph.budget_positions = dict(spec.budget.positions)
        outer = Frame(None, None, body=True)
        for name, shape, position in spec.inputs:
            tensor = graph.add_input(name, shape, position)
            outer.names[name] = Name(tensor, (name,), None, -1)
        first = graph.inputs[0]
        top = Frame(outer, spec.layers)
        scope = _Scope()
        flow = self.walk_list(spec.layers, (first[1], (first[0],)), (), scope, False, top)
        if spec.outputs:
            for node in spec.outputs:
                found = self.names.lookup(plain(node), top, node.pos, (), scope, "outputs", flow)
                graph.add_output(found.tensor, plain(node))
        else:
            graph.add_output(flow[0], "/".join(flow[1]))
        graph.problems = self.problems
        graph.warnings = list(spec.warnings)
        return graph

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
        self, items: YNode, flow: Flow, prefix: tuple[str, ...], scope: _Scope, frozen: bool, frame: Frame
    ) -> Flow:
        items = resolve_shallow(items, scope, self, prefix)
        if isinstance(items, YScalar) and items.value is None:
            items = YSeq([], items.pos)
        if not isinstance(items, YSeq):
            raise self.error(
                "type", f"expected a list of layers, got {describe(plain(items))}", items.pos, prefix, scope
            )
        frame.items = items
        counters: dict[str, int] = {}
        seen: set[str] = set()
        for index, node in enumerate(items.items):
            frame.index = index
            try:
                flow = self.walk_item(node, flow, prefix, scope, frozen, frame, counters, seen)
            except SpecError as error:
                flow = self.recover(error, node, flow, prefix, frame)
        return flow

    def recover(
        self,
        error: SpecError,
        node: YNode,
        flow: Flow,
        prefix: tuple[str, ...],
        frame: Frame,
    ) -> Flow:
        """Note an entry's own error and go on reading: the entry becomes a failed node,
        whose output nothing evaluates (so no error follows from it). Other errors, and the
        error past :data:`MAX_ERRORS`, end the reading."""
        if error.code not in RECOVERABLE:
            raise error
        self.problems.record(error)
        frame.open = None
        parts = error.diagnostic.row.split("/")
        name = parts[len(prefix)] if len(parts) > len(prefix) and parts[len(prefix)] else "?"
        path = prefix + (name,)
        index = len(self.nodes)
        self.nodes.append(Node(FAILED, "failed", path, node.pos, inputs=(flow[0],), row=False))
        if name not in frame.names:
            frame.define(name, Name(index, path, None, -1))
        return (index, path)

    def walk_item(
        self,
        node: YNode,
        flow: Flow,
        prefix: tuple[str, ...],
        scope: _Scope,
        frozen: bool,
        frame: Frame,
        counters: dict[str, int],
        seen: set[str],
    ) -> Flow:
        """One entry of a list, read and walked: the flow after it."""
        entry = self.read_entry(node, scope, prefix)
        try:
            self.read_common(entry, counters, scope, prefix)
        except SpecError:
            kind = self.canonical(entry.type)
            counters[kind] = counters.get(kind, 0) + 1  # the next entries keep their names
            raise
        if not entry.condition:
            return flow
        kind = self.canonical(entry.type)
        counters[kind] = counters.get(kind, 0) + 1
        name = entry.name if entry.name is not None else f"{kind}{counters[kind]}"
        frozen_here = frozen or not entry.trainable
        copies = entry.repeat or 1
        for copy in range(1, copies + 1):
            row_name = name if entry.repeat is None else f"{name}.{copy}"
            self.claim(row_name, seen, entry.position, prefix, scope)
            before = self.row_count
            frame.open = row_name
            if entry.ignore:
                self.graph.ignores["/".join(prefix + (row_name,))] = entry.ignore
            flow, row, inner = self.walk_entry(entry, row_name, flow, prefix, scope, frozen_here, frame)
            frame.open = None
            if row_name in frame.names:
                frame.define(row_name, Name(flow[0], flow[1], inner, row))
            else:
                frame.names[row_name] = Name(flow[0], flow[1], inner, row)
            activation = entry.args.entries.get("activation") if entry.type in RULES else None
            if activation is not None:
                flow = self.walk_activation(
                    activation, entry, row_name, counters, copy, flow, prefix, scope, frozen_here, seen, frame
                )
            if copy == 1 and copies > 1:
                self.check_repeat(self.row_count - before, copies, entry.position, prefix + (row_name,), scope)
        if entry.repeat is not None:
            frame.define(name, frame.names[f"{name}.{copies}"], alias=True)
        return flow

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
        expected = self.row_count + per_copy * (copies - 1)
        if expected > self.max_rows:
            raise self.error(
                "too-many-rows",
                f"repeat {copies:,} would make about {expected:,} rows, more than the cap of {self.max_rows:,} "
                "(raise it with --max-rows)",
                position,
                path,
                scope,
            )

    def add_row(self, node: Node) -> int:
        if self.row_count >= self.max_rows:
            raise SpecError.at(
                "too-many-rows",
                f"the spec expands to more than {self.max_rows:,} rows (raise the cap with --max-rows)",
                file=self.file,
                position=node.position,
                row="/".join(node.path),
            )
        self.row_count += 1
        self.nodes.append(node)
        return len(self.nodes) - 1

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
        """``name``, ``repeat``, ``trainable``, ``if`` and ``ignore``, checked with the row's name in every message."""
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
            entry.ignore = _codes(common.get("ignore"))
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
        self,
        entry: _Entry,
        name: str,
        flow: Flow,
        prefix: tuple[str, ...],
        scope: _Scope,
        frozen: bool,
        frame: Frame,
    ) -> tuple[Flow, int, Frame | None]:
        """The entry's output, the node of its row and the names inside it (for paths ``a/b``)."""
        path = prefix + (name,)
        if len(path) > MAX_DEPTH:
            raise self.error(
                "too-deep", f"composites and blocks nest deeper than {MAX_DEPTH} levels", entry.position, path, scope
            )
        flows = [flow]
        linked = "from" in entry.common
        if linked:
            flows = self.names.sources(entry.common["from"], frame, entry.position, path, scope, flow)
        share = -1
        if "share" in entry.common:
            share = self.names.shared(entry.common["share"], frame, entry.position, path, scope, flow)
        if entry.type in RULES:
            rule = RULES[entry.type]
            many = rule.combine is not None
            self.check_count(rule.name, len(flows), rule.least_inputs, many, linked, entry, path, scope)
            if share >= 0 and self.nodes[share].type != rule.name:
                raise self.error(
                    "share",
                    f"share: {plain(entry.common['share'])!r} is a {self.nodes[share].type}, not a {rule.name}: "
                    "only a layer of the same type can share its parameters",
                    entry.position,
                    path,
                    scope,
                )
            index = self.walk_layer(rule, entry, path, flows, scope, frozen, frame, linked, share)
            return (index, path), index, None
        if entry.type in self.spec.blocks:
            block = self.spec.blocks[entry.type]
            self.check_count(f"block {block.name!r}", len(flows), len(block.inputs), False, linked, entry, path, scope)
            return self.walk_block(block, entry, path, flows, scope, frozen, linked, share)
        self.check_count(entry.type, len(flows), 1, False, linked, entry, path, scope)
        if share >= 0:
            message = f"a {entry.type} cannot share: share on a layer or a block use"
            raise self.error("share", message, entry.position, path, scope)
        return self.walk_composite(entry, path, flows[0], scope, frozen, frame, linked)

    def check_count(
        self,
        what: str,
        given: int,
        needed: int,
        or_more: bool,
        linked: bool,
        entry: _Entry,
        path: tuple[str, ...],
        scope: _Scope,
    ) -> None:
        """``from`` gives as many tensors as the entry reads (merges: at least two)."""
        if given == needed or (or_more and given > needed):
            return
        wanted = f"{needed} or more tensors" if or_more else "1 tensor" if needed == 1 else f"{needed} tensors"
        if not linked:
            message = f"{what} reads {wanted}: name them with from: [...]"
        else:
            message = f"{what} reads {wanted}, from gives {given}"
        raise self.error("from", message, entry.position, path, scope)

    # ----- leaf layers ------------------------------------------------------------

    def walk_layer(
        self,
        rule: LayerRule,
        entry: _Entry,
        path: tuple[str, ...],
        flows: list[Flow],
        scope: _Scope,
        frozen: bool,
        frame: Frame,
        linked: bool = False,
        share: int = -1,
    ) -> int:
        try:
            args = self.checked_args(rule, entry, path, scope)
        except LayerError as exc:
            first = self.error(exc.code, exc.message, entry.position, path, scope)
            if exc.others:  # noted in their order, first included (recover() notes it once)
                self.problems.record(first)
                for other in exc.others:
                    self.problems.record(self.error(other.code, other.message, entry.position, path, scope))
            raise first from None
        like = -1
        if args.get("like") is not None:
            like = self.names.lookup(args["like"], frame, entry.position, path, scope, "like", flows[0]).tensor
        return self.add_row(
            Node(
                LAYER,
                rule.name,
                path,
                entry.position,
                rule,
                args,
                (flows[0][0],) if len(flows) == 1 else tuple(f[0] for f in flows),
                (flows[0][1],) if len(flows) == 1 else tuple(f[1] for f in flows),
                like,
                frozen,
                share,
                True,
                linked,
                scope.context,
            )
        )

    def checked_args(self, rule: LayerRule, entry: _Entry, path: tuple[str, ...], scope: _Scope) -> dict[str, Any]:
        """The entry's args checked against the rule; once per reading of the entry (see read_entry)."""
        cached = entry.checked.get(rule.name)
        if cached is not None:
            return cached
        given = {
            name: plain(resolve(value, scope, self, path, entry.position)) for name, value in entry.args.entries.items()
        }
        key = (rule.name, repr(given))
        args = self.args.get(key)
        if args is None:
            args = self.args[key] = check_args(rule.args, given, rule.name)
        entry.checked[rule.name] = args
        return args

    def walk_activation(
        self,
        node: YNode,
        owner: _Entry,
        owner_row: str,
        counters: dict[str, int],
        copy: int,
        flow: Flow,
        prefix: tuple[str, ...],
        scope: _Scope,
        frozen: bool,
        seen: set[str],
        frame: Frame,
    ) -> Flow:
        """``activation: relu`` on an entry: a row of its own, as if written after it."""
        owner_path = prefix + (owner_row,)
        node = resolve(node, scope, self, owner_path, owner.position)
        if isinstance(node, YScalar) and node.value in (None, "none"):
            return flow
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
        path = prefix + (name,)
        index = self.walk_layer(rule, entry, path, [flow], scope, frozen, frame)
        frame.define(name, Name(index, path, None, index))
        return index, path

    # ----- composites -------------------------------------------------------------

    def open_row(
        self,
        type_name: str,
        position: Position,
        path: tuple[str, ...],
        flows: list[Flow],
        linked: bool,
        scope: _Scope,
    ) -> int:
        return self.add_row(
            Node(
                GROUP,
                type_name,
                path,
                position,
                inputs=tuple(f[0] for f in flows),
                sources=tuple(f[1] for f in flows),
                linked=linked,
                context=scope.context,
            )
        )

    def close_row(self, index: int, out: Flow) -> None:
        node = self.nodes[index]
        node.end = len(self.nodes)
        node.output = out[0]

    def walk_block(
        self,
        block: BlockDef,
        entry: _Entry,
        path: tuple[str, ...],
        flows: list[Flow],
        scope: _Scope,
        frozen: bool,
        linked: bool,
        share: int,
    ) -> tuple[Flow, int, Frame]:
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
        index = self.open_row(block.name, entry.position, path, flows, linked, scope)
        inputs = Frame(None, None, body=True)
        for name, flow in zip(block.inputs, flows):
            inputs.names[name] = Name(flow[0], flow[1], None, -1)
        body = Frame(inputs, block.layers)
        out = self.walk_list(block.layers, flows[0], path, inner, frozen, body)
        if block.output is not None:
            found = self.names.lookup(plain(block.output), body, block.output.pos, path, inner, "output", out)
            out = (found.tensor, found.path)
        self.close_row(index, out)
        if share >= 0:
            self.share_block(index, share, entry, path, scope)
        return (out[0], path), index, body

    def share_block(self, index: int, target: int, entry: _Entry, path: tuple[str, ...], scope: _Scope) -> None:
        """Pair the layers of a block use with those of the use it shares, in order."""
        group, other = self.nodes[index], self.nodes[target]
        shown = plain(entry.common["share"])
        if other.kind != GROUP or other.type != group.type:
            raise self.error(
                "share",
                f"share: {shown!r} is a {other.type}, not a use of block {group.type!r}",
                entry.position,
                path,
                scope,
            )
        mine = [i for i in range(index + 1, group.end) if self.nodes[i].kind == LAYER and self.nodes[i].row]
        theirs = [i for i in range(target + 1, other.end) if self.nodes[i].kind == LAYER and self.nodes[i].row]
        if len(mine) != len(theirs):
            raise self.error(
                "share",
                f"share: {shown!r} has {len(theirs)} layers, this use {len(mine)}: the parameters can't be shared",
                entry.position,
                path,
                scope,
            )
        for a, b in zip(mine, theirs):
            if self.nodes[a].type != self.nodes[b].type:
                raise self.error(
                    "share",
                    f"share: {'/'.join(self.nodes[a].path)} is a {self.nodes[a].type}, "
                    f"{'/'.join(self.nodes[b].path)} a {self.nodes[b].type}",
                    entry.position,
                    path,
                    scope,
                )
            self.nodes[a].share = self.nodes[b].share if self.nodes[b].share >= 0 else b

    def walk_composite(
        self, entry: _Entry, path: tuple[str, ...], flow: Flow, scope: _Scope, frozen: bool, frame: Frame, linked: bool
    ) -> tuple[Flow, int, Frame]:
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
        index = self.open_row(entry.type, entry.position, path, [flow], linked, scope)
        inner = Frame(frame, None)
        if entry.type == "sequence":
            if "layers" not in entry.args.entries:
                raise self.error("missing-key", "sequence needs 'layers'", entry.position, path, scope)
            out = self.walk_list(entry.args.entries["layers"], flow, path, scope, frozen, inner)
        elif entry.type == "parallel":
            out = self.walk_parallel(entry, path, flow, scope, frozen, inner)
        else:
            out = self.walk_residual(entry, path, flow, scope, frozen, inner)
        inner.parent = None  # read: only paths a/b look inside it now, and no cycle runs through its parent
        self.close_row(index, out)
        return (out[0], path), index, inner

    def walk_parallel(
        self, entry: _Entry, path: tuple[str, ...], flow: Flow, scope: _Scope, frozen: bool, frame: Frame
    ) -> Flow:
        if "branches" not in entry.args.entries:
            raise self.error("missing-key", "parallel needs 'branches'", entry.position, path, scope)
        branches = resolve_shallow(entry.args.entries["branches"], scope, self, path, entry.position)
        if not isinstance(branches, YSeq):
            raise self.error("type", "branches must be a list of layer lists", entry.position, path, scope)
        if not branches.items:
            raise self.error("value", "parallel needs at least one branch", entry.position, path, scope)
        merge = plain(resolve(entry.args.entries.get("merge", YScalar("concat")), scope, self, path, entry.position))
        if merge is None:
            merge = "concat"
        if merge not in ("concat", "add", "mul"):
            raise self.error(
                "value",
                f"merge must be concat, add or mul, got {describe(merge)}"
                + _hint(suggest(merge, ("concat", "add", "mul"))),
                entry.position,
                path,
                scope,
            )
        named = [(f"b{i}", branch) for i, branch in enumerate(branches.items, start=1)]
        return self.merge_branches(named, merge, entry, path, flow, scope, frozen, frame)

    def walk_residual(
        self, entry: _Entry, path: tuple[str, ...], flow: Flow, scope: _Scope, frozen: bool, frame: Frame
    ) -> Flow:
        if "main" not in entry.args.entries:
            raise self.error("missing-key", "residual needs 'main'", entry.position, path, scope)
        shortcut = entry.args.entries.get("shortcut", YSeq([], entry.position))
        named = [("main", entry.args.entries["main"]), ("shortcut", shortcut)]
        return self.merge_branches(named, "add", entry, path, flow, scope, frozen, frame)

    def merge_branches(
        self,
        branches: list[tuple[str, YNode]],
        merge: str,
        entry: _Entry,
        path: tuple[str, ...],
        flow: Flow,
        scope: _Scope,
        frozen: bool,
        frame: Frame,
    ) -> Flow:
        """Each branch a row reading the same input; their outputs merged by a hidden node."""
        outputs: list[Flow] = []
        for label, items in branches:
            branch_path = path + (label,)
            position = items.pos if items.pos.line else entry.position
            index = self.open_row("branch", position, branch_path, [flow], False, scope)
            inner = Frame(frame, None)
            out = self.walk_list(items, flow, branch_path, scope, frozen, inner)
            inner.parent = None
            self.close_row(index, out)
            frame.define(label, Name(out[0], branch_path, inner, index))
            outputs.append(out)
        rule = RULES[merge]
        node = Node(
            LAYER,
            merge,
            path,
            entry.position,
            rule,
            {},
            tuple(out[0] for out in outputs),
            tuple((label,) for label, _ in branches),
            row=False,
            context=scope.context,
        )
        self.nodes.append(node)
        return len(self.nodes) - 1, path


RECOVERABLE = frozenset(
    {
        "unknown-key",
        "missing-key",
        "type",
        "value",
        "unknown-type",
        "entry",
        "duplicate-key",
        "duplicate-name",
        "expression",
        "block-param",
        "reference",
        "from",
        "share",
    }
)
"""Errors of one entry alone: reading goes on after them (every other error ends it)."""


def _hint(text: str) -> str:
    return f" ({text})" if text else ""


def parse_references(node: YNode, key: str) -> list[str | int]:
    """``from`` as written: one reference or a list of them (LayerError if malformed)."""
    value = plain(node)
    items = value if isinstance(value, list) else [value]
    if not items:
        raise LayerError("from", f"{key} needs at least one row name")
    return [reference(key, item) for item in items]


# ----- block parameters -----------------------------------------------------------



def resolve_shallow(
    node: YNode, scope: _Scope, reader: Reader, path: tuple[str, ...], position: Position | None = None
) -> YNode:
    """``$param`` and ``${expr}`` replaced at this node only; errors located at ``position``."""
    if isinstance(node, YScalar) and isinstance(node.value, str) and node.value.startswith("$"):
        return _substitute(node, scope, reader, path, position or node.pos)
    return node


def resolve(
    node: YNode, scope: _Scope, reader: Reader, path: tuple[str, ...], position: Position | None = None
) -> YNode:
    """``$param`` and ``${expr}`` replaced everywhere below ``node`` (keys never)."""
    if isinstance(node, YScalar):
        return resolve_shallow(node, scope, reader, path, position)
    if isinstance(node, YSeq):
        items = [resolve(item, scope, reader, path, position) for item in node.items]
        return YSeq(items, node.pos) if any(a is not b for a, b in zip(items, node.items)) else node
    entries = {key: resolve(value, scope, reader, path, position) for key, value in node.entries.items()}
    if all(entries[key] is node.entries[key] for key in entries):
        return node
    return YMap(entries, node.pos, node.key_pos)


def _substitute(node: YScalar, scope: _Scope, reader: Reader, path: tuple[str, ...], position: Position) -> YNode:
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
            raise reader.error("block-param", message, position, path, scope)
        return scope.values[name]
    match = _EXPRESSION.match(text)
    if match:
        params = {key: plain(value) for key, value in scope.values.items() if isinstance(value, YScalar)}
        try:
            return YScalar(expr.evaluate(match.group(1), params), node.pos)
        except LayerError as exc:
            raise reader.error(exc.code, exc.message, position, path, scope) from None
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


def _codes(node: YNode | None) -> frozenset[str]:
    """``ignore:``: one code or a list of codes (lower-case words joined by '-')."""
    if node is None:
        return frozenset()
    value = plain(node)
    items = value if isinstance(value, list) else [value]
    for item in items:
        if not isinstance(item, str) or not CODE.match(item):
            raise LayerError(
                "type", f"ignore takes diagnostic codes such as [uneven-stride], got {describe(item)}"
            )
    return frozenset(items)


def _flag(key: str, node: YNode | None, default: bool, allow_int: bool = False) -> bool:
    if node is None:
        return default
    value = plain(node)
    if isinstance(value, bool):
        return value
    if allow_int and is_int(value):
        return value != 0
    raise LayerError("type", f"{key} must be true or false, got {describe(value)}")




def read_graph(spec: Spec, max_rows: int = DEFAULT_MAX_ROWS) -> Graph:
    """The spec as a graph (errors as SpecError)."""
    return Reader(spec, max_rows).read()
