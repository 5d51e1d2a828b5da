"""The specs that ship with convcalc, found by bare name (``convcalc analyze alexnet``)."""

from __future__ import annotations

import os


def bundled_dir() -> str | None:
    """Installed: ``convcalc/specs``; in a source checkout: the top-level ``specs/``."""
    here = os.path.dirname(os.path.abspath(__file__))
    for candidate in (os.path.join(here, "specs"), os.path.join(os.path.dirname(here), "specs")):
        if os.path.isdir(candidate) and any(name.endswith(".yaml") for name in os.listdir(candidate)):
            return candidate
    return None


def bundled_specs() -> dict[str, str]:
    """Bundled spec names and their paths, by name."""
    folder = bundled_dir()
    if folder is None:
        return {}
    names = sorted(name for name in os.listdir(folder) if name.endswith(".yaml"))
    return {name[: -len(".yaml")]: os.path.join(folder, name) for name in names}


def find_bundled(name: str) -> str | None:
    """The bundled spec called ``name`` (with or without ``.yaml``), if any."""
    stem = name[:-5] if name.endswith(".yaml") else name
    if "/" in stem or "\\" in stem:
        return None
    return bundled_specs().get(stem)


def bundled_label(name: str) -> str:
    """How a bundled spec used by name is shown in messages and reports: ``alexnet (bundled)``."""
    stem = name[:-5] if name.endswith(".yaml") else name
    return f"{stem} (bundled)"
