"""Bridges to PyTorch and ONNX: ONNX → spec, spec → PyTorch source, verify, torch → spec.

Nothing here is imported by ``import convcalc`` or by the CLI's start-up: the
commands import their bridge when they run, and a bridge imports ``onnx`` or
``torch`` only inside the functions that need them. A missing package is a
:class:`MissingDependency` (exit 2) that says what to install.
"""

from __future__ import annotations

from importlib import import_module
from types import ModuleType

from ..errors import ConvcalcError

INSTALL = {
    "onnx": "pip install 'convcalc[onnx]'  (or: pip install onnx)",
    "torch": "pip install 'convcalc[torch]'  (or: pip install torch)",
}


class MissingDependency(ConvcalcError):
    """An optional package a bridge needs is not installed."""

    def __init__(self, package: str, purpose: str) -> None:
        self.package = package
        self.message = f"{purpose} needs the {package} package, which is not installed: {INSTALL.get(package, package)}"
        super().__init__(self.message)


def require(package: str, purpose: str) -> ModuleType:
    """Import an optional package or raise :class:`MissingDependency`."""
    try:
        return import_module(package)
    except ImportError:
        raise MissingDependency(package, purpose) from None
