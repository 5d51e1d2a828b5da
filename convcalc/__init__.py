"""convcalc: exact convolution arithmetic for architecture specs.

>>> report = analyze("alexnet")          # doctest: +SKIP
>>> report.row("conv1").output_shape, report.totals.params   # doctest: +SKIP
((96, 55, 55), 62378344)
>>> print(render(report, "markdown"))    # doctest: +SKIP
>>> compare("resnet18", "resnet50")      # doctest: +SKIP

The public names: :func:`analyze`, :func:`load`, :func:`render`,
:func:`compare`; the records they return (:class:`Report`, :class:`Row`,
:class:`Totals`, :class:`Comparison`, :class:`Graph`); the errors
(:class:`SpecError`, a :class:`ConvcalcError`, with its :class:`Diagnostic`
and :class:`Position`). In Jupyter a report shows as an HTML table.

The library imports neither click nor rich: only the CLI and the table
renderer do. Its names are loaded on first use, so that ``import convcalc``
(and ``convcalc --version``) costs next to nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = [
    "Comparison",
    "ConvcalcError",
    "Diagnostic",
    "Graph",
    "Position",
    "Report",
    "Row",
    "SpecError",
    "Totals",
    "analyze",
    "compare",
    "load",
    "render",
    "__version__",
]

if TYPE_CHECKING:
    from pathlib import Path

    from .api import compare, render
    from .compare import Comparison
    from .errors import ConvcalcError, Diagnostic, Position, SpecError
    from .graph import Graph
    from .report import Report, Row, Totals
    from .spec import Spec

_LAZY = {
    "Comparison": "compare",
    "ConvcalcError": "errors",
    "Diagnostic": "errors",
    "Graph": "graph",
    "Position": "errors",
    "SpecError": "errors",
    "Report": "report",
    "Row": "report",
    "Totals": "report",
}
_CALLABLE_MODULES = ("compare", "render")
"""Modules that are also the API functions of their names (see :mod:`convcalc.callable_module`)."""


def __getattr__(name: str) -> Any:
    if name in _CALLABLE_MODULES:
        from importlib import import_module

        return import_module(f".{name}", __name__)
    if name in _LAZY:
        from importlib import import_module

        value = getattr(import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'convcalc' has no attribute {name!r}")


def load(source: str | Path | dict[str, Any], *, file: str | None = None) -> Spec:
    """Read a spec from a path, a bundled spec's name (``"alexnet"``), YAML text or a dict,
    without analyzing it."""
    import os
    from pathlib import Path

    from . import spec
    from .safeio import path_text, read_spec_text

    if isinstance(source, dict):
        return spec.load_data(source, file or "<dict>")
    if isinstance(source, Path):
        return spec.load_text(read_spec_text(source), path_text(source))
    if isinstance(source, str):
        if "\n" in source or source.lstrip().startswith(("{", "[")) or ":" in source and not Path(source).suffix:
            return spec.load_text(source, file or "<text>")
        if not os.path.exists(source):
            from .bundled import bundled_label, find_bundled

            bundled = find_bundled(source)
            if bundled is not None:
                return spec.load_text(read_spec_text(bundled), file or bundled_label(source))
        return spec.load_text(read_spec_text(source), path_text(source))
    raise TypeError(f"analyze takes a path, YAML text or a dict, not {type(source).__name__}")


def analyze(
    source: str | Path | dict[str, Any] | Graph, *, file: str | None = None, max_rows: int | None = None
) -> Report:
    """Analyze a spec given as a path, a bundled spec's name (``"resnet50"``, see ``convcalc
    list``), YAML text, a dict, or a :class:`Graph` built by hand; raise SpecError on a bad
    spec (``.diagnostics`` lists every error found, see :class:`SpecError`).

    ``max_rows`` (a positive integer; default 1,000,000) caps the rows the spec may expand to.
    """
    from .engine import DEFAULT_MAX_ROWS, analyze_graph, analyze_spec
    from .graph import Graph

    if max_rows is not None and (type(max_rows) is not int or max_rows < 1):
        raise ValueError(f"max_rows must be a positive integer or None, not {max_rows!r}")
    if isinstance(source, Graph):
        return analyze_graph(source)
    return analyze_spec(load(source, file=file), max_rows or DEFAULT_MAX_ROWS)
