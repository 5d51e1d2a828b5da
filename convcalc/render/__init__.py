"""The renderers: table, JSON, CSV, Markdown, HTML, check output. Calling the package,
``convcalc.render(report, "markdown")``, is :func:`convcalc.api.render`."""

from ..callable_module import make_callable

make_callable(__name__, "render")
