"""Who moves first: the leadership (Stackelberg) game built on a bimatrix game.

One player, the leader, commits to a strategy before the other moves; the follower sees the
commitment and plays a best reply. Two kinds of commitment are computed:

* **pure commitment**: the leader commits to one action. This is backward induction on the
  game tree in which the leader moves first: for each leader action the follower's best
  replies, then the leader's best action given them (Fudenberg and Tirole 1991, ch. 3);
* **mixed commitment**: the leader commits to a probability mix over its actions and the
  follower, who sees the mix but not the draw, best-replies to it. The optimal mix is found by
  one linear programme per follower action j: maximise the leader's payoff against j over the
  mixes to which j is a best reply (Conitzer and Sandholm 2006, "Computing the optimal
  strategy to commit to", Proc. 7th ACM Conference on Electronic Commerce, pp. 82-90).

**Ties.** When the follower has several best replies, someone must say which it plays. With
``tie_break="leader-best"`` (the default) it plays the one best for the leader: the *strong*
Stackelberg equilibrium, which always exists and is what the linear programmes compute. With
``tie_break="follower-worst"`` it plays the one worst for the leader: the *weak* (pessimistic)
version. Under mixed commitment the weak value is a supremum that is in general not attained:
the leader can come as close to it as it likes by committing to a mix a small step inside the
region where the follower's reply is unique (von Stengel and Zamir 2010, "Leadership games
with convex strategy sets", Games and Economic Behavior 69(2), 446-457, who also show that the
mixed-commitment value is at least the leader's payoff in every Nash equilibrium of the
simultaneous game). :func:`stackelberg` reports whether the value is attained.

>>> r = stackelberg([[2, 4], [1, 3]], [[1, 0], [0, 1]], leader=0)
>>> r.pure.payoffs, r.mixed.payoffs
((3.0, 1.0), (3.5, 0.5))
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from model.io import plain
from model.negotiation.commitment_lp import (
    _PAIRWISE_COMPONENT,
    FULL_LP_CELLS,
    LP_TOL,
    Commitment,
    _best_replies_to,
    _clean,
    _column_groups,
    _first_best,
    _follower_worst_large,
    _leader_best_large,
    _lp,
)
from model.solvers._common import FloatArray, SolverError, check_game, check_tol, scale
from model.solvers.equilibria import solve
from model.solvers.results import SolveResult

__all__ = [
    "TIE_BREAKS",
    "Commitment",
    "NashPoint",
    "StackelbergResult",
    "mixed_commitment",
    "nash_points",
    "pure_commitment",
    "stackelberg",
]

#: Accepted values of ``tie_break``, each with its aliases.
TIE_BREAKS = {
    "leader-best": "leader-best",
    "strong": "leader-best",
    "follower-worst": "follower-worst",
    "weak": "follower-worst",
}


@dataclass(frozen=True, eq=False)
class NashPoint:
    """An equilibrium of the simultaneous game, seen from the leader: strategies (row, col),
    payoffs (leader, follower), and the index of the extreme equilibria it is made of."""

    strategies: tuple[FloatArray, FloatArray]
    payoffs: tuple[float, float]
    equilibria: tuple[int, int]


@dataclass(frozen=True, eq=False)
class StackelbergResult:
    """The leadership game with ``leader`` (0: row player, 1: column player) moving first.

    ``nash_best`` and ``nash_worst`` are the simultaneous game's equilibria best and worst for
    the leader; ``value_pure`` and ``value_mixed`` the leader's payoff from moving first
    minus its payoff in those two equilibria, as (against best, against worst).
    """

    leader: int
    tie_break: str
    pure: Commitment
    mixed: Commitment
    simultaneous: SolveResult
    nash: tuple[NashPoint, ...]
    nash_best: NashPoint
    nash_worst: NashPoint
    #: Where the result comes from (:func:`model.provenance.record`; filled by the front door).
    provenance: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def to_json(self) -> dict[str, Any]:
        """The leadership game as JSON: the leader, both commitments, the simultaneous game's
        equilibria (best and worst for the leader) and the value of moving first."""
        out: dict[str, Any] = plain(self, skip=frozenset({"simultaneous", "provenance"}))
        out["value_pure"] = list(self.value_pure)
        out["value_mixed"] = list(self.value_mixed)
        if self.provenance:
            out["provenance"] = dict(self.provenance)
        return out

    @property
    def follower(self) -> int:
        return 1 - self.leader

    @property
    def value_pure(self) -> tuple[float, float]:
        v = self.pure.payoffs[0]
        return (v - self.nash_best.payoffs[0], v - self.nash_worst.payoffs[0])

    @property
    def value_mixed(self) -> tuple[float, float]:
        v = self.mixed.payoffs[0]
        return (v - self.nash_best.payoffs[0], v - self.nash_worst.payoffs[0])

    def profile(self, c: Commitment) -> tuple[FloatArray, FloatArray]:
        """The commitment as a (row, column) pair of probability vectors."""
        reply = np.zeros(self.simultaneous.shape[self.follower])
        reply[c.reply] = 1.0
        return (c.strategy, reply) if self.leader == 0 else (reply, c.strategy)


def _leader_view(A: FloatArray, B: FloatArray, leader: int) -> tuple[FloatArray, FloatArray]:
    """(L, F): the leader's and follower's payoffs with the leader's actions as rows."""
    if leader == 0:
        return A, B
    return B.T.copy(), A.T.copy()


def _tie_break(tie_break: str) -> str:
    try:
        return TIE_BREAKS[tie_break]
    except KeyError:
        raise SolverError(
            f"unknown tie_break {tie_break!r}; use one of {', '.join(TIE_BREAKS)}"
        ) from None


def _leader(leader: int) -> int:
    if leader not in (0, 1):
        raise SolverError(f"leader must be 0 (row player) or 1 (column player), got {leader!r}")
    return int(leader)


def pure_commitment(
    L: ArrayLike, F: ArrayLike, *, tie_break: str = "leader-best", tol: float = 1e-9
) -> Commitment:
    """The leader's best pure commitment, by backward induction.

    ``L`` and ``F`` are the leader's and follower's payoffs with the leader's actions as rows.
    For each row the follower's best replies (within ``tol`` times its largest |payoff|) are
    found; ties are broken for or against the leader as ``tie_break`` says; the leader then
    takes the row with the highest resulting payoff (the first of equal ones).
    """
    Lm, Fm = check_game(L, F)
    mode = _tie_break(tie_break)
    eps = check_tol(tol) * scale(Fm)
    lead_eps = check_tol(tol) * scale(Lm)
    m = Lm.shape[0]
    # every row's best replies, and the one the tie-break picks (the first of equal ones)
    replies = Fm >= Fm.max(axis=1, keepdims=True) - eps
    if mode == "leader-best":
        pick = np.argmax(np.where(replies, Lm, -np.inf), axis=1)
    else:
        pick = np.argmin(np.where(replies, Lm, np.inf), axis=1)
    value = Lm[np.arange(m), pick]
    best_i = _first_best(value, lead_eps)
    best_j = int(pick[best_i])
    x = np.zeros(m)
    x[best_i] = 1.0
    return Commitment(
        kind="pure",
        strategy=x,
        reply=best_j,
        best_replies=tuple(int(j) for j in np.flatnonzero(replies[best_i])),
        payoffs=(float(Lm[best_i, best_j]), float(Fm[best_i, best_j])),
    )


def mixed_commitment(
    L: ArrayLike, F: ArrayLike, *, tie_break: str = "leader-best", tol: float = 1e-9
) -> Commitment:
    """The leader's optimal commitment to a mixed strategy.

    ``leader-best``: for each follower action j, the linear programme
    max x.L[:, j] over probability vectors x with x.F[:, j] >= x.F[:, k] for every k
    (Conitzer and Sandholm 2006); the best feasible j wins (the first of equal ones).

    ``follower-worst``: follower actions with identical payoff columns are grouped (the
    follower is always indifferent between them, so the worst of the group for the leader is
    played). For each group whose region of strict best reply is not empty (one more linear
    programme, maximising the smallest margin), the value is max over that region's closure
    of the leader's worst payoff in the group; the largest over groups is the supremum of the
    weak leadership game (von Stengel and Zamir 2010). ``attained`` says whether the follower's
    best reply at the optimum is that group alone.
    """
    Lm, Fm = check_game(L, F)
    mode = _tie_break(tie_break)
    t = check_tol(tol)
    m, n = Lm.shape
    if m * n > FULL_LP_CELLS:
        if mode == "leader-best":
            return _leader_best_large(Lm, Fm, t)
        return _follower_worst_large(Lm, Fm, t)
    if mode == "leader-best":
        return _leader_best_small(Lm, Fm, t)
    return _follower_worst_small(Lm, Fm, t)


def _leader_best_small(Lm: FloatArray, Fm: FloatArray, t: float) -> Commitment:
    """The strong leadership game by one linear programme per follower action."""
    m, n = Lm.shape
    Ls, Fs = Lm / scale(Lm), Fm / scale(Fm)  # scaled copies for the solver
    probs: list[tuple[float | None, float | None]] = [(0.0, None)] * m
    best: tuple[float, int, np.ndarray] | None = None
    for j in range(n):
        others = [k for k in range(n) if k != j]
        A_ub = (Fs[:, others] - Fs[:, [j]]).T if others else None
        b_ub = np.zeros(len(others)) if others else None
        x = _lp(-Ls[:, j], A_ub, b_ub, np.ones((1, m)), np.ones(1), probs)
        if x is None:
            continue
        x = _clean(x)
        v = float(x @ Lm[:, j])
        if best is None or v > best[0] + t * scale(Lm):
            best = (v, j, x)
    if best is None:  # cannot happen: some action is a best reply to every mix
        raise SolverError("no follower action is a best reply to any commitment")
    v, j, x = best
    return Commitment("mixed", x, j, _best_replies_to(x, Fm, LP_TOL), (v, float(x @ Fm[:, j])))


def _follower_worst_small(Lm: FloatArray, Fm: FloatArray, t: float) -> Commitment:
    """The weak leadership game over groups of follower actions with identical payoff
    columns: the best group value and whether it is attained."""
    found: tuple[float, list[int], np.ndarray, np.ndarray] | None = None
    for g in _column_groups(Fm, t * scale(Fm)):
        got = _group_value(Lm, Fm, g)
        if got is not None and (found is None or got[0] > found[0] + t * scale(Lm)):
            found = (got[0], g, got[1], got[2])
    if found is None:  # cannot happen: the full-dimensional regions cover the simplex
        raise SolverError("no follower reply region with a nonempty interior was found")
    v, g, xw, inner = found
    worst = min(g, key=lambda k: float(xw @ Lm[:, k]))
    br = _best_replies_to(xw, Fm, LP_TOL)
    attained = set(br) == set(g)
    return Commitment("mixed", xw, worst, br, (v, float(xw @ Fm[:, worst])), attained,
                      None if attained else inner)


def _group_value(Lm: FloatArray, Fm: FloatArray,
                 g: list[int]) -> tuple[float, np.ndarray, np.ndarray] | None:
    """For the follower group ``g``: None if its region of strict best reply is empty, else
    (the leader's best worst-in-group payoff over the region's closure, where it is
    attained, a point inside the region)."""
    m, n = Lm.shape
    Ls, Fs = Lm / scale(Lm), Fm / scale(Fm)  # scaled copies for the solver
    A_eq = np.hstack([np.ones((1, m)), np.zeros((1, 1))])
    probs: list[tuple[float | None, float | None]] = [(0.0, None)] * m
    j0 = g[0]
    others = [k for k in range(n) if k not in g]
    # strict region: maximise s with x.(F_k - F_j0) + s <= 0 for k outside the group
    if others:
        D = (Fs[:, others] - Fs[:, [j0]]).T
        A_ub = np.hstack([D, np.ones((len(others), 1))])
        z = _lp(np.r_[np.zeros(m), -1.0], A_ub, np.zeros(len(others)), A_eq, np.ones(1),
                [*probs, (None, 1.0)])
        if z is None or z[-1] <= LP_TOL:
            return None
        inner = _clean(z[:m])
    else:
        inner = np.full(m, 1.0 / m)
    # value: maximise v with v <= x.L_k for k in the group, x in the closed region
    rows = [np.r_[-Ls[:, k], 1.0] for k in g]
    if others:
        rows += [np.r_[Fs[:, k] - Fs[:, j0], 0.0] for k in others]
    z = _lp(np.r_[np.zeros(m), -1.0], np.array(rows), np.zeros(len(rows)), A_eq, np.ones(1),
            [*probs, (None, None)])
    if z is None:
        return None
    xw = _clean(z[:m])
    worst = min(g, key=lambda k: float(xw @ Lm[:, k]))
    return float(xw @ Lm[:, worst]), xw, inner


def nash_points(
    A: FloatArray, B: FloatArray, result: SolveResult, leader: int = 0
) -> tuple[NashPoint, ...]:
    """The simultaneous game's equilibria where payoffs are extreme.

    Payoffs are bilinear, so over a maximal Nash subset conv(X) x conv(Y) each player's
    payoff is largest and smallest at a pair of extreme points (x_k, y_l) of that subset; this
    returns every such pair (for a nondegenerate game, the extreme equilibria themselves).
    Payoffs are (leader, follower).
    """
    eqs = result.equilibria
    seen: set[tuple[int, int]] = set()
    out: list[NashPoint] = []
    comps = result.components or tuple((k,) for k in range(len(eqs)))
    for comp in comps:
        if len(comp) > _PAIRWISE_COMPONENT:
            # every pair's payoffs from two matrix products
            X = np.array([eqs[k].strategies[0] for k in comp], dtype=float)
            Y = np.array([eqs[k].strategies[1] for k in comp], dtype=float)
            PA, PB = (X @ A) @ Y.T, (X @ B) @ Y.T
        for r, k in enumerate(comp):
            for c, l_ in enumerate(comp):
                if (k, l_) in seen:
                    continue
                seen.add((k, l_))
                x, y = eqs[k].strategies[0], eqs[l_].strategies[1]
                if len(comp) > _PAIRWISE_COMPONENT:
                    a, b = float(PA[r, c]), float(PB[r, c])
                else:
                    a, b = float(x @ A @ y), float(x @ B @ y)
                pay = (a, b) if leader == 0 else (b, a)
                out.append(NashPoint((x, y), pay, (k, l_)))
    return tuple(out)


def stackelberg(
    A: ArrayLike,
    B: ArrayLike,
    leader: int = 0,
    *,
    tie_break: str = "leader-best",
    tol: float = 1e-9,
    simultaneous: SolveResult | None = None,
) -> StackelbergResult:
    """The leadership game of (A, B) with ``leader`` (0: row, 1: column) moving first.

    Computes the best pure and mixed commitments (see :func:`pure_commitment` and
    :func:`mixed_commitment`) and compares them with the simultaneous game's equilibria
    (solved here unless ``simultaneous`` is given).
    """
    a, b = check_game(A, B)
    ld = _leader(leader)
    mode = _tie_break(tie_break)
    L, F = _leader_view(a, b, ld)
    pure = pure_commitment(L, F, tie_break=mode, tol=tol)
    mixed = mixed_commitment(L, F, tie_break=mode, tol=tol)
    sim = simultaneous if simultaneous is not None else solve(a, b, tol=tol)
    points = nash_points(a, b, sim, ld)
    best = max(points, key=lambda p: (p.payoffs[0], p.payoffs[1]))
    worst = min(points, key=lambda p: (p.payoffs[0], -p.payoffs[1]))
    return StackelbergResult(ld, mode, pure, mixed, sim, points, best, worst)
