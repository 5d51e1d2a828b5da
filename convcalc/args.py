"""Argument schemas: one generic checker for the keys of every layer type.

A layer declares its keys as ``{name: Arg(check, default)}``; ``check`` turns a
plain YAML value into a Python value or raises :class:`LayerError`. Values
that depend on the number of spatial dimensions (``kernel: 3`` or
``kernel: [1, 7]``) are checked here for type and range and spread over the
dimensions later, by :func:`per_dim`, when the input shape is known.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from .errors import LayerError
from .record import FrozenRecord

MAX_INT = 2**31 - 1
"""Largest count or size accepted anywhere in a spec."""

REQUIRED: Any = object()

Check = Callable[[str, Any], Any]


class Arg(FrozenRecord):
    """One key of a layer type: its check, and its default (or REQUIRED)."""

    __slots__ = ("check", "default", "doc")

    def __init__(self, check: Check, default: Any = REQUIRED, doc: str = "") -> None:
        self.check = check
        self.default = default
        self.doc = doc


def describe(value: Any) -> str:
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, str):
        return f"the string {value!r}" if len(value) <= 60 else f"the string {value[:57]!r}..."
    if isinstance(value, float):
        return f"the float {value!r}"
    if value is None:
        return "null"
    if isinstance(value, list):
        shown = repr(value)
        return f"the list {shown}" if len(shown) <= 60 else f"a list of {len(value):,} items"
    if isinstance(value, dict):
        return "a mapping"
    shown = repr(value)
    return shown if len(shown) <= 60 else shown[:57] + "..."


def yaml_text(value: Any) -> str:
    """A value as YAML writes it: true, null, 2, 'text'."""
    if isinstance(value, bool):
        return str(value).lower()
    if value is None:
        return "null"
    return repr(value)


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _integer(key: str, value: Any, minimum: int, what: str) -> int:
    if not is_int(value):
        raise LayerError("type", f"{key} must be {what}, got {describe(value)}")
    if value < minimum:
        raise LayerError("value", f"{key} must be {what}, got {value}")
    if value > MAX_INT:
        raise LayerError("value", f"{key} is too large ({value:,} > {MAX_INT:,})")
    return value


def count(key: str, value: Any) -> int:
    """An integer ≥ 1."""
    return _integer(key, value, 1, "a positive integer")


def nonnegative(key: str, value: Any) -> int:
    return _integer(key, value, 0, "an integer ≥ 0")


def integer(key: str, value: Any) -> int:
    return _integer(key, value, -MAX_INT, "an integer")


def boolean(key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise LayerError("type", f"{key} must be true or false, got {describe(value)}")
    return value


def counts(key: str, value: Any) -> int | tuple[int, ...]:
    """A positive integer, or a list of them (one per spatial dimension)."""
    if isinstance(value, list):
        if not value:
            raise LayerError("value", f"{key} must not be an empty list")
        return tuple(_integer(key, v, 1, "a positive integer or a list of them") for v in value)
    return _integer(key, value, 1, "a positive integer or a list of them")


def nonnegatives(key: str, value: Any) -> int | tuple[int, ...]:
    if isinstance(value, list):
        if not value:
            raise LayerError("value", f"{key} must not be an empty list")
        return tuple(_integer(key, v, 0, "an integer ≥ 0 or a list of them") for v in value)
    return _integer(key, value, 0, "an integer ≥ 0 or a list of them")


def real(minimum: float | None = None, maximum: float | None = None, *, open_max: bool = False) -> Check:
    def check(key: str, value: Any) -> float:
        if not is_number(value) or value != value:
            raise LayerError("type", f"{key} must be a number, got {describe(value)}")
        if minimum is not None and value < minimum:
            raise LayerError("value", f"{key} must be ≥ {minimum}, got {value}")
        if maximum is not None and (value >= maximum if open_max else value > maximum):
            bound = f"< {maximum}" if open_max else f"≤ {maximum}"
            raise LayerError("value", f"{key} must be {bound}, got {value}")
        return value

    return check


def choice(*options: str) -> Check:
    def check(key: str, value: Any) -> str:
        if not isinstance(value, str) or value not in options:
            raise LayerError(
                "value", f"{key} must be one of {', '.join(options)}, got {describe(value)}", suggest(value, options)
            )
        return value

    return check


def positive_numbers(key: str, value: Any) -> float | tuple[float, ...]:
    """A number > 0, or a list of them (upsample's scale)."""
    items = value if isinstance(value, list) else [value]
    if not items:
        raise LayerError("value", f"{key} must not be an empty list")
    for v in items:
        if not is_number(v) or v != v or v in (float("inf"), float("-inf")):
            raise LayerError("type", f"{key} must be a positive number or a list of them, got {describe(v)}")
        if v <= 0:
            raise LayerError("value", f"{key} must be > 0, got {v}")
    return tuple(items) if isinstance(value, list) else value


PADDING_WORDS = ("valid", "same", "half", "full")

PadSpec = Any  # int | str | tuple[int | tuple[int, int], ...]


def _pad_item(key: str, value: Any) -> int | tuple[int, int]:
    if isinstance(value, list):
        if len(value) != 2:
            raise LayerError("value", f"{key}: a per-side padding is a [lo, hi] pair, got {value!r}")
        return (
            _integer(key, value[0], 0, "an integer ≥ 0"),
            _integer(key, value[1], 0, "an integer ≥ 0"),
        )
    return _integer(key, value, 0, "an integer ≥ 0, a [lo, hi] pair, or a list of them")


def numeric_padding(key: str, value: Any) -> PadSpec:
    """A number, or a list per dimension of numbers or [lo, hi] pairs."""
    if isinstance(value, list):
        if not value:
            raise LayerError("value", f"{key} must not be an empty list")
        return tuple(_pad_item(key, v) for v in value)
    if isinstance(value, str):
        raise LayerError("value", f"{key} must be numeric here, got {describe(value)}")
    return _pad_item(key, value)


def padding(key: str, value: Any) -> PadSpec:
    """Numeric padding, or one of valid, same, half, full."""
    if isinstance(value, str):
        if value not in PADDING_WORDS:
            raise LayerError(
                "value",
                f"{key} must be a number, a list, or one of {', '.join(PADDING_WORDS)}; got {describe(value)}",
                suggest(value, PADDING_WORDS),
            )
        return value
    return numeric_padding(key, value)


def per_dim(key: str, value: Any, ndim: int) -> tuple[Any, ...]:
    """Spread a scalar over ``ndim`` dimensions; check a list's length."""
    if isinstance(value, tuple):
        if len(value) != ndim:
            dims = {1: "1-D", 2: "2-D", 3: "3-D"}.get(ndim, f"{ndim}-D")
            raise LayerError(
                "value", f"{key} has {len(value)} values but the input is {dims}: give one number or {ndim}"
            )
        return value
    return (value,) * ndim


def pad_pairs(key: str, value: PadSpec, ndim: int) -> tuple[tuple[int, int], ...]:
    """Numeric padding as one (lo, hi) pair per dimension."""
    items = per_dim(key, value, ndim)
    return tuple(v if isinstance(v, tuple) else (v, v) for v in items)


def suggest(word: Any, options: Iterable[str]) -> str:
    if not isinstance(word, str):
        return ""
    import difflib

    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else ""


SYNONYMS = {
    "out_channels": "filters",
    "num_filters": "filters",
    "channels": "filters",
    "kernel_size": "kernel",
    "pool_size": "kernel",
    "strides": "stride",
    "dilation_rate": "dilation",
    "out_features": "units",
    "features": "units",
    "use_bias": "bias",
    "p": "rate",
    "negative_slope": "slope",
    "num_groups": "groups",
    "output_size": "output",
    "scale_factor": "scale",
}
"""Other tools' names for convcalc's keys (PyTorch, Keras), for "did you mean"."""


def check_args(schema: dict[str, Arg], given: dict[str, Any], where: str) -> dict[str, Any]:
    """Check ``given`` against ``schema``; fill defaults.

    Raises the first LayerError, carrying the others in ``others``: every
    unknown key, then every bad value in the schema's order, the missing keys in one
    error where the first of them comes (a missing key that an unknown key's hint names is left out: the hint says it).
    """
    problems: list[LayerError] = []
    meant: set[str] = set()
    for key in given:
        if key not in schema:
            valid = ", ".join(sorted(schema)) or "none"
            synonym = SYNONYMS.get(key)
            hint = f"did you mean {synonym!r}?" if synonym in schema else suggest(key, schema)
            if hint:
                meant.add(hint.split("'")[1])
            problems.append(
                LayerError(
                    "unknown-key",
                    f"unknown key {key!r} for {where}" + (f" ({hint})" if hint else f" (valid: {valid})"),
                    hint,
                )
            )
    values: dict[str, Any] = {}
    missing: list[str] = []
    missing_at = 0
    for key, arg in schema.items():
        if key in given and given[key] is not None:
            try:
                values[key] = arg.check(key, given[key])
            except LayerError as exc:
                problems.append(exc)
        elif arg.default is REQUIRED:
            if key not in meant:
                if not missing:
                    missing_at = len(problems)
                missing.append(repr(key))
        else:
            values[key] = arg.default
    if missing:
        problems.insert(missing_at, LayerError("missing-key", f"{where} needs {' and '.join(missing)}"))
    if problems:
        first = problems[0]
        first.others = problems[1:]
        raise first
    return values
