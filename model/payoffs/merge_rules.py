"""The rules by which a payoff file merges over the file it ``extends``.

The child merges over its base (itself already merged over its own bases):

- ``players`` by ``name``: a child's player changes the base player of that name, which keeps
  its place; a player the base does not have is an error (a file cannot add or rename one).
  A player's ``chips`` merge by chip name and its ``exclude`` list is appended to the base's.
- ``parameters``, ``derived``, ``scenarios``, ``outcomes``, chips and payoff terms (by
  ``name``, per player) merge by name: a new name is added after the base's entries; a name the
  base has already is an error unless the child's entry says ``override: true``, in which case
  each key the entry gives replaces the base entry's key and the others are kept.
- ``sources`` merge by key; giving a base key another citation is an error.
- ``dynamics`` and ``matrices`` merge key by key; every other value is replaced by the child's.

Every value keeps its position (and the keys theirs), so each problem is reported in the file
where its text is; an error of the merge itself is reported in the child.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from model.errors import PayoffFileError, Problem, closest
from model.payoffs.source import Located, Mark, PathKey, field_path

_MISSING = object()


def shape(value: Any) -> str:
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


def merge_over(base: Located, child: Located, base_file: str) -> Located:
    """``child`` merged over ``base`` (the document of ``base_file``), with the positions of
    both. Raises PayoffFileError listing every problem of the merge."""
    merge = _Merge(base, child, base_file)
    merge.out.data = merge.run()
    if merge.problems:
        raise PayoffFileError(merge.problems)
    return merge.out


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
        self._problem((*cp, "override"), f"expected true or false, got {shape(flag)}")
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
