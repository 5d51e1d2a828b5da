"""Lint-grade checks (issue 13): severities, suppression and selection, config."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

import convcalc
from convcalc.cli import main

# 3x3/2 pad 1 on 8: (8 + 2 - 3)/2 + 1 = 4.5, the one unread position is right padding: a note.
PADDING_ONLY = "input: [1, 8, 8]\nlayers:\n  - conv: {filters: 1, kernel: 3, stride: 2, padding: 1}\n"
# 3x3/3 on 7: (7 - 3)/3 + 1 = 2.33, the last input row is never read: a warning.
LOSES_INPUT = "input: [1, 7, 7]\nlayers:\n  - conv: {filters: 1, kernel: 3, stride: 3}\n"


def run(*args: str, input: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), input=input)
    assert "Traceback" not in result.output, result.output
    return result.exit_code, result.output


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return str(path)


# --- severities ----------------------------------------------------------------


def test_padding_only_uneven_stride_is_a_note() -> None:
    report = convcalc.analyze(PADDING_ONLY)
    [note] = report.warnings
    assert (note.severity, note.code) == ("note", "uneven-stride")
    assert "no input lost" in note.message
    [warning] = convcalc.analyze(LOSES_INPUT).warnings
    assert warning.severity == "warning"


def test_a_note_never_fails_strict_and_is_counted(tmp_path: Path) -> None:
    path = write(tmp_path, "n.yaml", PADDING_ONLY)
    code, out = run("check", "--strict", path)
    assert code == 0, out
    assert f"{path}:3:5: note[uneven-stride]: conv1: (8 + 2·1 − 3)/2 + 1 = 4.5" in out
    assert out.strip().endswith("1 spec checked, all clean: 0 errors, 0 warnings, 1 note")


def test_a_note_in_every_check_format(tmp_path: Path) -> None:
    path = write(tmp_path, "n.yaml", PADDING_ONLY)
    document = json.loads(run("check", "--format", "json", path)[1])
    assert document["summary"]["notes"] == 1
    assert document["files"][0]["diagnostics"][0]["severity"] == "note"
    assert run("check", "--format", "github", path)[1].startswith("::notice file=")
    sarif = json.loads(run("check", "--format", "sarif", path)[1])
    assert sarif["runs"][0]["results"][0]["level"] == "note"


def test_a_note_under_the_table_in_explain_and_in_json(tmp_path: Path) -> None:
    path = write(tmp_path, "n.yaml", PADDING_ONLY)
    for args in ((), ("--explain",)):
        code, out = run("analyze", path, *args)
        assert code == 0
        assert "note[uneven-stride]: conv1:" in out
    rows = json.loads(run("analyze", path, "--format", "json")[1])["rows"]
    assert rows[0]["warnings"][0]["severity"] == "note"
