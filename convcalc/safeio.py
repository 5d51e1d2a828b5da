"""Reading specs and writing outputs without trusting the file system.

Every spec is read here, whatever the source (a path, ``-`` for standard
input): regular files only, opened without blocking (a FIFO with no writer
is refused, not waited on), and never more than :data:`MAX_SPEC_BYTES` + 1
bytes read, whatever the file claims its size is. Outputs are written
atomically: a temporary file in the target's directory, renamed over the
target once complete, so a failed write leaves the old file whole.
"""

from __future__ import annotations

import errno
import os
import stat
import sys
import tempfile
from collections.abc import Iterable

from .errors import Position, SpecError
from .runtime import position_at

MAX_SPEC_BYTES = 8 * 2**20
"""Largest spec read from any source. Past :data:`convcalc.loader.MAX_YAML_NODES` values a
document is refused anyway; this bounds what is read and decoded before parsing starts."""

_CHUNK = 2**20
_OPEN_FLAGS = sum(getattr(os, flag, 0) for flag in ("O_NONBLOCK", "O_NOCTTY", "O_CLOEXEC", "O_BINARY"))
"""Never wait on a FIFO, never take a terminal as controlling terminal, bytes as they are (Windows)."""
_KINDS = (
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


class OutputError(Exception):
    """An output could not be written: the command stops with exit status 2."""


def path_text(path: str | os.PathLike[str]) -> str:
    """A path as text, refusing what no file system accepts (a NUL character)."""
    name = os.fspath(path)
    if isinstance(name, bytes):
        name = os.fsdecode(name)
    if "\0" in name:
        raise SpecError.at("file", "a path cannot contain a NUL character", file=name.replace("\0", "\\0"))
    return name


def _kind(mode: int) -> str:
    for test, what in _KINDS:
        if test(mode):
            return what
    return "not a regular file"


def _read_capped(fd: int, name: str) -> bytes:
    """At most MAX_SPEC_BYTES + 1 bytes: one past the cap is enough to refuse the file."""
    chunks: list[bytes] = []
    total = 0
    while total <= MAX_SPEC_BYTES:
        chunk = os.read(fd, min(_CHUNK, MAX_SPEC_BYTES + 1 - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    if total > MAX_SPEC_BYTES:
        raise SpecError.at("file", f"is larger than {MAX_SPEC_BYTES // 2**20} MiB: not a spec to read", file=name)
    return b"".join(chunks)


def read_spec_bytes(path: str | os.PathLike[str]) -> bytes:
    """The bytes of a spec file (or of standard input for ``-``), within the cap. Raises SpecError ``file``."""
    name = path_text(path)
    if name == "-":
        return _read_stdin()
    try:
        fd = os.open(name, os.O_RDONLY | _OPEN_FLAGS)
    except FileNotFoundError:
        raise SpecError.at("file", "no such file", file=name) from None
    except IsADirectoryError:
        raise SpecError.at("file", "is a directory, not a spec file", file=name) from None
    except OSError as exc:
        raise SpecError.at("file", f"cannot read: {exc.strerror or exc}", file=name) from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise SpecError.at("file", "is a directory, not a spec file", file=name)
        if not stat.S_ISREG(info.st_mode):
            raise SpecError.at("file", f"is {_kind(info.st_mode)}, not a regular file: use - for a stream", file=name)
        if info.st_size > MAX_SPEC_BYTES:
            raise SpecError.at("file", f"is larger than {MAX_SPEC_BYTES // 2**20} MiB: not a spec to read", file=name)
        return _read_capped(fd, name)
    except OSError as exc:
        raise SpecError.at("file", f"cannot read: {exc.strerror or exc}", file=name) from None
    finally:
        os.close(fd)


def _read_stdin() -> bytes:
    name = "<stdin>"
    stream = sys.stdin
    try:
        fd = stream.fileno() if stream is not None else -1
        os.fstat(fd)
    except (OSError, ValueError, AttributeError):
        buffer = getattr(stream, "buffer", None)
        if buffer is None:
            raise SpecError.at("file", "standard input is closed", file=name) from None
        raw = buffer.read(MAX_SPEC_BYTES + 1)  # a test's in-memory stream
        if len(raw) > MAX_SPEC_BYTES:
            raise SpecError.at("file", f"is larger than {MAX_SPEC_BYTES // 2**20} MiB: not a spec to read", file=name)
        return raw
    try:
        return _read_capped(fd, name)
    except OSError as exc:
        raise SpecError.at("file", f"cannot read standard input: {exc.strerror or exc}", file=name) from None


def decode_spec(raw: bytes, name: str) -> str:
    """UTF-8 text (a BOM allowed); binary, non-UTF-8 and empty input are SpecErrors."""
    if b"\0" in raw[:8192]:
        raise SpecError.at("encoding", "is a binary file, not a YAML spec", file=name, position=Position(1, 1))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SpecError.at(
            "encoding",
            f"is not UTF-8 text (byte 0x{raw[exc.start]:02x})",
            file=name,
            position=position_at(raw, exc.start),
        ) from None
    if not text.strip():
        raise SpecError.at("empty", "the file is empty", file=name, position=Position(1, 1))
    return text


def read_spec_text(path: str | os.PathLike[str]) -> str:
    """A spec's text from a path or ``-``: one cap, regular files only, UTF-8."""
    name = path_text(path)
    return decode_spec(read_spec_bytes(name), "<stdin>" if name == "-" else name)


def _same_file(a: os.stat_result, b: os.stat_result) -> bool:
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


def write_output(path: str, text: str, inputs: Iterable[str] = ()) -> None:
    """Write ``text`` to ``path`` (``-``: standard output), atomically for regular files.

    Refuses to replace one of ``inputs`` (``draw x.yaml -o x.yaml``). A FIFO,
    device or terminal is written in place, opened without blocking: a FIFO
    with no reader is an error, not a wait. Raises :class:`OutputError`.
    """
    if path == "-":
        sys.stdout.write(text)
        return
    if "\0" in path:
        raise OutputError("an output path cannot contain a NUL character")
    data = text.encode("utf-8")
    try:
        target = os.stat(path)
    except FileNotFoundError:
        target = None
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
    if target is not None:
        for source in inputs:
            try:
                if source != "-" and _same_file(os.stat(source), target):
                    raise OutputError(f"refusing to write over {path}: it is the spec being read")
            except OSError:
                continue
        if stat.S_ISDIR(target.st_mode):
            raise OutputError(f"cannot write {path}: it is a directory")
        if not stat.S_ISREG(target.st_mode):
            _write_in_place(path, data)
            return
    _write_atomically(path, data, target)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _write_in_place(path: str, data: bytes) -> None:
    try:
        fd = os.open(path, os.O_WRONLY | _OPEN_FLAGS)
    except OSError as exc:
        if exc.errno == errno.ENXIO:  # a FIFO that no process is reading
            raise OutputError(f"cannot write {path}: it is a FIFO with no reader") from None
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        _write_all(fd, data)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
    finally:
        os.close(fd)


def _write_atomically(path: str, data: bytes, existing: os.stat_result | None) -> None:
    folder = os.path.dirname(path) or "."
    try:
        fd, temporary = tempfile.mkstemp(prefix=".convcalc-", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        try:
            _write_all(fd, data)
            os.fsync(fd)
            if existing is not None:
                os.chmod(temporary, stat.S_IMODE(existing.st_mode))
            else:
                umask = os.umask(0)
                os.umask(umask)
                os.chmod(temporary, 0o666 & ~umask)
        finally:
            os.close(fd)
        os.replace(temporary, path)
    except OSError as exc:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
