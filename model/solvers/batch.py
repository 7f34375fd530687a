"""Shared work for solving many games of one shape (used by :func:`model.solve_batch`).

Per batch, in vectorised form: snapping the payoffs to the integers of the exact engine,
finding games with tied pure best replies (degenerate, so the exact engine's), dropping
duplicate games, and iterated removal of actions strictly dominated by pure actions for the
games that go to the exact engine. One call of the compiled kernel then enumerates every
other game (:func:`~model.solvers._vertex_kernel.batch_equilibria`), and each game's
equilibria are certified exactly as in :mod:`~model.solvers.float_enumeration`.

Removing strictly dominated actions never removes an equilibrium action and leaves the set
of equilibria unchanged (Gilboa, Kalai and Zemel 1990, "On the order of eliminating
dominated strategies"), so the equilibria and maximal Nash subsets of the smaller game are
those of the whole game. It is used only where the whole game's degeneracy is known without
its polytopes (a pure strategy with tied best replies): whether a game is degenerate, and
why, is a property of the whole game that the floating-point path certifies on the whole
polytopes.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from model.solvers import float_enumeration as fe
from model.solvers._common import FloatArray, grid_exponent, snap_grid

__all__ = ["Pending", "batch_found", "pareto_batch", "snap_batch", "undominated_batch"]

#: Games per chunk of the dominance pass (its arrays hold chunk * m * m * n booleans).
_CHUNK_CELLS = 20_000_000

#: Games of at most this many profiles get their Pareto-optimal profiles from the pairwise
#: compiled kernel (quadratic in the worst case); larger ones by sorting.
PARETO_PAIRWISE = 256


@dataclass(frozen=True, eq=False)
class Pending:
    """A game for the exact engine: its snapped payoffs, why, and (when its degeneracy is
    known from a pure tie) the actions left by iterated strict dominance."""

    A_ints: list[list[int]]
    B_ints: list[list[int]]
    grid: tuple[Fraction, Fraction]
    why: str
    keep: tuple[list[int], list[int]] | None


def snap_batch(M: FloatArray, tol: float) -> tuple[np.ndarray, list[Fraction]]:
    """:func:`~model.solvers.float_enumeration.snap_integers` for each game of an (N, m, n)
    array: an int64 array when every game's integers fit, else an object array."""
    N = M.shape[0]
    grids = [snap_grid(M[k], tol) for k in range(N)]
    # Group the games by grid exponent: one vectorised rounding per group.
    out = np.empty(M.shape, dtype=np.int64)
    exponents = np.array([grid_exponent(g) for g in grids])
    for e in np.unique(exponents):
        idx = np.flatnonzero(exponents == e)
        ints = fe._snap_fast(M[idx], grids[idx[0]])
        if ints is None:
            obj = np.empty(M.shape, dtype=object)
            for k in range(N):
                obj[k] = fe.snap_integers(M[k], tol)[0]
            return obj, grids
        out[idx] = ints
    return out, grids


def undominated_batch(A: np.ndarray, B: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Masks (N, m) and (N, n) of the actions that survive iterated removal of actions
    strictly dominated by a pure action, exactly on integer payoffs of shape (N, m, n)."""
    N, m, n = A.shape
    rows = np.ones((N, m), dtype=bool)
    cols = np.ones((N, n), dtype=bool)
    chunk = max(1, _CHUNK_CELLS // max(1, m * n * max(m, n)))
    for start in range(0, N, chunk):
        sl = slice(start, start + chunk)
        a, b, r, c = A[sl], B[sl], rows[sl], cols[sl]
        while True:
            # row s dominates row t when a[s, j] > a[t, j] for every surviving column j
            beats = (a[:, :, None, :] > a[:, None, :, :]) | ~c[:, None, None, :]
            dom_r = (beats.all(axis=3) & r[:, :, None]).any(axis=1) & r
            r_new = r & ~dom_r
            beats = (b[:, :, :, None] > b[:, :, None, :]) | ~r_new[:, :, None, None]
            dom_c = (beats.all(axis=1) & c[:, :, None]).any(axis=1) & c
            c_new = c & ~dom_c
            if not dom_r.any() and not dom_c.any():
                break
            r, c = r_new, c_new
        rows[sl], cols[sl] = r, c
    return rows, cols


def batch_found(A: FloatArray, B: FloatArray, tol: float) -> list[fe.FloatFound | Pending]:
    """For each game of the batch, its certified floating-point equilibria, or what the
    exact engine needs."""
    from model.solvers._vertex_kernel import OK, batch_equilibria

    N, m, n = A.shape
    # Identical games are solved once.
    first: dict[bytes, int] = {}
    rep = np.empty(N, dtype=np.int64)
    for k in range(N):
        rep[k] = first.setdefault(A[k].tobytes() + B[k].tobytes(), k)
    uniq = np.flatnonzero(rep == np.arange(N))
    a, b = A[uniq], B[uniq]
    U = len(uniq)

    A_ints, grids_a = snap_batch(a, tol)
    B_ints, grids_b = snap_batch(b, tol)
    top_a = A_ints == A_ints.max(axis=1, keepdims=True)
    top_b = B_ints == B_ints.max(axis=2, keepdims=True)
    tie = (top_a.sum(axis=1) > 1).any(axis=1) | (top_b.sum(axis=2) > 1).any(axis=1)

    results: list[fe.FloatFound | Pending | None] = [None] * U
    todo = ~tie
    if todo.any():
        pos_a = _positive_scaled_batch(A_ints)
        pos_b = _positive_scaled_batch(B_ints)
        status, offsets, xs, ys = batch_equilibria(
            pos_a, pos_b, todo, fe.DELTA, fe.GROWTH, fe.RESIDUAL, fe.MAX_VERTICES
        )
        for u in np.flatnonzero(todo):
            grid = (grids_a[u], grids_b[u])
            if status[u] != OK:
                results[u] = Pending(
                    A_ints[u].tolist(), B_ints[u].tolist(), grid, fe.REASONS[status[u]], None
                )
                continue
            lo, hi = offsets[u], offsets[u + 1]
            found, why = fe.certified(A_ints[u], B_ints[u], grid, xs[lo:hi], ys[lo:hi])
            results[u] = (
                found
                if found is not None
                else Pending(A_ints[u].tolist(), B_ints[u].tolist(), grid, why, None)
            )
    tied = np.flatnonzero(tie)
    if len(tied):
        if A_ints.dtype == object:
            keep_r = np.ones((len(tied), m), dtype=bool)
            keep_c = np.ones((len(tied), n), dtype=bool)
        else:
            keep_r, keep_c = undominated_batch(A_ints[tied], B_ints[tied])
        for t, u in enumerate(tied):
            rows = np.flatnonzero(keep_r[t]).tolist()
            cols = np.flatnonzero(keep_c[t]).tolist()
            keep = None if len(rows) == m and len(cols) == n else (rows, cols)
            results[u] = Pending(
                A_ints[u].tolist(),
                B_ints[u].tolist(),
                (grids_a[u], grids_b[u]),
                fe.TIE_REASON,
                keep,
            )
    where = {int(g): t for t, g in enumerate(uniq)}
    out = []
    for k in range(N):
        res = results[where[int(rep[k])]]
        assert res is not None
        out.append(res)
    return out


def _positive_scaled_batch(ints: np.ndarray) -> np.ndarray:
    """:func:`~model.solvers.float_enumeration.positive_scaled` for each game of an (N, m, n)
    array."""
    f = ints.astype(np.float64)
    low = f.min(axis=(1, 2), keepdims=True)
    span = f.max(axis=(1, 2), keepdims=True) - low
    return np.ascontiguousarray(1.0 + (f - low) / np.where(span > 0, span, 1.0))


def pareto_batch(A: FloatArray, B: FloatArray, tol: float) -> list[list[tuple[int, int]]]:
    """:func:`~model.solvers.pareto.pareto_optimal_profiles` of each game of (N, m, n)
    arrays, with the same comparisons (so the same answers): for games of at most
    :data:`PARETO_PAIRWISE` profiles in the compiled kernel, which compares pairs of profiles
    and stops at the first dominator (fastest on many small games), for larger ones by the
    sorting rule of :mod:`~model.solvers.pareto` (O(P log P) per game of P profiles)."""
    N, m, n = A.shape
    a = np.ascontiguousarray(A.reshape(N, m * n))
    b = np.ascontiguousarray(B.reshape(N, m * n))
    ta, tb = tol * _scales(A), tol * _scales(B)
    if m * n <= PARETO_PAIRWISE:
        from model.solvers._vertex_kernel import pareto_keep

        keep = pareto_keep(a, b, ta, tb)
        return [[(p // n, p % n) for p, k in enumerate(row) if k] for row in keep.tolist()]
    from model.solvers.pareto import dominated

    out = []
    for g in range(N):
        kept = np.flatnonzero(~dominated(a[g], b[g], float(ta[g]), float(tb[g])))
        out.append([(int(p) // n, int(p) % n) for p in kept])
    return out


def _scales(M: FloatArray) -> np.ndarray:
    """:func:`~model.solvers._common.scale` of each game: max |M|, or 1 for a zero matrix."""
    s = np.abs(M).max(axis=(1, 2))
    return np.where(s > 0, s, 1.0)
