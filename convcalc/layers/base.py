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
from ..record import FrozenRecord, Record

Shape = tuple[int, ...]
Args = dict[str, Any]
Evaluate = Callable[[Args, Shape, ReceptiveField], "Outcome"]
SavedRule = Callable[[Args, Shape, Shape], "tuple[Saved, ...]"]
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


class Saved(FrozenRecord):
    """One tensor autograd keeps from a layer's forward pass for its backward.

    ``tensor``: ``input`` (the layer's input ``index``), ``output``, or ``extra`` (a
    tensor of its own: max-pool indices, a dropout mask, norm statistics).
    ``elements``: per sample when ``per_sample`` (scaled by the batch), else for
    the whole batch (batch norm's per-channel statistics). ``itemsize``: bytes per
    element, or 0 for the spec's dtype. ``needed_for``: ``any`` (kept whenever the
    layer is in the backward graph), ``weights`` (only when its weights are
    trained: a linear layer's input), ``other`` (only when its other input needs a
    gradient: each factor of a product of two activations).
    """

    __slots__ = ("tensor", "elements", "itemsize", "per_sample", "needed_for", "index")

    def __init__(
        self,
        tensor: str,
        elements: int,
        itemsize: int = 0,
        per_sample: bool = True,
        needed_for: str = "any",
        index: int = 0,
    ) -> None:
        self.tensor = tensor
        self.elements = elements
        self.itemsize = itemsize
        self.per_sample = per_sample
        self.needed_for = needed_for
        self.index = index


def keeps_nothing(args: Args, in_shape: Shape, out_shape: Shape) -> tuple[Saved, ...]:
    return ()


def keeps_input(args: Args, in_shape: Shape, out_shape: Shape) -> tuple[Saved, ...]:
    return (Saved("input", prod(in_shape)),)


def keeps_output(args: Args, in_shape: Shape, out_shape: Shape) -> tuple[Saved, ...]:
    return (Saved("output", prod(out_shape)),)


class Autograd(FrozenRecord):
    """What a layer costs the backward pass (docs/spec-format.md, "Training cost").

    ``saved``: the tensors it keeps, from (args, input shape, output shape).
    ``weight_products``: its MACs are products of its input with its weights
    (conv, deconv, fc), so its backward costs as many MACs again for the input
    gradient and again for the weight gradient, each where needed.
    ``activation_products``: the part of its MACs that multiplies two activations
    (attention's scores and weighted sum): twice as many MACs again, one product
    per factor, wherever either factor needs a gradient.
    ``view``: its output is its input, or a view of its input's storage (flatten,
    slices), not a tensor of its own; a function of the args where that depends
    on them (dropout at rate 0 returns its input).
    ``keeps_factors``: a product of its inputs (``mul``): it keeps each input
    wherever another one needs a gradient (``saved`` is then unused).
    """

    __slots__ = ("saved", "weight_products", "activation_products", "view", "keeps_factors")

    def __init__(
        self,
        saved: SavedRule = keeps_nothing,
        weight_products: bool = False,
        activation_products: Callable[[Args, Shape, Shape], int] | None = None,
        view: bool | Callable[[Args], bool] = False,
        keeps_factors: bool = False,
    ) -> None:
        self.saved = saved
        self.weight_products = weight_products
        self.activation_products = activation_products
        self.view = view
        self.keeps_factors = keeps_factors

    def is_view(self, args: Args) -> bool:
        return self.view(args) if callable(self.view) else self.view


NO_BACKWARD = Autograd()


class LayerRule(Record):
    """A layer type. ``simple``: zero parameters and shape-preserving, so usable as
    another layer's ``activation``. ``combine``: set for merges, which read
    ``least_inputs`` or more tensors (``evaluate`` is then unused). ``autograd``:
    what its backward keeps and costs."""

    __slots__ = (
        "name",
        "evaluate",
        "args",
        "aliases",
        "summary",
        "accepts_flat",
        "takes_activation",
        "simple",
        "autograd",
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
        autograd: Autograd = NO_BACKWARD,
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
        self.autograd = autograd
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
