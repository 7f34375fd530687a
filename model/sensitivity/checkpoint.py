"""Checkpoints of a long run: each finished chunk saved with its SHA-256 and size beside it, a
manifest naming the run, and on resume the chunks that do not match solved again."""

from __future__ import annotations

import hashlib
import io
import json
import re
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from model.errors import UsageError
from model.io import atomic_write, dumps_json
from model.sensitivity.points import PointSolutions

MANIFEST = "leverage-checkpoint.json"


_CHUNK = re.compile(r"chunk-(\d{12})\.npz")


_SUM = re.compile(r"chunk-(\d{12})\.sha256")


_OWN_TEMP = re.compile(
    r"\.(chunk-\d{12}\.(npz|sha256)|leverage-checkpoint\.json)\..*\.tmp")


class Checkpoint:
    """A directory of finished chunks: ``leverage-checkpoint.json`` (what the run depends on),
    ``chunk-<start, 12 digits>.npz`` and, beside each chunk, ``chunk-<start>.sha256`` (its
    SHA-256 and size in bytes, written after it). On resume a chunk is used only if it
    matches its sum; one that does not (cut short, emptied, altered, or without its sum) is
    deleted and solved again. Only files of exactly these names are read or removed: the
    directory may hold other files, which are left alone."""

    def __init__(self, path: str | Path):
        self.path = Path(path)

    def exists(self) -> bool:
        return (self.path / MANIFEST).exists()

    def open(self, key: dict[str, Any], resume: bool) -> None:
        manifest = self.path / MANIFEST
        try:
            if manifest.exists():
                self._check(manifest, key, resume)
                return
            self.path.mkdir(parents=True, exist_ok=True)
            self.remove_chunks()  # chunks without a manifest belong to no known run
            atomic_write(manifest, dumps_json({"key": key}, indent=2) + "\n")
        except OSError as exc:
            raise UsageError(f"checkpoint directory {self.path}: {exc.strerror or exc}") from None

    def _check(self, manifest: Path, key: dict[str, Any], resume: bool) -> None:
        if not resume:
            raise UsageError(
                f"{self.path} holds the checkpoint of an unfinished run: add --resume to "
                f"continue it, or delete its {MANIFEST} and chunk-* files to start again"
            )
        try:
            old = json.loads(manifest.read_text())
            old_key = old["key"]
        except (ValueError, KeyError, TypeError):
            raise UsageError(f"{manifest} is not a checkpoint this program wrote") from None
        new_key = json.loads(dumps_json(key))
        if old_key != new_key:
            diff = [k for k in new_key if old_key.get(k) != new_key[k]]
            raise UsageError(
                f"the checkpoint in {self.path} belongs to a different run (it differs in: "
                f"{', '.join(diff) or 'its format'}); delete its {MANIFEST} and chunk-* "
                "files to start this one"
            )

    def _file(self, start: int) -> Path:
        return self.path / f"chunk-{start:012d}.npz"

    def _sum_file(self, start: int) -> Path:
        return self.path / f"chunk-{start:012d}.sha256"

    def done(self) -> set[int]:
        """The starts of the chunks present (verified or not: see :meth:`verified`)."""
        out = set()
        for p in self.path.glob("chunk-*.npz"):
            hit = _CHUNK.fullmatch(p.name)
            if hit:
                out.add(int(hit.group(1)))
        return out

    def damage(self, start: int) -> str | None:
        """What is wrong with a chunk's file, or None if it matches its sum."""
        try:
            data = self._file(start).read_bytes()
        except OSError as exc:
            return f"unreadable: {exc.strerror or exc}"
        try:
            digest, size = self._sum_file(start).read_text().split()
            expected = int(size)
        except (OSError, ValueError):
            return "no checksum" if data else "empty, no checksum"
        if not data:
            return "empty"
        if len(data) != expected:
            return f"truncated: {len(data):,} of {expected:,} bytes"
        if hashlib.sha256(data).hexdigest() != digest:
            return "checksum differs"
        return None

    def verified(self, warn: Callable[[str], None] | None = None) -> set[int]:
        """The starts of the chunks that match their sums; the others are deleted (to be
        solved again) and named in one line to ``warn`` (default: standard error)."""
        good, bad = set(), []
        for start in sorted(self.done()):
            what = self.damage(start)
            if what is None:
                good.add(start)
                continue
            bad.append(f"{self._file(start).name} ({what})")
            self._file(start).unlink(missing_ok=True)
            self._sum_file(start).unlink(missing_ok=True)
        if bad:
            some = "a damaged chunk" if len(bad) == 1 else f"{len(bad)} damaged chunks"
            line = (f"warning: checkpoint {self.path}: {some}, solved again: "
                    + ", ".join(bad))
            if warn is None:
                print(line, file=sys.stderr)
            else:
                warn(line)
        return good

    def save(self, start: int, packed: Mapping[str, np.ndarray]) -> None:
        """Save a chunk, as :meth:`PointSolutions.pack` gives it, then its sum."""
        buf = io.BytesIO()
        np.savez(buf, **packed)  # type: ignore[arg-type]
        data = buf.getvalue()
        atomic_write(self._file(start), data)
        atomic_write(self._sum_file(start),
                     f"{hashlib.sha256(data).hexdigest()} {len(data)}\n")

    def load_packed(self, start: int) -> dict[str, np.ndarray]:
        with np.load(self._file(start)) as z:
            return {k: z[k] for k in z.files}

    def load(self, start: int) -> PointSolutions:
        return PointSolutions.unpack(self.load_packed(start))

    def remove_chunks(self) -> None:
        for p in self.path.iterdir():
            if (_CHUNK.fullmatch(p.name) or _SUM.fullmatch(p.name)
                    or _OWN_TEMP.fullmatch(p.name)):
                p.unlink(missing_ok=True)

    def remove(self) -> None:
        """Delete the checkpoint's own files, and the directory if that leaves it empty."""
        if not self.path.is_dir():
            return
        self.remove_chunks()
        (self.path / MANIFEST).unlink(missing_ok=True)
        try:
            self.path.rmdir()
        except OSError:
            pass
