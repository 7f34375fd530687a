"""Gambit strategic-form files (``.nfg``), two players: read both variants, write the payoff one.

The format (Gambit's documentation, "The strategic game (.nfg) file format"): a header
``NFG 1 R "title" { "player 1" "player 2" }`` followed either by the number of strategies of
each player (``{ 3 2 }``) or by their names (``{ { "a" "b" "c" } { "x" "y" } }``), an optional
comment string, then either

* the payoff variant: for every profile, each player's payoff, profiles listed with the first
  player's strategy changing fastest; or
* the outcome variant: a list of outcomes ``{ "name" p1, p2 }`` followed by one outcome number
  per profile (same order; 0 is the null outcome, paying 0 to everybody).

Payoffs may be integers, decimals or fractions (``1/3``); they are read exactly (``0.1`` is
1/10), and ``leverage solve --exact`` solves the game with these exact payoffs.

The reader checks the limits of :mod:`model.limits` before spending the memory or time they
protect: the file's size (by ``stat``, before opening it; only regular files are read), the
strategies per player and the profiles (before the matrices are allocated), the outcomes, and
each number's length, exponent and magnitude (before it is converted). The file is read one
token at a time, so a syntax error is reported as soon as it is reached. Every problem is one
``FILE:LINE:COL: message`` (:class:`~model.errors.PayoffFileError`).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

from model.errors import PayoffFileError, Problem
from model.game import Game
from model.limits import (
    MAX_ACTIONS,
    MAX_EXPONENT,
    MAX_NUMBER_LENGTH,
    MAX_PAYOFF,
    MAX_PROFILES,
    MIN_PAYOFF_SCALE,
    NFG_MAX_BYTES,
    NFG_MAX_OUTCOMES,
)
from model.payoffs.compiled import Chip, FixedPayoffs, OutcomeInfo, PlayerInfo, frozen_mapping

_TOKEN = re.compile(
    r'\s*(?:(?P<str>"(?:[^"\\]|\\.)*")|(?P<brace>[{}])|(?P<comma>,)'
    r"|(?P<num>[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?(?:/\d+)?)|(?P<word>[A-Za-z]+)"
    r"|(?P<bad>\S))"
)
_EXP = re.compile(r"[eE]([+-]?\d+)")
_LARGEST = Fraction(repr(MAX_PAYOFF))  # 10**300 exactly, not the float nearest it
_SMALLEST = Fraction(repr(MIN_PAYOFF_SCALE))
# A number of at most _WHOLE_DIGITS digits before the point is below MAX_PAYOFF; a nonzero
# fraction whose numerator has ``size`` more bits than its denominator lies between
# 2**(size - 1) and 2**(size + 1), so within the limits when _LOW_BITS < size < _HIGH_BITS.
_WHOLE_DIGITS = len(str(_LARGEST.numerator)) - 1
_HIGH_BITS = _LARGEST.numerator.bit_length() - 2
_LOW_BITS = -_SMALLEST.denominator.bit_length() + 2
_SHOWN = 40  # characters of a token quoted in a message
_CACHE = 65_536  # distinct numbers whose text is remembered


@dataclass(frozen=True)
class NfgGame:
    title: str
    players: tuple[str, str]
    strategies: tuple[tuple[str, ...], tuple[str, ...]]
    A: tuple[tuple[Fraction, ...], ...]
    B: tuple[tuple[Fraction, ...], ...]

    def matrices(self) -> tuple[np.ndarray, np.ndarray]:
        return (_floats(self.A), _floats(self.B))


def _floats(M: tuple[tuple[Fraction, ...], ...]) -> np.ndarray:
    # |v| <= MAX_PAYOFF for every number read, so no conversion overflows
    return np.array([[float(v) for v in row] for row in M], dtype=float).reshape(len(M), -1)


@dataclass
class _Tok:
    kind: str
    text: str
    line: int
    col: int


def _show(text: str) -> str:
    return text if len(text) <= _SHOWN else text[:_SHOWN] + "..."


class _Reader:
    """Tokens of the text, read one at a time with their line and column."""

    def __init__(self, text: str, file: str):
        self.file = file
        self.text = text
        self._matches = _TOKEN.finditer(text)
        self._line, self._line_start, self._scanned = 1, 0, 0
        self._end = (1, 1)  # just after the last token read
        self._ahead: _Tok | None = None
        self._done = False
        self.last_tok: _Tok | None = None
        self._numbers: dict[str, Fraction] = {}  # the numbers read so far, by their text

    def _position(self, at: int) -> tuple[int, int]:
        """Line and column of offset ``at`` (not before the last offset asked about)."""
        newlines = self.text.count("\n", self._scanned, at)
        if newlines:
            self._line += newlines
            self._line_start = self.text.rfind("\n", self._scanned, at) + 1
        self._scanned = at
        return self._line, at - self._line_start + 1

    def _advance(self) -> _Tok | None:
        for m in self._matches:
            kind = m.lastgroup
            if kind is None or kind == "comma":
                continue
            at = m.start(kind)
            line, col = self._position(at)
            text = m.group(kind)
            if kind == "bad":
                if text == '"':
                    self.fail(line, col, "a quoted string is not closed")
                self.fail(line, col, f"unexpected character {text!r}")
            if kind == "str":
                end_line, end_col = self._position(m.end(kind))
                self._end = (end_line, end_col)
            else:
                self._end = (line, col + len(text))
            return _Tok(kind, text, line, col)
        return None

    def fail(self, line: int, col: int, message: str) -> None:
        raise PayoffFileError([Problem(self.file, line, col, "", message)])

    def fail_at(self, tok: _Tok, message: str) -> None:
        self.fail(tok.line, tok.col, message)

    def peek(self) -> _Tok | None:
        if self._ahead is None and not self._done:
            self._ahead = self._advance()
            self._done = self._ahead is None
        return self._ahead

    def next(self, kind: str | None = None, what: str = "") -> _Tok:
        tok = self.peek()
        if tok is None:
            self.fail(*self._end, f"the file ends early: expected {what or kind}")
            raise AssertionError  # unreachable
        if kind is not None and tok.kind != kind:
            self.fail_at(tok, f"expected {what or kind}, found '{_show(tok.text)}'")
        self._ahead = None
        self.last_tok = tok
        return tok

    def brace(self, which: str) -> _Tok:
        tok = self.next("brace", f"'{which}'")
        if tok.text != which:
            self.fail_at(tok, f"expected '{which}', found '{tok.text}'")
        return tok

    def at(self, text: str) -> bool:
        tok = self.peek()
        return tok is not None and tok.text == text

    def string(self, what: str) -> str:
        raw = self.next("str", what).text[1:-1]
        return re.sub(r"\\(.)", r"\1", raw)

    def number(self, what: str) -> Fraction:
        """A number, read exactly once its length, exponent and magnitude are checked."""
        tok = self.next("num", what)
        text = tok.text
        value = self._numbers.get(text)
        if value is None:
            value = self._convert(tok)
            if len(self._numbers) < _CACHE:
                self._numbers[text] = value
        return value

    def _convert(self, tok: _Tok) -> Fraction:
        text = tok.text
        if len(text) > MAX_NUMBER_LENGTH:
            self.fail_at(tok, f"a number of {len(text):,} characters ('{_show(text)}'): at "
                         f"most {MAX_NUMBER_LENGTH} characters per number")
        digits = text[1:] if text[0] in "+-" else text
        if digits.isascii() and digits.isdigit() and len(digits) <= _WHOLE_DIGITS:
            return Fraction(int(text))  # a whole number below MAX_PAYOFF
        whole, point, decimals = digits.partition(".")
        plain = whole + decimals
        if point and plain.isascii() and plain.isdigit() and len(whole) <= _WHOLE_DIGITS:
            value = Fraction(int(text[: len(text) - len(digits)] + plain), 10 ** len(decimals))
        else:
            value = self._general(tok)
        size = value.numerator.bit_length() - value.denominator.bit_length()
        if not value or _LOW_BITS < size < _HIGH_BITS:  # so the limits hold
            return value
        if abs(value) > _LARGEST:
            self.fail_at(tok, f"'{_show(text)}' is too large: payoffs are at most "
                         f"{MAX_PAYOFF:g} in absolute value (so that their sums, differences and "
                         "products stay finite)")
        if abs(value) < _SMALLEST:
            self.fail_at(tok, f"'{_show(text)}' is too small: a nonzero number must be at least "
                         f"{MIN_PAYOFF_SCALE:g} in absolute value")
        return value

    def _general(self, tok: _Tok) -> Fraction:
        """A number with an exponent or a denominator, its exponent checked first."""
        text = tok.text
        exp = _EXP.search(text)
        if exp is not None and abs(int(exp.group(1))) > MAX_EXPONENT:
            self.fail_at(tok, f"'{_show(text)}': the exponent is beyond {MAX_EXPONENT} (a "
                         f"payoff is at most {MAX_PAYOFF:g} in absolute value, and a nonzero "
                         f"one at least {MIN_PAYOFF_SCALE:g})")
        try:
            value = Fraction(text)
        except (ValueError, ZeroDivisionError):
            why = " (division by zero)" if re.search(r"/0+$", text) else ""
            self.fail_at(tok, f"'{_show(text)}' is not a number{why}")
            raise AssertionError from None
        return value

    def count(self, what: str, limit: int, limit_name: str) -> tuple[int, _Tok]:
        """A positive whole number of at most ``limit`` things."""
        value = self.number(what)
        tok = self.last_tok
        assert tok is not None
        if value.denominator != 1 or value < 1:
            self.fail_at(tok, f"{what} must be a positive whole number, found '{_show(tok.text)}'")
        if value > limit:
            self.fail_at(tok, f"{what} is {tok.text}: at most {limit:,} {limit_name}")
        return int(value), tok


def _read_players(r: _Reader) -> list[str]:
    """The braced list of player names, which must hold exactly two."""
    brace = r.brace("{")
    players: list[str] = []
    while not r.at("}"):
        if len(players) == 2:
            r.fail(brace.line, brace.col, "only two-player games are supported; this one has "
                   "more than two players")
        players.append(r.string("a player name"))
    r.brace("}")
    if len(players) != 2:
        r.fail(brace.line, brace.col, f"only two-player games are supported; this one has "
               f"{len(players)} player{'' if len(players) == 1 else 's'}")
    return players


def _read_strategies(r: _Reader, players: list[str]) -> list[list[str]]:
    """Each player's strategy names (or counts, numbered from 1), their sizes checked."""
    names_brace = r.brace("{")
    names: list[list[str]] = []
    if r.at("{"):
        for p in range(2):
            r.brace("{")
            names.append([])
            while not r.at("}"):
                if len(names[p]) == MAX_ACTIONS:
                    tok = r.peek()
                    assert tok is not None
                    r.fail_at(tok, f"{players[p] or f'player {p + 1}'} has more than "
                              f"{MAX_ACTIONS:,} strategies: at most {MAX_ACTIONS:,} strategies "
                              "per player")
                names[p].append(r.string(f"a strategy name of {players[p]}"))
            r.brace("}")
    else:
        for p in range(2):
            who = players[p] or f"player {p + 1}"
            count, _ = r.count(f"the number of strategies of {who}", MAX_ACTIONS,
                               "strategies per player")
            names.append([str(k + 1) for k in range(count)])
    r.brace("}")
    m, n = len(names[0]), len(names[1])
    if m == 0 or n == 0:
        r.fail(names_brace.line, names_brace.col, "every player needs at least one strategy")
    if m * n > MAX_PROFILES:
        r.fail(names_brace.line, names_brace.col, f"the game has {m:,} x {n:,} = {m * n:,} "
               f"profiles: at most {MAX_PROFILES:,} profiles")
    return names


def _read_header(r: _Reader) -> tuple[str, list[str], list[list[str]]]:
    """The prologue: 'NFG 1 R', the title, the players, their strategies and the comment."""
    head = r.next("word", "'NFG'")
    if head.text != "NFG":
        r.fail_at(head, "not a Gambit strategic-form file: it must start with 'NFG'")
    version = r.next("num", "the version 1")
    if version.text != "1":
        r.fail_at(version, f"unsupported .nfg version {_show(version.text)}")
    r.next("word", "'R' or 'D'")
    title = r.string("the title")
    players = _read_players(r)
    names = _read_strategies(r, players)
    comment = r.peek()
    if comment is not None and comment.kind == "str":
        r.next()
    return title, players, names


def _read_outcome_body(r: _Reader, A: list[list[Fraction]], B: list[list[Fraction]], m: int,
                       n: int) -> None:
    """The outcome form: the outcomes, then one outcome number per profile, into A and B."""
    r.brace("{")
    outcomes: list[tuple[Fraction, Fraction]] = []
    while not r.at("}"):
        tok = r.brace("{")
        if len(outcomes) == NFG_MAX_OUTCOMES:
            r.fail_at(tok, f"more than {NFG_MAX_OUTCOMES:,} outcomes: at most "
                      f"{NFG_MAX_OUTCOMES:,} outcomes")
        r.string("an outcome name")
        pays = (r.number("a payoff"), r.number("a payoff"))
        r.brace("}")
        outcomes.append(pays)
    r.brace("}")
    for k in range(m * n):
        tok = r.next("num", f"the outcome of profile {k + 1} of {m * n}")
        digits = tok.text.lstrip("+")
        if not digits.isdigit() or len(digits) > 12 or int(digits) > len(outcomes):
            r.fail_at(tok, f"outcome number {_show(tok.text)} is not between 0 and "
                      f"{len(outcomes)}")
        idx = int(digits)
        if idx:
            A[k % m][k // m], B[k % m][k // m] = outcomes[idx - 1]


def _read_payoff_body(r: _Reader, A: list[list[Fraction]], B: list[list[Fraction]], m: int,
                      n: int) -> None:
    """The payoff form: both players' payoffs, profile by profile, into A and B."""
    for k in range(m * n):
        what = f"the payoffs of profile {k + 1} of {m * n}"
        A[k % m][k // m] = r.number(what)
        B[k % m][k // m] = r.number(what)


def read_nfg_text(text: str, file: str = "<nfg>") -> NfgGame:
    """Parse a two-player .nfg file. Raises PayoffFileError with the line and column."""
    r = _Reader(text, file)
    title, players, names = _read_header(r)
    m, n = len(names[0]), len(names[1])
    zero = Fraction(0)
    A = [[zero] * n for _ in range(m)]
    B = [[zero] * n for _ in range(m)]
    if r.at("{"):
        _read_outcome_body(r, A, B, m, n)
    else:
        _read_payoff_body(r, A, B, m, n)
    extra = r.peek()
    if extra is not None:
        r.fail_at(extra, f"unexpected '{_show(extra.text)}' after the last payoff")
    return NfgGame(
        title,
        (players[0] or "Player 1", players[1] or "Player 2"),
        (tuple(names[0]), tuple(names[1])),
        tuple(map(tuple, A)),
        tuple(map(tuple, B)),
    )


def _fail(path: str | Path, message: str, line: int = 1, col: int = 1) -> PayoffFileError:
    return PayoffFileError([Problem(str(path), line, col, "", message)])


def _read_bytes(path: str | Path) -> bytes:
    """The bytes of a .nfg file: a regular file (checked by stat before it is opened, so a
    named pipe is never opened) of at most NFG_MAX_BYTES bytes."""
    from model.payoffs.reading import read_file

    return read_file(Path(path), str(path), NFG_MAX_BYTES, "a .nfg file")


def _decode(data: bytes, path: str | Path) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        col = len(before[before.rfind(b"\n") + 1 :].decode("utf-8", errors="replace")) + 1
        raise _fail(path, f"not UTF-8 text: byte 0x{data[exc.start]:02x} cannot be decoded",
                    line, col) from None


def read_nfg(path: str | Path) -> NfgGame:
    """Read a two-player .nfg file (see the module text for the limits checked)."""
    return read_nfg_text(_decode(_read_bytes(path), path), str(path))


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
    """A .nfg file as a :class:`Game` (one chip per player; no parameters or outcomes). Its
    payoffs are ``Game.fixed``, as floats and exactly as written."""
    data = _read_bytes(path)
    nfg = read_nfg_text(_decode(data, path), str(path))
    players = []
    for p in range(2):
        labels = nfg.strategies[p]
        chip = Chip("strategy", "", tuple(labels), None)
        players.append(
            PlayerInfo(nfg.players[p], "", (chip,), tuple((k,) for k in range(len(labels))),
                       tuple(labels))
        )
    A, B = nfg.matrices()
    A.flags.writeable = False
    B.flags.writeable = False
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
        terms=(),
        sha256=hashlib.sha256(data).hexdigest(),
        files=(Path(path).resolve(),),
        fixed=FixedPayoffs(A, B, nfg.A, nfg.B),
    )
