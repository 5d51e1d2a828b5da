"""``convcalc import``: an ONNX file, or a PyTorch model exported through ONNX, as spec text."""

from __future__ import annotations

import os
import sys
import tempfile

from ..errors import SpecError
from . import require
from .imported import Imported


def import_onnx(path: str, input_shape: tuple[int, ...] | None = None, name: str | None = None) -> Imported:
    from .onnx_import import read_onnx

    return read_onnx(path, input_shape, name)


def import_torch(target: str, input_shape: tuple[int, ...], name: str | None = None) -> Imported:
    """``MODULE:CALLABLE``: the callable returns an ``nn.Module``; it is exported to ONNX with
    torch.onnx (batch norm kept: ``training=TrainingMode.PRESERVE`` in eval mode) and read back.

    The TorchScript-based exporter is used first: its node names carry the module paths the
    rows are named after. A model it can't export goes through the dynamo exporter (without
    its optimizer, which would fold batch norm into the convolutions)."""
    torch = require("torch", "convcalc import --torch")
    require("onnx", "convcalc import --torch (it exports through ONNX)")
    model = _load_callable(target)()
    if not isinstance(model, torch.nn.Module):
        raise SpecError.at("import", f"{target} returned {type(model).__name__}, not a torch.nn.Module", file=target)
    model.eval()
    example = (torch.zeros(1, *input_shape),)
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, f"{_callable_name(target)}.onnx")
        try:
            import warnings

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                torch.onnx.export(
                    model, example, path, dynamo=False, training=torch.onnx.TrainingMode.PRESERVE
                )
        except Exception:  # the TorchScript exporter refuses some models: try the dynamo one
            torch.onnx.export(model, example, path, dynamo=True, optimize=False, verbose=False)
        imported = import_onnx(path, None, name or _callable_name(target))
    imported.origin = f"{target} (PyTorch {torch.__version__}, exported through ONNX)"
    return imported


def _callable_name(target: str) -> str:
    return target.rsplit(":", 1)[-1].split(".")[-1]


def _load_callable(target: str):  # type: ignore[no-untyped-def]
    """``package.module:attribute`` (a file path ``path/to/file.py:attribute`` too)."""
    from importlib import import_module
    from importlib.util import module_from_spec, spec_from_file_location

    module_name, _, attribute = target.rpartition(":")
    if not module_name or not attribute:
        raise SpecError.at("file", "expected MODULE:CALLABLE, e.g. torchvision.models:resnet18", file=target)
    try:
        if module_name.endswith(".py"):
            spec = spec_from_file_location(os.path.splitext(os.path.basename(module_name))[0], module_name)
            if spec is None or spec.loader is None:
                raise ImportError(module_name)
            module = module_from_spec(spec)
            spec.loader.exec_module(module)
        else:
            if "" not in sys.path and os.getcwd() not in sys.path:
                sys.path.insert(0, os.getcwd())
            module = import_module(module_name)
    except (ImportError, OSError) as exc:
        raise SpecError.at("file", f"cannot import {module_name}: {exc}", file=target) from None
    found = module
    for part in attribute.split("."):
        found = getattr(found, part, None)
        if found is None:
            raise SpecError.at("file", f"{module_name} has no {attribute}", file=target)
    if not callable(found):
        raise SpecError.at("file", f"{target} is not callable", file=target)
    return found
