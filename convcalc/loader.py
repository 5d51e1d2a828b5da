"""Read YAML (or Python data) into position-carrying nodes.

PyYAML's ``compose`` gives a node graph with marks but builds no Python
objects, so nothing in a spec ever executes. We convert that graph once into
:class:`YMap` / :class:`YSeq` / :class:`YScalar`, which keep their 1-based
line and column, report duplicate keys (PyYAML keeps the last silently),
refuse tags other than YAML's plain types, and refuse alias graphs that
expand past a bound ("billion laughs").
"""

from __future__ import annotations

from typing import Any, Union

import yaml
import yaml.composer
import yaml.reader
from yaml.constructor import ConstructorError, SafeConstructor

from .errors import NOWHERE, Position, SpecError
from .record import FrozenRecord
from .runtime import paused_gc, position_at

MAX_ALIAS_EXPANSION = 100_000
"""Nodes that aliases may add beyond the document's own nodes."""

MAX_NESTING = 200
"""Deepest nesting of YAML collections accepted."""

_TAG = "tag:yaml.org,2002:"
_SCALAR_TAGS = {_TAG + t for t in ("null", "bool", "int", "float", "str")}
_MERGE_TAG = _TAG + "merge"


class YScalar:
    """A plain value and where it is written. Nodes compare by identity (aliases share them)."""

    __slots__ = ("value", "pos")

    def __init__(self, value: Any, pos: Position = NOWHERE) -> None:
        self.value = value
        self.pos = pos

    def __repr__(self) -> str:
        return f"YScalar({self.value!r})"


class YSeq:
    __slots__ = ("items", "pos")

    def __init__(self, items: list[YNode], pos: Position = NOWHERE) -> None:
        self.items = items
        self.pos = pos

    def __repr__(self) -> str:
        return f"YSeq({self.items!r})"


class Duplicate(FrozenRecord):
    """A key written twice in one mapping: reported by whoever reads the mapping, naming its row."""

    __slots__ = ("key", "position", "first")

    def __init__(self, key: str, position: Position, first: Position) -> None:
        self.key = key
        self.position = position
        self.first = first

    def message(self) -> str:
        return f"duplicate key {self.key!r} (first at line {self.first.line}); YAML would silently keep the last"


class YMap:
    __slots__ = ("entries", "pos", "key_pos", "duplicate")

    def __init__(
        self,
        entries: dict[str, YNode],
        pos: Position = NOWHERE,
        key_pos: dict[str, Position] | None = None,
        duplicate: Duplicate | None = None,
    ) -> None:
        self.entries = entries
        self.pos = pos
        self.key_pos = key_pos if key_pos is not None else {}
        self.duplicate = duplicate

    def __repr__(self) -> str:
        return f"YMap({self.entries!r})"

    def position_of(self, key: str) -> Position:
        return self.key_pos.get(key, self.pos)


YNode = Union[YScalar, YSeq, YMap]


def plain(node: YNode) -> Any:
    """The node as plain Python data (for messages and tests)."""
    if isinstance(node, YScalar):
        return node.value
    if isinstance(node, YSeq):
        return [plain(item) for item in node.items]
    return {key: plain(value) for key, value in node.entries.items()}


def _mark(mark: Any) -> Position:
    return Position(mark.line + 1, mark.column + 1) if mark is not None else NOWHERE


def _loader_class() -> type:
    """libyaml's parser when present (fast, in C), else PyYAML's own."""
    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _is_libyaml_depth_limit(exc: yaml.MarkedYAMLError) -> bool:
    """libyaml 0.2.6 and later (PyYAML 6.0.4's wheels) stop flow nesting past 1,000 levels
    while scanning ahead, before convcalc's own bound is reached in the events."""
    return "maximum nesting depth" in (exc.problem or "")


def _yaml_message(exc: yaml.MarkedYAMLError, text: str) -> str:
    """PyYAML's problem and context as one sentence, naming where an unclosed construct started."""
    problem = exc.problem or "invalid YAML"
    mark = exc.problem_mark
    if mark is not None and "cannot start any token" in problem and 0 <= mark.index < len(text):
        if text[mark.index] == "\t":
            return "a tab character cannot indent YAML (indent with spaces)"
    context = exc.context or ""
    if not context:
        return problem
    if context.startswith("while"):
        start = exc.context_mark
        where = f" (started at line {start.line + 1}, column {start.column + 1})" if start is not None else ""
        return f"{problem} {context}{where}"
    return f"{context} {problem}"


def load_yaml(text: str, file: str = "<spec>") -> YNode:
    """Parse one YAML document into nodes, or raise a located SpecError (duplicate keys included)."""
    root, duplicated = load_document(text, file)
    if duplicated:
        raise duplicate_error(duplicated[0], file)
    return root


def duplicate_error(mapping: YMap, file: str, row: str = "") -> SpecError:
    assert mapping.duplicate is not None
    dup = mapping.duplicate
    return SpecError.at("duplicate-key", dup.message(), file=file, position=dup.position, row=row)


def load_document(text: str, file: str = "<spec>") -> tuple[YNode, list[YMap]]:
    """Parse one YAML document into nodes, and the mappings that repeat a key (in document order).

    Duplicate keys are left to the reader of each mapping, which knows the
    row to name; everything else wrong with the YAML is raised here.
    """
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise SpecError.at(
            "encoding",
            f"is not valid Unicode text (lone surrogate \\u{ord(text[exc.start]):04x})",
            file=file,
            position=position_at(text, exc.start),
        ) from None
    loader_class = _loader_class()
    try:
        try:
            builder = _Builder(text, file, loader_class)
            with paused_gc():
                root = builder.build()
        except yaml.MarkedYAMLError as exc:
            if loader_class is yaml.SafeLoader or not _is_libyaml_depth_limit(exc):
                raise
            # The pure-Python parser has no limit of its own, so convcalc's MAX_NESTING
            # reports the same error at the same place whatever libyaml is installed.
            builder = _Builder(text, file, yaml.SafeLoader)
            with paused_gc():
                root = builder.build()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise SpecError.at(
            "yaml", f"YAML syntax: {_yaml_message(exc, text)}", file=file, position=_mark(mark)
        ) from None
    except yaml.reader.ReaderError as exc:
        character = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "\0")
        raise SpecError.at(
            "yaml",
            f"YAML: unacceptable character #x{character:04x}: control characters are not allowed",
            file=file,
            position=position_at(text, max(exc.position, 0)),
        ) from None
    except yaml.YAMLError as exc:
        message = " ".join(str(exc).split())
        raise SpecError.at("yaml", f"YAML: {message}", file=file, position=Position(1, 1)) from None
    if root is None or (isinstance(root, YScalar) and root.value is None):
        raise SpecError.at("empty", "the file holds no YAML document", file=file, position=Position(1, 1))
    duplicated = sorted(builder.duplicated, key=lambda m: (m.duplicate.position.line, m.duplicate.position.column))  # type: ignore[union-attr]
    return root, duplicated


class _Frame:
    """An open collection while its events arrive."""

    __slots__ = ("node", "size", "key", "merges")

    def __init__(self, node: YSeq | YMap) -> None:
        self.node = node
        self.size = 1
        self.key: tuple[str, Position] | None = None  # a mapping's key waiting for its value
        self.merges: list[tuple[YNode, Position]] = []


_MERGE_PENDING = ("<<", NOWHERE)


class _Builder:
    """Parser events → YNode tree, in one flat loop (no recursion, so no depth crashes).

    PyYAML's composers recurse once per nesting level (libyaml's in C, which
    crashes the process on deep input) and keep a node and two marks per
    value; this keeps one small node with its position. On the way it refuses
    nesting deeper than :data:`MAX_NESTING`, tags other than plain values, and
    aliases that would add more than :data:`MAX_ALIAS_EXPANSION` nodes;
    duplicate keys are recorded for the reader of the mapping to report.
    """

    def __init__(self, text: str, file: str, loader_class: type) -> None:
        self.loader = loader_class(text)
        self.file = file
        self.anchors: dict[str, YNode] = {}
        self.open: set[int] = set()
        self.sizes: dict[int, int] = {}
        self.added_by_aliases = 0
        self.resolved: dict[tuple[str, Any], str] = {}
        self.values: dict[tuple[str, str], Any] = {}
        self.constructor = SafeConstructor()
        self.duplicated: list[YMap] = []

    def fail(self, code: str, message: str, mark: Any) -> SpecError:
        return SpecError.at(code, message, file=self.file, position=_mark(mark))

    def bad_tag(self, tag: str, mark: Any) -> SpecError:
        shown = tag.replace(_TAG, "!!", 1)
        return self.fail("yaml-tag", f"YAML tag {shown} is not allowed in a spec (only plain values)", mark)

    def build(self) -> YNode | None:
        loader = self.loader
        try:
            loader.get_event()  # StreamStart
            if loader.check_event(yaml.StreamEndEvent):
                return None
            document = loader.get_event()
            root = self._document()
            loader.get_event()  # DocumentEnd
            if not loader.check_event(yaml.StreamEndEvent):
                extra = loader.get_event()
                raise yaml.composer.ComposerError(
                    "expected a single document in the stream",
                    document.start_mark,
                    "but found another document",
                    extra.start_mark,
                )
            return root
        finally:
            loader.dispose()

    def _document(self) -> YNode:
        stack: list[_Frame] = []
        while True:
            event = self.loader.get_event()
            frame = stack[-1] if stack else None
            awaiting_key = frame is not None and isinstance(frame.node, YMap) and frame.key is None
            if isinstance(event, yaml.ScalarEvent):
                if awaiting_key:
                    self._key(frame, event)  # type: ignore[arg-type]
                    continue
                node: YNode = self._scalar(event)
                size = 1
            elif isinstance(event, yaml.AliasEvent):
                if awaiting_key:
                    raise self.fail("type", "mapping keys must be plain names", event.start_mark)
                node, size = self._alias(event)
            elif isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
                is_map = isinstance(event, yaml.MappingStartEvent)
                tag = event.tag
                if tag is not None and tag != "!" and tag != _TAG + ("map" if is_map else "seq"):
                    raise self.bad_tag(tag, event.start_mark)
                if awaiting_key:
                    raise self.fail("type", "mapping keys must be plain names", event.start_mark)
                if len(stack) >= MAX_NESTING:
                    raise self.fail("too-deep", f"YAML nesting is deeper than {MAX_NESTING} levels", event.start_mark)
                position = _mark(event.start_mark)
                new: YSeq | YMap = YMap({}, position) if is_map else YSeq([], position)
                if event.anchor is not None:
                    self._anchor(event, new)
                self.open.add(id(new))
                stack.append(_Frame(new))
                continue
            else:  # SequenceEnd or MappingEnd
                done = stack.pop()
                node, size = done.node, done.size
                if isinstance(node, YMap):
                    self._finish_mapping(done)
                self.open.discard(id(node))
                self.sizes[id(node)] = size
            if isinstance(event, yaml.ScalarEvent) and event.anchor is not None:
                self._anchor(event, node)
            if not stack:
                return node
            self._attach(stack[-1], node, size)

    def _attach(self, frame: _Frame, node: YNode, size: int) -> None:
        frame.size += size
        target = frame.node
        if isinstance(target, YSeq):
            target.items.append(node)
            return
        assert frame.key is not None
        name, position = frame.key
        frame.key = None
        if (name, position) == _MERGE_PENDING:
            frame.merges.append((node, target.pos))
            return
        if name in target.entries:
            if target.duplicate is None:
                target.duplicate = Duplicate(name, position, target.key_pos[name])
            return
        target.entries[name] = node
        target.key_pos[name] = position

    def _key(self, frame: _Frame, event: Any) -> None:
        tag = self._tag(event)
        frame.size += 1
        if tag == _MERGE_TAG:
            frame.key = _MERGE_PENDING
            return
        if tag not in _SCALAR_TAGS:
            raise self.bad_tag(tag, event.start_mark)
        frame.key = (str(event.value), _mark(event.start_mark))

    def _tag(self, event: Any) -> str:
        tag = event.tag
        if tag is None or tag == "!":
            key = (event.value, event.implicit)
            tag = self.resolved.get(key)
            if tag is None:
                tag = self.resolved[key] = self.loader.resolve(yaml.ScalarNode, event.value, event.implicit)
        return tag

    def _scalar(self, event: Any) -> YScalar:
        tag = self._tag(event)
        if tag not in _SCALAR_TAGS:
            raise self.bad_tag(tag, event.start_mark)
        value: Any = event.value
        if tag == _TAG + "str":
            value = str(value)
        elif tag == _TAG + "null":
            value = None
        else:
            key = (tag, value)
            if key in self.values:
                value = self.values[key]
            else:
                node = yaml.ScalarNode(tag, value)
                try:
                    if tag.endswith(":int"):
                        built = self.constructor.construct_yaml_int(node)
                    elif tag.endswith(":float"):
                        built = self.constructor.construct_yaml_float(node)
                    else:
                        built = self.constructor.construct_yaml_bool(node)
                except (ConstructorError, ValueError) as exc:
                    raise self.fail("yaml", f"bad scalar {value!r}: {exc}", event.start_mark) from None
                value = self.values[key] = built
        return YScalar(value, _mark(event.start_mark))

    def _anchor(self, event: Any, node: YNode) -> None:
        if event.anchor in self.anchors:
            raise yaml.composer.ComposerError(
                f"found duplicate anchor {event.anchor!r}; first occurrence",
                None,
                "second occurrence",
                event.start_mark,
            )
        self.anchors[event.anchor] = node

    def _alias(self, event: Any) -> tuple[YNode, int]:
        node = self.anchors.get(event.anchor)
        if node is None:
            raise yaml.composer.ComposerError(None, None, f"found undefined alias {event.anchor!r}", event.start_mark)
        if id(node) in self.open:
            raise SpecError.at(
                "yaml", "a YAML alias refers to a node that contains it", file=self.file, position=node.pos
            )
        size = self.sizes.get(id(node), 1)
        self.added_by_aliases += size
        if self.added_by_aliases > MAX_ALIAS_EXPANSION:
            raise self.fail(
                "alias-bomb",
                f"YAML aliases expand this document by more than {MAX_ALIAS_EXPANSION:,} nodes; "
                "use blocks and repeat instead",
                event.start_mark,
            )
        return node, size

    def _finish_mapping(self, frame: _Frame) -> None:
        target = frame.node
        assert isinstance(target, YMap)
        for value, _ in frame.merges:
            sources = value.items if isinstance(value, YSeq) else [value]
            if not all(isinstance(source, YMap) for source in sources):
                raise SpecError.at(
                    "type",
                    "a '<<' merge key takes a mapping or a list of mappings",
                    file=self.file,
                    position=value.pos,
                )
            for source in sources:
                for key, item in source.entries.items():  # type: ignore[union-attr]
                    if key not in target.entries:
                        target.entries[key] = item
                        target.key_pos[key] = source.position_of(key)  # type: ignore[union-attr]
        if target.duplicate is not None:
            self.duplicated.append(target)


def from_python(data: Any, depth: int = 0) -> YNode:
    """Wrap plain Python data (the API's dict input) as nodes without positions."""
    if depth > MAX_NESTING:
        raise SpecError.at("too-deep", f"nesting is deeper than {MAX_NESTING} levels")
    if isinstance(data, dict):
        entries = {}
        for key, value in data.items():
            if not isinstance(key, str):
                raise SpecError.at("type", f"mapping keys must be strings, got {key!r}")
            entries[key] = from_python(value, depth + 1)
        return YMap(entries)
    if isinstance(data, (list, tuple)):
        return YSeq([from_python(item, depth + 1) for item in data])
    if data is None or isinstance(data, (bool, int, float, str)):
        return YScalar(data)
    raise SpecError.at("type", f"unsupported value of type {type(data).__name__}: {data!r}")
