"""The AlexNet of the cs231n slides, end to end (figures: cs231n lecture 9, 'Case study: AlexNet')."""

from __future__ import annotations

from click.testing import CliRunner

import convcalc
from convcalc.cli import main

from conftest import SPECS


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
