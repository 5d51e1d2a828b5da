"""Read YAML (or Python data) into position-carrying nodes.

PyYAML's ``compose`` gives a node graph with marks but builds no Python
objects, so nothing in a spec ever executes. We convert that graph once into
:class:`YMap` / :class:`YSeq` / :class:`YScalar`, which keep their 1-based
line and column, report duplicate keys (PyYAML keeps the last silently),
refuse tags other than YAML's plain types, and refuse alias graphs that
expand past a bound ("billion laughs").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Union

import yaml
import yaml.reader
from yaml.constructor import ConstructorError, SafeConstructor

from .errors import NOWHERE, Position, SpecError

MAX_ALIAS_EXPANSION = 100_000
"""Nodes that aliases may add beyond the document's own nodes."""

MAX_NESTING = 200
"""Deepest nesting of YAML collections accepted."""

_TAG = "tag:yaml.org,2002:"
_SCALAR_TAGS = {_TAG + t for t in ("null", "bool", "int", "float", "str")}
_MERGE_TAG = _TAG + "merge"


@dataclass(slots=True, eq=False)
class YScalar:
    value: Any
    pos: Position = NOWHERE


@dataclass(slots=True, eq=False)
class YSeq:
    items: list[YNode]
    pos: Position = NOWHERE


@dataclass(frozen=True, slots=True)
class Duplicate:
    """A key written twice in one mapping: reported by whoever reads the mapping, naming its row."""

    key: str
    position: Position
    first: Position

    def message(self) -> str:
        return f"duplicate key {self.key!r} (first at line {self.first.line}); YAML would silently keep the last"


@dataclass(slots=True, eq=False)
class YMap:
    entries: dict[str, YNode]
    pos: Position = NOWHERE
    key_pos: dict[str, Position] = field(default_factory=dict)
    duplicate: Duplicate | None = None

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


_C_LOADER_SAFE_DEPTH = 5000


def _loader_class(text: str) -> type:
    """libyaml's loader when present and provably safe, else PyYAML's own.

    libyaml's composer recurses in C and crashes the process on deeply nested
    input, so it only gets texts whose nesting cannot exceed a safe bound:
    block nesting needs one more column per level (so it is below the longest
    line's length) and flow nesting one bracket per level.
    """
    c_loader = getattr(yaml, "CSafeLoader", None)
    if c_loader is None:
        return yaml.SafeLoader
    longest_line = max((len(line) for line in text.splitlines()), default=0)
    bound = longest_line + text.count("[") + text.count("{")
    return c_loader if bound <= _C_LOADER_SAFE_DEPTH else yaml.SafeLoader


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
        line = text.count("\n", 0, exc.start) + 1
        column = exc.start - (text.rfind("\n", 0, exc.start) + 1) + 1
        raise SpecError.at(
            "encoding",
            f"is not valid Unicode text (lone surrogate \\u{ord(text[exc.start]):04x})",
            file=file,
            position=Position(line, column),
        ) from None
    try:
        root = yaml.compose(text, Loader=_loader_class(text))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise SpecError.at(
            "yaml", f"YAML syntax: {_yaml_message(exc, text)}", file=file, position=_mark(mark)
        ) from None
    except yaml.reader.ReaderError as exc:
        index = max(exc.position, 0)
        line = text.count("\n", 0, index) + 1
        column = index - (text.rfind("\n", 0, index) + 1) + 1
        character = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "\0")
        raise SpecError.at(
            "yaml",
            f"YAML: unacceptable character #x{character:04x}: control characters are not allowed",
            file=file,
            position=Position(line, column),
        ) from None
    except yaml.YAMLError as exc:
        message = " ".join(str(exc).split())
        raise SpecError.at("yaml", f"YAML: {message}", file=file, position=Position(1, 1)) from None
    except RecursionError:
        raise SpecError.at("too-deep", "YAML nesting is too deep", file=file, position=Position(1, 1)) from None
    if root is None or (isinstance(root, yaml.ScalarNode) and root.tag == _TAG + "null" and not root.value):
        raise SpecError.at("empty", "the file holds no YAML document", file=file, position=Position(1, 1))
    converter = _Converter(file)
    node = converter.convert(root)
    duplicated = sorted(converter.duplicated, key=lambda m: (m.duplicate.position.line, m.duplicate.position.column))  # type: ignore[union-attr]
    return node, duplicated


class _Converter:
    """YAML node graph → YNode tree, shared sub-graphs kept shared (memoized)."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.done: dict[int, YNode] = {}
        self.active: set[int] = set()
        self.sizes: dict[int, int] = {}
        self.constructor = SafeConstructor()
        self.duplicated: list[YMap] = []

    def bad_tag(self, node: Any) -> SpecError:
        shown = node.tag.replace(_TAG, "!!", 1)
        return self.fail("yaml-tag", f"YAML tag {shown} is not allowed in a spec (only plain values)", node)

    def fail(self, code: str, message: str, node: Any) -> SpecError:
        return SpecError.at(code, message, file=self.file, position=_mark(node.start_mark))

    def convert(self, root: Any) -> YNode:
        self._check_expansion(root)
        return self._convert(root, 0)

    def _check_expansion(self, root: Any) -> None:
        distinct: set[int] = set()
        expanded = self._expanded_size(root, distinct, 0)
        if expanded - len(distinct) > MAX_ALIAS_EXPANSION:
            raise self.fail(
                "alias-bomb",
                f"YAML aliases expand this document to {expanded:,} nodes "
                f"(more than {MAX_ALIAS_EXPANSION:,} beyond its own {len(distinct):,}); "
                "use blocks and repeat instead",
                root,
            )

    def _expanded_size(self, node: Any, distinct: set[int], depth: int) -> int:
        key = id(node)
        if key in self.sizes:
            return self.sizes[key]
        if key in self.active:
            raise self.fail("yaml", "a YAML alias refers to a node that contains it", node)
        if depth > MAX_NESTING:
            raise self.fail("too-deep", f"YAML nesting is deeper than {MAX_NESTING} levels", node)
        distinct.add(key)
        self.active.add(key)
        size = 1
        if isinstance(node, yaml.SequenceNode):
            for item in node.value:
                size += self._expanded_size(item, distinct, depth + 1)
        elif isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                size += self._expanded_size(k, distinct, depth + 1) + self._expanded_size(v, distinct, depth + 1)
        self.active.discard(key)
        self.sizes[key] = size
        return size

    def _convert(self, node: Any, depth: int) -> YNode:
        key = id(node)
        if key in self.done:
            return self.done[key]
        if isinstance(node, yaml.ScalarNode):
            result: YNode = YScalar(self._scalar(node), _mark(node.start_mark))
        elif isinstance(node, yaml.SequenceNode):
            self._check_tag(node, _TAG + "seq")
            result = YSeq([self._convert(item, depth + 1) for item in node.value], _mark(node.start_mark))
        else:
            self._check_tag(node, _TAG + "map")
            result = self._mapping(node, depth)
        self.done[key] = result
        return result

    def _check_tag(self, node: Any, expected: str) -> None:
        if node.tag != expected:
            raise self.bad_tag(node)

    def _scalar(self, node: Any) -> Any:
        tag = node.tag
        if tag not in _SCALAR_TAGS:
            raise self.bad_tag(node)
        try:
            if tag.endswith(":int"):
                return self.constructor.construct_yaml_int(node)
            if tag.endswith(":float"):
                return self.constructor.construct_yaml_float(node)
            if tag.endswith(":bool"):
                return self.constructor.construct_yaml_bool(node)
            if tag.endswith(":null"):
                return None
        except (ConstructorError, ValueError) as exc:
            raise self.fail("yaml", f"bad scalar {node.value!r}: {exc}", node) from None
        return str(node.value)

    def _mapping(self, node: Any, depth: int) -> YMap:
        entries: dict[str, YNode] = {}
        key_pos: dict[str, Position] = {}
        merged: dict[str, tuple[YNode, Position]] = {}
        duplicate: Duplicate | None = None
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                if key_node.tag not in (_TAG + "seq", _TAG + "map"):
                    raise self.bad_tag(key_node)
                raise self.fail("type", "mapping keys must be plain names", key_node)
            if key_node.tag == _MERGE_TAG:
                for source in self._merge_sources(value_node, depth):
                    for k, v in source.entries.items():
                        merged.setdefault(k, (v, source.position_of(k)))
                continue
            if key_node.tag not in _SCALAR_TAGS:
                raise self.bad_tag(key_node)
            name = str(key_node.value)
            if name in entries:
                if duplicate is None:
                    duplicate = Duplicate(name, _mark(key_node.start_mark), key_pos[name])
                continue
            entries[name] = self._convert(value_node, depth + 1)
            key_pos[name] = _mark(key_node.start_mark)
        for k, (v, pos) in merged.items():
            if k not in entries:
                entries[k] = v
                key_pos[k] = pos
        result = YMap(entries, _mark(node.start_mark), key_pos, duplicate)
        if duplicate is not None:
            self.duplicated.append(result)
        return result

    def _merge_sources(self, value_node: Any, depth: int) -> list[YMap]:
        converted = self._convert(value_node, depth + 1)
        sources = converted.items if isinstance(converted, YSeq) else [converted]
        if not all(isinstance(s, YMap) for s in sources):
            raise self.fail("type", "a '<<' merge key takes a mapping or a list of mappings", value_node)
        return sources  # type: ignore[return-value]


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
