"""A spec file's top level: format version, input, dtype, budget, blocks, layers.

Turns the node tree from :mod:`convcalc.loader` into a :class:`Spec`. The
layer lists stay as nodes: the graph reader (:mod:`convcalc.reader`) reads them,
because what an entry means can depend on block parameters.
"""

from __future__ import annotations

import os
import re
from typing import Any

from .args import MAX_INT, describe, is_int, suggest, yaml_text
from .errors import NOWHERE, Diagnostic, Position, SpecError
from .layers import RULES
from .loader import YMap, YNode, YScalar, YSeq, duplicate_error, from_python, load_document, plain
from .record import Record
from .runtime import paused_gc
from .optimizers import OPTIMIZER_STATES
from .units import parse_quantity

FORMAT_VERSION = 1
"""Largest spec file read (a 100,000-row spec is about 5 MB)."""
TOP_LEVEL_KEYS = (
    "convcalc",
    "name",
    "description",
    "input",
    "inputs",
    "outputs",
    "dtype",
    "budget",
    "blocks",
    "layers",
)
DTYPE_BYTES = {"float32": 4, "float16": 2, "bfloat16": 2, "int8": 1, "float64": 8}
COMPOSITES = ("sequence", "parallel", "residual")
COMMON_KEYS = ("name", "repeat", "trainable", "if", "from", "share", "ignore")
BLOCK_KEYS = ("params", "layers", "description", "inputs", "output")
BUDGET_KEYS = {
    "params": "count",
    "trainable_params": "count",
    "macs": "count",
    "flops": "count",
    "activations": "count",
    "memory": "bytes",
    "peak_memory": "bytes",
    "output": "shape",
    "backward_macs": "count",
    "training_memory": "bytes",
    "batch": "batch",
    "optimizer": "optimizer",
}
OPTIMIZERS = tuple(OPTIMIZER_STATES)
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class BlockDef(Record):
    """A user-defined layer type. ``params``: each parameter's default, ``None`` for a required one;
    ``inputs``: the names of its inputs; ``output``: the row giving its output (None: the last)."""

    __slots__ = ("name", "params", "layers", "position", "inputs", "output")

    def __init__(
        self,
        name: str,
        params: dict[str, YNode | None],
        layers: YSeq,
        position: Position,
        inputs: tuple[str, ...] = ("input",),
        output: YNode | None = None,
    ) -> None:
        self.name = name
        self.params = params
        self.layers = layers
        self.position = position
        self.inputs = inputs
        self.output = output


class Budget(Record):
    """A spec's budget: the limits by key, and where each is written."""

    __slots__ = ("limits", "positions")

    def __init__(self, limits: dict[str, Any], positions: dict[str, Position]) -> None:
        self.limits = limits
        self.positions = positions


class Spec(Record):
    """A spec's top level, read; its layer lists stay nodes. ``duplicated``: mappings
    with a repeated key, reported with their row by the reader."""

    __slots__ = (
        "file",
        "name",
        "description",
        "input_shape",
        "dtype",
        "layers",
        "blocks",
        "budget",
        "position",
        "duplicated",
        "inputs",
        "outputs",
        "line_ignores",
        "warnings",
    )

    def __init__(
        self,
        file: str,
        name: str,
        description: str,
        input_shape: tuple[int, ...],
        dtype: str,
        layers: YSeq,
        blocks: dict[str, BlockDef] | None = None,
        budget: Budget | None = None,
        position: Position = NOWHERE,
        duplicated: list[YMap] | None = None,
        inputs: list[tuple[str, tuple[int, ...], Position]] | None = None,
        outputs: list[YNode] | None = None,
    ) -> None:
        self.file = file
        self.name = name
        self.description = description
        self.input_shape = input_shape
        self.dtype = dtype
        self.layers = layers
        self.blocks = blocks if blocks is not None else {}
        self.budget = budget
        self.position = position
        self.duplicated = duplicated if duplicated is not None else []
        self.inputs = inputs if inputs is not None else [("input", input_shape, position)]
        """The network's inputs: name, shape, where written."""
        self.outputs = outputs if outputs is not None else []
        """The ``outputs:`` references as written (empty: the last top-level entry)."""
        self.warnings: list[Diagnostic] = []
        """The top level's own warnings (``layout``), shown on the first row."""
        self.line_ignores: dict[int, frozenset[str]] = {}
        """Line → codes an inline ``# convcalc: ignore[...]`` comment silences there."""

    @property
    def dtype_bytes(self) -> int:
        return DTYPE_BYTES[self.dtype]


LAYOUTS = {"chw": False, "hwc": True, "cl": False, "lc": True, "cdhw": False, "dhwc": True}
"""Input layouts: True where the channels come last (read as written, stored channels first)."""


def layout_warning(shape: tuple[int, ...]) -> str:
    """The ``layout`` warning for a bare list that reads like channels last, [224, 224, 3]: both readings."""
    if len(shape) < 3 or shape[-1] not in (1, 3, 4) or shape[0] < 8 * shape[-1]:
        return ""
    written = ", ".join(map(str, shape))
    first = f"{shape[0]} channels of {'×'.join(map(str, shape[1:]))}"
    last = f"{'×'.join(map(str, shape[:-1]))} with {shape[-1]} channel{'s' if shape[-1] > 1 else ''}"
    return (
        f"input [{written}] is read channels first, as {first}; if it is {last} (channels last, "
        f"as Keras writes it), write input: {{shape: [{written}], layout: hwc}}; "
        f"layout: chw keeps this reading and silences this warning"
    )


class _Reader:
    def __init__(self, file: str) -> None:
        self.file = file
        self.warnings: list[Diagnostic] = []

    def error(self, code: str, message: str, node: YNode | Position | None = None, hint: str = "") -> SpecError:
        position = node if isinstance(node, Position) else node.pos if node is not None else NOWHERE
        if hint:
            message = f"{message} ({hint})"
        return SpecError.at(code, message, file=self.file, position=position, hint=hint)

    def unique(self, node: YNode | None) -> None:
        """Report a repeated key in a mapping read here (no row to name at the top level)."""
        if isinstance(node, YMap) and node.duplicate is not None:
            raise duplicate_error(node, self.file)

    def read(self, root: YNode) -> Spec:
        self.unique(root)
        for key in ("input", "budget", "blocks"):
            self.unique(root.entries.get(key) if isinstance(root, YMap) else None)
        if not isinstance(root, YMap):
            raise self.error("type", f"a spec is a mapping with a 'layers' list, got {describe(plain(root))}", root)
        for key in root.entries:
            if key not in TOP_LEVEL_KEYS:
                raise self.error(
                    "unknown-key",
                    f"unknown top-level key {key!r}",
                    root.position_of(key),
                    suggest(key, TOP_LEVEL_KEYS) or f"valid: {', '.join(TOP_LEVEL_KEYS)}",
                )
        self._version(root)
        if "input" in root.entries and "inputs" in root.entries:
            raise self.error(
                "inputs",
                "'input' and 'inputs' together: write one input as 'input', several as 'inputs'",
                root.position_of("inputs"),
            )
        for key in ("input", "layers"):
            if key not in root.entries and not (key == "input" and "inputs" in root.entries):
                raise self.error("missing-key", f"a spec needs {key!r}", root)
        layers = root.entries["layers"]
        if not isinstance(layers, YSeq):
            raise self.error("type", f"'layers' must be a list, got {describe(plain(layers))}", layers)
        if "inputs" in root.entries:
            inputs = self._inputs(root.entries["inputs"])
        else:
            inputs = [("input", self._input(root.entries["input"]), root.entries["input"].pos)]
        spec = Spec(
            file=self.file,
            name=self._text(root, "name") or _stem(self.file),
            description=self._text(root, "description"),
            input_shape=inputs[0][1],
            dtype=self._dtype(root),
            layers=layers,
            blocks=self._blocks(root.entries.get("blocks")),
            budget=self._budget(root.entries.get("budget")),
            position=root.pos,
            inputs=inputs,
            outputs=self._outputs(root.entries.get("outputs")),
        )
        spec.warnings = self.warnings
        return spec

    def _inputs(self, node: YNode) -> list[tuple[str, tuple[int, ...], Position]]:
        self.unique(node)
        if not isinstance(node, YMap) or not node.entries:
            raise self.error(
                "type",
                f"inputs must map names to shapes, such as {{image: [3, 224, 224]}}, got {describe(plain(node))}",
                node,
            )
        inputs = []
        for name, shape in node.entries.items():
            where = node.position_of(name)
            if not _IDENTIFIER.match(name):
                raise self.error("inputs", f"input name {name!r} is not a plain name", where)
            self.unique(shape)
            inputs.append((name, self._input(shape), where))
        return inputs

    def _outputs(self, node: YNode | None) -> list[YNode]:
        if node is None or (isinstance(node, YScalar) and node.value is None):
            return []
        items = node.items if isinstance(node, YSeq) else [node]
        if not items:
            raise self.error("value", "outputs must name at least one row", node)
        for item in items:
            value = plain(item)
            if not isinstance(value, str) or not value:
                raise self.error("type", f"outputs must be a list of row names, got {describe(value)}", item)
        return items

    def _version(self, root: YMap) -> None:
        node = root.entries.get("convcalc")
        if node is None:
            return
        value = plain(node)
        if not is_int(value) or value != FORMAT_VERSION:
            raise self.error(
                "format-version",
                f"unknown spec format version {yaml_text(value)}: this convcalc reads format {FORMAT_VERSION}",
                node,
            )

    def _text(self, root: YMap, key: str) -> str:
        node = root.entries.get(key)
        if node is None or (isinstance(node, YScalar) and node.value is None):
            return ""
        value = plain(node)
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            raise self.error("type", f"{key!r} must be text, got {describe(value)}", node)
        return str(value)

    def _dtype(self, root: YMap) -> str:
        node = root.entries.get("dtype")
        if node is None:
            return "float32"
        value = plain(node)
        if not isinstance(value, str) or value not in DTYPE_BYTES:
            raise self.error(
                "value",
                f"dtype must be one of {', '.join(DTYPE_BYTES)}, got {describe(value)}",
                node,
                suggest(value, DTYPE_BYTES),
            )
        return value

    def _count(self, node: YNode, what: str) -> int:
        value = plain(node)
        if not is_int(value):
            raise self.error("type", f"{what} must be a positive integer, got {describe(value)}", node)
        if value < 1:
            raise self.error("value", f"{what} must be a positive integer, got {value}", node)
        if value > MAX_INT:
            raise self.error("value", f"{what} is too large ({value:,} > {MAX_INT:,})", node)
        return value

    def _input(self, node: YNode) -> tuple[int, ...]:
        if isinstance(node, YSeq):
            shape = self._shape(node)
            warning = layout_warning(shape)
            if warning:
                self.warnings.append(Diagnostic("warning", "layout", warning, self.file, node.pos, "input"))
            return shape
        if not isinstance(node, YMap):
            raise self.error(
                "type", f"input must be {{channels: C, size: N}} or [C, H, W], got {describe(plain(node))}", node
            )
        if "shape" in node.entries or "layout" in node.entries:
            return self._laid_out(node)
        for key in node.entries:
            if key not in ("channels", "size"):
                raise self.error(
                    "unknown-key",
                    f"unknown input key {key!r}",
                    node.position_of(key),
                    suggest(key, ("channels", "size")),
                )
        for key in ("channels", "size"):
            if key not in node.entries:
                raise self.error("missing-key", f"input needs {key!r}", node)
        channels = self._count(node.entries["channels"], "input channels")
        size = node.entries["size"]
        if isinstance(size, YSeq):
            if not 1 <= len(size.items) <= 3:
                raise self.error("value", f"input size has 1, 2 or 3 dimensions, got {len(size.items)}", size)
            return (channels, *(self._count(item, "input size") for item in size.items))
        n = self._count(size, "input size")
        return (channels, n, n)

    def _shape(self, node: YSeq) -> tuple[int, ...]:
        if not 2 <= len(node.items) <= 4:
            raise self.error(
                "value",
                f"input as a list is [C, L], [C, H, W] or [C, D, H, W], got {len(node.items)} numbers",
                node,
            )
        return tuple(self._count(item, "every input dimension") for item in node.items)

    def _laid_out(self, node: YMap) -> tuple[int, ...]:
        """``{shape: [224, 224, 3], layout: hwc}``: stored channels first, (3, 224, 224)."""
        for key in node.entries:
            if key not in ("shape", "layout"):
                raise self.error(
                    "unknown-key", f"unknown input key {key!r} (with shape: layout)", node.position_of(key)
                )
        if "shape" not in node.entries:
            raise self.error("missing-key", "input needs 'shape' with 'layout', such as [224, 224, 3]", node)
        shape_node = node.entries["shape"]
        if not isinstance(shape_node, YSeq):
            raise self.error("type", f"input shape must be a list, got {describe(plain(shape_node))}", shape_node)
        shape = self._shape(shape_node)
        layout_node = node.entries.get("layout")
        layout = "chw" if layout_node is None else plain(layout_node)
        if not isinstance(layout, str) or layout.lower() not in LAYOUTS:
            raise self.error(
                "value",
                f"input layout is one of {', '.join(LAYOUTS)}, got {describe(layout)}",
                layout_node or node,
                suggest(layout, LAYOUTS),
            )
        layout = layout.lower()
        if len(layout) != len(shape) and layout not in ("chw", "hwc"):
            raise self.error(
                "value", f"layout {layout} names {len(layout)} dimensions, the shape has {len(shape)}", layout_node
            )
        return (shape[-1], *shape[:-1]) if LAYOUTS[layout] else shape

    def _blocks(self, node: YNode | None) -> dict[str, BlockDef]:
        if node is None or (isinstance(node, YScalar) and node.value is None):
            return {}
        if not isinstance(node, YMap):
            raise self.error("type", "blocks must be a mapping of block names to definitions", node)
        blocks = {}
        for name, body in node.entries.items():
            blocks[name] = self._block(name, body, node.position_of(name))
        return blocks

    def _block(self, name: str, body: YNode, position: Position) -> BlockDef:
        if name in RULES or name in COMPOSITES:
            raise self.error("block-name", f"block name {name!r} is a built-in layer type", position)
        if "/" in name or not name:
            raise self.error("block-name", f"block name {name!r} must be non-empty and contain no '/'", position)
        if not isinstance(body, YMap):
            raise self.error("type", f"block {name!r} must be a mapping with 'layers' (and 'params')", body)
        self.unique(body)
        self.unique(body.entries.get("params"))
        for key in body.entries:
            if key not in BLOCK_KEYS:
                raise self.error(
                    "unknown-key",
                    f"unknown key {key!r} in block {name!r}",
                    body.position_of(key),
                    suggest(key, BLOCK_KEYS),
                )
        layers = body.entries.get("layers")
        if not isinstance(layers, YSeq):
            raise self.error("missing-key" if layers is None else "type", f"block {name!r} needs a 'layers' list", body)
        params: dict[str, YNode | None] = {}
        declared = body.entries.get("params")
        if declared is not None and not (isinstance(declared, YScalar) and declared.value is None):
            if not isinstance(declared, YMap):
                raise self.error("type", f"params of block {name!r} must be a mapping of names to defaults", declared)
            for param, default in declared.entries.items():
                where = declared.position_of(param)
                if param in COMMON_KEYS:
                    raise self.error("block-param", f"block {name!r}: {param!r} is reserved for every entry", where)
                if not _IDENTIFIER.match(param):
                    raise self.error("block-param", f"block {name!r}: parameter {param!r} is not a plain name", where)
                is_required = isinstance(default, YScalar) and default.value is None
                params[param] = None if is_required else default
        output = body.entries.get("output")
        if output is not None and (not isinstance(plain(output), str) or not plain(output)):
            shown = describe(plain(output))
            raise self.error("type", f"output of block {name!r} must be a row name, got {shown}", output)
        return BlockDef(name, params, layers, position, self._block_inputs(name, body.entries.get("inputs")), output)

    def _block_inputs(self, name: str, node: YNode | None) -> tuple[str, ...]:
        if node is None:
            return ("input",)
        names = plain(node)
        if not isinstance(names, list) or not names:
            raise self.error("type", f"inputs of block {name!r} must be a list of names, got {describe(names)}", node)
        for item, value in zip(node.items, names):  # type: ignore[union-attr]
            if not isinstance(value, str) or not _IDENTIFIER.match(value):
                raise self.error("block-param", f"block {name!r}: input {describe(value)} is not a plain name", item)
        if len(set(names)) != len(names):
            raise self.error("block-param", f"block {name!r}: an input name is given twice", node)
        return tuple(names)

    def _budget(self, node: YNode | None) -> Budget | None:
        if node is None or (isinstance(node, YScalar) and node.value is None):
            return None
        if not isinstance(node, YMap):
            raise self.error("type", "budget must be a mapping such as {params: 25.6M, macs: 4.1G}", node)
        limits: dict[str, Any] = {}
        positions: dict[str, Position] = {}
        for key, value in node.entries.items():
            where = node.position_of(key)
            if key not in BUDGET_KEYS:
                raise self.error("unknown-key", f"unknown budget key {key!r}", where, suggest(key, BUDGET_KEYS))
            raw = plain(value)
            if raw is None:
                raise self.error("value", f"budget {key} needs a value, such as 25.6M", value)
            if BUDGET_KEYS[key] == "batch":
                if not is_int(raw) or raw < 1:
                    raise self.error("value", f"budget batch must be a positive integer, got {describe(raw)}", value)
                limits[key] = raw
            elif BUDGET_KEYS[key] == "optimizer":
                if raw not in OPTIMIZERS:
                    raise self.error(
                        "value",
                        f"budget optimizer must be one of {', '.join(OPTIMIZERS)}, got {describe(raw)}",
                        value,
                        suggest(str(raw), OPTIMIZERS),
                    )
                limits[key] = raw
            elif BUDGET_KEYS[key] == "shape":
                items = raw if isinstance(raw, list) else [raw]
                if not items or not all(is_int(v) and v >= 1 for v in items):
                    raise self.error(
                        "type", f"budget output must be a shape such as [1000], got {describe(raw)}", value
                    )
                limits[key] = tuple(items)
            else:
                try:
                    limits[key] = parse_quantity(raw, BUDGET_KEYS[key])
                except ValueError as exc:
                    raise self.error("value", f"budget {key}: {exc}", value) from None
            positions[key] = where
        return Budget(limits, positions)


def read_spec(root: YNode, file: str = "<spec>", duplicated: list[YMap] | None = None) -> Spec:
    spec = _Reader(file).read(root)
    spec.duplicated = list(duplicated or [])
    return spec


def load_text(text: str, file: str = "<spec>") -> Spec:
    from .lint import inline_ignores

    yaml11: list[tuple[Position, str, Any]] = []
    root, duplicated = load_document(text, file, yaml11)
    spec = read_spec(root, file, duplicated)
    spec.line_ignores = inline_ignores(text)
    spec.warnings += [yaml11_note(position, written, value, file) for position, written, value in yaml11[:MAX_NOTES]]
    return spec


MAX_NOTES = 50
"""Most yaml-1.1 notes one spec gets."""


def yaml11_note(position: Position, written: str, value: Any, file: str) -> Diagnostic:
    """A note suggesting the portable spelling of a YAML 1.1-only value."""
    portable = ("true" if value else "false") if isinstance(value, bool) else repr(value)
    message = (
        f"{written!r} is read as {portable} here (YAML 1.1) but differently by YAML 1.2 editors and "
        f"schema tools; write {portable}"
    )
    return Diagnostic("note", "yaml-1.1", message, file, position, "")


def load_data(data: Any, file: str = "<spec>") -> Spec:
    with paused_gc():
        return read_spec(from_python(data), file)


def _stem(file: str) -> str:
    """A spec's default name: its file name without the extension."""
    if file.startswith("<"):
        return "spec"
    return os.path.splitext(os.path.basename(file))[0] or "spec"


def load_file(path: str | os.PathLike[str]) -> Spec:
    """A spec file read as every spec is read (:func:`convcalc.safeio.read_spec_text`: one cap)."""
    from .safeio import read_spec_text

    return load_text(read_spec_text(path), str(path))
