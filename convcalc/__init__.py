"""convcalc: exact convolution arithmetic for architecture specs.

>>> report = analyze("specs/alexnet.yaml")          # doctest: +SKIP
>>> report.row("conv1").output_shape, report.totals.params   # doctest: +SKIP
((96, 55, 55), 62378344)

The library imports neither click nor rich: only the CLI and the table
renderer do. Its names are loaded on first use, so that ``import convcalc``
(and ``convcalc --version``) costs next to nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = [
    "ConvcalcError",
    "Diagnostic",
    "Graph",
    "Position",
    "Report",
    "Row",
    "SpecError",
    "Totals",
    "analyze",
    "load",
    "__version__",
]

if TYPE_CHECKING:
    from pathlib import Path

    from .errors import ConvcalcError, Diagnostic, Position, SpecError
    from .graph import Graph
    from .report import Report, Row, Totals
    from .spec import Spec

_LAZY = {
    "ConvcalcError": "errors",
    "Diagnostic": "errors",
    "Graph": "graph",
    "Position": "errors",
    "SpecError": "errors",
    "Report": "report",
    "Row": "report",
    "Totals": "report",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from importlib import import_module

        value = getattr(import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'convcalc' has no attribute {name!r}")


def load(source: str | Path | dict[str, Any], *, file: str | None = None) -> Spec:
    """Read a spec from a path, YAML text or a dict, without analyzing it."""
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
        return spec.load_text(read_spec_text(source), path_text(source))
    raise TypeError(f"analyze takes a path, YAML text or a dict, not {type(source).__name__}")


def analyze(
    source: str | Path | dict[str, Any] | Graph, *, file: str | None = None, max_rows: int | None = None
) -> Report:
    """Analyze a spec given as a path, YAML text, a dict, or a :class:`Graph` built by hand;
    raise SpecError on a bad spec.

    ``max_rows`` (a positive integer; default 1,000,000) caps the rows the spec may expand to.
    """
    from .engine import DEFAULT_MAX_ROWS, analyze_graph, analyze_spec
    from .graph import Graph

    if max_rows is not None and (type(max_rows) is not int or max_rows < 1):
        raise ValueError(f"max_rows must be a positive integer or None, not {max_rows!r}")
    if isinstance(source, Graph):
        return analyze_graph(source)
    return analyze_spec(load(source, file=file), max_rows or DEFAULT_MAX_ROWS)
