"""What an importer produces: layers with references, before any YAML is written.

An importer (ONNX, torch) turns a model into an :class:`Imported`: the
network's inputs, one :class:`Layer` per row in the model's order (each
naming the rows or inputs it reads), and the outputs. :mod:`.spec_text`
writes it as a spec, folding repeated modules into blocks.
"""

from __future__ import annotations

import re
from typing import Any

from ..record import Record

MERGES = frozenset({"concat", "add", "mul"})
"""Layer types that read two or more tensors."""

_UNSAFE = re.compile(r"[^A-Za-z0-9_.\-]+")


class Layer:
    """One row to be: ``inputs`` are the layers it reads, or the names of network inputs;
    ``module`` the path of the model's module that made it (``("layer1", "0", "conv1")``),
    ``source`` the name of the node it came from (kept in a comment). Compared by identity:
    a layer is a node of a graph."""

    __slots__ = ("name", "type", "args", "inputs", "module", "source")

    def __init__(
        self,
        type: str,
        args: dict[str, Any],
        inputs: list[Layer | str],
        module: tuple[str, ...] = (),
        source: str = "",
        name: str = "",
    ) -> None:
        self.name = name
        self.type = type
        self.args = args
        self.inputs = inputs
        self.module = module
        self.source = source

    def __repr__(self) -> str:
        return f"Layer({self.type}, {self.name or '.'.join(self.module)!r})"


class Imported(Record):
    """A whole imported model. ``inputs``: network input name → shape without the batch
    dimension; ``outputs``: the layers (or inputs) that are the network's outputs; ``notes``: what the reader wants the user to know (also written as comments)."""

    __slots__ = ("name", "origin", "inputs", "layers", "outputs", "notes", "classes")

    def __init__(
        self,
        name: str,
        origin: str,
        inputs: dict[str, tuple[int, ...]],
        layers: list[Layer],
        outputs: list[Layer | str],
        notes: list[str],
    ) -> None:
        self.name = name
        self.origin = origin
        self.inputs = inputs
        self.layers = layers
        self.outputs = outputs
        self.notes = notes
        self.classes: dict[tuple[str, ...], str] = {}
        """Module path → the class that made it, when the exporter recorded it."""


def unique(base: str, taken: set[str] | list[str], separator: str = "_") -> str:
    """``base``, or ``base_2``, ``base_3``, ... : the first not in ``taken``."""
    name, count = base, 1
    while name in taken:
        count += 1
        name = f"{base}{separator}{count}"
    return name


def row_name(text: str) -> str:
    """A valid row name from a node or module name: ``/`` and other punctuation become ``_``."""
    cleaned = _UNSAFE.sub("_", text).strip("_.") or "node"
    return cleaned


def assign_names(layers: list[Layer], taken: set[str]) -> None:
    """Name every layer after its module path, unique among ``taken``.

    A module that made one row gives it its own path (``layer1.0.conv1``); a module that
    made several rows of one type (a ReLU module called three times) gives ``path``,
    ``path_2``, ...; rows of different types in one module, or made by a module that has
    submodules (a block's ``add``), get ``path.type``. Rows made outside any module are named after their type.
    """
    by_module: dict[tuple[str, ...], list[Layer]] = {}
    parents: set[tuple[str, ...]] = set()
    for layer in layers:
        by_module.setdefault(layer.module, []).append(layer)
        parents.update(layer.module[:i] for i in range(len(layer.module)))
    for layer in layers:
        path = ".".join(layer.module)
        siblings = by_module[layer.module]
        if path and layer.module not in parents and all(s.type == layer.type for s in siblings):
            base = path
        else:
            base = f"{path}.{layer.type}" if path else layer.type
        name = unique(row_name(base), taken)
        taken.add(name)
        layer.name = name
