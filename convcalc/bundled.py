"""The specs that ship with convcalc, found by bare name (``convcalc analyze alexnet``)."""

from __future__ import annotations

from pathlib import Path


def bundled_dir() -> Path | None:
    """Installed: ``convcalc/specs``; in a source checkout: the top-level ``specs/``."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "specs", here.parent / "specs"):
        if candidate.is_dir() and any(candidate.glob("*.yaml")):
            return candidate
    return None


def bundled_specs() -> dict[str, Path]:
    folder = bundled_dir()
    if folder is None:
        return {}
    return {path.stem: path for path in sorted(folder.glob("*.yaml"))}


def find_bundled(name: str) -> Path | None:
    """The bundled spec called ``name`` (with or without ``.yaml``), if any."""
    stem = name[:-5] if name.endswith(".yaml") else name
    if "/" in stem or "\\" in stem:
        return None
    return bundled_specs().get(stem)
