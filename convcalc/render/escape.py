"""User text made safe for each output format, in one place.

Names, types, file names and messages come from specs, which anyone can
write. Before they reach an output:

- terminal text: control characters (C0, DEL, C1), line and paragraph
  separators and bidirectional overrides are shown as escapes (``\\x1b``,
  ``\\n``), so no name can move the cursor, set a window title, or start a
  line that looks like another diagnostic; overlong fields are shortened;
- rich: cells are passed as :class:`rich.text.Text`, never as markup;
- CSV: control characters escaped as for a terminal; cells that a spreadsheet would run as a formula (starting with
  ``= + - @``, tab or CR) get a leading ``'``, as OWASP recommends (plain
  numbers such as ``-1.5`` stay numbers);
- Markdown: HTML-escaped, and the characters that make tables, links or
  emphasis backslash-escaped;
- HTML and SVG/XML: characters XML forbids are shown as escapes, then
  ``& < > "`` are entity-escaped, so the document is well-formed.
"""

from __future__ import annotations

import html
import re
from typing import Any

from ..errors import shorten

MAX_FIELD_CHARS = 2000
"""Longest file name, row path or message shown in one diagnostic line; longer ones keep both ends."""

_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^-?[0-9]+(\.[0-9]+)?(e[-+]?[0-9]+)?(×-?[0-9]+(\.[0-9]+)?(e[-+]?[0-9]+)?)*$")
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_~\[\]|])")


def _escaped(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def terminal(text: str) -> str:
    """Text safe to print on a terminal: every control character shown as an escape."""
    return _UNSAFE.sub(_escaped, text)


def diagnostic_line(diagnostic: Any) -> str:
    """``file:line:col: severity[code]: row: message``, each field escaped and bounded."""
    where = f"{terminal(shorten(diagnostic.file, MAX_FIELD_CHARS))}:{diagnostic.position.line}:{diagnostic.position.column}"
    row = f"{terminal(shorten(diagnostic.row, MAX_FIELD_CHARS))}: " if diagnostic.row else ""
    message = terminal(shorten(diagnostic.message, MAX_FIELD_CHARS))
    return f"{where}: {diagnostic.severity}[{terminal(diagnostic.code)}]: {row}{message}"


def csv_cell(value: Any) -> Any:
    """A CSV cell no spreadsheet runs as a formula (numbers pass as they are), control characters escaped."""
    if not isinstance(value, str):
        return value
    if value.startswith(_FORMULA_START) and not _NUMBER.match(value):
        value = "'" + value
    return terminal(value)


def csv_row(values: Any) -> list[Any]:
    return [csv_cell(value) for value in values]


def markdown(text: str) -> str:
    """Inline Markdown text: no HTML, no table breaks, no links or emphasis."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", html.escape(terminal(text), quote=False))


def xml_chars(text: str) -> str:
    """Characters XML 1.0 forbids (and C1 controls) shown as escapes."""
    return _XML_FORBIDDEN.sub(_escaped, text)


def xml(text: str) -> str:
    """Text for an XML or HTML element or a double-quoted attribute."""
    return html.escape(xml_chars(text), quote=True)


def json_text(document: Any) -> str:
    """Indented JSON that any UTF-8 writer can write: lone surrogates (from undecodable
    file names) become ``\\udcxx`` escapes, which JSON reads back as the same string."""
    import json

    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    return text.encode("utf-8", "backslashreplace").decode("utf-8")
