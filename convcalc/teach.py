"""The arithmetic worked through, for teaching: one convolution, a target size, a receptive-field stack.

Everything here returns plain text lines (no rich, no click), built from the
exact formulas of :mod:`convcalc.shapes`.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from . import shapes
from .args import MAX_INT
from .receptive import MAX_RF_BITS

Pad = tuple[int, int]


@dataclass(frozen=True, slots=True)
class ConvSetting:
    """One spatial dimension of a convolution, padding resolved to (lo, hi)."""

    n: int
    k: int
    s: int = 1
    pad: Pad = (0, 0)
    d: int = 1
    transposed: bool = False
    output_padding: int = 0

    @property
    def f(self) -> int:
        return shapes.effective_kernel(self.k, self.d)

    @property
    def output(self) -> int:
        lo, hi = self.pad
        if self.transposed:
            return shapes.transposed_output(self.n, self.k, self.s, lo, hi, self.d, self.output_padding)
        return shapes.conv_output(self.n, self.k, self.s, lo, hi, self.d)


def resolve_pad(word: str | int | Pad, n: int, k: int, s: int, d: int) -> Pad:
    if isinstance(word, tuple):
        return word
    if isinstance(word, int):
        return (word, word)
    return {
        "valid": (0, 0),
        "same": shapes.same_padding(n, k, s, d),
        "half": shapes.half_padding(k, d),
        "full": shapes.full_padding(k, d),
    }[word]


def _pad_text(pad: Pad) -> str:
    return str(pad[0]) if pad[0] == pad[1] else f"[{pad[0]}, {pad[1]}]"


def explain_direct(c: ConvSetting, label: str = "") -> list[str]:
    lo, hi = c.pad
    head = f"{label}: " if label else ""
    lines = [
        f"{head}N = {c.n}, F = {c.k}"
        + (f" dilated by D = {c.d} to D(F − 1) + 1 = {c.f}" if c.d > 1 else "")
        + f", S = {c.s}, P = {_pad_text(c.pad)}",
    ]
    span = c.n + lo + hi - c.f
    if span < 0:
        lines.append(f"  the kernel ({c.f}) is larger than the padded input ({c.n + lo + hi}): no output")
        return lines
    formula = shapes.slide_formula(c.n, c.k, c.s, lo, hi, c.d)
    lines.append(f"  output = (N + {'2P' if lo == hi else 'P_lo + P_hi'} − F)/S + 1 = {formula}")
    if span % c.s == 0:
        lines.append(f"  = {span}/{c.s} + 1 = {span // c.s + 1}: the stride fits exactly")
        return lines
    quotient = Fraction(span, c.s) + 1
    out = span // c.s + 1
    u = shapes.uneven_stride(c.n, c.k, c.s, lo, hi, c.d)
    assert u is not None
    lines.append(
        f"  = {span}/{c.s} + 1 = {shapes.format_number(quotient)}: not an integer, the stride doesn't fit;"
        f" the output is floored to {out}"
    )
    starts = [i * c.s - lo for i in range(min(out, 6))]
    last = (out - 1) * c.s - lo + c.f - 1
    shown = ", ".join(map(str, starts)) + (", ..." if out > 6 else "")
    lines.append(f"  windows start at input positions {shown}; the last one ends at {last}")
    if u.unread_input:
        first_unread = c.n - u.unread_input
        which = f"{first_unread}" if u.unread_input == 1 else f"{first_unread}..{c.n - 1}"
        lines.append(
            f"  {u.unread_input} input row{'s' if u.unread_input > 1 else ''}/column{'s' if u.unread_input > 1 else ''}"
            f" (position {which}) {'is' if u.unread_input == 1 else 'are'} never read"
        )
    if u.unread_padding:
        lines.append(
            f"  {u.unread_padding} padding position{'s' if u.unread_padding > 1 else ''} at the end never read"
        )
    lines.append("  exact fits:")
    for p in u.fitting_paddings:
        lines.append(f"    padding {_pad_text(p)}: {shapes.slide_formula(c.n, c.k, c.s, p[0], p[1], c.d)}")
    for t in u.fitting_strides:
        lines.append(f"    stride {t}: {shapes.slide_formula(c.n, c.k, t, lo, hi, c.d)}")
    for m in u.fitting_inputs:
        lines.append(f"    input {m}: {shapes.slide_formula(m, c.k, c.s, lo, hi, c.d)}")
    return lines


def explain_transposed(c: ConvSetting, label: str = "") -> list[str]:
    lo, hi = c.pad
    head = f"{label}: " if label else ""
    lines = [
        f"{head}N = {c.n}, F = {c.k}, S = {c.s}, P = {_pad_text(c.pad)}, D = {c.d}, output padding A = {c.output_padding}",
        f"  output = (N − 1)·S − {'2P' if lo == hi else 'P_lo − P_hi'} + D(F − 1) + A + 1"
        f" = {shapes.transposed_formula(c.n, c.k, c.s, lo, hi, c.d, c.output_padding)}",
        "  as a direct convolution (Dumoulin & Visin): insert S − 1 = "
        f"{c.s - 1} zeros between inputs ({c.n} → {(c.n - 1) * c.s + 1}), pad D(F − 1) − P ="
        f" {c.d * (c.k - 1) - lo} before and {c.d * (c.k - 1) - hi + c.output_padding} after, stride 1",
    ]
    return lines


def explain_conv(settings: list[ConvSetting]) -> list[str]:
    """The worked formula for each dimension (dimensions that agree are shown once)."""
    kind = "Transposed convolution" if settings[0].transposed else "Convolution"
    sizes = "×".join(str(c.n) for c in settings)
    outs = "×".join(str(c.output) for c in settings)
    lines = [f"{kind}, input {sizes}:"]
    axes = {1: ["L"], 2: ["H", "W"], 3: ["D", "H", "W"]}.get(len(settings), [str(i) for i in range(len(settings))])
    groups: dict[ConvSetting, list[str]] = {}
    for axis, c in zip(axes, settings):
        groups.setdefault(c, []).append(axis)
    for c, names in groups.items():
        label = "" if len(groups) == 1 else "/".join(names)
        lines += explain_transposed(c, label) if c.transposed else explain_direct(c, label)
    valid = all(c.output >= 1 for c in settings)
    lines.append(f"Output: {outs}" if valid else "Output: none (the output size would be < 1)")
    return lines


@dataclass(frozen=True, slots=True)
class Solution:
    stride: int
    pad: Pad
    exact: bool


MAX_SOLUTIONS_PER_STRIDE = 8
"""Paddings listed per stride by ``conv --target`` (a huge stride has as many as its value)."""


def solve_target(
    n: int, k: int, target: int, d: int = 1, stride: int | None = None, max_stride: int = 8
) -> list[Solution]:
    """Paddings (per side at most F − 1) and strides giving output ``target``.

    Exact solutions first (the stride fits), then floored ones. For one stride
    the totals that work are the ``s`` consecutive ones from
    ``(target − 1)s + F − n``, cut at ``2(F − 1)``; the smallest
    :data:`MAX_SOLUTIONS_PER_STRIDE` of them are listed.
    """
    f = shapes.effective_kernel(k, d)
    strides = [stride] if stride is not None else range(1, max_stride + 1)
    found = []
    for s in strides:
        lowest = (target - 1) * s + f - n
        first = max(lowest, 0)
        stop = min(lowest + s, 2 * (f - 1) + 1, first + MAX_SOLUTIONS_PER_STRIDE)
        for total in range(first, stop):
            lo, hi = total // 2, total - total // 2
            if hi > f - 1:
                continue
            if shapes.conv_output(n, k, s, lo, hi, d) == target:
                found.append(Solution(s, (lo, hi), (n + total - f) % s == 0))
    return sorted(found, key=lambda sol: (not sol.exact, sol.stride, sum(sol.pad)))


def explain_target(n: int, k: int, target: int, d: int = 1, stride: int | None = None) -> list[str]:
    solutions = solve_target(n, k, target, d, stride)
    what = f"stride {stride}" if stride is not None else "strides 1..8"
    if not solutions:
        return [
            f"No padding (at most F − 1 = {shapes.effective_kernel(k, d) - 1} per side) with {what} turns "
            f"{n} into {target} with a kernel of {k}."
        ]
    lines = [f"Ways to turn {n} into {target} with kernel {k}" + (f", dilation {d}" if d > 1 else "") + ":"]
    for sol in solutions:
        formula = shapes.slide_formula(n, k, sol.stride, sol.pad[0], sol.pad[1], d)
        note = "exact" if sol.exact else f"floored to {target}"
        lines.append(f"  stride {sol.stride}, padding {_pad_text(sol.pad)}: {formula} ({note})")
    return lines


MAX_RF_TOKEN = 40
"""Longest layer token of ``convcalc rf`` (``2147483647x2147483647/2147483647`` is 32)."""

MAX_RF_LAYERS = 10_000
"""Most layers one ``convcalc rf`` walks (its numbers are bounded too, by :data:`MAX_RF_BITS`)."""


@dataclass(frozen=True, slots=True)
class RfLayer:
    label: str
    k: int
    s: int = 1
    d: int = 1


def parse_rf_layer(token: str) -> RfLayer:
    """``3x3``, ``3``, ``3/2`` (stride 2), ``3d2`` (dilation 2), ``7x7/2``."""
    text = token.strip().lower()
    if len(text) > MAX_RF_TOKEN:
        raise ValueError(f"{text[:20]}...: a layer is written in at most {MAX_RF_TOKEN} characters, like 7x7/2")
    stride_text = dilation_text = "1"
    if "/" in text:
        text, _, stride_text = text.partition("/")
    if "d" in text:
        text, _, dilation_text = text.partition("d")
    try:
        stride, dilation = int(stride_text), int(dilation_text)
        sizes = {int(v) for v in text.split("x")}
    except ValueError:
        raise ValueError(f"{token}: expected a layer like 3x3, 7x7/2 (stride 2) or 3d2 (dilation 2)") from None
    if len(sizes) != 1:
        raise ValueError(f"{token}: the receptive-field walk takes square kernels (3x3, not 3x5)")
    k = sizes.pop()
    if k < 1 or stride < 1 or dilation < 1:
        raise ValueError(f"{token}: kernel, stride and dilation must be ≥ 1")
    if max(k, stride, dilation) > MAX_INT:
        raise ValueError(f"{token}: kernel, stride and dilation are at most {MAX_INT:,}")
    return RfLayer(token, k, stride, dilation)


def explain_rf(layers: list[RfLayer]) -> list[str]:
    """Receptive-field growth of a stack: RF ← RF + (F − 1)·jump, jump ← jump·S."""
    lines = ["RF = RF + (F − 1)·jump, jump = jump·S  (F = D(K − 1) + 1)", f"  {'input':<10} RF 1, jump 1"]
    if len(layers) > MAX_RF_LAYERS:
        raise ValueError(f"{len(layers):,} layers: the walk takes at most {MAX_RF_LAYERS:,}")
    rf, jump = 1, 1
    for layer in layers:
        f = shapes.effective_kernel(layer.k, layer.d)
        new_rf = rf + (f - 1) * jump
        if max(new_rf, jump * layer.s).bit_length() >= MAX_RF_BITS:
            raise ValueError(f"{layer.label}: the receptive field passes 2^{MAX_RF_BITS}; no number format holds it")
        detail = f"{rf} + ({f} − 1)·{jump} = {new_rf}"
        rf, jump = new_rf, jump * layer.s
        lines.append(f"  {layer.label:<10} RF {detail}, jump {jump}")
    lines.append(f"Receptive field: {rf}×{rf}")
    return lines


def explain_volume(settings: list[ConvSetting], channels: int, filters: int) -> list[str]:
    """The output volume and the parameters and MACs worked through, as the slides do:
    (F·F·C + 1)·K for K filters of F×F×C, each with one bias."""
    kernels = [c.k for c in settings]
    outs = [c.output for c in settings]
    weights = "·".join(map(str, [*kernels, channels]))
    per_filter = 1
    for k in kernels:
        per_filter *= k
    per_filter *= channels
    params = (per_filter + 1) * filters
    positions = 1
    for o in outs:
        positions *= o
    return [
        f"Output volume: {'×'.join(map(str, outs))}×{filters} (K = {filters} filters, one output channel each)",
        f"Parameters: ({weights} + 1)·{filters} = ({per_filter:,} + 1)·{filters} = {params:,}"
        f" (each filter {'×'.join(map(str, kernels))}×{channels} weights and 1 bias)",
        f"MACs: {'·'.join(map(str, outs))}·{filters}·{weights} = {positions * filters * per_filter:,}"
        " (every output value: one multiply-accumulate per weight)",
    ]


def channels_last_hint(sizes: list[int]) -> str:
    """A note when SIZE looks like the slides' H×W×C (``32x32x3``) but is read as three spatial sizes."""
    if len(sizes) == 3 and sizes[2] in (1, 3, 4) and min(sizes[:2]) >= 4 * sizes[2]:
        h, w, c = sizes
        return (
            f"note: {h}x{w}x{c} is read as three spatial sizes (D×H×W); for an H×W×C image "
            f"write {h}x{w} --channels {c}"
        )
    return ""
