"""Plain-text formatting helpers shared by reports and tables."""

from __future__ import annotations

import math
from collections.abc import Sequence

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


def table(header: Sequence[str], rows: Sequence[Sequence[str]], align: str = "") -> str:
    """A plain text table; ``align`` has one letter per column, 'l' or 'r' (default right)."""
    cols = len(header)
    widths = [max(len(str(r[c])) for r in [header, *rows]) for c in range(cols)]
    al = (align or ("l" + "r" * (cols - 1))).ljust(cols, "r")

    def line(r: Sequence[str]) -> str:
        cells = [
            str(v).ljust(w) if a == "l" else str(v).rjust(w)
            for v, w, a in zip(r, widths, al, strict=True)
        ]
        return "  ".join(cells).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(header), rule, *(line(r) for r in rows)])


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
