"""Every bundled spec against published figures, with the source of each figure.

Sources:

* torchvision's model documentation. Each model's builder page, e.g.
  https://pytorch.org/vision/stable/models/generated/torchvision.models.resnet50.html,
  and the summary "Table of all available classification weights" on
  https://pytorch.org/vision/stable/models.html list, per set of weights,
  ``num_params`` and ``GFLOPS``. torchvision's "GFLOPS" counts
  multiply-accumulates (it is 0.71 for alexnet, whose conv + linear MACs are
  714,188,480), printed to 2 decimals. The same numbers are in torchvision's
  source, ``Weights.meta["num_params"]`` / ``meta["_ops"]``.
* Exact MACs: counted with forward hooks on torch 2.14.1 / torchvision 0.29.1
  (weights=None, eval mode, one 1x3x224x224 input; conv = output elements x
  in_channels/groups x prod(kernel), linear = in_features x out_features;
  googlenet with aux_logits=False), recorded in /work/scratch/zoo_figures.md.
  tests/test_against_torch.py recounts them live when torch is installed.
* LeNet-5: Y. LeCun, L. Bottou, Y. Bengio, P. Haffner (1998), "Gradient-Based
  Learning Applied to Document Recognition", Proc. IEEE 86(11), figure 2 and
  section II.B (layer sizes). The total of 61,706 is *not* printed in the
  paper: it is the sum of the paper's layer sizes with C3 fully connected to
  all six S2 maps, as LeNet-5 is commonly implemented today.
* AlexNet, one tower: Stanford cs231n lecture 9 slides, "Case study: AlexNet"
  (layer table on a 227x227x3 input); totals derived from that table.
"""

from __future__ import annotations

import re

from pathlib import Path

import pytest

import convcalc

SPECS = Path(__file__).resolve().parent.parent / "specs"

# spec file -> (num_params, GFLOPS) as printed in torchvision's docs
# (https://pytorch.org/vision/stable/models.html, "Table of all available
# classification weights"; the same figures on each builder's page under
# https://pytorch.org/vision/stable/models/generated/torchvision.models.<name>.html).
TORCHVISION_DOCS = {
    # https://pytorch.org/vision/stable/models/generated/torchvision.models.alexnet.html
    "alexnet_torchvision": (61_100_840, 0.71),
    # https://pytorch.org/vision/stable/models/generated/torchvision.models.vgg11.html
    "vgg11": (132_863_336, 7.61),
    # https://pytorch.org/vision/stable/models/generated/torchvision.models.vgg16.html
    "vgg16": (138_357_544, 15.47),
    # https://pytorch.org/vision/stable/models/generated/torchvision.models.vgg19.html
    "vgg19": (143_667_240, 19.63),
    # https://pytorch.org/vision/stable/models/generated/torchvision.models.googlenet.html
    # (GoogLeNet_Weights.IMAGENET1K_V1: the model without the auxiliary heads)
    "googlenet": (6_624_904, 1.50),
    # https://pytorch.org/vision/stable/models/generated/torchvision.models.resnet18.html
    "resnet18": (11_689_512, 1.81),
    # https://pytorch.org/vision/stable/models/generated/torchvision.models.resnet50.html
    "resnet50": (25_557_032, 4.09),
    # https://pytorch.org/vision/stable/models/generated/torchvision.models.resnet152.html
    "resnet152": (60_192_808, 11.51),
    # https://pytorch.org/vision/stable/models/generated/torchvision.models.squeezenet1_0.html
    "squeezenet1_0": (1_248_424, 0.82),
    # https://pytorch.org/vision/stable/models/generated/torchvision.models.mobilenet_v2.html
    "mobilenet_v2": (3_504_872, 0.30),
}

# Exact conv + linear MACs, counted with forward hooks on torch 2.14.1 /
# torchvision 0.29.1 (see /work/scratch/zoo_figures.md and the module
# docstring for the counting rule).
TORCH_HOOK_MACS = {
    "alexnet_torchvision": 714_188_480,
    "vgg11": 7_609_090_048,
    "vgg16": 15_470_264_320,
    "vgg19": 19_632_062_464,
    "googlenet": 1_498_376_192,
    "resnet18": 1_814_073_344,
    "resnet50": 4_089_184_256,
    "resnet152": 11_513_626_624,
    "squeezenet1_0": 818_924_576,
    "mobilenet_v2": 300_774_272,
}

# Every spec's expected diagnostics, as (row path, code, severity). Anything
# else is a regression (or a new spec that needs its line here).
# uneven-stride is expected where torchvision floors a stride the same way.
# It is a note where only padding goes unread (no input lost):
# - a 7x7/2 pad 3 stem on 224: (224 + 6 - 7)/2 + 1 = 112.5 -> 112;
# - ResNet's 3x3/2 pad 1 stem max pool: (112 + 2 - 3)/2 + 1 = 56.5 -> 56;
# - ResNet's first block of stages 2-4: the stride-2 3x3 pad 1 conv
#   ((56 + 2 - 3)/2 + 1 = 28.5). The stride sits on conv1 of a BasicBlock
#   (resnet18) and on conv2 of a Bottleneck (resnet50/152, "v1.5");
# - AlexNet (torchvision) conv1, 11x11/4 pad 2 on 224: 55.25 -> 55, one
#   padding column unread.
# It is a warning where an input row/column is never read: the 1x1/2
# shortcut projection ((56 - 1)/2 + 1 = 28.5) and SqueezeNet's conv1
# (7x7/2 on 224: 109.5 -> 109). The bundled specs acknowledge those with
# `ignore: [uneven-stride]` on the entry (test_bundled_specs_pass_strict);
# here the analysis without suppression is pinned.
# GoogLeNet's and SqueezeNet's ceil_mode max pools round up on purpose and
# are not warned about.
_RESNET_STAGE_STARTS = ("layer2.0", "layer3.0", "layer4.0")
NOTE, WARNING = "note", "warning"


def _resnet_warnings(strided_main_conv: str) -> set[tuple[str, str, str]]:
    expected = {("conv1", "uneven-stride", NOTE), ("maxpool", "uneven-stride", NOTE)}
    for block in _RESNET_STAGE_STARTS:
        expected.add((f"{block}/residual1/main/{strided_main_conv}", "uneven-stride", NOTE))
        expected.add((f"{block}/residual1/shortcut/conv1", "uneven-stride", WARNING))
    return expected


EXPECTED_WARNINGS: dict[str, set[tuple[str, str, str]]] = {
    "alexnet": set(),
    "alexnet_torchvision": {("conv1", "uneven-stride", NOTE)},
    "convnext_t": set(),  # 4x4/4 and 2x2/2 convs on 224, 56, 28, 14: exact
    # DeepLabV3's output stride 8: only the stem and layer2.0 stride (520 -> 260 -> 130 -> 65).
    "deeplabv3_resnet50": {
        ("conv1", "uneven-stride", NOTE),
        ("maxpool", "uneven-stride", NOTE),
        ("layer2.0/residual1/main/conv2", "uneven-stride", NOTE),
        ("layer2.0/residual1/shortcut/conv1", "uneven-stride", WARNING),
    },
    # ResNet-50's, plus FPN's 'pool' level: a 1x1 max pool of stride 2 on 16x16,
    # (16 - 1)/2 + 1 = 8.5 -> 8, as torchvision's F.max_pool2d(kernel_size=1, stride=2).
    "fpn_resnet50": _resnet_warnings("conv2") | {("pool", "uneven-stride", WARNING)},
    "googlenet": {("conv1/conv1", "uneven-stride", NOTE)},  # the stem BasicConv2d's conv
    "inception_bottleneck": set(),
    "inception_naive": set(),
    "lenet5": set(),
    "mobilenet_v1": set(),  # 'same' padding on every stride-2 conv: nothing floored
    # torchvision pads every 3x3/2 conv by 1 on an even size: one padding line unread
    "mobilenet_v2": {
        ("features.0/conv1", "uneven-stride", NOTE),
        *((f"features.{i}/convbn2/conv1", "uneven-stride", NOTE) for i in (2, 4, 7, 14)),
    },
    "resnet18": _resnet_warnings("conv1"),
    "resnet50": _resnet_warnings("conv2"),
    "resnet152": _resnet_warnings("conv2"),
    "siamese": set(),
    "squeezenet1_0": {("conv1", "uneven-stride", WARNING)},
    "unet": set(),  # 2x2 max pools on 568, 280, 136, 64: all even
    "vgg11": set(),
    "vgg16": set(),
    "vgg19": set(),
    # ViT-B/16: the 16x16/16 patch embedding divides 224 evenly.
    "vit_b_16": set(),
    # Swin-T: patch embedding 4x4/4 and patch merging divide evenly.
    "swin_t": set(),
    # MaxViT-T: the stem's 3x3/2 and, in each block's first layer, the depthwise 3x3/2
    # and the shortcut's 3x3/2 average pool, padding 1 on even sizes (notes: no input lost).
    "maxvit_t": {("stem/conv1", "uneven-stride", NOTE)}
    | {
        (f"block{i}.0/MBconv/residual1/{part}", "uneven-stride", NOTE)
        for i in range(1, 5)
        for part in ("main/conv_b", "shortcut/avgpool1")
    },
    # The two stride-2 3x3 convs of the bottom-up path (80 -> 40, 40 -> 20; padding 1): notes.
    "yolo_neck": {("l18/conv1", "uneven-stride", NOTE), ("l21/conv1", "uneven-stride", NOTE)},
}


def _analyze(stem: str) -> convcalc.Report:
    return convcalc.analyze(SPECS / f"{stem}.yaml")


# --- torchvision's documented num_params and GFLOPS ------------------------


@pytest.mark.parametrize("stem", sorted(TORCHVISION_DOCS))
def test_torchvision_documented_params(stem: str) -> None:
    """Params equal torchvision's documented num_params exactly."""
    params, _ = TORCHVISION_DOCS[stem]
    assert _analyze(stem).totals.params == params


@pytest.mark.parametrize("stem", sorted(TORCHVISION_DOCS))
def test_torchvision_documented_gflops(stem: str) -> None:
    """MACs round to torchvision's documented "GFLOPS" (really GMACs) at 2 decimals."""
    _, gflops = TORCHVISION_DOCS[stem]
    report = _analyze(stem)
    assert round(report.totals.macs / 1e9, 2) == gflops


@pytest.mark.parametrize("stem", sorted(TORCH_HOOK_MACS))
def test_exact_macs_counted_with_torch_hooks(stem: str) -> None:
    """Exact MACs, counted with forward hooks on torch 2.14.1 / torchvision 0.29.1."""
    report = _analyze(stem)
    assert report.totals.macs == TORCH_HOOK_MACS[stem]
    assert report.input_shape == (3, 224, 224)
    assert report.output_shape == (1000,)


# --- LeNet-5 ----------------------------------------------------------------


def test_lenet5() -> None:
    """LeNet-5: 61,706 params with C3 fully connected.

    LeCun et al. 1998, "Gradient-Based Learning Applied to Document
    Recognition", figure 2 / section II.B give the layer sizes; 61,706 is
    their sum with C3 connected to all 6 S2 maps (16 x 6 x 5 x 5 + 16 =
    2,416), as LeNet-5 is commonly implemented. The paper's own C3 uses the
    partial connection table (table I, 60 of 96 map pairs: 60 x 25 + 16 =
    1,516 parameters), which would give 60,806.
    """
    report = _analyze("lenet5")
    c1 = 6 * (1 * 5 * 5 + 1)  # 156
    c3 = 16 * (6 * 5 * 5 + 1)  # 2,416 (full connectivity)
    c5 = 120 * (16 * 5 * 5 + 1)  # 48,120
    f6 = 84 * (120 + 1)  # 10,164
    out = 10 * (84 + 1)  # 850
    assert c1 + c3 + c5 + f6 + out == 61_706
    assert report.totals.params == 61_706
    assert 61_706 - c3 + (60 * 25 + 16) == 60_806  # the paper's partial C3, for the record
    # MACs from the same layer sizes: C1 28x28x6x25, C3 10x10x16x150, C5 400x120, F6 120x84, OUTPUT 84x10.
    macs = 28 * 28 * 6 * 25 + 10 * 10 * 16 * 150 + 400 * 120 + 120 * 84 + 84 * 10
    assert macs == 416_520
    assert report.totals.macs == macs
    assert report.input_shape == (1, 32, 32)
    assert report.output_shape == (10,)


# --- AlexNet, cs231n one-tower version -------------------------------------


def test_alexnet_cs231n() -> None:
    """cs231n lecture 9, "Case study: AlexNet": 62,378,344 params, 1,135,256,096 MACs.

    Both totals follow from the slides' layer table on 227x227x3 (conv1 96
    11x11/4 -> 55x55, conv2 256 5x5 pad 2 -> 27x27, conv3-5 384/384/256 3x3
    pad 1 -> 13x13, fc 9216 -> 4096 -> 4096 -> 1000), one tower, with biases.
    """
    report = _analyze("alexnet")
    convs = [  # (out HxW, filters, kernel, in channels)
        (55, 96, 11, 3),
        (27, 256, 5, 96),
        (13, 384, 3, 256),
        (13, 384, 3, 384),
        (13, 256, 3, 384),
    ]
    fcs = [(6 * 6 * 256, 4096), (4096, 4096), (4096, 1000)]
    params = sum(f * (k * k * c + 1) for _, f, k, c in convs) + sum(o * (i + 1) for i, o in fcs)
    macs = sum(n * n * f * k * k * c for n, f, k, c in convs) + sum(i * o for i, o in fcs)
    assert (params, macs) == (62_378_344, 1_135_256_096)
    assert report.totals.params == 62_378_344
    assert report.totals.macs == 1_135_256_096
    assert report.input_shape == (3, 227, 227)
    assert report.output_shape == (1000,)


# --- MobileNet v1 -----------------------------------------------------------


def test_mobilenet_v1() -> None:
    """Howard et al. 2017 (arXiv:1704.04861), table 8: 1.0 MobileNet-224 has 569 million
    mult-adds and 4.2 million parameters. Keras (tf.keras.applications.MobileNet, alpha=1.0,
    weights=None) reports 4,253,864 params: 4,231,976 trainable and 21,888 non-trainable,
    the BN moving statistics, which convcalc counts as buffers.
    """
    report = _analyze("mobilenet_v1")
    assert report.totals.params == 4_231_976
    assert report.totals.params + report.totals.buffers == 4_253_864
    assert round(report.totals.macs / 1e6) == 569
    assert round(report.totals.params / 1e6, 1) == 4.2
    assert report.output_shape == (1000,)
    depthwise = report.row("separable1/depthwise")
    assert depthwise.params == 32 * 3 * 3  # one 3×3 filter per channel, no bias
    assert depthwise.macs == 112 * 112 * 32 * 9


# --- every bundled spec: analyzes, and warns only where expected ------------


def test_every_spec_has_expected_warnings_listed() -> None:
    """A new spec in specs/ must get its expected warnings listed here."""
    assert {p.stem for p in SPECS.glob("*.yaml")} == set(EXPECTED_WARNINGS)


_SUPPRESSIONS = re.compile(r", ignore: uneven-stride|  # convcalc: ignore\[uneven-stride\]")


def _unsuppressed(stem: str) -> convcalc.Report:
    """The spec without its `ignore:` keys and inline ignore comments."""
    path = SPECS / f"{stem}.yaml"
    return convcalc.analyze(_SUPPRESSIONS.sub("", path.read_text(encoding="utf-8")), file=str(path))


@pytest.mark.parametrize("stem", sorted(EXPECTED_WARNINGS))
def test_bundled_spec_suppresses_exactly_its_expected_warnings(stem: str) -> None:
    """As shipped, a bundled spec shows its notes and no warning: `check specs/ --strict` passes."""
    found = {(w.row, w.code, w.severity) for w in _analyze(stem).warnings}
    assert found == {item for item in EXPECTED_WARNINGS[stem] if item[2] == NOTE}


@pytest.mark.parametrize("stem", sorted(EXPECTED_WARNINGS))
def test_spec_analyzes_with_only_expected_warnings(stem: str) -> None:
    report = _unsuppressed(stem)  # raises SpecError on any error
    found = [(w.row, w.code, w.severity) for row in report.rows for w in row.warnings]
    # Each expected warning once, and nothing else.
    assert sorted(found) == sorted(EXPECTED_WARNINGS[stem])
    # A warning sits on the row it names.
    for row in report.rows:
        for w in row.warnings:
            assert w.row == row.path_text
