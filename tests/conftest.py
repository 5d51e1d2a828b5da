"""Shared fixtures: the bundled specs folder and a helper to analyze inline YAML."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

import convcalc

ROOT = Path(__file__).resolve().parent.parent
SPECS = ROOT / "specs"


@pytest.fixture
def specs_dir() -> Path:
    return SPECS


def analyze_yaml(text: str, **kwargs: object) -> convcalc.Report:
    """Analyze a spec written inline in a test (dedented)."""
    return convcalc.analyze(textwrap.dedent(text).lstrip("\n"), file="test.yaml", **kwargs)  # type: ignore[arg-type]
