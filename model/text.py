"""Plain-text formatting helpers shared by reports and tables."""

from __future__ import annotations

import math
import re
import textwrap
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Literal

import numpy as np


def fmt(v: float, decimals: int) -> str:
    if v == 0:
        v = 0.0  # no "-0"
    return f"{v:.{decimals}f}"


def decimals(*ms: np.ndarray) -> int:
    """Fewest decimals (0 to 3) that show every payoff exactly, else 2."""
    values = np.concatenate([m.ravel() for m in ms])
    for d in range(4):
        if np.allclose(values, np.round(values, d), atol=1e-9, rtol=0):
            return d
    return 2


#: The width that text reports fit by default: a projected slide or a terminal of 100 columns.
WIDTH = 100

_width: ContextVar[int | None] = ContextVar("leverage_text_width", default=WIDTH)


def text_width() -> int | None:
    """The width that tables and reports fit now (None: each at its natural width)."""
    return _width.get()


@contextmanager
def fitting(width: int | None) -> Iterator[None]:
    """Within the block, tables and reports fit ``width`` columns (None: no limit)."""
    token = _width.set(width)
    try:
        yield
    finally:
        _width.reset(token)


def table(header: Sequence[str], rows: Sequence[Sequence[str]], align: str = "",
          width: int | Literal["auto"] | None = "auto") -> str:
    """A plain text table; ``align`` has one letter per column, 'l' or 'r' (default right).

    A table wider than ``width`` (by default :func:`text_width`) is made to fit: the text of
    its left-aligned columns after the first is wrapped within its cell, and if that is not
    enough the columns are shown in blocks one under the other, each repeating the first."""
    cols = len(header)
    grid = [[str(v) for v in r] for r in [header, *rows]]
    widths = [max(len(r[c]) for r in grid) for c in range(cols)]
    al = (align or ("l" + "r" * (cols - 1))).ljust(cols, "r")
    limit = text_width() if width == "auto" else width
    if limit is None or sum(widths) + 2 * (cols - 1) <= limit:
        return _block(grid, list(range(cols)), widths, al)
    return _fitted(grid, widths, al, limit)


def _block(grid: list[list[str]], cols: list[int], widths: list[int], al: str) -> str:
    """The columns ``cols`` of ``grid`` (header first), each in its width, a cell's text
    wrapped onto more lines if it is longer."""

    def lines(r: list[str]) -> list[str]:
        cells = [_wrap_cell(r[c], w) for c, w in zip(cols, widths, strict=True)]
        height = max(len(c) for c in cells)
        out = []
        for k in range(height):
            parts = [
                (cell[k] if k < len(cell) else "").ljust(w) if al[c] == "l"
                else (cell[k] if k < len(cell) else "").rjust(w)
                for c, w, cell in zip(cols, widths, cells, strict=True)
            ]
            out.append("  ".join(parts).rstrip())
        return out

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([*lines(grid[0]), rule, *(ln for r in grid[1:] for ln in lines(r))])


def _wrap_cell(text: str, width: int) -> list[str]:
    """A cell's lines: a list (``a + b``, ``a, b``) broken after its separators if every term
    fits, other text at spaces."""
    if len(text) <= width:
        return [text]
    for sep in ("+", ","):
        terms = text.split(f"{sep} ")
        if len(terms) > 1 and all(len(t) < width for t in terms):
            terms = [t + sep for t in terms[:-1]] + terms[-1:]
            lines = [terms[0]]
            for t in terms[1:]:
                if len(lines[-1]) + 1 + len(t) <= width:
                    lines[-1] += " " + t
                else:
                    lines.append(t)
            return lines
    return textwrap.wrap(text, width, break_on_hyphens=False) or [""]


#: A wrapped cell is at least this wide (or its longest word, up to twice that).
_MIN_CELL = 16


def _fitted(grid: list[list[str]], natural: list[int], al: str, limit: int) -> str:
    cols = len(natural)
    wrappable = {c for c in range(1, cols) if al[c] == "l"}

    def least(c: int) -> int:
        if c not in wrappable:
            return natural[c]
        word = max((len(w) for r in grid for w in r[c].split()), default=0)
        return min(natural[c], max(_MIN_CELL, min(word, 2 * _MIN_CELL)))

    low = [least(c) for c in range(cols)]
    blocks: list[list[int]] = []
    cur, used = [0], low[0]
    for c in range(1, cols):
        if used + 2 + low[c] > limit and len(cur) > 1:
            blocks.append(cur)
            cur, used = [0], low[0]
        cur.append(c)
        used += 2 + low[c]
    blocks.append(cur)
    blocks = _balanced(blocks, low, limit)
    out = []
    for b in blocks:
        widths = [natural[c] for c in b]
        excess = sum(widths) + 2 * (len(b) - 1) - limit
        while excess > 0:
            cand = [k for k, c in enumerate(b) if c in wrappable and widths[k] > low[c]]
            if not cand:
                break
            k = max(cand, key=lambda k: widths[k])
            others = max((widths[j] for j in cand if j != k), default=0)
            target = max(low[b[k]], widths[k] - excess, others)
            if target >= widths[k]:
                target = widths[k] - 1
            excess -= widths[k] - target
            widths[k] = target
        out.append(_block(grid, b, widths, al))
    return "\n\n".join(out)


def _balanced(blocks: list[list[int]], low: list[int], limit: int) -> list[list[int]]:
    """As many blocks as ``blocks``, with the columns after the first shared among them as
    evenly as fits (so that a matrix of 12 columns shows 6 and 6, not 10 and 2)."""
    k, rest = len(blocks), [c for b in blocks for c in b[1:]]
    if k < 2:
        return blocks
    size = -(-len(rest) // k)
    even = [[0, *rest[i:i + size]] for i in range(0, len(rest), size)]
    fits = all(sum(low[c] for c in b) + 2 * (len(b) - 1) <= limit for b in even)
    return even if fits and len(even) == k else blocks


_BULLET = re.compile(r"(\s*)(- |\* |\[[^\]]+\] |\d+\. )?")


def fit(text: str, width: int | None = None) -> str:
    """``text`` with every line longer than ``width`` (by default :func:`text_width`) wrapped
    at spaces: the continuation of an indented line, a bullet or a numbered step hangs under
    its text, a line that starts at the margin goes on at the margin."""
    limit = text_width() if width is None else width
    if limit is None:
        return text
    out = []
    for line in text.split("\n"):
        if len(line) <= limit:
            out.append(line)
            continue
        m = _BULLET.match(line)
        assert m is not None
        indent, bullet = m.group(1), m.group(2) or ""
        if bullet:
            hang = indent + " " * min(len(bullet), 4) if bullet.startswith("[") else (
                indent + " " * len(bullet))
        else:
            hang = indent + "    " if indent else ""
        out.extend(textwrap.wrap(line, limit, subsequent_indent=hang,
                                 break_on_hyphens=False, drop_whitespace=True) or [line])
    return "\n".join(out)


def codes(prefix: str, n: int) -> list[str]:
    width = len(str(n))
    return [f"{prefix}{k + 1:0{width}d}" if n > 9 else f"{prefix}{k + 1}" for k in range(n)]


def strategy_text(p: np.ndarray, labels: Sequence[str], short: Sequence[str]) -> str:
    """``cooperate`` for a pure strategy, ``2/3 R1 + 1/3 R2`` style for a mixed one."""
    support = np.flatnonzero(p > 0)
    if len(support) == 1:
        k = int(support[0])
        return f"{short[k]} ({labels[k]})" if short[k] != labels[k] else labels[k]
    return " + ".join(f"{prob_text(float(p[k]))} {short[int(k)]}" for k in support)


def prob_text(p: float) -> str:
    for den in range(2, 13):
        num = round(p * den)
        if abs(num / den - p) < 1e-9 and 0 < num < den and math.gcd(num, den) == 1:
            return f"{num}/{den}"
    return f"{p:.4f}"
