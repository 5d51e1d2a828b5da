"""The command line: parse options, call the library, hand the result to a renderer.

Exit codes, as linters use them: 0 clean, 1 a problem in a spec, 2 the
command could not run (usage, unreadable file).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any

import click

from . import __version__
from .args import MAX_INT
from .errors import CANNOT_RUN_CODES, EXIT_CANNOT_RUN, EXIT_PROBLEM, Diagnostic, SpecError


EXCERPT_CHARS = 120
"""Widest source excerpt shown under an error (the line is cut around the column)."""


def _stderr(text: str) -> None:
    click.echo(text, err=True)


def report_error(error: SpecError, source: str | None = None) -> int:
    """Print a SpecError (each of its errors) as ``file:line:col: error[code]: row: message``;
    return the exit code.

    On a terminal the offending source line follows, with a caret; ``source``
    is the text already read (never read again).
    """
    from .errors import all_diagnostics
    from .render.escape import diagnostic_line

    for diagnostic in all_diagnostics(error):
        _stderr(diagnostic_line(diagnostic))
        if source is not None and sys.stderr.isatty():
            excerpt = source_excerpt(diagnostic, source)
            if excerpt:
                _stderr(excerpt)
    return EXIT_CANNOT_RUN if error.diagnostic.code in CANNOT_RUN_CODES else EXIT_PROBLEM


def source_excerpt(diagnostic: Diagnostic, source: str) -> str:
    """The error's line (at most EXCERPT_CHARS around the column, escaped) and a caret under the column."""
    from .render.escape import terminal

    line, column = diagnostic.position.line, diagnostic.position.column
    if line < 1:
        return ""
    start = 0
    for _ in range(line - 1):
        start = source.find("\n", start) + 1
        if start == 0:
            return ""
    end = source.find("\n", start)
    text = source[start : end if end >= 0 else len(source)].rstrip("\r")
    offset = max(0, min(column - 1 - EXCERPT_CHARS // 2, len(text) - EXCERPT_CHARS))
    shown = text[offset : offset + EXCERPT_CHARS]
    before = terminal(shown[: max(column - 1 - offset, 0)])
    return f"  {line:>4} | {terminal(shown)}\n       | {' ' * len(before)}^"


def resolve_spec_path(spec: str) -> str:
    """A path, ``-`` for standard input, or the name of a bundled spec."""
    if spec == "-" or os.path.exists(spec):
        return spec
    from .bundled import find_bundled

    bundled = find_bundled(spec)
    if bundled is not None:
        return bundled
    if "/" not in spec and not os.path.splitext(spec)[1]:
        from .args import suggest
        from .bundled import bundled_specs

        names = list(bundled_specs())
        hint = suggest(spec, names)
        listing = f"{hint}" if hint else f"bundled: {', '.join(names)}"
        raise SpecError.at("file", f"no such file, and no bundled spec of that name ({listing})", file=spec)
    return spec


def analyze_argument(spec: str, max_rows: int | None, batch: int = 1, selection: Any = None) -> Any:
    """The report of one spec argument, for ``batch`` samples; on a SpecError, print it (with
    an excerpt of the text already read) and exit 1 or 2. With ``selection``, the warnings and
    notes are chosen by it and by the configuration found from the spec's folder."""
    from .batch import batched
    from .engine import DEFAULT_MAX_ROWS, analyze_spec
    from .spec import load_text

    source = None
    try:
        source, name = read_argument(spec)
        report = batched(analyze_spec(load_text(source, name), max_rows or DEFAULT_MAX_ROWS), batch)
        if selection is not None:
            from .config import find_config
            from .lint import Selection, select_report

            target = resolve_spec_path(spec)
            config = find_config(os.getcwd() if target == "-" else target)
            chosen = selection.select if selection.select is not None else config.select
            report = select_report(report, Selection(selection.ignore | config.ignore, chosen))
        return report
    except SpecError as error:
        sys.exit(report_error(error, source))


def read_argument(spec: str) -> tuple[str, str]:
    """The text of one spec argument (a path, a bundled name or ``-``), read once with safeio's
    cap, and the name its diagnostics use."""
    from .safeio import read_spec_text

    target = resolve_spec_path(spec)
    source = read_spec_text(target)
    if target == "-" or os.path.exists(spec):
        return source, "<stdin>" if target == "-" else spec
    from .bundled import bundled_label

    return source, bundled_label(spec)


MAX_DRAWN_ROWS = 2_000
"""Most top-level rows drawn as SVG (``draw``, and the HTML report's figure, left out past it):
100,000 relus would make an 80 MB drawing."""


def _top_level(report: Any) -> int:
    return sum(1 for row in report.rows if row.depth == 0)


def _drawable(report: Any) -> bool:
    return _top_level(report) <= MAX_DRAWN_ROWS


def emit(text: str, output: str | None = None, inputs: tuple[str, ...] = ()) -> None:
    """Standard output, or the file ``output`` written atomically (``-`` is standard output)."""
    if output is None or output == "-":
        click.echo(text, nl=False)
        return
    from .safeio import OutputError, write_output

    try:
        write_output(output, text, inputs)
    except OutputError as error:
        from .render.escape import terminal

        _stderr(f"convcalc: error: {terminal(str(error))}")
        sys.exit(EXIT_CANNOT_RUN)
    _stderr(f"wrote {output}")


def complete_spec(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
    """Shell completion of a SPEC: the bundled names that start with what was typed, and the
    shell's own file completion (so ``analyze res<TAB>`` offers resnet18 and ./results/)."""
    from click.shell_completion import CompletionItem

    from .bundled import bundled_specs

    names = [CompletionItem(name) for name in bundled_specs() if name.startswith(incomplete)]
    return [*names, CompletionItem(incomplete, type="file")]


FORMATS = ("table", "json", "csv", "markdown", "html")


class Count(click.ParamType):
    """An integer option from ``minimum`` to MAX_INT, checked as text before any conversion
    (so a 5,000-digit value costs nothing, and the message shows a shortened copy)."""

    name = "integer"

    def __init__(self, minimum: int) -> None:
        self.minimum = minimum

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        else:
            text = str(value).strip()
            digits = text.lstrip("0")
            if not (text.isascii() and text.isdigit()) or len(digits) > len(str(MAX_INT)):
                from .errors import shorten

                self.fail(f"{shorten(text, 40)!r} is not an integer from {self.minimum} to {MAX_INT:,}", param, ctx)
            number = int(text)
        if not self.minimum <= number <= MAX_INT:
            self.fail(f"{number} is not an integer from {self.minimum} to {MAX_INT:,}", param, ctx)
        return number


def selection_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """``--ignore`` and ``--select``: codes of warnings and notes, repeated or comma-separated."""
    func = click.option(
        "--select",
        "select",
        multiple=True,
        metavar="CODE",
        help="Show only these warning/note codes (replaces the configuration's select).",
    )(func)
    func = click.option(
        "--ignore",
        "ignore",
        multiple=True,
        metavar="CODE",
        help="Never show these warning/note codes, e.g. --ignore uneven-stride (adds to the configuration's).",
    )(func)
    return func


def selection_of(ignore: tuple[str, ...], select: tuple[str, ...]) -> Any:
    from .lint import Selection, split_codes

    return Selection(
        [c for text in ignore for c in split_codes(text)],
        [c for text in select for c in split_codes(text)] if select else None,
    )


POSITIVE = Count(1)
NATURAL = Count(0)


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


def batch_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--batch",
        type=POSITIVE,
        default=1,
        show_default=True,
        help="Samples per pass: MACs, activation and peak memory scale with it; parameters don't.",
    )(func)


def optimizer_option(help: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    from .optimizers import DEFAULT_OPTIMIZER, OPTIMIZER_STATES

    return click.option(
        "--optimizer",
        type=click.Choice(list(OPTIMIZER_STATES)),
        default=DEFAULT_OPTIMIZER,
        show_default=True,
        help=help,
    )


def training_options(func: Callable[..., Any]) -> Callable[..., Any]:
    func = optimizer_option(
        "Optimizer state for training memory: sgd none, momentum 1, adam/adamw 2 copies of the trainable params."
    )(func)
    func = click.option(
        "--training",
        is_flag=True,
        help="Add backward MACs, saved activations and training memory (params + grads + optimizer + saved).",
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
@click.argument("spec", shell_complete=complete_spec)
@output_options
@click.option("--depth", type=NATURAL, default=None, help="Show rows down to this depth (0 = top level).")
@click.option(
    "--explain", is_flag=True, help="Add each row's worked formulas: sizes per dimension, parameters, MACs."
)
@click.option(
    "--max-rows",
    type=POSITIVE,
    default=None,
    help="Cap on rows a spec may expand to [default: 1,000,000].",
)
@batch_option
@training_options
@selection_options
def analyze(
    spec: str,
    fmt: str,
    layout: str,
    depth: int | None,
    explain: bool,
    max_rows: int | None,
    batch: int,
    training: bool,
    optimizer: str,
    ignore: tuple[str, ...],
    select: tuple[str, ...],
) -> None:
    """Analyze SPEC: per-layer table and totals.

    SPEC is a YAML file, '-' for standard input, or the name of a bundled
    spec (see 'convcalc list'). With --training, the cost of a training
    step too.

    \b
    Example:
        convcalc analyze alexnet
        convcalc analyze specs/resnet50.yaml --depth 1
        convcalc analyze net.yaml --format json > report.json
        convcalc analyze resnet50 --training --batch 32 --optimizer adamw --depth 0
    """
    report = analyze_argument(spec, max_rows, batch, selection_of(ignore, select))
    cost = None
    if training:
        from .training import training_cost

        cost = training_cost(report, optimizer)
    if fmt == "json":
        from .render.json_report import render_json

        click.echo(render_json(report, explain, cost), nl=False)
    elif fmt == "csv":
        from .render.csv_report import render_csv

        click.echo(render_csv(report, layout, depth, explain, cost), nl=False)
    elif fmt == "markdown":
        from .render.markdown import render_markdown

        click.echo(render_markdown(report, layout, depth, explain, cost), nl=False)
    elif fmt == "html":
        from .draw import draw_report
        from .render.html import render_html

        drawing = draw_report(report, depth=0) if _drawable(report) else None
        click.echo(render_html(report, layout, depth, explain, drawing=drawing, training=cost), nl=False)
    else:
        from .render.table import print_report

        print_report(report, layout=layout, depth=depth, explain=explain, training=cost)


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
        from .units import parse_quantity, unit_required

        try:
            if unit == "bytes":
                unit_required(value)
            return parse_quantity(value, unit)
        except ValueError as exc:
            raise click.BadParameter(str(exc)) from None

    return convert


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "github", "sarif"]),
    default="text",
    show_default=True,
    help="text: file:line:col lines; github: workflow commands that annotate pull requests; "
    "json: the check report; sarif: SARIF 2.1.0 for code scanning.",
)
@click.option("--strict", is_flag=True, help="Warnings fail the check too (notes never do).")
@selection_options
@click.option("--max-params", callback=_quantity("count"), help="Parameter budget, e.g. 25.6M (overrides the spec's).")
@click.option("--max-macs", callback=_quantity("count"), help="MAC budget, e.g. 4.1G (overrides the spec's).")
@click.option("--max-flops", callback=_quantity("count"), help="FLOP budget (FLOPs = 2 × MACs).")
@click.option(
    "--max-memory",
    callback=_quantity("bytes"),
    help="Memory budget: parameter bytes + peak activation bytes, e.g. 120MB or 1GiB.",
)
@click.option(
    "--max-training-memory",
    callback=_quantity("bytes"),
    help="Training memory budget: params + gradients + optimizer state + saved activations, e.g. 16GB.",
)
@click.option("--max-backward-macs", callback=_quantity("count"), help="Backward-pass MAC budget, e.g. 8.2G.")
@click.option(
    "--max-rows",
    type=POSITIVE,
    default=None,
    help="Cap on rows a spec may expand to [default: 1,000,000].",
)
@batch_option
@optimizer_option("The optimizer whose state training-memory budgets count (a spec's budget may name its own).")
def check(
    paths: tuple[str, ...],
    fmt: str,
    strict: bool,
    max_params: int | None,
    max_macs: int | None,
    max_flops: int | None,
    max_memory: int | None,
    max_training_memory: int | None,
    max_backward_macs: int | None,
    max_rows: int | None,
    batch: int,
    optimizer: str,
    ignore: tuple[str, ...],
    select: tuple[str, ...],
) -> None:
    """Check specs for CI: every error, warning and exceeded budget, one line each.

    PATHS are spec files, directories (searched for *.yaml and *.yml),
    globs, or '-' for standard input. Exit status: 0 clean; 1 an error or
    an exceeded budget (or any warning with --strict; notes never fail);
    2 a path or the configuration could not be read. Each spec follows
    the convcalc.toml or pyproject.toml [tool.convcalc] found upward from it.

    \b
    Example:
        convcalc check specs/
        convcalc check 'models/**/*.yaml' --max-params 25.6M --strict
        convcalc check specs/ --format github
        convcalc check resnet50.yaml --batch 32 --max-training-memory 16GB
    """
    from .check import check_paths
    from .engine import DEFAULT_MAX_ROWS
    from .render.check_output import RENDERERS

    limits = (
        ("params", max_params),
        ("macs", max_macs),
        ("flops", max_flops),
        ("memory", max_memory),
        ("training_memory", max_training_memory),
        ("backward_macs", max_backward_macs),
    )
    overrides = {key: value for key, value in limits if value is not None}
    result = check_paths(
        list(paths), overrides, strict, max_rows or DEFAULT_MAX_ROWS, batch, optimizer, selection_of(ignore, select)
    )
    from .launch import STATUS_IF_PIPE_CLOSES

    STATUS_IF_PIPE_CLOSES[0] = result.exit_code
    click.echo(RENDERERS[fmt](result), nl=False)
    sys.exit(result.exit_code)


def _dims(text: str, what: str) -> list[int]:
    """``7`` or ``7x5``: at most three numbers, each at most MAX_INT, checked before any conversion."""
    from .args import MAX_INT
    from .errors import shorten

    parts = text.lower().split("x", 3)
    if len(parts) > 3 or not all(part.strip().isascii() and part.strip().isdigit() for part in parts):
        raise click.BadParameter(
            f"{what} is a number ≥ 0 or one per dimension like 7x5, got {shorten(text, 40)!r}"
        ) from None
    if any(len(part.strip().lstrip("0")) > len(str(MAX_INT)) for part in parts):
        raise click.BadParameter(f"{what}: each number is at most {MAX_INT:,}, got {shorten(text, 40)!r}")
    values = [int(part) for part in parts]
    if any(v > MAX_INT for v in values):
        raise click.BadParameter(f"{what}: each number is at most {MAX_INT:,}, got {shorten(text, 40)!r}")
    return values


def _spread(values: list[int], ndim: int, what: str) -> list[int]:
    if len(values) == 1:
        return values * ndim
    if len(values) != ndim:
        raise click.BadParameter(f"{what} has {len(values)} values for a {ndim}-D input")
    return values


def convolution_options(kernel_required: bool) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The options that describe one convolution, shared by `conv` and `draw conv`."""

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        options = [
            click.option(
                "--kernel", "-k", required=kernel_required, default=None, help="Kernel size: 3, or per dimension 1x7."
            ),
            click.option("--stride", "-s", default="1", show_default=True, help="Stride: 2, or per dimension."),
            click.option(
                "--padding",
                "-p",
                default="0",
                show_default=True,
                help="Padding: 1, per dimension 1x0, or same, valid, half, full.",
            ),
            click.option("--dilation", "-d", default="1", show_default=True, help="Dilation."),
            click.option(
                "--transposed",
                is_flag=True,
                help="A transposed convolution, drawn as a direct one over inserted zeros.",
            ),
            click.option(
                "--output-padding",
                default="0",
                show_default=True,
                help="Extra size on one side of a transposed conv's output.",
            ),
        ]
        for option in reversed(options):
            func = option(func)
        return func

    return decorate


@main.command()
@click.argument("size")
@convolution_options(kernel_required=True)
@click.option(
    "--target",
    type=POSITIVE,
    default=None,
    help="Solve for the paddings and strides that give this output size.",
)
@click.option("--channels", type=POSITIVE, default=None, help="Input channels C: adds the volume and parameters.")
@click.option("--filters", type=POSITIVE, default=None, help="Filters K (output channels), with --channels.")
def conv(
    size: str,
    kernel: str,
    stride: str,
    padding: str,
    dilation: str,
    transposed: bool,
    output_padding: str,
    target: int | None,
    channels: int | None,
    filters: int | None,
) -> None:
    """Work one convolution through: the formula, the numbers, the result.

    SIZE is the input size: 7, or one per dimension, 7x5 or 8x16x16. For a
    stride that doesn't fit, says what was floored, which input rows are
    never read, and the paddings, strides and input sizes that fit exactly.
    With --channels C and --filters K, SIZE 32 is a 32×32 image (the
    slides' W×H×C volume) and the output volume and the parameters,
    (F·F·C + 1)·K, are worked through too.

    \b
    Example:
        convcalc conv 32 --channels 3 --filters 10 --kernel 5 --padding 2
        convcalc conv 7 --kernel 3 --stride 3
        convcalc conv 7 --kernel 3 --stride 2 --padding 1
        convcalc conv 224 --kernel 7 --stride 2 --padding same
        convcalc conv 3 --kernel 3 --stride 2 --padding 1 --transposed --output-padding 1
        convcalc conv 32 --kernel 5 --target 16
    """
    from .teach import ConvSetting, channels_last_hint, explain_conv, explain_target, explain_volume, resolve_pad

    if kernel is None:  # click 8.5 no longer enforces required=True on an option whose default is None
        raise click.UsageError("conv needs --kernel, e.g. convcalc conv 7 --kernel 3")
    if (channels is None) != (filters is None):
        raise click.UsageError("--channels and --filters go together, e.g. --channels 3 --filters 10")
    sizes = _dims(size, "SIZE")
    if channels is not None and len(sizes) == 1:
        sizes = sizes * 2  # an image: the slides' square W×H
    hint = channels_last_hint(sizes) if channels is None else ""
    if hint:
        _stderr(hint)
    if not 1 <= len(sizes) <= 3 or any(v < 1 for v in sizes):
        raise click.BadParameter("SIZE is 1 to 3 positive numbers, like 7 or 7x5", param_hint="SIZE")
    ndim = len(sizes)
    kernels = _spread(_dims(kernel, "--kernel"), ndim, "--kernel")
    strides = _spread(_dims(stride, "--stride"), ndim, "--stride")
    dilations = _spread(_dims(dilation, "--dilation"), ndim, "--dilation")
    extras = _spread(_dims(output_padding, "--output-padding"), ndim, "--output-padding")
    if any(v < 1 for v in kernels + strides + dilations):
        raise click.BadParameter("kernel, stride and dilation must be ≥ 1")
    if target is not None:
        for line in explain_target(sizes[0], kernels[0], target, dilations[0], strides[0] if stride != "1" else None):
            click.echo(line)
        return
    words = ("same", "valid", "half", "full")
    if padding in words:
        if transposed:
            raise click.BadParameter("a transposed convolution takes numeric padding only", param_hint="--padding")
        pads = [resolve_pad(padding, n, k, s_, d_) for n, k, s_, d_ in zip(sizes, kernels, strides, dilations)]
    else:
        pads = [(p, p) for p in _spread(_dims(padding, "--padding"), ndim, "--padding")]
    if transposed:
        for a, s_, d_ in zip(extras, strides, dilations):
            if a >= max(s_, d_):
                raise click.BadParameter(
                    f"output padding {a} must be smaller than the stride or dilation", param_hint="--output-padding"
                )
    settings = [
        ConvSetting(n, k, s_, pad, d_, transposed, a)
        for n, k, s_, pad, d_, a in zip(sizes, kernels, strides, pads, dilations, extras)
    ]
    for line in explain_conv(settings):
        click.echo(line)
    if channels is not None and filters is not None and all(c.output >= 1 for c in settings):
        for line in explain_volume(settings, channels, filters):
            click.echo(line)
    if any(c.output < 1 for c in settings):
        sys.exit(EXIT_PROBLEM)


@main.command()
@click.argument("layers", nargs=-1, required=True)
def rf(layers: tuple[str, ...]) -> None:
    """Receptive-field growth of a stack of layers, step by step.

    LAYERS are kernels like 3x3, with /S for a stride and dD for a dilation
    (7x7/2, 3d2), or one spec file, whose rows are walked.

    \b
    Example:
        convcalc rf 3x3 3x3 3x3
        convcalc rf 11x11/4 3x3/2 5x5 3x3/2
        convcalc rf specs/alexnet.yaml
    """
    from .teach import explain_rf, parse_rf_layer

    if len(layers) == 1 and not layers[0][:1].isdigit():
        report = analyze_argument(layers[0], None)
        from .render.common import dims_text
        from .render.escape import terminal

        click.echo(f"{'row':<32} {'RF':>8} {'jump':>6}")
        for row in report.rows:
            field = row.receptive_field
            name = "  " * row.depth + terminal(row.name)
            click.echo(f"{name:<32} {dims_text(field.size):>8} {dims_text(field.jump):>6}")
        return
    try:
        lines = explain_rf([parse_rf_layer(token) for token in layers])
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="LAYERS") from None
    for line in lines:
        click.echo(line)


@main.command("compare")
@click.argument("specs", nargs=-1, required=True, shell_complete=complete_spec)
@output_options
@click.option(
    "--depth",
    type=NATURAL,
    default=None,
    help="Compare rows down to this depth [default: as deep as keeps each spec within 100 rows].",
)
@click.option("--max-rows", type=POSITIVE, default=None, help="Cap on rows a spec may expand to.")
@batch_option
@training_options
def compare_specs(
    specs: tuple[str, ...],
    fmt: str,
    layout: str,
    depth: int | None,
    max_rows: int | None,
    batch: int,
    training: bool,
    optimizer: str,
) -> None:
    """Compare architectures side by side: totals with ratios, then rows.

    The first spec is the baseline ("3.15× fewer MACs" means fewer than it).
    Rows are aligned as diff aligns lines, by depth, type, window and output
    size: rows only one spec has stay in place, on lines of their own.

    \b
    Example:
        convcalc compare specs/inception_naive.yaml specs/inception_bottleneck.yaml
        convcalc compare resnet18 resnet50 resnet152 --format markdown
        convcalc compare resnet50 mobilenet_v2 --training --batch 32
    """
    from .compare import compare

    if len(specs) < 2:
        raise click.UsageError("compare needs at least two specs")
    reports = [analyze_argument(spec, max_rows, batch) for spec in specs]
    comparison = compare(reports, depth, optimizer if training else None)
    from .render import compare_output

    if fmt == "json":
        click.echo(compare_output.render_json(comparison), nl=False)
    elif fmt == "csv":
        click.echo(compare_output.render_csv(comparison, layout), nl=False)
    elif fmt == "markdown":
        click.echo(compare_output.render_markdown(comparison, layout), nl=False)
    elif fmt == "html":
        from .render.html import render_compare_html

        click.echo(render_compare_html(comparison, layout), nl=False)
    else:
        compare_output.print_comparison(comparison, layout=layout)


def _padding_value(text: str) -> Any:
    if text in ("same", "valid", "half", "full"):
        return text
    values = _dims(text, "--padding")
    return values[0] if len(values) == 1 else values


@main.command()
@click.argument("target", shell_complete=complete_spec)
@click.argument("size", required=False)
@convolution_options(kernel_required=False)
@click.option(
    "--frame", type=NATURAL, default=None, help="conv: one still at this output position, no animation."
)
@click.option(
    "--speed",
    type=click.FloatRange(0.05, 20),
    default=1.0,
    show_default=True,
    help="conv: animation speed (1 = 0.8 s a position, 2 = twice as fast).",
)
@click.option(
    "--max-frames",
    type=POSITIVE,
    default=120,
    show_default=True,
    help="conv: the animation shows at most this many output positions.",
)
@click.option(
    "--interactive",
    is_flag=True,
    help="conv: a self-contained HTML page with inputs for every setting, instead of an SVG.",
)
@click.option(
    "--depth",
    type=NATURAL,
    default=None,
    help="spec: levels of composites drawn as their parts (0 = one box each) [default: as deep as fits].",
)
@click.option(
    "--output",
    "-o",
    default=None,
    help="Write the SVG here, atomically (default or -: standard output).",
)
@click.option("--max-rows", type=POSITIVE, default=None, help="Cap on rows a spec may expand to.")
def draw(
    target: str,
    size: str | None,
    kernel: str | None,
    stride: str,
    padding: str,
    dilation: str,
    transposed: bool,
    output_padding: str,
    frame: int | None,
    speed: float,
    max_frames: int,
    interactive: bool,
    depth: int | None,
    output: str | None,
    max_rows: int | None,
) -> None:
    """Draw as SVG: one convolution (TARGET 'conv'), or a whole spec.

    'conv SIZE --kernel F ...' draws the input (SIZE 7 is a row of 7 cells,
    as `convcalc conv 7` is 1-D; 7x7 the slides' square) with its padding
    shaded, the kernel window (dilation gaps included) and the output,
    animated through the output positions (SMIL, no JavaScript); --frame i
    gives one still; --interactive writes an HTML page to try settings on.
    A spec is drawn as its volumes, as the AlexNet and VGG figures on the
    slides, and its composites (inception modules, residual blocks, VGG
    stages) as their parts, down to --depth levels.

    \b
    Example:
        convcalc draw conv 5x5 --kernel 3 --stride 2 --padding 1 -o conv.svg
        convcalc draw conv 7 --kernel 3 --stride 2 -o conv1d.svg
        convcalc draw conv 3x3 --kernel 3 --stride 2 --padding 1 --transposed --output-padding 1 -o deconv.svg
        convcalc draw conv --interactive -o conv.html
        convcalc draw inception_naive --depth 1 -o inception.svg
    """
    if target == "conv" and interactive:
        from .draw.interactive import interactive_page

        svg = interactive_page()
    elif target == "conv":
        if size is None or kernel is None:
            raise click.UsageError("draw conv needs SIZE and --kernel, e.g. convcalc draw conv 5x5 --kernel 3")
        from .draw import draw_conv

        sizes = _dims(size, "SIZE")
        one = lambda values: values[0] if len(values) == 1 else values  # noqa: E731
        try:
            svg = draw_conv(
                sizes,
                one(_dims(kernel, "--kernel")),
                stride=one(_dims(stride, "--stride")),
                padding=_padding_value(padding),
                dilation=one(_dims(dilation, "--dilation")),
                transposed=transposed,
                output_padding=one(_dims(output_padding, "--output-padding")),
                frame=frame,
                speed=speed,
                max_frames=max_frames,
            )
        except ValueError as exc:
            raise click.UsageError(str(exc)) from None
    else:
        if size is not None:
            raise click.UsageError(f"unexpected {size!r}: SIZE goes with 'draw conv' only")
        if interactive:
            raise click.UsageError("--interactive goes with 'draw conv' only")
        from .draw import draw_report

        report = analyze_argument(target, max_rows)
        if not _drawable(report):
            _stderr(
                f"convcalc: error: {_top_level(report):,} top-level rows are more than a drawing holds "
                f"({MAX_DRAWN_ROWS:,}); draw a part of the spec"
            )
            sys.exit(EXIT_CANNOT_RUN)
        svg = draw_report(report, depth=depth)
    emit(svg, output, (resolve_spec_path(target),) if target != "conv" else ())


@main.command()
def schema() -> None:
    """Print the JSON Schema (draft 2020-12) of spec format 1.

    For editors' YAML language servers and check-jsonschema: validation and
    completion of keys while writing a spec.

    \b
    Example:
        convcalc schema > convcalc.schema.json
        # in a spec: # yaml-language-server: $schema=convcalc.schema.json
    """
    from .schema import schema_json

    click.echo(schema_json(), nl=False)


@main.command("import")
@click.argument("model", required=False)
@click.option("--torch", "torch_target", metavar="MODULE:CALLABLE", help="Import a PyTorch model instead of a file.")
@click.option("--input", "input_size", metavar="CxHxW", help="Input size without the batch, e.g. 3x224x224.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the spec here instead of stdout.")
@click.option("--name", help="The spec's name (default: the model's).")
@click.option("--flat", is_flag=True, help="One row per node: don't fold repeated modules into blocks.")
def import_model(
    model: str | None, torch_target: str | None, input_size: str | None, output: str | None, name: str | None, flat: bool
) -> None:
    """Write a spec from an ONNX file MODEL, or from a PyTorch model (--torch).

    Needs the onnx package (pip install 'convcalc[onnx]'); --torch needs torch
    too. An op convcalc has no layer type for is an error naming it (exit 1);
    a missing package or an unreadable file exits 2.

    \b
    Example:
        convcalc import resnet50.onnx -o resnet50.yaml
        convcalc import --torch torchvision.models:resnet18 --input 3x224x224
    """
    from .bridges import MissingDependency
    from .bridges.importing import import_onnx, import_torch
    from .bridges.spec_text import write_spec

    if (model is None) == (torch_target is None):
        raise click.UsageError("give an ONNX file, or --torch MODULE:CALLABLE (not both)")
    shape = tuple(_dims(input_size, "--input")) if input_size else None
    if torch_target and shape is None:
        raise click.UsageError("--torch needs --input, e.g. --input 3x224x224")
    try:
        if torch_target:
            imported = import_torch(torch_target, shape, name)  # type: ignore[arg-type]
        else:
            imported = import_onnx(model, shape, name)  # type: ignore[arg-type]
    except MissingDependency as missing:
        _stderr(f"error: {missing.message}")
        sys.exit(EXIT_CANNOT_RUN)
    except SpecError as error:
        sys.exit(report_error(error))
    from .render.escape import terminal

    for note in imported.notes:
        _stderr(f"note: {terminal(note)}")
    emit(write_spec(imported, blocks=not flat), output, (model,) if model else ())


@main.command("export")
@click.argument("spec")
@click.option("--to", "target", type=click.Choice(["torch"]), required=True, help="What to write.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write here instead of stdout.")
def export_spec(spec: str, target: str, output: str | None) -> None:
    """Write SPEC as a self-contained PyTorch module (needs no torch to write).

    One nn.Module class per block, attributes named after the rows, forward
    following the graph; build() returns the network. 'convcalc verify'
    checks it against the spec.

    \b
    Example:
        convcalc export resnet50 --to torch -o resnet50.py
    """
    from .bridges.torch_export import export_torch

    source = None
    try:
        source, name = read_argument(spec)
        text = export_torch(source, file=name)
    except SpecError as error:
        sys.exit(report_error(error, source))
    emit(text, output, (resolve_spec_path(spec),))


@main.command("verify")
@click.argument("spec")
@click.option(
    "--module",
    "module_file",
    type=click.Path(exists=True, dir_okay=False),
    help="A module written by 'export --to torch' (and kept beside the spec) instead of a fresh export.",
)
def verify_spec(spec: str, module_file: str | None) -> None:
    """Check SPEC against PyTorch: every row's output shape, parameters and MACs.

    Builds the exported module on PyTorch's meta device (no weights), runs it
    once, and compares each row computed by a module (forward hooks,
    torch.utils.flop_counter) and the totals. Prints the rows that differ;
    exit 1 on any difference, 2 without torch.

    \b
    Example:
        convcalc verify resnet50
        convcalc verify net.yaml --module net.py
    """
    from .bridges import MissingDependency
    from .bridges.torch_export import export_with_report
    from .bridges.verify import verify_source

    source = None
    try:
        source, name = read_argument(spec)
        text, report = export_with_report(source, file=name)
        if module_file:
            with open(module_file, encoding="utf-8") as handle:
                text = handle.read()
        result = verify_source(text, report)
    except MissingDependency as missing:
        _stderr(f"error: {missing.message}")
        sys.exit(EXIT_CANNOT_RUN)
    except SpecError as error:
        sys.exit(report_error(error, source))
    for difference in result.differences:
        click.echo(difference.format())
    checked = f"{result.rows_checked} rows checked ({result.rows_without_module} computed by expressions, not modules"
    checked += f"; {result.rows_shared} by shared modules, in the totals only)" if result.rows_shared else ")"
    if result.differences:
        first = result.differences[0].row
        _stderr(f"verify: {len(result.differences)} differences; the first at {first}; {checked}")
        sys.exit(EXIT_PROBLEM)
    click.echo(f"verify: OK: {result.params:,} parameters, {result.macs:,} MACs, {checked}")


ZOO_HEADER = """# The convcalc zoo

Classic architectures as convcalc specs, each with a header comment citing
its paper and the torchvision model it matches. Parameters match
torchvision's documented counts exactly; MACs (multiply-accumulates of conv,
fc and attention; FLOPs = 2 × MACs) match a forward-hook count in PyTorch
exactly (for the transformers, whose attention products no hook sees,
torch.utils.flop_counter's count ÷ 2) and round to torchvision's published
"GFLOPS". Activation memory is float32;
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
    reports = [analyze_argument(name, None) for name in names]
    click.echo((ZOO_HEADER if not specs else "") + render_summary(reports), nl=False)


if __name__ == "__main__":  # pragma: no cover
    main()
