"""Errors raised on bad input, each able to say where in which file it went wrong."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


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
            return f"{where}: {self.field}: {self.message}"
        return f"{where}: {self.message}"


class LeverageError(Exception):
    """Base class of every error this package raises on bad input."""


class PayoffFileError(LeverageError):
    """A payoff file is invalid. ``problems`` lists every problem found, first one first."""

    def __init__(self, problems: Sequence[Problem]):
        if not problems:
            raise ValueError("PayoffFileError needs at least one problem")
        self.problems = tuple(sorted(problems, key=lambda p: (p.file, p.line, p.col)))
        super().__init__(self.render())

    def render(self, limit: int = 20) -> str:
        lines = [str(p) for p in self.problems[:limit]]
        rest = len(self.problems) - limit
        if rest > 0:
            lines.append(f"... and {rest} more problem{'s' if rest > 1 else ''}")
        return "\n".join(lines)


class UsageError(LeverageError):
    """Bad command-line or API arguments (unknown scenario, bad --set, ...)."""


def did_you_mean(name: str, choices: Iterable[str]) -> str:
    """Return ``"; did you mean 'x'?"`` for the closest choice, or ``""`` if none is close."""
    close = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def known(choices: Iterable[str], limit: int = 12) -> str:
    """A short, sorted list of the allowed names for a message."""
    names = sorted(choices)
    if not names:
        return "(none defined)"
    shown = ", ".join(names[:limit])
    if len(names) > limit:
        shown += f", ... ({len(names)} in all)"
    return shown
