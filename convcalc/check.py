"""``convcalc check``: analyze many specs, collect every problem, decide the exit code.

Exit codes as linters use them: 0 clean; 1 an error or an exceeded budget in
some spec (or any warning, with ``strict``; notes never fail); 2 the check could not run on some
path (missing, unreadable). Every path is checked even after a failure.
"""

from __future__ import annotations

import os
import re

from .batch import batched
from .budget import BudgetLine, budget_diagnostics, check_budget
from .config import Config, find_config
from .engine import DEFAULT_MAX_ROWS, analyze_spec
from .errors import CANNOT_RUN_CODES, EXIT_CANNOT_RUN, EXIT_OK, EXIT_PROBLEM, Diagnostic, SpecError, all_diagnostics
from .lint import Selection, select_report
from .optimizers import DEFAULT_OPTIMIZER
from .report import Report
from .safeio import path_text, read_spec_text
from .spec import load_text

SPEC_SUFFIXES = (".yaml", ".yml")
MAX_FILES = 100_000
"""Most files one check expands its paths to (a glob over a huge tree stops there)."""


class FileResult:
    """One checked file: its report (when it analyzed), problems and budget lines;
    ``strict``: its configuration makes warnings fail."""

    __slots__ = ("file", "report", "diagnostics", "budget", "strict")

    def __init__(self, file: str) -> None:
        self.file = file
        self.report: Report | None = None
        self.diagnostics: list[Diagnostic] = []
        self.budget: list[BudgetLine] = []
        self.strict = False

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "error"]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "warning"]

    @property
    def notes(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "note"]

    @property
    def could_not_run(self) -> bool:
        return any(d.code in CANNOT_RUN_CODES for d in self.errors)


class CheckResult:
    __slots__ = ("files", "strict")

    def __init__(self, files: list[FileResult], strict: bool = False) -> None:
        self.files = files
        self.strict = strict

    @property
    def errors(self) -> int:
        return sum(len(f.errors) for f in self.files)

    @property
    def warnings(self) -> int:
        return sum(len(f.warnings) for f in self.files)

    @property
    def notes(self) -> int:
        return sum(len(f.notes) for f in self.files)

    @property
    def exit_code(self) -> int:
        if any(f.could_not_run for f in self.files):
            return EXIT_CANNOT_RUN
        if any(self.failed(f) for f in self.files):
            return EXIT_PROBLEM
        return EXIT_OK

    def failed(self, f: FileResult) -> bool:
        return bool(f.errors or ((self.strict or f.strict) and f.warnings))

    def summary(self) -> str:
        failed = sum(1 for f in self.files if self.failed(f))
        files = f"{len(self.files)} spec{'s' if len(self.files) != 1 else ''} checked"
        verdict = "all clean" if not failed else f"{failed} failed"
        return (
            f"{files}, {verdict}: {self.errors} error{'s' if self.errors != 1 else ''}, "
            f"{self.warnings} warning{'s' if self.warnings != 1 else ''}"
            + (f", {self.notes} note{'s' if self.notes != 1 else ''}" if self.notes else "")
            + (" (--strict: warnings fail)" if self.strict and self.warnings else "")
            + (
                " (strict in the configuration: warnings fail)"
                if not self.strict and any(f.strict and f.warnings for f in self.files)
                else ""
            )
        )


def expand_paths(arguments: list[str]) -> list[str]:
    """Files as given; directories searched for *.yaml/*.yml; unexpanded globs expanded.

    A path that matches nothing is kept, so that its check reports it missing;
    so is a directory without specs, so that a mistyped folder can't pass silently.
    Directories are walked without following symbolic links to directories
    (so a link to ``.`` loops nowhere), and a file reached twice, by two
    arguments or through links, is checked once, under its first name.
    """
    found: list[str] = []
    for argument in arguments:
        if "\0" in argument:
            found.append(argument)
        elif os.path.isdir(argument):
            found += _walk(argument, None) or [argument]
        elif any(ch in argument for ch in "*?[") and not os.path.exists(argument):
            found += _glob(argument) or [argument]
        else:
            found.append(argument)
        if len(found) > MAX_FILES:
            break
    seen: set[object] = set()
    unique = []
    for path in found[:MAX_FILES]:
        key = _identity(path)
        if key not in seen:
            seen.add(key)
            unique.append(path)
    return unique


def _identity(path: str) -> object:
    """The file behind a path (device and inode), or the path itself when it cannot be stat'ed."""
    try:
        info = os.stat(path)
    except (OSError, ValueError):
        return path
    return (info.st_dev, info.st_ino)


def _walk(top: str, pattern: re.Pattern[str] | None) -> list[str]:
    """Spec files under ``top`` (hidden folders skipped, links to folders not followed), sorted;
    with ``pattern``, the files whose path matches it instead."""
    files = []
    for root, dirs, names in os.walk(top, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(names):
            path = os.path.join(root, name)
            if pattern is None:
                if name.endswith(SPEC_SUFFIXES):
                    files.append(path)
            elif pattern.match(path):
                files.append(path)
            if len(files) > MAX_FILES:
                return files
    return files


def _glob(argument: str) -> list[str]:
    """A glob (``**`` for any depth), matched while walking from its fixed leading folders,
    so that symbolic-link loops are never followed."""
    parts = argument.split(os.sep)
    fixed = []
    for part in parts[:-1]:
        if any(ch in part for ch in "*?["):
            break
        fixed.append(part)
    top = os.sep.join(fixed) if fixed else "."
    if fixed == [""]:
        top = os.sep
    pattern = re.compile(_glob_regex(argument if fixed else os.path.join(".", argument)))
    matches = _walk(top, pattern) if os.path.isdir(top) else []
    if not fixed:
        matches = [m[2:] if m.startswith("." + os.sep) else m for m in matches]
    return sorted(matches)


def _glob_regex(pattern: str) -> str:
    """As :mod:`glob` reads a pattern: ``**`` any folders (none included), ``*`` and ``?``
    within one name (not matching a leading dot), ``[...]`` a character class."""
    sep = re.escape(os.sep)
    out = []
    for index, part in enumerate(pattern.split(os.sep)):
        separator = sep if index else ""
        if part == "**":
            out.append(f"(?:{separator}[^{sep}]+)*" if index else f"(?:[^{sep}]+)?")
            continue
        name = [r"(?!\.)"] if part.startswith(("*", "?", "[")) else []
        i = 0
        while i < len(part):
            char = part[i]
            close = part.find("]", i + 2) if char == "[" else -1
            if char == "*":
                name.append(f"[^{sep}]*")
            elif char == "?":
                name.append(f"[^{sep}]")
            elif close > 0:
                inside = part[i + 1 : close]
                negate = inside.startswith("!")
                inside = inside[1:] if negate else inside
                name.append(("[^" if negate else "[") + inside.replace("\\", "\\\\") + "]")
                i = close
            else:
                name.append(re.escape(char))
            i += 1
        out.append(separator + "".join(name))
    return "".join(out) + r"\Z"


def check_file(
    path: str,
    overrides: dict[str, int] | None = None,
    max_rows: int = DEFAULT_MAX_ROWS,
    batch: int = 1,
    optimizer: str = DEFAULT_OPTIMIZER,
    selection: Selection | None = None,
    config: Config | None = None,
) -> FileResult:
    """One file's result, at ``batch`` (budget lines: see convcalc.budget); nothing one file
    does stops the others being checked.

    ``config`` (found upward from the file when None) adds its ignores, its
    selection when ``selection`` has none, its strictness and default budgets.
    """
    result = FileResult(path)
    chosen = selection or Selection()
    try:
        path_text(path)
        if config is None:
            config = find_config(os.getcwd() if path == "-" else path)
        result.strict = config.strict
        chosen = Selection(chosen.ignore | config.ignore, chosen.select if chosen.select is not None else config.select)
        if os.path.isdir(path):
            result.diagnostics.append(Diagnostic("error", "file", "no *.yaml or *.yml specs in this directory", path))
            return result
        report = batched(
            analyze_spec(load_text(read_spec_text(path), "<stdin>" if path == "-" else path), max_rows), batch
        )
    except SpecError as error:
        result.diagnostics += chosen.filter(all_diagnostics(error))
        return result
    except (RecursionError, MemoryError, ValueError, OverflowError) as error:
        # A last line of defence: this file gets the error, the other files their results.
        message = f"could not be analyzed ({type(error).__name__}); please report this spec as a bug"
        result.diagnostics.append(Diagnostic("error", "internal", message, path))
        return result
    result.report = select_report(report, chosen)
    result.budget = check_budget(report, report.budget, report.budget_positions, overrides, optimizer, config.budget)
    result.diagnostics += budget_diagnostics(result.budget, path)
    result.diagnostics += report.warnings
    return result


def check_paths(
    arguments: list[str],
    overrides: dict[str, int] | None = None,
    strict: bool = False,
    max_rows: int = DEFAULT_MAX_ROWS,
    batch: int = 1,
    optimizer: str = DEFAULT_OPTIMIZER,
    selection: Selection | None = None,
) -> CheckResult:
    """Check every spec the arguments name; each file under the configuration found from its
    folder (read once per folder)."""
    configs: dict[str, Config] = {}
    files = []
    for path in expand_paths(arguments):
        folder = os.getcwd() if path == "-" else os.path.dirname(os.path.abspath(path))
        try:
            if folder not in configs:
                configs[folder] = find_config(folder)
        except SpecError as error:
            failed = FileResult(path)
            failed.diagnostics.append(error.diagnostic)
            files.append(failed)
            continue
        files.append(check_file(path, overrides, max_rows, batch, optimizer, selection, configs[folder]))
    return CheckResult(files, strict)
