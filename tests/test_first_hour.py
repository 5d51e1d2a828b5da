"""A friendlier first hour (issue 13): the slides' volumes, channels-last inputs, the Python API."""

from __future__ import annotations

from click.testing import CliRunner

import convcalc

from convcalc.cli import main


def run(*args: str, input: str | None = None):  # noqa: ANN201
    result = CliRunner().invoke(main, list(args), input=input)
    assert "Traceback" not in result.output, result.output
    return result


# --- convcalc conv with channels and filters --------------------------------------------


def test_the_760_parameter_slide_example_is_one_command() -> None:
    """cs231n lecture 5: a 32×32×3 image, ten 5×5 filters, stride 1, pad 2:
    output 32×32×10; each filter has 5·5·3 + 1 = 76 parameters, 760 in all."""
    result = run("conv", "32", "--channels", "3", "--filters", "10", "-k", "5", "-p", "2")
    assert result.exit_code == 0
    assert "Output volume: 32×32×10" in result.output
    assert "Parameters: (5·5·3 + 1)·10 = (75 + 1)·10 = 760" in result.output
    assert (5 * 5 * 3 + 1) * 10 == 760
    assert f"MACs: 32·32·10·5·5·3 = {32 * 32 * 10 * 5 * 5 * 3:,}" in result.output


def test_channels_and_filters_go_together() -> None:
    result = run("conv", "32", "--channels", "3", "-k", "5")
    assert result.exit_code == 2
    assert "--channels and --filters go together" in result.output


def test_the_slides_hwc_notation_is_warned_about() -> None:
    result = run("conv", "32x32x3", "-k", "5", "-p", "2")
    assert result.exit_code == 0
    assert "note: 32x32x3 is read as three spatial sizes (D×H×W); for an H×W×C image write 32x32 --channels 3" in (
        result.stderr
    )
    assert "note:" not in run("conv", "8x16x16", "-k", "3").stderr  # a real 3-D input


# --- channels-last inputs ------------------------------------------------------------------


def test_a_channels_last_list_warns_layout_with_both_readings() -> None:
    report = convcalc.analyze("input: [224, 224, 3]\nlayers:\n  - conv: {filters: 6, kernel: 3, padding: 1}\n")
    [warning] = report.warnings
    assert (warning.severity, warning.code, warning.row) == ("warning", "layout", "input")
    assert (warning.position.line, warning.position.column) == (1, 8)
    assert "224 channels of 224×3" in warning.message
    assert "224×224 with 3 channels" in warning.message
    assert "input: {shape: [224, 224, 3], layout: hwc}" in warning.message
    assert report.rows[0].output_shape == (6, 224, 3)  # still read as written, channels first


def test_layout_hwc_reads_it_right() -> None:
    report = convcalc.analyze(
        "input: {shape: [224, 224, 3], layout: hwc}\nlayers:\n  - conv: {filters: 6, kernel: 5}\n"
    )
    assert report.input_shape == (3, 224, 224)
    assert report.rows[0].output_shape == (6, 220, 220)
    assert report.rows[0].params == (5 * 5 * 3 + 1) * 6
    assert report.warnings == []
    chw = convcalc.analyze("input: {shape: [3, 32, 32], layout: chw}\nlayers:\n  - relu\n")
    assert chw.input_shape == (3, 32, 32) and chw.warnings == []
    assert convcalc.analyze("input: {shape: [7, 2], layout: lc}\nlayers:\n  - relu\n").input_shape == (2, 7)


def test_no_layout_warning_for_channels_first_lists() -> None:
    for shape in ("[3, 224, 224]", "[64, 56, 56]", "[1, 28, 28]", "[16, 32, 4]"):
        assert convcalc.analyze(f"input: {shape}\nlayers:\n  - relu\n").warnings == [], shape


def test_the_layout_warning_shows_even_when_an_error_follows(tmp_path) -> None:  # noqa: ANN001
    path = tmp_path / "s.yaml"
    path.write_text("input: [224, 224, 3]\nlayers:\n  - conv: {filters: 6, kernel: 5}\n", encoding="utf-8")
    result = run("check", str(path))
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0].startswith(f"{path}:1:8: warning[layout]: input: ")
    assert lines[1].startswith(f"{path}:3:5: error[kernel-size]: conv1: kernel 5 is larger")


def test_bad_layouts_are_errors() -> None:
    for text, code in (
        ("input: {shape: [224, 224, 3], layout: nhwc}", "value"),
        ("input: {layout: hwc}", "missing-key"),
        ("input: {shape: [3, 8, 8], layout: cl}", "value"),
        ("input: {shape: 8, layout: hwc}", "type"),
    ):
        try:
            convcalc.analyze(text + "\nlayers:\n  - relu\n")
        except convcalc.SpecError as error:
            assert error.diagnostic.code == code, (text, error)
        else:
            raise AssertionError(text)


# --- the Python API ----------------------------------------------------------------------


def test_bundled_names_in_the_library() -> None:
    report = convcalc.analyze("alexnet")
    assert report.totals.params == 62_378_344  # as tests/test_published.py pins it
    assert report.file == "alexnet (bundled)"
    assert convcalc.load("resnet18").file == "resnet18 (bundled)"


def test_bundled_specs_are_shown_by_name_in_the_cli() -> None:
    result = run("analyze", "alexnet", "--format", "json")
    assert '"file": "alexnet (bundled)"' in result.output
    assert "site-packages" not in result.output and "/specs/" not in result.output


def test_render_every_format_as_the_cli_writes_it() -> None:
    report = convcalc.analyze("lenet5")
    for fmt in ("table", "markdown", "json", "csv", "html"):
        cli = run("analyze", "lenet5", "--format", fmt).output
        assert convcalc.render(report, fmt) == cli, fmt
    try:
        convcalc.render(report, "yaml")
    except ValueError as error:
        assert "format is one of table, markdown, json, csv, html" in str(error)
    else:
        raise AssertionError("no error")


def test_compare_from_python() -> None:
    comparison = convcalc.compare("resnet18", "resnet50")
    assert repr(comparison) == "Comparison(['ResNet-18 (torchvision)', 'ResNet-50 (torchvision)'], 87 row lines)"
    assert [m.values for m in comparison.metrics if m.key == "params"] == [(11_689_512, 25_557_032)]
    assert convcalc.render(comparison, "markdown") == run("compare", "resnet18", "resnet50", "--format", "markdown").output
    import convcalc.compare as module  # the submodule of the same name stays callable

    assert repr(module(convcalc.analyze("lenet5"), "alexnet")).startswith("Comparison(['LeNet-5'")


def test_clean_reprs() -> None:
    report = convcalc.analyze("alexnet")
    assert repr(report.row("conv1")) == "Row('conv1', conv, output 96×55×55, params 34,944, MACs 105,415,200)"
    assert "function" not in repr(report.rows) and "<" not in repr(report.rows[0])


def test_public_surface_is_documented() -> None:
    for name in convcalc.__all__:
        if name != "__version__":
            assert getattr(convcalc, name).__doc__, name


def test_a_report_displays_as_an_html_table_in_ipython() -> None:
    import pytest

    formatters = pytest.importorskip("IPython.core.formatters")
    data, _ = formatters.DisplayFormatter().format(convcalc.analyze("lenet5"))
    html = data["text/html"]
    assert html.startswith("<div class=convcalc>") and "<table class=rows>" in html
    assert "C1" in html and "156" in html  # LeNet-5's C1: 6·(5·5·1 + 1) = 156 parameters
    assert data["text/markdown"].startswith("### LeNet-5")
    assert data["text/plain"] == "Report('LeNet-5', 11 rows, output (10,))"


# --- a frozen marker per row, in every format ------------------------------------------------

FROZEN = (
    "input: [3, 8, 8]\nlayers:\n"
    "  - conv: {filters: 4, kernel: 3, trainable: false}\n"
    "  - conv: {filters: 4, kernel: 3}\n"
)


def test_frozen_rows_are_marked_in_every_format() -> None:
    report = convcalc.analyze(FROZEN)
    assert [row.frozen for row in report.rows] == [True, False]
    assert "conv1 (frozen)" in convcalc.render(report, "table")
    assert "conv2 (frozen)" not in convcalc.render(report, "table")
    assert "conv1 (frozen)" in convcalc.render(report, "markdown")
    assert "conv1 (frozen)" in convcalc.render(report, "html")
    import json

    rows = json.loads(convcalc.render(report, "json"))["rows"]
    assert [row["frozen"] for row in rows] == [True, False]
    assert rows == [row.to_dict() for row in report.rows]
    csv_lines = convcalc.render(report, "csv").splitlines()
    assert csv_lines[0].endswith(",frozen")
    assert [line.rsplit(",", 1)[1] for line in csv_lines[1:]] == ["yes", ""]


# --- small things ------------------------------------------------------------------------


def test_check_reads_standard_input() -> None:
    result = run("check", "-", input="input: [1, 7, 7]\nlayers:\n  - conv: {filters: 1, kernel: 3, stride: 3}\n")
    assert result.exit_code == 0
    assert result.output.startswith("<stdin>:3:5: warning[uneven-stride]: conv1: ")


def test_a_byte_budget_needs_a_unit() -> None:
    result = run("check", "lenet5", "--max-memory", "120")
    assert result.exit_code == 2
    assert "a byte budget needs a unit: 120MB, 120MiB, or 120B for bytes" in result.output


def test_a_closed_pipe_is_not_a_spec_problem() -> None:
    import subprocess
    import sys

    code = (
        "import sys; sys.argv = ['convcalc'] + sys.argv[1:]\n"
        "from convcalc.launch import main\nmain()\n"
    )
    for args, status in ((["list"], 0), (["analyze", "resnet152"], 0)):
        listing = subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert listing.stdout is not None
        listing.stdout.readline()
        listing.stdout.close()  # as `| head -1` does
        listing.wait(timeout=60)
        assert listing.returncode == status, (args, listing.stderr.read() if listing.stderr else b"")


# --- YAML 1.1-only spellings get a note -------------------------------------------------------


def test_yaml_1_1_spellings_get_a_note_with_the_portable_one() -> None:
    text = (
        "input: [3, 8, 8]\nlayers:\n"
        "  - conv: {filters: 1_024, kernel: 3, bias: yes}\n"
        "  - bn: {affine: off}\n"
        "  - conv: {filters: 8, kernel: 1, stride: 1:00, padding: 0}\n"
    )
    try:
        report = convcalc.analyze(text)
    except convcalc.SpecError as error:
        raise AssertionError(error) from None
    notes = [
        (w.position.line, w.severity, w.code, w.message.split(";")[1].strip())
        for w in report.warnings
        if w.code == "yaml-1.1"
    ]
    assert notes == [
        (3, "note", "yaml-1.1", "write 1024"),
        (3, "note", "yaml-1.1", "write true"),
        (4, "note", "yaml-1.1", "write false"),
        (5, "note", "yaml-1.1", "write 60"),
    ]
    assert report.rows[0].params == 1024 * 3 * 3 * 3 + 1024  # still read as YAML 1.1 reads it


def test_portable_spellings_and_quoted_strings_get_no_note() -> None:
    text = 'input: [3, 8, 8]\nname: "yes"\nlayers:\n  - conv: {filters: 1024, kernel: 3, bias: true}\n  - bn: {affine: false}\n'
    assert convcalc.analyze(text).warnings == []


# --- shell completion: files and bundled names ------------------------------------------------


def test_completion_offers_bundled_names_and_files() -> None:
    from click.shell_completion import ShellComplete

    from convcalc.cli import main as cli

    complete = ShellComplete(cli, {}, "convcalc", "_CONVCALC_COMPLETE")
    items = complete.get_completions(["analyze"], "res")
    plain = [item.value for item in items if item.type == "plain"]
    assert plain == ["resnet152", "resnet18", "resnet50"]
    assert [(item.value, item.type) for item in items if item.type != "plain"] == [("res", "file")]
    assert {item.type for item in complete.get_completions(["check"], "sp")} == {"file"}
    assert "alexnet" in [item.value for item in complete.get_completions(["compare", "vgg16"], "alex")]
