"""Folding repeated modules of an imported model into blocks.

A module (every layer whose module path starts with it) becomes a block use
when:
- its layers are contiguous in the model's order;
- every layer outside it reads at most one of its layers, the same one
  (its output);
- another module has the same structure (a module that starts with a merge
  of outside tensors, as DenseNet's layers do, is tried without it): the same layers in the same order,
  each of the same type, with the same relative names, reading the same
  rows of the module or the same of its inputs.
The structure that covers most layers (instances × layers) is folded first,
then the next among the layers left; a folded module's inside is its
block's body.
Args equal in every use stay written in the body; args that differ become
block parameters (one parameter per distinct column of values, named after
its key, or ``row_key`` when several differ in the same key).
"""

from __future__ import annotations

from typing import Any

from ..layers import RULES
from .imported import MERGES, Imported, Layer, assign_names, unique


MIN_BLOCK = 3
"""Fewest layers a block holds: a conv + bn pair is clearer written out."""


def _disjoint(modules: list[_Module]) -> list[_Module]:
    """Instances that don't overlap (a module and its only child can have one signature)."""
    kept: list[_Module] = []
    for module in sorted(modules, key=lambda m: m.start):
        if not kept or module.start > kept[-1].stop:
            kept.append(module)
    return kept


class Block:
    """A block definition: its name, parameters (in order), input names, body and output row."""

    def __init__(self, name: str, params: list[str], inputs: list[str], body: list[Layer], output: str | None) -> None:
        self.name = name
        self.params = params
        self.inputs = inputs
        self.body = body
        self.output = output
        self.uses: list[Use] = []
        self.keys: dict[str, tuple[int, str]] = {}
        """Parameter → the body row (by position) and arg it stands for."""


class Use:
    """A use of a block in the top-level list: its row name, parameter values and inputs."""

    def __init__(self, name: str, block: Block, values: dict[str, Any], inputs: list[Any]) -> None:
        self.name = name
        self.block = block
        self.values = values
        self.inputs = inputs


class _Module:
    def __init__(self, path: tuple[str, ...], start: int, stop: int, inputs: list[Layer | str], output: int) -> None:
        self.path = path
        self.start = start
        self.stop = stop
        self.inputs = inputs
        self.output = output


def _default(layer: Layer, key: str) -> Any:
    if key == "stride" and layer.type in ("maxpool", "avgpool"):
        return layer.args.get("kernel")
    rule = RULES.get(layer.type)
    arg = rule.args.get(key) if rule is not None else None
    return getattr(arg, "default", None)


def _value(layer: Layer, key: str) -> Any:
    return layer.args[key] if key in layer.args else _default(layer, key)


def _candidates(model: Imported) -> list[_Module]:
    """Modules with contiguous layers and one output read from outside."""
    layers = model.layers
    index = {id(layer): i for i, layer in enumerate(layers)}
    spans: dict[tuple[str, ...], list[int]] = {}
    for i, layer in enumerate(layers):
        for depth in range(1, len(layer.module) + 1):
            span = spans.setdefault(layer.module[:depth], [i, i, 0])
            span[1] = i
            span[2] += 1
    readers: list[list[int]] = [[] for _ in layers]
    for i, layer in enumerate(layers):
        for source in layer.inputs:
            if isinstance(source, Layer):
                readers[index[id(source)]].append(i)
    outputs = {index[id(o)] for o in model.outputs if isinstance(o, Layer)}
    found = []
    for path, (start, stop, count) in spans.items():
        if count != stop - start + 1 or count < 2:
            continue
        first = layers[start]
        if first.type in MERGES and all(
            not isinstance(s, Layer) or not start <= index[id(s)] <= stop for s in first.inputs
        ):
            start += 1  # DenseNet's concat of every earlier output: left outside, so that one block fits all
        read_outside = {
            i for i in range(start, stop + 1) if i in outputs or any(r < start or r > stop for r in readers[i])
        }
        if len(read_outside) != 1:
            continue
        inputs: list[Layer | str] = []
        for layer in layers[start : stop + 1]:
            for source in layer.inputs:
                inside = isinstance(source, Layer) and start <= index[id(source)] <= stop
                if not inside and not any(source is s for s in inputs):
                    inputs.append(source)
        if inputs:
            found.append(_Module(path, start, stop, inputs, read_outside.pop()))
    return found


def _signature(model: Imported, module: _Module) -> tuple[Any, ...]:
    layers = model.layers
    body = layers[module.start : module.stop + 1]
    position = {id(layer): i for i, layer in enumerate(body)}
    shape = []
    for layer in body:
        refs = tuple(
            ("row", position[id(s)]) if id(s) in position else ("input", next(j for j, x in enumerate(module.inputs) if x is s))
            for s in layer.inputs
        )
        shape.append((layer.module[len(module.path) :], layer.type, refs))
    return (tuple(shape), module.output - module.start)


def fold(
    model: Imported, class_names: dict[tuple[str, ...], str] | None = None
) -> tuple[list[Block], list[Layer | Use], dict[int, Use]]:
    """The blocks, the top-level list of layers and block uses, and (by ``id``) the layers
    that are now read as a block use's output."""
    layers = model.layers
    groups: dict[tuple[Any, ...], list[_Module]] = {}
    for module in _candidates(model):
        groups.setdefault(_signature(model, module), []).append(module)
    taken = [False] * len(layers)
    chosen: list[list[_Module]] = []
    pending = [modules for modules in groups.values() if modules[0].stop - modules[0].start + 1 >= MIN_BLOCK]
    while pending:
        best, best_cover = None, 0
        for modules in pending:
            free = [m for m in _disjoint(modules) if not any(taken[m.start : m.stop + 1])]
            cover = sum(m.stop - m.start + 1 for m in free) if len(free) >= 2 else 0
            if cover > best_cover:
                best, best_cover = free, cover
        if best is None:
            break
        for module in best:
            taken[module.start : module.stop + 1] = [True] * (module.stop - module.start + 1)
        chosen.append(best)
        pending = [modules for modules in pending if modules[0] is not best[0] and not any(m is best[0] for m in modules)]
    chosen.sort(key=lambda modules: modules[0].start)
    blocks: list[Block] = []
    uses: dict[int, Use] = {}
    owner: dict[int, Use] = {}
    names = _block_names(chosen, class_names or {})
    for block_name, modules in zip(names, chosen):
        block = _make_block(model, block_name, modules)
        blocks.append(block)
        for module, values in zip(modules, _values(model, block, modules)):
            use = Use(".".join(module.path), block, values, module.inputs)
            block.uses.append(use)
            uses[module.start] = use
            owner[id(layers[module.output])] = use
    top: list[Layer | Use] = []
    skip_to = -1
    for i, layer in enumerate(layers):
        if i <= skip_to:
            continue
        if i in uses:
            use = uses[i]
            top.append(use)
            skip_to = next(m.stop for group in chosen for m in group if m.start == i)
            continue
        top.append(layer)
    return blocks, top, owner


def _block_names(chosen: list[list[_Module]], class_names: dict[tuple[str, ...], str]) -> list[str]:
    names: list[str] = []
    for number, modules in enumerate(chosen, start=1):
        known = class_names.get(modules[0].path)
        base = known.lower() if known and known.lower() not in RULES else f"block{number}"
        names.append(unique(base, names, ""))
    return names


def _make_block(model: Imported, name: str, modules: list[_Module]) -> Block:
    first = modules[0]
    count = first.stop - first.start + 1
    instances = [model.layers[m.start : m.stop + 1] for m in modules]
    inputs = ["input"] if len(first.inputs) == 1 else [f"in{i}" for i in range(1, len(first.inputs) + 1)]
    body: list[Layer] = []
    for position in range(count):
        sample = instances[0][position]
        body.append(Layer(sample.type, {}, [], sample.module[len(first.path) :], ""))
    assign_names(body, set(inputs))
    for position, layer in enumerate(body):
        sample = instances[0][position]
        layer.inputs = [
            body[[id(x) for x in instances[0]].index(id(s))] if any(s is x for x in instances[0]) else inputs[first.inputs.index(s)]
            for s in sample.inputs
        ]
    cells: list[tuple[int, str, tuple[str, ...]]] = []
    for position in range(count):
        keys_here: list[str] = []
        for instance in instances:
            keys_here.extend(k for k in instance[position].args if k not in keys_here)
        for key in keys_here:
            cells.append((position, key, tuple(repr(_value(instance[position], key)) for instance in instances)))
    per_key: dict[str, set[tuple[str, ...]]] = {}
    for _, key, column in cells:
        if len(set(column)) > 1:
            per_key.setdefault(key, set()).add(column)
    columns: dict[tuple[str, ...], str] = {}
    keys: dict[str, tuple[int, str]] = {}
    for position, key, column in cells:
        sample = instances[0][position]
        if len(set(column)) == 1:
            if key in sample.args or _value(sample, key) != _default(body[position], key):
                body[position].args[key] = _value(sample, key)
            continue
        if column not in columns:
            row = body[position].name
            if len(per_key[key]) == 1:
                param = key
            elif row[:1].isalpha():
                param = _identifier(f"{row}_{key}")
            else:
                param = f"{key}{sum(1 for p in keys if p.rstrip('0123456789') == key) + 1}"
            while param in keys:
                param += "_"
            columns[column] = param
            keys[param] = (position, key)
        body[position].args[key] = f"${columns[column]}"
    block = Block(name, list(keys), inputs, body, None)
    block.keys = keys
    output = first.output - first.start
    if output != count - 1:
        block.output = body[output].name
    return block


def _identifier(text: str) -> str:
    """A parameter name: letters, digits and ``_``, not starting with a digit."""
    cleaned = "".join(c if c.isalnum() and c.isascii() else "_" for c in text).strip("_") or "param"
    return f"p{cleaned}" if cleaned[0].isdigit() else cleaned


def _values(model: Imported, block: Block, modules: list[_Module]) -> list[dict[str, Any]]:
    result = []
    for module in modules:
        instance = model.layers[module.start : module.stop + 1]
        values = {}
        for param in block.params:
            position, key = block.keys[param]
            values[param] = _value(instance[position], key)
        result.append(values)
    return result
