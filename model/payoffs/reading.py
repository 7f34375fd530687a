"""Reading a payoff file from disk safely: its size checked before it is read, a file that is
not a regular file (a device, a FIFO, a folder) refused with a located message."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from model.errors import PayoffFileError, Problem
from model.limits import PAYOFF_FILE_MAX_BYTES

# ------------------------------------------------------------------------------ reading a file
_SPECIAL_ROOTS = ("/proc", "/sys", "/dev")


def _mib(n: int) -> str:
    return f"{n / 2**20:.3g} MiB"


def _too_large(size: int | None, limit: int, what: str) -> str:
    have = "more than that" if size is None else f"{size:,} bytes"
    return f"the file is too large ({have}): {what} is at most {limit:,} bytes ({_mib(limit)})"


def _kind_of_file(mode: int) -> str | None:
    """What a file that is not a regular file is, in words (None for a regular file)."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def file_problem(path: Path, limit: int = PAYOFF_FILE_MAX_BYTES,
                 what: str = "a payoff file") -> str | None:
    """Why ``path`` cannot be a payoff file, found without opening it (None if it may be one):
    missing, not a regular file (a directory, a FIFO, a device...), a special file under /proc,
    /sys or /dev, or larger than ``limit`` bytes (``what`` names the kind of file in messages)."""
    try:
        st = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return "file not found"
    except OSError as exc:
        return f"cannot read: {exc.strerror or type(exc).__name__}"
    except ValueError:  # a NUL byte in the path
        return "file not found"
    kind = _kind_of_file(st.st_mode)
    if kind is not None:
        return f"is {kind}, not {what} (only a regular file is read)"
    try:
        real = os.path.realpath(path)
    except (OSError, ValueError):
        real = str(path)
    if any(real == r or real.startswith(r + os.sep) for r in _SPECIAL_ROOTS):
        return f"is a special system file (under /proc, /sys or /dev), not {what}"
    if st.st_size > limit:
        return _too_large(st.st_size, limit, what)
    return None


def read_file(path: Path, file: str, limit: int = PAYOFF_FILE_MAX_BYTES,
              what: str = "a payoff file") -> bytes:
    """The bytes of a payoff file (or ``what``), after checking that it is a regular file of
    at most ``limit`` bytes: a FIFO or a device is refused before it is opened (reading it
    could block or never end), and the size is checked before reading."""

    def fail(message: str) -> PayoffFileError:
        return PayoffFileError([Problem(file, 1, 1, "", message)])

    problem = file_problem(path, limit, what)
    if problem is not None:
        raise fail(problem)
    # O_NONBLOCK: if the file was swapped for a FIFO since the check, opening it does not wait
    # for a writer; it is then refused below without being read
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    flags |= getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise fail("file not found") from None
    except OSError as exc:
        raise fail(f"cannot read: {exc.strerror or type(exc).__name__}") from None
    try:
        st = os.fstat(fd)
        kind = _kind_of_file(st.st_mode)
        if kind is not None:
            raise fail(f"is {kind}, not {what} (only a regular file is read)")
        if st.st_size > limit:
            raise fail(_too_large(st.st_size, limit, what))
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise fail(f"cannot read: {exc.strerror or type(exc).__name__}") from None
    finally:
        os.close(fd)
    raw = b"".join(chunks)
    if len(raw) > limit:
        raise fail(_too_large(None, limit, what))
    if raw and st.st_size == 0:
        raise fail("the file says it is empty but has content: a special file (like those "
                   f"under /proc), not {what}")
    return raw
