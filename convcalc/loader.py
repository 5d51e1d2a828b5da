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

from .errors import NOWHERE, Position, SpecError, shorten
from .record import FrozenRecord
from .runtime import paused_gc, position_at

MAX_ALIAS_EXPANSION = 100_000
"""Nodes that aliases may add beyond the document's own nodes."""

MAX_NESTING = 200
"""Deepest nesting of YAML collections accepted (through aliases too)."""

MAX_NUMBER_CHARS = 100
"""Longest number written in a spec, in characters (any base: hex, binary, base 60)."""

MAX_NUMBER = 10**100
"""Largest magnitude of an integer read: past it Python can neither print nor compare it quickly."""

MAX_YAML_NODES = 200_000
"""Most parser events in one YAML document (a scalar, key or alias is one, a list or mapping two):
about a second of parsing, some 30,000 rows written out; ``repeat`` and blocks describe millions."""

MAX_PYTHON_NODES = 2_000_000
"""Most distinct nodes built from the Python API's dict input (64 MiB of YAML holds about as many)."""

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


def yaml11_only(tag: str, text: str) -> bool:
    """A plain scalar read as a bool or number here (YAML 1.1) but as another value, or a
    string, by YAML 1.2 tools: yes/no/on/off/y/n, 1_024, sexagesimal 1:30, octal 017, 0b101."""
    kind = tag[len(_TAG) :]
    if kind == "bool":
        return text.lower() not in ("true", "false")
    if kind in ("int", "float"):
        body = text.lstrip("+-")
        if "_" in body or ":" in body or body.startswith(("0b", "0B")):
            return True
        return kind == "int" and len(body) > 1 and body[0] == "0" and body[1].isdigit()
    return False


def load_document(
    text: str, file: str = "<spec>", yaml11: list[tuple[Position, str, Any]] | None = None
) -> tuple[YNode, list[YMap]]:
    """Parse one YAML document into nodes, and the mappings that repeat a key (in document order).
    ``yaml11``, when given, receives the plain scalars only YAML 1.1 reads as they are read here.

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
    if yaml11 is not None:
        yaml11 += builder.yaml11
    duplicated = sorted(builder.duplicated, key=lambda m: (m.duplicate.position.line, m.duplicate.position.column))  # type: ignore[union-attr]
    return root, duplicated


class _Frame:
    """An open collection while its events arrive."""

    __slots__ = ("node", "size", "height", "key", "merges")

    def __init__(self, node: YSeq | YMap) -> None:
        self.node = node
        self.size = 1
        self.height = 1
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
        self.heights: dict[int, int] = {}
        self.added_by_aliases = 0
        self.nodes = 0
        self.resolved: dict[tuple[str, Any], str] = {}
        self.values: dict[tuple[str, str], Any] = {}
        self.constructor = SafeConstructor()
        self.duplicated: list[YMap] = []
        self.yaml11: list[tuple[Position, str, Any]] = []
        """Plain scalars only YAML 1.1 reads as they are read here: position, text, value."""

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
            self.nodes += 1
            if self.nodes > MAX_YAML_NODES:
                raise self.fail(
                    "too-large",
                    f"the document holds more than {MAX_YAML_NODES:,} YAML values; describe long stacks "
                    "with repeat and blocks",
                    event.start_mark,
                )
            frame = stack[-1] if stack else None
            awaiting_key = frame is not None and isinstance(frame.node, YMap) and frame.key is None
            if isinstance(event, yaml.ScalarEvent):
                if awaiting_key:
                    self._key(frame, event)  # type: ignore[arg-type]
                    continue
                node: YNode = self._scalar(event)
                size, height = 1, 0
            elif isinstance(event, yaml.AliasEvent):
                if awaiting_key:
                    raise self.fail("type", "mapping keys must be plain names", event.start_mark)
                node, size, height = self._alias(event, len(stack))
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
                node, size, height = done.node, done.size, done.height
                if isinstance(node, YMap):
                    self._finish_mapping(done)
                self.open.discard(id(node))
                self.sizes[id(node)] = size
                self.heights[id(node)] = height
            if isinstance(event, yaml.ScalarEvent) and event.anchor is not None:
                self._anchor(event, node)
            if not stack:
                return node
            self._attach(stack[-1], node, size, height)

    def _attach(self, frame: _Frame, node: YNode, size: int, height: int) -> None:
        frame.size += size
        if height >= frame.height:
            frame.height = height + 1
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
            text = value
            key = (tag, value)
            if key in self.values:
                value = self.values[key]
            else:
                value = self.values[key] = self._construct(tag, value, event.start_mark)
            if event.implicit[0] and len(self.yaml11) < 50 and yaml11_only(tag, text):
                self.yaml11.append((_mark(event.start_mark), text, value))
        return YScalar(value, _mark(event.start_mark))

    def _construct(self, tag: str, text: str, mark: Any) -> Any:
        """A bool, int or float from its text, bounded before any conversion; every failure located."""
        kind = tag[len(_TAG) :]
        if kind != "bool" and len(text) > MAX_NUMBER_CHARS:
            raise self.fail(
                "value",
                f"a number of {len(text):,} characters ({shorten(text, 40)!r}); a spec's numbers have at most "
                f"{MAX_NUMBER_CHARS}",
                mark,
            )
        node = yaml.ScalarNode(tag, text)
        try:
            if kind == "int":
                built = self.constructor.construct_yaml_int(node)
            elif kind == "float":
                built = self.constructor.construct_yaml_float(node)
            else:
                built = self.constructor.construct_yaml_bool(node)
        except (ConstructorError, ValueError, KeyError, IndexError, TypeError):
            expected = {"bool": "true or false", "int": "an integer", "float": "a number"}[kind]
            raise self.fail("yaml", f"!!{kind} {shorten(text, 40)!r} is not {expected}", mark) from None
        if kind == "int" and not -MAX_NUMBER < built < MAX_NUMBER:
            raise self.fail("value", f"the integer {shorten(text, 40)} is too large (10^100 or more)", mark)
        return built

    def _anchor(self, event: Any, node: YNode) -> None:
        if event.anchor in self.anchors:
            raise yaml.composer.ComposerError(
                f"found duplicate anchor {event.anchor!r}; first occurrence",
                None,
                "second occurrence",
                event.start_mark,
            )
        self.anchors[event.anchor] = node

    def _alias(self, event: Any, depth: int) -> tuple[YNode, int, int]:
        node = self.anchors.get(event.anchor)
        if node is None:
            raise yaml.composer.ComposerError(None, None, f"found undefined alias {event.anchor!r}", event.start_mark)
        if id(node) in self.open:
            raise SpecError.at(
                "yaml", "a YAML alias refers to a node that contains it", file=self.file, position=node.pos
            )
        size = self.sizes.get(id(node), 1)
        height = self.heights.get(id(node), 0)
        if depth + height > MAX_NESTING:
            raise self.fail(
                "too-deep", f"YAML aliases nest this document deeper than {MAX_NESTING} levels", event.start_mark
            )
        self.added_by_aliases += size
        if self.added_by_aliases > MAX_ALIAS_EXPANSION:
            raise self.fail(
                "alias-bomb",
                f"YAML aliases expand this document by more than {MAX_ALIAS_EXPANSION:,} nodes; "
                "use blocks and repeat instead",
                event.start_mark,
            )
        return node, size, height

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


def from_python(data: Any, file: str = "<dict>") -> YNode:
    """Wrap plain Python data (the API's dict input) as nodes without positions.

    Bounded as YAML is: nesting (:data:`MAX_NESTING`), numbers
    (:data:`MAX_NUMBER`), distinct nodes (:data:`MAX_PYTHON_NODES`), and a
    list or dict used in several places counts as YAML aliases do
    (:data:`MAX_ALIAS_EXPANSION`), so shared sub-lists cannot expand
    exponentially. A container that contains itself is refused.
    """
    return _PythonBuilder(file).build(data, 0)


def _python_shown(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool) and not -MAX_NUMBER < value < MAX_NUMBER:
        return f"an integer of {value.bit_length():,} bits"
    if isinstance(value, (str, int, float, bool)) or value is None:
        return shorten(repr(value), 60)
    return f"a {type(value).__name__}"


class _PythonBuilder:
    def __init__(self, file: str) -> None:
        self.file = file
        self.built: dict[int, tuple[YNode, int, int]] = {}  # id → node, size, height
        self.open: set[int] = set()
        self.nodes = 0
        self.added_by_sharing = 0
        self.keep: list[Any] = []  # keeps ids valid while building

    def build(self, data: Any, depth: int) -> YNode:
        return self._node(data, depth)[0]

    def _count(self) -> None:
        self.nodes += 1
        if self.nodes > MAX_PYTHON_NODES:
            raise SpecError.at("too-large", f"the data holds more than {MAX_PYTHON_NODES:,} values", file=self.file)

    def _node(self, data: Any, depth: int) -> tuple[YNode, int, int]:
        if data is None or isinstance(data, (bool, float, str)):
            self._count()
            return YScalar(data), 1, 0
        if isinstance(data, int):
            if not -MAX_NUMBER < data < MAX_NUMBER:
                raise SpecError.at("value", f"{_python_shown(data)} is too large (10^100 or more)", file=self.file)
            self._count()
            return YScalar(int(data)), 1, 0
        if not isinstance(data, (dict, list, tuple)):
            raise SpecError.at("type", f"unsupported value of type {type(data).__name__}", file=self.file)
        key = id(data)
        if key in self.open:
            raise SpecError.at("yaml", f"a {type(data).__name__} contains itself", file=self.file)
        if key in self.built:
            node, size, height = self.built[key]
            if depth + height > MAX_NESTING:
                raise SpecError.at("too-deep", f"nesting is deeper than {MAX_NESTING} levels", file=self.file)
            self.added_by_sharing += size
            if self.added_by_sharing > MAX_ALIAS_EXPANSION:
                raise SpecError.at(
                    "alias-bomb",
                    f"lists and dicts used in several places expand this data by more than "
                    f"{MAX_ALIAS_EXPANSION:,} values",
                    file=self.file,
                )
            return node, size, height
        if depth > MAX_NESTING:
            raise SpecError.at("too-deep", f"nesting is deeper than {MAX_NESTING} levels", file=self.file)
        self._count()
        self.open.add(key)
        self.keep.append(data)
        size, height = 1, 1
        if isinstance(data, dict):
            entries = {}
            for name, value in data.items():
                if not isinstance(name, str):
                    shown = _python_shown(name)
                    raise SpecError.at("type", f"mapping keys must be strings, got {shown}", file=self.file)
                child, child_size, child_height = self._node(value, depth + 1)
                entries[name] = child
                size += child_size
                height = max(height, child_height + 1)
            node: YNode = YMap(entries)
        else:
            items = []
            for value in data:
                child, child_size, child_height = self._node(value, depth + 1)
                items.append(child)
                size += child_size
                height = max(height, child_height + 1)
            node = YSeq(items)
        self.open.discard(key)
        self.built[key] = (node, size, height)
        return node, size, height
