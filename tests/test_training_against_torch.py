"""Training cost against PyTorch: backward MACs and saved activations, measured live.

Runs only where torch and torchvision import. Each torchvision model is built
with weights=None, every activation module made non-in-place, put in train
mode, and run forward and backward once on a random float32 batch of 8 (2 for
ViT-B/16), attention on the math kernel without nn.MultiheadAttention's fast
path:

- backward MACs: ``torch.utils.flop_counter.FlopCounterMode``'s total minus its
  forward count, halved (it counts FLOPs = 2 x MACs). Its known fault in torch
  2.14.1: a grouped or depthwise convolution's weight gradient is counted
  ``groups`` times over; the excess, (groups - 1) x the conv's forward MACs
  (counted analytically in a forward hook), is taken off.
- saved bytes: ``torch.autograd.graph.saved_tensors_hooks`` sees every tensor
  autograd keeps; each storage is counted once, parameters and buffers (model
  state, not activations) left out. Dropout's masks are counted at one byte per
  element, as CUDA's fused dropout keeps them (bool); a CPU run keeps float32
  masks (docs/spec-format.md, "Training cost").

The specs and torchvision models are the ones tests/test_against_torch.py
holds equal in shapes, parameters and MACs. Then every layer type's
declaration on its own, after a trainable 1x1 conv, against the torch module
that does the same (merges as squeeze-and-excitation and an inception sum). Checked with torch 2.14.1 /
torchvision 0.29.1 (CPU).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from pathlib import Path

import pytest

torch = pytest.importorskip("torch", reason="torch is not installed; the training cross-checks need it")
torchvision = pytest.importorskip("torchvision", reason="torchvision is not installed; the cross-checks need it")
from torch import nn  # noqa: E402
from torch.nn.attention import SDPBackend, sdpa_kernel  # noqa: E402
from torch.utils.flop_counter import FlopCounterMode  # noqa: E402

import convcalc  # noqa: E402
from convcalc.batch import batched  # noqa: E402
from convcalc.spec import load_file  # noqa: E402
from convcalc.training import training_cost  # noqa: E402

SPECS = Path(__file__).resolve().parent.parent / "specs"
BATCH = 8

# spec file -> (torchvision builder, builder kwargs)
MODELS: dict[str, tuple[str, dict[str, object]]] = {
    "alexnet_torchvision": ("alexnet", {}),
    "vgg11": ("vgg11", {}),
    "resnet18": ("resnet18", {}),
    "resnet50": ("resnet50", {}),
    "mobilenet_v2": ("mobilenet_v2", {}),
    "googlenet": ("googlenet", {"aux_logits": False, "init_weights": False}),
    "vit_b_16": ("vit_b_16", {}),
}
BATCHES = {"vit_b_16": 2}
"""A smaller batch where batch 8 costs minutes on two cores (every figure but BN's statistics is linear in it)."""


@dataclass(frozen=True)
class Measured:
    backward_macs: int
    saved_bytes: int
    frozen_params: int


def build(stem: str) -> nn.Module:
    builder, kwargs = MODELS[stem]
    torch.manual_seed(0)
    model = getattr(torchvision.models, builder)(weights=None, **kwargs).train()
    for module in model.modules():
        if hasattr(module, "inplace"):
            module.inplace = False
    return model


def _conv_macs(module: nn.Conv2d, out: torch.Tensor) -> int:
    return out.numel() * (module.in_channels // module.groups) * math.prod(module.kernel_size)


def measure(model: nn.Module, shape: tuple[int, ...], frozen_params: int = 0, batch: int = BATCH) -> Measured:
    """One training step's backward MACs and saved bytes on ``batch`` samples; the first
    ``frozen_params`` parameters, in forward-call order, with requires_grad off."""
    torch.set_num_threads(2)
    if frozen_params:
        _freeze_in_call_order(model, shape, frozen_params)
    state = {t.untyped_storage().data_ptr() for t in [*model.parameters(), *model.buffers()]}
    kept: dict[int, int] = {}
    in_dropout = [False]
    grouped_excess = [0]

    def pack(tensor: torch.Tensor) -> torch.Tensor:
        storage = tensor.untyped_storage()
        if storage.data_ptr() not in state:
            nbytes = tensor.numel() if in_dropout[0] else storage.nbytes()
            kept[storage.data_ptr()] = max(kept.get(storage.data_ptr(), 0), nbytes)
        return tensor

    def conv_hook(module: nn.Conv2d, inputs: tuple[torch.Tensor, ...], out: torch.Tensor) -> None:
        if module.groups > 1 and module.weight.requires_grad:
            grouped_excess[0] += (module.groups - 1) * _conv_macs(module, out)

    def flag(value: bool):  # type: ignore[no-untyped-def]
        def hook(*args: object) -> None:
            in_dropout[0] = value

        return hook

    handles = []
    for module in model.modules():
        if isinstance(module, nn.Conv2d):
            handles.append(module.register_forward_hook(conv_hook))
        if isinstance(module, nn.Dropout):
            handles += [module.register_forward_pre_hook(flag(True)), module.register_forward_hook(flag(False))]
    x = torch.randn(batch, *shape)
    fastpath = torch.backends.mha.get_fastpath_enabled()
    # The math kernel and no fast path, or FlopCounterMode sees no attention products.
    torch.backends.mha.set_fastpath_enabled(False)
    try:
        with sdpa_kernel(SDPBackend.MATH), FlopCounterMode(display=False) as counter:
            with torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor):
                out = model(x)
            forward = counter.get_total_flops()
            out.sum().backward()
            total = counter.get_total_flops()
    finally:
        torch.backends.mha.set_fastpath_enabled(fastpath)
        for handle in handles:
            handle.remove()
    flops = total - forward
    assert flops % 2 == 0
    return Measured(flops // 2 - grouped_excess[0], sum(kept.values()), frozen_params)


def _freeze_in_call_order(model: nn.Module, shape: tuple[int, ...], count: int) -> None:
    """requires_grad off for the first ``count`` parameters in the order the forward uses them."""
    order: list[nn.Module] = []
    handles = [
        m.register_forward_hook(lambda module, i, o: order.append(module))
        for m in model.modules()
        if any(True for _ in m.parameters(recurse=False))
    ]
    with torch.no_grad():
        model.eval()(torch.zeros(1, *shape))
    model.train()
    for handle in handles:
        handle.remove()
    frozen = 0
    for module in order:
        if frozen >= count:
            break
        for parameter in module.parameters(recurse=False):
            parameter.requires_grad_(False)
            frozen += parameter.numel()
    assert frozen == count, f"the spec's frozen prefix ({count:,}) does not end at a torch module ({frozen:,})"


@functools.lru_cache(maxsize=None)
def torch_figures(stem: str) -> Measured:
    shape = convcalc.analyze(SPECS / f"{stem}.yaml").input_shape
    return measure(build(stem), shape, batch=BATCHES.get(stem, BATCH))


def convcalc_figures(report: convcalc.Report, batch: int = BATCH) -> Measured:
    cost = training_cost(batched(report, batch))
    return Measured(cost.backward_macs, cost.saved_activation_bytes, report.totals.frozen_params)


STEMS = list(MODELS)


@pytest.mark.parametrize("stem", STEMS)
def test_backward_macs_equal_flop_counter(stem: str) -> None:
    report = convcalc.analyze(SPECS / f"{stem}.yaml")
    ours = convcalc_figures(report, BATCHES.get(stem, BATCH))
    assert ours.backward_macs == torch_figures(stem).backward_macs


@pytest.mark.parametrize("stem", STEMS)
def test_saved_bytes_equal_saved_tensor_hooks(stem: str) -> None:
    """The issue asks for 1%; every declared rule holds exactly for these models."""
    report = convcalc.analyze(SPECS / f"{stem}.yaml")
    ours = convcalc_figures(report, BATCHES.get(stem, BATCH)).saved_bytes
    theirs = torch_figures(stem).saved_bytes
    assert ours == theirs, f"convcalc {ours:,} vs torch {theirs:,} ({ours - theirs:+,})"


def frozen_half(stem: str) -> convcalc.Report:
    """The spec with its first half of top-level entries ``trainable: false``."""
    import yaml

    data = yaml.safe_load((SPECS / f"{stem}.yaml").read_text())
    layers = data["layers"]
    for index in range(len(layers) // 2):
        entry = layers[index]
        if isinstance(entry, str):
            entry = {entry: {}}
        ((kind, args),) = entry.items()
        layers[index] = {kind: {**(args or {}), "trainable": False}}
    assert load_file(SPECS / f"{stem}.yaml").name == data["name"]
    return convcalc.analyze(data, file=f"{stem}-frozen-half.yaml")


@pytest.mark.parametrize("stem", ["resnet18", "mobilenet_v2"])
def test_first_half_frozen_equals_requires_grad_off(stem: str) -> None:
    report = frozen_half(stem)
    assert 0 < report.totals.frozen_params < report.totals.params
    shape = report.input_shape
    theirs = measure(build(stem), shape, frozen_params=report.totals.frozen_params)
    ours = convcalc_figures(report)
    assert ours.backward_macs == theirs.backward_macs
    assert ours.saved_bytes == theirs.saved_bytes
    whole = convcalc.analyze(SPECS / f"{stem}.yaml")
    assert ours.backward_macs < convcalc_figures(whole).backward_macs


# --- every layer type's declaration, one at a time -------------------------------


class _LayerNorm2d(nn.LayerNorm):
    """convcalc's layernorm: over channels at each position, as torchvision's ConvNeXt writes it."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.permute(0, 2, 3, 1)
        x = nn.functional.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)
        return x.permute(0, 3, 1, 2)


class _SqueezeExcite(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.pool, self.conv, self.gate = nn.AdaptiveAvgPool2d(1), nn.Conv2d(4, 4, 1), nn.Sigmoid()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.gate(self.conv(self.pool(x)))


class _Inception(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.a, self.b = nn.Conv2d(4, 2, 1), nn.Sequential(nn.MaxPool2d(3, 1, 1), nn.Conv2d(4, 2, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([self.a(x), self.b(x)], 1) + x


def _layer_cases() -> dict[str, tuple[str, object]]:
    """convcalc entries (YAML) after a 1x1 conv on 4x6x6, and the torch module doing the same."""
    cases: dict[str, tuple[str, object]] = {
        name: (name, lambda m=module: m())
        for name, module in {
            "relu": nn.ReLU,
            "relu6": nn.ReLU6,
            "leakyrelu": nn.LeakyReLU,
            "elu": nn.ELU,
            "gelu": nn.GELU,
            "silu": nn.SiLU,
            "sigmoid": nn.Sigmoid,
            "tanh": nn.Tanh,
            "hardswish": nn.Hardswish,
            "hardsigmoid": nn.Hardsigmoid,
            "bn": lambda: nn.BatchNorm2d(4),
            "prelu": nn.PReLU,
            "gap": lambda: nn.AdaptiveAvgPool2d(1),
            "globalmaxpool": lambda: nn.AdaptiveMaxPool2d(1),
            "dropout": nn.Dropout,
            "identity": nn.Identity,
            "layernorm": lambda: _LayerNorm2d(4),
        }.items()
    }
    cases.update(
        {
            "softmax": ("softmax", lambda: nn.Softmax(dim=1)),
            "lrn": ("{lrn: {size: 5}}", lambda: nn.LocalResponseNorm(5)),
            "groupnorm": ("{groupnorm: {groups: 2}}", lambda: nn.GroupNorm(2, 4)),
            "maxpool": ("{maxpool: {kernel: 2}}", lambda: nn.MaxPool2d(2)),
            "avgpool": ("{avgpool: {kernel: 2}}", lambda: nn.AvgPool2d(2)),
            "adaptiveavgpool": ("{adaptiveavgpool: {output: 3}}", lambda: nn.AdaptiveAvgPool2d(3)),
            "adaptivemaxpool": ("{adaptivemaxpool: {output: 3}}", lambda: nn.AdaptiveMaxPool2d(3)),
            "pad-reflect": ("{pad: {padding: 1, mode: reflect}}", lambda: nn.ReflectionPad2d(1)),
            "pad-replicate": ("{pad: {padding: 1, mode: replicate}}", lambda: nn.ReplicationPad2d(1)),
            "pad-zeros": ("{pad: {padding: 1}}", lambda: nn.ZeroPad2d(1)),
            "pad-circular": ("{pad: {padding: 1, mode: circular}}", lambda: nn.CircularPad2d(1)),
            "upsample": ("{upsample: {scale: 2}}", lambda: nn.Upsample(scale_factor=2)),
            "upsample-bilinear": (
                "{upsample: {scale: 2, mode: bilinear}}",
                lambda: nn.Upsample(scale_factor=2, mode="bilinear"),
            ),
            "deconv": ("{deconv: {filters: 4, kernel: 3, stride: 2}}", lambda: nn.ConvTranspose2d(4, 4, 3, 2)),
            "conv-grouped": ("{conv: {filters: 4, kernel: 3, groups: 2}}", lambda: nn.Conv2d(4, 4, 3, groups=2)),
            "flatten-fc": ("flatten, {fc: {units: 3}}", lambda: nn.Sequential(nn.Flatten(), nn.Linear(144, 3))),
            "shuffle": ("{shuffle: {groups: 2}}", lambda: nn.ChannelShuffle(2)),
            "dropout-rate-0": ("{dropout: {rate: 0}}, relu", lambda: nn.Sequential(nn.Dropout(0.0), nn.ReLU())),
            "droppath-rate-0": (
                "droppath, relu6",
                lambda: nn.Sequential(torchvision.ops.StochasticDepth(0.0, "row"), nn.ReLU6()),
            ),
            "droppath": (
                "{droppath: {rate: 0.2}}",
                lambda: torchvision.ops.StochasticDepth(0.2, "row"),
            ),
            "mul": (
                "{parallel: {merge: mul, branches: [[], [gap, {conv: {filters: 4, kernel: 1}}, sigmoid]]}}",
                _SqueezeExcite,
            ),
            "concat-add": (
                "{residual: {main: [{parallel: {branches: [[{conv: {filters: 2, kernel: 1}}], "
                "[{maxpool: {kernel: 3, stride: 1, padding: 1}}, {conv: {filters: 2, kernel: 1}}]]}}]}}",
                _Inception,
            ),
        }
    )
    return cases


LAYER_CASES = _layer_cases()


@pytest.mark.parametrize("case", sorted(LAYER_CASES))
def test_each_layer_type_after_a_trained_conv(case: str) -> None:
    """Each declaration, after a trainable 1x1 conv (so the layer's input needs a gradient)."""
    entries, module = LAYER_CASES[case]
    text = f"input: [4, 6, 6]\nlayers: [{{conv: {{filters: 4, kernel: 1}}}}, {entries}]\n"
    report = convcalc.analyze(text, file="t.yaml")
    model = nn.Sequential(nn.Conv2d(4, 4, 1), module()).train()  # type: ignore[operator]
    theirs = measure(model, (4, 6, 6))
    ours = convcalc_figures(report)
    assert (ours.backward_macs, ours.saved_bytes) == (theirs.backward_macs, theirs.saved_bytes)


# --- graphs and attention: whole small networks ----------------------------------


class _SkipCrop(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.a, self.b = nn.Conv2d(4, 4, 1), nn.Conv2d(4, 4, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        a = self.a(x)
        b = self.b(a)
        return torch.cat([a[:, :, 1:7, 1:7], b], 1)


class _Shared(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.a = nn.Conv2d(4, 4, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.a(torch.relu(self.a(x)))


class _LayerScale(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv, self.gamma = nn.Conv2d(4, 4, 1), nn.Parameter(torch.ones(4, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(x) * self.gamma


class _Attention(nn.Module):
    """A position-wise linear layer, then nn.MultiheadAttention, on [B, D, N] as convcalc writes tokens."""

    def __init__(self) -> None:
        super().__init__()
        self.fc, self.mha = nn.Linear(8, 8), nn.MultiheadAttention(8, 2, batch_first=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        t = self.fc(x.transpose(1, 2))
        return self.mha(t, t, t, need_weights=False)[0].transpose(1, 2)


NETWORKS: dict[str, tuple[str, type[nn.Module]]] = {
    "skip-crop-concat": (
        "input: [4, 8, 8]\nlayers:\n  - conv: {filters: 4, kernel: 1, name: a}\n"
        "  - conv: {filters: 4, kernel: 3, name: b}\n  - crop: {like: b, from: a, name: c}\n"
        "  - concat: {from: [c, b]}\n",
        _SkipCrop,
    ),
    "share": (
        "input: [4, 8, 8]\nlayers:\n  - conv: {filters: 4, kernel: 1, name: a}\n  - relu\n"
        "  - conv: {filters: 4, kernel: 1, share: a}\n",
        _Shared,
    ),
    "scale": ("input: [4, 8, 8]\nlayers:\n  - conv: {filters: 4, kernel: 1}\n  - scale\n", _LayerScale),
    "attention": (
        "input: [8, 5]\nlayers:\n  - fc: {units: 8, flatten: false}\n  - attention: {heads: 2}\n",
        _Attention,
    ),
}


@pytest.mark.parametrize("case", sorted(NETWORKS))
def test_small_networks(case: str) -> None:
    """Graph features (from, crop, share), layer scale and attention, whole."""
    text, module = NETWORKS[case]
    report = convcalc.analyze(text, file="t.yaml")
    theirs = measure(module().train(), report.input_shape)
    ours = convcalc_figures(report)
    assert (ours.backward_macs, ours.saved_bytes) == (theirs.backward_macs, theirs.saved_bytes)
