"""``convcalc check`` output: text lines, JSON, GitHub workflow commands, SARIF 2.1.0."""

from __future__ import annotations

from typing import Any

from .. import __version__
from ..check import CheckResult
from ..errors import Diagnostic
from .escape import diagnostic_line, json_text, terminal

CHECK_FORMAT = 1

RULES = {
    "uneven-stride": "The stride does not divide the padded input: the output is floored.",
    "pool-padding": "Pool padding is more than half the kernel; PyTorch refuses it.",
    "budget": "A measured cost exceeds the spec's or the command line's budget.",
}


def render_text(result: CheckResult) -> str:
    lines = [diagnostic_line(d) for f in result.files for d in f.diagnostics]
    lines.append(result.summary())
    return "\n".join(lines) + "\n"


def render_json(result: CheckResult) -> str:
    files: list[dict[str, Any]] = []
    for f in result.files:
        files.append(
            {
                "file": f.file,
                "ok": not f.errors and not (result.strict and f.warnings),
                "errors": len(f.errors),
                "warnings": len(f.warnings),
                "notes": len(f.notes),
                "output_shape": list(f.report.output_shape) if f.report else None,
                "totals": f.report.totals.to_dict() if f.report else None,
                "budget": [
                    {
                        "key": line.key,
                        "limit": list(line.limit) if isinstance(line.limit, tuple) else line.limit,
                        "measured": list(line.measured) if isinstance(line.measured, tuple) else line.measured,
                        "ok": line.ok,
                        "source": line.source,
                    }
                    for line in f.budget
                ],
                "diagnostics": [d.to_dict() for d in f.diagnostics],
            }
        )
    document = {
        "convcalc_check": CHECK_FORMAT,
        "version": __version__,
        "strict": result.strict,
        "exit_code": result.exit_code,
        "summary": {
            "files": len(result.files),
            "errors": result.errors,
            "warnings": result.warnings,
            "notes": result.notes,
        },
        "files": files,
    }
    return json_text(document)


def _escape_data(text: str) -> str:
    """GitHub's escapes for a workflow command (``%``, CR, LF), other control characters shown as escapes."""
    return terminal(text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_command(d: Diagnostic) -> str:
    """``::error file=…,line=…,col=…,title=…::message``: GitHub annotates the pull request."""
    properties = [f"file={_escape_property(d.file)}"]
    if d.position.line:
        properties += [f"line={d.position.line}", f"col={d.position.column}"]
    properties.append(f"title={_escape_property(f'convcalc {d.severity}[{d.code}]')}")
    message = f"{d.row}: {d.message}" if d.row else d.message
    command = "notice" if d.severity == "note" else d.severity
    return f"::{command} {','.join(properties)}::{_escape_data(message)}"


def render_github(result: CheckResult) -> str:
    lines = [github_command(d) for f in result.files for d in f.diagnostics]
    lines.append(result.summary())
    return "\n".join(lines) + "\n"


def render_sarif(result: CheckResult) -> str:
    diagnostics = [d for f in result.files for d in f.diagnostics]
    codes = sorted({d.code for d in diagnostics})
    rules = [
        {
            "id": code,
            "name": code,
            "shortDescription": {"text": RULES.get(code, f"convcalc error {code}")},
        }
        for code in codes
    ]
    results = []
    for d in diagnostics:
        location: dict[str, Any] = {"artifactLocation": {"uri": d.file.replace("\\", "/")}}
        if d.position.line:
            location["region"] = {"startLine": d.position.line, "startColumn": max(d.position.column, 1)}
        entry: dict[str, Any] = {
            "ruleId": d.code,
            "ruleIndex": codes.index(d.code),
            "level": d.severity,
            "message": {"text": f"{d.row}: {d.message}" if d.row else d.message},
            "locations": [{"physicalLocation": location}],
        }
        if d.row:
            entry["locations"][0]["logicalLocations"] = [{"fullyQualifiedName": d.row, "kind": "member"}]
        results.append(entry)
    document = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "convcalc",
                        "version": __version__,
                        "rules": rules,
                    }
                },
                "results": results,
            }
        ],
    }
    return json_text(document)


RENDERERS = {"text": render_text, "json": render_json, "github": render_github, "sarif": render_sarif}
