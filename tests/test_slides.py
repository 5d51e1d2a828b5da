"""The AlexNet of the cs231n slides, end to end (figures: cs231n lecture 9, 'Case study: AlexNet')."""

from __future__ import annotations

from click.testing import CliRunner
from conftest import SPECS

import convcalc
from convcalc.cli import main


def test_alexnet_slide_figures() -> None:
    report = convcalc.analyze(SPECS / "alexnet.yaml")
    assert report.row("conv1").output_shape == (96, 55, 55)
    assert report.row("conv1").params == 34_944
    assert report.row("pool1").output_shape == (96, 27, 27)
    assert report.row("pool1").params == 0
    assert report.row("conv2").output_shape == (256, 27, 27)
    assert report.row("pool3").output_shape == (256, 6, 6)
    assert report.totals.params == 62_378_344
    assert report.totals.macs == 1_135_256_096


def test_analyze_bundled_by_name() -> None:
    result = CliRunner().invoke(main, ["analyze", "alexnet"])
    assert result.exit_code == 0, result.output
    assert "55×55×96" in result.output
    assert "62,378,344" in result.output


def test_inception_naive() -> None:
    """cs231n lecture 9, 'Naive Inception module': 28×28×256 in, 854M ops, 28×28×672 out."""
    report = convcalc.analyze(SPECS / "inception_naive.yaml")
    assert report.output_shape == (672, 28, 28)
    assert report.totals.macs == 854_196_224


def test_inception_with_bottlenecks() -> None:
    """cs231n lecture 9, 'Inception module with dimension reduction': 28×28×480 out.

    The slide's own list of six convolutions sums to 271,351,808; it prints
    "358M" (the 3×3 term counted twice). The README says so.
    """
    report = convcalc.analyze(SPECS / "inception_bottleneck.yaml")
    assert report.output_shape == (480, 28, 28)
    terms = [
        28 * 28 * 128 * 1 * 1 * 256,
        28 * 28 * 64 * 1 * 1 * 256,
        28 * 28 * 192 * 3 * 3 * 64,
        28 * 28 * 64 * 1 * 1 * 256,
        28 * 28 * 96 * 5 * 5 * 64,
        28 * 28 * 64 * 1 * 1 * 256,
    ]
    assert report.totals.macs == sum(terms) == 271_351_808
    readme = (SPECS.parent / "README.md").read_text(encoding="utf-8")
    assert "358M" in readme and "271,351,808" in readme
