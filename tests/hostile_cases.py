"""The hostile corpus: files and command lines that attack convcalc's promises, each with its expected outcome.

A :class:`Case` is one command line (``convcalc`` + ``argv``) with the files
it reads, written fresh into a folder of its own (``{d}`` in an argument is
that folder, ``{f}`` its first file), and the standard streams it gets
(closed, full, a file). It names the exit status it must end with and, for
an error, the error code that must appear (``error[code]``).

Every case is run in a fresh process under resource limits by
:func:`run_cases` (``tests/test_hostile.py`` asserts the outcomes, time and
memory; ``benchmarks/hostile.py`` reports them). The files are generated
rather than committed: some are large, some are FIFOs, sparse files or
symbolic-link loops.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CPU_SECONDS = 2.0
"""Most CPU time (user + system) one case may take, Python's start-up included."""
MAX_RSS_MB = 200.0
"""Most resident memory one case may reach, Python's start-up included."""
WALL_TIMEOUT = 20.0
"""A case still running after this is a hang (the machine may be busy: CPU time is what is asserted)."""

HEADER = "input: {channels: 3, size: 8}\n"
Check = Callable[[str, str], None]


@dataclass
class Case:
    name: str
    argv: list[str]
    files: dict[str, bytes | str] = field(default_factory=dict)
    exit: int | tuple[int, ...] = 1
    code: str | None = None
    setup: Callable[[Path], None] | None = None
    stdin: bytes | str | None = None  # bytes, "closed", "zero" (/dev/zero), or None (/dev/null)
    stdout: str = "file"  # "file", "closed", "full"
    env: dict[str, str] = field(default_factory=dict)
    check: Check | None = None


@dataclass
class Outcome:
    case: Case
    status: int
    wall: float
    cpu: float
    rss_mb: float
    stdout: str
    stderr: str
    folder: Path


# ----- builders ------------------------------------------------------------------------


def spec(layers: str = "[relu]", extra: str = "", name: str | None = None) -> str:
    title = f"name: {json.dumps(name)}\n" if name is not None else ""
    return title + HEADER + f"layers: {layers}\n" + extra


def named_spec(name: str) -> str:
    """A valid spec whose one row has ``name`` (as a JSON string, which YAML reads as a double-quoted one)."""
    return f"name: {json.dumps(name)}\n" + HEADER + f"layers:\n  - conv: {{filters: 4, kernel: 3, name: {json.dumps(name)}}}\n"


def fifo(name: str) -> Callable[[Path], None]:
    return lambda folder: os.mkfifo(folder / name)


def sparse(name: str, size: int) -> Callable[[Path], None]:
    def make(folder: Path) -> None:
        with open(folder / name, "wb") as handle:
            handle.truncate(size)

    return make


def symlink_loops(folder: Path) -> None:
    tree = folder / "tree"
    (tree / "sub").mkdir(parents=True)
    (tree / "sub" / "net.yaml").write_text(spec(), encoding="utf-8")
    (tree / "net.yaml").write_text(spec(), encoding="utf-8")
    os.symlink(".", tree / "loop1")
    os.symlink(".", tree / "sub" / "loop2")
    os.symlink("..", tree / "sub" / "up")
    os.symlink("net.yaml", tree / "alias.yaml")


# ----- checks on the output ------------------------------------------------------------


def json_valid(stdout: str, stderr: str) -> None:
    json.loads(stdout)


def xml_valid(stdout: str, stderr: str) -> None:
    ET.fromstring(stdout)


def sarif_valid(stdout: str, stderr: str) -> None:
    document = json.loads(stdout)
    assert document["version"] == "2.1.0" and document["runs"][0]["results"], "SARIF without results"


def github_valid(stdout: str, stderr: str) -> None:
    lines = stdout.splitlines()
    assert all(line.startswith("::") for line in lines[:-1]), lines
    assert "checked" in lines[-1]


def lines_bounded(limit: int = 5000) -> Check:
    def check(stdout: str, stderr: str) -> None:
        longest = max((len(line) for line in (stdout + stderr).splitlines()), default=0)
        assert longest <= limit, f"a line of {longest:,} characters"

    return check


def one_error_line(stdout: str, stderr: str) -> None:
    """``check``'s text: exactly as many ``error[`` lines as the summary counts (no forged ones)."""
    lines = stdout.splitlines()
    errors = sum(": error[" in line for line in lines)
    summary = lines[-1]
    counted = int(summary.split(": ")[1].split(" error")[0])
    assert errors == counted, (errors, summary)


def csv_safe(stdout: str, stderr: str) -> None:
    import csv
    import io
    import re

    number = re.compile(r"^-?[0-9.]+(e[-+]?[0-9]+)?(×-?[0-9.]+(e[-+]?[0-9]+)?)*$")
    for row in csv.reader(io.StringIO(stdout)):
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")) or number.match(cell), cell


def no_markup(stdout: str, stderr: str) -> None:
    for raw in ("<script>", "<b>bold", "<img src", "| b <", "<!-- -->"):
        assert raw not in stdout, f"{raw!r} passed through"


def contains(*texts: str) -> Check:
    def check(stdout: str, stderr: str) -> None:
        for text in texts:
            assert text in stdout + stderr, f"{text!r} missing"

    return check


def lacks(*texts: str) -> Check:
    def check(stdout: str, stderr: str) -> None:
        for text in texts:
            assert text not in stdout + stderr, f"{text!r} present"

    return check


def all_of(*checks: Check) -> Check:
    def check(stdout: str, stderr: str) -> None:
        for one in checks:
            one(stdout, stderr)

    return check


# ----- the corpus ----------------------------------------------------------------------


def _yaml_cases() -> list[Case]:
    """Files the loader must refuse with a located error (each checked by `check` and `analyze`)."""
    huge_hex = "0x" + "f" * 5000
    files = {
        "bool-maybe": (spec(extra="x: !!bool maybe\n"), "yaml"),
        "bool-empty": (spec(extra='x: !!bool ""\n'), "yaml"),
        "int-empty": (spec(extra='x: !!int ""\n'), "yaml"),
        "float-empty": (spec(extra='x: !!float ""\n'), "yaml"),
        "int-word": (spec(extra="x: !!int seven\n"), "yaml"),
        "float-word": (spec(extra="x: !!float seven\n"), "yaml"),
        "int-sign-only": (spec(extra='x: !!int "-"\n'), "yaml"),
        "int-hex-5000-digits": (spec(extra=f"x: {huge_hex}\n"), "value"),
        "int-hex-80-digits-as-filters": (spec(layers="[{conv: {filters: 0x" + "f" * 80 + ", kernel: 3}}]"), "value"),
        "int-binary-4000-digits": (spec(extra="x: 0b" + "1" * 4000 + "\n"), "value"),
        "int-binary-99-digits": (spec(layers="[{conv: {filters: 0b" + "1" * 97 + ", kernel: 3}}]"), "value"),
        "int-octal-3000-digits": (spec(extra="x: 0" + "7" * 3000 + "\n"), "value"),
        "int-base60-2000-groups": (spec(extra="x: !!int " + ":".join(["59"] * 2000) + "\n"), "value"),
        "int-base60-33-groups": (spec(layers="[{conv: {filters: !!int " + ":".join(["59"] * 33) + ", kernel: 3}}]"), "value"),
        "int-decimal-5000-digits": (spec(extra="x: " + "9" * 5000 + "\n"), "value"),
        "int-decimal-100000-digits": (spec(extra="x: " + "9" * 100_000 + "\n"), "value"),
        "int-underscores": (spec(extra="x: !!int " + "1_" * 3000 + "1\n"), "value"),
        "float-5000-digits": (spec(extra="x: 0." + "1" * 5000 + "\n"), "value"),
        "float-exponent-huge": (spec(layers="[{conv: {filters: 1e999999999, kernel: 3}}]"), "type"),
        "float-nan-filters": (spec(layers="[{conv: {filters: .nan, kernel: 3}}]"), "type"),
        "alias-chain-3000": (
            "a0: &a0 [relu]\n" + "".join(f"a{i}: &a{i} [*a{i - 1}]\n" for i in range(1, 3000)) + spec(),
            "too-deep",
        ),
        "alias-chain-as-layers": (
            "a0: &a0 [relu]\n" + "".join(f"a{i}: &a{i} [*a{i - 1}]\n" for i in range(1, 400)) + HEADER + "layers: *a399\n",
            "too-deep",
        ),
        "alias-map-chain": (
            "a0: &a0 {x: 1}\n" + "".join(f"a{i}: &a{i} {{y: *a{i - 1}}}\n" for i in range(1, 2000)) + spec(),
            "too-deep",
        ),
        "alias-laughs-12-levels": (
            'l0: &l0 ["lol"]\n'
            + "".join(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 10) + "]\n" for i in range(1, 13))
            + spec(),
            "alias-bomb",
        ),
        "alias-wide-fanout": ("x: &x [relu]\ny: [" + ", ".join(["*x"] * 150_000) + "]\n" + spec(), "alias-bomb"),
        "alias-undefined": (spec(layers="*nowhere"), "yaml"),
        "alias-self": ("a: &a [*a]\n" + spec(), "yaml"),
        "anchor-twice": ("a: &x 1\nb: &x 2\n" + spec(), "yaml"),
        "merge-chain": (
            "m0: &m0 {a: 1}\n" + "".join(f"m{i}: &m{i} {{<<: *m{i - 1}, b{i}: 1}}\n" for i in range(1, 300)) + spec(),
            "too-deep",
        ),
        "merge-of-scalar": ("x: {<<: 3}\n" + spec(), "type"),
        "nesting-flow-100000": ("x: " + "[" * 100_000 + "]" * 100_000 + "\n" + spec(), "too-deep"),
        "nesting-flow-unclosed": ("x: " + "[" * 50_000 + "\n" + spec(), "too-deep"),
        "nesting-maps-5000": ("x: " + "{a: " * 5000 + "1" + "}" * 5000 + "\n" + spec(), "too-deep"),
        "nesting-block-300": (
            "x:\n" + "".join("  " * i + "- \n" for i in range(1, 300)) + spec(),
            ("too-deep", "yaml"),
        ),
        "many-values-300000": ("x: [" + ", ".join(["1"] * 300_000) + "]\n" + spec(), "too-large"),
        "many-keys-120000": ("x: {" + ", ".join(f"k{i}: 1" for i in range(120_000)) + "}\n" + spec(), "too-large"),
        "many-rows-written-out": (
            HEADER + "layers:\n" + "  - {conv: {filters: 4, kernel: 1}}\n" * 80_000,
            "too-large",
        ),
        "tag-python-object": (spec(extra="x: !!python/object/apply:os.system ['echo owned']\n"), "yaml-tag"),
        "tag-python-name": (spec(extra="x: !!python/name:os.system\n"), "yaml-tag"),
        "tag-binary": (spec(extra="x: !!binary aGVsbG8=\n"), "yaml-tag"),
        "tag-timestamp": (spec(extra="x: !!timestamp 2001-12-14\n"), "yaml-tag"),
        "tag-set": (spec(extra="x: !!set {a, b}\n"), "yaml-tag"),
        "tag-omap": (spec(extra="x: !!omap [a: 1]\n"), "yaml-tag"),
        "tag-custom-local": (spec(extra="x: !mine 1\n"), "yaml-tag"),
        "tag-verbatim": (spec(extra="x: !<tag:example.com,2000:x> 1\n"), "yaml-tag"),
        "raw-escape-in-plain": (spec(extra="x: a\x1b[2Jb\n"), "yaml"),
        "raw-nul": (spec(extra="x: a\x00b\n"), "encoding"),
        "raw-del-c1": (spec(extra="x: a\x7f\x85\x9bb\n"), ("yaml", "unknown-key")),
        "bad-utf8": (spec().encode() + b"x: \xff\xfe\n", "encoding"),
        "utf8-encoded-surrogate": (spec().encode() + b"x: \xed\xa0\x80\n", "encoding"),
        "utf16-with-bom": (spec().encode("utf-16"), "encoding"),
        "key-1mb": (HEADER + "layers: [relu]\n" + "k" * 1_000_000 + ": 1\n", ("unknown-key", "yaml")),
        "string-5mb-name": (HEADER + "layers: [relu]\nname: " + "n" * 5_000_000 + "\n", None),
        "two-documents": (spec() + "---\n" + spec(), "yaml"),
        "only-comments": ("# nothing\n" * 1000, "empty"),
        "whitespace-only": (" \n\t\n" * 100, ("empty", "yaml")),
        "scalar-document": ("just text\n", "type"),
        "list-document": ("[1, 2]\n", "type"),
        "complex-key": ("? [a, b]\n: 1\n" + spec(), "type"),
        "null-key": ("~: 1\n" + spec(), ("type", "unknown-key")),
        "directive-yaml-1.1": ("%YAML 1.1\n---\n" + spec(), None),
        "directive-tag-handle": ("%TAG !e! tag:example.com,2000:\n---\n" + spec(extra="x: !e!thing 1\n"), "yaml-tag"),
    }
    cases = []
    for name, (text, code) in files.items():
        codes = code if isinstance(code, tuple) else (code,)
        check_code = None if code is None or isinstance(code, tuple) else code
        clean = name in ("directive-yaml-1.1", "string-5mb-name")
        expected_exit = (0, 1) if clean else (2 if "file" in codes else 1)
        cases.append(
            Case(f"yaml/{name}", ["check", "{f}"], {"spec.yaml": text}, expected_exit, check_code, check=lines_bounded())
        )
    for name in ("bool-maybe", "int-hex-5000-digits", "alias-chain-3000", "int-base60-2000-groups", "key-1mb"):
        text, code = files[name]
        for fmt in ("json", "sarif", "github"):
            check = {"json": json_valid, "sarif": sarif_valid, "github": github_valid}[fmt]
            cases.append(
                Case(f"yaml/{name}/check-{fmt}", ["check", "--format", fmt, "{f}"], {"spec.yaml": text}, 1, None, check=check)
            )
        cases.append(
            Case(
                f"yaml/{name}/analyze",
                ["analyze", "{f}"],
                {"spec.yaml": text},
                1,
                code if isinstance(code, str) else None,
                check=lines_bounded(),
            )
        )
    return cases


def _file_cases() -> list[Case]:
    """Sources that are not spec files: devices, FIFOs, huge or sparse files, streams."""
    nine_mib = 9 * 2**20
    return [
        Case("file/dev-zero", ["analyze", "/dev/zero"], exit=2, code="file"),
        Case("file/dev-urandom", ["check", "/dev/urandom"], exit=2, code="file"),
        Case("file/dev-null", ["analyze", "/dev/null"], exit=2, code="file"),
        Case("file/fifo-no-writer", ["analyze", "{d}/pipe.yaml"], setup=fifo("pipe.yaml"), exit=2, code="file"),
        Case("file/fifo-in-check", ["check", "{d}/pipe.yaml"], setup=fifo("pipe.yaml"), exit=2, code="file"),
        Case("file/sparse-9mib", ["analyze", "{d}/big.yaml"], setup=sparse("big.yaml", nine_mib), exit=2, code="file"),
        Case("file/sparse-1tib", ["check", "{d}/big.yaml"], setup=sparse("big.yaml", 2**40), exit=2, code="file"),
        Case("file/9mib-of-comments", ["analyze", "{f}"], {"c.yaml": "#" * 1023 + "\n" * 1 + ("#" * 1023 + "\n") * 9215}, exit=2, code="file"),
        Case("file/7mib-of-comments", ["analyze", "{f}"], {"c.yaml": ("#" * 1023 + "\n") * 7000 + spec()}, exit=0),
        Case("file/7mib-one-string", ["analyze", "{f}"], {"c.yaml": spec(extra="description: " + "d" * 7_000_000 + "\n")}, exit=0),
        Case("file/directory", ["analyze", "{d}"], exit=2, code="file"),
        Case("file/directory-without-specs", ["check", "{d}"], exit=2, code="file"),
        Case("file/missing", ["analyze", "{d}/missing.yaml"], exit=2, code="file"),
        Case("file/empty-argument", ["analyze", ""], exit=2, code="file"),
        Case("file/name-too-long", ["analyze", "{d}/" + "n" * 5000 + ".yaml"], exit=2, code="file"),
        Case("file/empty", ["analyze", "{f}"], {"e.yaml": ""}, exit=1, code="empty"),
        Case("file/binary", ["analyze", "{f}"], {"b.yaml": b"\x89PNG\r\n\x1a\n\x00\x00\x00"}, exit=1, code="encoding"),
        Case(
            "file/name-with-escapes",
            ["analyze", "{d}/\x1b]0;owned\x07\x1b[2J.yaml"],
            exit=2,
            code="file",
            check=contains("\\x1b]0;owned\\x07"),
        ),
        Case(
            "file/name-with-newline-forges-nothing",
            ["check", "{d}/a\nb.yaml:1:1: error[fake]: x.yaml"],
            exit=2,
            code="file",
            check=one_error_line,
        ),
        Case("stdin/9mib", ["analyze", "-"], stdin=b"#" * (9 * 2**20), exit=2, code="file"),
        Case("stdin/dev-zero", ["analyze", "-"], stdin="zero", exit=2, code="file"),
        Case("stdin/closed", ["analyze", "-"], stdin="closed", exit=2, code="file"),
        Case("stdin/empty", ["analyze", "-"], stdin=b"", exit=1, code="empty"),
        Case("stdin/valid", ["analyze", "-", "--format", "json"], stdin=spec().encode(), exit=0, check=json_valid),
        Case("stdin/binary", ["check", "-"], stdin=b"\x00\x01\x02", exit=1, code="encoding"),
    ]


def _check_cases() -> list[Case]:
    """`check` over many files: one bad file gets its error, the others their results, every format valid."""
    mix = {
        "a-good.yaml": spec(),
        "b-bool-maybe.yaml": spec(extra="x: !!bool maybe\n"),
        "c-hex.yaml": spec(extra="x: 0x" + "f" * 5000 + "\n"),
        "d-alias-chain.yaml": "a0: &a0 [relu]\n" + "".join(f"a{i}: &a{i} [*a{i - 1}]\n" for i in range(1, 2000)) + spec(),
        "e-binary.yaml": b"\x00\x01",
        "f-forged.yaml": named_spec("x\nspecs/other.yaml:1:1: error[fake]: forged"),
        "g-escape.yaml": named_spec("\x1b]0;owned\x07\x1b[2J"),
        "h-good.yaml": spec(layers="[{conv: {filters: 2, kernel: 3}}]"),
    }
    cases = []
    checks = {"text": one_error_line, "json": json_valid, "github": github_valid, "sarif": sarif_valid}
    for fmt, check in checks.items():
        for strict in ([], ["--strict"]):
            cases.append(
                Case(
                    f"check/mix-{fmt}{'-strict' if strict else ''}",
                    ["check", "--format", fmt, *strict, "{d}"],
                    mix,
                    1,
                    None,
                    check=all_of(check, lines_bounded()),
                )
            )
    cases += [
        Case("check/mix-with-fifo", ["check", "{d}"], mix, setup=fifo("z-pipe.yaml"), exit=2, check=one_error_line),
        Case("check/good-file-still-reported", ["check", "--format", "json", "{d}"], mix, exit=1, check=contains('"ok": true')),
        Case("check/symlink-loops-glob", ["check", "{d}/tree/**/*.yaml"], setup=symlink_loops, exit=0, check=contains("2 specs checked")),
        Case("check/symlink-loops-dir", ["check", "{d}/tree"], setup=symlink_loops, exit=0, check=contains("2 specs checked")),
        Case(
            "check/same-file-twice",
            ["check", "{d}/tree/net.yaml", "{d}/tree/alias.yaml", "{d}/tree/./net.yaml", "{d}/tree"],
            setup=symlink_loops,
            exit=0,
            check=contains("2 specs checked"),
        ),
        Case("check/glob-matching-nothing", ["check", "{d}/nothing/**/*.yaml"], exit=2, code="file"),
        Case("check/budget-huge", ["check", "--max-params", "9" * 5000, "{f}"], {"s.yaml": spec()}, exit=2),
        Case("check/budget-exponent", ["check", "--max-macs", "1e999", "{f}"], {"s.yaml": spec()}, exit=2),
        Case("check/max-rows-huge", ["check", "--max-rows", "9" * 5000, "{f}"], {"s.yaml": spec()}, exit=2),
        Case("check/max-rows-zero", ["check", "--max-rows", "0", "{f}"], {"s.yaml": spec()}, exit=2),
    ]
    return cases


INJECTIONS = {
    "ansi-clear": "\x1b[2J\x1b[H",
    "osc-title": "\x1b]0;owned\x07",
    "osc-link": "\x1b]8;;https:evil.example\x1b\\click\x1b]8;;\x1b\\",
    "newline-forge": "conv\nspecs.yaml:1:1: error[fake]: forged",
    "carriage-return": "safe\rowned",
    "bidi-override": "abc\u202edcba",
    "rich-markup": "[link=https:evil.example]x[bold red]y",
    "rich-bad-markup": "[\\]x[",
    "csv-formula-eq": "=cmd|' -C calc'!A0",
    "csv-formula-at": "@SUM(1+1)*cmd|' -C calc'!A0",
    "csv-formula-plus": '+HYPERLINK("https:evil.example","x")',
    "csv-formula-minus": "-2+3+cmd|' -C calc'!A0",
    "csv-formula-tab": "\t=1+1",
    "markdown-pipe-script": "a | b <script>alert(1)",
    "html-tags": "<b>bold<img src=x onerror=alert(1)>",
    "xml-forbidden": "a\x01\x02\x0b\x0c\ufffe\uffffb",
    "xml-entities": "&amp; &lt; ]]> <!-- -->",
}
"""Row names (so no '/', which a row name cannot hold) that try to escape into an output."""


def _injection_cases() -> list[Case]:
    """Names that try to reach a terminal, spreadsheet, Markdown page, HTML page or SVG unescaped."""
    cases = []
    outputs = {
        "table": (["analyze", "{f}"], None),
        "json": (["analyze", "--format", "json", "{f}"], json_valid),
        "csv": (["analyze", "--format", "csv", "{f}"], csv_safe),
        "markdown": (["analyze", "--format", "markdown", "{f}"], no_markup),
        "html": (["analyze", "--format", "html", "{f}"], no_markup),
        "svg": (["draw", "{f}"], xml_valid),
        "check-text": (["check", "{f}", "--max-params", "1"], one_error_line),
        "compare": (["compare", "{f}", "{f}"], None),
        "compare-markdown": (["compare", "--format", "markdown", "{f}", "{f}"], no_markup),
        "compare-csv": (["compare", "--format", "csv", "{f}", "{f}"], csv_safe),
        "rf": (["rf", "{f}"], None),
    }
    terminal = ("ansi-clear", "osc-title", "osc-link", "newline-forge", "carriage-return", "bidi-override")
    wanted = {
        "table": set(INJECTIONS),
        "check-text": set(INJECTIONS),
        "json": {"ansi-clear", "newline-forge", "xml-forbidden"},
        "csv": {label for label in INJECTIONS if label.startswith("csv")},
        "compare-csv": {"csv-formula-eq", "csv-formula-minus"},
        "markdown": {"markdown-pipe-script", "html-tags", "xml-entities"},
        "html": {"markdown-pipe-script", "html-tags", "xml-entities", "xml-forbidden"},
        "compare-markdown": {"markdown-pipe-script", "html-tags"},
        "svg": {"xml-forbidden", "xml-entities", "html-tags", "ansi-clear"},
        "compare": {"rich-markup", "rich-bad-markup", *terminal[:4]},
        "rf": set(terminal[:4]),
    }
    for label, name in INJECTIONS.items():
        for output, (argv, check) in outputs.items():
            if label not in wanted[output]:
                continue
            expected = 1 if output == "check-text" else 0
            cases.append(Case(f"inject/{label}/{output}", argv, {"evil.yaml": named_spec(name)}, expected, check=check))
    return cases


def _conv_cases() -> list[Case]:
    """The teaching commands with numbers that would make them walk or build huge ranges."""
    big = str(2**31 - 1)
    lines: list[tuple[str, list[str], int]] = [
        ("conv-1000000001-k2-s2", ["conv", "1000000001", "--kernel", "2", "--stride", "2"], 0),
        ("conv-stride-1073741825", ["conv", big, "--kernel", "1", "--stride", "1073741825"], 0),
        ("conv-padding-100000000", ["conv", "7", "--kernel", "3", "--padding", "100000000"], 0),
        ("conv-padding-max-stride-3", ["conv", big, "--kernel", "2", "--padding", big, "--stride", "3"], 0),
        ("conv-transposed-stride-1e8", ["conv", "7", "--kernel", "3", "--transposed", "--stride", "100000000"], 0),
        ("conv-transposed-all-max", ["conv", big, "--kernel", big, "--transposed", "--stride", big, "--dilation", big], 0),
        ("conv-target-stride-1e8", ["conv", "7", "--kernel", "3", "--stride", "100000000", "--target", "1"], 0),
        ("conv-target-all-max", ["conv", big, "--kernel", big, "--stride", big, "--target", "1"], 0),
        ("conv-target-huge-kernel", ["conv", "5", "--kernel", big, "--target", "3"], 0),
        ("conv-target-too-large", ["conv", "7", "--kernel", "3", "--target", "9" * 5000], 2),
        ("conv-same-stride-huge", ["conv", "8x8x8", "--kernel", "3", "--padding", "same", "--stride", "1073741825"], 0),
        ("conv-dilation-max", ["conv", "7", "--kernel", "3", "--dilation", big], 1),
        ("conv-size-too-large", ["conv", "99999999999", "--kernel", "3"], 2),
        ("conv-size-5000-digits", ["conv", "9" * 5000, "--kernel", "3"], 2),
        ("conv-size-100000-digits", ["conv", "9" * 100_000, "--kernel", "3"], 2),
        ("conv-four-dims", ["conv", "1x2x3x4", "--kernel", "1"], 2),
        ("conv-many-x", ["conv", "x" * 50_000, "--kernel", "1"], 2),
        ("conv-fullwidth-digit", ["conv", "\uff17", "--kernel", "3"], 2),
        ("conv-negative", ["conv", "--kernel", "3", "--", "-7"], 2),
        ("conv-kernel-zero", ["conv", "7", "--kernel", "0"], 2),
        ("conv-escape-in-size", ["conv", "7\x1b[2J", "--kernel", "3"], 2),
        ("conv-output-padding-huge", ["conv", "7", "--kernel", "3", "--transposed", "--stride", big, "--output-padding", big], 2),
        ("draw-conv-1e9", ["draw", "conv", "1000000000", "--kernel", "3"], 2),
        ("draw-conv-max", ["draw", "conv", big, "--kernel", big], 2),
        ("draw-conv-padding-1e8", ["draw", "conv", "5", "--kernel", "3", "--padding", "100000000"], 2),
        ("draw-conv-transposed-stride-1e8", ["draw", "conv", "5", "--kernel", "3", "--transposed", "--stride", "100000000"], 2),
        ("draw-conv-dilation-max", ["draw", "conv", "5", "--kernel", "3", "--dilation", big], 2),
        ("draw-conv-frame-max", ["draw", "conv", "5", "--kernel", "3", "--frame", big], 2),
        ("draw-conv-frame-5000-digits", ["draw", "conv", "5", "--kernel", "3", "--frame", "9" * 5000], 2),
        ("draw-conv-same-huge-stride", ["draw", "conv", "8", "--kernel", "3", "--padding", "same", "--stride", big], 0),
        ("rf-2000-strided", ["rf", *(["3x3/2"] * 2000)], 2),
        ("rf-5000-plain", ["rf", *(["3x3"] * 5000)], 0),
        ("rf-10001-layers", ["rf", *(["3"] * 10_001)], 2),
        ("rf-max-strides", ["rf", *([f"{big}/{big}"] * 40)], 2),
        ("rf-huge-token", ["rf", "3" * 5000], 2),
        ("rf-not-square", ["rf", "3x5"], 2),
        ("rf-empty-stride", ["rf", "3/"], 2),
        ("rf-zero-dilation", ["rf", "3d0"], 2),
        ("rf-escape", ["rf", "3x3\x1b[2J"], 2),
    ]
    cases = [Case(f"cli/{name}", argv, exit=status, check=lines_bounded()) for name, argv, status in lines]
    many_rows = "input: {channels: 1, size: 4}\nlayers:\n  - relu: {repeat: 100000}\n"
    upsample = HEADER + "layers:\n  - sequence:\n      repeat: 20000\n      layers: [{upsample: {scale: 1.0000001}}]\n"
    shrink = "input: {channels: 1, size: 2147483647}\nlayers:\n  - conv: {filters: 1, kernel: 1, stride: 1073741825}\n"
    jumps = "input: {channels: 1, size: 1}\nlayers:\n  - sequence:\n      repeat: 60\n      layers: [{conv: {filters: 1, kernel: 1, stride: 2147483647}}]\n"
    cases += [
        Case("rf/upsample-20000", ["rf", "{f}"], {"u.yaml": upsample}, exit=0),
        Case("draw/100000-rows", ["draw", "{f}"], {"r.yaml": many_rows}, exit=2, check=contains("more than a drawing")),
        Case(
            "analyze/20000-rows-html-without-figure",
            ["analyze", "--format", "html", "{f}"],
            {"r.yaml": many_rows.replace("100000", "20000")},
            exit=0,
            check=lacks("<svg"),
        ),
        Case("analyze/upsample-20000-json", ["analyze", "--format", "json", "{f}"], {"u.yaml": upsample}, exit=0, check=json_valid),
        Case("analyze/stride-search-2147483647", ["analyze", "{f}"], {"s.yaml": shrink}, exit=0, check=contains("uneven-stride")),
        Case("check/stride-search-2147483647", ["check", "--strict", "{f}"], {"s.yaml": shrink}, exit=1, code="uneven-stride"),
        Case("analyze/jump-past-2^1000", ["analyze", "{f}"], {"j.yaml": jumps}, exit=1, code="too-large"),
    ]
    return cases


def _output_cases() -> list[Case]:
    """Where the output goes: missing folders, full devices, FIFOs, the spec itself, closed streams."""
    good = {"net.yaml": spec(name="Net ×")}
    return [
        Case("out/missing-folder", ["draw", "{f}", "-o", "{d}/no/such/x.svg"], good, 2),
        Case("out/dev-full", ["draw", "{f}", "-o", "/dev/full"], good, 2),
        Case("out/fifo-no-reader", ["draw", "{f}", "-o", "{d}/out.svg"], good, 2, setup=fifo("out.svg")),
        Case("out/over-the-spec", ["draw", "{f}", "-o", "{f}"], good, 2, check=contains("refusing")),
        Case("out/over-the-spec-by-link", ["draw", "{f}", "-o", "{d}/link.yaml"], good, 2, setup=lambda d: os.symlink("net.yaml", d / "link.yaml")),
        Case("out/a-directory", ["draw", "{f}", "-o", "{d}"], good, 2),
        Case("out/dash-is-stdout", ["draw", "{f}", "-o", "-"], good, 0, check=xml_valid),
        Case("out/conv-to-file", ["draw", "conv", "5", "--kernel", "3", "-o", "{d}/c.svg"], good, 0),
        Case("stdout/closed", ["analyze", "{f}"], good, 2, stdout="closed"),
        Case("stdout/full", ["analyze", "{f}"], good, 2, stdout="full"),
        Case("stdout/full-json", ["analyze", "--format", "json", "{f}"], good, 2, stdout="full"),
        Case("stdout/full-check", ["check", "{f}"], good, 2, stdout="full"),
        Case("stdout/closed-version", ["--version"], good, 2, stdout="closed"),
        Case("stdout/closed-but-unused", ["draw", "{f}", "-o", "{d}/x.svg"], good, 0, stdout="closed"),
        Case("encoding/ascii-table", ["analyze", "{f}"], good, 2, env={"PYTHONIOENCODING": "ascii"}),
        Case("encoding/ascii-json", ["analyze", "--format", "json", "{f}"], good, (0, 2), env={"PYTHONIOENCODING": "ascii"}),
        Case("encoding/ascii-conv", ["conv", "7", "--kernel", "3"], good, (0, 2), env={"PYTHONIOENCODING": "ascii"}),
        Case(
            "encoding/latin1-escape-names",
            ["analyze", "{f}"],
            {"e.yaml": named_spec("\x1b[2J\u202e")},
            (0, 2),
            env={"PYTHONIOENCODING": "latin-1"},
        ),
        Case(
            "inject/file-names-as-markup/compare",
            ["compare", "{d}/[link=https:evil]x.yaml", "{d}/[red]y[.yaml", "{d}/\x1b[2J.yaml"],
            {"[link=https:evil]x.yaml": spec(), "[red]y[.yaml": spec(), "\x1b[2J.yaml": spec()},
            0,
            check=contains("[link=https:evil]x", "[red]y[", "\\x1b[2J"),
        ),
    ]


def corpus() -> list[Case]:
    cases = _yaml_cases() + _file_cases() + _check_cases() + _injection_cases() + _conv_cases() + _output_cases()
    names = [case.name for case in cases]
    assert len(names) == len(set(names)), "two hostile cases share a name"
    return cases


# ----- running -------------------------------------------------------------------------


def _prepare(case: Case, folder: Path) -> list[str]:
    for name, content in case.files.items():
        data = content.encode("utf-8") if isinstance(content, str) else content
        (folder / name).write_bytes(data)
    if case.setup is not None:
        case.setup(folder)
    first = str(folder / next(iter(case.files))) if case.files else ""
    return [arg.replace("{d}", str(folder)).replace("{f}", first) for arg in case.argv]


_LAUNCHER = r"""
import json, os, resource, sys
report, close_in, close_out, argv = sys.argv[1], sys.argv[2] == "1", sys.argv[3] == "1", sys.argv[4:]
pid = os.fork()
if pid == 0:
    resource.setrlimit(resource.RLIMIT_AS, (2**30, 2**30))
    cpu = int(float(os.environ["HOSTILE_CPU_LIMIT"]))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
    if close_in:
        os.close(0)
    if close_out:
        os.close(1)
    os.execv(argv[0], argv)
_, status, usage = os.wait4(pid, 0)
with open(report, "w") as handle:
    json.dump({"status": os.waitstatus_to_exitcode(status), "maxrss": usage.ru_maxrss,
               "cpu": usage.ru_utime + usage.ru_stime}, handle)
"""
"""Runs one case and writes its exit status and resource use. A forked child's peak RSS starts at
its parent's, so the case is forked from this small process, never from pytest (which grows to
hundreds of MB in a full run and would be counted against every case)."""


class _Running:
    def __init__(self, case: Case, folder: Path) -> None:
        self.case = case
        self.folder = folder
        argv = _prepare(case, folder)
        self.out_path = folder.parent / (folder.name + ".stdout")
        self.err_path = folder.parent / (folder.name + ".stderr")
        env = {key: value for key, value in os.environ.items() if not key.startswith(("CONVCALC", "FORCE_COLOR"))}
        env.update({"PYTHONPATH": str(ROOT), "NO_COLOR": "1", "COLUMNS": "100"}, **case.env)
        stdin: object = subprocess.DEVNULL
        if isinstance(case.stdin, bytes):
            stdin_path = folder.parent / (folder.name + ".stdin")
            stdin_path.write_bytes(case.stdin)
            stdin = open(stdin_path, "rb")  # noqa: SIM115 - closed in finish()
        elif case.stdin == "zero":
            stdin = open("/dev/zero", "rb")  # noqa: SIM115
        stdout: object = open("/dev/full", "wb") if case.stdout == "full" else open(self.out_path, "wb")  # noqa: SIM115
        stderr = open(self.err_path, "wb")  # noqa: SIM115
        self.handles = [h for h in (stdin, stdout, stderr) if hasattr(h, "close")]
        self.usage_path = folder.parent / (folder.name + ".usage")
        env["HOSTILE_CPU_LIMIT"] = str(WALL_TIMEOUT)
        closed = ("1" if case.stdin == "closed" else "0", "1" if case.stdout == "closed" else "0")
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            [sys.executable, "-c", _LAUNCHER, str(self.usage_path), *closed, sys.executable, "-m", "convcalc", *argv],
            stdin=stdin,  # type: ignore[arg-type]
            stdout=stdout,  # type: ignore[arg-type]
            stderr=stderr,
            cwd=folder,
            env=env,
            start_new_session=True,
        )

    def poll(self) -> Outcome | None:
        wall = time.perf_counter() - self.started
        if self.process.poll() is None:
            if wall < WALL_TIMEOUT:
                return None
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        for handle in self.handles:
            handle.close()  # type: ignore[attr-defined]
        read = lambda path: path.read_bytes().decode("utf-8", "replace") if path.exists() else ""  # noqa: E731
        usage = json.loads(read(self.usage_path) or '{"status": -9, "maxrss": 0, "cpu": 0}')
        rss = usage["maxrss"] / (2**20 if sys.platform == "darwin" else 1024)
        return Outcome(
            self.case,
            usage["status"],
            wall,
            usage["cpu"],
            rss,
            read(self.out_path),
            read(self.err_path),
            self.folder,
        )


def run_cases(cases: list[Case], workdir: Path, parallel: int = 2) -> dict[str, Outcome]:
    """Run every case in a fresh process, ``parallel`` at a time; outcomes by case name."""
    pending = list(cases)
    running: list[_Running] = []
    done: dict[str, Outcome] = {}
    while pending or running:
        while pending and len(running) < parallel:
            case = pending.pop(0)
            folder = Path(tempfile.mkdtemp(prefix="case-", dir=workdir))
            running.append(_Running(case, folder))
        for job in list(running):
            outcome = job.poll()
            if outcome is not None:
                running.remove(job)
                done[job.case.name] = outcome
        time.sleep(0.003)
    return done


UNSAFE_OUTPUT = [chr(c) for c in (*range(0x00, 0x09), *range(0x0B, 0x20), 0x7F, 0x9B)]
"""Characters no output may carry raw (tab and newline are fine; CR counts as unsafe)."""


def problems(outcome: Outcome) -> list[str]:
    """Everything wrong with one outcome (empty when the case holds)."""
    case = outcome.case
    found = []
    text = outcome.stdout + outcome.stderr
    expected = case.exit if isinstance(case.exit, tuple) else (case.exit,)
    if outcome.status not in expected:
        found.append(f"exit {outcome.status}, expected {case.exit}")
    if "Traceback" in text or "internal error" in text or "Exception ignored" in text:
        found.append("a traceback or an internal error: " + text[-300:])
    if case.code is not None and f"[{case.code}]" not in text:
        found.append(f"no [{case.code}] in the output: {text[:300]!r}")
    raw = sorted({ch for ch in UNSAFE_OUTPUT if ch in text})
    if raw:
        found.append(f"raw control characters in the output: {raw!r}")
    if outcome.cpu > CPU_SECONDS:
        found.append(f"{outcome.cpu:.2f} s of CPU (limit {CPU_SECONDS} s)")
    if outcome.rss_mb > MAX_RSS_MB:
        found.append(f"{outcome.rss_mb:.0f} MB resident (limit {MAX_RSS_MB:.0f} MB)")
    if outcome.wall >= WALL_TIMEOUT:
        found.append("hung: killed after {WALL_TIMEOUT} s")
    if case.check is not None and not found:
        try:
            case.check(outcome.stdout, outcome.stderr)
        except Exception as error:  # noqa: BLE001 - reported as the case's problem
            found.append(f"output check failed: {type(error).__name__}: {str(error)[:300]}")
    return found
