"""The command line: parse options, call the library, hand the result to a renderer.

Exit codes, as linters use them: 0 clean, 1 a problem in a spec, 2 the
command could not run (usage, unreadable file).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Callable

import click

from . import __version__
from .errors import Diagnostic, SpecError

EXIT_OK, EXIT_PROBLEM, EXIT_CANNOT_RUN = 0, 1, 2
CANNOT_RUN_CODES = {"file"}


def _stderr(text: str) -> None:
    click.echo(text, err=True)


def report_error(error: SpecError, source: str | None = None) -> int:
    """Print a SpecError as ``file:line:col: error[code]: row: message``; return the exit code.

    On a terminal the offending source line follows, with a caret.
    """
    diagnostic = error.diagnostic
    _stderr(diagnostic.format())
    if source is not None and sys.stderr.isatty():
        _stderr(source_excerpt(diagnostic, source))
    return EXIT_CANNOT_RUN if diagnostic.code in CANNOT_RUN_CODES else EXIT_PROBLEM


def source_excerpt(diagnostic: Diagnostic, source: str) -> str:
    line, column = diagnostic.position.line, diagnostic.position.column
    lines = source.splitlines()
    if not 1 <= line <= len(lines):
        return ""
    text = lines[line - 1]
    return f"  {line:>4} | {text}\n       | {' ' * max(column - 1, 0)}^"


def resolve_spec_path(spec: str) -> Path | str:
    """A path, ``-`` for standard input, or the name of a bundled spec."""
    if spec == "-" or Path(spec).exists():
        return spec if spec == "-" else Path(spec)
    from .bundled import find_bundled

    bundled = find_bundled(spec)
    return bundled if bundled is not None else Path(spec)


def load_report(spec: str, max_rows: int | None) -> tuple[Any, str | None]:
    """Analyze one spec argument; returns (report, source text). Raises SpecError."""
    from . import spec as spec_module
    from .engine import DEFAULT_MAX_ROWS, analyze_spec

    target = resolve_spec_path(spec)
    if target == "-":
        source = sys.stdin.read()
        loaded = spec_module.load_text(source, "<stdin>")
    else:
        source = spec_module.read_text_file(target)
        loaded = spec_module.load_text(source, str(spec if Path(spec).exists() else target))
    return analyze_spec(loaded, max_rows or DEFAULT_MAX_ROWS), source


def _source_of(spec: str) -> str | None:
    try:
        target = resolve_spec_path(spec)
        return None if target == "-" else Path(target).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


FORMATS = ("table", "json", "csv", "markdown")


def output_options(func: Callable[..., Any]) -> Callable[..., Any]:
    func = click.option(
        "--layout",
        type=click.Choice(["hwc", "chw"]),
        default="hwc",
        show_default=True,
        help="Shapes as H×W×C (the slides) or C×H×W (PyTorch). JSON is always channels first.",
    )(func)
    func = click.option(
        "--format",
        "fmt",
        type=click.Choice(FORMATS),
        default="table",
        show_default=True,
        help="Output format.",
    )(func)
    return func


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", "-V", prog_name="convcalc")
def main() -> None:
    """Exact convolution arithmetic for architecture specs.

    Output shapes, parameters, MACs (FLOPs = 2 × MACs), activation memory and
    receptive fields of every layer of a YAML spec, without PyTorch.

    \b
    Example:
        convcalc analyze alexnet
        convcalc analyze my_net.yaml --format json
        convcalc list
    """


@main.command()
@click.argument("spec")
@output_options
@click.option("--depth", type=click.IntRange(min=0), default=None, help="Show rows down to this depth (0 = top level).")
@click.option("--explain", is_flag=True, help="Add each row's worked formula.")
@click.option("--max-rows", type=click.IntRange(min=1), default=None, help="Cap on rows a spec may expand to [default: 1,000,000].")
def analyze(spec: str, fmt: str, layout: str, depth: int | None, explain: bool, max_rows: int | None) -> None:
    """Analyze SPEC: per-layer table and totals.

    SPEC is a YAML file, '-' for standard input, or the name of a bundled
    spec (see 'convcalc list').

    \b
    Example:
        convcalc analyze alexnet
        convcalc analyze specs/resnet50.yaml --depth 1
        convcalc analyze net.yaml --format json > report.json
    """
    try:
        report, _ = load_report(spec, max_rows)
    except SpecError as error:
        sys.exit(report_error(error, _source_of(spec)))
    if fmt == "json":
        from .render.json_report import render_json

        click.echo(render_json(report), nl=False)
    elif fmt == "csv":
        from .render.csv_report import render_csv

        click.echo(render_csv(report, layout, depth), nl=False)
    elif fmt == "markdown":
        from .render.markdown import render_markdown

        click.echo(render_markdown(report, layout, depth), nl=False)
    else:
        from .render.table import print_report

        print_report(report, layout=layout, depth=depth, explain=explain)


@main.command("list")
def list_specs() -> None:
    """List the bundled specs, usable by name: 'convcalc analyze NAME'.

    \b
    Example:
        convcalc list
    """
    from .bundled import bundled_specs
    from .spec import load_file

    for name, path in bundled_specs().items():
        try:
            title = load_file(path).name
        except SpecError:
            title = "(does not load)"
        click.echo(f"{name:<24} {title}")


def _quantity(unit: str) -> Callable[[click.Context, click.Parameter, str | None], int | None]:
    def convert(ctx: click.Context, param: click.Parameter, value: str | None) -> int | None:
        if value is None:
            return None
        from .units import parse_quantity

        try:
            return parse_quantity(value, unit)
        except ValueError as exc:
            raise click.BadParameter(str(exc)) from None

    return convert


@main.command()
@click.argument("paths", nargs=-1, required=True)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "github", "sarif"]),
    default="text",
    show_default=True,
    help="text: file:line:col lines; github: workflow commands that annotate pull requests; "
    "json: the check report; sarif: SARIF 2.1.0 for code scanning.",
)
@click.option("--strict", is_flag=True, help="Warnings fail the check too.")
@click.option("--max-params", callback=_quantity("count"), help="Parameter budget, e.g. 25.6M (overrides the spec's).")
@click.option("--max-macs", callback=_quantity("count"), help="MAC budget, e.g. 4.1G (overrides the spec's).")
@click.option("--max-flops", callback=_quantity("count"), help="FLOP budget (FLOPs = 2 × MACs).")
@click.option(
    "--max-memory",
    callback=_quantity("bytes"),
    help="Memory budget: parameter bytes + peak activation bytes, e.g. 120MB or 1GiB.",
)
@click.option("--max-rows", type=click.IntRange(min=1), default=None, help="Cap on rows a spec may expand to [default: 1,000,000].")
def check(
    paths: tuple[str, ...],
    fmt: str,
    strict: bool,
    max_params: int | None,
    max_macs: int | None,
    max_flops: int | None,
    max_memory: int | None,
    max_rows: int | None,
) -> None:
    """Check specs for CI: every error, warning and exceeded budget, one line each.

    PATHS are spec files, directories (searched for *.yaml and *.yml) or
    globs. Exit status: 0 clean; 1 an error or an exceeded budget (or any
    warning with --strict); 2 a path could not be read.

    \b
    Example:
        convcalc check specs/
        convcalc check 'models/**/*.yaml' --max-params 25.6M --strict
        convcalc check specs/ --format github
    """
    from .check import check_paths
    from .engine import DEFAULT_MAX_ROWS
    from .render.check_output import RENDERERS

    overrides = {
        key: value
        for key, value in (("params", max_params), ("macs", max_macs), ("flops", max_flops), ("memory", max_memory))
        if value is not None
    }
    result = check_paths(list(paths), overrides, strict, max_rows or DEFAULT_MAX_ROWS)
    click.echo(RENDERERS[fmt](result), nl=False)
    sys.exit(result.exit_code)


ZOO_HEADER = """# The convcalc zoo

Classic architectures as convcalc specs, each with a header comment citing
its paper and the torchvision model it matches. Parameters match
torchvision's documented counts exactly; MACs (multiply-accumulates of conv
and fc; FLOPs = 2 × MACs) match a forward-hook count in PyTorch exactly and
round to torchvision's published "GFLOPS". Activation memory is float32;
"Final RF" is the theoretical receptive field of the last row (padding
included, so it can exceed the input).

Analyze any of them by name: `convcalc analyze resnet50`.

<!-- Generated by `convcalc zoo > specs/README.md`; a test keeps it up to date. -->

"""


@main.command()
@click.argument("specs", nargs=-1)
def zoo(specs: tuple[str, ...]) -> None:
    """Print the zoo table (Markdown) of SPECS, or of every bundled spec.

    \b
    Example:
        convcalc zoo > specs/README.md
        convcalc zoo mine.yaml theirs.yaml
    """
    from .bundled import bundled_specs
    from .render.markdown import render_summary

    names = list(specs) or [str(path) for path in bundled_specs().values()]
    reports = []
    for name in names:
        try:
            reports.append(load_report(name, None)[0])
        except SpecError as error:
            sys.exit(report_error(error, _source_of(name)))
    click.echo((ZOO_HEADER if not specs else "") + render_summary(reports), nl=False)


if __name__ == "__main__":  # pragma: no cover
    main()
