"""Forward hooks that record what a PyTorch model computes, for the cross-checks against torch.

Imported only by test modules that have already skipped themselves where
torch is missing (pytest.importorskip). One run of the model, under
torch.no_grad(), with a hook on every leaf module (one with no children)
recording in call order its output shape (without the batch dimension), its
own parameters and its MACs:

- conv: output elements x in_channels/groups x prod(kernel);
- transposed conv: input elements x out_channels/groups x prod(kernel)
  (convcalc's deconv rule);
- linear: in_features x out_features at every position;
- anything else: 0.

A module called again (shared weights: a Siamese encoder) owns its
parameters at its first call only, as convcalc's `share` rows report 0; its
MACs count at every call. The parameter total is sum(p.numel()) over
model.parameters(), which holds a shared module once.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest

torch = pytest.importorskip("torch", reason="torch is not installed; the cross-checks against torch need it")
from torch import nn  # noqa: E402


@dataclass
class Leaf:
    name: str  # the module's name in the model, e.g. "layer2.0.downsample.0"
    cls: type
    shape: tuple[int, ...]  # output shape without the batch dimension (see record's shape_of)
    params: int
    macs: int


@dataclass
class Trace:
    params: int
    leaves: list[Leaf] = field(default_factory=list)
    outputs: list[tuple[int, ...]] = field(default_factory=list)  # the model's outputs, in order

    @property
    def macs(self) -> int:
        return sum(leaf.macs for leaf in self.leaves)


def module_macs(module: nn.Module, inp: torch.Tensor, out: Any) -> int:
    """MACs of one call, per sample (the batch is 1)."""
    if isinstance(module, nn.Conv2d):
        return out[0].numel() * (module.in_channels // module.groups) * math.prod(module.kernel_size)
    if isinstance(module, nn.ConvTranspose2d):
        return inp[0].numel() * (module.out_channels // module.groups) * math.prod(module.kernel_size)
    if isinstance(module, nn.Linear):
        return inp[0].numel() * module.out_features
    return 0


def output_shape(module: nn.Module, out: Any) -> tuple[int, ...]:
    """A tensor's shape without the batch dimension; () for other outputs."""
    return tuple(out.shape[1:]) if isinstance(out, torch.Tensor) else ()


def _flat_outputs(out: Any) -> list[tuple[int, ...]]:
    if isinstance(out, torch.Tensor):
        return [tuple(out.shape[1:])]
    values = out.values() if isinstance(out, dict) else out
    return [tuple(t.shape[1:]) for t in values]


def record(
    model: nn.Module,
    inputs: Sequence[tuple[int, ...]],
    shape_of: Callable[[nn.Module, Any], tuple[int, ...]] = output_shape,
) -> Trace:
    """Run ``model`` (in eval mode) once on zeros of ``inputs`` (shapes without the batch) and record it."""
    torch.set_num_threads(2)
    model.eval()
    result = Trace(params=sum(p.numel() for p in model.parameters()))
    called: set[int] = set()

    def hook(module: nn.Module, args: tuple[Any, ...], out: Any, *, name: str) -> None:
        own = 0 if id(module) in called else sum(p.numel() for p in module.parameters(recurse=False))
        called.add(id(module))
        result.leaves.append(Leaf(name, type(module), shape_of(module, out), own, module_macs(module, args[0], out)))

    handles = [
        module.register_forward_hook(functools.partial(hook, name=name))
        for name, module in model.named_modules()
        if not any(True for _ in module.children())
    ]
    try:
        with torch.no_grad():
            out = model(*(torch.zeros(1, *shape) for shape in inputs))
    finally:
        for handle in handles:
            handle.remove()
    result.outputs = _flat_outputs(out)
    return result


def first_difference(torch_seq: list, spec_seq: list, width: int) -> str:
    """Where two (kind, shape, ..., name) sequences first differ, for an assertion message."""
    for i, (t, s) in enumerate(zip(torch_seq, spec_seq)):
        if t[:width] != s[:width]:
            return f"first difference at #{i}: PyTorch {t} vs convcalc {s}"
    return f"lengths differ: PyTorch {len(torch_seq)}, convcalc {len(spec_seq)}"
