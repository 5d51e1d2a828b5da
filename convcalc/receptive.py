"""Receptive field bookkeeping, per spatial dimension of the network's input.

``size``: how many input pixels one output position can see; ``jump``: the
input distance between neighbouring output positions; ``start``: the input
coordinate of the centre of the first output position's field (pixel ``i``
of the input is at coordinate ``i``). ``extent`` is the current spatial size,
remembered through ``flatten`` so that ``fc`` can widen the field to all of it.

A window layer (conv, pool) of effective kernel ``f``, stride ``s`` and left
padding ``p`` maps ``(r, j, x)`` to ``(r + (f − 1)j, j·s, x + ((f − 1)/2 − p)j)``
(Araujo et al., "Computing Receptive Fields of CNNs", Distill 2019).
Values stay exact: ints, or Fractions after upsampling, within two bounds
that keep each step cheap: a value of :data:`MAX_RF_BITS` bits or more is
an error (no float, so no JSON reader, could hold it), and a fraction whose
denominator passes :data:`MAX_RF_DENOMINATOR` is rounded to the nearest
multiple of 1/MAX_RF_DENOMINATOR (an error of at most 2⁻⁶⁵ of a position, far
under what any output shows; without it 20,000 upsamplings by 1.0000001 build
numbers of a million bits).
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from math import gcd
from typing import Union

from .errors import LayerError
from .record import FrozenRecord

Number = Union[int, Fraction]

MAX_RF_BITS = 1000
"""Largest receptive-field size, jump or start, in bits (2¹⁰⁰⁰ ≈ 10³⁰¹; a float stops at 2¹⁰²⁴)."""

MAX_RF_DENOMINATOR = 2**64
"""Largest denominator of a fractional receptive-field value kept exactly."""


def exact(value: Number) -> Number:
    """An int when whole; bounded as the module says (LayerError ``too-large``)."""
    if type(value) is int:
        if value.bit_length() >= MAX_RF_BITS:
            raise _too_large()
        return value
    if value.denominator == 1:
        return exact(value.numerator)
    if value.denominator > MAX_RF_DENOMINATOR:
        n, d = value.numerator, value.denominator
        value = Fraction((2 * n * MAX_RF_DENOMINATOR + d) // (2 * d), MAX_RF_DENOMINATOR)
    if value.numerator.bit_length() - value.denominator.bit_length() >= MAX_RF_BITS:
        raise _too_large()
    return value


def _too_large() -> LayerError:
    return LayerError(
        "too-large", f"the receptive field (size, jump or start) passes 2^{MAX_RF_BITS}: no number format holds it"
    )


class ReceptiveField(FrozenRecord):
    """Every step returns a new one."""

    __slots__ = ("size", "jump", "start", "extent")

    def __init__(
        self, size: tuple[Number, ...], jump: tuple[Number, ...], start: tuple[Number, ...], extent: tuple[int, ...]
    ) -> None:
        self.size = size
        self.jump = jump
        self.start = start
        self.extent = extent

    @classmethod
    def of_input(cls, spatial: Sequence[int]) -> ReceptiveField:
        ones = tuple(1 for _ in spatial)
        return cls(ones, ones, tuple(0 for _ in spatial), tuple(spatial))

    def window(
        self,
        kernels: Sequence[int],
        strides: Sequence[Number],
        lows: Sequence[int],
        extent: Sequence[int],
    ) -> ReceptiveField:
        """After a sliding window of effective ``kernels`` (already dilated)."""
        if len(kernels) != len(self.size):
            return self.over_tokens(kernels, strides)
        size, jump, start = [], [], []
        for r, j, x, f, s, p in zip(self.size, self.jump, self.start, kernels, strides, lows):
            if f == 1 and p == 0:  # a kernel of 1 (upsampling, 1×1 convs) moves nothing
                size.append(r)
                start.append(x)
                jump.append(j if s == 1 else exact(j * s))
                continue
            reach = (f - 1) * j
            size.append(exact(r + reach))
            half = reach // 2 if type(reach) is int and reach % 2 == 0 else Fraction(reach) / 2
            start.append(exact(x + half - p * j))
            jump.append(exact(j * s))
        return ReceptiveField(tuple(size), tuple(jump), tuple(start), tuple(extent))

    def transposed(
        self,
        kernels: Sequence[int],
        strides: Sequence[int],
        lows: Sequence[int],
        extent: Sequence[int],
        dilations: Sequence[int] | None = None,
    ) -> ReceptiveField:
        """After a transposed conv: output ``o`` reads input ``i`` when ``i·s + t·d − p = o`` for a tap ``t``.

        Taps that meet inputs for one output are ``s/g`` apart (``g = gcd(d, s)``),
        so at most ``⌈k/(s/g)⌉`` of them, on inputs ``d/g`` apart; outputs are
        ``j/s`` apart. ``kernels`` are the undilated kernel sizes here.
        """
        if len(kernels) != len(self.size):
            return self.over_tokens(kernels, strides)
        size, jump, start = [], [], []
        dilations = dilations or [1] * len(kernels)
        for r, j, x, k, s, p, d in zip(self.size, self.jump, self.start, kernels, strides, lows, dilations):
            g = gcd(d, s)
            period, step = s // g, d // g
            taps = -(-k // period)
            size.append(exact(r + (taps - 1) * step * j))
            start.append(exact(x + _first_output_centre(k, s, p, d) * j))
            jump.append(exact(Fraction(j) / s))
        return ReceptiveField(tuple(size), tuple(jump), tuple(start), tuple(extent))

    def over_tokens(self, kernels: Sequence[int], strides: Sequence[Number]) -> ReceptiveField:
        """After a layer on a sequence whose positions are not the input's dimensions (made by ``tokens``).

        A layer that reads one position (kernel 1, stride 1) changes nothing;
        any other reads neighbours along the flattened order, which the
        per-dimension field can't express: it is bounded by the whole extent.
        The field keeps the input's rank and extent either way.
        """
        if all(k == 1 for k in kernels) and all(s == 1 for s in strides):
            return self
        ones = [1] * len(self.extent)
        return self.window(self.extent, ones, [0] * len(self.extent), self.extent)

    def whole(self, extent: Sequence[int]) -> ReceptiveField:
        """After a layer that mixes its whole spatial input (fc, global pooling)."""
        return self.window(self.extent, self.extent, [0] * len(self.extent), extent)

    def shifted(self, lows: Sequence[int], extent: Sequence[int]) -> ReceptiveField:
        """After padding ``lows`` positions in front (the first output moves left)."""
        if len(lows) != len(self.start):
            return self
        start = tuple(exact(x - p * j) for x, j, p in zip(self.start, self.jump, lows))
        return ReceptiveField(self.size, self.jump, start, tuple(extent))

    def resized(self, extent: Sequence[int]) -> ReceptiveField:
        return ReceptiveField(self.size, self.jump, self.start, tuple(extent))

    def to_dict(self) -> dict[str, list[float | int]]:
        def number(v: Number) -> float | int:
            return v if isinstance(v, int) else float(v)

        return {
            "size": [number(v) for v in self.size],
            "jump": [number(v) for v in self.jump],
            "start": [float(v) for v in self.start],
        }


def _first_output_centre(k: int, s: int, p: int, d: int) -> Fraction:
    """Centre (in input positions) of the inputs that output 0 of a transposed conv reads."""
    g = gcd(d, s)
    period = s // g
    if p % g == 0:
        t0 = (p // g) * pow(d // g, -1, period) % period if period > 1 else 0
        if t0 <= k - 1:
            t_last = t0 + (k - 1 - t0) // period * period
            return Fraction((p - t0 * d) // s + (p - t_last * d) // s, 2)
    return Fraction(p - d * (k - 1), 2 * s) + Fraction(p, 2 * s)


def widest(fields: Sequence[ReceptiveField], extent: Sequence[int] | None = None) -> ReceptiveField:
    """Merge branches: per dimension, the field of the branch that sees the most.

    ``extent`` is the merged output's spatial size; ``None`` for a flat output,
    which keeps the extent the branches remember (so a later fc still widens).
    A branch broadcast along a dimension (its extent 1, the merged one larger:
    squeeze-and-excitation's gate) widens the size, but its jump and start
    describe one position, not the merged output's: those come from the
    widest full-size branch.
    """
    if extent is None or len(extent) != len(fields[0].size):  # flat, or a sequence made by ``tokens``
        extent = fields[0].extent
    size, jump, start = [], [], []
    for dim in range(len(fields[0].size)):
        best = max(fields, key=lambda f: (f.size[dim], f.jump[dim]))
        full = [f for f in fields if not _broadcast(f, extent, dim)]
        placed = best if not full or best in full else max(full, key=lambda f: (f.size[dim], f.jump[dim]))
        size.append(best.size[dim])
        jump.append(placed.jump[dim])
        start.append(placed.start[dim])
    return ReceptiveField(tuple(size), tuple(jump), tuple(start), tuple(extent))


def _broadcast(field: ReceptiveField, extent: Sequence[int], dim: int) -> bool:
    return dim < len(field.extent) and dim < len(extent) and field.extent[dim] == 1 and extent[dim] > 1
