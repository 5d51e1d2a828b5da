"""``convcalc check``: analyze many specs, collect every problem, decide the exit code.

Exit codes as linters use them: 0 clean; 1 an error or an exceeded budget in
some spec (or any warning, with ``strict``); 2 the check could not run on some
path (missing, unreadable). Every path is checked even after a failure.
"""

from __future__ import annotations

import glob
import os

from .batch import batched
from .budget import BudgetLine, budget_diagnostics, check_budget
from .engine import DEFAULT_MAX_ROWS, analyze_spec
from .errors import CANNOT_RUN_CODES, EXIT_CANNOT_RUN, EXIT_OK, EXIT_PROBLEM, Diagnostic, SpecError
from .report import Report
from .spec import load_text, read_text_file
from .optimizers import DEFAULT_OPTIMIZER

SPEC_SUFFIXES = (".yaml", ".yml")


class FileResult:
    """One checked file: its report (when it analyzed), problems and budget lines."""

    __slots__ = ("file", "report", "diagnostics", "budget")

    def __init__(self, file: str) -> None:
        self.file = file
        self.report: Report | None = None
        self.diagnostics: list[Diagnostic] = []
        self.budget: list[BudgetLine] = []

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "error"]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "warning"]

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
    def exit_code(self) -> int:
        if any(f.could_not_run for f in self.files):
            return EXIT_CANNOT_RUN
        if self.errors or (self.strict and self.warnings):
            return EXIT_PROBLEM
        return EXIT_OK

    def summary(self) -> str:
        failed = sum(1 for f in self.files if f.errors or (self.strict and f.warnings))
        files = f"{len(self.files)} spec{'s' if len(self.files) != 1 else ''} checked"
        verdict = "all clean" if not failed else f"{failed} failed"
        return (
            f"{files}, {verdict}: {self.errors} error{'s' if self.errors != 1 else ''}, "
            f"{self.warnings} warning{'s' if self.warnings != 1 else ''}"
            + (" (--strict: warnings fail)" if self.strict and self.warnings else "")
        )


def expand_paths(arguments: list[str]) -> list[str]:
    """Files as given; directories searched for *.yaml/*.yml; unexpanded globs expanded.

    A path that matches nothing is kept, so that its check reports it missing;
    so is a directory without specs, so that a mistyped folder can't pass silently.
    """
    found: list[str] = []
    for argument in arguments:
        if os.path.isdir(argument):
            inside = []
            for root, dirs, files in os.walk(argument):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                inside += [os.path.join(root, f) for f in sorted(files) if f.endswith(SPEC_SUFFIXES)]
            found += inside or [argument]
        elif any(ch in argument for ch in "*?[") and not os.path.exists(argument):
            matches = sorted(glob.glob(argument, recursive=True))
            found += matches or [argument]
        else:
            found.append(argument)
    seen: set[str] = set()
    return [p for p in found if not (p in seen or seen.add(p))]  # type: ignore[func-returns-value]


def check_file(
    path: str,
    overrides: dict[str, int] | None = None,
    max_rows: int = DEFAULT_MAX_ROWS,
    batch: int = 1,
    optimizer: str = DEFAULT_OPTIMIZER,
) -> FileResult:
    result = FileResult(path)
    if os.path.isdir(path):
        result.diagnostics.append(Diagnostic("error", "file", "no *.yaml or *.yml specs in this directory", path))
        return result
    try:
        report = batched(analyze_spec(load_text(read_text_file(path), path), max_rows), batch)
    except SpecError as error:
        result.diagnostics.append(error.diagnostic)
        return result
    result.report = report
    result.budget = check_budget(report, report.budget, report.budget_positions, overrides, optimizer)
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
) -> CheckResult:
    return CheckResult(
        [check_file(path, overrides, max_rows, batch, optimizer) for path in expand_paths(arguments)], strict
    )
