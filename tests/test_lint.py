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
    assert out.strip().endswith("1 failed: 0 errors, 1 warning (strict in the configuration: warnings fail)")
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


# --- every error of a file in one run -------------------------------------------------------

SIX_MISTAKES = """\
input: [3, 32, 32]
layers:
  - conv: {filter: 6, kernel: 5}
  - relu: {inplace: true}
  - maxpool: {kernel: two}
  - conv: {filters: 16, kernal: 5}
  - fc: {units: -3}
  - softmax: {dim: 1, axis: 2}
"""


def test_six_mistakes_on_six_lines_in_one_run(tmp_path: Path) -> None:
    path = write(tmp_path, "six.yaml", SIX_MISTAKES)
    code, out = run("check", path)
    assert code == 1
    errors = [line for line in out.splitlines() if ": error[" in line]
    assert [line.split(":")[1] for line in errors] == ["3", "4", "5", "6", "7", "8"], out
    assert errors[0] == f"{path}:3:5: error[unknown-key]: conv1: unknown key 'filter' for conv (did you mean 'filters'?)"
    assert "6 errors" in out
    # analyze prints the same six lines on standard error
    result = CliRunner().invoke(main, ["analyze", path])
    assert result.exit_code == 1
    assert [line for line in result.stderr.splitlines() if ": error[" in line] == errors
    # the library raises one SpecError: the first diagnostic, and all of them
    try:
        convcalc.analyze(SIX_MISTAKES)
    except convcalc.SpecError as error:
        assert error.diagnostic.position.line == 3
        assert [d.position.line for d in error.diagnostics] == [3, 4, 5, 6, 7, 8]  # type: ignore[attr-defined]
    else:
        raise AssertionError("no error")


def test_every_bad_key_of_one_entry() -> None:
    try:
        convcalc.analyze("input: [3, 32, 32]\nlayers:\n  - conv: {filter: 6, kernal: 5}\n")
    except convcalc.SpecError as error:
        messages = [d.message for d in error.diagnostics]  # type: ignore[attr-defined]
    assert messages == [
        "unknown key 'filter' for conv (did you mean 'filters'?)",
        "unknown key 'kernal' for conv (did you mean 'kernel'?)",
    ]  # no "conv needs 'filters'": the hint already says it


def errors_of(text: str) -> list[tuple[int, str, str]]:
    try:
        convcalc.analyze(text)
    except convcalc.SpecError as error:
        found = getattr(error, "diagnostics", [error.diagnostic])
        return [(d.position.line, d.code, d.row) for d in found]
    return []


def test_what_reads_a_failed_row_is_not_evaluated() -> None:
    # conv1 fails; fc1 reads it and is not evaluated (its input is unknown), so no error follows from it.
    assert errors_of("input: [3, 8, 8]\nlayers:\n  - conv: {filters: 4, kernal: 3}\n  - fc: {units: 10}\n") == [
        (3, "unknown-key", "conv1")
    ]


def test_the_walk_continues_where_the_failed_output_is_not_needed() -> None:
    text = (
        "input: [3, 8, 8]\nlayers:\n"
        "  - parallel:\n      branches:\n"
        "        - - conv: {filters: 4, kernel: 9}\n"  # kernel larger than the input: evaluation error
        "        - - conv: {filters: 4, kernel: 3, padding: 1}\n"
        "          - conv: {filters: 4, kernel: 11}\n"  # another, in the other branch
        "  - conv: {filters: 4, kernel: 3, groups: 3}\n"  # reads the failed merge: not evaluated
    )
    assert [(line, code) for line, code, _ in errors_of(text)] == [(5, "kernel-size"), (7, "kernel-size")]


def test_an_error_in_a_block_used_three_times_is_reported_once() -> None:
    text = (
        "input: [3, 8, 8]\nblocks:\n  b:\n    layers:\n      - conv: {filters: 4, kernal: 3}\n"
        "layers:\n  - b\n  - b\n  - b\n"
    )
    assert [(line, code) for line, code, _ in errors_of(text)] == [(5, "unknown-key")]


def test_errors_are_capped_at_50() -> None:
    text = "input: [3, 8, 8]\nlayers:\n" + "".join(f"  - relu: {{bad{i}: 1}}\n" for i in range(80))
    found = errors_of(text)
    assert len(found) == 50
    assert [line for line, _, _ in found] == list(range(3, 53))


# --- SARIF, validated against the SARIF 2.1.0 schema ------------------------------------------

SARIF_SCHEMA = Path(__file__).parent / "data" / "sarif-schema-2.1.0.json"


def sarif_of(*paths: str) -> dict:  # type: ignore[type-arg]
    code, out = run("check", "--format", "sarif", *paths)
    return json.loads(out)


def test_sarif_validates_against_the_2_1_0_schema(tmp_path: Path) -> None:
    import jsonschema

    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    paths = [
        write(tmp_path, "six.yaml", SIX_MISTAKES),
        write(tmp_path, "my net #1.yaml", TWO_WARNED),
        write(tmp_path, "n.yaml", PADDING_ONLY),
        str(tmp_path / "missing.yaml"),  # a file-level error: no line
    ]
    document = sarif_of(*paths)
    jsonschema.Draft4Validator(schema).validate(document)
    [run_] = document["runs"]
    rules = run_["tool"]["driver"]["rules"]
    used = {r["ruleId"] for r in run_["results"]}
    assert {rule["id"] for rule in rules} == used
    assert {"unknown-key", "type", "value", "uneven-stride", "unused", "file"} <= used
    for rule in rules:  # what GitHub code scanning shows for a rule
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert rule["help"]["text"] and rule["help"]["markdown"]
        assert "convcalc diagnostic" not in rule["shortDescription"]["text"], rule["id"]  # no placeholder
    for result in run_["results"]:
        region = result["locations"][0]["physicalLocation"]["region"]
        assert region["startLine"] >= 1 and region["startColumn"] >= 1
        assert len(result["partialFingerprints"]["convcalcDiagnostic/v1"]) == 32
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run_["results"]}
    assert any(uri.endswith("/my%20net%20%231.yaml") for uri in uris), uris
    assert all(uri.startswith("file:///") for uri in uris)  # tmp_path is absolute


def test_sarif_relative_uri_and_stable_fingerprints(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "a b.yaml", TWO_WARNED)
    first = sarif_of("a b.yaml")["runs"][0]["results"]
    assert first[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "a%20b.yaml"
    # a line added above moves the regions, not the fingerprints
    write(tmp_path, "a b.yaml", "# a comment\n" + TWO_WARNED)
    moved = sarif_of("a b.yaml")["runs"][0]["results"]
    assert [r["partialFingerprints"] for r in moved] == [r["partialFingerprints"] for r in first]
    assert [r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in moved] == [
        r["locations"][0]["physicalLocation"]["region"]["startLine"] + 1 for r in first
    ]


def test_every_documented_code_has_a_rule() -> None:
    import re

    from convcalc.rules import RULES

    docs = (Path(__file__).parent.parent / "docs" / "spec-format.md").read_text(encoding="utf-8")
    table = docs.split("## Error and warning codes", 1)[1].split("\n## ", 1)[0]
    codes = {code for line in table.splitlines() if line.startswith("| `") for code in re.findall(r"`([a-z0-9-]+)`", line.split("|")[1])}
    assert codes - set(RULES) == set()
