"""Iterated elimination of strictly dominated actions, by pure and by mixed strategies.

An action is strictly dominated when some strategy of the same player, over that player's
surviving actions, pays strictly more against every surviving action of the opponent.
Mixed domination is found with the linear program "maximise the smallest margin" (Myerson
1991, Game Theory, ch. 3; Fudenberg and Tirole 1991, Game Theory, ch. 2), solved by HiGHS.
Removing strictly dominated actions never removes an equilibrium action, and the set that
survives does not depend on the order of removal (Gilboa, Kalai and Zemel 1990).

Order of removal, one action per step: if any action of either player is dominated by a pure
action, the row player's lowest-index such action goes first (else the column player's), and
its dominator is the pure action with the largest margin (lowest index on a tie). Only when no
pure domination is left is mixed domination checked, in the same order, and the dominator is
the LP's mixed strategy of largest margin. "Strictly" means by more than ``tol`` times the
player's largest |payoff|.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

from model.solvers._common import FloatArray, SolverError, atol, check_game, check_tol

__all__ = ["DominanceResult", "DominanceStep", "iterated_dominance"]


@dataclass(frozen=True)
class DominanceStep:
    """One elimination: ``action`` (original index) of ``player`` (0 row, 1 column) is
    strictly dominated by the strategy ``dominated_by`` (original index -> probability) by
    at least ``margin`` against every action the opponent still had at that step."""

    player: int
    action: int
    dominated_by: dict[int, float]
    kind: Literal["pure", "mixed"]
    margin: float


@dataclass(frozen=True)
class DominanceResult:
    """The eliminations in order and the surviving actions (original indices)."""

    steps: tuple[DominanceStep, ...]
    rows: tuple[int, ...]
    cols: tuple[int, ...]


def _own_payoffs(A: FloatArray, B: FloatArray, player: int) -> FloatArray:
    """Payoffs of ``player`` with that player's actions as rows."""
    return A if player == 0 else B.T


def _pure_dominated(
    U: FloatArray, own: list[int], other: list[int], tol_abs: float
) -> tuple[int, int, float] | None:
    """First (action, dominator, margin) with pure strict domination in U[own][:, other]."""
    sub = U[np.ix_(own, other)]
    # margins[k, i] = min over the opponent's actions of sub[k] - sub[i]
    with np.errstate(over="ignore", invalid="ignore"):  # near 1e308 a margin may be inf
        margins = (sub[:, None, :] - sub[None, :, :]).min(axis=2)
    np.fill_diagonal(margins, -np.inf)
    for i in range(len(own)):
        k = int(np.argmax(margins[:, i]))
        if margins[k, i] > tol_abs:
            return own[i], own[k], float(margins[k, i])
    return None


def _mixed_dominator(
    U: FloatArray, own: list[int], other: list[int], i: int
) -> tuple[dict[int, float], float] | None:
    """Largest-margin mixed strategy over ``own`` minus ``i`` against row ``i`` of U."""
    others = [k for k in own if k != i]
    if len(others) < 2:
        return None
    # scaled to a largest |payoff| of 1: HiGHS takes coefficients beyond 1e20 for infinite
    # and refuses the model, and the margin's sign does not depend on the scale
    scale = float(np.abs(U[np.ix_(own, other)]).max())
    scale = scale if np.isfinite(scale) and scale > 0 else 1.0
    sub = U[np.ix_(others, other)] / scale  # (p, q)
    target = U[i, other] / scale
    p, q = sub.shape
    # The program is solved on payoffs divided by their largest |value| (a power of two, so
    # exactly): HiGHS treats coefficients beyond 1e20 as infinite and drops tiny ones.
    top = max(float(np.abs(sub).max()), float(np.abs(target).max()))
    unit = 2.0 ** -np.frexp(top)[1] if top > 0 else 1.0
    # variables (sigma_1..sigma_p, t); maximise t  s.t.  t - sigma^T sub[:, j] <= -target_j
    c = np.zeros(p + 1)
    c[-1] = -1.0
    A_ub = np.hstack([-sub.T * unit, np.ones((q, 1))])
    b_ub = -target * unit
    A_eq = np.hstack([np.ones((1, p)), np.zeros((1, 1))])
    bounds = [(0.0, None)] * p + [(None, None)]
    from scipy.optimize import linprog  # deferred: importing scipy.optimize is slow

    res = linprog(c, A_ub=A_ub, b_ub=b_ub, A_eq=A_eq, b_eq=[1.0], bounds=bounds, method="highs")
    if res.status != 0:
        raise SolverError(f"the dominance linear program failed: {res.message}")
    sigma = np.clip(res.x[:p], 0.0, None)
    sigma[sigma < 1e-12] = 0.0
    sigma /= sigma.sum()
    margin = float((sigma @ U[np.ix_(others, other)] - U[i, other]).min())
    return {others[k]: float(sigma[k]) for k in np.flatnonzero(sigma)}, margin


def _iterated(A: FloatArray, B: FloatArray, tol: float, mixed: bool) -> DominanceResult:
    m, n = A.shape
    alive: list[list[int]] = [list(range(m)), list(range(n))]
    tols = (atol(A, tol), atol(B, tol))
    steps: list[DominanceStep] = []
    while True:
        step = None
        for player in (0, 1):
            U = _own_payoffs(A, B, player)
            found = _pure_dominated(U, alive[player], alive[1 - player], tols[player])
            if found is not None:
                action, by, margin = found
                step = DominanceStep(player, action, {by: 1.0}, "pure", margin)
                break
        if step is None and mixed:
            for player in (0, 1):
                U = _own_payoffs(A, B, player)
                for i in alive[player]:
                    res = _mixed_dominator(U, alive[player], alive[1 - player], i)
                    if res is not None and res[1] > tols[player]:
                        by_mixed, margin = res
                        kind: Literal["pure", "mixed"] = "mixed" if len(by_mixed) > 1 else "pure"
                        step = DominanceStep(player, i, by_mixed, kind, margin)
                        break
                if step is not None:
                    break
        if step is None:
            break
        steps.append(step)
        alive[step.player].remove(step.action)
    return DominanceResult(tuple(steps), tuple(alive[0]), tuple(alive[1]))


def iterated_dominance(
    A: ArrayLike, B: ArrayLike, *, mixed: bool = True, tol: float = 1e-9
) -> DominanceResult:
    """Iteratively remove strictly dominated actions of both players (see the module text for
    the order); with ``mixed=False`` only domination by pure actions is used.

    >>> r = iterated_dominance([[3, 0], [5, 1]], [[3, 5], [0, 1]])
    >>> [(s.player, s.action, s.dominated_by, s.kind, s.margin) for s in r.steps]
    [(0, 0, {1: 1.0}, 'pure', 1.0), (1, 0, {1: 1.0}, 'pure', 1.0)]
    >>> r.rows, r.cols
    ((1,), (1,))
    """
    a, b = check_game(A, B)
    return _iterated(a, b, check_tol(tol), mixed)
