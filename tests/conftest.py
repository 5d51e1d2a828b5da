"""Shared fixtures: the bundled specs folder and a helper to analyze inline YAML."""

from __future__ import annotations

import textwrap
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import settings

import convcalc

ROOT = Path(__file__).resolve().parent.parent
SPECS = ROOT / "specs"


@pytest.fixture
def specs_dir() -> Path:
    return SPECS


def analyze_yaml(text: str, **kwargs: object) -> convcalc.Report:
    """Analyze a spec written inline in a test (dedented)."""
    return convcalc.analyze(textwrap.dedent(text).lstrip("\n"), file="test.yaml", **kwargs)  # type: ignore[arg-type]


# Every property test runs under a deadline (a slow example is a finding, not a wait) with
# hypothesis' own bounds on example size; tests that need more say so in their settings.
settings.register_profile("convcalc", deadline=timedelta(seconds=5), print_blob=True)
settings.load_profile("convcalc")
