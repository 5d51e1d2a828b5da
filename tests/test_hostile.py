"""The hostile corpus (tests/hostile_cases.py), each case in a fresh, resource-limited process.

Every case must end with its exit status (and error code), print no
traceback or "internal error", put no raw control character on any output,
and stay under 2 s of CPU and 200 MB resident, Python's start-up included.
The cases run two at a time once per session (about 200 processes); each
test then judges one outcome. Below them, the same promises through the
Python API and in-process checks of the pieces (atomic writes, escapes).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

import convcalc
from convcalc import SpecError

sys.path.insert(0, str(Path(__file__).resolve().parent))
from hostile_cases import Outcome, corpus, problems, run_cases  # noqa: E402

CASES = corpus()

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="FIFOs, /dev/full and resource limits are POSIX")


@pytest.fixture(scope="module")
def outcomes(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Outcome]:
    """The outcomes of the cases this session selected (``-k`` runs only those)."""
    chosen = [getattr(item, "callspec", None) for item in request.session.items]
    selected = {id(spec.params["case"]) for spec in chosen if spec is not None and "case" in spec.params}
    return run_cases([case for case in CASES if id(case) in selected], tmp_path_factory.mktemp("hostile"))


def test_corpus_is_large_and_covers_every_class() -> None:
    assert len(CASES) >= 150
    classes = {case.name.split("/")[0] for case in CASES}
    assert {"yaml", "file", "stdin", "check", "inject", "cli", "out", "stdout", "encoding", "rf"} <= classes


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_hostile_case(case: object, outcomes: dict[str, Outcome]) -> None:
    outcome = outcomes[case.name]  # type: ignore[attr-defined]
    assert not problems(outcome), (problems(outcome), outcome.stdout[-500:], outcome.stderr[-500:])


# ----- the Python API --------------------------------------------------------------------


def _shared_lists(levels: int) -> list:
    """Two sequences of the same list object, ``levels`` deep: 2^levels relus when expanded."""
    node: list = ["relu"]
    for _ in range(levels):
        node = [{"sequence": {"layers": node}}, {"sequence": {"layers": node}}]
    return node


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({"input": {"channels": 3, "size": 8}, "layers": _shared_lists(60)}, "alias-bomb"),
        ({"input": {"channels": 10**5000, "size": 8}, "layers": ["relu"]}, "value"),
        ({"input": {"channels": 3, "size": 8}, "layers": ["relu"], 10**5000: 1}, "type"),
        ({"input": {"channels": 3, "size": 8}, "layers": [object()]}, "type"),
        ({"input": {"channels": 3, "size": 8}, "layers": [{"conv": {"filters": 2**4000, "kernel": 3}}]}, "value"),
    ],
    ids=["shared-sub-lists-60-deep", "int-10^5000", "huge-int-key", "object", "int-2^4000"],
)
def test_api_dicts_fail_cleanly(data: dict, code: str) -> None:
    with pytest.raises(SpecError) as caught:
        convcalc.analyze(data)
    assert caught.value.code == code
    assert caught.value.diagnostic.file == "<dict>"
    assert len(str(caught.value)) < 300


def test_api_refuses_a_list_that_contains_itself() -> None:
    layers: list = ["relu"]
    layers.append(layers)
    with pytest.raises(SpecError) as caught:
        convcalc.analyze({"input": {"channels": 3, "size": 8}, "layers": layers})
    assert caught.value.code in ("yaml", "too-deep")


def test_api_shared_sub_lists_within_the_bound_still_work() -> None:
    """Sharing is allowed, as YAML aliases are: 2⁸ uses of one relu is 256 rows."""
    report = convcalc.analyze({"input": {"channels": 3, "size": 8}, "layers": _shared_lists(8)})
    assert len([row for row in report.rows if row.leaf]) == 256


def test_api_paths_with_nul_are_spec_errors() -> None:
    with pytest.raises(SpecError) as caught:
        convcalc.analyze("specs/alexnet\0.yaml")
    assert caught.value.code == "file"
    with pytest.raises(SpecError):
        convcalc.analyze(Path("a\0b.yaml"))


@pytest.mark.parametrize("max_rows", [0, -1, 1.5, "10"])
def test_api_max_rows_must_be_positive(max_rows: object) -> None:
    with pytest.raises(ValueError, match="max_rows"):
        convcalc.analyze("specs/alexnet.yaml", max_rows=max_rows)  # type: ignore[arg-type]


# ----- atomic writes -------------------------------------------------------------------------


def test_a_failed_write_leaves_the_old_file_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from convcalc import safeio

    target = tmp_path / "out.svg"
    target.write_text("old content", encoding="utf-8")
    calls = {"n": 0}
    real_write = os.write

    def failing_write(fd: int, data: bytes) -> int:
        calls["n"] += 1
        if calls["n"] > 1:
            raise OSError(28, "No space left on device")
        return real_write(fd, bytes(data[:10]))

    monkeypatch.setattr(safeio.os, "write", failing_write)
    with pytest.raises(safeio.OutputError, match="No space left"):
        safeio.write_output(str(target), "new content " * 100)
    assert target.read_text(encoding="utf-8") == "old content"
    assert [p.name for p in tmp_path.iterdir()] == ["out.svg"], "the temporary file was left behind"


def test_a_write_replaces_the_file_keeping_its_mode(tmp_path: Path) -> None:
    from convcalc import safeio

    target = tmp_path / "out.svg"
    target.write_text("old", encoding="utf-8")
    target.chmod(0o640)
    safeio.write_output(str(target), "new")
    assert target.read_text(encoding="utf-8") == "new"
    assert target.stat().st_mode & 0o777 == 0o640


def test_writing_over_an_input_is_refused(tmp_path: Path) -> None:
    from convcalc import safeio

    spec = tmp_path / "net.yaml"
    spec.write_text("x: 1\n", encoding="utf-8")
    with pytest.raises(safeio.OutputError, match="refusing"):
        safeio.write_output(str(spec), "<svg/>", [str(spec)])
    assert spec.read_text(encoding="utf-8") == "x: 1\n"


# ----- escapes ---------------------------------------------------------------------------------


def test_terminal_escapes_every_control_character() -> None:
    from convcalc.render.escape import terminal

    shown = terminal("a\x1b[2J\x07\n\r\t\x9b\u202e\x00b")
    assert shown == "a\\x1b[2J\\x07\\n\\r\\t\\x9b\\u202e\\x00b"
    assert terminal("plain × text ≥ 1") == "plain × text ≥ 1"


@pytest.mark.parametrize(
    ("cell", "shown"),
    [("=1+1", "'=1+1"), ("+1", "'+1"), ("-cmd", "'-cmd"), ("@SUM(A1)", "'@SUM(A1)"), ("\t=1", "'\\t=1"),
     ("\r=1", "'\\r=1"), ("-1.5", "-1.5"), ("-1×-2", "-1×-2"), ("conv1", "conv1"), ("a\nb", "a\\nb"), (7, 7)],
)
def test_csv_cells_are_neutralised_as_owasp_says(cell: object, shown: object) -> None:
    from convcalc.render.escape import csv_cell

    assert csv_cell(cell) == shown


def test_markdown_and_xml_escapes() -> None:
    from convcalc.render.escape import markdown, xml

    assert markdown("a | b <script>[x](y)") == "a \\| b &lt;script&gt;\\[x\\](y)"
    assert xml('a\x01<b>&"\ufffe') == "a\\x01&lt;b&gt;&amp;&quot;\\ufffe"


def test_the_excerpt_under_an_error_is_cut_and_escaped() -> None:
    from convcalc.cli import EXCERPT_CHARS, source_excerpt
    from convcalc.errors import Diagnostic, Position

    source = "ok: 1\n" + "x" * 100_000 + "\x1b[2J" + "y" * 100 + "\n"
    diagnostic = Diagnostic("error", "yaml", "bad", "f.yaml", Position(2, 100_001))
    line, caret = source_excerpt(diagnostic, source).split("\n")
    assert "\x1b" not in line and "\\x1b[2J" in line
    assert len(line) < EXCERPT_CHARS + 40
    assert line.index("\\x1b") == caret.index("^")
