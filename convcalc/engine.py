"""A spec analyzed: read into a graph (:mod:`convcalc.reader`), then evaluated (:mod:`convcalc.evaluate`)."""

from __future__ import annotations

from .evaluate import evaluate
from .graph import Graph
from .loader import duplicate_error
from .reader import DEFAULT_MAX_ROWS, read_graph
from .report import Report
from .runtime import paused_gc
from .spec import Spec

__all__ = ["DEFAULT_MAX_ROWS", "analyze_graph", "analyze_spec"]


def analyze_spec(spec: Spec, max_rows: int = DEFAULT_MAX_ROWS, keep_graph: bool = False) -> Report:
    """Read the spec into a graph and evaluate it (the cycle collector paused meanwhile: no cycles are made).

    ``keep_graph``: the report keeps its graph (``report.graph``), which the training cost
    reads; otherwise each node is dropped once evaluated, to hold less at 10⁶ rows."""
    with paused_gc():
        graph = read_graph(spec, max_rows)
        report = evaluate(graph, release=not keep_graph)
    if spec.duplicated:
        raise duplicate_error(spec.duplicated[0], spec.file)
    if keep_graph:
        report.graph = graph
    return report


def analyze_graph(graph: Graph) -> Report:
    """Evaluate a graph built by hand or by an importer (the report keeps it)."""
    with paused_gc():
        report = evaluate(graph)
    report.graph = graph
    return report
