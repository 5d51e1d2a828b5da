"""The worked formulas ``--explain`` shows: sizes per dimension, counts with their numbers put in.

Each layer rule writes its own lines with these helpers, so every type
reads alike:

>>> per_dimension(["(227 − 11)/4 + 1 = 55", "(227 − 11)/4 + 1 = 55"])
('H, W: (227 − 11)/4 + 1 = 55',)
>>> count_line("params", [11, 11, 3], bias_units=96)
'params: (11·11·3 + 1)·96 = 34,944'
>>> count_line("MACs", [55, 55, 96, 11, 11, 3])
'MACs: 55·55·96·11·11·3 = 105,415,200'
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from math import prod

_AXES = {1: ("L",), 2: ("H", "W"), 3: ("D", "H", "W")}


def axis_label(axis: int, ndim: int) -> str:
    return _AXES.get(ndim, tuple(f"d{i}" for i in range(ndim)))[axis]


def per_dimension(formulas: Sequence[str]) -> tuple[str, ...]:
    """One line per distinct formula, labelled with its dimensions (``H, W:`` when they agree)."""
    ndim = len(formulas)
    groups: dict[str, list[str]] = {}
    for axis, formula in enumerate(formulas):
        groups.setdefault(formula, []).append(axis_label(axis, ndim))
    return tuple(f"{', '.join(names)}: {formula}" for formula, names in groups.items())


def product_text(factors: Sequence[int]) -> str:
    return "·".join(str(f) for f in factors)


def count_line(label: str, factors: Sequence[int], bias_units: int | None = None, plus: int = 0) -> str:
    """``label: a·b·c = n``; with ``bias_units`` u: ``(a·b·c + 1)·u``; ``plus`` adds a term at the end."""
    if bias_units is None and len(factors) == 1 and not plus:
        return f"{label}: {factors[0]:,}"
    if bias_units is None:
        text, value = product_text(factors), prod(factors)
    else:
        text, value = f"({product_text(factors)} + 1)·{bias_units}", (prod(factors) + 1) * bias_units
    if plus:
        text, value = f"{text} + {plus}", value + plus
    return f"{label}: {text} = {value:,}"


NO_COUNTS = ("params: 0", "MACs: 0")


class Worked:
    """A row's worked formulas, written only when called (``--explain`` asks), and its
    ``brief``: the window in a few characters (``3×3 /2 pad 1``) for drawings and compare."""

    __slots__ = ("write", "_brief")

    def __init__(self, write: Callable[[], tuple[str, ...]], brief: str | Callable[[], str] = "") -> None:
        self.write = write
        self._brief = brief

    @property
    def brief(self) -> str:
        """Written on first use (most reports never draw or compare their rows)."""
        if callable(self._brief):
            self._brief = self._brief()
        return self._brief

    def __call__(self) -> tuple[str, ...]:
        return self.write()


def window_brief(
    kernels: Sequence[int],
    strides: Sequence[int],
    pads: Sequence[tuple[int, int]] = (),
    dilations: Sequence[int] = (),
) -> str:
    """``3×3 /2 pad 1``: the kernel, then stride, padding and dilation where not the default."""

    def dims(values: Sequence[object]) -> str:
        return str(values[0]) if len(set(values)) == 1 else "×".join(map(str, values))

    parts = ["×".join(map(str, kernels))]
    if any(s != 1 for s in strides):
        parts.append(f"/{dims(strides)}")
    flat = [p for pair in pads for p in pair]
    if any(flat):
        same = all(lo == hi for lo, hi in pads)
        uneven = "×".join(f"{lo}+{hi}" for lo, hi in pads)
        parts.append(f"pad {dims([lo for lo, _ in pads])}" if same else f"pad {uneven}")
    if any(d != 1 for d in dilations):
        parts.append(f"dil {dims(dilations)}")
    return " ".join(parts)
