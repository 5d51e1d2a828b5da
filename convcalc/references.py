"""Names visible to an entry, and references (``from``, ``share``, ``like``, ``output(s)``) resolved against them.

A :class:`Frame` holds the rows of one layer list read so far, by name
(``NAME.i`` for each copy of a repeated entry, ``NAME`` for its last), and
points to the frame of the list around it. Looking a name up walks outward:
the earlier rows of the same list, then the rows before the enclosing entry
in each enclosing list, then the inputs (a block's, or the network's). A
block body's frame chain ends at its inputs: nothing else is visible there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .args import suggest
from .errors import LayerError, Position, SpecError
from .loader import YMap, YNode, YScalar, YSeq, plain

if TYPE_CHECKING:
    from .reader import Reader, _Scope

SHOWN = 8
"""Visible names listed in a reference error."""


class Name:
    """A visible row: its tensor, the path it is read as, the frame inside it (for ``a/b``), its node."""

    __slots__ = ("tensor", "path", "frame", "node")

    def __init__(self, tensor: int, path: tuple[str, ...], frame: Frame | None, node: int) -> None:
        self.tensor = tensor
        self.path = path
        self.frame = frame
        self.node = node


class Frame:
    """The rows of one layer list read so far. ``open``: the row being read; ``body``:
    the end of a chain (a block's or the network's inputs)."""

    __slots__ = ("names", "parent", "items", "index", "open", "body")

    def __init__(self, parent: Frame | None, items: YSeq | None, body: bool = False) -> None:
        self.names: dict[str, Name | None] = {}
        self.parent = parent
        self.items = items
        self.index = -1
        self.open: str | None = None
        self.body = body

    def define(self, name: str, found: Name | None, alias: bool = False) -> None:
        """A row is read; a name given twice (a repeated entry's and a row's) is ambiguous."""
        if name in self.names and (alias or self.names[name] is not None):
            self.names[name] = None
        else:
            self.names[name] = found


class Resolver:
    def __init__(self, reader: Reader) -> None:
        self.reader = reader

    def fail(
        self, message: str, position: Position, path: tuple[str, ...], scope: _Scope, code: str = "reference"
    ) -> SpecError:
        return self.reader.error(code, message, position, path, scope)

    def sources(
        self, node: YNode, frame: Frame, position: Position, path: tuple[str, ...], scope: _Scope, flow: Any
    ) -> list[Any]:
        """The tensors ``from`` names, in order, as (tensor, path) flows."""
        from .reader import parse_references

        try:
            refs = parse_references(node, "from")
        except LayerError as exc:
            raise self.fail(exc.message, position, path, scope, exc.code) from None
        flows = []
        for ref in refs:
            if ref == -1:
                flows.append(flow)
            else:
                found = self.lookup(ref, frame, position, path, scope, "from", flow)
                flows.append((found.tensor, found.path))
        return flows

    def shared(
        self, node: YNode, frame: Frame, position: Position, path: tuple[str, ...], scope: _Scope, flow: Any
    ) -> int:
        """The node whose parameters ``share`` names (followed to the owner of the parameters)."""
        value = plain(node)
        if isinstance(value, bool) or not isinstance(value, (str, int)) or value == "" or value == -1:
            raise self.fail(f"share must be a row name, got {value!r}", position, path, scope, "share")
        found = self.lookup(str(value), frame, position, path, scope, "share", flow)
        nodes = self.reader.nodes
        if found.node < 0:
            raise self.fail(f"share: {value!r} is an input, which has no parameters", position, path, scope, "share")
        owner = nodes[found.node].share
        return owner if owner >= 0 else found.node

    def lookup(
        self, ref: Any, frame: Frame, position: Position, path: tuple[str, ...], scope: _Scope, key: str, flow: Any
    ) -> Name:
        """The row a reference names, or the error ``reference`` saying why not and what is visible."""
        if ref == -1 and not isinstance(ref, bool):
            return Name(flow[0], flow[1], None, -1)
        if not isinstance(ref, str) or not ref:
            raise self.fail(f"{key} must be a row name, got {ref!r}", position, path, scope)
        first, *rest = ref.split("/")
        found = None
        current: Frame | None = frame
        while current is not None:
            if first in current.names:
                found = current.names[first]
                if found is None:
                    raise self.fail(
                        f"{key}: {ref!r} is ambiguous: two rows of one list are called {first!r} "
                        "(a repeated entry's last copy and a row; name one differently)",
                        position,
                        path,
                        scope,
                    )
                self.check_unique(first, current, ref, key, position, path, scope)
                break
            current = current.parent
        if found is None:
            raise self.fail(self.why_not(ref, first, frame, key), position, path, scope)
        walked = [first]
        for part in rest:
            inner = found.frame
            if inner is None or inner.names.get(part) is None:
                known = sorted(n for n, v in (inner.names.items() if inner else ()) if v is not None)
                hint = suggest(part, known)
                listed = ", ".join(known[:SHOWN]) + (", ..." if len(known) > SHOWN else "") if known else "none"
                raise self.fail(
                    f"{key}: {ref!r}: {'/'.join(walked)!r} has no row {part!r}"
                    + (f" ({hint})" if hint else f" (rows: {listed})"),
                    position,
                    path,
                    scope,
                )
            found = inner.names[part]
            walked.append(part)
        return found  # type: ignore[return-value]

    def check_unique(
        self, name: str, where: Frame, ref: str, key: str, position: Position, path: tuple[str, ...], scope: _Scope
    ) -> None:
        """A row of a body that has the name of one of the body's inputs is ambiguous."""
        if where.body:
            return
        end = where
        while end.parent is not None:
            end = end.parent
        if end.body and name in end.names and end is not where:
            raise self.fail(
                f"{key}: {ref!r} is ambiguous: both a row and an input are called {name!r} (rename the row)",
                position,
                path,
                scope,
            )

    def why_not(self, ref: str, first: str, frame: Frame, key: str) -> str:
        current: Frame | None = frame
        while current is not None:
            if current.open == first:
                which = "this entry" if current is frame else "an entry around this one"
                return f"{key}: {ref!r} is {which}: only earlier rows can be read"
            if current.items is not None and first in later_names(current.items, current.index):
                return f"{key}: {ref!r} is a later row: only earlier rows can be read"
            current = current.parent
        visible = visible_names(frame)
        hint = suggest(first, visible)
        listed = ", ".join(visible[:SHOWN]) + (", ..." if len(visible) > SHOWN else "") if visible else "none"
        return f"{key}: no row {ref!r} is visible here" + (f" ({hint})" if hint else "") + f"; visible: {listed}"


def visible_names(frame: Frame) -> list[str]:
    """Names visible from a frame, nearest first."""
    shown: list[str] = []
    current: Frame | None = frame
    while current is not None:
        shown.extend(name for name, found in reversed(current.names.items()) if found is not None and name not in shown)
        current = current.parent
    return shown


def later_names(items: YSeq, index: int) -> set[str]:
    """Row names the entries after ``index`` will have, read off the text (auto-names counted by type)."""
    from .layers import RULES

    counters: dict[str, int] = {}
    names: set[str] = set()
    for position, item in enumerate(items.items):
        kind, name, repeat = _entry_name(item)
        if kind is None:
            continue
        rule = RULES.get(kind)
        kind = rule.name if rule is not None else kind
        counters[kind] = counters.get(kind, 0) + 1
        if position <= index:
            continue
        base = name if name is not None else f"{kind}{counters[kind]}"
        names.add(base)
        if isinstance(repeat, int) and not isinstance(repeat, bool) and 0 < repeat <= 10_000:
            names.update(f"{base}.{i}" for i in range(1, repeat + 1))
    return names


def _entry_name(item: YNode) -> tuple[str | None, str | None, Any]:
    if isinstance(item, YScalar):
        return (item.value, None, None) if isinstance(item.value, str) else (None, None, None)
    if not isinstance(item, YMap) or len(item.entries) != 1:
        return None, None, None
    ((kind, args),) = item.entries.items()
    if not isinstance(args, YMap):
        return kind, None, None
    name = plain(args.entries["name"]) if "name" in args.entries else None
    repeat = plain(args.entries["repeat"]) if "repeat" in args.entries else None
    return kind, str(name) if isinstance(name, (str, int)) and not isinstance(name, bool) else None, repeat
