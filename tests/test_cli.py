"""The command line: exit codes, formats, layouts, bundled specs, help."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

import pytest
from click.testing import CliRunner
from conftest import SPECS

import convcalc
from convcalc import __version__
from convcalc.cli import main


def run(*args: str, input: str | None = None) -> object:
    return CliRunner().invoke(main, list(args), input=input)


def test_version() -> None:
    result = run("--version")
    assert result.exit_code == 0
    assert __version__ in result.output


@pytest.mark.parametrize(
    "command", [[], ["analyze"], ["list"], ["check"], ["compare"], ["conv"], ["rf"], ["zoo"], ["schema"], ["draw"]]
)
def test_every_command_has_help_with_an_example(command: list[str]) -> None:
    result = run(*command, "--help")
    assert result.exit_code == 0
    assert "Example:" in result.output


def test_python_dash_m() -> None:
    done = subprocess.run([sys.executable, "-m", "convcalc", "--version"], capture_output=True, text=True)
    assert done.returncode == 0
    assert __version__ in done.stdout


def test_table_shows_slide_layout_and_totals() -> None:
    result = run("analyze", str(SPECS / "alexnet.yaml"))
    assert result.exit_code == 0
    assert "55×55×96" in result.output
    assert "62.4M" in result.output and "62,378,344" in result.output
    assert "1.14G" in result.output and "1,135,256,096" in result.output


def test_layout_chw() -> None:
    result = run("analyze", "alexnet", "--layout", "chw")
    assert "96×55×55" in result.output
    assert "55×55×96" not in result.output


def test_json_follows_the_report_contract() -> None:
    result = run("analyze", "alexnet", "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data["convcalc"] == 1
    assert data["input"] == [3, 227, 227]
    assert data["output_shape"] == [1000]
    conv1 = data["rows"][0]
    assert conv1["name"] == "conv1" and conv1["path"] == ["conv1"] and conv1["depth"] == 0
    assert conv1["output_shape"] == [96, 55, 55]
    assert conv1["params"] == conv1["trainable_params"] == 34_944
    assert conv1["macs"] == 105_415_200 and conv1["flops"] == 210_830_400
    assert conv1["activation_bytes"] == 96 * 55 * 55 * 4
    assert conv1["receptive_field"] == {"size": [11, 11], "jump": [4, 4], "start": [5.0, 5.0]}
    assert data["totals"]["params"] == 62_378_344
    assert data["totals"]["macs"] == 1_135_256_096
    assert data["totals"]["flops"] == 2 * 1_135_256_096
    assert data["totals"]["param_bytes"] == 4 * 62_378_344
    for key in ("activation_bytes", "peak_activation_bytes", "trainable_params"):
        assert isinstance(data["totals"][key], int)
    assert data["warnings"] == []


def test_csv_is_exact() -> None:
    result = run("analyze", "alexnet", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert rows[0]["name"] == "conv1"
    assert rows[0]["params"] == "34944"
    assert rows[0]["output_shape"] == "55×55×96"
    assert sum(int(r["params"]) for r in rows) == 62_378_344


def test_markdown_table() -> None:
    result = run("analyze", "alexnet", "--format", "markdown")
    assert "| conv1 | conv | 55×55×96 | 34,944 |" in result.output
    assert "62.4M params" in result.output


def test_depth_collapses_nested_rows() -> None:
    full = run("analyze", "resnet18", "--format", "csv")
    top = run("analyze", "resnet18", "--format", "csv", "--depth", "0")
    full_rows = list(csv.DictReader(io.StringIO(full.output)))
    top_rows = list(csv.DictReader(io.StringIO(top.output)))
    assert len(top_rows) < len(full_rows)
    assert all(r["depth"] == "0" for r in top_rows)
    assert sum(int(r["params"]) for r in top_rows) == 11_689_512


def test_stdin() -> None:
    spec = "input: [3, 32, 32]\nlayers:\n  - conv: {filters: 10, kernel: 5, padding: 2}\n"
    result = run("analyze", "-", "--format", "json", input=spec)
    assert result.exit_code == 0
    assert json.loads(result.output)["rows"][0]["params"] == 760


def test_missing_file_cannot_run() -> None:
    result = run("analyze", "no/such/spec.yaml")
    assert result.exit_code == 2
    assert "no/such/spec.yaml" in result.output
    assert "Traceback" not in result.output


def test_list_names_the_bundled_specs() -> None:
    result = run("list")
    assert result.exit_code == 0
    for name in ("alexnet", "lenet5", "vgg16", "inception_naive", "inception_bottleneck"):
        assert name in result.output


def test_unknown_bare_name_suggests_a_bundled_spec() -> None:
    result = CliRunner().invoke(main, ["analyze", "alexnett"])
    assert result.exit_code == 2
    assert (
        "alexnett:0:0: error[file]: no such file, and no bundled spec of that name (did you mean 'alexnet'?)"
        in result.output
    )
    assert "Traceback" not in result.output


def test_internal_errors_are_one_line(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """The console script's last line of defence: a bug shows as one line, not a traceback."""
    from convcalc import cli, launch

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(cli, "main", broken)
    monkeypatch.setattr(sys, "argv", ["convcalc", "analyze", "alexnet"])
    monkeypatch.delenv("CONVCALC_DEBUG", raising=False)
    with pytest.raises(SystemExit) as exit_info:
        launch.main()
    assert exit_info.value.code == 2
    assert capsys.readouterr().err == (
        "convcalc: internal error: RuntimeError: boom "
        "(a bug: please report it with the spec; CONVCALC_DEBUG=1 shows the traceback)\n"
    )


def test_readme_example_is_the_real_output() -> None:
    """The README's AlexNet table is what `convcalc analyze alexnet` prints (regenerate it when this fails)."""
    readme = (SPECS.parent / "README.md").read_text(encoding="utf-8")
    output = CliRunner().invoke(main, ["analyze", "alexnet"]).output.rstrip()
    assert f"```text\n{output}\n```" in readme


def test_json_rows_written_from_the_template_equal_to_dict() -> None:
    """render_json writes rows from a template, for speed; they must parse to Row.to_dict()."""
    from convcalc.render.json_report import render_json

    for spec in ("googlenet", "resnet18", "lenet5", "inception_bottleneck"):
        report = convcalc.analyze(SPECS / f"{spec}.yaml")
        assert json.loads(render_json(report)) == json.loads(json.dumps(report.to_dict()))
    odd = convcalc.analyze(
        {"input": [1, 12], "name": 'quote " and é', "layers": [{"deconv": {"filters": 1, "kernel": 3, "stride": 3}}]}
    )
    assert json.loads(render_json(odd)) == json.loads(json.dumps(odd.to_dict()))
