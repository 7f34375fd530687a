"""Pareto-optimal pure profiles.

A pure profile (i, j) is Pareto optimal when no other pure profile gives both players at
least as much and one of them strictly more (Osborne and Rubinstein 1994, A Course in Game
Theory). Here "strictly more" means by more than ``tol`` times that player's largest
|payoff|, and "at least as much" allows a shortfall of up to that amount.

With ta and tb those amounts, q dominates p when a_q >= a_p - ta, b_q >= b_p - tb and
(a_q > a_p + ta or b_q > b_p + tb). Since ta, tb >= 0 this holds exactly when q is strictly
ahead on one payoff and not too far behind on the other: p is dominated when some q has
a_q > a_p + ta and b_q >= b_p - tb, or b_q > b_p + tb and a_q >= a_p - ta. Each of the two is
found for every p at once by sorting the profiles by one payoff and taking suffix maxima of
the other, so the cost is O(P log P) in time and O(P) in memory for P = m * n profiles, with
exactly the comparisons of the definition (the same floats are compared).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from model.solvers._common import BoolArray, FloatArray, atol, check_game, check_tol

__all__ = ["pareto_optimal_profiles"]


def _ahead(a: FloatArray, b: FloatArray, ta: float, tb: float) -> BoolArray:
    """For each p: whether some q has a[q] > a[p] + ta and b[q] >= b[p] - tb."""
    P = len(a)
    order = np.argsort(a)  # the order among equal payoffs does not matter
    sa, sb = a[order], b[order]
    # best_b[k]: the largest b among the profiles at sorted positions k, k + 1, ...
    best_b = np.append(np.maximum.accumulate(sb[::-1])[::-1], -np.inf)
    first = np.searchsorted(sa, sa + ta, side="right")  # first sorted a above a[p] + ta
    out = np.empty(P, dtype=bool)
    out[order] = (first < P) & (best_b[first] >= sb - tb)
    return out


def dominated(a: FloatArray, b: FloatArray, ta: float, tb: float) -> BoolArray:
    """For payoff vectors ``a`` and ``b`` of the profiles: whether each is dominated in the
    sense of the module's docstring, with absolute tolerances ``ta`` and ``tb``."""
    out: BoolArray = _ahead(a, b, ta, tb) | _ahead(b, a, tb, ta)
    return out


def _pareto(A: FloatArray, B: FloatArray, tol: float) -> list[tuple[int, int]]:
    n = A.shape[1]
    keep = ~dominated(A.ravel(), B.ravel(), atol(A, tol), atol(B, tol))
    return [(int(p) // n, int(p) % n) for p in np.flatnonzero(keep)]


def pareto_optimal_profiles(
    A: ArrayLike, B: ArrayLike, *, tol: float = 1e-9
) -> list[tuple[int, int]]:
    """The pure profiles (i, j) that no pure profile Pareto-dominates, in row-major order.

    >>> pareto_optimal_profiles([[3, 0], [5, 1]], [[3, 5], [0, 1]])
    [(0, 0), (0, 1), (1, 0)]
    """
    a, b = check_game(A, B)
    return _pareto(a, b, check_tol(tol))
