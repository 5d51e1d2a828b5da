"""The console script: answers ``--version`` before importing click and the CLI."""

from __future__ import annotations

import sys


def main() -> None:
    if sys.argv[1:] in (["--version"], ["-V"]):
        from . import __version__

        sys.stdout.write(f"convcalc, version {__version__}\n")
        return
    from .cli import main as cli

    cli(prog_name="convcalc")
