"""The JSON report, format 1 (docs/spec-format.md): exact integers, shapes channels first.

Written one row per line with the C encoder (``json.dumps`` with ``indent``
falls back to the pure-Python encoder, several times slower on big reports).
"""

from __future__ import annotations

import json
from typing import Any

from ..report import Report


_dumps = json.JSONEncoder(ensure_ascii=False).encode


def render_document(data: dict[str, Any], listed: tuple[str, ...] = ("rows", "warnings")) -> str:
    """A mapping with one key per line and the ``listed`` lists one item per line."""
    parts = []
    for key, value in data.items():
        if key in listed and isinstance(value, list) and value:
            items = ",\n    ".join(_dumps(item) for item in value)
            text = f"[\n    {items}\n  ]"
        else:
            text = _dumps(value)
        parts.append(f"  {_dumps(key)}: {text}")
    return "{\n" + ",\n".join(parts) + "\n}\n"


def render_json(report: Report) -> str:
    return render_document(report.to_dict())
