"""`convcalc check`: the exit-code contract, budgets, and the machine-readable formats."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import SPECS

from convcalc.cli import main
from convcalc.units import parse_quantity

CLEAN = "input: [3, 32, 32]\nlayers:\n  - conv: {filters: 10, kernel: 5, padding: 2}\n"
WARNS = "input: [1, 7, 7]\nlayers:\n  - conv: {filters: 1, kernel: 3, stride: 3}\n"
BROKEN = "input: [3, 8, 8]\nlayers:\n  - conv: {filters: 4}\n"
OVER = (
    "input: [3, 32, 32]\n"
    "budget: {params: 700, macs: 1M, output: [10, 32, 32]}\n"
    "layers:\n  - conv: {filters: 10, kernel: 5, padding: 2}\n"
)


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def check(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["check", *args])
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def test_clean_spec_exits_0(tmp_path: Path) -> None:
    code, out = check(write(tmp_path, "ok.yaml", CLEAN))
    assert code == 0
    assert out.strip().endswith("1 spec checked, all clean: 0 errors, 0 warnings")


def test_warnings_pass_unless_strict(tmp_path: Path) -> None:
    path = write(tmp_path, "w.yaml", WARNS)
    code, out = check(path)
    assert code == 0
    assert f"{path}:3:5: warning[uneven-stride]: conv1: (7 − 3)/3 + 1 = 2.33" in out
    code, out = check(path, "--strict")
    assert code == 1
    assert "1 failed" in out


def test_an_error_exits_1_and_every_file_is_still_checked(tmp_path: Path) -> None:
    bad = write(tmp_path, "bad.yaml", BROKEN)
    good = write(tmp_path, "good.yaml", CLEAN)
    code, out = check(bad, good)
    assert code == 1
    assert f"{bad}:3:5: error[missing-key]: conv1: conv needs 'kernel'" in out
    assert "2 specs checked, 1 failed: 1 error, 0 warnings" in out


def test_unreadable_path_exits_2_after_checking_the_rest(tmp_path: Path) -> None:
    good = write(tmp_path, "good.yaml", CLEAN)
    code, out = check(good, str(tmp_path / "missing.yaml"))
    assert code == 2
    assert "missing.yaml:0:0: error[file]: no such file" in out


def test_usage_error_exits_2() -> None:
    assert check()[0] == 2
    assert check("--format", "xml", "x.yaml")[0] == 2
    assert check("--max-params", "lots", str(SPECS / "lenet5.yaml"))[0] == 2


def test_directories_and_globs(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", CLEAN)
    (tmp_path / "sub").mkdir()
    write(tmp_path / "sub", "b.yml", CLEAN)
    write(tmp_path, "notes.txt", "not a spec")
    assert "2 specs checked" in check(str(tmp_path))[1]
    assert "1 spec checked" in check(str(tmp_path / "*.yaml"))[1]


def test_every_bundled_spec_passes() -> None:
    code, out = check(str(SPECS))
    assert code == 0, out
    assert f"{len(list(SPECS.glob('*.yaml')))} specs checked, all clean" in out


def test_spec_budget_names_measured_limit_and_excess(tmp_path: Path) -> None:
    path = write(tmp_path, "over.yaml", OVER)
    code, out = check(path)
    assert code == 1
    # 10 filters of 5×5×3 + 10 biases = 760 params, 760 - 10 = 750 weights × 32×32 outputs = 768,000 MACs
    assert f"{path}:2:10: error[budget]: params 760 (760) exceed the budget of 700 (700) by 60, 8.6% (spec)" in out
    assert out.count("error[budget]") == 1


def test_command_line_budget_overrides_the_spec(tmp_path: Path) -> None:
    path = write(tmp_path, "over.yaml", OVER)
    assert check(path, "--max-params", "1K")[0] == 0
    code, out = check(path, "--max-params", "1K", "--max-macs", "0.5M")
    assert code == 1
    assert "macs 768,000 (768K) exceed the budget of 500,000 (500K) by 268,000, 53.6% (command line)" in out


def test_output_budget_must_match(tmp_path: Path) -> None:
    text = OVER.replace("params: 700, macs: 1M, output: [10, 32, 32]", "output: [1000]")
    code, out = check(write(tmp_path, "o.yaml", text))
    assert code == 1
    assert "output shape 10×32×32 is not the budgeted 1000 (spec)" in out


def test_memory_budget_is_params_plus_peak(tmp_path: Path) -> None:
    path = write(tmp_path, "m.yaml", CLEAN)
    # params 760 × 4 B + peak (input 3·32·32·4 + output 10·32·32·4 = 53,248 B) = 56,288 B
    assert check(path, "--max-memory", "56288B")[0] == 0
    code, out = check(path, "--max-memory", "56KB")
    assert code == 1
    assert "memory 56,288" in out


@pytest.mark.parametrize(
    ("text", "unit", "value"),
    [
        ("25.6M", "count", 25_600_000),
        ("4.1G", "count", 4_100_000_000),
        ("70M", "count", 70_000_000),
        ("120MB", "bytes", 120_000_000),
        ("1GiB", "bytes", 2**30),
        ("12K", "count", 12_000),
        (1000, "count", 1000),
    ],
)
def test_quantities(text: str, unit: str, value: int) -> None:
    assert parse_quantity(text, unit) == value


@pytest.mark.parametrize("text", ["1.5", "12X", "-3", "1e400M", "MB"])
def test_bad_quantities(text: str) -> None:
    with pytest.raises(ValueError):
        parse_quantity(text, "count")


def test_github_format_annotates(tmp_path: Path) -> None:
    path = write(tmp_path, "w.yaml", WARNS)
    code, out = check(path, "--format", "github")
    first = out.splitlines()[0]
    assert first.startswith(f"::warning file={path},line=3,col=5,title=convcalc warning[uneven-stride]::conv1: ")
    assert code == 0


def test_json_format(tmp_path: Path) -> None:
    path = write(tmp_path, "over.yaml", OVER)
    code, out = check(path, "--format", "json")
    data = json.loads(out)
    assert code == data["exit_code"] == 1
    [entry] = data["files"]
    assert entry["ok"] is False and entry["totals"]["params"] == 760
    params = next(b for b in entry["budget"] if b["key"] == "params")
    assert params == {"key": "params", "limit": 700, "measured": 760, "ok": False, "source": "spec"}
    assert entry["diagnostics"][0]["code"] == "budget"


def test_sarif_format_has_the_required_structure(tmp_path: Path) -> None:
    bad = write(tmp_path, "bad.yaml", BROKEN)
    warn = write(tmp_path, "w.yaml", WARNS)
    code, out = check(bad, warn, "--format", "sarif")
    assert code == 1
    sarif = json.loads(out)
    assert sarif["version"] == "2.1.0"
    [run] = sarif["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "convcalc"
    rule_ids = [rule["id"] for rule in driver["rules"]]
    assert sorted(rule_ids) == ["missing-key", "uneven-stride"]
    levels = {r["ruleId"]: r["level"] for r in run["results"]}
    assert levels == {"missing-key": "error", "uneven-stride": "warning"}
    for result in run["results"]:
        assert result["message"]["text"]
        assert rule_ids[result["ruleIndex"]] == result["ruleId"]
        location = result["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uri"].endswith(".yaml")
        assert location["region"]["startLine"] == 3 and location["region"]["startColumn"] == 5


def test_exit_codes_in_a_real_process(tmp_path: Path) -> None:
    """The same contract through the installed entry point, as CI runs it."""
    env = dict(os.environ)
    cases = [
        ([write(tmp_path, "ok.yaml", CLEAN)], 0),
        ([write(tmp_path, "bad.yaml", BROKEN)], 1),
        ([str(tmp_path / "nope.yaml")], 2),
        ([write(tmp_path, "w.yaml", WARNS), "--strict"], 1),
    ]
    for args, expected in cases:
        done = subprocess.run(
            [sys.executable, "-m", "convcalc", "check", *args], capture_output=True, text=True, env=env
        )
        assert done.returncode == expected, (args, done.stdout, done.stderr)
        assert "Traceback" not in done.stdout + done.stderr


def test_readme_shows_the_real_github_and_sarif_output() -> None:
    readme = (SPECS.parent / "README.md").read_text(encoding="utf-8")
    code, out = check(str(SPECS / "resnet18.yaml"), "--format", "github")
    stem_line = next(line for line in out.splitlines() if "line=43" in line)
    assert stem_line.replace(f"{SPECS}/", "specs/").split(" is not an integer")[0] in readme
    sarif = json.loads(check(str(SPECS / "resnet18.yaml"), "--format", "sarif")[1])
    region = sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]
    assert f'"startLine": {region["startLine"]}, "startColumn": {region["startColumn"]}' in readme


def test_a_directory_without_specs_cannot_pass(tmp_path: Path) -> None:
    code, out = check(str(tmp_path))
    assert code == 2
    assert f"{tmp_path}:0:0: error[file]: no *.yaml or *.yml specs in this directory" in out
