"""Writing results safely: a file is written to a temporary name, then renamed into place;
a long run holds a lock on its outputs so that a second run on the same files is refused."""

from __future__ import annotations

import dataclasses
import errno
import json
import math
import os
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from model.errors import LeverageError, UsageError

try:
    import fcntl
except ImportError:  # not POSIX: outputs are not locked
    fcntl = None  # type: ignore[assignment]


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


class OutputError(LeverageError):
    """An output could not be written (a full disk, no permission...); the file as it was,
    if there was one, is left as it was. ``path`` is the output, ``reason`` what went
    wrong."""

    def __init__(self, path: str | Path, reason: str):
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"cannot write {path}: {reason}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.path, self.reason))


def os_reason(exc: OSError) -> str:
    """What an OSError says, in the words of a message: "no space left on device"."""
    if exc.errno == errno.ENOSPC or "No space left on device" in str(exc):
        return "no space left on device"
    text = exc.strerror or str(exc) or type(exc).__name__
    return text[:1].lower() + text[1:]


def _ours(exc: OSError, *paths: str | Path) -> bool:
    """Whether an OSError raised while an output was written is about that output (not, say,
    about an input read in the same block)."""
    names = {os.fspath(p) for p in paths}
    return exc.filename is None or os.fspath(exc.filename) in names


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """A temporary path next to ``path`` to write to; on leaving the block without an error
    it is renamed to ``path`` (readers see the old file or the new one, never half), else
    removed. It has the mode a plain ``open`` would have given ``path``. An OSError about
    the output (a full disk: ``errno`` 28, a folder that cannot be written) becomes
    :class:`OutputError`, and the old file is left as it was."""
    target = Path(path)
    tmp: str | None = None
    in_block = False
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp",
                                   dir=target.parent)
        os.fchmod(fd, 0o666 & ~_umask())
        os.close(fd)
        in_block = True
        yield Path(tmp)
        in_block = False
        os.replace(tmp, target)
    except BaseException as exc:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass
        if isinstance(exc, OSError) and (not in_block or _ours(exc, target, tmp or target)):
            raise OutputError(target, os_reason(exc)) from None
        raise


def atomic_write(path: str | Path, data: str | bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never half."""
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        fh.write(data.encode("utf-8") if isinstance(data, str) else data)
        fh.flush()
        os.fsync(fh.fileno())


def lock_path(path: str | Path) -> Path:
    """The lock file of an output: ``<path>.lock``, beside it."""
    p = Path(path)
    return p.with_name(p.name + ".lock")


def _holder(fd: int) -> str:
    try:
        text = os.pread(fd, 64, 0).decode("ascii", "replace").strip()
    except OSError:
        text = ""
    return f"PID {text}" if text.isdigit() else "another process"


@contextmanager
def output_lock(path: str | Path) -> Iterator[None]:
    """Hold the lock of the output ``path`` (``<path>.lock``, an ``fcntl.flock`` on a file
    holding this process's PID) for the block; :class:`UsageError` if another process holds
    it. The kernel drops a lock when its process ends, however it ends, so the lock file a
    killed run leaves behind is simply taken over. Where files cannot be locked (no
    ``fcntl``, a file system without ``flock``), the block runs unlocked."""
    lock = lock_path(path)
    if fcntl is None:
        yield
        return
    try:
        lock.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"{path}: cannot create its folder: {exc.strerror or exc}") from None
    while True:
        try:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o666 & ~_umask())
        except OSError as exc:
            raise UsageError(f"cannot lock {path}: {lock}: {exc.strerror or exc}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            who = _holder(fd)
            os.close(fd)
            raise UsageError(
                f"{who} is still writing {path} (it holds {lock}): wait for it to end, or "
                "stop it, then run this again"
            ) from None
        except OSError:  # this file system cannot lock: go on without
            os.close(fd)
            yield
            return
        try:  # the holder before may have removed the file between our open and flock
            same = os.stat(lock).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        try:
            lock.unlink()  # still ours: nobody else can hold it while we do
        except OSError:
            pass
        os.close(fd)


@contextmanager
def output_locks(*paths: str | Path | None) -> Iterator[None]:
    """:func:`output_lock` of each path given (None skipped, each file once)."""
    seen: set[Path] = set()
    with ExitStack() as stack:
        for p in paths:
            if p is None:
                continue
            key = Path(os.path.abspath(p))
            if key in seen:
                continue
            seen.add(key)
            stack.enter_context(output_lock(p))
        yield


#: The key under which :func:`dumps_json` lists the numbers it wrote as null.
NON_FINITE = "non_finite"


def _finite(obj: Any, path: str, found: list[str]) -> Any:
    if isinstance(obj, dict):
        return {k: _finite(v, f"{path}.{k}" if path else str(k), found) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_finite(v, f"{path}[{k}]", found) for k, v in enumerate(obj)]
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        if math.isfinite(obj):
            return float(obj)
        found.append(path or "(the value)")
        return None
    if isinstance(obj, np.ndarray):
        return _finite(obj.tolist(), path, found)
    return obj


def _flagged(obj: Any) -> Any:
    found: list[str] = []
    clean = _finite(obj, "", found)
    if found and isinstance(clean, dict):
        clean[NON_FINITE] = found
    return clean


def dumps_json(obj: Any, *, indent: int | None = None, sort_keys: bool = False) -> str:
    """``obj`` as strict JSON (RFC 8259: no ``Infinity`` or ``NaN``, which strict parsers
    reject): every infinite or NaN number is written as null, and an object lists where
    under ``"non_finite"`` (paths such as ``"dominance[0].margin"``); a list of objects has
    that key in each object concerned. NumPy numbers and arrays are written as plain ones.
    Every JSON this package writes goes through here."""
    if isinstance(obj, (list, tuple)) and any(isinstance(v, dict) for v in obj):
        clean: Any = [_flagged(v) if isinstance(v, dict) else _finite(v, f"[{k}]", [])
                      for k, v in enumerate(obj)]
    else:
        clean = _flagged(obj)
    return json.dumps(clean, indent=indent, sort_keys=sort_keys, allow_nan=False)


def plain(obj: Any, *, skip: frozenset[str] = frozenset()) -> Any:
    """``obj`` made of JSON's kinds only: a dataclass becomes an object of its fields (less
    those named in ``skip``), arrays and tuples lists, NumPy numbers Python ones, fractions
    and other values their text; infinite numbers stay (:func:`dumps_json` writes them as
    null and says where).

    >>> from fractions import Fraction
    >>> plain({"p": np.array([0.5, 0.5]), "q": (Fraction(1, 3),), "n": np.int64(2)})
    {'p': [0.5, 0.5], 'q': ['1/3'], 'n': 2}
    """
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: plain(getattr(obj, f.name), skip=skip)
                for f in dataclasses.fields(obj) if f.name not in skip}
    if isinstance(obj, Mapping):
        return {str(k): plain(v, skip=skip) for k, v in obj.items()}
    if isinstance(obj, np.ndarray):
        return plain(obj.tolist(), skip=skip)
    if isinstance(obj, (list, tuple)):
        return [plain(v, skip=skip) for v in obj]
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        return float(obj)
    if obj is None or isinstance(obj, str):
        return obj
    return str(obj)
