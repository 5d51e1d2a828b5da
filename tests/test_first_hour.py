"""A friendlier first hour (issue 13): the slides' volumes, channels-last inputs, the Python API."""

from __future__ import annotations

from click.testing import CliRunner

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
