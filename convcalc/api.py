"""The Python API beyond :func:`convcalc.analyze`: rendering and comparing reports.

Every renderer the CLI has, as a string: nothing is printed, no terminal is
assumed, and click is not imported. A report's table is the plain text the
CLI writes to a pipe (no rich); a comparison's table is drawn by rich.
"""

from __future__ import annotations

import io
from typing import Any

from .compare import Comparison
from .report import Report

FORMATS = ("table", "markdown", "json", "csv", "html")


def render(
    subject: Report | Comparison,
    format: str = "table",
    *,
    layout: str = "hwc",
    depth: int | None = None,
    explain: bool = False,
) -> str:
    """A report (or a comparison) as ``table``, ``markdown``, ``json``, ``csv`` or ``html`` text,
    as ``convcalc analyze`` (or ``convcalc compare``) writes it."""
    if format not in FORMATS:
        raise ValueError(f"format is one of {', '.join(FORMATS)}, not {format!r}")
    if layout not in ("hwc", "chw"):
        raise ValueError(f"layout is 'hwc' or 'chw', not {layout!r}")
    if isinstance(subject, Comparison):
        return _render_comparison(subject, format, layout)
    if not isinstance(subject, Report):
        raise TypeError(f"render takes a Report or a Comparison, not {type(subject).__name__}")
    if format == "json":
        from .render.json_report import render_json

        return render_json(subject, explain)
    if format == "csv":
        from .render.csv_report import render_csv

        return render_csv(subject, layout, depth, explain)
    if format == "markdown":
        from .render.markdown import render_markdown

        return render_markdown(subject, layout, depth, explain)
    if format == "html":
        from .draw import draw_report
        from .render.html import render_html

        return render_html(subject, layout, depth, explain, drawing=draw_report(subject, depth=0))
    from .render.table import plain_report

    return plain_report(subject, layout, depth, explain)


def _render_comparison(comparison: Comparison, format: str, layout: str) -> str:
    from .render import compare_output

    if format == "json":
        return compare_output.render_json(comparison)
    if format == "csv":
        return compare_output.render_csv(comparison, layout)
    if format == "markdown":
        return compare_output.render_markdown(comparison, layout)
    if format == "html":
        from .render.html import render_compare_html

        return render_compare_html(comparison, layout)
    stream = io.StringIO()
    compare_output.print_comparison(comparison, file=stream, layout=layout)
    return stream.getvalue()


def compare(*sources: Any, depth: int | None = None) -> Comparison:
    """Compare two or more specs (reports, paths, bundled names, YAML text or dicts) side by side;
    the first is the baseline. Render the result with :func:`render`."""
    from . import analyze

    if len(sources) == 1 and isinstance(sources[0], (list, tuple)):
        sources = tuple(sources[0])
    if len(sources) < 2:
        raise ValueError("compare needs at least two specs")
    from .compare import compare as compare_reports

    reports = [s if isinstance(s, Report) else analyze(s) for s in sources]
    return compare_reports(reports, depth)
