"""The compiled loop that sums payoff terms into matrices.

Most terms of a chip game depend on one player's chips only: a US cost of restricting EDA
applies to every column of the rows where the US restricts. A player's matrix is therefore
summed in three parts: the terms constant along each row (``R[i]``), those constant along each
column (``C[j]``) and the rest, cell by cell; a cell is ``((fixed + R[i]) + C[j])`` plus its own
terms, each part adding its terms one at a time in the file's order. The sum at a cell is the
same floating-point sum whatever the number of points computed together, and the work is about
``m + n`` sums per term instead of ``m * n``. The loop runs over a block of points at once, so
that each term's list of places is read once per block and the additions are contiguous.
"""

from __future__ import annotations

import numpy as np
from numba import njit

#: Points summed together (a block of each term's values stays in the fastest cache).
BLOCK = 32


@njit(cache=True, error_model="numpy")
def _sums(values_t: np.ndarray, starts: np.ndarray, terms: np.ndarray, p0: int, w: int,
          out: np.ndarray) -> None:
    """out[q, k] = sum of values_t[t, p0 + q] over t in terms[starts[k]:starts[k + 1]]."""
    for k in range(starts.shape[0] - 1):
        for q in range(w):
            out[q, k] = 0.0
        for r in range(starts[k], starts[k + 1]):
            row = values_t[terms[r]]
            for q in range(w):
                out[q, k] += row[p0 + q]


@njit(cache=True, error_model="numpy")
def sum_terms(values_t: np.ndarray, row_starts: np.ndarray, row_terms: np.ndarray,
              col_starts: np.ndarray, col_terms: np.ndarray, starts: np.ndarray,
              terms: np.ndarray, base: np.ndarray, n: int, out: np.ndarray, block: int,
              limit: float) -> bool:
    """Fill ``out`` (N, m * n) from ``values_t`` (T, N): cell c = (i, j) at point p is
    ``((base[c] + R[i]) + C[j])`` plus ``values_t[t, p]`` for each t in
    ``terms[starts[c]:starts[c + 1]]`` in that order, where R[i] sums the terms listed for
    row i in ``row_terms`` (by ``row_starts``) and C[j] those for column j. Returns whether
    every cell is at most ``limit`` in magnitude (False if one is NaN)."""
    N = values_t.shape[1]
    C = base.shape[0]
    m = C // n if n else 0
    ok = True
    R = np.empty((block, m))
    K = np.empty((block, n))
    cells = np.flatnonzero(starts[1:] > starts[:-1])  # the cells with terms of their own
    for p0 in range(0, N, block):
        w = min(N, p0 + block) - p0
        _sums(values_t, row_starts, row_terms, p0, w, R)
        _sums(values_t, col_starts, col_terms, p0, w, K)
        for q in range(w):
            o = out[p0 + q]
            for i in range(m):
                r = R[q, i]
                for j in range(n):
                    o[i * n + j] = (base[i * n + j] + r) + K[q, j]
        for ci in range(cells.shape[0]):
            c = cells[ci]
            for k in range(starts[c], starts[c + 1]):
                row = values_t[terms[k]]
                for q in range(w):
                    out[p0 + q, c] += row[p0 + q]
        for q in range(w):
            o = out[p0 + q]
            for c in range(C):
                if not abs(o[c]) <= limit:
                    ok = False
    return ok
