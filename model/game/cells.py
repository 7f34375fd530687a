"""How a game's payoff terms are summed into its cells: each player's terms split into those
constant along each row, those constant along each column and the rest, as the lists
:func:`model._assemble.sum_terms` takes, and the same sums in numpy for small batches."""

from __future__ import annotations

import numpy as np

from model.payoffs.compiled import FixedPayoffs, TermInfo

#: Per player: where each row's, column's and cell's list of terms starts and the lists
#: themselves (three pairs), then the fixed payoffs every point starts from.
CellTerms = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray,
                  np.ndarray]

#: Batches of at least this many cells (points x profiles) are summed by the compiled loop of
#: :mod:`model._assemble`; smaller ones by :func:`sum_terms_numpy`, which makes the same
#: additions in the same order (the same bits) without loading the compiler.
COMPILED_CELLS = 1 << 18


def cell_terms(terms: tuple[TermInfo, ...], fixed: FixedPayoffs | None, m: int, n: int
               ) -> tuple[CellTerms, ...]:
    """Per player, the terms for :func:`~model._assemble.sum_terms`: those constant along
    each row (by row), those constant along each column (by column), the others (by
    cell), each as (where each list starts, the lists of term indices in the file's
    order), and the fixed payoffs every point starts from."""

    def lists(masks: list[np.ndarray], own: np.ndarray, size: int
              ) -> tuple[np.ndarray, np.ndarray]:
        starts = np.zeros(size + 1, dtype=np.int64)
        if not masks:
            return starts, np.empty(0, dtype=np.int64)
        places, which = np.nonzero(np.array(masks).T)  # by place, then by term
        starts[1:] = np.cumsum(np.bincount(places, minlength=size))
        return starts, own[which]

    out = []
    for player in (0, 1):
        rows: tuple[list[np.ndarray], list[int]] = ([], [])
        cols: tuple[list[np.ndarray], list[int]] = ([], [])
        cells: tuple[list[np.ndarray], list[int]] = ([], [])
        for t, term in enumerate(terms):
            if term.player != player:
                continue
            M = term.mask
            if (M == M[:, :1]).all():
                rows[0].append(M[:, 0])
                rows[1].append(t)
            elif (M == M[:1, :]).all():
                cols[0].append(M[0, :])
                cols[1].append(t)
            else:
                cells[0].append(M.reshape(-1))
                cells[1].append(t)
        if fixed is not None:
            F = fixed.A if player == 0 else fixed.B
            base = np.ascontiguousarray(F, dtype=float).reshape(-1)
        else:
            base = np.zeros(m * n)
        out.append((*lists(rows[0], np.array(rows[1], dtype=np.int64), m),
                    *lists(cols[0], np.array(cols[1], dtype=np.int64), n),
                    *lists(cells[0], np.array(cells[1], dtype=np.int64), m * n),
                    base))
    return tuple(out)


def sum_terms_numpy(values: np.ndarray, row_starts: np.ndarray, row_terms: np.ndarray,
                    col_starts: np.ndarray, col_terms: np.ndarray, starts: np.ndarray,
                    terms: np.ndarray, base: np.ndarray, m: int, n: int,
                    out: np.ndarray) -> None:
    """:func:`model._assemble.sum_terms` in numpy: every cell gets the same additions in the
    same order, ``((base + R[i]) + C[j])`` then its own terms, so the results are equal bit
    for bit."""
    N = values.shape[0]

    def sums(st: np.ndarray, tm: np.ndarray, size: int) -> np.ndarray:
        S = np.zeros((N, size))
        counts = np.diff(st)
        depth = int(counts.max(initial=0))
        for r in range(depth):  # the r-th term of every list, in list order
            at = np.flatnonzero(counts > r)
            S[:, at] += values[:, tm[st[at] + r]]
        return S

    R = sums(row_starts, row_terms, m)
    K = sums(col_starts, col_terms, n)
    full = (base.reshape(m, n)[None, :, :] + R[:, :, None]) + K[:, None, :]
    out[:] = full.reshape(N, m * n)
    counts = np.diff(starts)
    for r in range(int(counts.max(initial=0))):
        at = np.flatnonzero(counts > r)
        out[:, at] += values[:, terms[starts[at] + r]]
