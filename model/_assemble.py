"""The compiled loop that sums payoff terms into matrices.

Each cell of a player's matrix at each point is the fixed payoff (zero for a payoff file) plus
the value of every term whose mask selects that cell, added one at a time in the file's order.
The sum at a cell is therefore the same floating-point sum whatever the number of points
computed together. The loop runs cell by cell over a block of points at once: the list of a
cell's terms is read once per block and the additions over the block's points are contiguous.
"""

from __future__ import annotations

import numpy as np
from numba import njit

#: Points summed together (a block of each term's values stays in the fastest cache).
BLOCK = 32


@njit(cache=True, error_model="numpy")
def sum_terms(values_t: np.ndarray, starts: np.ndarray, terms: np.ndarray, base: np.ndarray,
              out: np.ndarray, block: int, limit: float) -> bool:
    """Fill ``out`` (N, C): cell c at point p is ``base[c]`` plus ``values_t[t, p]`` for each
    t in ``terms[starts[c]:starts[c + 1]]``, in that order (``values_t`` is (T, N)). Returns
    whether every cell is at most ``limit`` in magnitude (False if one is NaN)."""
    ok = True
    N = values_t.shape[1]
    C = base.shape[0]
    s = np.empty(block)
    for p0 in range(0, N, block):
        w = min(N, p0 + block) - p0
        for c in range(C):
            b = base[c]
            for q in range(w):
                s[q] = b
            for k in range(starts[c], starts[c + 1]):
                row = values_t[terms[k]]
                for q in range(w):
                    s[q] += row[p0 + q]
            for q in range(w):
                v = s[q]
                out[p0 + q, c] = v
                if not abs(v) <= limit:
                    ok = False
    return ok
