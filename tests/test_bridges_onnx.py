"""`convcalc import` of ONNX files exported by torch.onnx from torchvision models.

Each model is built with weights=None (nothing downloaded), in eval mode, and
exported with torch.onnx's TorchScript exporter (dynamo=False) and
training=TrainingMode.PRESERVE, which keeps batch norm as BatchNormalization
nodes (the default folds it into the convolutions). The imported spec must
analyze without errors and give exactly:
- the model's parameter count, sum(p.numel()) (torchvision documents these:
  resnet50 25,557,032; mobilenet_v2 3,504,872; googlenet 6,624,904;
  efficientnet_b0 5,288,548; densenet121 7,978,856; r3d_18 33,371,472;
  deeplabv3_resnet50 without its auxiliary head);
- the MACs counted by forward hooks on every Conv/ConvTranspose/Linear module
  (output elements × in_channels/groups × Πkernel; in × out features);
- the model's output shape.
Runs only where torch, torchvision and onnx import (skipped cleanly otherwise).
Checked with torch 2.14.1, torchvision 0.29.1, onnx 1.23.2 (CPU).
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import pytest

torch = pytest.importorskip("torch", reason="torch is not installed")
torchvision = pytest.importorskip("torchvision", reason="torchvision is not installed")
onnx = pytest.importorskip("onnx", reason="onnx is not installed")
from torch import nn  # noqa: E402

import convcalc  # noqa: E402
from convcalc.bridges.importing import import_onnx  # noqa: E402
from convcalc.bridges.spec_text import write_spec  # noqa: E402

# name -> (torchvision namespace, builder kwargs, input shape without the batch)
MODELS: dict[str, tuple[object, dict[str, object], tuple[int, ...]]] = {
    "resnet50": (torchvision.models, {}, (3, 224, 224)),
    "mobilenet_v2": (torchvision.models, {}, (3, 224, 224)),
    # Without the auxiliary heads, as torchvision documents it (6,624,904 params);
    # they don't run in eval mode, so no export would hold them.
    "googlenet": (torchvision.models, {"aux_logits": False, "init_weights": False}, (3, 224, 224)),
    "efficientnet_b0": (torchvision.models, {}, (3, 224, 224)),
    "densenet121": (torchvision.models, {}, (3, 224, 224)),
    "deeplabv3_resnet50": (torchvision.models.segmentation, {"weights_backbone": None, "aux_loss": False}, (3, 224, 224)),
    "r3d_18": (torchvision.models.video, {}, (3, 16, 112, 112)),
}

CONVS = (nn.Conv1d, nn.Conv2d, nn.Conv3d)
DECONVS = (nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d)


def build(name: str) -> nn.Module:
    namespace, kwargs, _ = MODELS[name]
    return getattr(namespace, name)(weights=None, **kwargs).eval()


def hook_counts(model: nn.Module, shape: tuple[int, ...]) -> tuple[int, int, tuple[int, ...]]:
    """(parameters, conv/deconv/linear MACs from forward hooks, output shape) for one sample."""
    macs = 0

    def hook(module: nn.Module, inputs: tuple[torch.Tensor, ...], out: torch.Tensor) -> None:
        nonlocal macs
        if isinstance(module, CONVS):
            macs += out.numel() * (module.in_channels // module.groups) * math.prod(module.kernel_size)
        elif isinstance(module, DECONVS):
            macs += inputs[0].numel() * (module.out_channels // module.groups) * math.prod(module.kernel_size)
        elif isinstance(module, nn.Linear):
            macs += inputs[0].numel() * module.out_features

    handles = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, (*CONVS, *DECONVS, nn.Linear))]
    try:
        with torch.no_grad():
            out = model(torch.zeros(1, *shape))
    finally:
        for handle in handles:
            handle.remove()
    if isinstance(out, dict):
        out = out["out"]
    return sum(p.numel() for p in model.parameters()), macs, tuple(out.shape[1:])


def export(model: nn.Module, shape: tuple[int, ...], path: Path, **options: object) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (torch.zeros(1, *shape),), str(path), **options)


@pytest.mark.parametrize("name", list(MODELS))
def test_imported_torchvision_model_counts_as_torch_does(name: str, tmp_path: Path) -> None:
    torch.set_num_threads(2)
    model = build(name)
    shape = MODELS[name][2]
    path = tmp_path / f"{name}.onnx"
    export(model, shape, path, dynamo=False, training=torch.onnx.TrainingMode.PRESERVE)
    text = write_spec(import_onnx(str(path)))
    (tmp_path / f"{name}.yaml").write_text(text)
    report = convcalc.analyze(text, file=f"{name}.yaml")
    params, macs, out_shape = hook_counts(model, shape)
    assert report.input_shape == shape
    assert (report.totals.params, report.totals.macs, report.output_shape) == (params, macs, out_shape)
    assert "blocks:" in text
    # and the imported spec, exported back to PyTorch, agrees with itself row by row
    from convcalc.bridges.verify import verify

    assert [d.format() for d in verify(text).differences] == []


def test_flat_import_counts_the_same(tmp_path: Path) -> None:
    model = build("mobilenet_v2")
    path = tmp_path / "m.onnx"
    export(model, (3, 224, 224), path, dynamo=False, training=torch.onnx.TrainingMode.PRESERVE)
    imported = import_onnx(str(path))
    folded = convcalc.analyze(write_spec(imported))
    flat = convcalc.analyze(write_spec(imported, blocks=False))
    assert (flat.totals.params, flat.totals.macs) == (folded.totals.params, folded.totals.macs)
    assert sum(1 for row in flat.rows if row.leaf) == sum(1 for row in folded.rows if row.leaf)


def test_dynamo_export_without_its_optimizer_keeps_batch_norm(tmp_path: Path) -> None:
    """The dynamo exporter names nodes node_Conv_12 but records the module path in metadata."""
    model = build("resnet50")
    path = tmp_path / "r.onnx"
    export(model, (3, 224, 224), path, dynamo=True, optimize=False, verbose=False)
    imported = import_onnx(str(path))
    text = write_spec(imported)
    report = convcalc.analyze(text)
    params, macs, _ = hook_counts(model, (3, 224, 224))
    assert (report.totals.params, report.totals.macs) == (params, macs)
    # the dynamo exporter records module classes: the blocks are named after them
    assert "- bottleneck: {name: layer1.0, conv1_filters: 64, stride: 1, conv3_filters: 256}" in text
    assert not imported.notes


def test_folded_batch_norm_is_said(tmp_path: Path) -> None:
    """torch.onnx's default (dynamo, optimized) folds BN into the convolutions: the import says so
    and counts what the file holds. With weights=None every BN is the identity, so the folded
    biases are zeros, which the optimizer drops too: the file has torchvision's count minus BN's."""
    model = build("resnet50")
    path = tmp_path / "r.onnx"
    export(model, (3, 224, 224), path, verbose=False)
    imported = import_onnx(str(path))
    assert any("folded" in note for note in imported.notes)
    report = convcalc.analyze(write_spec(imported))
    bn = sum(m.weight.numel() + m.bias.numel() for m in model.modules() if isinstance(m, nn.BatchNorm2d))
    assert report.totals.params == sum(p.numel() for p in model.parameters()) - bn


def test_eval_mode_export_folds_batch_norm_and_the_import_notes_it(tmp_path: Path) -> None:
    model = torchvision.models.resnet18(weights=None).eval()
    path = tmp_path / "r18.onnx"
    export(model, (3, 64, 64), path, dynamo=False)
    imported = import_onnx(str(path))
    assert any("batch norm looks folded" in note for note in imported.notes)
    assert "# note: no BatchNormalization node" in write_spec(imported)


class Zoo(nn.Module):
    """One of each op the importer maps, in a small graph with a skip, a merge and a gate."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, stride=2, padding=(1, 2), dilation=(1, 2), bias=False)
        self.norm = nn.BatchNorm2d(8)
        self.act = nn.Hardswish()
        self.grouped = nn.Conv2d(8, 8, 3, padding=1, groups=4)
        self.depthwise = nn.Conv2d(8, 8, 5, padding=2, groups=8)
        self.leaky = nn.LeakyReLU(0.2)
        self.pad = nn.ReflectionPad2d((1, 0, 2, 1))
        self.pool = nn.AvgPool2d(3, stride=2, ceil_mode=True)
        self.up = nn.ConvTranspose2d(8, 6, 4, stride=2, padding=1, output_padding=1)
        self.gate = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(6, 6, 1), nn.Hardsigmoid())
        self.scale = nn.Parameter(torch.ones(6, 1, 1))
        self.prelu = nn.PReLU(6)
        self.head = nn.Linear(6 * 19 * 17, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.act(self.norm(self.stem(x)))
        y = nn.functional.relu6(self.grouped(x))
        x = x + torch.tanh(self.depthwise(y))
        x = self.pool(self.pad(self.leaky(x)))
        x = nn.functional.interpolate(self.up(x), scale_factor=2, mode="nearest")
        x = x * self.gate(x)
        x = self.prelu(x * self.scale)
        x = nn.functional.max_pool2d(x, 2)
        x = torch.flatten(nn.functional.elu(x), 1)
        return torch.softmax(nn.functional.dropout(self.head(x), 0.3, training=False), dim=1)


def test_each_mapped_op_counts_as_torch_does(tmp_path: Path) -> None:
    model = Zoo().eval()
    shape = (3, 32, 32)
    path = tmp_path / "zoo.onnx"
    export(model, shape, path, dynamo=False, training=torch.onnx.TrainingMode.PRESERVE)
    text = write_spec(import_onnx(str(path)))
    report = convcalc.analyze(text)
    params, macs, out_shape = hook_counts(model, shape)
    assert (report.totals.params, report.totals.macs, report.output_shape) == (params, macs, out_shape), text
    types = {row.type for row in report.rows}
    for expected in ("conv", "bn", "hardswish", "relu6", "tanh", "add", "leakyrelu", "pad", "avgpool", "deconv",
                     "upsample", "globalavgpool", "hardsigmoid", "mul", "scale", "prelu", "maxpool", "elu",
                     "flatten", "fc", "softmax"):
        assert expected in types, (expected, text)


def test_import_torch_callable_at_the_command_line(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from convcalc.cli import main

    spec = tmp_path / "r18.yaml"
    result = CliRunner().invoke(
        main, ["import", "--torch", "torchvision.models:resnet18", "--input", "3x64x64", "-o", str(spec)]
    )
    assert result.exit_code == 0, result.output
    report = convcalc.analyze(spec)
    params, macs, out_shape = hook_counts(torchvision.models.resnet18(weights=None).eval(), (3, 64, 64))
    assert (report.totals.params, report.totals.macs, report.output_shape) == (params, macs, out_shape)
    assert spec.read_text().startswith("# Imported by convcalc from torchvision.models:resnet18 (PyTorch ")


def test_dynamic_sizes_need_input_and_get_it(tmp_path: Path) -> None:
    model = torchvision.models.resnet18(weights=None).eval()
    path = tmp_path / "dyn.onnx"
    export(
        model,
        (3, 224, 224),
        path,
        dynamo=False,
        training=torch.onnx.TrainingMode.PRESERVE,
        input_names=["image"],
        dynamic_axes={"image": {0: "batch", 2: "height", 3: "width"}},
    )
    from convcalc.errors import SpecError

    with pytest.raises(SpecError, match=r"input 'image' has no fixed size \(\[-1, 3, -1, -1\]\); give one with --input"):
        import_onnx(str(path))
    report = convcalc.analyze(write_spec(import_onnx(str(path), (3, 128, 128))))
    params, macs, out_shape = hook_counts(model, (3, 128, 128))
    assert (report.totals.params, report.totals.macs, report.output_shape) == (params, macs, out_shape)
