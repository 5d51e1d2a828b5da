"""Diagnostics: one exception type for errors, one record type for warnings.

Formulas raise plain :class:`LayerError`; the reader and the evaluator add the location
(file, line, column, row path) and re-raises :class:`SpecError`, which is
what the library's callers see. The CLI prints either as
``file:line:col: error[code]: row: message``.
"""

from __future__ import annotations

from .record import FrozenRecord

EXIT_OK, EXIT_PROBLEM, EXIT_CANNOT_RUN = 0, 1, 2
"""Exit statuses, as linters use them: clean; a problem in a spec; the command could not run."""

CANNOT_RUN_CODES = frozenset({"file", "config"})
"""Error codes that mean the spec could not be read at all (exit status 2)."""


def shorten(text: str, limit: int = 300) -> str:
    """``text`` if short, else its start and end around ``…``: messages echo user text, bounded."""
    if len(text) <= limit:
        return text
    half = (limit - 1) // 2
    return f"{text[:half]}…{text[-half:]}"


class Position(FrozenRecord):
    """1-based line and column in a spec file; ``0`` means unknown."""

    __slots__ = ("line", "column")

    def __init__(self, line: int = 0, column: int = 0) -> None:
        self.line = line
        self.column = column


NOWHERE = Position()


class Diagnostic(FrozenRecord):
    """A located message of one row (or of the file), at a severity as linters have them:
    ``error`` (the spec cannot be analyzed), ``warning`` (analyzed, but probably not what
    was meant; fails ``check --strict``), ``note`` (worth knowing; never fails)."""

    __slots__ = ("severity", "code", "message", "file", "position", "row", "hint")

    def __init__(
        self,
        severity: str,  # "error" | "warning" | "note"
        code: str,
        message: str,
        file: str = "<spec>",
        position: Position = NOWHERE,
        row: str = "",
        hint: str = "",
    ) -> None:
        self.severity = severity
        self.code = code
        self.message = message
        self.file = file
        self.position = position
        self.row = row
        self.hint = hint

    def format(self) -> str:
        where = f"{self.file}:{self.position.line}:{self.position.column}"
        row = f"{self.row}: " if self.row else ""
        return f"{where}: {self.severity}[{self.code}]: {row}{self.message}"

    def to_dict(self) -> dict[str, object]:
        return {
            "file": self.file,
            "line": self.position.line,
            "column": self.position.column,
            "row": self.row,
            "severity": self.severity,
            "code": self.code,
            "message": self.message,
        }


class ConvcalcError(Exception):
    """Base class of every error convcalc raises on purpose."""


class LayerError(ConvcalcError):
    """A rule was broken; raised without a location, which the caller adds."""

    def __init__(self, code: str, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.hint = hint
        self.others: list[LayerError] = []
        """More errors found with this one (the other bad args of one entry)."""


class SpecError(ConvcalcError):
    """A spec could not be analyzed. Carries a full :class:`Diagnostic`."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(diagnostic.format())
        self.diagnostic = diagnostic

    @property
    def code(self) -> str:
        return self.diagnostic.code

    @classmethod
    def at(
        cls,
        code: str,
        message: str,
        *,
        file: str = "<spec>",
        position: Position = NOWHERE,
        row: str = "",
        hint: str = "",
    ) -> SpecError:
        return cls(Diagnostic("error", code, message, file, position, row, hint))


MAX_ERRORS = 50
"""Most errors one spec reports; past it the analysis stops."""


class SpecErrors(SpecError):
    """Several diagnostics of one spec, sorted by position. ``diagnostic`` is the first
    error (the one a single-error caller sees), ``diagnostics`` all of them: the errors,
    and the warnings found before them that explain them (an input read channels first)."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        super().__init__(next(d for d in diagnostics if d.severity == "error"))
        self.diagnostics = diagnostics


class Problems:
    """The errors found so far while reading and evaluating one spec.

    An error at a position and code already noted (an entry of a block used
    several times) is noted once. The :data:`MAX_ERRORS`-th ends the analysis.
    """

    def __init__(self) -> None:
        self.found: list[Diagnostic] = []
        self.seen: set[tuple[int, int, str, str]] = set()

    def __bool__(self) -> bool:
        return bool(self.found)

    def record(self, error: SpecError) -> None:
        d = error.diagnostic
        key = (d.position.line, d.position.column, d.code, d.message.partition(" (in block ")[0])
        if key not in self.seen:
            self.seen.add(key)
            self.found.append(d)
        if len(self.found) >= MAX_ERRORS:
            raise self.error()

    def error(self, warnings: list[Diagnostic] | None = None) -> SpecError:
        ordered = sorted([*self.found, *(warnings or ())], key=lambda d: (d.position.line, d.position.column))
        if len(ordered) == 1:
            return SpecError(ordered[0])
        return SpecErrors(ordered)


def all_diagnostics(error: SpecError) -> list[Diagnostic]:
    """Every diagnostic an error carries (one, or a :class:`SpecErrors`' several)."""
    return list(error.diagnostics) if isinstance(error, SpecErrors) else [error.diagnostic]
