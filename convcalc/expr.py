"""Integer expressions of block parameters: ``"${width * 4}"``.

A tiny recursive-descent parser over integers, parameter names, ``+ - * // %``,
parentheses, ``min(...)`` and ``max(...)``. Nothing is ever passed to
``eval``; anything else is a plain error.

>>> evaluate("width * 4", {"width": 64})
256
>>> evaluate("max(1, (c + 7) // 8 * 8 - 16)", {"c": 30})
16
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from .errors import LayerError

MAX_LENGTH = 1000
MAX_DIGITS = 60
MAX_NESTING = 50

_TOKEN = re.compile(r"\s*(?:(\d+)|([A-Za-z_][A-Za-z0-9_]*)|(//|[-+*%(),]))")


def tokenize(text: str) -> list[str]:
    tokens: list[str] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match:
            shown = text if len(text) <= 60 else text[:57] + "..."
            raise LayerError("expression", f"unexpected {text[pos:].strip()[:20]!r} in expression {shown!r}")
        tokens.append(match.group(match.lastindex or 0))
        pos = match.end()
    return tokens


class _Parser:
    def __init__(self, text: str, params: Mapping[str, Any]) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.pos = 0
        self.params = params
        self.depth = 0

    def fail(self, message: str) -> LayerError:
        shown = self.text if len(self.text) <= 60 else self.text[:57] + "..."
        return LayerError("expression", f"{message} in expression {shown!r}")

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self, expected: str | None = None) -> str:
        token = self.peek()
        if token is None or (expected is not None and token != expected):
            raise self.fail(f"expected {expected!r}" if expected else "unexpected end")
        self.pos += 1
        return token

    def parse(self) -> int:
        if not self.tokens:
            raise self.fail("empty expression")
        value = self.sum()
        if self.peek() is not None:
            raise self.fail(f"unexpected {self.peek()!r}")
        return value

    def sum(self) -> int:
        value = self.product()
        while self.peek() in ("+", "-"):
            op = self.take()
            right = self.product()
            value = value + right if op == "+" else value - right
        return value

    def product(self) -> int:
        value = self.unary()
        while self.peek() in ("*", "//", "%"):
            op = self.take()
            right = self.unary()
            if op == "*":
                value *= right
                if abs(value) >= 10**MAX_DIGITS:
                    raise self.fail("the value grows too large")
            elif right == 0:
                raise self.fail("division by zero")
            else:
                value = value // right if op == "//" else value % right
        return value

    def unary(self) -> int:
        sign = 1
        while self.peek() in ("-", "+"):
            if self.take() == "-":
                sign = -sign
        return sign * self.atom()

    def atom(self) -> int:
        token = self.take()
        if token == "(":
            return self.nested(self.sum, ")")
        if token.isdigit():
            if len(token) > MAX_DIGITS:
                raise self.fail("a number is too long")
            return int(token)
        if token in ("min", "max") and self.peek() == "(":
            self.take("(")
            values = self.nested(self.arguments, ")")
            return min(values) if token == "min" else max(values)
        if token[0].isalpha() or token[0] == "_":
            if self.peek() == "(":
                raise self.fail(f"{token}() is not allowed: only min() and max() can be called")
            return self.name(token)
        raise self.fail(f"unexpected {token!r}")

    def arguments(self) -> list[int]:
        values = [self.sum()]
        while self.peek() == ",":
            self.take()
            values.append(self.sum())
        return values

    def nested(self, parse: Any, closing: str) -> Any:
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise self.fail(f"parentheses nested deeper than {MAX_NESTING}")
        value = parse()
        self.take(closing)
        self.depth -= 1
        return value

    def name(self, token: str) -> int:
        if token not in self.params:
            known = ", ".join(sorted(self.params)) or "none"
            raise self.fail(f"unknown parameter {token!r} (parameters: {known})")
        value = self.params[token]
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(f"parameter {token!r} is {value!r}, not an integer")
        return value


_CALL = re.compile(r"([A-Za-z_][A-Za-z0-9_.]*)\s*\(")


def evaluate(text: str, params: Mapping[str, Any]) -> int:
    """The integer value of ``text``, or a LayerError (code ``expression``).

    Memoized on the text and the parameters it can see: every use of a block
    evaluates the same few expressions with the same values.
    """
    try:
        key = (text, tuple((name, type(value).__name__, value) for name, value in params.items()))
        hash(key)
    except TypeError:
        return _evaluate(text, params)
    return _cached(key)


@lru_cache(maxsize=4096)
def _cached(key: tuple[str, tuple[tuple[str, str, Any], ...]]) -> int:
    return _evaluate(key[0], {name: value for name, _, value in key[1]})


def _evaluate(text: str, params: Mapping[str, Any]) -> int:
    if len(text) > MAX_LENGTH:
        raise LayerError("expression", f"expression longer than {MAX_LENGTH} characters")
    if not text.strip():
        raise LayerError("expression", "empty expression '${}'")
    for match in _CALL.finditer(text):
        if match.group(1) not in ("min", "max"):
            raise LayerError(
                "expression", f"{match.group(1)}() is not allowed: only min() and max() can be called in {text!r}"
            )
    if "**" in text:
        raise LayerError("expression", f"'**' is not allowed (integers with + - * // % only) in {text!r}")
    if "/" in text.replace("//", ""):
        raise LayerError("expression", f"'/' is not allowed: use '//' for integer division in {text!r}")
    return _Parser(text, params).parse()
