"""The graph specs (issue 10) against their published and measured figures, without torch.

Sources, each cited again at its test:

* U-Net: O. Ronneberger, P. Fischer, T. Brox (2015), "U-Net: Convolutional
  Networks for Biomedical Image Segmentation", MICCAI 2015, figure 1
  (572x572 -> 388x388x2). The totals are counted with forward hooks on a
  hand-built PyTorch module (tests/test_graphs_against_torch.py, UNet) and
  re-derived below from the paper's layer sizes.
* FPN: torchvision 0.29.1 resnet_fpn_backbone(backbone_name="resnet50",
  weights=None, trainable_layers=5), parameters as sum(p.numel()), MACs with
  forward hooks (conv: output elements x in_channels/groups x prod(kernel)),
  on torch 2.14.1: 26,799,296 params; 36,201,037,824 MACs at 3x512x512 and
  35,230,509,824 at 3x500x500.
* DeepLabV3: torchvision 0.29.1 deeplabv3_resnet50(weights=None,
  weights_backbone=None), counted the same way at 3x520x520: 39,638,869
  params, 168,731,205,888 MACs. torchvision's documented 42,004,074
  (DeepLabV3_ResNet50_Weights.COCO_WITH_VOC_LABELS_V1) includes the
  auxiliary FCN head, which the builder leaves out without weights.
* ConvNeXt-T: torchvision's documentation,
  https://pytorch.org/vision/stable/models/generated/torchvision.models.convnext_tiny.html
  (ConvNeXt_Tiny_Weights.IMAGENET1K_V1: num_params 28,589,128, GFLOPS 4.46);
  exact MACs 4,455,531,264 from forward hooks on torch 2.14.1 / torchvision
  0.29.1 (conv + linear).
* YOLOv5s neck: the per-layer parameter table YOLOv5 v7.0 prints when it
  builds models/yolov5s.yaml (models/yolo.py parse_model, "from n params
  module arguments"), layers 10-23; MACs 2,673,868,800 from forward hooks
  on a hand-built PyTorch module of those layers at 640x640
  (tests/test_graphs_against_torch.py, YoloV5sNeck).
* Siamese: G. Koch, R. Zemel, R. Salakhutdinov (2015), "Siamese Neural
  Networks for One-shot Image Recognition", ICML Deep Learning Workshop,
  figure 4; the totals derived below from its layer sizes and counted with
  forward hooks on a hand-built module (tests/test_graphs_against_torch.py).
"""

from __future__ import annotations

import functools

import yaml
from conftest import SPECS

import convcalc


@functools.lru_cache(maxsize=None)
def _analyze(stem: str, size: int | None = None) -> convcalc.Report:
    path = SPECS / f"{stem}.yaml"
    if size is None:
        return convcalc.analyze(path)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["input"]["size"] = size
    return convcalc.analyze(data, file=str(path))


def _outputs(report: convcalc.Report) -> list[tuple[str, tuple[int, ...]]]:
    return [(output["name"], tuple(output["shape"])) for output in report.to_dict(rows=False)["outputs"]]


# ResNet-50's convolutions without its fc (torchvision's resnet50: 25,557,032
# parameters = these + 53,120 batch-norm + 2,049,000 fc), shared by the FPN
# and DeepLabV3 backbones (dilation changes no parameter count).
RESNET50_CONV_PARAMS = 25_557_032 - 53_120 - 2_049_000
RESNET50_BN_CHANNELS = 53_120 // 2


# --- U-Net ---------------------------------------------------------------------


def test_unet() -> None:
    """Ronneberger et al. 2015, figure 1: 572x572x1 in, 388x388x2 out.

    31,030,658 params and 150,428,424,448 MACs: forward hooks on the
    hand-built PyTorch module (tests/test_graphs_against_torch.py), and the
    same from the figure's layer sizes here.
    """
    report = _analyze("unet")
    assert report.input_shape == (1, 572, 572)
    assert report.output_shape == (2, 388, 388)
    widths = (64, 128, 256, 512, 1024)
    # (in, out) of every 3x3 conv, with the output size of each: encoder, then decoder.
    encoder_sizes = ((570, 568), (282, 280), (138, 136), (66, 64), (30, 28))
    convs = []
    cin = 1
    for width, sizes in zip(widths, encoder_sizes):
        convs += [(cin, width, sizes[0]), (width, width, sizes[1])]
        cin = width
    decoder_sizes = ((54, 52), (102, 100), (198, 196), (390, 388))  # after up-convs to 56, 104, 200, 392
    ups = []
    for width, sizes, up_size in zip(reversed(widths[:4]), decoder_sizes, (56, 104, 200, 392)):
        ups.append((2 * width, width, up_size))  # 2x2/2 up-conv halving the channels
        convs += [(2 * width, width, sizes[0]), (width, width, sizes[1])]  # after the concat
    params = sum(o * (i * 9 + 1) for i, o, _ in convs) + sum(o * (i * 4 + 1) for i, o, _ in ups) + 2 * (64 + 1)
    macs = sum(n * n * o * i * 9 for i, o, n in convs) + sum(n * n * o * i for i, o, n in ups) + 388 * 388 * 2 * 64
    assert (params, macs) == (31_030_658, 150_428_424_448)
    assert report.totals.params == 31_030_658
    assert report.totals.macs == 150_428_424_448
    # The skip connection is centre-cropped: enc4's 64x64 to the up-conv's 56x56.
    assert report.row("dec4/cropped").output_shape == (512, 56, 56)
    assert report.row("dec4/concat1").output_shape == (1024, 56, 56)
    # Peak memory (float32) is at dec4's concat: the skip tensors of enc1..enc3 are still
    # alive (their crops come later), with the up-conv's output, its cropped skip and the concat.
    skips = (568 * 568 * 64 + 280 * 280 * 128 + 136 * 136 * 256) * 4
    assert skips == 141_672_448
    assert report.totals.peak_activation_bytes == skips + (56 * 56 * 512 * 2 + 56 * 56 * 1024) * 4 == 167_362_560


# --- FPN on ResNet-50 -------------------------------------------------------------


FPN_CONV_PARAMS = (256 + 512 + 1024 + 2048) * 256 + 4 * 256 + 4 * (256 * 256 * 9 + 256)  # laterals + outputs


def test_fpn_resnet50_at_512() -> None:
    """torchvision resnet_fpn_backbone("resnet50", weights=None, trainable_layers=5) at 3x512x512.

    26,799,296 params (ResNet-50's convs + the FPN's; FrozenBatchNorm2d has
    none), 36,201,037,824 MACs (forward hooks, torch 2.14.1 / torchvision
    0.29.1), and its five outputs '0', '1', '2', '3', 'pool' at strides 4 to 64.
    """
    report = _analyze("fpn_resnet50")
    assert RESNET50_CONV_PARAMS + FPN_CONV_PARAMS == 26_799_296
    assert report.totals.params == 26_799_296
    assert report.totals.macs == 36_201_037_824
    assert _outputs(report) == [
        ("layer_blocks.0", (256, 128, 128)),
        ("layer_blocks.1", (256, 64, 64)),
        ("layer_blocks.2", (256, 32, 32)),
        ("layer_blocks.3", (256, 16, 16)),
        ("pool", (256, 8, 8)),
    ]
    # FrozenBatchNorm2d written as bn with affine false: no parameters, the
    # running statistics as buffers (torchvision also keeps the frozen scale
    # and shift as buffers: 106,240 in all).
    assert report.totals.buffers == 2 * RESNET50_BN_CHANNELS == 53_120
    # Written `trainable: false` instead, γ and β would be counted as frozen parameters.
    text = (SPECS / "fpn_resnet50.yaml").read_text(encoding="utf-8")
    frozen = convcalc.analyze(text.replace("bn: {affine: false", "bn: {trainable: false"), file="frozen.yaml")
    assert (frozen.totals.params, frozen.totals.trainable_params) == (26_852_416, 26_799_296)


def test_fpn_resnet50_at_500_resizes_to_fit() -> None:
    """The same spec at 3x500x500: the top-down path resizes to the lateral's size
    (63x63 from 32x32, as torchvision's F.interpolate(size=...)), 35,230,509,824 MACs."""
    report = _analyze("fpn_resnet50", 500)
    assert report.totals.params == 26_799_296
    assert report.totals.macs == 35_230_509_824
    assert _outputs(report) == [
        ("layer_blocks.0", (256, 125, 125)),
        ("layer_blocks.1", (256, 63, 63)),
        ("layer_blocks.2", (256, 32, 32)),
        ("layer_blocks.3", (256, 16, 16)),
        ("pool", (256, 8, 8)),
    ]
    assert report.row("merged.1/resized").output_shape == (256, 63, 63)


# --- DeepLabV3 -------------------------------------------------------------------


def test_deeplabv3_resnet50() -> None:
    """torchvision deeplabv3_resnet50(weights=None, weights_backbone=None) at 3x520x520.

    39,638,869 params, 168,731,205,888 MACs (forward hooks, torch 2.14.1 /
    torchvision 0.29.1); output 21x520x520.
    """
    report = _analyze("deeplabv3_resnet50")
    aspp = 2 * 2048 * 256 + 3 * 2048 * 256 * 9 + 5 * 512  # 1x1, three dilated 3x3, pooling 1x1; 5 BN
    head = 1280 * 256 + 512 + 256 * 256 * 9 + 512 + 256 * 21 + 21  # project + BN, 3x3 + BN, classifier
    assert RESNET50_CONV_PARAMS + 2 * RESNET50_BN_CHANNELS + aspp + head == 39_638_869
    assert report.totals.params == 39_638_869
    assert report.totals.macs == 168_731_205_888
    assert report.output_shape == (21, 520, 520)
    # Output stride 8 (dilated layer3 and layer4); image pooling resized back to it.
    assert report.row("layer4.2").output_shape == (2048, 65, 65)
    assert report.row("classifier.0/convs").output_shape == (1280, 65, 65)


# --- ConvNeXt-T ------------------------------------------------------------------


def test_convnext_t() -> None:
    """torchvision's documented ConvNeXt_Tiny_Weights.IMAGENET1K_V1: 28,589,128 params,
    4.46 GFLOPS (MACs); exactly 4,455,531,264 MACs by forward hooks."""
    report = _analyze("convnext_t")
    assert report.totals.params == 28_589_128
    assert report.totals.macs == 4_455_531_264
    assert round(report.totals.macs / 1e9, 2) == 4.46
    assert report.output_shape == (1000,)
    # Layer scale: one factor per channel in each of the 18 blocks, no MACs.
    scales = [row for row in report.rows if row.type == "scale"]
    assert [row.params for row in scales] == [96] * 3 + [192] * 3 + [384] * 9 + [768] * 3
    assert all(row.macs == 0 for row in scales)


# --- YOLOv5s neck ----------------------------------------------------------------

# YOLOv5 v7.0's model table for yolov5s (models/yolo.py parse_model), layers 10-23:
#  10  -1        1  131584  models.common.Conv  [512, 256, 1, 1]
#  13  -1        1  361984  models.common.C3    [512, 256, 1, False]
#  14  -1        1   33024  models.common.Conv  [256, 128, 1, 1]
#  17  -1        1   90880  models.common.C3    [256, 128, 1, False]
#  18  -1        1  147712  models.common.Conv  [128, 128, 3, 2]
#  20  -1        1  296448  models.common.C3    [256, 256, 1, False]
#  21  -1        1  590336  models.common.Conv  [256, 256, 3, 2]
#  23  -1        1 1182720  models.common.C3    [512, 512, 1, False]
# (11, 15 Upsample; 12, 16, 19, 22 Concat: 0 params)
YOLOV5S_NECK_TABLE = {
    "l10": 131_584,
    "l13": 361_984,
    "l14": 33_024,
    "l17": 90_880,
    "l18": 147_712,
    "l20": 296_448,
    "l21": 590_336,
    "l23": 1_182_720,
}


def test_yolo_neck() -> None:
    """YOLOv5s v7.0 neck: each layer's parameters as YOLOv5's model table prints them,
    2,834,688 in all; 2,673,868,800 MACs by forward hooks on the hand-built module."""
    report = _analyze("yolo_neck")
    for name, params in YOLOV5S_NECK_TABLE.items():
        assert report.row(name).params == params, name
    assert sum(YOLOV5S_NECK_TABLE.values()) == 2_834_688
    assert report.totals.params == 2_834_688
    assert report.totals.macs == 2_673_868_800
    assert _outputs(report) == [("l17", (128, 80, 80)), ("l20", (256, 40, 40)), ("l23", (512, 20, 20))]


# --- Siamese ---------------------------------------------------------------------


def test_siamese_counts_the_shared_encoder_once() -> None:
    """Koch et al. 2015, figure 4: one encoder, two 105x105x1 images.

    Parameters once (38,947,648, not 77,895,296), MACs at both uses.
    """
    report = _analyze("siamese")
    convs = [(64, 1, 10, 96), (128, 64, 7, 42), (128, 128, 4, 18), (256, 128, 4, 6)]  # out, in, kernel, size
    params = sum(o * (i * k * k + 1) for o, i, k, _ in convs) + 4096 * (9216 + 1)
    macs = sum(o * i * k * k * n * n for o, i, k, n in convs) + 9216 * 4096
    assert (params, macs) == (38_947_648, 908_623_872)
    assert report.totals.params == 38_947_648
    assert report.totals.macs == 2 * 908_623_872
    left, right = report.row("left_twin"), report.row("right_twin")
    assert (left.params, right.params) == (38_947_648, 0)
    assert left.macs == right.macs == 908_623_872
    assert _outputs(report) == [("left_twin", (4096,)), ("right_twin", (4096,))]


# --- the README's "Graphs" section -----------------------------------------------


def test_readme_graphs_section_quotes_the_specs_and_their_figures() -> None:
    """The U-Net excerpt is the bundled spec's text; every figure is the spec's report."""
    readme = (SPECS.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Graphs\n", 1)[1].split("\n## ", 1)[0]
    excerpt = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    unet_text = (SPECS / "unet.yaml").read_text(encoding="utf-8")
    for line in excerpt.splitlines():
        assert line.strip() == "..." or line in unet_text.splitlines(), line
    unet = _analyze("unet")
    assert f"**{unet.totals.params:,}**" in section
    assert f"**{unet.totals.macs:,}**" in section
    assert f"peak of {round(unet.totals.peak_activation_bytes / 1e6)} MB" in section
    for stem in ("fpn_resnet50", "deeplabv3_resnet50", "yolo_neck", "convnext_t", "siamese"):
        totals = _analyze(stem).totals
        assert f"| {totals.params:,} | {totals.macs:,}" in section, stem


# --- --explain on a shared row --------------------------------------------------------


def test_a_shared_rows_worked_params_line_says_where_they_are_counted() -> None:
    """A row that shares reports 0 parameters; its worked line says so (found with this spec)."""
    from convcalc.explain import explanations

    report = _analyze("siamese")
    rows = {row.path_text: lines for row, lines in zip(report.rows, explanations(report))}
    assert report.row("right_twin/conv1").params == 0
    assert "params: 0 (uses the 6,464 of left_twin/conv1, counted there)" in rows["right_twin/conv1"]
