"""The console script: answers ``--version`` before importing click, and keeps tracebacks off the screen.

The environment can fail a command that is right: standard output closed,
full (``> /dev/full``) or in an encoding that cannot show the output
(``PYTHONIOENCODING=ascii``). Those are one-line errors with exit status 2,
never an "internal error", and never Python's "Exception ignored" at exit.
"""

from __future__ import annotations

import os
import sys


def _say(text: str) -> None:
    """One line on standard error, if there is one."""
    try:
        if sys.stderr is not None:
            sys.stderr.write(text + "\n")
            sys.stderr.flush()
    except (OSError, ValueError):
        pass


def _silence_stdout() -> None:
    """Point standard output at /dev/null, so that Python's last flush cannot fail again."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
    except OSError:
        pass
    try:
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - lives until exit
    except OSError:
        pass


class _ClosedStream:
    """Standard output when the shell closed it (``>&-``): fine until something is written."""

    encoding = "utf-8"

    def write(self, text: str) -> int:
        raise OSError(9, "standard output is closed")

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


def _flush_stdout() -> None:
    if sys.stdout is not None:
        sys.stdout.flush()


def _cannot_write(error: BaseException) -> None:
    from .errors import EXIT_CANNOT_RUN

    if isinstance(error, UnicodeEncodeError):
        encoding = getattr(sys.stdout, "encoding", None) or "?"
        _say(
            f"convcalc: error: standard output's encoding ({encoding}) cannot show this output; "
            "set PYTHONIOENCODING=utf-8"
        )
    else:
        reason = getattr(error, "strerror", None) or str(error)
        _say(f"convcalc: error: cannot write the output: {reason}")
    _silence_stdout()
    sys.exit(EXIT_CANNOT_RUN)


STATUS_IF_PIPE_CLOSES = [0]
"""The exit status when standard output's reader goes away; a command that has decided
its status before writing (``check``) puts it here."""


def main() -> None:
    if sys.argv[1:] in (["--version"], ["-V"]):
        from . import __version__

        try:
            sys.stdout.write(f"convcalc, version {__version__}\n")
            _flush_stdout()
        except (OSError, AttributeError, ValueError) as error:
            _cannot_write(error)
        return
    from .cli import main as cli

    if sys.stdout is None:
        sys.stdout = _ClosedStream()  # type: ignore[assignment]
    try:
        try:
            cli(prog_name="convcalc", standalone_mode=True)
        except SystemExit:
            if "PacifyFlushWrapper" in type(sys.stdout).__name__:
                # click met EPIPE (the reader went away) and exits 1: a closed pipe is no spec problem.
                _silence_stdout()
                sys.exit(STATUS_IF_PIPE_CLOSES[0])
            _flush_stdout()
            raise
        _flush_stdout()
    except BrokenPipeError:
        # The reader (`| head`) went away: stop quietly. Not a problem in a spec, so the
        # status is 0, or the one the command had already decided (check's verdict).
        _silence_stdout()
        sys.exit(STATUS_IF_PIPE_CLOSES[0])
    except KeyboardInterrupt:
        sys.exit(130)
    except (OSError, UnicodeEncodeError) as error:
        _cannot_write(error)
    except Exception as error:  # noqa: BLE001 - the last line of defence: one line, never a traceback
        if os.environ.get("CONVCALC_DEBUG"):
            raise
        _say(
            f"convcalc: internal error: {type(error).__name__}: {error} "
            "(a bug: please report it with the spec; CONVCALC_DEBUG=1 shows the traceback)"
        )
        from .errors import EXIT_CANNOT_RUN

        sys.exit(EXIT_CANNOT_RUN)
