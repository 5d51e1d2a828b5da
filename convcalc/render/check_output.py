"""``convcalc check`` output: text lines, JSON, GitHub workflow commands, SARIF 2.1.0."""

from __future__ import annotations

import os
from typing import Any

from .. import __version__
from ..check import CheckResult
from ..errors import Diagnostic
from ..rules import describe
from .escape import diagnostic_line, json_text, terminal

CHECK_FORMAT = 1



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


def artifact_uri(path: str) -> str:
    """A path as a SARIF artifact URI: relative paths percent-encoded (``my%20net.yaml``),
    absolute ones as ``file:`` URIs."""
    from urllib.parse import quote

    text = path.replace("\\", "/")
    if os.path.isabs(path):
        return "file://" + quote(text if text.startswith("/") else "/" + text)
    return quote(text)


def fingerprint(d: Diagnostic) -> str:
    """Stable across runs and unrelated edits: the file, code, row and message (not the line)."""
    from hashlib import sha256

    return sha256("\0".join((d.file, d.code, d.row, d.message)).encode("utf-8", "replace")).hexdigest()[:32]


def _rule(code: str, level: str) -> dict[str, Any]:
    summary, help_text = describe(code)
    return {
        "id": code,
        "name": "".join(part.capitalize() for part in code.split("-")),
        "shortDescription": {"text": summary},
        "fullDescription": {"text": f"{summary} {help_text}"},
        "help": {"text": help_text, "markdown": help_text},
        "defaultConfiguration": {"level": level},
    }


def render_sarif(result: CheckResult) -> str:
    """SARIF 2.1.0, with what GitHub code scanning shows: every rule used with its
    descriptions and help, every result with a region and a fingerprint."""
    diagnostics = [d for f in result.files for d in f.diagnostics]
    levels: dict[str, str] = {}
    for d in diagnostics:
        levels.setdefault(d.code, d.severity)
    codes = sorted(levels)
    rules = [_rule(code, levels[code]) for code in codes]
    results = []
    for d in diagnostics:
        location: dict[str, Any] = {
            "artifactLocation": {"uri": artifact_uri(d.file)},
            # A file-level diagnostic (no line) points at the file's start.
            "region": {"startLine": max(d.position.line, 1), "startColumn": max(d.position.column, 1)},
        }
        entry: dict[str, Any] = {
            "ruleId": d.code,
            "ruleIndex": codes.index(d.code),
            "level": d.severity,
            "message": {"text": f"{d.row}: {d.message}" if d.row else d.message},
            "locations": [{"physicalLocation": location}],
            "partialFingerprints": {"convcalcDiagnostic/v1": fingerprint(d)},
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
