"""Which diagnostics are shown: suppression and selection, as ruff and yamllint do it.

Four ways, from the narrowest scope to the widest:

- an inline comment ``# convcalc: ignore[CODE, ...]`` on an entry's line
  silences those codes of the diagnostics located on that line;
- a per-entry key ``ignore: [CODE, ...]`` silences them on the entry's rows
  (for a composite or a block use, every row inside it);
- ``--ignore CODE`` / ``--select CODE`` on the command line;
- a configuration file found upward from the spec (:mod:`convcalc.config`).

Only warnings and notes can be silenced: an error means there is no report
to show, and an exceeded budget is what a budget is for.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .errors import Diagnostic
from .report import Report

_INLINE = re.compile(r"#\s*convcalc:\s*ignore\[([^\]\n]*)\]")
CODE = re.compile(r"[a-z][a-z0-9-]*\Z")


def inline_ignores(text: str) -> dict[int, frozenset[str]]:
    """Line number → the codes an inline ``# convcalc: ignore[...]`` comment on it names."""
    found: dict[int, frozenset[str]] = {}
    if "convcalc:" not in text:
        return found
    for number, line in enumerate(text.splitlines(), 1):
        if "convcalc:" in line:
            codes = [code for match in _INLINE.finditer(line) for code in split_codes(match.group(1))]
            if codes:
                found[number] = frozenset(codes)
    return found


def split_codes(text: str) -> list[str]:
    """``"a, b"`` → ``["a", "b"]`` (commas or spaces separate)."""
    return [part for part in re.split(r"[\s,]+", text.strip()) if part]


def silenceable(diagnostic: Diagnostic) -> bool:
    return diagnostic.severity in ("warning", "note")


class Selection:
    """Codes shown: none of ``ignore``, and only ``select`` when it is given."""

    __slots__ = ("ignore", "select")

    def __init__(self, ignore: Iterable[str] = (), select: Iterable[str] | None = None) -> None:
        self.ignore = frozenset(ignore)
        self.select = frozenset(select) if select is not None else None

    def __repr__(self) -> str:
        select = sorted(self.select) if self.select is not None else None
        return f"Selection(ignore={sorted(self.ignore)}, select={select})"

    def keeps(self, diagnostic: Diagnostic) -> bool:
        if not silenceable(diagnostic):
            return True
        if diagnostic.code in self.ignore:
            return False
        return self.select is None or diagnostic.code in self.select

    def filter(self, diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
        return [d for d in diagnostics if self.keeps(d)]


def _entry_silences(diagnostic: Diagnostic, entries: dict[str, frozenset[str]]) -> bool:
    """The row of ``diagnostic`` or one of its ancestors carries ``ignore:`` naming its code."""
    path = diagnostic.row
    while path:
        codes = entries.get(path)
        if codes is not None and diagnostic.code in codes:
            return True
        path = path.rpartition("/")[0]
    return False


def silenced(diagnostic: Diagnostic, lines: dict[int, frozenset[str]]) -> bool:
    """An inline ``# convcalc: ignore[...]`` comment on the diagnostic's line names its code."""
    return silenceable(diagnostic) and diagnostic.code in lines.get(diagnostic.position.line, ())


def suppress(
    report: Report, entries: dict[str, frozenset[str]], lines: dict[int, frozenset[str]]
) -> None:
    """Drop from ``report``'s rows the diagnostics an ``ignore:`` key or an inline comment silences."""
    if not entries and not lines:
        return
    for row in report.rows:
        if row.warnings:
            row.warnings = tuple(
                d
                for d in row.warnings
                if not (silenced(d, lines) or (silenceable(d) and _entry_silences(d, entries)))
            )


def select_report(report: Report, selection: Selection) -> Report:
    """``report`` with only the diagnostics ``selection`` keeps (the rows themselves changed)."""
    for row in report.rows:
        if row.warnings:
            row.warnings = tuple(selection.filter(row.warnings))
    return report
