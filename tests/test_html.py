"""`--format html` pages and `convcalc draw` through the CLI."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

from click.testing import CliRunner
from conftest import SPECS

import convcalc
from convcalc.cli import main

SVG = "{http://www.w3.org/2000/svg}"


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def tags_of(page: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Tags()
    parser.feed(page)
    return parser.tags


def test_analyze_html_is_one_self_contained_page() -> None:
    result = CliRunner().invoke(main, ["analyze", str(SPECS / "resnet18.yaml"), "--format", "html"])
    assert result.exit_code == 0
    page = result.output
    tags = tags_of(page)
    names = [t for t, _ in tags]
    assert page.startswith("<!DOCTYPE html>")
    assert "script" not in names and "link" not in names  # nothing to fetch, nothing to run
    report = convcalc.analyze(SPECS / "resnet18.yaml")
    rows = [a for t, a in tags if t == "tr" and a.get("data-path")]
    assert [a["data-path"] for a in rows] == [r.path_text for r in report.rows]
    assert "11,689,512" in page and "1,814,073,344" in page
    assert "note[uneven-stride]" in page
    assert names.count("svg") == 1
    volumes = [a for t, a in tags if t == "g" and "volume" in (a.get("class") or "").split()]
    assert len(volumes) == 1 + sum(1 for r in report.rows if r.depth == 0)


def test_compare_html() -> None:
    result = CliRunner().invoke(
        main,
        ["compare", str(SPECS / "inception_naive.yaml"), str(SPECS / "inception_bottleneck.yaml"), "--format", "html"],
    )
    assert result.exit_code == 0
    assert "854,196,224" in result.output and "271,351,808" in result.output and "3.15× fewer" in result.output
    assert "script" not in [t for t, _ in tags_of(result.output)]


def test_html_escapes_spec_text(tmp_path: Path) -> None:
    spec = tmp_path / "x.yaml"
    spec.write_text('name: "<b>bold</b> & co"\ninput: [3, 8, 8]\nlayers: [relu]\n', encoding="utf-8")
    page = CliRunner().invoke(main, ["analyze", str(spec), "--format", "html"]).output
    assert "<b>bold</b>" not in page
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; co" in page


def test_draw_conv_writes_an_svg(tmp_path: Path) -> None:
    target = tmp_path / "conv.svg"
    result = CliRunner().invoke(main, ["draw", "conv", "5x5", "-k", "3", "-s", "2", "-p", "1", "-o", str(target)])
    assert result.exit_code == 0
    root = ET.parse(target).getroot()
    (window,) = [g for g in root.iter(f"{SVG}g") if "window" in (g.get("class") or "").split()]
    assert window.get("data-positions") == "9"  # (5 + 2·1 − 3)/2 + 1 = 3 → 3×3 positions


def test_draw_spec_to_stdout() -> None:
    result = CliRunner().invoke(main, ["draw", "alexnet"])
    assert result.exit_code == 0
    root = ET.fromstring(result.output)
    shapes = [g.get("data-shape") for g in root.iter(f"{SVG}g") if "volume" in (g.get("class") or "").split()]
    assert shapes[:3] == ["227×227×3", "55×55×96", "55×55×96"]


def test_draw_usage_errors() -> None:
    assert CliRunner().invoke(main, ["draw", "conv", "5"]).exit_code == 2
    assert CliRunner().invoke(main, ["draw", "conv", "5", "-k", "9"]).exit_code == 2
    assert CliRunner().invoke(main, ["draw", "alexnet", "5"]).exit_code == 2
