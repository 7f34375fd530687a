"""Checking a strategy profile: regrets and the equilibrium test.

A profile (x, y) is a Nash equilibrium when no player gains by a pure deviation: the regret
max_i (A y)_i - x^T A y of the row player and max_j (x^T B)_j - x^T B y of the column player
are zero (Nash 1951; checking pure deviations suffices since payoffs are linear in each
player's own strategy: the best response condition, von Stengel 2007, AGT ch. 3).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from model.solvers._common import FloatArray, SolverError, atol, check_game, check_tol

__all__ = ["is_equilibrium", "regrets"]


def _strategy(v: ArrayLike, size: int, name: str) -> FloatArray:
    try:
        arr = np.asarray(v, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise SolverError(f"{name} must be a vector of probabilities: {exc}") from None
    if arr.shape != (size,):
        raise SolverError(f"{name} must have shape ({size},), got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise SolverError(f"{name} has a non-finite entry")
    return arr


def _regrets(A: FloatArray, B: FloatArray, x: FloatArray, y: FloatArray) -> tuple[float, float]:
    Ay = A @ y
    xB = x @ B
    return float(Ay.max() - x @ Ay), float(xB.max() - xB @ y)


def regrets(A: ArrayLike, B: ArrayLike, x: ArrayLike, y: ArrayLike) -> tuple[float, float]:
    """The gain (row player, column player) from the best pure deviation from (x, y).

    >>> regrets([[3, 0], [5, 1]], [[3, 5], [0, 1]], [1, 0], [1, 0])
    (2.0, 2.0)
    """
    a, b = check_game(A, B)
    m, n = a.shape
    return _regrets(a, b, _strategy(x, m, "x"), _strategy(y, n, "y"))


def is_equilibrium(
    A: ArrayLike, B: ArrayLike, x: ArrayLike, y: ArrayLike, *, tol: float = 1e-9
) -> bool:
    """True when x and y are probability vectors (within ``tol``) and each player's regret is
    at most ``tol`` times that player's largest |payoff|.

    >>> is_equilibrium([[3, 0], [5, 1]], [[3, 5], [0, 1]], [0, 1], [0, 1])
    True
    """
    a, b = check_game(A, B)
    t = check_tol(tol)
    m, n = a.shape
    xs = _strategy(x, m, "x")
    ys = _strategy(y, n, "y")
    for s in (xs, ys):
        if s.min() < -t or abs(s.sum() - 1.0) > t:
            return False
    row, col = _regrets(a, b, xs, ys)
    return row <= atol(a, t) and col <= atol(b, t)
