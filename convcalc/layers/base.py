"""The layer registry: each layer type is one :class:`LayerRule`.

A rule owns everything about its type: the keys it takes (its schema) and
one pure function from (checked args, input shape, receptive field) to an
:class:`Outcome` (output shape, parameters, MACs, buffers, receptive field,
warnings, and the worked formula for ``--explain``).

Shapes are channels-first tuples: ``(C, H, W)``, ``(C, L)``, ``(C, D, H, W)``,
or ``(F,)`` after ``flatten``/``fc``.
"""

from __future__ import annotations

from collections.abc import Callable
from math import prod
from typing import Any

from ..args import Arg
from ..errors import LayerError
from ..receptive import ReceptiveField
from ..record import Record

Shape = tuple[int, ...]
Args = dict[str, Any]
Evaluate = Callable[[Args, Shape, ReceptiveField], "Outcome"]
Combine = Callable[[Args, list[Shape], list[ReceptiveField], list[str]], "Outcome"]
"""A merge's evaluation: the shapes and fields of its inputs, and their labels for messages."""


class Outcome(Record):
    """What one layer does to its input. ``warnings``: ``(code, message)`` pairs, or
    ``(code, message, severity)`` for a severity other than ``warning``. ``explain``: the worked formulas, or a
    function that writes them (only ``--explain`` asks)."""

    __slots__ = ("shape", "rf", "params", "macs", "buffers", "warnings", "explain")

    def __init__(
        self,
        shape: Shape,
        rf: ReceptiveField,
        params: int = 0,
        macs: int = 0,
        buffers: int = 0,
        warnings: tuple[tuple[str, ...], ...] = (),
        explain: Callable[[], tuple[str, ...]] | tuple[str, ...] = (),
    ) -> None:
        self.shape = shape
        self.rf = rf
        self.params = params
        self.macs = macs
        self.buffers = buffers
        self.warnings = warnings
        self.explain = explain


class LayerRule(Record):
    """A layer type. ``simple``: zero parameters and shape-preserving, so usable as
    another layer's ``activation``. ``combine``: set for merges, which read
    ``least_inputs`` or more tensors (``evaluate`` is then unused)."""

    __slots__ = (
        "name",
        "evaluate",
        "args",
        "aliases",
        "summary",
        "accepts_flat",
        "takes_activation",
        "simple",
        "combine",
        "least_inputs",
    )

    def __init__(
        self,
        name: str,
        evaluate: Evaluate,
        args: dict[str, Arg] | None = None,
        aliases: tuple[str, ...] = (),
        summary: str = "",
        accepts_flat: bool = False,
        takes_activation: bool = False,
        simple: bool = False,
        combine: Combine | None = None,
        least_inputs: int = 1,
    ) -> None:
        self.name = name
        self.evaluate = evaluate
        self.args = args if args is not None else {}
        self.aliases = aliases
        self.summary = summary
        self.accepts_flat = accepts_flat
        self.takes_activation = takes_activation
        self.simple = simple
        self.combine = combine
        self.least_inputs = least_inputs


RULES: dict[str, LayerRule] = {}
"""Every type name and alias → its rule."""

CANONICAL: dict[str, LayerRule] = {}
"""Canonical type names only, in registration order."""


def register(rule: LayerRule) -> LayerRule:
    for key in (rule.name, *rule.aliases):
        if key in RULES:
            raise RuntimeError(f"layer type {key!r} registered twice")
        RULES[key] = rule
    CANONICAL[rule.name] = rule
    return rule


def spatial_of(shape: Shape, type_name: str) -> tuple[int, tuple[int, ...]]:
    """Split a shape into (channels, spatial sizes); refuse a flat ``[F]``."""
    if len(shape) < 2:
        raise LayerError(
            "spatial",
            f"{type_name} needs a spatial input but gets the flat shape [{shape[0]}] "
            "(after flatten or fc only fc, flatten, bn and shape-preserving layers apply)",
        )
    return shape[0], shape[1:]


def elements(shape: Shape) -> int:
    return prod(shape)


def shape_text(shape: Shape) -> str:
    return "×".join(str(v) for v in shape)
