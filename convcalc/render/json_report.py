"""The JSON report, format 1 (docs/spec-format.md): exact integers, shapes channels first."""

from __future__ import annotations

import json

from ..report import Report


def render_json(report: Report) -> str:
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n"
