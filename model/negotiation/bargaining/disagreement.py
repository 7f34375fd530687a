"""The disagreement point: what each side gets if the bargaining fails.

Four readings, chosen by the user:

- ``equilibrium``: the payoffs of a Nash equilibrium of the game, the outcome if the sides
  play it without an agreement. When there are several, a stated rule picks one (see
  :data:`RULES`); ``equilibrium:K`` takes the K-th as ``leverage solve`` numbers them (from 1)
  and ``equilibrium:OUTCOME`` one whose profiles all lie in that named outcome.
- ``maxmin``: each side's security level, the most it can guarantee whatever the other does
  (the max-min value of its own payoff matrix, by linear programming). This is the
  disagreement point of the classic treatments of bargaining over a bimatrix game (Luce and
  Raiffa 1957, *Games and Decisions*, ch. 6; Owen, *Game Theory*).
- ``status-quo``: the profile in which every chip is at its ``status_quo`` level.
- ``profile:I,J``: a given profile, as codes (``R08,C01``, as ``leverage solve`` prints them) or
  as 0-based indices (``7,0``, as in its JSON).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike

from model.errors import UsageError
from model.negotiation.bargaining._lp import zero_sum

__all__ = ["KINDS", "RULES", "Disagreement", "maxmin_point", "parse_spec", "select_equilibrium"]

#: The readings of the disagreement point that ``--disagreement`` accepts.
KINDS = ("equilibrium", "equilibrium:K", "equilibrium:OUTCOME", "maxmin", "status-quo",
         "profile:I,J")

#: Rules that pick one equilibrium among several, each breaking ties by the solver's order.
RULES = {
    "payoff-dominant": "the highest sum of payoffs (a stand-in for Harsanyi and Selten's "
                       "payoff dominance, which needs one equilibrium better for both)",
    "lowest-sum": "the lowest sum of payoffs: the costliest equilibrium, a pessimistic threat",
    "best-for:PLAYER": "the highest payoff for PLAYER (ties: the higher sum)",
    "worst-for:PLAYER": "the lowest payoff for PLAYER (ties: the higher sum)",
}


@dataclass(frozen=True)
class Disagreement:
    """A disagreement point and how it was chosen.

    ``strategies`` are the mixed strategies that give it (for ``maxmin``, each side's security
    strategy; the point is then each side's guarantee, not the payoff of the pair);
    ``equilibrium`` its number (from 1) among the game's equilibria, if it is one.
    """

    kind: str
    spec: str
    payoffs: tuple[float, float]
    description: str
    strategies: tuple[np.ndarray, np.ndarray] | None = None
    profile: tuple[int, int] | None = None
    equilibrium: int | None = None
    rule: str | None = None
    outcome: str | None = None
    extra: dict[str, object] = field(default_factory=dict)
    #: for an equilibrium: whether it was chosen among all the game's equilibria, and which
    complete: bool = True
    coverage: str = ""


def parse_spec(spec: str) -> tuple[str, str | None]:
    """``(kind, argument)`` of a ``--disagreement`` value; UsageError if malformed."""
    text = spec.strip()
    head, sep, arg = text.partition(":")
    head = head.strip().lower().replace("_", "-")
    if head == "status-quo" and not sep:
        return "status-quo", None
    if head == "maxmin" and not sep:
        return "maxmin", None
    if head == "equilibrium":
        if sep and not arg.strip():
            raise UsageError(f"--disagreement {spec!r}: give a number or an outcome after ':'")
        return "equilibrium", arg.strip() if sep else None
    if head == "profile" and sep and arg.strip():
        return "profile", arg.strip()
    raise UsageError(
        f"--disagreement {spec!r} is not one of: equilibrium, equilibrium:K, "
        "equilibrium:OUTCOME, maxmin, status-quo, profile:I,J (e.g. profile:R08,C01)"
    )


def parse_profile(text: str, shape: tuple[int, int]) -> tuple[int, int]:
    """A profile given as ``R08,C01`` (1-based codes) or ``7,0`` (0-based indices)."""
    parts = [p.strip() for p in text.split(",")]
    if len(parts) != 2:
        raise UsageError(f"profile:{text}: expected two actions, row then column "
                         "(e.g. profile:R08,C01 or profile:7,0)")
    out = []
    for k, (part, prefix, n) in enumerate(zip(parts, "RC", shape, strict=True)):
        m = re.fullmatch(rf"(?i:{prefix})(\d+)", part)
        if m:
            index = int(m.group(1)) - 1
        elif re.fullmatch(r"\d+", part):
            index = int(part)
        else:
            raise UsageError(f"profile:{text}: '{part}' is neither a code ({prefix}1...{prefix}"
                             f"{n}) nor an index (0...{n - 1})")
        if not 0 <= index < n:
            who = "row" if k == 0 else "column"
            raise UsageError(f"profile:{text}: the {who} player has {n} actions; '{part}' is "
                             "not one of them")
        out.append(index)
    return out[0], out[1]


def select_equilibrium(payoffs: Sequence[tuple[float, float]], rule: str,
                       player_index: Callable[[str], int] | None = None) -> int:
    """Index (from 0) of the equilibrium that ``rule`` picks among these payoff pairs."""
    if not payoffs:
        raise UsageError("the game has no equilibrium to take as the disagreement point")
    head, _, who = rule.partition(":")
    sums = [u + v for u, v in payoffs]
    order = range(len(payoffs))
    if head == "payoff-dominant" and not who:
        return max(order, key=lambda k: (sums[k], -k))
    if head == "lowest-sum" and not who:
        return min(order, key=lambda k: (sums[k], k))
    if head in ("best-for", "worst-for") and who:
        if player_index is None:
            raise UsageError(f"rule {rule!r}: no player names to look {who!r} up in")
        p = player_index(who)
        sign = 1 if head == "best-for" else -1
        return max(order, key=lambda k: (sign * payoffs[k][p], sums[k], -k))
    raise UsageError(f"unknown rule {rule!r}; rules: " + ", ".join(RULES))


def maxmin_point(A: ArrayLike, B: ArrayLike) -> tuple[tuple[float, float],
                                                      tuple[np.ndarray, np.ndarray]]:
    """Each side's security level and a strategy that guarantees it.

    >>> (v1, v2), _ = maxmin_point([[3, 0], [5, 1]], [[3, 5], [0, 1]])
    >>> round(v1, 9), round(v2, 9)
    (1.0, 1.0)
    """
    a = np.asarray(A, dtype=float)
    b = np.asarray(B, dtype=float)
    v1, x, _ = zero_sum(a)
    v2, y, _ = zero_sum(b.T)
    return (float(v1), float(v2)), (x, y)
