"""Pareto-optimal pure profiles.

A pure profile (i, j) is Pareto optimal when no other pure profile gives both players at
least as much and one of them strictly more (Osborne and Rubinstein 1994, A Course in Game
Theory). Here "strictly more" means by more than ``tol`` times that player's largest
|payoff|, and "at least as much" allows a shortfall of up to that amount.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from ._common import FloatArray, atol, check_game, check_tol

__all__ = ["pareto_optimal_profiles"]


def _pareto(A: FloatArray, B: FloatArray, tol: float) -> list[tuple[int, int]]:
    a = A.ravel()
    b = B.ravel()
    ta, tb = atol(A, tol), atol(B, tol)
    # dominated[p] when some q has a[q] >= a[p] - ta, b[q] >= b[p] - tb, and one strictly above.
    weakly = (a[:, None] >= a[None, :] - ta) & (b[:, None] >= b[None, :] - tb)
    strictly = (a[:, None] > a[None, :] + ta) | (b[:, None] > b[None, :] + tb)
    dominated = (weakly & strictly).any(axis=0)
    n = A.shape[1]
    return [(int(p) // n, int(p) % n) for p in np.flatnonzero(~dominated)]


def pareto_optimal_profiles(
    A: ArrayLike, B: ArrayLike, *, tol: float = 1e-9
) -> list[tuple[int, int]]:
    """The pure profiles (i, j) that no pure profile Pareto-dominates, in row-major order.

    >>> pareto_optimal_profiles([[3, 0], [5, 1]], [[3, 5], [0, 1]])
    [(0, 0), (0, 1), (1, 0)]
    """
    a, b = check_game(A, B)
    return _pareto(a, b, check_tol(tol))
