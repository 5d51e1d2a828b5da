"""The console script: answers ``--version`` before importing click, and keeps tracebacks off the screen."""

from __future__ import annotations

import os
import sys


def main() -> None:
    if sys.argv[1:] in (["--version"], ["-V"]):
        from . import __version__

        sys.stdout.write(f"convcalc, version {__version__}\n")
        return
    from .cli import main as cli

    try:
        cli(prog_name="convcalc", standalone_mode=True)
    except BrokenPipeError:
        # The reader (`| head`) went away: stop quietly, as Unix tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as error:  # noqa: BLE001 - the last line of defence: one line, never a traceback
        if os.environ.get("CONVCALC_DEBUG"):
            raise
        sys.stderr.write(
            f"convcalc: internal error: {type(error).__name__}: {error} "
            "(a bug: please report it with the spec; CONVCALC_DEBUG=1 shows the traceback)\n"
        )
        from .errors import EXIT_CANNOT_RUN

        sys.exit(EXIT_CANNOT_RUN)
