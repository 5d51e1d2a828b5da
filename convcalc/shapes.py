"""Pure integer formulas of convolution arithmetic, one spatial dimension at a time.

Nothing here knows about YAML, layers or reports. Every function is exact
(integer ``//`` and :class:`fractions.Fraction`, never floats).

Notation: ``n`` input size, ``k`` kernel, ``s`` stride, ``d`` dilation,
``lo``/``hi`` padding before/after; ``effective_kernel(k, d) = d(k − 1) + 1``.

>>> conv_output(7, 3, 3)
2
>>> conv_output(32, 5, 1, 2, 2)
32
>>> pool_output(6, 3, 2, ceil_mode=True)
3
>>> transposed_output(3, 3, 2, 1, 1, output_padding=1)
6
>>> same_padding(7, 3, 2)
(1, 1)
"""

from __future__ import annotations

from fractions import Fraction
from math import gcd

from .record import FrozenRecord


def effective_kernel(k: int, d: int = 1) -> int:
    """Span of a dilated kernel: ``d(k − 1) + 1``."""
    return d * (k - 1) + 1


def window_span(n: int, k: int, lo: int = 0, hi: int = 0, d: int = 1) -> int:
    """``n + lo + hi − d(k − 1) − 1``: the distance the window's start can travel."""
    return n + lo + hi - effective_kernel(k, d)


def conv_output(n: int, k: int, s: int = 1, lo: int = 0, hi: int = 0, d: int = 1) -> int:
    """``⌊(n + lo + hi − d(k − 1) − 1)/s⌋ + 1`` (may be < 1: the caller decides)."""
    return window_span(n, k, lo, hi, d) // s + 1


def pool_output(n: int, k: int, s: int, lo: int = 0, hi: int = 0, d: int = 1, ceil_mode: bool = False) -> int:
    """Pooling output size; with ``ceil_mode`` PyTorch's rule.

    In ceil mode the quotient is rounded up, then the last window is dropped
    when it would start past the input and its left padding
    (``(out − 1)·s ≥ n + lo``), as ``torch.nn.MaxPool2d`` does.
    """
    span = window_span(n, k, lo, hi, d)
    if not ceil_mode:
        return span // s + 1
    out = -(-span // s) + 1
    if (out - 1) * s >= n + lo:
        out -= 1
    return out


def transposed_output(n: int, k: int, s: int = 1, lo: int = 0, hi: int = 0, d: int = 1, output_padding: int = 0) -> int:
    """``(n − 1)s − lo − hi + d(k − 1) + output_padding + 1``, as ``ConvTranspose`` computes it."""
    return (n - 1) * s - lo - hi + d * (k - 1) + output_padding + 1


def same_padding(n: int, k: int, s: int = 1, d: int = 1) -> tuple[int, int]:
    """TensorFlow's 'SAME': output ``⌈n/s⌉``, the odd padding pixel at the end."""
    out = -(-n // s)
    total = max((out - 1) * s + effective_kernel(k, d) - n, 0)
    return total // 2, total - total // 2


def half_padding(k: int, d: int = 1) -> tuple[int, int]:
    """``⌊d(k − 1)/2⌋`` on both sides: PyTorch code's ``padding=k//2``."""
    p = d * (k - 1) // 2
    return p, p


def full_padding(k: int, d: int = 1) -> tuple[int, int]:
    """``d(k − 1)`` on both sides: every partial overlap is an output (Dumoulin & Visin)."""
    p = d * (k - 1)
    return p, p


def adaptive_windows(n: int, out: int) -> list[tuple[int, int]]:
    """PyTorch's adaptive pooling windows ``[⌊i·n/out⌋, ⌈(i+1)·n/out⌉)``."""
    return [((i * n) // out, -(-((i + 1) * n) // out)) for i in range(out)]


def adaptive_max_window(n: int, out: int) -> int:
    """Longest adaptive pooling window, ``⌈(out − gcd(n, out) + n)/out⌉``, without listing them.

    Window ``i`` is ``⌈(r + n)/out⌉`` long where ``r = i·n mod out``; the
    residues reachable are the multiples of ``gcd(n, out)``, the largest
    being ``out − gcd``.

    >>> [adaptive_max_window(n, o) for n, o in ((6, 4), (5, 3), (224, 7), (13, 6))]
    [2, 3, 32, 3]
    """
    return -(-(out - gcd(n, out) + n) // out)


def format_number(value: Fraction | int) -> str:
    """An exact value for humans: integers as is, others to two decimals."""
    if isinstance(value, int) or value.denominator == 1:
        return str(int(value))
    return f"{float(value):.2f}".rstrip("0").rstrip(".")


def _quotient_text(span: int, s: int) -> str:
    """``span/s + 1`` for humans, without building a Fraction when it divides."""
    if span % s == 0:
        return str(span // s + 1)
    return format_number(Fraction(span, s) + 1)


def slide_formula(n: int, k: int, s: int, lo: int = 0, hi: int = 0, d: int = 1) -> str:
    """The slides' ``(N + 2P − F)/S + 1`` with the numbers put in, and its exact value.

    >>> slide_formula(7, 3, 3)
    '(7 − 3)/3 + 1 = 2.33'
    >>> slide_formula(7, 3, 2, 1, 1)
    '(7 + 2·1 − 3)/2 + 1 = 4'
    """
    f = effective_kernel(k, d)
    if lo == hi:
        padding = f" + 2·{lo}" if lo else ""
    else:
        padding = "".join(f" + {p}" for p in (lo, hi))
    return f"({n}{padding} − {f})/{s} + 1 = {_quotient_text(n + lo + hi - f, s)}"


def floored_formula(n: int, k: int, s: int, lo: int = 0, hi: int = 0, d: int = 1) -> str:
    """:func:`slide_formula`, with the floor shown when the stride doesn't fit.

    >>> floored_formula(7, 3, 3)
    '(7 − 3)/3 + 1 = 2.33 → 2'
    >>> floored_formula(227, 11, 4)
    '(227 − 11)/4 + 1 = 55'
    """
    text = slide_formula(n, k, s, lo, hi, d)
    span = window_span(n, k, lo, hi, d)
    return text if span % s == 0 else f"{text} → {span // s + 1}"


def transposed_formula(
    n: int, k: int, s: int = 1, lo: int = 0, hi: int = 0, d: int = 1, output_padding: int = 0
) -> str:
    """PyTorch's ``(N − 1)·S − 2P + D(F − 1) + A + 1`` with the numbers put in, and its value.

    Zero paddings and output paddings are left out, as :func:`slide_formula` does.

    >>> transposed_formula(3, 3, 2, 1, 1, output_padding=1)
    '(3 − 1)·2 − 2·1 + (3 − 1) + 1 + 1 = 6'
    >>> transposed_formula(4, 3, 3, 0, 2, d=2)
    '(4 − 1)·3 − 0 − 2 + 2·(3 − 1) + 1 = 12'
    """
    if lo == hi:
        padding = f" − 2·{lo}" if lo else ""
    else:
        padding = f" − {lo} − {hi}"
    kernel = f"{d}·({k} − 1)" if d > 1 else f"({k} − 1)"
    extra = f" + {output_padding}" if output_padding else ""
    out = transposed_output(n, k, s, lo, hi, d, output_padding)
    return f"({n} − 1)·{s}{padding} + {kernel}{extra} + 1 = {out}"


class UnevenStride(FrozenRecord):
    """Why a stride does not fit one dimension, and what would."""

    __slots__ = (
        "formula",
        "quotient",
        "output",
        "remainder",
        "unread_input",
        "unread_padding",
        "fitting_paddings",
        "fitting_strides",
        "fitting_inputs",
    )

    def __init__(
        self,
        formula: str,
        quotient: Fraction,
        output: int,
        remainder: int,
        unread_input: int,
        unread_padding: int,
        fitting_paddings: tuple[tuple[int, int], ...],
        fitting_strides: tuple[int, ...],
        fitting_inputs: tuple[int, ...],
    ) -> None:
        self.formula = formula
        self.quotient = quotient
        self.output = output
        self.remainder = remainder
        self.unread_input = unread_input
        self.unread_padding = unread_padding
        self.fitting_paddings = fitting_paddings
        self.fitting_strides = fitting_strides
        self.fitting_inputs = fitting_inputs


def uneven_stride(n: int, k: int, s: int, lo: int = 0, hi: int = 0, d: int = 1) -> UnevenStride | None:
    """``None`` when ``(n + lo + hi − d(k − 1) − 1) mod s = 0``, else the diagnosis.

    The last ``remainder`` positions of the padded input are never read: right
    padding, input rows or columns, and (for tiny inputs) left padding.

    >>> u = uneven_stride(7, 3, 3)
    >>> (u.output, u.unread_input, u.fitting_paddings, u.fitting_strides, u.fitting_inputs)
    (2, 1, ((1, 1),), (2, 4), (6, 9))
    """
    span = window_span(n, k, lo, hi, d)
    remainder = span % s
    if span < 0 or remainder == 0:
        return None
    total = n + lo + hi
    unread_input = max(0, min(total, lo + n) - max(total - remainder, lo))
    unread_padding = remainder - unread_input
    return UnevenStride(
        formula=slide_formula(n, k, s, lo, hi, d),
        quotient=Fraction(span, s) + 1,
        output=span // s + 1,
        remainder=remainder,
        unread_input=unread_input,
        unread_padding=unread_padding,
        fitting_paddings=_fitting_paddings(n, k, s, lo, hi, d),
        fitting_strides=_fitting_strides(span, s),
        fitting_inputs=_fitting_inputs(n, remainder, s),
    )


def _fitting_paddings(n: int, k: int, s: int, lo: int, hi: int, d: int) -> tuple[tuple[int, int], ...]:
    """The nearest paddings (symmetric where one fits) that make the stride exact.

    A total padding ``t`` fits when ``t ≡ f − n (mod s)``, so the candidates
    near the current total are found arithmetically, not by search.
    """
    f = effective_kernel(k, d)
    total = lo + hi
    first = (f - n) % s
    base = first + ((total - first) // s) * s
    candidates = [base + j * s for j in range(-4, 5)]
    candidates = [t for t in candidates if t >= max(f - n, 0)]
    symmetric = [t for t in candidates if t % 2 == 0]
    chosen = symmetric if symmetric else candidates
    below = [t for t in chosen if t < total][-1:]
    above = [t for t in chosen if t > total][:1]
    return tuple((t // 2, t - t // 2) for t in below + above)


STRIDE_SEARCH = 64
"""Candidates tried for a fitting stride, from each end: the search never walks a range the input chooses."""


def _fitting_strides(span: int, s: int) -> tuple[int, ...]:
    """The nearest strides below ``s``, and above it up to ``2s``, that divide the span.

    A stride above ``2s`` (29 for a span of 29) changes the layer into another
    one: it is no useful fix, so it is not offered. Below, the
    :data:`STRIDE_SEARCH` strides under ``s`` are tried; above, the smallest
    divisor in ``(s, 2s]`` is looked for from both ends of the divisor pairs,
    ``t`` rising from ``s + 1`` and ``span // t`` falling from ``(span − 1) // s``,
    each at most :data:`STRIDE_SEARCH` steps: whichever meets a divisor first
    meets the smallest, and a span with none that close gets no offer.
    """
    below = [t for t in range(s - 1, max(s - 1 - STRIDE_SEARCH, 0), -1) if span % t == 0][:1]
    return tuple(below) + _smallest_divisor_above(span, s, min(span, 2 * s))


def _smallest_divisor_above(span: int, s: int, limit: int) -> tuple[int, ...]:
    """The smallest divisor of ``span`` in ``(s, limit]``, if a capped search from both ends finds it."""
    for t in range(s + 1, min(limit, s + STRIDE_SEARCH) + 1):
        if span % t == 0:
            return (t,)
    if limit <= s + STRIDE_SEARCH:
        return ()
    top = (span - 1) // s  # the largest co-divisor q = span / t with t > s
    for q in range(top, max(top - STRIDE_SEARCH, 0), -1):
        if span % q == 0:
            t = span // q
            return (t,) if s < t <= limit else ()
    return ()


def _fitting_inputs(n: int, remainder: int, s: int) -> tuple[int, ...]:
    """The nearest input sizes below and above ``n`` for which the stride fits."""
    smaller = n - remainder
    return (smaller, smaller + s) if smaller >= 1 else (smaller + s,)
