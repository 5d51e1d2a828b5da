"""A spec analyzed: read into a graph (:mod:`convcalc.reader`), then evaluated (:mod:`convcalc.evaluate`)."""

from __future__ import annotations

from .evaluate import evaluate
from .graph import Graph
from .errors import SpecErrors
from .lint import silenced, suppress
from .loader import duplicate_error
from .reader import DEFAULT_MAX_ROWS, read_graph
from .report import Report
from .runtime import paused_gc
from .spec import Spec

__all__ = ["DEFAULT_MAX_ROWS", "analyze_graph", "analyze_spec"]


def analyze_spec(spec: Spec, max_rows: int = DEFAULT_MAX_ROWS) -> Report:
    """Read the spec into a graph and evaluate it (the cycle collector paused meanwhile: no cycles are made)."""
    with paused_gc():
        graph = read_graph(spec, max_rows)
        try:
            report = evaluate(graph)
        except SpecErrors as error:
            error.diagnostics = [d for d in error.diagnostics if not silenced(d, spec.line_ignores)]
            raise
    if spec.duplicated:
        raise duplicate_error(spec.duplicated[0], spec.file)
    suppress(report, graph.ignores, spec.line_ignores)
    return report


def analyze_graph(graph: Graph) -> Report:
    """Evaluate a graph built by hand or by an importer."""
    with paused_gc():
        return evaluate(graph)
