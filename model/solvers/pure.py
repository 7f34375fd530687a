"""Pure best replies and pure-strategy Nash equilibria, for one game or a batch of games.

A pure profile (i, j) is an equilibrium when row i is a best reply to column j and column j
to row i (Nash 1951; Osborne and Rubinstein 1994, ch. 2). "Best" is decided within an
absolute tolerance ``tol * max|payoff|`` of each player, so that payoffs equal up to
floating-point round-off tie.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from model.solvers._common import BoolArray, FloatArray, atol, check_batch, check_game, check_tol

__all__ = ["best_replies", "pure_equilibria", "pure_equilibria_batch"]


def _best_replies(A: FloatArray, B: FloatArray, tol: float) -> tuple[BoolArray, BoolArray]:
    row_br = A >= A.max(axis=0, keepdims=True) - atol(A, tol)
    col_br = B >= B.max(axis=1, keepdims=True) - atol(B, tol)
    return row_br, col_br


def best_replies(A: ArrayLike, B: ArrayLike, *, tol: float = 1e-9) -> tuple[BoolArray, BoolArray]:
    """Boolean masks of pure best replies, both of shape (m, n).

    ``row_br[i, j]``: row i is a best reply to column j (A[i, j] within ``tol * max|A|`` of
    the column's maximum). ``col_br[i, j]``: column j is a best reply to row i (the same
    with B along the row).

    >>> row_br, col_br = best_replies([[3, 0], [5, 1]], [[3, 5], [0, 1]])
    >>> row_br.tolist(), col_br.tolist()
    ([[False, False], [True, True]], [[False, True], [False, True]])
    """
    a, b = check_game(A, B)
    return _best_replies(a, b, check_tol(tol))


def pure_equilibria(A: ArrayLike, B: ArrayLike, *, tol: float = 1e-9) -> list[tuple[int, int]]:
    """The pure-strategy Nash equilibria (i, j), in row-major order.

    >>> pure_equilibria([[3, 0], [5, 1]], [[3, 5], [0, 1]])
    [(1, 1)]
    """
    a, b = check_game(A, B)
    row_br, col_br = _best_replies(a, b, check_tol(tol))
    return [(int(i), int(j)) for i, j in np.argwhere(row_br & col_br)]


def pure_equilibria_batch(A: ArrayLike, B: ArrayLike, *, tol: float = 1e-9) -> BoolArray:
    """For a batch of games, arrays of shape (N, m, n): mask[k, i, j] is True when (i, j) is a
    pure equilibrium of game k. Tolerances are relative to each game's own payoffs, as in
    :func:`pure_equilibria`.

    >>> pure_equilibria_batch([[[3, 0], [5, 1]], [[2, 0], [0, 1]]],
    ...                       [[[3, 5], [0, 1]], [[1, 0], [0, 2]]]).tolist()
    [[[False, False], [False, True]], [[True, False], [False, True]]]
    """
    a, b = check_batch(A, B)
    t = check_tol(tol)
    scale_a = np.abs(a).max(axis=(1, 2), keepdims=True)
    scale_b = np.abs(b).max(axis=(1, 2), keepdims=True)
    atol_a = t * np.where(scale_a > 0, scale_a, 1.0)
    atol_b = t * np.where(scale_b > 0, scale_b, 1.0)
    row_br = a >= a.max(axis=1, keepdims=True) - atol_a
    col_br = b >= b.max(axis=2, keepdims=True) - atol_b
    out: BoolArray = row_br & col_br
    return out
