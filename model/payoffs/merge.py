"""Reading a payoff file and the files it ``extends``, merged into one located document.

Where a base may be: in the folder of the file that names it or below it, or in a folder the
user lists (``--include-dir``); the test is made on the real path, so ``..`` and symbolic links
cannot lead out. Only regular files of at most ``MAX_BYTES`` are read (checked before opening,
so a FIFO never blocks). A base that is not a payoff file (not a mapping, or none of the
top-level keys of one) is refused with its path only, and if a base cannot be parsed as YAML
its problems are reported by position only: nothing of a file the user did not name is quoted.

How a file merges over its base (players, chips, terms and the other named entries) is in
``model.payoffs.merge_rules``. Positions survive the merge, so each problem is reported in the
file where its text is.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from model.errors import PayoffFileError, Problem
from model.limits import MAX_EXTENDS_DEPTH
from model.payoffs import spec as S
from model.payoffs.merge_rules import merge_over, shape
from model.payoffs.reading import file_problem, read_file
from model.payoffs.source import Located, Mark, YamlError, load_yaml_bytes

KNOWN_KEYS = tuple(S.GameSpec.model_fields)


@dataclass(frozen=True)
class Resolved:
    """A payoff file with its bases merged in: the document, the real path of each file read
    (the named file first) and their bytes, in the same order."""

    doc: Located
    files: tuple[Path, ...]
    contents: tuple[bytes, ...]


def resolve(path: Path, display: str, include_dirs: Sequence[Path] = ()) -> Resolved:
    """Read ``path`` and every file it extends, merged. Raises PayoffFileError."""
    raw = read_file(path, display)
    try:
        doc = load_yaml_bytes(raw, display)
    except YamlError as exc:
        if exc.top_keys is not None and not _is_payoff(exc.top_keys):
            raise _not_a_payoff_file(display, exc.problems[0]) from None
        raise
    if not isinstance(doc.data, dict):
        m = doc.values.get((), Mark(display, 1, 1))
        raise PayoffFileError([Problem(
            display, m.line, m.col, "", "a payoff file must be a mapping of keys (title, "
            f"players, ...), not {shape(doc.data)}",
        )])
    if not _is_payoff(doc.data):
        raise _not_a_payoff_file(display, None)
    roots = tuple(_real_dir(d) for d in include_dirs)
    return _extend(path, display, doc, raw, (), roots)


def _not_a_payoff_file(display: str, first: Problem | None) -> PayoffFileError:
    line, col = (first.line, first.col) if first is not None else (1, 1)
    return PayoffFileError([Problem(
        display, line, col, "",
        f"not a payoff file: none of its top-level keys is one of {', '.join(KNOWN_KEYS)}",
    )])


def _is_payoff(keys: Any) -> bool:
    return any(k in S.GameSpec.model_fields for k in keys)


def _real_dir(d: Path) -> Path:
    try:
        return Path(os.path.realpath(d))
    except (OSError, ValueError):
        return Path(d).absolute()


def _display(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except (ValueError, OSError):
        return str(path)


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or path.is_relative_to(folder)


def _extend(
    path: Path,
    display: str,
    doc: Located,
    raw: bytes,
    stack: tuple[Path, ...],
    roots: tuple[Path, ...],
) -> Resolved:
    me = Path(os.path.realpath(path))
    if "extends" not in doc.data:
        return Resolved(doc, (me,), (raw,))
    ext = doc.data["extends"]
    here = doc.values.get(("extends",), Mark(display, 1, 1))

    def fail(message: str) -> PayoffFileError:
        return PayoffFileError([Problem(display, here.line, here.col, "extends", message)])

    if not isinstance(ext, str) or not ext.strip():
        raise fail(f"must be the path of a payoff file, got {shape(ext)}")
    folder = Path(os.path.realpath(path.parent))
    try:
        written = Path(os.path.normpath(path.parent / ext))
        base_path = Path(os.path.realpath(written))
        if not os.path.isabs(ext) and not os.path.lexists(written):
            # not beside this file: the folders of --include-dir are searched in order
            for root in roots:
                if os.path.lexists(root / ext):
                    base_path = Path(os.path.realpath(root / ext))
                    break
    except (OSError, ValueError, RuntimeError):  # a NUL byte, a symlink loop...
        raise fail(f"cannot follow the path '{ext}'") from None
    if not any(_inside(base_path, d) for d in (folder, *roots)):
        lexical = Path(os.path.normpath(Path(os.path.abspath(path.parent)) / ext))
        why = ""
        if _inside(lexical, Path(os.path.abspath(path.parent))):
            why = " (through a symbolic link)"
        raise fail(
            f"'{ext}' leads outside the folder of this file{why}: a base file must be in "
            f"{_display(folder)} or a folder below it, or in a folder given with --include-dir"
        )
    if base_path == me or base_path in stack:
        chain = " -> ".join(p.name for p in (*stack, me, base_path))
        raise fail(f"cycle of extends: {chain}")
    if len(stack) >= MAX_EXTENDS_DEPTH:
        raise fail(f"extends chain is too long (more than {MAX_EXTENDS_DEPTH} files)")
    base_display = _display(base_path)
    problem = file_problem(base_path)
    if problem == "file not found":
        also = "".join(f", {_display(r / ext)}" for r in roots if not os.path.isabs(ext))
        raise fail(f"file not found: {ext} (looked for {base_display}{also})")
    if problem is not None:
        raise fail(f"'{ext}' {problem}" if problem.startswith("is ") else f"'{ext}': {problem}")
    try:
        base_raw = read_file(base_path, base_display)
    except PayoffFileError as exc:  # it changed since it was looked at
        raise fail(f"'{ext}': {exc.problems[0].message}") from None
    try:
        base_doc = load_yaml_bytes(base_raw, base_display)
    except YamlError as exc:
        if exc.safe or (exc.top_keys is not None and _is_payoff(exc.top_keys)):
            raise
        if exc.top_keys is not None:
            raise fail(f"'{ext}' is not a payoff file") from None
        first = exc.problems[0]
        raise PayoffFileError([Problem(
            first.file, first.line, first.col, "",
            "cannot be read as YAML from here on (the details are not shown for a file reached "
            f"through 'extends'; run 'leverage check {base_display}' to see them)",
        )]) from None
    if not isinstance(base_doc.data, dict) or not _is_payoff(base_doc.data):
        raise fail(f"'{ext}' is not a payoff file")
    base = _extend(base_path, base_display, base_doc, base_raw, (*stack, me), roots)
    merged = merge_over(base.doc, doc, base_display)
    return Resolved(merged, (me, *base.files), (raw, *base.contents))


