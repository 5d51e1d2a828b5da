"""The layer registry: each layer type is one :class:`LayerRule`.

A rule owns everything about its type: the keys it takes (its schema) and
one pure function from (checked args, input shape, receptive field) to an
:class:`Outcome` (output shape, parameters, MACs, buffers, receptive field,
warnings, and the worked formula for ``--explain``).

Shapes are channels-first tuples: ``(C, H, W)``, ``(C, L)``, ``(C, D, H, W)``,
or ``(F,)`` after ``flatten``/``fc``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from math import prod
from typing import Any
from collections.abc import Callable

from ..args import Arg
from ..errors import LayerError
from ..receptive import ReceptiveField

Shape = tuple[int, ...]
Args = dict[str, Any]
Evaluate = Callable[[Args, Shape, ReceptiveField], "Outcome"]


@dataclass(slots=True)
class Outcome:
    shape: Shape
    rf: ReceptiveField
    params: int = 0
    macs: int = 0
    buffers: int = 0
    warnings: tuple[tuple[str, str], ...] = ()
    explain: Callable[[], tuple[str, ...]] | tuple[str, ...] = ()
    """The worked formulas, or a function that writes them (only --explain asks)."""


@dataclass(frozen=True, slots=True)
class LayerRule:
    name: str
    evaluate: Evaluate
    args: dict[str, Arg] = field(default_factory=dict)
    aliases: tuple[str, ...] = ()
    summary: str = ""
    accepts_flat: bool = False
    takes_activation: bool = False
    simple: bool = False
    """Zero parameters and shape-preserving: usable as another layer's ``activation``."""


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
