"""Gambit strategic-form files (``.nfg``), two players: read both variants, write the payoff one.

The format (Gambit's documentation, "The strategic game (.nfg) file format"): a header
``NFG 1 R "title" { "player 1" "player 2" }`` followed either by the number of strategies of
each player (``{ 3 2 }``) or by their names (``{ { "a" "b" "c" } { "x" "y" } }``), an optional
comment string, then either

* the payoff variant: for every profile, each player's payoff, profiles listed with the first
  player's strategy changing fastest; or
* the outcome variant: a list of outcomes ``{ "name" p1, p2 }`` followed by one outcome number
  per profile (same order; 0 is the null outcome, paying 0 to everybody).

Payoffs may be integers, decimals or fractions (``1/3``); they are read exactly.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

from .errors import PayoffFileError, Problem
from .formula import parse
from .game import Chip, Game, OutcomeInfo, PlayerInfo, TermInfo, frozen_mapping

_TOKEN = re.compile(
    r'\s*(?:(?P<str>"(?:[^"\\]|\\.)*")|(?P<brace>[{}])|(?P<comma>,)'
    r"|(?P<num>[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?(?:/\d+)?)|(?P<word>[A-Za-z]+)"
    r"|(?P<bad>\S))"
)


@dataclass(frozen=True)
class NfgGame:
    title: str
    players: tuple[str, str]
    strategies: tuple[tuple[str, ...], tuple[str, ...]]
    A: tuple[tuple[Fraction, ...], ...]
    B: tuple[tuple[Fraction, ...], ...]

    def matrices(self) -> tuple[np.ndarray, np.ndarray]:
        return (np.array(self.A, dtype=float), np.array(self.B, dtype=float))


@dataclass
class _Tok:
    kind: str
    text: str
    line: int
    col: int


class _Reader:
    def __init__(self, text: str, file: str):
        self.file = file
        self.toks: list[_Tok] = []
        starts = [0] + [k + 1 for k, ch in enumerate(text) if ch == "\n"]
        for m in _TOKEN.finditer(text):
            kind = m.lastgroup
            if kind is None:
                continue
            at = m.start(kind)
            line = bisect.bisect_right(starts, at)
            col = at - starts[line - 1] + 1
            if kind == "bad":
                self.fail(line, col, f"unexpected character '{m.group(kind)}'")
            if kind != "comma":
                self.toks.append(_Tok(kind, m.group(kind), line, col))
        self.k = 0
        end = self.toks[-1] if self.toks else _Tok("", "", 1, 1)
        self.last = (end.line, end.col + len(end.text))

    def fail(self, line: int, col: int, message: str) -> None:
        raise PayoffFileError([Problem(self.file, line, col, "", message)])

    def peek(self) -> _Tok | None:
        return self.toks[self.k] if self.k < len(self.toks) else None

    def next(self, kind: str | None = None, what: str = "") -> _Tok:
        tok = self.peek()
        if tok is None:
            self.fail(*self.last, f"the file ends early: expected {what or kind}")
            raise AssertionError  # unreachable
        if kind is not None and tok.kind != kind:
            self.fail(tok.line, tok.col, f"expected {what or kind}, found '{tok.text}'")
        self.k += 1
        return tok

    def brace(self, which: str) -> _Tok:
        tok = self.next("brace", f"'{which}'")
        if tok.text != which:
            self.fail(tok.line, tok.col, f"expected '{which}', found '{tok.text}'")
        return tok

    def at(self, text: str) -> bool:
        tok = self.peek()
        return tok is not None and tok.text == text

    def string(self, what: str) -> str:
        raw = self.next("str", what).text[1:-1]
        return re.sub(r"\\(.)", r"\1", raw)

    def number(self, what: str) -> Fraction:
        tok = self.next("num", what)
        try:
            return Fraction(tok.text)
        except (ValueError, ZeroDivisionError):
            self.fail(tok.line, tok.col, f"'{tok.text}' is not a number")
            raise AssertionError from None


def read_nfg_text(text: str, file: str = "<nfg>") -> NfgGame:
    """Parse a two-player .nfg file. Raises PayoffFileError with the line and column."""
    r = _Reader(text, file)
    head = r.next("word", "'NFG'")
    if head.text != "NFG":
        r.fail(head.line, head.col, "not a Gambit strategic-form file: it must start with 'NFG'")
    version = r.next("num", "the version 1")
    if version.text != "1":
        r.fail(version.line, version.col, f"unsupported .nfg version {version.text}")
    r.next("word", "'R' or 'D'")
    title = r.string("the title")
    brace = r.brace("{")
    players: list[str] = []
    while not r.at("}"):
        players.append(r.string("a player name"))
    r.brace("}")
    if len(players) != 2:
        r.fail(brace.line, brace.col, f"only two-player games are supported; this one has "
               f"{len(players)} players")
    r.brace("{")
    names: list[list[str]] = []
    if r.at("{"):
        for p in range(2):
            r.brace("{")
            names.append([])
            while not r.at("}"):
                names[p].append(r.string(f"a strategy name of {players[p]}"))
            r.brace("}")
    else:
        for p in range(2):
            count = r.number(f"the number of strategies of {players[p]}")
            if count.denominator != 1 or count < 1:
                tok = r.toks[r.k - 1]
                r.fail(tok.line, tok.col, "a number of strategies must be a positive integer")
            names.append([str(k + 1) for k in range(int(count))])
    r.brace("}")
    m, n = len(names[0]), len(names[1])
    if m == 0 or n == 0:
        r.fail(brace.line, brace.col, "every player needs at least one strategy")
    comment = r.peek()
    if comment is not None and comment.kind == "str":
        r.next()
    A = [[Fraction(0)] * n for _ in range(m)]
    B = [[Fraction(0)] * n for _ in range(m)]
    if r.at("{"):
        r.brace("{")
        outcomes: list[tuple[Fraction, Fraction]] = []
        while not r.at("}"):
            r.brace("{")
            r.string("an outcome name")
            pays = (r.number("a payoff"), r.number("a payoff"))
            r.brace("}")
            outcomes.append(pays)
        r.brace("}")
        for k in range(m * n):
            tok = r.next("num", f"the outcome of profile {k + 1} of {m * n}")
            idx = Fraction(tok.text)
            if idx.denominator != 1 or not 0 <= idx <= len(outcomes):
                r.fail(tok.line, tok.col, f"outcome number {tok.text} is not between 0 and "
                       f"{len(outcomes)}")
            if idx:
                A[k % m][k // m], B[k % m][k // m] = outcomes[int(idx) - 1]
    else:
        for k in range(m * n):
            what = f"the payoffs of profile {k + 1} of {m * n}"
            A[k % m][k // m] = r.number(what)
            B[k % m][k // m] = r.number(what)
    extra = r.peek()
    if extra is not None:
        r.fail(extra.line, extra.col, f"unexpected '{extra.text}' after the last payoff")
    return NfgGame(
        title,
        (players[0] or "Player 1", players[1] or "Player 2"),
        (tuple(names[0]), tuple(names[1])),
        tuple(map(tuple, A)),
        tuple(map(tuple, B)),
    )


def read_nfg(path: str | Path) -> NfgGame:
    return _read_nfg(path)[0]


def _read_nfg(path: str | Path) -> tuple[NfgGame, bytes]:
    """The game and the file's bytes; only a regular file of at most 4 MiB is read."""
    from .yamlsource import read_file

    raw = read_file(Path(path), str(path))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PayoffFileError([Problem(str(path), 1, 1, "", f"cannot read: {exc}")]) from None
    return read_nfg_text(text, str(path)), raw


def _number(v: float | Fraction) -> str:
    if isinstance(v, Fraction):
        return str(v.numerator) if v.denominator == 1 else f"{v.numerator}/{v.denominator}"
    f = float(v)
    return str(int(f)) if f.is_integer() and abs(f) < 1e15 else repr(f)


def _quote(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_nfg(
    title: str,
    players: Sequence[str],
    strategies: Sequence[Sequence[str]],
    A: np.ndarray | Sequence[Sequence[float | Fraction]],
    B: np.ndarray | Sequence[Sequence[float | Fraction]],
    comment: str = "",
) -> str:
    """A two-player game as the text of a payoff-variant .nfg file."""
    m, n = len(strategies[0]), len(strategies[1])
    lines = [
        f"NFG 1 R {_quote(title)} {{ {' '.join(map(_quote, players))} }}",
        "{ " + " ".join("{ " + " ".join(map(_quote, s)) + " }" for s in strategies) + " }",
        "",
        _quote(comment),
        "",
    ]
    pays = []
    for j in range(n):
        for i in range(m):
            pays.append(f"{_number(A[i][j])} {_number(B[i][j])}")
    lines.append(" ".join(pays))
    return "\n".join(lines) + "\n"


def game_to_nfg(game: Game, A: np.ndarray, B: np.ndarray, comment: str = "") -> str:
    return write_nfg(game.title, game.player_names, game.actions, A, B, comment)


def game_from_nfg(path: str | Path) -> Game:
    """A .nfg file as a :class:`Game` (one chip per player; no parameters or outcomes)."""
    import hashlib

    nfg, data = _read_nfg(path)
    m, n = len(nfg.strategies[0]), len(nfg.strategies[1])
    players = []
    for p in range(2):
        labels = nfg.strategies[p]
        chip = Chip("strategy", "", tuple(labels), None)
        players.append(
            PlayerInfo(nfg.players[p], "", (chip,), tuple((k,) for k in range(len(labels))),
                       tuple(labels))
        )
    terms = []
    for p, M in ((0, nfg.A), (1, nfg.B)):
        for i in range(m):
            for j in range(n):
                mask = np.zeros((m, n), dtype=bool)
                mask[i, j] = True
                v = M[i][j]
                terms.append(TermInfo(p, parse(repr(float(v))), mask, f"{path}: payoff ({i}, {j})"))
    outcomes: tuple[OutcomeInfo, ...] = ()
    return Game(
        path=Path(path),
        title=nfg.title or Path(path).stem,
        description="",
        sources=frozen_mapping({}),
        players=(players[0], players[1]),
        parameters=frozen_mapping({}),
        scenarios=frozen_mapping({}),
        outcomes=outcomes,
        terms=tuple(terms),
        sha256=hashlib.sha256(data).hexdigest(),
        files=(Path(path).resolve(),),
    )
