"""An :class:`Imported` model written as spec YAML: one flow-style line per row.

An entry reads the entry before it unless it says ``from``; merges always
say ``from``. The name of the node each row came from follows it in a
comment, so the mapping from rewritten names back to the model's survives.
"""

from __future__ import annotations

import json
import re
from typing import Any

from .fold import Block, Use, fold
from .imported import MERGES, Imported, Layer

_PLAIN = re.compile(r"^(\$?[A-Za-z_][A-Za-z0-9_.\-]*)$")
_YAML_WORDS = frozenset(
    "y yes n no true false on off null".split() + ["~"]
)
SHOWN_USES = 6
"""Block uses listed in the comment after a block's name."""


def scalar(value: Any) -> str:
    """A value as YAML text that convcalc's reader gives back unchanged."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        if _PLAIN.match(value) and value.lower() not in _YAML_WORDS:
            return value
        return json.dumps(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(scalar(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {scalar(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"cannot write {type(value).__name__} as YAML")


def comment(text: str) -> str:
    """Text safe inside a YAML comment: one line."""
    return " ".join(text.split())


def reference(source: Any) -> str:
    """How an entry names what it reads: a row (layer or block use) by name, an input by its name."""
    return source if isinstance(source, str) else source.name


def entry(type: str, name: str, args: dict[str, Any], inputs: list[Any], previous: Any, merge: bool = False) -> str:
    """One ``- type: {args}`` line (without indentation); ``from`` unless it reads ``previous``."""
    written: dict[str, Any] = {"name": name} if name else {}
    written.update(args)
    if merge or len(inputs) != 1 or inputs[0] is not previous:
        refs = [reference(s) for s in inputs]
        written["from"] = refs[0] if len(refs) == 1 else refs
    return f"- {type}: {scalar(written)}" if written else f"- {type}"


def _layer_line(layer: Layer, previous: Any, indent: str, inputs: list[Any]) -> str:
    """A layer's entry, and the node it came from as a comment."""
    text = indent + entry(layer.type, layer.name, layer.args, inputs, previous, layer.type in MERGES)
    return text + (f"   # {comment(layer.source)}" if layer.source else "")


def _block_lines(block: Block) -> list[str]:
    names = [use.name for use in block.uses]
    uses = ", ".join(names[:SHOWN_USES]) + (f", ... ({len(names)} uses)" if len(names) > SHOWN_USES else "")
    lines = [f"  {block.name}:   # {comment(uses)}"]
    if block.params:
        lines.append(f"    params: {{{', '.join(f'{p}: null' for p in block.params)}}}")
    if block.inputs != ["input"]:
        lines.append(f"    inputs: {scalar(block.inputs)}")
    if block.output is not None:
        lines.append(f"    output: {scalar(block.output)}")
    lines.append("    layers:")
    previous: Any = block.inputs[0]
    for layer in block.body:
        lines.append(_layer_line(layer, previous, "      ", layer.inputs))
        previous = layer
    return lines


def write_spec(model: Imported, blocks: bool = True) -> str:
    """The whole spec: header comments, name, input(s), blocks, layers, outputs.

    With ``blocks``, repeated modules are folded into blocks (see :mod:`.fold`)."""
    found, top, owner = fold(model, model.classes) if blocks else ([], list(model.layers), {})

    def seen(sources: list[Any]) -> list[Any]:
        return [owner.get(id(s), s) for s in sources]

    lines = [f"# Imported by convcalc from {comment(model.origin)}."]
    lines.append("# Rows are named after the model's modules (or ONNX nodes); each row's node follows it as a comment.")
    for note in model.notes:
        lines.append(f"# note: {comment(note)}")
    lines.append("convcalc: 1")
    lines.append(f"name: {scalar(model.name)}")
    if len(model.inputs) == 1:
        (shape,) = model.inputs.values()
        lines.append(f"input: {scalar(list(shape))}")
    else:
        lines.append("inputs:")
        for name, shape in model.inputs.items():
            lines.append(f"  {scalar(name)}: {scalar(list(shape))}")
    if found:
        lines.append("blocks:")
        for block in found:
            lines.extend(_block_lines(block))
    lines.append("layers:")
    previous: Any = next(iter(model.inputs))
    for item in top:
        if isinstance(item, Use):
            lines.append("  " + entry(item.block.name, item.name, item.values, seen(item.inputs), previous))
        else:
            lines.append(_layer_line(item, previous, "  ", seen(item.inputs)))
        previous = item
    outputs = seen(model.outputs)
    if len(outputs) != 1 or outputs[0] is not previous:
        lines.append(f"outputs: {scalar([reference(o) for o in outputs])}")
    return "\n".join(lines) + "\n"
