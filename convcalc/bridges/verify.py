"""``convcalc verify``: the exported PyTorch module against the spec, row by row.

The module is written by :mod:`.torch_export`, built on PyTorch's ``meta``
device (no weights are allocated) and run once on an input of the spec's
size (batch 1). For every row that a module computes (``ROWS`` in the
source), a forward hook records the output shape and the module's
parameters, and ``torch.utils.flop_counter.FlopCounterMode`` its FLOPs (MACs
are half: it counts a multiply-accumulate as two). Rows computed by an
expression (merges, slices, crops) have no module: their shapes reach the
modules that read them. A module called for several rows (shared
parameters) is compared in the totals only.
"""

from __future__ import annotations

from typing import Any

from ..record import Record
from . import require


class Difference(Record):
    """One row whose spec figure differs from PyTorch's."""

    __slots__ = ("row", "what", "spec", "torch")

    def __init__(self, row: str, what: str, spec: Any, torch: Any) -> None:
        self.row = row
        self.what = what
        self.spec = spec
        self.torch = torch

    def format(self) -> str:
        return f"{self.row}: {self.what}: convcalc {_shown(self.spec)}, PyTorch {_shown(self.torch)}"


class Verification(Record):
    __slots__ = ("differences", "rows_checked", "rows_without_module", "params", "macs", "rows_shared")

    def __init__(
        self,
        differences: list[Difference],
        rows_checked: int,
        rows_without_module: int,
        params: int,
        macs: int,
        rows_shared: int = 0,
    ) -> None:
        self.differences = differences
        self.rows_checked = rows_checked
        self.rows_without_module = rows_without_module
        self.rows_shared = rows_shared
        """Rows whose module computes several rows (shared parameters): in the totals only."""
        self.params = params
        self.macs = macs


def _shown(value: Any) -> str:
    if isinstance(value, tuple):
        return "×".join(map(str, value)) or "scalar"
    return f"{value:,}" if isinstance(value, int) else str(value)


def load_module(text: str) -> Any:
    """The module written in ``text``, imported from a temporary file, as a user would import it."""
    import os
    import tempfile
    from importlib.util import module_from_spec, spec_from_file_location

    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "convcalc_exported.py")
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
        spec = spec_from_file_location("convcalc_exported", path)
        assert spec is not None and spec.loader is not None
        module = module_from_spec(spec)
        spec.loader.exec_module(module)
    return module


def verify_source(text: str, report: Any) -> Verification:
    """Run the module in ``text`` (PyTorch source from ``export --to torch``) against ``report``."""
    torch = require("torch", "convcalc verify")
    from torch.utils.flop_counter import FlopCounterMode

    namespace = load_module(text)
    with torch.device("meta"):
        model = namespace.build().eval()
    modules = dict(model.named_modules())
    targets = namespace.ROWS
    calls: dict[str, int] = {}
    outputs: dict[str, tuple[int, ...]] = {}

    def hook(name: str) -> Any:
        def record(module: Any, inputs: Any, output: Any) -> None:
            calls[name] = calls.get(name, 0) + 1
            outputs[name] = tuple(output.shape[1:])

        return record

    handles = [modules[name].register_forward_hook(hook(name)) for name in set(targets.values())]
    inputs = [torch.zeros(1, *shape, device="meta") for shape in namespace.INPUTS.values()]
    counter = FlopCounterMode(display=False)
    failure = ""
    result: Any = None
    try:
        with torch.no_grad(), counter:
            result = model(*inputs)
    except Exception as exc:  # a module that doesn't fit the spec fails where it stops fitting
        failure = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    finally:
        for handle in handles:
            handle.remove()
    flops = counter.get_flop_counts()
    root = type(model).__name__
    by_module = {
        key[len(root) + 1 :] if key.startswith(root + ".") else key: sum(ops.values()) for key, ops in flops.items()
    }
    differences: list[Difference] = []
    pending: list[tuple[tuple[str, ...], list[Difference]]] = []
    """Differences of the groups around the current row: listed after their rows'."""
    checked = without = shared = 0
    for row in report.rows:
        while pending and row.path[: len(pending[-1][0])] != pending[-1][0]:
            differences.extend(pending.pop()[1])
        found: list[Difference] = []
        if not row.leaf:
            pending.append((row.path, found))
        name = targets.get(row.path_text)
        if name is None:
            without += 1
            continue
        if calls.get(name) != 1:
            shared += 1
            continue
        checked += 1
        module = modules[name]
        for what, spec_value, torch_value in (
            ("output shape", row.output_shape, outputs[name]),
            ("parameters", row.params, sum(p.numel() for p in module.parameters())),
            ("MACs", row.macs, by_module.get(name, 0) // 2),
        ):
            if spec_value != torch_value:
                found.append(Difference(row.path_text, what, spec_value, torch_value))
        if row.leaf:
            differences.extend(found)
    while pending:
        differences.extend(pending.pop()[1])
    if failure:
        differences.append(Difference("forward", "run", "no error", failure))
        return Verification(differences, checked, without, sum(p.numel() for p in model.parameters()), 0)
    outs = result if isinstance(result, tuple) else (result,)
    total_params = sum(p.numel() for p in model.parameters())
    total_macs = sum(flops.get("Global", {}).values()) // 2
    for (name, shape), out in zip(report.outputs, outs):
        if tuple(out.shape[1:]) != tuple(shape):
            differences.append(Difference(f"output {name}", "shape", tuple(shape), tuple(out.shape[1:])))
    if report.totals.params != total_params:
        differences.append(Difference("total", "parameters", report.totals.params, total_params))
    if report.totals.macs != total_macs:
        differences.append(Difference("total", "MACs", report.totals.macs, total_macs))
    return Verification(differences, checked, without, total_params, total_macs, shared)


def verify(source: Any, file: str | None = None) -> Verification:
    """Export the spec and verify the module against it."""
    from .torch_export import export_with_report

    require("torch", "convcalc verify")
    text, report = export_with_report(source, file)
    return verify_source(text, report)
