"""The bad-spec corpus: realistic mistakes and hostile files, each with its exact error line.

``tests/bad_specs/NN-short-name.yaml`` is a spec a pull request could carry;
``NN-short-name.expected`` next to it holds the one line ``convcalc check``
must print first for it, ``{file}:line:col: error[code]: row: message``, with
the path written as ``{file}``; an optional ``NN-short-name.args`` holds extra
command-line options (``--max-rows 10000`` keeps a row bomb quick here; the
benchmark runs it at the default cap). Each file runs through the real CLI (click's
CliRunner): the first output line must be exactly the expected one, the exit
status 1 (2 when the file cannot be read at all), and nothing may crash.

Where today's output is wrong or unclear, the ``.expected`` file says what it
should be and :data:`KNOWN_WRONG` gives the reason; those cases are strict
xfails, so fixing one makes its test fail until it is taken off the list.

Time and memory per file are not asserted here (that would be flaky);
``benchmarks/hostile.py`` measures them in fresh processes.

To add a case: write ``NN-short-name.yaml`` (or add it to
``bad_specs/make_hostile_specs.py`` if it is easier generated than typed),
run ``convcalc check`` on it, read the line critically, and save the line as
it should be in ``NN-short-name.expected``.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from convcalc.cli import main

CORPUS = Path(__file__).resolve().parent / "bad_specs"
NAME = re.compile(r"^\d\d-[a-z0-9]+(-[a-z0-9]+)*$")
HAS_LIBYAML = hasattr(yaml, "CSafeLoader")
"""YAML syntax messages are libyaml's (convcalc uses it when present); PyYAML alone words them differently."""

KNOWN_WRONG: dict[str, str] = {}


def corpus_names() -> list[str]:
    return sorted(path.stem for path in CORPUS.glob("*.yaml"))


def expected_line(name: str) -> str:
    return (CORPUS / f"{name}.expected").read_text(encoding="utf-8").rstrip("\n")


def is_yaml_syntax(name: str) -> bool:
    return "error[yaml]: YAML syntax: " in expected_line(name)


def _params() -> list:
    params = []
    for name in corpus_names():
        marks = []
        # Without libyaml only the position and code of a YAML syntax error are compared,
        # so a KNOWN_WRONG message about libyaml's wording cannot be judged there.
        if name in KNOWN_WRONG and (HAS_LIBYAML or not is_yaml_syntax(name)):
            marks.append(pytest.mark.xfail(strict=True, reason=KNOWN_WRONG[name]))
        params.append(pytest.param(name, id=name, marks=marks))
    return params


SEVERAL_MISTAKES = {"48-unknown-key-pytorch-name": 2}  # out_channels and kernel_size, both reported (issue 13)


@pytest.mark.parametrize("name", _params())
def test_bad_spec_gives_its_error_line(name: str) -> None:
    path = CORPUS / f"{name}.yaml"
    expected = expected_line(name).replace("{file}", str(path))
    code = re.search(r": error\[([a-z-]+)\]: ", expected)
    assert code, f"{name}.expected is not an error line: {expected}"

    options = (CORPUS / f"{name}.args").read_text().split() if (CORPUS / f"{name}.args").exists() else []

    result = CliRunner().invoke(main, ["check", *options, str(path)])

    output = result.output  # stdout and stderr, as a terminal shows them
    assert "Traceback" not in output, output
    assert result.exception is None or isinstance(result.exception, SystemExit), f"crashed: {result.exception!r}"
    assert result.exit_code == (2 if code.group(1) == "file" else 1), (result.exit_code, output)
    lines = result.stdout.splitlines()
    assert lines, output
    if not HAS_LIBYAML and is_yaml_syntax(name):
        prefix = expected.split("YAML syntax: ")[0] + "YAML syntax: "
        assert lines[0].startswith(prefix), (lines[0], prefix)
    else:
        assert lines[0] == expected
    assert sum(": error[" in line for line in lines) == SEVERAL_MISTAKES.get(name, 1), output


# ----- the corpus itself ---------------------------------------------------------------


def test_corpus_is_big_and_well_formed() -> None:
    names = corpus_names()
    assert len(names) >= 40
    for name in names:
        assert NAME.match(name), f"{name}: not NN-short-name"
        assert (CORPUS / f"{name}.expected").is_file(), f"{name}.yaml has no .expected"
        lines = (CORPUS / f"{name}.expected").read_text(encoding="utf-8").splitlines()
        assert len(lines) == 1 and lines[0].startswith("{file}:"), f"{name}.expected: one line starting {{file}}:"
    numbers = [name[:2] for name in names]
    assert len(numbers) == len(set(numbers)), "two corpus files share a number"
    orphans = {p.stem for p in [*CORPUS.glob("*.expected"), *CORPUS.glob("*.args")]} - set(names)
    assert not orphans, f".expected or .args files without a spec: {sorted(orphans)}"
    strays = [
        path.name
        for path in CORPUS.iterdir()
        if path.name not in {".gitattributes", "make_hostile_specs.py", "__pycache__"}
        and not (NAME.match(path.stem) and path.suffix in {".yaml", ".expected", ".args"})
    ]
    assert not strays, f"files that are not corpus cases: {strays}"


def test_corpus_holds_no_stray_files() -> None:
    """Only NN-name.{yaml,expected,args} and the generator. Twelve files named after
    .expected lines were once written here by a shell one-liner, ``awk '{print length > $0 "..."}'``
    (awk's ``>`` redirects to a file, it does not compare)."""
    allowed = re.compile(r"^\d\d-[a-z0-9]+(-[a-z0-9]+)*\.(yaml|expected|args)$")
    stray = [p.name for p in CORPUS.iterdir() if p.name not in ("make_hostile_specs.py", "__pycache__", ".gitattributes")]
    assert not [name for name in stray if not allowed.match(name)]


def test_known_wrong_names_exist() -> None:
    assert set(KNOWN_WRONG) <= set(corpus_names())


def test_generated_files_are_up_to_date() -> None:
    """The committed generated files are byte for byte what make_hostile_specs.py writes."""
    sys.path.insert(0, str(CORPUS))
    try:
        import make_hostile_specs
    finally:
        sys.path.remove(str(CORPUS))
    for file_name, content in make_hostile_specs.FILES.items():
        assert (CORPUS / file_name).read_bytes() == content, f"{file_name}: rerun make_hostile_specs.py"
