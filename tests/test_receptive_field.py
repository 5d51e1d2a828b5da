"""Receptive fields: published figures, and brute force by propagating index sets.

The brute force walks a 1-D stack backwards from one output position: each
layer maps the set of its output positions to the set of input positions they
read (a window layer's output ``o`` reads ``o·s + t·d − lo`` for each tap
``t``). Positions are not clipped to the input, because the theoretical field
counts padded positions too: so the field's size is the span of the final
set, its start the centre of that span, and its jump the distance between
the first input positions of output 0 and output 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import pytest
from conftest import SPECS, analyze_yaml
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import convcalc
from convcalc.receptive import ReceptiveField

# ----- brute force over 1-D stacks ------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """conv, maxpool or avgpool in 1-D: kernel, stride, padding (lo, hi), dilation."""

    type: str
    k: int
    s: int = 1
    lo: int = 0
    hi: int = 0
    d: int = 1
    ceil_mode: bool = False

    def yaml(self) -> str:
        args = f"kernel: {self.k}, stride: {self.s}, padding: [[{self.lo}, {self.hi}]]"
        if self.type == "conv":
            return f"conv: {{filters: 1, {args}, dilation: {self.d}}}"
        if self.type == "maxpool":
            return f"maxpool: {{{args}, dilation: {self.d}, ceil_mode: {str(self.ceil_mode).lower()}}}"
        return f"avgpool: {{{args}, ceil_mode: {str(self.ceil_mode).lower()}}}"

    def reads(self, positions: set[int], n_in: int) -> set[int]:
        return {o * self.s + t * self.d - self.lo for o in positions for t in range(self.k)}


@dataclass(frozen=True)
class Pad:
    """The pad layer: output o is input o − lo."""

    lo: int
    hi: int

    def yaml(self) -> str:
        return f"pad: {{padding: [[{self.lo}, {self.hi}]]}}"

    def reads(self, positions: set[int], n_in: int) -> set[int]:
        return {o - self.lo for o in positions}


@dataclass(frozen=True)
class Whole:
    """gap or fc: every output reads every input position."""

    type: str

    def yaml(self) -> str:
        return "gap" if self.type == "gap" else "fc: {units: 3}"

    def reads(self, positions: set[int], n_in: int) -> set[int]:
        return set(range(n_in))


Layer = Window | Pad | Whole


def input_sizes(n: int, rows: list[convcalc.Row]) -> list[int]:
    """The spatial input size of each layer, read off the engine's rows."""
    sizes = [n]
    for row in rows[:-1]:
        sizes.append(row.output_shape[1] if len(row.output_shape) > 1 else 1)
    return sizes


def field_of(layers: list[Layer], sizes: list[int], position: int) -> set[int]:
    """The input positions (unclipped) that output ``position`` of the last layer depends on."""
    positions = {position}
    for layer, n_in in zip(reversed(layers), reversed(sizes)):
        positions = layer.reads(positions, n_in)
    return positions


def brute_field(layers: list[Layer], sizes: list[int], out_size: int) -> tuple[int, Fraction, int | None]:
    """(size, start, jump) of output 0's field; jump None when there is one output position."""
    first = field_of(layers, sizes, 0)
    size = max(first) - min(first) + 1
    start = Fraction(max(first) + min(first), 2)
    jump = None
    if out_size > 1:
        jump = min(field_of(layers, sizes, 1)) - min(first)
    return size, start, jump


def analyze_stack(n: int, layers: list[Layer]) -> convcalc.Report:
    body = "".join(f"  - {layer.yaml()}\n" for layer in layers)
    return analyze_yaml(f"input: [1, {n}]\nlayers:\n{body}")


# ----- random stacks ------------------------------------------------------------------------------


@st.composite
def windows(draw: st.DrawFn) -> Window:
    kind = draw(st.sampled_from(["conv", "conv", "maxpool", "avgpool"]))
    k = draw(st.integers(1, 7))
    if kind == "conv":
        return Window(
            "conv",
            k,
            draw(st.integers(1, 4)),
            draw(st.integers(0, 4)),
            draw(st.integers(0, 4)),
            draw(st.integers(1, 3)),
        )
    half = k // 2
    return Window(
        kind,
        k,
        draw(st.integers(1, 4)),
        draw(st.integers(0, half)),
        draw(st.integers(0, half)),
        draw(st.integers(1, 2)) if kind == "maxpool" else 1,
        draw(st.booleans()),
    )


layer_strategy = st.one_of(
    windows(),
    windows(),
    windows(),
    st.builds(Pad, st.integers(0, 3), st.integers(0, 3)),
)


@settings(max_examples=200)
@given(
    n=st.integers(40, 400),
    layers=st.lists(layer_strategy, min_size=1, max_size=5),
    last=st.sampled_from([None, "gap", "fc"]),
)
def test_random_stacks_match_brute_force(n: int, layers: list[Layer], last: str | None) -> None:
    """For random 1-D stacks of conv/pool/pad (optionally ending in gap or fc), every row's size, start
    and jump equal the span, centre and step of the input positions that its output 0 (and 1) depend on."""
    if last is not None:
        layers = [*layers, Whole(last)]
    try:
        report = analyze_stack(n, layers)
    except convcalc.SpecError as error:
        if error.code not in ("kernel-size", "output-size"):
            raise
        assume(False)  # some window does not fit its input: not a network
        return
    rows = list(report.rows)
    assert len(rows) == len(layers)
    sizes = input_sizes(n, rows)
    for i, row in enumerate(rows):
        out = row.output_shape[1] if len(row.output_shape) > 1 else 1
        size, start, jump = brute_field(layers[: i + 1], sizes[: i + 1], out)
        rf = row.receptive_field
        assert rf.size == (size,), (i, row.name)
        assert rf.start == (start,), (i, row.name)
        if jump is not None:
            assert rf.jump == (jump,), (i, row.name)


# ----- published figures ------------------------------------------------------------------------------


def test_three_3x3_convs_see_7x7() -> None:
    """VGG (Simonyan & Zisserman 2015, Sec. 2.3) and the cs231n slides: two stacked 3×3 conv layers have an
    effective receptive field of 5×5, three have 7×7."""
    report = analyze_yaml(
        """
        input: [64, 32, 32]
        layers:
          - conv: {filters: 64, kernel: 3, padding: 1, bias: false, repeat: 3}
        """
    )
    sizes = [report.row(f"conv1.{i}").receptive_field.size for i in (1, 2, 3)]
    assert sizes == [(3, 3), (5, 5), (7, 7)]
    assert all(report.row(f"conv1.{i}").receptive_field.jump == (1, 1) for i in (1, 2, 3))
    layers: list[Layer] = [Window("conv", 3, 1, 1, 1)] * 3
    assert brute_field(layers, [32, 32, 32], 32)[0] == 7


def test_three_3x3_convs_have_fewer_weights_than_one_7x7() -> None:
    """VGG Sec. 2.3: three 3×3 layers of C channels have 3(3²C²) = 27C² weights, one 7×7 layer 7²C² = 49C²."""
    stack = analyze_yaml(
        "input: [64, 32, 32]\nlayers:\n  - conv: {filters: 64, kernel: 3, padding: 1, bias: false, repeat: 3}\n"
    )
    single = analyze_yaml("input: [64, 32, 32]\nlayers:\n  - conv: {filters: 64, kernel: 7, padding: 3, bias: false}\n")
    assert stack.totals.params == 27 * 64**2
    assert single.totals.params == 49 * 64**2
    assert stack.output_shape == single.output_shape
    assert stack.rows[-1].receptive_field.size == single.rows[-1].receptive_field.size == (7, 7)


ALEXNET_GEOMETRY: list[Layer] = [
    Window("conv", 11, 4),  # conv1
    Window("maxpool", 3, 2),  # pool1
    Window("conv", 5, 1, 2, 2),  # conv2
    Window("maxpool", 3, 2),  # pool2
    Window("conv", 3, 1, 1, 1),  # conv3
    Window("conv", 3, 1, 1, 1),  # conv4
    Window("conv", 3, 1, 1, 1),  # conv5
    Window("maxpool", 3, 2),  # pool3
]
"""specs/alexnet.yaml's spatial layers in one dimension (norm and relu change nothing)."""
ALEXNET_SIZES = [227, 55, 27, 27, 13, 13, 13, 13]
"""The input size of each layer of ALEXNET_GEOMETRY (cs231n's table)."""


def test_alexnet_pool3() -> None:
    """AlexNet's POOL3 sees 195×195 input pixels, 32 apart: the AlexNet example of Dang Ha The Hien,
    'A guide to receptive field arithmetic for Convolutional Neural Networks' (2017), prints
    'pool5: jump=32, receptive size=195'. Brute force over the one-tower spec's geometry agrees,
    and puts the first field's centre at pixel 33 (0-based, no padding before conv1)."""
    report = convcalc.analyze(SPECS / "alexnet.yaml")
    rf = report.row("pool3").receptive_field
    assert rf.size == (195, 195)
    assert rf.jump == (32, 32)
    assert brute_field(ALEXNET_GEOMETRY, ALEXNET_SIZES, 6) == (195, 33, 32)
    assert rf.start == (33, 33)


def test_alexnet_fc6_sees_all_of_pool3() -> None:
    """fc6 reads all 6×6 of POOL3: fields of pool3's positions 0 and 5 span 195 + 5·32 = 355 (unclipped),
    the 'fc6-conv: receptive size=355' of the same guide's AlexNet example."""
    report = convcalc.analyze(SPECS / "alexnet.yaml")
    assert report.row("fc6").receptive_field.size == (355, 355)
    assert report.row("fc6").receptive_field.start == (113, 113)
    assert brute_field([*ALEXNET_GEOMETRY, Whole("fc")], [*ALEXNET_SIZES, 6], 1) == (355, 113, None)


def test_dilated_conv() -> None:
    """A 3×3 conv with dilation 2 spans 5×5 (Dumoulin & Visin, 'A guide to convolution arithmetic',
    Sec. 5.1: k̂ = k + (k − 1)(d − 1) = 5)."""
    row = analyze_yaml("input: [1, 16, 16]\nlayers:\n  - conv: {filters: 1, kernel: 3, dilation: 2}\n").rows[0]
    assert row.receptive_field.size == (5, 5)
    assert row.receptive_field.start == (2, 2)
    assert brute_field([Window("conv", 3, 1, 0, 0, 2)], [16], 12) == (5, 2, 1)


def test_exponentially_dilated_stack() -> None:
    """Yu & Koltun 2016 ('Multi-scale context aggregation by dilated convolutions', Sec. 2): 3×3 convs with
    dilations 1, 2, 4 give fields of (2^(i+2) − 1)²: 3×3, 7×7, 15×15."""
    report = analyze_yaml(
        """
        input: [1, 32, 32]
        layers:
          - conv: {filters: 1, kernel: 3, padding: 1, dilation: 1}
          - conv: {filters: 1, kernel: 3, padding: 2, dilation: 2}
          - conv: {filters: 1, kernel: 3, padding: 4, dilation: 4}
        """
    )
    assert [row.receptive_field.size for row in report.rows] == [(3, 3), (7, 7), (15, 15)]


@pytest.mark.parametrize(
    ("layer", "start"),
    [
        # output 0 reads input positions −1, 0, 1: centre 0
        ("conv: {filters: 1, kernel: 3, padding: 1}", 0),
        # no padding: positions 0, 1, 2, centre 1
        ("conv: {filters: 1, kernel: 3}", 1),
        # positions −1..2: centre 0.5
        ("conv: {filters: 1, kernel: 4, stride: 2, padding: 1}", Fraction(1, 2)),
        # positions −3..3 (7×7 stride 2 pad 3, ResNet's conv1): centre 0
        ("conv: {filters: 1, kernel: 7, stride: 2, padding: 3}", 0),
        # per-side [2, 0]: positions −2..0, centre −1
        ("conv: {filters: 1, kernel: 3, padding: [[2, 0]]}", -1),
    ],
)
def test_start_of_padded_conv(layer: str, start: Fraction | int) -> None:
    """The field's start is the centre of output 0's field, padding counted as positions before pixel 0."""
    row = analyze_yaml(f"input: [1, 16]\nlayers:\n  - {layer}\n").rows[0]
    assert row.receptive_field.start == (start,)


# ----- parallel branches ----------------------------------------------------------------------------------


def test_parallel_takes_largest_branch() -> None:
    """Through a parallel block the field is the largest branch's (the spec: 'through branches the largest');
    the branches are centred alike here, so it is also the brute-force union of their fields."""
    report = analyze_yaml(
        """
        input: [8, 32, 32]
        layers:
          - parallel:
              name: mixed
              branches:
                - - conv: {filters: 4, kernel: 1}
                - - conv: {filters: 4, kernel: 3, padding: 1}
                - - conv: {filters: 4, kernel: 5, padding: 2}
                - - maxpool: {kernel: 3, stride: 1, padding: 1}
                  - conv: {filters: 4, kernel: 1}
          - conv: {filters: 4, kernel: 3, padding: 1, name: after}
        """
    )
    assert [report.row(f"mixed/b{i}").receptive_field.size for i in (1, 2, 3, 4)] == [(1, 1), (3, 3), (5, 5), (3, 3)]
    mixed = report.row("mixed").receptive_field
    assert mixed.size == (5, 5)
    assert mixed.start == (0, 0)
    assert report.row("after").receptive_field.size == (7, 7)
    union = set()
    for branch in ([Window("conv", 1)], [Window("conv", 3, 1, 1, 1)], [Window("conv", 5, 1, 2, 2)]):
        union |= field_of(branch, [32], 0)
    assert (max(union) - min(union) + 1, Fraction(max(union) + min(union), 2)) == (5, 0)


def test_parallel_largest_per_dimension() -> None:
    """With a 1×7 and a 7×1 branch (Inception-v3 style), each dimension takes its own widest branch: 7×7."""
    report = analyze_yaml(
        """
        input: [8, 17, 17]
        layers:
          - parallel:
              name: mixed
              branches:
                - - conv: {filters: 4, kernel: [1, 7], padding: [0, 3]}
                - - conv: {filters: 4, kernel: [7, 1], padding: [3, 0]}
        """
    )
    assert report.row("mixed").receptive_field.size == (7, 7)


def test_residual_takes_main_path_field() -> None:
    """A basic residual block (two 3×3 convs + identity): the main path's 5×5 is the larger field."""
    report = analyze_yaml(
        """
        input: [8, 16, 16]
        layers:
          - residual:
              name: block
              main:
                - conv: {filters: 8, kernel: 3, padding: 1}
                - relu
                - conv: {filters: 8, kernel: 3, padding: 1}
        """
    )
    assert report.row("block").receptive_field.size == (5, 5)
    assert report.row("block/shortcut").receptive_field.size == (1, 1)


# ----- transposed convolutions ----------------------------------------------------------------------------


def deconv_field(n: int, k: int, s: int, p: int, d: int) -> tuple[int, Fraction | None]:
    """Brute force for one deconv: (largest span of inputs read by any output, centre of output 0's inputs).

    Output o reads input i (unclipped) when ``i·s + t·d − p = o`` for some tap t.
    """
    out = (n - 1) * s - 2 * p + d * (k - 1) + 1
    spans = []
    centre0: Fraction | None = None
    for o in range(out):
        read = [i for i in range(-k * d - p, n + k * d + p) for t in range(k) if i * s + t * d - p == o]
        if read:
            spans.append(max(read) - min(read) + 1)
            if o == 0:
                centre0 = Fraction(max(read) + min(read), 2)
    return max(spans), centre0


def _deconv_rf(n: int, k: int, s: int, p: int, d: int) -> ReceptiveField:
    layer = f"deconv: {{filters: 1, kernel: {k}, stride: {s}, padding: {p}, dilation: {d}}}"
    return analyze_yaml(f"input: [1, {n}]\nlayers:\n  - {layer}\n").rows[0].receptive_field


DECONV_CASES = [
    (k, s, p, d)
    for k in range(1, 6)
    for s in range(1, 4)
    for p in range(0, 3)
    for d in range(1, 3)
    if (12 - 1) * s - 2 * p + d * (k - 1) + 1 >= 2
]


def _deconv_agrees(k: int, s: int, p: int, d: int) -> bool:
    size, centre0 = deconv_field(12, k, s, p, d)
    rf = _deconv_rf(12, k, s, p, d)
    return rf.size == (size,) and rf.jump == (Fraction(1, s),) and (centre0 is None or rf.start == (centre0,))


def test_deconv_field_undilated() -> None:
    """Undilated transposed convs: size ⌈k/s⌉ inputs at most, jump 1/s, start the centre of output 0's inputs."""
    wrong = [c for c in DECONV_CASES if c[3] == 1 and not _deconv_agrees(*c)]
    assert not wrong, wrong


def test_deconv_field_dilated_without_holes() -> None:
    """Dilated transposed convs whose dilation is a multiple of the stride (every tap meets an input)."""
    wrong = [c for c in DECONV_CASES if c[3] > 1 and c[3] % c[1] == 0 and not _deconv_agrees(*c)]
    assert not wrong, wrong


def test_deconv_field_dilated_with_stride() -> None:
    """Dilated transposed convs whose dilation is not a multiple of the stride.

    Minimal case: k=3, s=3, d=2, p=0: output o reads input i when o − 3i ∈ {0, 2, 4};
    no two of those differ by 3, so every output reads exactly one input (size 1).
    """
    assert deconv_field(12, 3, 3, 0, 2)[0] == 1
    wrong = [c for c in DECONV_CASES if c[3] > 1 and c[3] % c[1] != 0 and not _deconv_agrees(*c)]
    assert not wrong, wrong
