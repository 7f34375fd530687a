"""Errors raised on bad input, each able to say where in which file it went wrong."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a payoff file, located by file, line, column and field path."""

    file: str
    line: int
    col: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.col}"
        if self.field:
            return f"{where}: {_one_line(self.field)}: {_one_line(self.message)}"
        return f"{where}: {_one_line(self.message)}"


def _one_line(text: str) -> str:
    """Names and values quoted from a file may hold line breaks; a message stays on one line."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


class LeverageError(Exception):
    """Base class of every error this package raises on bad input."""


class PayoffFileError(LeverageError):
    """A payoff file is invalid. ``problems`` lists every problem found, first one first."""

    def __init__(self, problems: Sequence[Problem]):
        if not problems:
            raise ValueError("PayoffFileError needs at least one problem")
        # files in the order they were first reported in, then by position within each file
        order: dict[str, int] = {}
        for p in problems:
            order.setdefault(p.file, len(order))
        self.problems = tuple(sorted(problems, key=lambda p: (order[p.file], p.line, p.col)))
        super().__init__(self.render())

    def __reduce__(self) -> tuple[Any, ...]:  # so that worker processes can send it back
        return (type(self), (self.problems,))

    def render(self, limit: int = 20) -> str:
        lines = [str(p) for p in self.problems[:limit]]
        rest = len(self.problems) - limit
        if rest > 0:
            lines.append(f"... and {rest} more problem{'s' if rest > 1 else ''}")
        return "\n".join(lines)


class UsageError(LeverageError):
    """Bad command-line or API arguments (unknown scenario, bad --set, ...)."""


def closest(name: str, choices: Iterable[str]) -> str | None:
    """The choice closest to ``name`` (ignoring case and ``-``/``_``), or None if none is close."""
    names = [c for c in choices if c != name]

    def norm(s: str) -> str:
        return s.lower().replace("-", "_")

    for c in names:
        if norm(c) == norm(name):
            return c
    by_norm: dict[str, str] = {}
    for c in names:
        by_norm.setdefault(norm(c), c)
    close = difflib.get_close_matches(norm(name), list(by_norm), n=1, cutoff=0.6)
    if close:
        return by_norm[close[0]]
    # an abbreviation or a longer form of a name ("est" for "estimate", or the reverse)
    key = norm(name)
    if len(key) >= 3:
        for n, c in by_norm.items():
            if len(n) >= 3 and (key.startswith(n) or n.startswith(key)):
                return c
    return None


def did_you_mean(name: str, choices: Iterable[str]) -> str:
    """Return ``"; did you mean 'x'?"`` for the closest choice, or ``""`` if none is close."""
    c = closest(name, choices)
    return f"; did you mean '{c}'?" if c is not None else ""


def known(choices: Iterable[str], limit: int = 12) -> str:
    """A short, sorted list of the allowed names for a message."""
    names = sorted(choices)
    if not names:
        return "(none defined)"
    shown = ", ".join(names[:limit])
    if len(names) > limit:
        shown += f", ... ({len(names)} in all)"
    return shown
