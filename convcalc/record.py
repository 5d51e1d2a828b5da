"""Plain slotted records for the classes every run creates.

``@dataclass`` writes each class's methods with ``exec`` at import time,
about a millisecond per class; two dozen of them were a tenth of
``convcalc analyze``'s start-up. These records spell out ``__init__`` and
take ``__repr__``, ``__eq__`` (and, for frozen ones, ``__hash__``) from
``__slots__``.
"""

from __future__ import annotations

from typing import Any


class Record:
    """Equality and repr over ``__slots__``; mutable, unhashable."""

    __slots__: tuple[str, ...] = ()

    def _fields(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"{type(self).__name__}({shown})"

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._fields() == other._fields()  # type: ignore[attr-defined]

    __hash__ = None  # type: ignore[assignment]


class FrozenRecord(Record):
    """A record that is never changed after ``__init__``: hashable."""

    __slots__ = ()

    def __hash__(self) -> int:  # type: ignore[override]
        return hash((type(self).__name__, self._fields()))
