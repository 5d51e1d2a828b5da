"""Numbers for people: K/M/G suffixes both ways, bytes with SI and binary units.

>>> human(62378344)
'62.4M'
>>> human(1135256096)
'1.14G'
>>> human_bytes(1161600)
'1.16 MB'
>>> parse_quantity("1.2G")
1200000000
>>> parse_quantity("120MB", unit="bytes")
120000000
>>> parse_quantity("1GiB", unit="bytes")
1073741824
"""

from __future__ import annotations

import re

from .errors import shorten

_SUFFIXES = ((10**12, "T"), (10**9, "G"), (10**6, "M"), (10**3, "K"))
_BYTE_SUFFIXES = ((10**12, "TB"), (10**9, "GB"), (10**6, "MB"), (10**3, "KB"))

_MULTIPLIERS = {
    "": 1,
    "K": 10**3,
    "M": 10**6,
    "G": 10**9,
    "T": 10**12,
}
_BYTE_MULTIPLIERS = {
    "B": 1,
    "KB": 10**3,
    "MB": 10**6,
    "GB": 10**9,
    "TB": 10**12,
    "KIB": 2**10,
    "MIB": 2**20,
    "GIB": 2**30,
    "TIB": 2**40,
}

MAX_QUANTITY = 10**30
MAX_QUANTITY_CHARS = 60
"""Longest quantity text read (``1,000,000,000,000,000,000,000,000,000,000`` has 41 characters)."""
_QUANTITY = re.compile(r"^\s*([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE]([+-]?[0-9]{1,3}))?\s*([A-Za-z]*)\s*$")


def _scaled(value: int, suffixes: tuple[tuple[int, str], ...], sep: str) -> str:
    """Three significant digits in the largest unit that keeps the number ≥ 1."""
    ladder = list(reversed(suffixes))
    if abs(value) < ladder[0][0]:
        return str(value)
    for index, (scale, suffix) in enumerate(ladder):
        last = index + 1 == len(ladder)
        if not last and abs(value) >= ladder[index + 1][0]:
            continue
        text = f"{value / scale:.3g}"
        if "e" in text or abs(float(text)) >= 1000:
            if not last:
                continue
            text = f"{value / scale:.0f}"
        return f"{text}{sep}{suffix}"
    return str(value)


def human(value: int) -> str:
    """Three significant digits with K/M/G/T (powers of 1000)."""
    return _scaled(value, _SUFFIXES, "")


def human_bytes(value: int) -> str:
    """Bytes in SI units (KB = 1000 B), as disk and memory vendors write them."""
    if abs(value) < 1000:
        return f"{value} B"
    return _scaled(value, _BYTE_SUFFIXES, " ")


def exact(value: int) -> str:
    return f"{value:,}"


def parse_quantity(text: str | int | float, unit: str = "count") -> int:
    """``70M`` → 70,000,000; with ``unit='bytes'`` also KB/MB/GB and KiB/MiB/GiB.

    Exact (decimal arithmetic); a result that is not a whole number is an error.
    """
    if isinstance(text, bool):
        raise ValueError(f"expected a number, got {text!r}")
    if isinstance(text, int):
        if text < 0:
            raise ValueError(f"expected a number ≥ 0, got {text}")
        return text
    if isinstance(text, float):
        text = repr(text)
    if not isinstance(text, str):
        shown = "a mapping" if isinstance(text, dict) else "a list" if isinstance(text, list) else repr(text)
        raise ValueError(f"expected a number with an optional K/M/G suffix, got {shown}")
    if len(text) > MAX_QUANTITY_CHARS:
        raise ValueError(f"{shorten(text, 40)!r} is too long for a quantity (at most {MAX_QUANTITY_CHARS} characters)")
    match = _QUANTITY.match(text)
    if not match:
        raise ValueError(f"expected a number with an optional K/M/G suffix, got {text!r}")
    number, exponent, suffix = match.groups()
    table = dict(_MULTIPLIERS)
    if unit == "bytes":
        table.update(_BYTE_MULTIPLIERS)
    key = suffix.upper()
    if key not in table:
        options = "K, M, G, T" + (", B, KB, MB, GB, KiB, MiB, GiB" if unit == "bytes" else "")
        raise ValueError(f"unknown unit {suffix!r} in {text!r} (use {options})")
    from decimal import Decimal, InvalidOperation

    try:
        value = Decimal(number) * (Decimal(10) ** int(exponent or 0)) * table[key]
    except InvalidOperation:
        raise ValueError(f"not a number: {text!r}") from None
    if value > MAX_QUANTITY:
        raise ValueError(f"{text!r} is too large")
    if value != value.to_integral_value():
        raise ValueError(f"{text!r} is not a whole number")
    return int(value)


def unit_required(text: str | int) -> None:
    """A byte budget names its unit: ``120`` alone could be bytes or megabytes (ValueError)."""
    bare = str(text).strip()
    if bare.replace("_", "").replace(".", "", 1).isdigit():
        raise ValueError(f"a byte budget needs a unit: {bare}MB, {bare}MiB, or {bare}B for bytes")
