"""The torchvision-matched specs against the real torchvision models.

Runs only where torch and torchvision import (skipped cleanly otherwise).
Each model is built with weights=None (nothing is downloaded), put in eval
mode and run once, under torch.no_grad(), on zeros of the spec's input size,
with forward hooks on every leaf module (one with no children) recording its
output shape, parameters and MACs in call order. Then, per spec:

(a) the output shapes of torchvision's Conv2d / MaxPool2d / AvgPool2d /
    AdaptiveAvgPool2d / Linear modules, in call order, equal those of
    convcalc's leaf rows of type conv / maxpool / avgpool / adaptiveavgpool /
    fc, in row order (the specs are written in torchvision's forward order);
(b) the parameter totals are equal (sum of p.numel());
(c) the conv + linear MAC totals are equal, counted in the hooks as
    conv: output elements x in_channels/groups x prod(kernel_size),
    linear: in_features x out_features, per sample;
and, to locate any difference, the same per layer, plus the installed
torchvision's own published figures (Weights.meta num_params and _ops, the
source of its documentation's num_params / GFLOPS columns).

Checked with torch 2.14.1 / torchvision 0.29.1 (CPU).
"""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

torch = pytest.importorskip(
    "torch", reason="torch is not installed; the torchvision cross-checks need torch and torchvision"
)
torchvision = pytest.importorskip(
    "torchvision", reason="torchvision is not installed; the torchvision cross-checks need it"
)
from torch import nn  # noqa: E402

import convcalc  # noqa: E402
from torch_trace import Trace, first_difference, record  # noqa: E402

SPECS = Path(__file__).resolve().parent.parent / "specs"

# spec file -> (torchvision builder, extra builder kwargs)
MODELS: dict[str, tuple[str, dict[str, object]]] = {
    "alexnet_torchvision": ("alexnet", {}),
    "vgg11": ("vgg11", {}),
    "vgg16": ("vgg16", {}),
    "vgg19": ("vgg19", {}),
    # Without the auxiliary heads (its documented 6,624,904 params); they would
    # not run in eval mode anyway. init_weights=False: the counts don't depend
    # on the init, and it silences torchvision's FutureWarning about the
    # default changing (init_weights=None).
    "googlenet": ("googlenet", {"aux_logits": False, "init_weights": False}),
    "resnet18": ("resnet18", {}),
    "resnet50": ("resnet50", {}),
    "resnet152": ("resnet152", {}),
    "squeezenet1_0": ("squeezenet1_0", {}),
    "mobilenet_v2": ("mobilenet_v2", {}),
}

# torchvision module class -> convcalc row type, for check (a).
# torchvision's forward() flattens with torch.flatten (a function, so no
# hook fires), while the specs have a `flatten` row: neither is compared.
# Every pooling that torchvision does (including ResNet's / GoogLeNet's
# avgpool and SqueezeNet's final pool) is an nn module called in the same
# place as the spec's row, so no spec needs its order adjusted.
KINDS: dict[type, str] = {
    nn.Conv2d: "conv",
    nn.MaxPool2d: "maxpool",
    nn.AvgPool2d: "avgpool",
    nn.AdaptiveAvgPool2d: "adaptiveavgpool",
    nn.Linear: "fc",
}
COUNTED = {"conv", "fc"}  # the layers with MACs (and, here, all the parameters but BN's)


@functools.lru_cache(maxsize=None)
def trace(stem: str) -> Trace:
    """Build, run once and record one torchvision model (cached per session)."""
    builder, kwargs = MODELS[stem]
    model = getattr(torchvision.models, builder)(weights=None, **kwargs)
    return record(model, [convcalc.analyze(SPECS / f"{stem}.yaml").input_shape])


@functools.lru_cache(maxsize=None)
def spec_report(stem: str) -> convcalc.Report:
    return convcalc.analyze(SPECS / f"{stem}.yaml")


def _torch_sequence(stem: str) -> list[tuple[str, tuple[int, ...], str]]:
    return [(KINDS[leaf.cls], leaf.shape, leaf.name) for leaf in trace(stem).leaves if leaf.cls in KINDS]


def _spec_sequence(stem: str) -> list[tuple[str, tuple[int, ...], str]]:
    kinds = set(KINDS.values())
    rows = spec_report(stem).rows
    return [(row.type, row.output_shape, row.path_text) for row in rows if row.leaf and row.type in kinds]


STEMS = sorted(MODELS)


@pytest.mark.parametrize("stem", STEMS)
def test_layer_output_shapes_in_forward_order(stem: str) -> None:
    """(a) conv/pool/linear output shapes, in torchvision's call order."""
    torch_seq, spec_seq = _torch_sequence(stem), _spec_sequence(stem)
    assert torch_seq, "no hooked conv/pool/linear modules"
    assert [t[:2] for t in torch_seq] == [s[:2] for s in spec_seq], first_difference(torch_seq, spec_seq, 2)
    # The model's output (SqueezeNet's comes from torch.flatten, not a module).
    assert [spec_report(stem).output_shape] == trace(stem).outputs


@pytest.mark.parametrize("stem", STEMS)
def test_param_totals(stem: str) -> None:
    """(b) parameters: sum of p.numel() over the torchvision model."""
    assert spec_report(stem).totals.params == trace(stem).params


@pytest.mark.parametrize("stem", STEMS)
def test_mac_totals(stem: str) -> None:
    """(c) conv + linear MACs, counted in the forward hooks."""
    assert spec_report(stem).totals.macs == trace(stem).macs


@pytest.mark.parametrize("stem", STEMS)
def test_per_layer_params_and_macs(stem: str) -> None:
    """Each conv / linear module's own params and MACs equal its row's (locates a total's difference)."""
    torch_seq = [
        (KINDS[leaf.cls], leaf.params, leaf.macs, leaf.name)
        for leaf in trace(stem).leaves
        if KINDS.get(leaf.cls) in COUNTED
    ]
    spec_seq = [
        (row.type, row.params, row.macs, row.path_text)
        for row in spec_report(stem).rows
        if row.leaf and row.type in COUNTED
    ]
    assert [t[:3] for t in torch_seq] == [s[:3] for s in spec_seq], first_difference(torch_seq, spec_seq, 3)
    # The rest of the parameters are BatchNorm's (2 per channel), row by row too.
    torch_bn = [leaf.params for leaf in trace(stem).leaves if issubclass(leaf.cls, nn.BatchNorm2d)]
    spec_bn = [row.params for row in spec_report(stem).rows if row.leaf and row.type == "bn"]
    assert torch_bn == spec_bn


@pytest.mark.parametrize("stem", STEMS)
def test_installed_torchvision_published_figures(stem: str) -> None:
    """The installed torchvision's own Weights.meta, which its docs print.

    num_params exactly; _ops (GMACs, 3 decimals; the docs round it to 2).
    """
    builder, _ = MODELS[stem]
    weights = list(torchvision.models.get_model_weights(builder))[0]  # IMAGENET1K_V1
    assert spec_report(stem).totals.params == weights.meta["num_params"]
    if "_ops" in weights.meta:
        assert round(spec_report(stem).totals.macs / 1e9, 3) == pytest.approx(weights.meta["_ops"], abs=1e-9)
