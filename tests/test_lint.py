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


# --- suppression and selection: each way silences exactly the named code on exactly its scope ---

# Two rows with an uneven-stride warning (3:5 and 4:5) and an unused input `aux` (on the first row).
TWO_WARNED = """\
inputs: {x: [1, 7, 7], aux: [1, 4, 4]}
layers:
  - conv: {filters: 1, kernel: 3, stride: 3, from: x}
  - conv: {filters: 1, kernel: 3, stride: 3, padding: 1}
"""


def diagnostics(text: str, *args: str, tmp_path: Path) -> set[tuple[int, str]]:
    path = write(tmp_path, "s.yaml", text)
    out = run("check", *args, path)[1]
    found = set()
    for line in out.splitlines():
        if line.startswith(path + ":"):
            rest = line[len(path) + 1 :]
            code = rest.split("[", 1)[1].split("]", 1)[0]
            found.add((int(rest.split(":", 1)[0]), code))
    return found


def test_the_unsuppressed_spec(tmp_path: Path) -> None:
    assert diagnostics(TWO_WARNED, tmp_path=tmp_path) == {(3, "uneven-stride"), (4, "uneven-stride"), (1, "unused")}


def test_command_line_ignore_and_select(tmp_path: Path) -> None:
    assert diagnostics(TWO_WARNED, "--ignore", "uneven-stride", tmp_path=tmp_path) == {(1, "unused")}
    assert diagnostics(TWO_WARNED, "--select", "uneven-stride", tmp_path=tmp_path) == {
        (3, "uneven-stride"),
        (4, "uneven-stride"),
    }
    assert diagnostics(TWO_WARNED, "--ignore", "unused,uneven-stride", tmp_path=tmp_path) == set()


def test_entry_key_silences_its_row_only(tmp_path: Path) -> None:
    text = TWO_WARNED.replace("stride: 3, from: x}", "stride: 3, from: x, ignore: [uneven-stride]}")
    assert diagnostics(text, tmp_path=tmp_path) == {(4, "uneven-stride"), (1, "unused")}
    # another code named: nothing silenced
    text = TWO_WARNED.replace("stride: 3, from: x}", "stride: 3, from: x, ignore: pool-padding}")
    assert diagnostics(text, tmp_path=tmp_path) == {(3, "uneven-stride"), (4, "uneven-stride"), (1, "unused")}


def test_entry_key_on_a_composite_covers_its_rows_only() -> None:
    text = (
        "input: [1, 7, 7]\nlayers:\n"
        "  - sequence:\n      layers:\n        - conv: {filters: 1, kernel: 3, stride: 3}\n"
        "      ignore: [uneven-stride]\n"
        "  - conv: {filters: 1, kernel: 3, stride: 3, padding: 1}\n"
    )
    report = convcalc.analyze(text)
    assert [(w.row, w.code) for w in report.warnings] == [("conv1", "uneven-stride")]


def test_inline_comment_silences_its_line_only(tmp_path: Path) -> None:
    text = TWO_WARNED.replace("from: x}\n", "from: x}  # convcalc: ignore[uneven-stride]\n")
    assert diagnostics(text, tmp_path=tmp_path) == {(4, "uneven-stride"), (1, "unused")}
    text = TWO_WARNED.replace("from: x}\n", "from: x}  # convcalc: ignore[unused]\n")
    assert diagnostics(text, tmp_path=tmp_path) == {(3, "uneven-stride"), (4, "uneven-stride"), (1, "unused")}


def test_errors_cannot_be_silenced(tmp_path: Path) -> None:
    text = "input: [1, 7, 7]\nlayers:\n  - conv: {filters: 1}  # convcalc: ignore[missing-key]\n"
    assert diagnostics(text, "--ignore", "missing-key", tmp_path=tmp_path) == {(3, "missing-key")}


def test_a_bad_ignore_key_is_an_error() -> None:
    try:
        convcalc.analyze("input: [1, 7, 7]\nlayers:\n  - conv: {filters: 1, kernel: 3, ignore: [3]}\n")
    except convcalc.SpecError as error:
        assert error.diagnostic.code == "type"
        assert "ignore takes diagnostic codes" in error.diagnostic.message
    else:
        raise AssertionError("no error")


# --- configuration, found upward ---------------------------------------------------------


def test_config_found_from_a_nested_folder(tmp_path: Path) -> None:
    path = write(tmp_path, "models/vision/deep/s.yaml", TWO_WARNED)
    (tmp_path / "pyproject.toml").write_text('[tool.convcalc]\nignore = ["unused"]\n', encoding="utf-8")
    out = run("check", path)[1]
    assert "warning[unused]" not in out and "warning[uneven-stride]" in out
    # the nearer convcalc.toml wins, its keys at the top level
    (tmp_path / "models" / "convcalc.toml").write_text('strict = true\nselect = ["unused"]\n', encoding="utf-8")
    code, out = run("check", path)
    assert code == 1, out
    assert "warning[unused]" in out and "uneven-stride" not in out
    # analyze follows it too
    out = run("analyze", path)[1]
    assert "warning[unused]" in out and "uneven-stride" not in out


def test_pyproject_without_the_table_is_passed_over(tmp_path: Path) -> None:
    path = write(tmp_path, "a/s.yaml", TWO_WARNED)
    (tmp_path / "a" / "pyproject.toml").write_text('[project]\nname = "x"\n', encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text("[tool.convcalc]\nstrict = true\n", encoding="utf-8")
    assert run("check", path)[0] == 1


def test_config_budget_is_a_default(tmp_path: Path) -> None:
    clean = "input: [3, 32, 32]\nlayers:\n  - conv: {filters: 10, kernel: 5, padding: 2}\n"
    path = write(tmp_path, "s.yaml", clean)
    (tmp_path / "convcalc.toml").write_text('[budget]\nparams = "700"\n', encoding="utf-8")
    code, out = run("check", path)
    assert code == 1
    assert "params 760 (760) exceed the budget of 700 (700) by 60, 8.6% (config)" in out
    write(tmp_path, "s.yaml", "budget: {params: 1K}\n" + clean)
    assert run("check", path)[0] == 0  # the spec's own budget wins
    assert run("check", path, "--max-params", "700")[0] == 1  # the command line wins over both


def test_a_broken_config_cannot_run(tmp_path: Path) -> None:
    path = write(tmp_path, "s.yaml", TWO_WARNED)
    (tmp_path / "convcalc.toml").write_text("strict = yes\n", encoding="utf-8")
    code, out = run("check", path)
    assert code == 2
    assert "error[config]: is not valid TOML" in out
    (tmp_path / "convcalc.toml").write_text("strikt = true\n", encoding="utf-8")
    code, out = run("check", path)
    assert code == 2
    assert "error[config]: unknown key 'strikt' (did you mean 'strict'?)" in out
