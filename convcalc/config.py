"""Project configuration, found upward from a spec as ruff finds its own.

From the spec's folder up to the root, the first folder with either file wins:

- ``convcalc.toml``, its keys at the top level;
- ``pyproject.toml`` with a ``[tool.convcalc]`` table (one without it is passed over).

In one folder ``convcalc.toml`` comes first. Keys::

    strict = true                    # warnings fail `convcalc check`
    ignore = ["uneven-stride"]       # codes never shown
    select = ["unused", "layout"]    # only these codes shown (warnings and notes)
    [budget]                         # [tool.convcalc.budget] in pyproject.toml
    params = "25.6M"                 # default budgets: a spec's own budget wins, then the command line
    memory = "120MB"

TOML is read by :mod:`tomllib` (Python ≥ 3.11) or ``tomli``; neither is
imported unless a configuration file is found.
"""

from __future__ import annotations

import os
from typing import Any

from .errors import SpecError
from .record import FrozenRecord

FILES = ("convcalc.toml", "pyproject.toml")
KEYS = ("strict", "ignore", "select", "budget")
MAX_CONFIG_BYTES = 1 << 20


class Config(FrozenRecord):
    """One configuration file, read. ``path`` is empty for the defaults (no file found)."""

    __slots__ = ("path", "strict", "ignore", "select", "budget")

    def __init__(
        self,
        path: str = "",
        strict: bool = False,
        ignore: frozenset[str] = frozenset(),
        select: frozenset[str] | None = None,
        budget: dict[str, Any] | None = None,
    ) -> None:
        self.path = path
        self.strict = strict
        self.ignore = ignore
        self.select = select
        self.budget = budget if budget is not None else {}


DEFAULT = Config()


def _toml(path: str) -> dict[str, Any]:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_CONFIG_BYTES + 1)
    except OSError as exc:
        raise SpecError.at("config", f"cannot read: {exc.strerror or exc}", file=path) from None
    if len(raw) > MAX_CONFIG_BYTES:
        raise SpecError.at("config", "is larger than 1 MiB: not a configuration file", file=path)
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SpecError.at("config", f"is not valid TOML: {exc}", file=path) from None


def _table(path: str) -> dict[str, Any] | None:
    """The convcalc table of ``path``, or None for a pyproject.toml without one."""
    document = _toml(path)
    if os.path.basename(path) == "convcalc.toml":
        return document
    tool = document.get("tool")
    table = tool.get("convcalc") if isinstance(tool, dict) else None
    return table if isinstance(table, dict) else None


def find_config(start: str) -> Config:
    """The configuration that applies to a spec in (or at) ``start``; the defaults if none."""
    folder = os.path.abspath(start if os.path.isdir(start) else os.path.dirname(start) or ".")
    while True:
        for name in FILES:
            path = os.path.join(folder, name)
            if os.path.isfile(path):
                table = _table(path)
                if table is not None:
                    return read_config(table, path)
        parent = os.path.dirname(folder)
        if parent == folder:
            return DEFAULT
        folder = parent


def _codes(table: dict[str, Any], key: str, path: str) -> frozenset[str] | None:
    from .lint import CODE

    value = table.get(key)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) and CODE.match(v) for v in value):
        raise SpecError.at("config", f"{key} must be a list of codes such as [\"uneven-stride\"]", file=path)
    return frozenset(value)


def read_config(table: dict[str, Any], path: str) -> Config:
    from .args import suggest
    from .spec import BUDGET_KEYS
    from .units import parse_quantity, unit_required

    for key in table:
        if key not in KEYS:
            hint = suggest(key, KEYS)
            raise SpecError.at("config", f"unknown key {key!r}" + (f" ({hint})" if hint else ""), file=path)
    strict = table.get("strict", False)
    if not isinstance(strict, bool):
        raise SpecError.at("config", "strict must be true or false", file=path)
    budget_table = table.get("budget", {})
    if not isinstance(budget_table, dict):
        raise SpecError.at("config", "budget must be a table such as {params = \"25.6M\"}", file=path)
    budget: dict[str, Any] = {}
    for key, value in budget_table.items():
        unit = BUDGET_KEYS.get(key)
        if unit is None or unit == "shape":
            raise SpecError.at("config", f"budget: {key!r} is no budget a configuration can set", file=path)
        try:
            if unit == "bytes":
                unit_required(value)
            budget[key] = parse_quantity(value, unit)
        except ValueError as exc:
            raise SpecError.at("config", f"budget {key}: {exc}", file=path) from None
    return Config(path, strict, _codes(table, "ignore", path) or frozenset(), _codes(table, "select", path), budget)
