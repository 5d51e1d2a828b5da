"""The pure formulas of convcalc.shapes, and the engine's counts, against brute force.

Every oracle here is computed the slow, obvious way: windows are slid over an
actual padded list, MACs are counted by the iterations of a naive loop nest,
transposed convolutions are checked by running the matching convolution
backwards. Small 1-D domains are covered exhaustively (about 10⁵ cases, built
once at import); bigger or multi-dimensional ones with hypothesis.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from math import ceil

from conftest import analyze_yaml
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from convcalc import shapes

N_MAX, K_MAX, S_MAX, P_MAX, D_MAX = 40, 7, 5, 4, 3
"""The exhaustive 1-D domain: n ≤ 40, k ≤ 7, s ≤ 5, each side's padding ≤ 4, d ≤ 3."""

PAD, INPUT = "pad", "in"


# ----- brute force -------------------------------------------------------------------


@dataclass(frozen=True)
class Slide:
    """What sliding a dilated window over a padded list shows, found by doing it."""

    outputs: int
    last_end: int
    """Index in the padded list of the last position spanned by the last window."""
    unread: tuple[str, ...]
    """The padded list's entries after the last window's span (never touched)."""


@cache
def padded_list(n: int, lo: int, hi: int) -> list[str]:
    return [PAD] * lo + [INPUT] * n + [PAD] * hi


@cache
def slide(n: int, k: int, s: int, lo: int, hi: int, d: int) -> Slide:
    """Try a window at every ``s``-th cell of the padded list; keep those whose k taps
    (``cells[start + t·d]``) all exist, i.e. that do not hang over the end."""
    cells = padded_list(n, lo, hi)
    span = d * (k - 1) + 1
    starts = [x for x in range(0, len(cells), s) if len(cells[x : x + span : d]) == k]
    last_end = starts[-1] + span - 1 if starts else -1
    return Slide(len(starts), last_end, tuple(cells[last_end + 1 :]))


def all_configs() -> list[tuple[int, int, int, int, int, int]]:
    """Every (n, k, s, lo, hi, d) of the exhaustive domain where the window fits the padded input."""
    configs = []
    for n in range(1, N_MAX + 1):
        for k in range(1, K_MAX + 1):
            for s in range(1, S_MAX + 1):
                for d in range(1, D_MAX + 1):
                    for lo in range(P_MAX + 1):
                        for hi in range(P_MAX + 1):
                            if d * (k - 1) + 1 <= n + lo + hi:
                                configs.append((n, k, s, lo, hi, d))
    return configs


CONFIGS = all_configs()
SLIDES = {config: slide(*config) for config in CONFIGS}
UNEVEN = {config: shapes.uneven_stride(*config) for config in CONFIGS}
"""The engine's diagnosis of every config, computed once for the tests that read it."""


def reaches_left_padding(n: int, k: int, s: int, lo: int, hi: int, d: int) -> bool:
    """The never-touched tail starts inside the left padding (only when lo is large and n tiny)."""
    return SLIDES[(n, k, s, lo, hi, d)].last_end + 1 < lo


# ----- conv output size and the uneven-stride diagnosis (exhaustive) -----------------


def test_exhaustive_domain_is_the_promised_size() -> None:
    """The loop really covers the ~10⁵ configurations, not a handful (guards the tests below)."""
    assert len(CONFIGS) > 80_000


def test_conv_output_counts_window_positions() -> None:
    """conv_output equals the number of windows that fit, for every config of the domain."""
    wrong = [c for c in CONFIGS if shapes.conv_output(*c) != SLIDES[c].outputs]
    assert not wrong, f"{len(wrong)} configs disagree, e.g. (n, k, s, lo, hi, d) = {wrong[:5]}"


def test_conv_output_below_one_when_kernel_exceeds_padded_input() -> None:
    """When the dilated kernel is longer than the padded input no window fits: output < 1."""
    for n in range(1, 12):
        for k in range(1, K_MAX + 1):
            for s in range(1, S_MAX + 1):
                for d in range(1, D_MAX + 1):
                    for lo in range(P_MAX + 1):
                        for hi in range(P_MAX + 1):
                            if d * (k - 1) + 1 > n + lo + hi:
                                assert slide(n, k, s, lo, hi, d).outputs == 0
                                assert shapes.conv_output(n, k, s, lo, hi, d) < 1


def test_uneven_stride_flag_means_untouched_tail() -> None:
    """uneven_stride(...) is not None exactly when padded positions after the last window go untouched."""
    wrong = [c for c in CONFIGS if (UNEVEN[c] is not None) != bool(SLIDES[c].unread)]
    assert not wrong, f"{len(wrong)} configs disagree, e.g. {wrong[:5]}"


def _unread_mismatches(configs: list[tuple[int, int, int, int, int, int]]) -> list[tuple]:
    wrong = []
    for c in configs:
        u = UNEVEN[c]
        if u is None:
            continue
        tail = SLIDES[c].unread
        expected = (tail.count(INPUT), tail.count(PAD), len(tail))
        if (u.unread_input, u.unread_padding, u.remainder) != expected:
            wrong.append((c, (u.unread_input, u.unread_padding, u.remainder), expected))
    return wrong


def test_unread_input_and_padding_counts() -> None:
    """unread_input/unread_padding count the untouched tail's input and padding cells.

    Covers every uneven config whose untouched tail starts at or after the left
    padding's end (all but 79 of the domain); the test below covers those 79.
    """
    configs = [c for c in CONFIGS if not reaches_left_padding(*c)]
    wrong = _unread_mismatches(configs)
    assert not wrong, f"{len(wrong)} configs disagree, e.g. (config, engine, brute force) = {wrong[:5]}"


def test_unread_counts_when_tail_reaches_into_left_padding() -> None:
    """Same check as above on the configs where the untouched tail starts inside the left padding.

    Minimal case: n=1, k=1, s=3, padding [[2, 0]]: the padded list is
    [pad, pad, in], the only window is at 0, so 1 padding cell and 1 input
    cell are never read.
    """
    configs = [c for c in CONFIGS if reaches_left_padding(*c)]
    assert configs
    assert not _unread_mismatches(configs)


def test_fitting_paddings_strides_and_inputs_really_fit() -> None:
    """Every fix the uneven-stride warning proposes makes the stride exact, and the strides are the nearest."""
    for c in CONFIGS:
        n, k, s, lo, hi, d = c
        u = UNEVEN[c]
        if u is None:
            continue
        f = d * (k - 1) + 1
        span = n + lo + hi - f
        assert u.fitting_paddings and u.fitting_strides and u.fitting_inputs, c
        for p_lo, p_hi in u.fitting_paddings:
            assert min(p_lo, p_hi) >= 0 and n + p_lo + p_hi >= f, c
            assert not slide(n, k, s, p_lo, p_hi, d).unread, (c, p_lo, p_hi)
        for t in u.fitting_strides:
            assert not slide(n, k, t, lo, hi, d).unread, (c, t)
            between = range(t + 1, s) if t < s else range(s + 1, t)
            assert all(span % v for v in between), (c, t)
        for m in u.fitting_inputs:
            assert m >= 1 and m + lo + hi >= f, (c, m)
            assert not slide(m, k, s, lo, hi, d).unread, (c, m)


@settings(max_examples=300)
@given(
    n=st.integers(1, 10**9),
    k=st.integers(1, 64),
    s=st.integers(1, 64),
    lo=st.integers(0, 64),
    hi=st.integers(0, 64),
    d=st.integers(1, 8),
)
def test_conv_output_for_large_inputs(n: int, k: int, s: int, lo: int, hi: int, d: int) -> None:
    """Far outside the exhaustive domain: the window starts are Python's range(0, L − f + 1, s)."""
    f = d * (k - 1) + 1
    length = n + lo + hi
    assume(f <= length)
    starts = range(0, length - f + 1, s)
    assert shapes.conv_output(n, k, s, lo, hi, d) == len(starts)
    untouched = length - (starts[-1] + f)
    assert (shapes.uneven_stride(n, k, s, lo, hi, d) is not None) == (untouched > 0)


def test_slide_formula_of_the_slides() -> None:
    """The cs231n slide's worked example: 7×7 input, 3×3 filter, stride 3 gives (7 − 3)/3 + 1 = 2.33."""
    assert shapes.slide_formula(7, 3, 3) == "(7 − 3)/3 + 1 = 2.33"
    assert shapes.slide_formula(7, 3, 2, 1, 1) == "(7 + 2·1 − 3)/2 + 1 = 4"


# ----- pooling with ceil_mode (exhaustive) --------------------------------------------


def torch_ceil_windows(n: int, k: int, s: int, lo: int, hi: int, d: int) -> int:
    """PyTorch's ceil_mode rule, by sliding: keep adding windows while input remains uncovered,
    letting the last one hang over the end, but never one that starts past the input and left padding.

    (Checked offline against torch 2.14.1 nn.MaxPool1d(..., ceil_mode=True) on 1,908
    configs with n ≤ 24, k ≤ 5, s ≤ 4, d ≤ 2, p ≤ k//2: no difference.)
    """
    f = d * (k - 1) + 1
    cells = padded_list(n, lo, hi)
    count = 0
    i = 0
    while True:
        start = i * s
        if i > 0 and (i - 1) * s + f - 1 >= len(cells) - 1:
            break  # the previous window already reached the end
        if start >= lo + n:
            break  # would start in the right padding or beyond
        count += 1
        i += 1
    return count


def test_pool_ceil_mode_matches_pytorch_rule() -> None:
    """pool_output(..., ceil_mode=True) equals the slid count, for every config PyTorch accepts (pad ≤ k/2)."""
    wrong = []
    for c in CONFIGS:
        n, k, s, lo, hi, d = c
        if max(lo, hi) > k // 2:
            continue
        expected = torch_ceil_windows(*c)
        if shapes.pool_output(n, k, s, lo, hi, d, ceil_mode=True) != expected:
            wrong.append(c)
    assert not wrong, f"{len(wrong)} configs disagree, e.g. {wrong[:5]}"


def test_pool_floor_mode_is_conv_output() -> None:
    """Without ceil_mode, pooling counts windows exactly as a convolution does."""
    wrong = [c for c in CONFIGS if shapes.pool_output(*c) != SLIDES[c].outputs]
    assert not wrong, wrong[:5]


def test_pool_ceil_mode_drops_window_starting_in_padding() -> None:
    """n=3, k=2, s=2, pad 1: ⌈3/2⌉ + 1 = 3 windows, but the third would start in the right padding.

    torch 2.14.1: nn.MaxPool1d(2, 2, padding=1, ceil_mode=True)(torch.zeros(1, 1, 3)).shape[-1] == 2
    """
    assert torch_ceil_windows(3, 2, 2, 1, 1, 1) == 2
    assert shapes.pool_output(3, 2, 2, 1, 1, ceil_mode=True) == 2


# ----- transposed convolution: the inverse of the matching conv -----------------------


def test_transposed_output_maps_back_under_matching_conv() -> None:
    """For every output_padding a < s, the conv with the same k, s, p, d maps the deconv's output size back to n,
    and the s choices of a reach exactly the input sizes that this conv maps to n."""
    for n in range(1, 21):
        for k in range(1, K_MAX + 1):
            for s in range(1, S_MAX + 1):
                for p in range(P_MAX + 1):
                    for d in range(1, D_MAX + 1):
                        f = d * (k - 1) + 1
                        sizes = {shapes.transposed_output(n, k, s, p, p, d, a) for a in range(s)}
                        valid = {m for m in sizes if m >= 1}
                        for m in valid:
                            assert f <= m + 2 * p
                            assert shapes.conv_output(m, k, s, p, p, d) == n, (n, k, s, p, d, m)
                        preimage = {
                            m
                            for m in range(max(1, (n - 3) * s + f - 2 * p), (n + 2) * s + f)
                            if f <= m + 2 * p and shapes.conv_output(m, k, s, p, p, d) == n
                        }
                        assert preimage == valid, (n, k, s, p, d)


def scatter_output_size(n: int, k: int, s: int, lo: int, hi: int, d: int, a: int) -> int:
    """Scatter every input position through every tap (``i·s + t·d``), crop lo and hi, add output_padding."""
    reached = {i * s + t * d for i in range(n) for t in range(k)}
    return max(reached) + 1 - lo - hi + a


def test_transposed_output_by_scatter() -> None:
    """transposed_output equals the extent the scattered taps reach, cropped by the padding."""
    for n in range(1, 16):
        for k in range(1, K_MAX + 1):
            for s in range(1, S_MAX + 1):
                for d in range(1, D_MAX + 1):
                    for lo, hi in ((0, 0), (1, 1), (2, 1), (0, 3)):
                        for a in range(max(s, d)):
                            expected = scatter_output_size(n, k, s, lo, hi, d, a)
                            assert shapes.transposed_output(n, k, s, lo, hi, d, a) == expected


# ----- 'same', 'half' and 'full' padding -----------------------------------------------


def test_same_padding_is_tensorflow_rule() -> None:
    """'same' gives ⌈n/s⌉ outputs with the least total padding, the odd pixel at the end (TensorFlow's
    Padding::SAME in tensorflow/core/framework/kernel_shape_util.cc), for every n, k, s, d of the domain."""
    for n in range(1, N_MAX + 1):
        for k in range(1, K_MAX + 1):
            for s in range(1, S_MAX + 1):
                for d in range(1, D_MAX + 1):
                    lo, hi = shapes.same_padding(n, k, s, d)
                    assert hi - lo in (0, 1), (n, k, s, d)
                    assert slide(n, k, s, lo, hi, d).outputs == ceil(n / s), (n, k, s, d)
                    assert shapes.conv_output(n, k, s, lo, hi, d) == ceil(n / s)
                    least = next(t for t in range(100) if slide(n, k, s, 0, t, d).outputs >= ceil(n / s))
                    assert lo + hi == least, (n, k, s, d)


def test_half_padding_keeps_size_for_odd_kernels() -> None:
    """'half' (⌊d(k−1)/2⌋ each side) keeps n at stride 1 for an odd effective kernel, n − 1 for an even one."""
    for n in range(1, N_MAX + 1):
        for k in range(1, K_MAX + 1):
            for d in range(1, D_MAX + 1):
                lo, hi = shapes.half_padding(k, d)
                f = d * (k - 1) + 1
                if f > n + lo + hi:
                    continue
                expected = n if f % 2 else n - 1
                assert slide(n, k, 1, lo, hi, d).outputs == expected
                assert shapes.conv_output(n, k, 1, lo, hi, d) == expected


def test_full_padding_counts_every_partial_overlap() -> None:
    """'full' (d(k−1) each side) gives one output per s-spaced window placement, from the first whose span
    reaches pixel 0, that overlaps the input (Dumoulin & Visin's full padding: every partial overlap)."""
    for n in range(1, N_MAX + 1):
        for k in range(1, K_MAX + 1):
            for s in range(1, S_MAX + 1):
                for d in range(1, D_MAX + 1):
                    lo, hi = shapes.full_padding(k, d)
                    f = d * (k - 1) + 1
                    overlapping = [x for x in range(-(f - 1), n + f, s) if x <= n - 1 and x + f - 1 >= 0]
                    assert shapes.conv_output(n, k, s, lo, hi, d) == len(overlapping)


# ----- adaptive pooling windows ---------------------------------------------------------


def test_adaptive_windows_match_torch() -> None:
    """PyTorch's adaptive windows, read off torch 2.14.1 outputs on arange inputs:
    nn.AdaptiveAvgPool1d(3)(torch.arange(5.)) == [0.5, 2.0, 3.5] → windows [0,2), [1,4), [3,5);
    nn.AdaptiveAvgPool1d(6)(torch.arange(13.)) == [1, 3, 5, 7, 9, 11] → windows of 3 starting 0, 2, 4, ..."""
    assert shapes.adaptive_windows(5, 3) == [(0, 2), (1, 4), (3, 5)]
    assert shapes.adaptive_windows(13, 6) == [(0, 3), (2, 5), (4, 7), (6, 9), (8, 11), (10, 13)]


def test_adaptive_max_window_is_longest_window() -> None:
    """The closed form for the longest window equals the longest of the listed windows, and windows cover the input."""
    for n in range(1, 60):
        for out in range(1, 60):
            windows = shapes.adaptive_windows(n, out)
            assert shapes.adaptive_max_window(n, out) == max(b - a for a, b in windows), (n, out)
            assert windows[0][0] == 0 and windows[-1][1] == n
            assert all(b > a for a, b in windows)


# ----- MACs and parameters: naive loop nests vs the engine ------------------------------


def conv_loop(
    c_in: int,
    size: tuple[int, int],
    filters: int,
    kernel: tuple[int, int],
    stride: int,
    pad: int,
    dil: int,
    groups: int,
) -> tuple[tuple[int, int], int]:
    """Output size found by sliding, and MACs counted one loop iteration at a time."""
    out = tuple(slide(n, k, stride, pad, pad, dil).outputs for n, k in zip(size, kernel))
    per_group_in = c_in // groups
    macs = 0
    for _co in range(filters):
        for _oy in range(out[0]):
            for _ox in range(out[1]):
                for _ci in range(per_group_in):
                    for _ky in range(kernel[0]):
                        for _kx in range(kernel[1]):
                            macs += 1
    return out, macs  # type: ignore[return-value]


@st.composite
def conv_cases(draw: st.DrawFn) -> dict[str, int]:
    groups = draw(st.integers(1, 4))
    case = {
        "groups": groups,
        "c_in": groups * draw(st.integers(1, 3)),
        "filters": groups * draw(st.integers(1, 2)),
        "h": draw(st.integers(1, 9)),
        "w": draw(st.integers(1, 9)),
        "kh": draw(st.integers(1, 3)),
        "kw": draw(st.integers(1, 3)),
        "stride": draw(st.integers(1, 3)),
        "pad": draw(st.integers(0, 2)),
        "dil": draw(st.integers(1, 2)),
    }
    for n, k in ((case["h"], case["kh"]), (case["w"], case["kw"])):
        assume(case["dil"] * (k - 1) + 1 <= n + 2 * case["pad"])
    return case


@settings(max_examples=120)
@given(conv_cases())
def test_conv_macs_and_params_match_loop_nest(case: dict[str, int]) -> None:
    """Conv MACs = iterations of (out channel, out position, in-channel-in-group, kernel tap); params = weights + bias."""
    c = case
    report = analyze_yaml(
        f"""
        input: [{c["c_in"]}, {c["h"]}, {c["w"]}]
        layers:
          - conv: {{filters: {c["filters"]}, kernel: [{c["kh"]}, {c["kw"]}], stride: {c["stride"]},
                    padding: {c["pad"]}, dilation: {c["dil"]}, groups: {c["groups"]}}}
        """
    )
    row = report.row("conv1")
    out, macs = conv_loop(
        c["c_in"], (c["h"], c["w"]), c["filters"], (c["kh"], c["kw"]), c["stride"], c["pad"], c["dil"], c["groups"]
    )
    assert row.output_shape == (c["filters"], *out)
    assert row.macs == macs
    assert row.flops == 2 * macs
    weights = c["filters"] * (c["c_in"] // c["groups"]) * c["kh"] * c["kw"]
    assert row.params == weights + c["filters"]


@st.composite
def deconv_cases(draw: st.DrawFn) -> dict[str, int]:
    groups = draw(st.integers(1, 3))
    stride = draw(st.integers(1, 3))
    dil = draw(st.integers(1, 2))
    return {
        "groups": groups,
        "c_in": groups * draw(st.integers(1, 2)),
        "filters": groups * draw(st.integers(1, 3)),
        "h": draw(st.integers(1, 6)),
        "w": draw(st.integers(1, 6)),
        "k": draw(st.integers(1, 4)),
        "stride": stride,
        "pad": draw(st.integers(0, 1)),
        "dil": dil,
        "out_pad": draw(st.integers(0, max(stride, dil) - 1)),
    }


@settings(max_examples=120)
@given(deconv_cases())
def test_deconv_macs_and_shape_match_scatter_loop(case: dict[str, int]) -> None:
    """Deconv MACs = iterations of (input element, out-channel-in-group, kernel tap); size by scattering taps."""
    c = case
    size = [
        scatter_output_size(n, c["k"], c["stride"], c["pad"], c["pad"], c["dil"], c["out_pad"])
        for n in (c["h"], c["w"])
    ]
    assume(min(size) >= 1)
    report = analyze_yaml(
        f"""
        input: [{c["c_in"]}, {c["h"]}, {c["w"]}]
        layers:
          - deconv: {{filters: {c["filters"]}, kernel: {c["k"]}, stride: {c["stride"]}, padding: {c["pad"]},
                      dilation: {c["dil"]}, groups: {c["groups"]}, output_padding: {c["out_pad"]}}}
        """
    )
    row = report.row("deconv1")
    macs = 0
    for _ci in range(c["c_in"]):
        for _y in range(c["h"]):
            for _x in range(c["w"]):
                for _co in range(c["filters"] // c["groups"]):
                    for _ky in range(c["k"]):
                        for _kx in range(c["k"]):
                            macs += 1
    assert row.output_shape == (c["filters"], *size)
    assert row.macs == macs
    assert row.params == c["c_in"] * (c["filters"] // c["groups"]) * c["k"] ** 2 + c["filters"]


@settings(max_examples=60)
@given(
    c=st.integers(1, 6),
    h=st.integers(1, 5),
    w=st.integers(1, 5),
    units=st.integers(1, 12),
    bias=st.booleans(),
)
def test_fc_macs_match_loop_nest(c: int, h: int, w: int, units: int, bias: bool) -> None:
    """fc flattens C×H×W: MACs = iterations of (unit, input feature); params = weights (+ biases)."""
    report = analyze_yaml(
        f"""
        input: [{c}, {h}, {w}]
        layers:
          - fc: {{units: {units}, bias: {str(bias).lower()}}}
        """
    )
    row = report.row("fc1")
    macs = 0
    for _unit in range(units):
        for _ch in range(c):
            for _y in range(h):
                for _x in range(w):
                    macs += 1
    assert row.output_shape == (units,)
    assert row.macs == macs
    assert row.params == macs + (units if bias else 0)
