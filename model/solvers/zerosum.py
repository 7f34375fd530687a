"""The value and optimal strategies of a two-player zero-sum game, by linear programming.

In the zero-sum game where the row player receives A[i, j] and the column player pays it,
the row player's optimal (max-min) strategy solves

    maximise v  subject to  (x^T A)_j >= v for every column j,  sum(x) = 1,  x >= 0,

and the column player's optimal (min-max) strategy solves the dual problem

    minimise w  subject to  (A y)_i <= w for every row i,  sum(y) = 1,  y >= 0.

By the minimax theorem (von Neumann 1928) both optima equal the value of the game, and the
optimal strategy pairs are exactly the Nash equilibria of the bimatrix game (A, -A). The
reduction to a linear program is Dantzig's (1951, "A proof of the equivalence of the
programming problem and the game problem"); see also von Stengel 2007, "Equilibrium
computation for two-player games in strategic and extensive form", AGT ch. 3. The linear
programs are solved with HiGHS (Huangfu and Hall 2018) through :func:`scipy.optimize.linprog`.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from model.solvers._common import (
    FloatArray,
    SolverError,
    _as_matrix,
    atol,
    check_tol,
    readonly,
    scale,
)

__all__ = ["zero_sum_value"]

#: Feasibility and optimality tolerances passed to HiGHS (payoffs scaled to max |A| = 1).
_LP_TOL = 1e-10


#: Games of more cells than this get both optimal strategies from one linear programme: the
#: column player's is read off its duals (and the second programme is solved only if that
#: strategy misses the value by more than the tolerance). Smaller games solve both.
ONE_LP_CELLS = 10_000


def _optimal_strategy(M: FloatArray, duals: bool = False) -> tuple[FloatArray, FloatArray | None]:
    """A max-min strategy of the player choosing rows of M (payoff M[i, j] to that player),
    and with ``duals`` the other player's strategy read off the programme's duals.

    Variables (p_1..p_m, v): maximise v subject to v - (p^T M)_j <= 0, sum(p) = 1, p >= 0.
    The dual of this programme is the other player's: the duals y_j >= 0 of the constraints
    add up to 1 and hold the row player to at most v.
    """
    m, n = M.shape
    c = np.zeros(m + 1)
    c[-1] = -1.0
    A_ub = np.hstack([-M.T, np.ones((n, 1))])
    A_eq = np.hstack([np.ones((1, m)), np.zeros((1, 1))])
    bounds = [(0.0, None)] * m + [(None, None)]
    from scipy.optimize import linprog  # deferred: importing scipy.optimize is slow

    res = linprog(
        c,
        A_ub=A_ub,
        b_ub=np.zeros(n),
        A_eq=A_eq,
        b_eq=[1.0],
        bounds=bounds,
        method="highs",
        options={
            "primal_feasibility_tolerance": _LP_TOL,
            "dual_feasibility_tolerance": _LP_TOL,
        },
    )
    if res.status != 0 or res.x is None:
        raise SolverError(f"the linear program was not solved: {res.message}")
    out = _probabilities(np.asarray(res.x[:m], dtype=np.float64))
    other = None
    if duals:
        marginals = getattr(getattr(res, "ineqlin", None), "marginals", None)
        if marginals is not None:
            y = np.clip(-np.asarray(marginals, dtype=np.float64), 0.0, None)
            other = _probabilities(y) if float(y.sum()) > 0.0 else None
    return out, other


def _probabilities(p: FloatArray) -> FloatArray:
    p = np.clip(p, 0.0, None)
    total = float(p.sum())
    if total <= 0.0:
        raise SolverError("the linear program returned no probability vector")
    out: FloatArray = p / total
    return out


def _zero_sum(A: FloatArray, tol: float) -> tuple[float, FloatArray, FloatArray]:
    s = scale(A)
    M = A / s
    x, y = _optimal_strategy(M, duals=A.size > ONE_LP_CELLS)
    if y is None or float((A @ y).max()) - float((x @ A).min()) > atol(A, tol):
        y = _optimal_strategy(-M.T)[0]
    lower = float((x @ A).min())  # what x guarantees the row player
    upper = float((A @ y).max())  # what y concedes at most
    if upper - lower > atol(A, tol):
        raise SolverError(
            f"the optimal strategies do not agree on the value: the row player guarantees "
            f"{lower!r}, the column player concedes at most {upper!r}; the gap exceeds "
            f"tol={tol} times the largest |payoff|"
        )
    return (lower + upper) / 2.0, x, y


def zero_sum_value(A: ArrayLike, *, tol: float = 1e-9) -> tuple[float, FloatArray, FloatArray]:
    """The value of the zero-sum game A and an optimal strategy of each player.

    A[i, j] is the row player's payoff and the column player's loss. Returns
    ``(value, x, y)``: x guarantees the row player at least the value against every column,
    y holds the row player to at most the value against every row, each within ``tol`` times
    the largest |payoff| (checked; SolverError if not). The value is the midpoint of these
    two guarantees. When a player has several optimal strategies, one of them is returned
    (the one the solver ends at; for all, enumerate the equilibria of (A, -A)). The returned
    arrays are read-only.

    Source: linear programming (Dantzig 1951) by the minimax theorem (von Neumann 1928);
    von Stengel 2007, AGT ch. 3.

    >>> value, x, y = zero_sum_value([[1, -1], [-1, 1]])
    >>> round(value, 12) + 0.0, x.round(12).tolist(), y.round(12).tolist()
    (0.0, [0.5, 0.5], [0.5, 0.5])
    """
    a = _as_matrix(A, "A", 2)
    t = check_tol(tol)
    value, x, y = _zero_sum(a, t)
    return value, readonly(x), readonly(y)
