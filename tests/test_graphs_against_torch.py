"""The graph specs (issue 10) against PyTorch: torchvision's models and hand-built modules.

Runs only where torch and torchvision import (skipped cleanly otherwise).
As in tests/test_against_torch.py, each model is built with weights=None and
run once in eval mode on zeros of the spec's input sizes, with forward hooks
on every leaf module (tests/torch_trace.py: conv MACs = output elements x
in_channels/groups x prod(kernel), transposed conv = input elements x
out_channels/groups x prod(kernel), linear = in x out at every position; a
module called again owns its parameters at its first call only). Per spec:

(a) the output shapes of the conv / transposed conv / pooling / linear
    modules, in call order, equal those of convcalc's leaf rows of those
    types, in row order (the specs are written in PyTorch's forward order,
    which references make possible: FPN's levels, YOLO's reused tensors);
(b) each conv / linear module's own parameters and MACs equal its row's,
    and each norm layer's parameters its row's;
(c) the parameter totals (sum of p.numel() over model.parameters(), so a
    shared module counts once) and the MAC totals are equal;
(d) the network's outputs, in order, have PyTorch's shapes.

The models: torchvision 0.29.1's resnet_fpn_backbone("resnet50",
weights=None, trainable_layers=5) at 512x512, 500x500 and 97x97,
deeplabv3_resnet50(weights=None, weights_backbone=None) at 520x520 and 101x101, and
convnext_tiny(weights=None) at 224x224; and hand-built modules below, each
written from its paper or source: the original U-Net, the YOLOv5s neck and
the Koch et al. Siamese network. Figures recorded with torch 2.14.1 (CPU).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

torch = pytest.importorskip(
    "torch", reason="torch is not installed; the graph specs' PyTorch cross-checks need torch and torchvision"
)
torchvision = pytest.importorskip(
    "torchvision", reason="torchvision is not installed; the graph specs' PyTorch cross-checks need it"
)
from torch import nn  # noqa: E402
from torchvision.models.detection.backbone_utils import resnet_fpn_backbone  # noqa: E402
from torchvision.ops.feature_pyramid_network import LastLevelMaxPool  # noqa: E402
from torchvision.ops.misc import FrozenBatchNorm2d  # noqa: E402

import convcalc  # noqa: E402
from torch_trace import Leaf, Trace, first_difference, output_shape, record  # noqa: E402

SPECS = Path(__file__).resolve().parent.parent / "specs"


# --- hand-built reference modules --------------------------------------------


def _double_conv(cin: int, cout: int) -> nn.Sequential:
    """U-Net's two unpadded 3x3 convs, each followed by ReLU."""
    return nn.Sequential(nn.Conv2d(cin, cout, 3), nn.ReLU(), nn.Conv2d(cout, cout, 3), nn.ReLU())


def _center_crop(tensor: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    height, width = like.shape[-2:]
    top, left = (tensor.shape[-2] - height) // 2, (tensor.shape[-1] - width) // 2
    return tensor[..., top : top + height, left : left + width]


class UNet(nn.Module):
    """Ronneberger, Fischer, Brox (2015), "U-Net", MICCAI, figure 1 and section 2:
    unpadded 3x3 convs + ReLU, 2x2 max pool of stride 2, 2x2 up-convolution
    halving the channels, the encoder map centre-cropped and concatenated
    (cropped skip first, as in the figure), a final 1x1 conv to 2 classes."""

    WIDTHS = (64, 128, 256, 512, 1024)

    def __init__(self) -> None:
        super().__init__()
        w = self.WIDTHS
        self.encoder = nn.ModuleList([_double_conv(1, w[0])] + [_double_conv(w[i - 1], w[i]) for i in range(1, 5)])
        self.pool = nn.MaxPool2d(2)
        self.upconvs = nn.ModuleList([nn.ConvTranspose2d(w[i], w[i - 1], 2, stride=2) for i in (4, 3, 2, 1)])
        self.decoder = nn.ModuleList([_double_conv(w[i], w[i - 1]) for i in (4, 3, 2, 1)])
        self.head = nn.Conv2d(w[0], 2, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skips = []
        for level, double in enumerate(self.encoder):
            x = double(x)
            if level < 4:
                skips.append(x)
                x = self.pool(x)
        for upconv, double, skip in zip(self.upconvs, self.decoder, reversed(skips)):
            up = upconv(x)
            x = double(torch.cat([_center_crop(skip, up), up], dim=1))
        return self.head(x)


class YoloConv(nn.Module):
    """YOLOv5 v7.0 models/common.py Conv: Conv2d(bias=False, padding k // 2) + BatchNorm2d + SiLU."""

    def __init__(self, c1: int, c2: int, k: int = 1, s: int = 1) -> None:
        super().__init__()
        self.conv = nn.Conv2d(c1, c2, k, s, k // 2, bias=False)
        self.bn = nn.BatchNorm2d(c2)
        self.act = nn.SiLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(self.bn(self.conv(x)))


class Bottleneck(nn.Module):
    """YOLOv5 Bottleneck(c, c, shortcut=False, e=1.0), as C3 builds it in the neck."""

    def __init__(self, c: int) -> None:
        super().__init__()
        self.cv1 = YoloConv(c, c, 1)
        self.cv2 = YoloConv(c, c, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.cv2(self.cv1(x))


class C3(nn.Module):
    """YOLOv5 C3(c1, c2, n, shortcut=False): cv3(cat(m(cv1(x)), cv2(x)))."""

    def __init__(self, c1: int, c2: int, n: int = 1) -> None:
        super().__init__()
        hidden = c2 // 2
        self.cv1 = YoloConv(c1, hidden)
        self.cv2 = YoloConv(c1, hidden)
        self.cv3 = YoloConv(2 * hidden, c2)
        self.m = nn.Sequential(*(Bottleneck(hidden) for _ in range(n)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.cv3(torch.cat((self.m(self.cv1(x)), self.cv2(x)), dim=1))


class YoloV5sNeck(nn.Module):
    """Layers 10-23 of YOLOv5 v7.0 models/yolov5s.yaml (width 0.50, depth 0.33), in its order.

    head:
      [[-1, 1, Conv, [512, 1, 1]],  # 10
       [-1, 1, nn.Upsample, [None, 2, 'nearest']], [[-1, 6], 1, Concat, [1]],
       [-1, 3, C3, [512, False]],  # 13
       [-1, 1, Conv, [256, 1, 1]],  # 14
       [-1, 1, nn.Upsample, [None, 2, 'nearest']], [[-1, 4], 1, Concat, [1]],
       [-1, 3, C3, [256, False]],  # 17 (P3/8)
       [-1, 1, Conv, [256, 3, 2]], [[-1, 14], 1, Concat, [1]],
       [-1, 3, C3, [512, False]],  # 20 (P4/16)
       [-1, 1, Conv, [512, 3, 2]], [[-1, 10], 1, Concat, [1]],
       [-1, 3, C3, [1024, False]],  # 23 (P5/32)
    with the channels halved and the repeats 3 -> 1 by yolov5s's multipliers.
    """

    def __init__(self) -> None:
        super().__init__()
        self.l10 = YoloConv(512, 256)
        self.l11 = nn.Upsample(None, 2, "nearest")
        self.l13 = C3(512, 256)
        self.l14 = YoloConv(256, 128)
        self.l15 = nn.Upsample(None, 2, "nearest")
        self.l17 = C3(256, 128)
        self.l18 = YoloConv(128, 128, 3, 2)
        self.l20 = C3(256, 256)
        self.l21 = YoloConv(256, 256, 3, 2)
        self.l23 = C3(512, 512)

    def forward(self, p3: torch.Tensor, p4: torch.Tensor, p5: torch.Tensor) -> tuple[torch.Tensor, ...]:
        x10 = self.l10(p5)
        x13 = self.l13(torch.cat([self.l11(x10), p4], dim=1))
        x14 = self.l14(x13)
        x17 = self.l17(torch.cat([self.l15(x14), p3], dim=1))
        x20 = self.l20(torch.cat([self.l18(x17), x14], dim=1))
        x23 = self.l23(torch.cat([self.l21(x20), x10], dim=1))
        return x17, x20, x23


class Siamese(nn.Module):
    """Koch, Zemel, Salakhutdinov (2015), "Siamese Neural Networks for One-shot Image
    Recognition", figure 4: one encoder module called on both images."""

    def __init__(self) -> None:
        super().__init__()
        self.encoder = nn.Sequential(
            nn.Conv2d(1, 64, 10), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(64, 128, 7), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(128, 128, 4), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(128, 256, 4), nn.ReLU(),
            nn.Flatten(), nn.Linear(6 * 6 * 256, 4096), nn.Sigmoid(),
        )  # fmt: skip

    def forward(self, left: torch.Tensor, right: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.encoder(left), self.encoder(right)


# --- the cases ----------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    stem: str  # the spec in specs/
    build: Callable[[], nn.Module]
    inputs: tuple[tuple[int, ...], ...]  # PyTorch's input shapes, without the batch dimension
    size: int | None = None  # the spec's input size changed to this one (the spec's own when None)


CASES: dict[str, Case] = {
    "unet": Case("unet", UNet, ((1, 572, 572),)),
    "fpn_resnet50": Case(
        "fpn_resnet50",
        lambda: resnet_fpn_backbone(backbone_name="resnet50", weights=None, trainable_layers=5),
        ((3, 512, 512),),
    ),
    # The case: a fixed-size top-down path breaks at 500 (64x64 against 63x63).
    "fpn_resnet50@500": Case(
        "fpn_resnet50",
        lambda: resnet_fpn_backbone(backbone_name="resnet50", weights=None, trainable_layers=5),
        ((3, 500, 500),),
        size=500,
    ),
    # Odd sizes at every level (97 -> 25, 13, 7, 4, 2): each top-down resize fits a rounded-up size.
    "fpn_resnet50@97": Case(
        "fpn_resnet50",
        lambda: resnet_fpn_backbone(backbone_name="resnet50", weights=None, trainable_layers=5),
        ((3, 97, 97),),
        size=97,
    ),
    # 101 -> 13x13 features: ASPP's pooling and the logits resized back to odd sizes.
    "deeplabv3_resnet50@101": Case(
        "deeplabv3_resnet50",
        lambda: torchvision.models.segmentation.deeplabv3_resnet50(weights=None, weights_backbone=None),
        ((3, 101, 101),),
        size=101,
    ),
    "deeplabv3_resnet50": Case(
        "deeplabv3_resnet50",
        lambda: torchvision.models.segmentation.deeplabv3_resnet50(weights=None, weights_backbone=None),
        ((3, 520, 520),),
    ),
    "convnext_t": Case("convnext_t", lambda: torchvision.models.convnext_tiny(weights=None), ((3, 224, 224),)),
    "yolo_neck": Case("yolo_neck", YoloV5sNeck, ((128, 80, 80), (256, 40, 40), (512, 20, 20))),
    "siamese": Case("siamese", Siamese, ((1, 105, 105), (1, 105, 105))),
}

# PyTorch module class -> convcalc row type, for check (a). nn.Linear applied
# at every position of a channels-last tensor (ConvNeXt's blocks) is a 1x1
# conv in the spec (see _kind).
KINDS: dict[type, str] = {
    nn.Conv2d: "conv",
    nn.ConvTranspose2d: "deconv",
    nn.MaxPool2d: "maxpool",
    nn.AdaptiveAvgPool2d: "adaptiveavgpool",
    nn.Linear: "fc",
    LastLevelMaxPool: "maxpool",  # FPN's 'pool' level: F.max_pool2d(k=1, s=2) inside the module
}
COUNTED = {"conv", "deconv", "fc"}
NORMS = (nn.BatchNorm2d, FrozenBatchNorm2d, nn.LayerNorm)
NORM_ROWS = {"bn", "layernorm"}


def _shape(module: nn.Module, out: Any) -> tuple[int, ...]:
    """As the spec's row shows it: FPN's 'pool' level, a per-position linear layer channels first."""
    if isinstance(module, LastLevelMaxPool):
        results, _names = out
        return tuple(results[-1].shape[1:])
    shape = output_shape(module, out)
    if isinstance(module, nn.Linear) and len(shape) > 1:
        return (shape[-1], *shape[:-1])
    return shape


@functools.lru_cache(maxsize=None)
def trace(case_id: str) -> Trace:
    """Build, run once and record one model (cached per session)."""
    case = CASES[case_id]
    return record(case.build(), case.inputs, _shape)


@functools.lru_cache(maxsize=None)
def spec_report(case_id: str) -> convcalc.Report:
    """The case's spec, at the case's input size (FPN at 500: the same spec, its input changed)."""
    case = CASES[case_id]
    path = SPECS / f"{case.stem}.yaml"
    if case.size is None:
        return convcalc.analyze(path)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["input"]["size"] = case.size
    return convcalc.analyze(data, file=str(path))


def _leaf_kind(leaf: Leaf) -> str | None:
    """A leaf's convcalc row type; nn.Linear at every position (ConvNeXt) is a 1x1 conv."""
    kind = next((kind for cls, kind in KINDS.items() if issubclass(leaf.cls, cls)), None)
    return "conv" if kind == "fc" and len(leaf.shape) > 1 else kind


def _torch_sequence(case_id: str, kinds: set[str]) -> list[tuple[str, tuple[int, ...], int, int, str]]:
    leaves = trace(case_id).leaves
    return [(k, leaf.shape, leaf.params, leaf.macs, leaf.name) for leaf in leaves if (k := _leaf_kind(leaf)) in kinds]


def _spec_sequence(case_id: str, kinds: set[str]) -> list[tuple[str, tuple[int, ...], int, int, str]]:
    rows = [row for row in spec_report(case_id).rows if row.leaf and row.type in kinds]
    return [(row.type, row.output_shape, row.params, row.macs, row.path_text) for row in rows]


IDS = sorted(CASES)


@pytest.mark.parametrize("case_id", IDS)
def test_layer_output_shapes_in_forward_order(case_id: str) -> None:
    """(a) conv/deconv/pool/linear output shapes, in PyTorch's call order."""
    kinds = set(KINDS.values()) | {"conv"}
    torch_seq, spec_seq = _torch_sequence(case_id, kinds), _spec_sequence(case_id, kinds)
    assert torch_seq, "no hooked modules"
    assert [t[:2] for t in torch_seq] == [s[:2] for s in spec_seq], first_difference(torch_seq, spec_seq, 2)


@pytest.mark.parametrize("case_id", IDS)
def test_per_layer_params_and_macs(case_id: str) -> None:
    """(b) each conv / linear module's own params and MACs equal its row's, in order."""
    torch_seq, spec_seq = _torch_sequence(case_id, COUNTED), _spec_sequence(case_id, COUNTED)
    assert [t[:4] for t in torch_seq] == [s[:4] for s in spec_seq], first_difference(torch_seq, spec_seq, 4)


@pytest.mark.parametrize("case_id", IDS)
def test_norm_layer_params(case_id: str) -> None:
    """(b) each norm layer's parameters: BatchNorm2d 2C, FrozenBatchNorm2d 0 (all buffers), LayerNorm 2C."""
    torch_norms = [leaf.params for leaf in trace(case_id).leaves if issubclass(leaf.cls, NORMS)]
    spec_norms = [row.params for row in spec_report(case_id).rows if row.leaf and row.type in NORM_ROWS]
    assert torch_norms == spec_norms


@pytest.mark.parametrize("case_id", IDS)
def test_param_totals(case_id: str) -> None:
    """(c) parameters: sum of p.numel() over model.parameters() (shared modules once)."""
    assert spec_report(case_id).totals.params == trace(case_id).params


@pytest.mark.parametrize("case_id", IDS)
def test_mac_totals(case_id: str) -> None:
    """(c) conv + deconv + linear MACs, counted in the forward hooks (a shared module at every call)."""
    assert spec_report(case_id).totals.macs == trace(case_id).macs


@pytest.mark.parametrize("case_id", IDS)
def test_output_shapes(case_id: str) -> None:
    """(d) the network's outputs, in order (FPN: '0', '1', '2', '3', 'pool')."""
    outputs = spec_report(case_id).to_dict(rows=False)["outputs"]
    assert [tuple(output["shape"]) for output in outputs] == trace(case_id).outputs
    assert spec_report(case_id).output_shape == trace(case_id).outputs[0]


def test_convnext_layer_scale_rows_equal_torchvisions_parameters() -> None:
    """ConvNeXt's layer scale is a parameter of CNBlock itself (not of a leaf module): one per block."""
    model = torchvision.models.convnext_tiny(weights=None)
    torch_scales = [module.layer_scale.numel() for module in model.modules() if hasattr(module, "layer_scale")]
    spec_scales = [row.params for row in spec_report("convnext_t").rows if row.type == "scale"]
    assert torch_scales == spec_scales
    assert len(spec_scales) == 3 + 3 + 9 + 3


def test_fpn_frozen_batch_norm_buffers() -> None:
    """FrozenBatchNorm2d keeps weight, bias, running mean and var as buffers (4 per channel);
    convcalc's `bn: {affine: false}` reports the 2 running statistics per channel as buffers."""
    model = CASES["fpn_resnet50"].build()
    frozen = sum(b.numel() for m in model.modules() if isinstance(m, FrozenBatchNorm2d) for b in m.buffers())
    assert frozen == 106_240
    assert frozen == 2 * spec_report("fpn_resnet50").totals.buffers
