"""One layer feature per test, each against the number a framework really produces.

Every figure was computed with torch 2.14.1+cu130 (torchvision 0.29.1) and is
cited next to its assertion as the expression that produced it; the MACs
figures are half the FLOPs that ``torch.utils.flop_counter.FlopCounterMode``
reports (it counts 2 FLOPs per multiply-accumulate of conv and linear layers).
TensorFlow is not installed: its 'same' figures come from its documented rule
(``tensorflow/core/framework/kernel_shape_util.cc``, ``Padding::SAME``:
``out = ⌈n/s⌉``, ``pad = max((out − 1)s + f − n, 0)``, ``before = pad // 2``),
emulated in torch with an explicit ``F.pad`` where cited. The tests import
neither framework.
"""

from __future__ import annotations

import pytest
from conftest import analyze_yaml

import convcalc
from convcalc.report import Row


def one_layer(input_spec: str, layer: str) -> Row:
    """The row of a one-layer spec (its only row)."""
    report = analyze_yaml(f"input: {input_spec}\nlayers:\n  - {layer}\n")
    (row,) = report.rows
    return row


def codes(row: Row) -> list[str]:
    return [w.code for w in row.warnings]


# ----- the cs231n slides ----------------------------------------------------------------


def test_cs231n_ten_5x5_filters_pad_2() -> None:
    """cs231n lecture 5: 32×32×3 input, ten 5×5 filters stride 1 pad 2 → 32×32×10, 760 params.

    torch: nn.Conv2d(3, 10, 5, padding=2)(torch.zeros(1, 3, 32, 32)).shape == (1, 10, 32, 32);
    its parameters number 760; FlopCounterMode: 1,536,000 FLOPs.
    """
    row = one_layer("[3, 32, 32]", "conv: {filters: 10, kernel: 5, stride: 1, padding: 2}")
    assert row.output_shape == (10, 32, 32)
    assert row.params == 760
    assert row.macs == 1_536_000 // 2
    assert row.warnings == ()


@pytest.mark.parametrize(
    ("args", "size"),
    [
        # torch: nn.Conv2d(1, 1, 3, **kw)(torch.zeros(1, 1, 7, 7)).shape[-1] for each kw below
        ("stride: 1", 5),
        ("stride: 2", 3),
        ("stride: 3", 2),
        ("stride: 1, padding: 1", 7),
        ("dilation: 2", 3),
    ],
)
def test_cs231n_7x7_input_3x3_filter(args: str, size: int) -> None:
    """cs231n lecture 5's 7×7 input, 3×3 filter walk-through (sizes as torch gives them)."""
    row = one_layer("[1, 7, 7]", f"conv: {{filters: 1, kernel: 3, {args}}}")
    assert row.output_shape == (1, size, size)


def test_cs231n_stride_3_does_not_fit() -> None:
    """cs231n lecture 5: 'stride 3? doesn't fit! cannot apply 3x3 filter on 7x7 input with stride 3.'

    torch floors it: nn.Conv2d(1, 1, 3, stride=3)(torch.zeros(1, 1, 7, 7)).shape == (1, 1, 2, 2).
    The warning gives the slide's (N − F)/S + 1, the lost row/column, and the fixes:
    padding 1 → (9 − 3)/3 + 1 = 3; stride 2 → (7 − 3)/2 + 1 = 3.
    """
    row = one_layer("[1, 7, 7]", "conv: {filters: 1, kernel: 3, stride: 3}")
    assert row.output_shape == (1, 2, 2)
    (warning,) = row.warnings
    assert warning.code == "uneven-stride"
    assert "(7 − 3)/3 + 1 = 2.33" in warning.message
    assert "1 input row/column" in warning.message and "never read" in warning.message
    assert "padding 1 " in warning.message
    assert "stride 2 " in warning.message


@pytest.mark.parametrize("args", ["stride: 1", "stride: 2", "stride: 1, padding: 1", "dilation: 2"])
def test_cs231n_fitting_strides_do_not_warn(args: str) -> None:
    """The configurations the slides call fine have (7 + 2P − F) divisible by S: no uneven-stride warning."""
    row = one_layer("[1, 7, 7]", f"conv: {{filters: 1, kernel: 3, {args}}}")
    assert codes(row) == []


# ----- 1-D and 3-D inputs ---------------------------------------------------------------


def test_conv1d() -> None:
    """torch: nn.Conv1d(4, 8, 3, stride=2)(torch.zeros(1, 4, 17)).shape == (1, 8, 8); 104 params; 1,536 FLOPs."""
    row = one_layer("{channels: 4, size: [17]}", "conv: {filters: 8, kernel: 3, stride: 2}")
    assert row.output_shape == (8, 8)
    assert row.params == 104
    assert row.macs == 1536 // 2


def test_maxpool1d() -> None:
    """torch: nn.MaxPool1d(3, 2)(torch.zeros(1, 4, 10)).shape == (1, 4, 4)."""
    row = one_layer("[4, 10]", "maxpool: {kernel: 3, stride: 2}")
    assert row.output_shape == (4, 4)


def test_conv3d() -> None:
    """torch: nn.Conv3d(2, 4, 3, stride=(1, 2, 2), padding=1)(torch.zeros(1, 2, 8, 16, 16)).shape
    == (1, 4, 8, 8, 8); 220 params; 221,184 FLOPs."""
    row = one_layer("{channels: 2, size: [8, 16, 16]}", "conv: {filters: 4, kernel: 3, stride: [1, 2, 2], padding: 1}")
    assert row.output_shape == (4, 8, 8, 8)
    assert row.params == 220
    assert row.macs == 221_184 // 2


def test_maxpool3d() -> None:
    """torch: nn.MaxPool3d(2)(torch.zeros(1, 4, 8, 8, 8)).shape == (1, 4, 4, 4, 4) (stride defaults to the kernel)."""
    row = one_layer("[4, 8, 8, 8]", "maxpool: {kernel: 2}")
    assert row.output_shape == (4, 4, 4, 4)


# ----- transposed convolutions ----------------------------------------------------------


@pytest.mark.parametrize(
    ("input_spec", "layer", "shape", "params", "flops"),
    [
        # torch: nn.ConvTranspose2d(16, 8, 3, stride=2, padding=1, output_padding=1)(torch.zeros(1, 16, 7, 7))
        (
            "[16, 7, 7]",
            "deconv: {filters: 8, kernel: 3, stride: 2, padding: 1, output_padding: 1}",
            (8, 14, 14),
            1160,
            112_896,
        ),
        # torch: nn.ConvTranspose2d(16, 8, 3, stride=2, padding=1)(torch.zeros(1, 16, 7, 7))
        ("[16, 7, 7]", "deconv: {filters: 8, kernel: 3, stride: 2, padding: 1}", (8, 13, 13), 1160, 112_896),
        # torch: nn.ConvTranspose2d(8, 12, 4, stride=2, padding=1, groups=4, bias=False)(torch.zeros(1, 8, 5, 5))
        (
            "[8, 5, 5]",
            "deconv: {filters: 12, kernel: 4, stride: 2, padding: 1, groups: 4, bias: false}",
            (12, 10, 10),
            384,
            19_200,
        ),
        # torch: nn.ConvTranspose1d(4, 6, 3, stride=1, dilation=2, output_padding=1)(torch.zeros(1, 4, 10))
        # (output_padding 1 ≥ stride 1 is allowed because it is < dilation 2)
        ("[4, 10]", "convtranspose: {filters: 6, kernel: 3, dilation: 2, output_padding: 1}", (6, 15), 78, 1_440),
        # torch: nn.ConvTranspose2d(4, 6, (2, 3), stride=(2, 3), padding=(0, 1))(torch.zeros(1, 4, 5, 6))
        ("[4, 5, 6]", "deconv: {filters: 6, kernel: [2, 3], stride: [2, 3], padding: [0, 1]}", (6, 10, 16), 150, 8_640),
    ],
)
def test_transposed_conv(input_spec: str, layer: str, shape: tuple[int, ...], params: int, flops: int) -> None:
    """Shape, parameters and MACs of transposed convolutions, as torch 2.14.1 gives them (cited per case)."""
    row = one_layer(input_spec, layer)
    assert row.output_shape == shape
    assert row.params == params
    assert row.macs == flops // 2


def test_transposed_conv_output_padding_too_large() -> None:
    """torch: nn.ConvTranspose2d(4, 4, 3, stride=2, output_padding=2)(x) raises 'output padding must be
    smaller than either stride or dilation'; so does convcalc."""
    with pytest.raises(convcalc.SpecError) as caught:
        one_layer("[4, 5, 5]", "deconv: {filters: 4, kernel: 3, stride: 2, output_padding: 2}")
    assert caught.value.code == "value"


# ----- groups and depthwise --------------------------------------------------------------


@pytest.mark.parametrize(
    ("layer", "shape", "params", "flops"),
    [
        # torch: nn.Conv2d(32, 64, 3, padding=1, groups=4)(torch.zeros(1, 32, 14, 14))
        ("conv: {filters: 64, kernel: 3, padding: 1, groups: 4}", (64, 14, 14), 4672, 1_806_336),
        # torch: nn.Conv2d(32, 32, 3, padding=1, groups=32)(torch.zeros(1, 32, 14, 14))
        ("conv: {filters: 32, kernel: 3, padding: 1, groups: depthwise}", (32, 14, 14), 320, 112_896),
        # torch: nn.Conv2d(32, 64, 3, stride=2, padding=1, groups=32, bias=False)(torch.zeros(1, 32, 14, 14))
        (
            "conv: {filters: 64, kernel: 3, stride: 2, padding: 1, groups: depthwise, bias: false}",
            (64, 7, 7),
            576,
            56_448,
        ),
    ],
)
def test_grouped_and_depthwise_conv(layer: str, shape: tuple[int, ...], params: int, flops: int) -> None:
    """Grouped convs see C_in/groups channels per filter: params and MACs as torch 2.14.1 (cited per case)."""
    row = one_layer("[32, 14, 14]", layer)
    assert row.output_shape == shape
    assert row.params == params
    assert row.macs == flops // 2


def test_groups_must_divide_channels() -> None:
    """torch: nn.Conv2d(30, 64, 3, groups=4) raises 'in_channels must be divisible by groups'; convcalc errors."""
    with pytest.raises(convcalc.SpecError) as caught:
        one_layer("[30, 8, 8]", "conv: {filters: 64, kernel: 3, groups: 4}")
    assert caught.value.code == "groups"


# ----- pooling with ceil_mode --------------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "k", "s", "p", "ceil", "floor"),
    [
        # torch: nn.MaxPool2d(k, s, padding=p, ceil_mode=c)(torch.zeros(1, 1, n, n)).shape[-1], c = True / False
        (6, 3, 2, 0, 3, 2),
        (112, 3, 2, 0, 56, 55),  # GoogLeNet's first pool
        (14, 3, 2, 0, 7, 6),
        (13, 3, 2, 0, 6, 6),
        (56, 3, 2, 1, 29, 28),
        # ⌈(3 + 2 − 2)/2⌉ + 1 = 3, but the 3rd window would start in the right padding: torch drops it
        (3, 2, 2, 1, 2, 2),
        # ⌈(5 + 2 − 3)/3⌉ + 1 = 3, the 3rd window would start at padded index 6 ≥ 5 + 1: dropped
        (5, 3, 3, 1, 2, 2),
    ],
)
def test_maxpool_ceil_mode(n: int, k: int, s: int, p: int, ceil: int, floor: int) -> None:
    """MaxPool2d sizes with and without ceil_mode, as torch 2.14.1 computes them."""
    with_ceil = one_layer(f"[1, {n}, {n}]", f"maxpool: {{kernel: {k}, stride: {s}, padding: {p}, ceil_mode: true}}")
    without = one_layer(f"[1, {n}, {n}]", f"maxpool: {{kernel: {k}, stride: {s}, padding: {p}}}")
    assert with_ceil.output_shape == (1, ceil, ceil)
    assert without.output_shape == (1, floor, floor)


def test_avgpool_ceil_mode_last_window_in_padding() -> None:
    """torch: nn.AvgPool2d(2, 2, padding=1, ceil_mode=True)(torch.zeros(1, 1, 3, 3)).shape == (1, 1, 2, 2)."""
    row = one_layer("[1, 3, 3]", "avgpool: {kernel: 2, stride: 2, padding: 1, ceil_mode: true}")
    assert row.output_shape == (1, 2, 2)


def test_pool_padding_over_half_kernel_warns() -> None:
    """torch: nn.MaxPool2d(3, 1, padding=2) raises 'pad should be at most half of effective kernel size';
    the spec makes it a warning."""
    row = one_layer("[1, 5, 5]", "maxpool: {kernel: 3, stride: 1, padding: 2}")
    assert "pool-padding" in codes(row)


# ----- padding words ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "out", "pads", "start"),
    [
        # TensorFlow SAME, n=7, k=3, s=2: out ⌈7/2⌉ = 4, pad max(3·2 + 3 − 7, 0) = 2 → (1, 1)
        # torch emulation: F.conv2d(F.pad(torch.zeros(1, 1, 7, 7), (1, 1, 1, 1)), w3x3, stride=2).shape[-1] == 4
        (7, 4, (1, 1), 0),
        # TensorFlow SAME, n=8, k=3, s=2: out 4, pad max(3·2 + 3 − 8, 0) = 1 → (0, 1), the odd pixel at the end
        # torch emulation: F.conv2d(F.pad(torch.zeros(1, 1, 8, 8), (0, 1, 0, 1)), w3x3, stride=2).shape[-1] == 4
        (8, 4, (0, 1), 1),
    ],
)
def test_same_padding_stride_2(n: int, out: int, pads: tuple[int, int], start: int) -> None:
    """'same' with stride 2 follows TensorFlow: ⌈n/s⌉ outputs, the odd pixel of padding at the end.

    The padding is observed twice: the row equals an explicit [lo, hi] padding, and the
    receptive field's start (centre of output 0's field = 1 − lo for k=3) shows lo.
    """
    same = one_layer(f"[1, {n}, {n}]", "conv: {filters: 1, kernel: 3, stride: 2, padding: same}")
    lo, hi = pads
    explicit = one_layer(
        f"[1, {n}, {n}]", f"conv: {{filters: 1, kernel: 3, stride: 2, padding: [[{lo}, {hi}], [{lo}, {hi}]]}}"
    )
    assert same.output_shape == (1, out, out)
    assert same.output_shape == explicit.output_shape
    assert same.receptive_field == explicit.receptive_field
    assert same.receptive_field.start == (start, start)
    assert codes(same) == []


def test_same_padding_even_kernel_matches_torch() -> None:
    """torch 2.14.1: F.conv1d(x, w4, padding='same') equals F.conv1d(F.pad(x, (1, 2)), w4) for a length-9 x
    (torch also puts the odd pixel at the end); length stays 9."""
    same = one_layer("[1, 9]", "conv: {filters: 1, kernel: 4, padding: same}")
    explicit = one_layer("[1, 9]", "conv: {filters: 1, kernel: 4, padding: [[1, 2]]}")
    assert same.output_shape == explicit.output_shape == (1, 9)
    assert same.receptive_field == explicit.receptive_field


@pytest.mark.parametrize(
    ("args", "size"),
    [
        # torch: nn.Conv2d(3, 8, 5, padding=5 // 2)(torch.zeros(1, 3, 15, 15)).shape[-1] == 15
        ("kernel: 5", 15),
        # torch: nn.Conv2d(3, 8, 3, padding=2, dilation=2)(torch.zeros(1, 3, 15, 15)).shape[-1] == 15
        ("kernel: 3, dilation: 2", 15),
        # spec: half = ⌊d(k − 1)/2⌋ = 1 for k=4; torch: nn.Conv2d(3, 8, 4, padding=1)(...15×15).shape[-1] == 14
        ("kernel: 4", 14),
    ],
)
def test_half_padding(args: str, size: int) -> None:
    """'half' pads ⌊d(k−1)/2⌋ on both sides: size-preserving for odd kernels, as torch code's padding=k//2."""
    row = one_layer("[3, 15, 15]", f"conv: {{filters: 8, {args}, padding: half}}")
    assert row.output_shape == (8, size, size)


@pytest.mark.parametrize(
    ("args", "size"),
    [
        # torch: nn.Conv2d(3, 8, 3, padding=2)(torch.zeros(1, 3, 15, 15)).shape[-1] == 17
        ("kernel: 3", 17),
        # torch: nn.Conv2d(3, 8, 3, padding=4, dilation=2)(torch.zeros(1, 3, 15, 15)).shape[-1] == 19
        ("kernel: 3, dilation: 2", 19),
    ],
)
def test_full_padding(args: str, size: int) -> None:
    """'full' pads d(k−1) on both sides (Dumoulin & Visin): every partial overlap is an output."""
    row = one_layer("[3, 15, 15]", f"conv: {{filters: 8, {args}, padding: full}}")
    assert row.output_shape == (8, size, size)


def test_per_side_padding() -> None:
    """padding [[1, 2], [0, 3]]: top 1, bottom 2, left 0, right 3.

    torch: nn.Conv2d(3, 5, 3, stride=2)(F.pad(torch.zeros(1, 3, 9, 12), (0, 3, 1, 2))).shape == (1, 5, 5, 7);
    140 params; 9,450 FLOPs.
    """
    row = one_layer("[3, 9, 12]", "conv: {filters: 5, kernel: 3, stride: 2, padding: [[1, 2], [0, 3]]}")
    assert row.output_shape == (5, 5, 7)
    assert row.params == 140
    assert row.macs == 9450 // 2
    assert row.receptive_field.start == (0, 1)  # centre of output 0's field: 1 − lo per dimension


# ----- asymmetric kernels -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("layer", "params"),
    [
        # torch: nn.Conv2d(128, 192, (1, 7), padding=(0, 3))(torch.zeros(1, 128, 17, 17)): 172,224 params
        ("conv: {filters: 192, kernel: [1, 7], padding: [0, 3]}", 172_224),
        # torch: nn.Conv2d(128, 192, (7, 1), padding=(3, 0), bias=False)(...): 172,032 params
        ("conv: {filters: 192, kernel: [7, 1], padding: [3, 0], bias: false}", 172_032),
    ],
)
def test_inception_v3_factorized_kernels(layer: str, params: int) -> None:
    """Inception-v3's 1×7 / 7×1 convs on 17×17×128 keep 17×17; FlopCounterMode: 99,434,496 FLOPs each."""
    row = one_layer("[128, 17, 17]", layer)
    assert row.output_shape == (192, 17, 17)
    assert row.params == params
    assert row.macs == 99_434_496 // 2


# ----- composites: squeeze-and-excitation, channel split and shuffle ------------------------


def test_squeeze_and_excitation_mul_merge() -> None:
    """SE as torchvision.ops.SqueezeExcitation(64, 16): gap → 1×1 conv 16 → relu → 1×1 conv 64 → sigmoid,
    multiplied back onto 64×14×14.

    torch: SqueezeExcitation(64, 16)(torch.zeros(1, 64, 14, 14)).shape == (1, 64, 14, 14);
    2,128 params; FlopCounterMode 4,096 FLOPs.
    """
    report = analyze_yaml(
        """
        input: [64, 14, 14]
        layers:
          - parallel:
              merge: mul
              name: se
              branches:
                - []
                - - gap
                  - conv: {filters: 16, kernel: 1}
                  - relu
                  - conv: {filters: 64, kernel: 1}
                  - sigmoid
        """
    )
    se = report.row("se")
    assert report.row("se/b2").output_shape == (64, 1, 1)
    assert se.output_shape == (64, 14, 14)
    assert se.params == report.totals.params == 2128
    assert report.totals.macs == 4096 // 2


SHUFFLE_UNIT = """
input: [116, 28, 28]
layers:
  - parallel:
      name: unit
      branches:
        - - {split0}
        - - {split1}
          - conv: {{filters: 58, kernel: 1, bias: false}}
          - bn
          - relu
          - conv: {{filters: 58, kernel: 3, padding: 1, groups: depthwise, bias: false}}
          - bn
          - conv: {{filters: 58, kernel: 1, bias: false}}
          - bn
          - relu
  - shuffle: {{groups: 2}}
"""


@pytest.mark.parametrize(
    ("split0", "split1"),
    [
        ("chunk: {index: 0, chunks: 2}", "chunk: {index: 1, chunks: 2}"),
        ("slice: {channels: [0, 58]}", "slice: {channels: [58, 116]}"),
    ],
)
def test_shufflenet_v2_unit(split0: str, split1: str) -> None:
    """ShuffleNetV2's stride-1 unit (channel split, one branch convolved, concat, shuffle).

    torch: torchvision.models.shufflenetv2.InvertedResidual(116, 116, 1)(torch.zeros(1, 116, 28, 28)).shape
    == (1, 116, 28, 28); 7,598 params; FlopCounterMode 11,368,000 FLOPs.
    """
    report = analyze_yaml(SHUFFLE_UNIT.format(split0=split0, split1=split1))
    assert report.row("unit/b1").output_shape == (58, 28, 28)
    assert report.row("unit/b2").output_shape == (58, 28, 28)
    assert report.output_shape == (116, 28, 28)
    assert report.totals.params == 7598
    assert report.totals.macs == 11_368_000 // 2


def test_shufflenet_v2_downsampling_unit() -> None:
    """ShuffleNetV2's stride-2 unit: both branches convolved, channels doubled.

    torch: torchvision.models.shufflenetv2.InvertedResidual(116, 232, 2)(torch.zeros(1, 116, 28, 28)).shape
    == (1, 232, 14, 14); 43,616 params; FlopCounterMode 32,467,008 FLOPs.
    """
    report = analyze_yaml(
        """
        input: [116, 28, 28]
        layers:
          - parallel:
              branches:
                - - conv: {filters: 116, kernel: 3, stride: 2, padding: 1, groups: depthwise, bias: false}
                  - bn
                  - conv: {filters: 116, kernel: 1, bias: false}
                  - bn
                  - relu
                - - conv: {filters: 116, kernel: 1, bias: false}
                  - bn
                  - relu
                  - conv: {filters: 116, kernel: 3, stride: 2, padding: 1, groups: depthwise, bias: false}
                  - bn
                  - conv: {filters: 116, kernel: 1, bias: false}
                  - bn
                  - relu
          - shuffle: {groups: 2}
        """
    )
    assert report.output_shape == (232, 14, 14)
    assert report.totals.params == 43_616
    assert report.totals.macs == 32_467_008 // 2


def test_shuffle_groups_must_divide_channels() -> None:
    """The spec: channels not divisible by shuffle's groups is an error (torch's view(b, g, c/g, h, w) fails too)."""
    with pytest.raises(convcalc.SpecError) as caught:
        one_layer("[10, 4, 4]", "shuffle: {groups: 3}")
    assert caught.value.code == "groups"


# ----- normalization and PReLU ----------------------------------------------------------------


def test_batchnorm_params_and_buffers() -> None:
    """torch: nn.BatchNorm2d(64) has 128 parameters (γ, β) and running_mean + running_var of 128 elements
    (plus the num_batches_tracked counter, which convcalc does not count)."""
    row = one_layer("[64, 8, 8]", "bn")
    assert row.output_shape == (64, 8, 8)
    assert row.params == 128
    assert row.buffers == 128
    assert row.macs == 0


def test_batchnorm_without_affine() -> None:
    """torch: nn.BatchNorm2d(64, affine=False) has 0 parameters (its running statistics remain buffers)."""
    row = one_layer("[64, 8, 8]", "bn: {affine: false}")
    assert row.params == 0
    assert row.buffers == 128


def test_batchnorm_after_fc() -> None:
    """torch: nn.BatchNorm1d(4096) has 8,192 parameters; bn accepts the flat [F] shape."""
    report = analyze_yaml("input: [16, 4, 4]\nlayers:\n  - fc: {units: 4096}\n  - bn\n")
    assert report.row("bn1").params == 8192
    assert report.row("bn1").output_shape == (4096,)


@pytest.mark.parametrize(
    ("layer", "params"),
    [
        ("layernorm", 128),  # torch: nn.LayerNorm(64) has 128 parameters (ConvNeXt's LayerNorm2d over channels)
        ("groupnorm: {groups: 8}", 128),  # torch: nn.GroupNorm(8, 64) has 128 parameters
        ("prelu", 1),  # torch: nn.PReLU() has 1 parameter
        ("prelu: {shared: false}", 64),  # torch: nn.PReLU(64) has 64 parameters
    ],
)
def test_norm_and_prelu_params(layer: str, params: int) -> None:
    """Parameter counts of the other parametrized shape-preserving layers, as torch 2.14.1 counts them."""
    row = one_layer("[64, 8, 8]", layer)
    assert row.output_shape == (64, 8, 8)
    assert row.params == params
    assert row.macs == 0


def test_groupnorm_groups_must_divide_channels() -> None:
    """torch: nn.GroupNorm(8, 60) raises 'num_channels (60) must be divisible by num_groups (8)'."""
    with pytest.raises(convcalc.SpecError) as caught:
        one_layer("[60, 8, 8]", "groupnorm: {groups: 8}")
    assert caught.value.code == "groups"


# ----- adaptive pooling, upsampling, padding layers ----------------------------------------------


@pytest.mark.parametrize(
    ("input_spec", "layer", "shape"),
    [
        # torch: nn.AdaptiveAvgPool2d((5, 3))(torch.zeros(1, 8, 13, 10)).shape == (1, 8, 5, 3)
        ("[8, 13, 10]", "adaptiveavgpool: {output: [5, 3]}", (8, 5, 3)),
        # torch: nn.AdaptiveAvgPool2d(6)(torch.zeros(1, 8, 13, 13)).shape == (1, 8, 6, 6)
        ("[8, 13, 13]", "adaptiveavgpool: {output: 6}", (8, 6, 6)),
        # torch: nn.AdaptiveMaxPool2d((None, 4))(torch.zeros(1, 8, 13, 10)).shape == (1, 8, 13, 4)
        ("[8, 13, 10]", "adaptivemaxpool: {output: [null, 4]}", (8, 13, 4)),
        # torch: nn.AdaptiveAvgPool2d(7)(torch.zeros(1, 8, 5, 5)).shape == (1, 8, 7, 7) (output larger than input)
        ("[8, 5, 5]", "adaptiveavgpool: {output: 7}", (8, 7, 7)),
    ],
)
def test_adaptive_pooling(input_spec: str, layer: str, shape: tuple[int, ...]) -> None:
    """Adaptive pooling outputs the requested size whatever the input, as torch 2.14.1 does."""
    row = one_layer(input_spec, layer)
    assert row.output_shape == shape
    assert row.params == 0


@pytest.mark.parametrize(
    ("input_spec", "layer", "shape"),
    [
        # torch: nn.Upsample(scale_factor=2)(torch.zeros(1, 3, 8, 8)).shape == (1, 3, 16, 16)
        ("[3, 8, 8]", "upsample: {scale: 2}", (3, 16, 16)),
        # torch: nn.Upsample(scale_factor=1.5)(torch.zeros(1, 3, 7, 7)).shape == (1, 3, 10, 10) (⌊10.5⌋)
        ("[3, 7, 7]", "upsample: {scale: 1.5}", (3, 10, 10)),
        # torch: nn.Upsample(scale_factor=2.5)(torch.zeros(1, 3, 5, 5)).shape == (1, 3, 12, 12)
        ("[3, 5, 5]", "upsample: {scale: 2.5}", (3, 12, 12)),
        # torch: nn.Upsample(scale_factor=(1.7, 0.5))(torch.zeros(1, 3, 7, 9)).shape == (1, 3, 11, 4) (⌊11.9⌋, ⌊4.5⌋)
        ("[3, 7, 9]", "upsample: {scale: [1.7, 0.5]}", (3, 11, 4)),
        # torch: nn.Upsample(size=(5, 9))(torch.zeros(1, 3, 7, 7)).shape == (1, 3, 5, 9)
        ("[3, 7, 7]", "upsample: {size: [5, 9]}", (3, 5, 9)),
        # torch: nn.Upsample(scale_factor=(2, 3), mode='bilinear')(torch.zeros(1, 3, 7, 5)).shape == (1, 3, 14, 15)
        ("[3, 7, 5]", "upsample: {scale: [2, 3], mode: bilinear}", (3, 14, 15)),
    ],
)
def test_upsample(input_spec: str, layer: str, shape: tuple[int, ...]) -> None:
    """Upsampling by scale (floored) or to a size, as torch 2.14.1 computes the output shape."""
    row = one_layer(input_spec, layer)
    assert row.output_shape == shape
    assert row.params == 0


@pytest.mark.parametrize(
    ("input_spec", "layer", "shape"),
    [
        # torch: nn.ReflectionPad2d(2)(torch.zeros(1, 3, 5, 5)).shape == (1, 3, 9, 9)
        ("[3, 5, 5]", "pad: {padding: 2, mode: reflect}", (3, 9, 9)),
        # torch: nn.ReplicationPad2d((0, 3, 1, 2))(torch.zeros(1, 3, 9, 12)).shape == (1, 3, 12, 15)
        ("[3, 9, 12]", "pad: {padding: [[1, 2], [0, 3]], mode: replicate}", (3, 12, 15)),
        # torch: F.pad(torch.zeros(1, 3, 4, 4), (4, 4, 4, 4), mode='circular').shape == (1, 3, 12, 12)
        ("[3, 4, 4]", "pad: {padding: 4, mode: circular}", (3, 12, 12)),
        # torch: nn.ZeroPad2d(1)(torch.zeros(1, 3, 4, 4)).shape == (1, 3, 6, 6)
        ("[3, 4, 4]", "pad: {padding: 1}", (3, 6, 6)),
    ],
)
def test_pad_layer(input_spec: str, layer: str, shape: tuple[int, ...]) -> None:
    """The pad layer's output n + lo + hi in each mode, as torch 2.14.1 computes it."""
    row = one_layer(input_spec, layer)
    assert row.output_shape == shape


@pytest.mark.parametrize(
    ("input_spec", "layer"),
    [
        # torch: nn.ReflectionPad2d(3)(torch.zeros(1, 3, 3, 3)) raises 'Padding size should be less than the
        # corresponding input dimension'
        ("[3, 3, 3]", "pad: {padding: 3, mode: reflect}"),
        # torch: F.pad(torch.zeros(1, 3, 4, 4), (5, 5, 5, 5), mode='circular') raises 'Padding value causes
        # wrapping around more than once'
        ("[3, 4, 4]", "pad: {padding: 5, mode: circular}"),
    ],
)
def test_pad_layer_refuses_what_torch_refuses(input_spec: str, layer: str) -> None:
    """Reflect padding ≥ n and circular padding > n are errors in torch and in convcalc."""
    with pytest.raises(convcalc.SpecError):
        one_layer(input_spec, layer)


# ----- fully connected ------------------------------------------------------------------------------


def test_fc_flattens_spatial_volume() -> None:
    """AlexNet's FC6 on POOL3's 6×6×256: torch nn.Linear(256 * 6 * 6, 4096) has 37,752,832 params;
    nn.Sequential(nn.Flatten(), that)(torch.zeros(1, 256, 6, 6)).shape == (1, 4096); 75,497,472 FLOPs."""
    row = one_layer("[256, 6, 6]", "fc: {units: 4096}")
    assert row.output_shape == (4096,)
    assert row.params == 37_752_832
    assert row.macs == 75_497_472 // 2


def test_fc_after_flatten_equals_fc_on_volume() -> None:
    """LeNet-5's F6-style layer: torch nn.Linear(16 * 5 * 5, 120) has 48,120 params, with or without flatten."""
    direct = analyze_yaml("input: [16, 5, 5]\nlayers:\n  - fc: {units: 120}\n")
    flat = analyze_yaml("input: [16, 5, 5]\nlayers:\n  - flatten\n  - fc: {units: 120}\n")
    assert flat.row("flatten1").output_shape == (400,)
    assert direct.row("fc1").params == flat.row("fc1").params == 48_120
    assert direct.row("fc1").macs == flat.row("fc1").macs == 48_000


def test_spatial_layer_after_fc_is_an_error() -> None:
    """The spec: after fc the shape is [F]; a spatial layer on it is an error."""
    with pytest.raises(convcalc.SpecError) as caught:
        analyze_yaml("input: [3, 8, 8]\nlayers:\n  - fc: {units: 10}\n  - conv: {filters: 4, kernel: 1}\n")
    assert caught.value.code == "spatial"
