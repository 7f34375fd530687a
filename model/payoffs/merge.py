"""Reading a payoff file and the files it ``extends``, merged into one located document.

Where a base may be: in the folder of the file that names it or below it, or in a folder the
user lists (``--include-dir``); the test is made on the real path, so ``..`` and symbolic links
cannot lead out. Only regular files of at most ``MAX_BYTES`` are read (checked before opening,
so a FIFO never blocks). A base that is not a payoff file (not a mapping, or none of the
top-level keys of one) is refused with its path only, and if a base cannot be parsed as YAML
its problems are reported by position only: nothing of a file the user did not name is quoted.

How files merge (the child over its base):

- ``players`` by ``name``: a child's player changes the base player of that name, which keeps
  its place; a player the base does not have is an error (a file cannot add or rename one).
  A player's ``chips`` merge by chip name and its ``exclude`` list is appended to the base's.
- ``parameters``, ``derived``, ``scenarios``, ``outcomes``, chips and payoff terms (by
  ``name``, per player) merge by name: a new name is added after the base's entries; a name the
  base has already is an error unless the child's entry says ``override: true``, in which case
  each key the entry gives replaces the base entry's key and the others are kept.
- ``sources`` merge by key; giving a base key another citation is an error.
- ``dynamics`` and ``matrices`` merge key by key; every other value is replaced by the child's.

Positions survive the merge, so each problem is reported in the file where its text is.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from model.errors import PayoffFileError, Problem, closest
from model.limits import MAX_EXTENDS_DEPTH
from model.payoffs import spec as S
from model.payoffs.reading import file_problem, read_file
from model.payoffs.source import Located, Mark, PathKey, YamlError, field_path, load_yaml_bytes

KNOWN_KEYS = tuple(S.GameSpec.model_fields)

_MISSING = object()


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
            f"players, ...), not {_shape(doc.data)}",
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


def _shape(value: Any) -> str:
    """What a value is, without quoting it."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    return "a mapping"


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
        raise fail(f"must be the path of a payoff file, got {_shape(ext)}")
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
    merge = _Merge(base.doc, doc, base_display)
    merge.out.data = merge.run()
    if merge.problems:
        raise PayoffFileError(merge.problems)
    return Resolved(merge.out, (me, *base.files), (raw, *base.contents))


# ---------------------------------------------------------------------------- merging
_TABLES = ("values", "keys", "segments")

# top-level sections whose entries are named, with what an entry is called in messages
_NAMED = {
    "parameters": "parameter",
    "derived": "derived quantity",
    "scenarios": "scenario",
    "outcomes": "outcome",
}


@dataclass(frozen=True)
class _Kind:
    """What a named entry is, for messages: ``noun`` (parameter, chip...) and, for chips and
    terms, the player it belongs to."""

    noun: str
    owner: str | None = None

    def a(self) -> str:
        article = "an" if self.noun[0] in "aeiou" else "a"
        return f"{article} {self.noun}" + (f" of {self.owner}" if self.owner else "")

    def named(self, name: str) -> str:
        return f"{self.noun} '{name}'" + (f" of {self.owner}" if self.owner else "")


def _get(data: Any, path: PathKey, default: Any = None) -> Any:
    for part in path:
        if isinstance(data, dict) and part in data:
            data = data[part]
        elif isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
            data = data[part]
        else:
            return default
    return data


def _term_name(term: Any) -> str | None:
    name = term.get("name") if isinstance(term, dict) else None
    return name if isinstance(name, str) else None


def _text(m: Mark) -> str:
    return f"{m.file}:{m.line}:{m.col}"


class _Merge:
    """The child document ``c`` merged over its (already merged) base ``b``."""

    def __init__(self, b: Located, c: Located, base_file: str):
        self.b, self.c = b, c
        self.out = Located(data=None, file=c.file)
        self.base_file = base_file
        self.problems: list[Problem] = []

    # ------------------------------------------------------------ positions and problems
    def _copy(self, src: Located, sp: PathKey, op: PathKey) -> Any:
        """The value at ``sp`` in ``src``, placed at ``op`` with all its positions."""
        n = len(sp)
        for table_name in _TABLES:
            src_t = getattr(src, table_name)
            out_t = getattr(self.out, table_name)
            for key, mark in src_t.items():
                if key[:n] == sp:
                    out_t[op + key[n:]] = mark
        return _get(src.data, sp)

    def _key(self, src: Located, sp: PathKey, op: PathKey) -> None:
        if sp in src.keys:
            self.out.keys[op] = src.keys[sp]

    def _value(self, op: PathKey, *sources: tuple[Located, PathKey]) -> None:
        for src, sp in sources:
            if sp in src.values:
                self.out.values[op] = src.values[sp]
                return

    def located(self, src: Located, path: PathKey, key: bool = False) -> Mark:
        if key and path in src.keys:
            return src.keys[path]
        p = path
        while p:
            if p in src.values:
                return src.values[p]
            p = p[:-1]
        return src.values.get((), Mark(src.file, 1, 1))

    def _problem(self, path: PathKey, message: str, key: bool = False) -> None:
        m = self.located(self.c, path, key)
        self.problems.append(Problem(m.file, m.line, m.col, field_path(path), message))

    # ------------------------------------------------------------ the document
    def run(self) -> dict[str, Any]:
        bd, cd = self.b.data, self.c.data
        self._value((), (self.c, ()), (self.b, ()))
        result: dict[str, Any] = {}
        for key in bd:
            if key in cd:
                self._key(self.c, (key,), (key,))
                result[key] = self._section(key)
            else:
                self._key(self.b, (key,), (key,))
                result[key] = self._copy(self.b, (key,), (key,))
        for key in cd:
            if key != "extends" and key not in bd:
                self._key(self.c, (key,), (key,))
                result[key] = self._section(key)
        return result

    def _section(self, key: str) -> Any:
        p: PathKey = (key,)
        if key in _NAMED:
            return self._named(p, p, p, _Kind(_NAMED[key]))
        if key == "players":
            return self._players()
        if key == "payoffs":
            return self._payoffs()
        if key == "sources":
            return self._sources()
        if key in ("dynamics", "matrices"):
            return self._deep(p, p, p)
        return self._copy(self.c, p, p)

    def _deep(self, bp: PathKey, cp: PathKey, op: PathKey) -> Any:
        """Mappings merged key by key (the child winning), anything else the child's."""
        bd, cd = _get(self.b.data, bp, _MISSING), _get(self.c.data, cp)
        if not (isinstance(bd, dict) and isinstance(cd, dict)):
            return self._copy(self.c, cp, op)
        self._value(op, (self.c, cp))
        result: dict[str, Any] = {}
        for key in bd:
            if key not in cd:
                self._key(self.b, (*bp, key), (*op, key))
                result[key] = self._copy(self.b, (*bp, key), (*op, key))
        for key in cd:
            self._key(self.c, (*cp, key), (*op, key))
            if key in bd:
                result[key] = self._deep((*bp, key), (*cp, key), (*op, key))
            else:
                result[key] = self._copy(self.c, (*cp, key), (*op, key))
        return result

    # ------------------------------------------------------------ named entries
    def _flag(self, cp: PathKey, entry: Any) -> bool | None:
        """The entry's ``override`` (False if absent); None, with a problem, if not a boolean."""
        if not isinstance(entry, dict) or "override" not in entry:
            return False
        flag = entry["override"]
        if isinstance(flag, bool):
            return flag
        self._problem((*cp, "override"), f"expected true or false, got {_shape(flag)}")
        return None

    def _named(self, bp: PathKey, cp: PathKey, op: PathKey, kind: _Kind) -> Any:
        """A mapping of named entries (parameters, chips...): new names added, a base name
        changed only with ``override: true``."""
        bd, cd = _get(self.b.data, bp, _MISSING), _get(self.c.data, cp)
        if bd is _MISSING:
            bd = {}
        if not (isinstance(bd, dict) and isinstance(cd, dict)):
            return self._copy(self.c, cp, op)
        self._value(op, (self.c, cp), (self.b, bp))
        result: dict[str, Any] = {}
        for name in bd:
            if name in cd:
                self._key(self.c, (*cp, name), (*op, name))
                result[name] = self._changed((*bp, name), (*cp, name), (*op, name), kind, name)
            else:
                self._key(self.b, (*bp, name), (*op, name))
                result[name] = self._copy(self.b, (*bp, name), (*op, name))
        for name in cd:
            if name not in bd:
                self._key(self.c, (*cp, name), (*op, name))
                result[name] = self._added((*cp, name), (*op, name), kind, name, list(bd))
        return result

    def _changed(
        self, bp: PathKey, cp: PathKey, op: PathKey, kind: _Kind, name: str, at: PathKey = ()
    ) -> Any:
        """A child entry named like a base entry: with ``override: true``, each key it gives
        replaces the base's; without, an error naming both places."""
        be, ce = _get(self.b.data, bp), _get(self.c.data, cp)
        if not (isinstance(be, dict) and isinstance(ce, dict)):
            return self._copy(self.c, cp, op)  # the shape check says what is wrong
        flag = self._flag(cp, ce)
        if flag is False:
            # a term is found by its 'name' value, a chip or parameter by its key
            base_at = self.located(self.b, (*bp, *at), key=not at)
            self._problem(
                (*cp, *at), f"'{name}' is already {kind.a()} in {_text(base_at)}; to change it "
                "here add 'override: true' (the keys given then replace the base's), or give "
                "this one another name", key=not at)
        self._value(op, (self.c, cp))
        result: dict[str, Any] = {}
        for src, sp, d in ((self.b, bp, be), (self.c, cp, ce)):
            for key in d:
                if key == "override" or (src is self.b and key in ce):
                    continue
                self._key(src, (*sp, key), (*op, key))
                result[key] = self._copy(src, (*sp, key), (*op, key))
        return result

    def _added(
        self, cp: PathKey, op: PathKey, kind: _Kind, name: str | None, choices: Sequence[str]
    ) -> Any:
        """A child entry with a name the base does not have (or no name): added as written,
        without its ``override``, which must not be true."""
        ce = _get(self.c.data, cp)
        if not isinstance(ce, dict) or "override" not in ce:
            return self._copy(self.c, cp, op)
        if self._flag(cp, ce) is True:
            if name is None:
                msg = "'override: true' needs the 'name' of the base term it changes"
            else:
                near = closest(name, choices)
                hint = f" (did you mean '{near}'?)" if near else ""
                msg = (f"'override: true', but {self.base_file} has no {kind.named(name)}{hint}; "
                       f"without 'override' it would be added as a new {kind.noun}")
            self._problem((*cp, "override"), msg, key=True)
        self._value(op, (self.c, cp))
        result: dict[str, Any] = {}
        for key in ce:
            if key != "override":
                self._key(self.c, (*cp, key), (*op, key))
                result[key] = self._copy(self.c, (*cp, key), (*op, key))
        return result

    # ------------------------------------------------------------ players
    def _players(self) -> Any:
        p: PathKey = ("players",)
        bd, cd = _get(self.b.data, p, _MISSING), self.c.data["players"]
        if not (isinstance(bd, list) and isinstance(cd, list)):
            return self._copy(self.c, p, p)
        names = [_term_name(q) for q in bd]
        known = [n for n in names if n is not None]
        listed = ", ".join(known) or "none"
        matched: dict[int, int] = {}  # base index -> child index
        for k, q in enumerate(cd):
            name = _term_name(q)
            if name is None:
                example = f" ('name: {known[0]}')" if known else ""
                self._problem((*p, k), "in a file that extends another, a player gives the name "
                              f"of the base player it changes{example}; players of "
                              f"{self.base_file}: {listed}")
                continue
            if name not in names:
                near = closest(name, known)
                hint = f"; did you mean '{near}'?" if near else ""
                self._problem((*p, k, "name"), f"unknown player '{name}'{hint} (players of "
                              f"{self.base_file}: {listed}); a file that extends another changes "
                              "the base's players, it cannot add or rename one")
                continue
            bi = names.index(name)
            if bi in matched:
                self._problem((*p, k, "name"), f"player '{name}' is given twice (also at "
                              f"players[{matched[bi]}])")
                continue
            matched[bi] = k
        self._value(p, (self.c, p))
        result = []
        for bi in range(len(bd)):
            if bi in matched:
                result.append(self._player((*p, bi), (*p, matched[bi]), (*p, bi)))
            else:
                result.append(self._copy(self.b, (*p, bi), (*p, bi)))
        return result

    def _player(self, bp: PathKey, cp: PathKey, op: PathKey) -> Any:
        be, ce = _get(self.b.data, bp), _get(self.c.data, cp)
        if not isinstance(be, dict):
            return self._copy(self.c, cp, op)
        self._value(op, (self.c, cp))
        owner = _term_name(ce)
        result: dict[str, Any] = {}
        for key in [*be, *(k for k in ce if k not in be)]:
            src, sp = (self.c, cp) if key in ce else (self.b, bp)
            self._key(src, (*sp, key), (*op, key))
            if key == "chips" and key in ce:
                result[key] = self._named(
                    (*bp, key), (*cp, key), (*op, key), _Kind("chip", owner))
            elif key == "exclude" and key in ce and key in be:
                result[key] = self._appended((*bp, key), (*cp, key), (*op, key))
            else:
                result[key] = self._copy(src, (*sp, key), (*op, key))
        return result

    def _appended(self, bp: PathKey, cp: PathKey, op: PathKey) -> Any:
        bd, cd = _get(self.b.data, bp), _get(self.c.data, cp)
        if not (isinstance(bd, list) and isinstance(cd, list)):
            return self._copy(self.c, cp, op)
        self._value(op, (self.c, cp))
        out = [self._copy(self.b, (*bp, k), (*op, k)) for k in range(len(bd))]
        out += [self._copy(self.c, (*cp, k), (*op, len(bd) + k)) for k in range(len(cd))]
        return out

    # ------------------------------------------------------------ payoff terms
    def _payoffs(self) -> Any:
        p: PathKey = ("payoffs",)
        bd, cd = _get(self.b.data, p, _MISSING), self.c.data["payoffs"]
        if bd is _MISSING:
            bd = {}
        if not (isinstance(bd, dict) and isinstance(cd, dict)):
            return self._copy(self.c, p, p)
        self._value(p, (self.c, p))
        result: dict[str, Any] = {}
        for player in [*bd, *(k for k in cd if k not in bd)]:
            src = self.c if player in cd else self.b
            self._key(src, (*p, player), (*p, player))
            if player in cd:
                result[player] = self._terms((*p, player), str(player))
            else:
                result[player] = self._copy(self.b, (*p, player), (*p, player))
        return result

    def _terms(self, p: PathKey, player: str) -> Any:
        """A player's terms: a child term named like a base term changes it in place (with
        ``override: true``); the child's other terms are appended."""
        bd, cd = _get(self.b.data, p, _MISSING), _get(self.c.data, p)
        if bd is _MISSING:
            bd = []
        if not (isinstance(bd, list) and isinstance(cd, list)):
            return self._copy(self.c, p, p)
        self._value(p, (self.c, p))
        base_index: dict[str, int] = {}
        for k, t in enumerate(bd):
            name = _term_name(t)
            if name is not None:
                base_index.setdefault(name, k)
        kind = _Kind("term", player)
        matched: dict[int, int] = {}  # base index -> child index
        added: list[int] = []
        for k, t in enumerate(cd):
            name = _term_name(t)
            if name is not None and name in base_index and base_index[name] not in matched:
                matched[base_index[name]] = k
            else:
                added.append(k)
        terms: list[Any] = []
        for k in range(len(bd)):
            here = (*p, len(terms))
            if k in matched:
                name = _term_name(bd[k])
                assert name is not None
                terms.append(self._changed((*p, k), (*p, matched[k]), here, kind, name,
                                           at=("name",)))
            else:
                terms.append(self._copy(self.b, (*p, k), here))
        for k in added:
            terms.append(self._added((*p, k), (*p, len(terms)), kind, _term_name(cd[k]),
                                     list(base_index)))
        return terms

    # ------------------------------------------------------------ sources
    def _sources(self) -> Any:
        p: PathKey = ("sources",)
        bd, cd = _get(self.b.data, p, _MISSING), self.c.data["sources"]
        if isinstance(bd, dict) and isinstance(cd, dict):
            for key, text in cd.items():
                if key in bd and isinstance(text, str) and text != bd[key]:
                    self._problem((*p, key), f"source '{key}' is already in "
                                  f"{_text(self.located(self.b, (*p, key), key=True))} with "
                                  "another citation; a source cannot be overridden (the base "
                                  "cites it): give this citation a new key", key=True)
        return self._deep(p, p, p)
