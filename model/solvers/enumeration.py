"""All extreme Nash equilibria of a bimatrix game and its maximal Nash subsets, exactly.

Method (von Stengel 2007, "Equilibrium computation for two-player games in strategic and
extensive form", AGT ch. 3; Avis, Rosenberg, Savani and von Stengel 2010,
"Enumeration of Nash equilibria for two-player games", Economic Theory 42):

1. Payoffs are snapped to rationals (:func:`~model.solvers._common.snap_grid`) and mapped by a
   positive affine transformation to positive integers; this changes no best reply.
2. Every vertex of the best-response polytopes P = {x >= 0 : B^T x <= 1} and
   Q = {y >= 0 : A y <= 1} is enumerated in exact arithmetic, degenerate vertices included.
   A vertex carries the labels of its tight inequalities: label i for x_i = 0 or
   (A y)_i = 1, label m + j for (B^T x)_j = 1 or y_j = 0.
3. The extreme equilibria are the completely labelled vertex pairs (x, y) != (0, 0),
   normalised to probability vectors.
4. The maximal Nash subsets are the maximal bicliques of the bipartite graph whose edges are
   those pairs: every equilibrium lies in conv(X) x conv(Y) for one of them (Avis et al.
   2010; the same notion as Gambit's enummixed and lrsnash).

When a pure strategy has tied best replies (so the game is degenerate, and that tie is the
degeneracy witness), :func:`_enumerate_pruned` first removes actions strictly dominated by
pure actions, which changes neither the equilibria nor the maximal Nash subsets, and
enumerates the smaller game's polytopes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from numpy.typing import ArrayLike, NDArray

from model.solvers._common import (
    FloatArray,
    check_game,
    check_tol,
    positive_reduced,
    readonly,
    snap_to_integers,
)
from model.solvers._polytope import Vertex, enumerate_vertices

ExactStrategy = tuple[Fraction, ...]

__all__ = ["EnumerationResult", "enumerate_equilibria"]


@dataclass(frozen=True, eq=False)
class EnumerationResult:
    """Extreme equilibria and maximal Nash subsets of a game, as found by vertex enumeration.

    ``x`` and ``y`` are read-only float arrays of shape (K, m) and (K, n): row k is the k-th
    extreme equilibrium. ``x_exact``, ``y_exact`` and ``payoffs_exact`` hold the same as
    fractions; they are exact for the snapped payoffs ``A_exact``, ``B_exact`` (payoffs
    rounded to a multiple of ``grid``). ``components`` lists the maximal Nash subsets as
    index tuples into the equilibria.

    Equilibria are ordered by total support size (pure ones first), then by decreasing
    probabilities of the row player's actions, then of the column player's, compared in order
    of action index. Each component is sorted, and components are ordered by their indices.
    """

    x: FloatArray
    y: FloatArray
    x_exact: tuple[ExactStrategy, ...]
    y_exact: tuple[ExactStrategy, ...]
    payoffs_exact: tuple[tuple[Fraction, Fraction], ...]
    components: tuple[tuple[int, ...], ...]
    degenerate: bool
    degeneracy_witness: tuple[int, ExactStrategy, tuple[int, ...]] | None
    grid: tuple[Fraction, Fraction]
    A_exact: tuple[tuple[Fraction, ...], ...]
    B_exact: tuple[tuple[Fraction, ...], ...]
    num_vertices: tuple[int, int]

    def __len__(self) -> int:
        return len(self.x_exact)


@dataclass(frozen=True)
class _Polytopes:
    """Vertices of P and Q with labels, and the data needed to undo the payoff transform."""

    m: int
    n: int
    P: list[tuple[int, Vertex]]  # (label mask, vertex) for every vertex of P
    Q: list[tuple[int, Vertex]]
    A_ints: list[list[int]]
    B_ints: list[list[int]]
    grid: tuple[Fraction, Fraction]
    # payoff_exact = grid * (low + gcd * (1 / sum(point) - 1)) for A (via Q) and B (via P)
    affine: tuple[tuple[int, int], tuple[int, int]]


def _polytopes(A: FloatArray, B: FloatArray, tol: float) -> _Polytopes:
    """Snap the payoffs and enumerate the vertices of both best-response polytopes."""
    A_ints, grid_a = snap_to_integers(A, tol)
    B_ints, grid_b = snap_to_integers(B, tol)
    return _polytopes_of_ints(A_ints, B_ints, (grid_a, grid_b))


def _polytopes_of_ints(
    A_ints: list[list[int]], B_ints: list[list[int]], grid: tuple[Fraction, Fraction]
) -> _Polytopes:
    """Vertices of both best-response polytopes of the game A_ints * grid, B_ints * grid."""
    m, n = len(A_ints), len(A_ints[0])
    A_pos, low_a, g_a = positive_reduced(A_ints)
    B_pos, low_b, g_b = positive_reduced(B_ints)
    # P = {x in R^m : x >= 0, B^T x <= 1}: variable t < m is x_t (label t), slack j is label m+j.
    B_pos_t = [list(c) for c in zip(*B_pos, strict=True)]
    P = [(v.zeros, v) for v in enumerate_vertices(B_pos_t)]
    # Q = {y in R^n : y >= 0, A y <= 1}: variable t < n is y_t (label m+t), slack i is label i.
    low_bits = (1 << n) - 1
    Q = [(((v.zeros & low_bits) << m) | (v.zeros >> n), v) for v in enumerate_vertices(A_pos)]
    return _Polytopes(m, n, P, Q, A_ints, B_ints, grid, ((low_a, g_a), (low_b, g_b)))


def _missing_labels(masks: list[int], L: int) -> NDArray[np.float32]:
    """0/1 matrix (float32, for a fast product): entry (v, t) is 1 when label t is missing."""
    if L <= 63:
        bits = (np.array(masks, dtype=np.uint64)[:, None] >> np.arange(L, dtype=np.uint64)) & 1
        return (1 - bits).astype(np.float32)
    return np.array([[1 - (mask >> t & 1) for t in range(L)] for mask in masks], dtype=np.float32)


def _edges(poly: _Polytopes) -> list[tuple[int, int]]:
    """Completely labelled pairs (index into P, index into Q), both vertices nonzero."""
    L = poly.m + poly.n
    P_idx = [a for a, (_, v) in enumerate(poly.P) if not v.is_origin()]
    Q_idx = [b for b, (_, v) in enumerate(poly.Q) if not v.is_origin()]
    if not P_idx or not Q_idx:
        return []
    P_miss = _missing_labels([poly.P[a][0] for a in P_idx], L)
    Q_miss = _missing_labels([poly.Q[b][0] for b in Q_idx], L)
    edges: list[tuple[int, int]] = []
    chunk = 2048
    for start in range(0, len(P_idx), chunk):
        missing = P_miss[start : start + chunk] @ Q_miss.T  # labels missing from both
        for a, b in zip(*np.nonzero(missing == 0), strict=True):
            edges.append((P_idx[start + int(a)], Q_idx[int(b)]))
    return edges


def _maximal_bicliques(edges: Sequence[tuple[int, int]]) -> list[tuple[list[int], list[int]]]:
    """Maximal bicliques (X, Y) of a bipartite graph given by its edges.

    The Y-sides are exactly the nonempty intersections of neighbourhoods N(x) (closed sets of
    the Galois connection between the two sides), and X = {x : Y is within N(x)}.
    """
    nbr: dict[int, int] = {}
    for a, b in edges:
        nbr[a] = nbr.get(a, 0) | (1 << b)
    distinct = sorted(set(nbr.values()))
    closed = set(distinct)
    work = list(distinct)
    while work:
        S = work.pop()
        for N in distinct:
            inter = S & N
            if inter and inter not in closed:
                closed.add(inter)
                work.append(inter)
    out = []
    for S in closed:
        X = sorted(a for a, N in nbr.items() if S & N == S)
        Y = [b for b in range(S.bit_length()) if S >> b & 1]
        out.append((X, Y))
    return out


def _normalise(v: Vertex) -> tuple[ExactStrategy, Fraction]:
    """The vertex scaled to a probability vector, and the sum of its coordinates."""
    total = sum(v.numerators)
    return tuple(Fraction(p, total) for p in v.numerators), Fraction(total, v.denominator)


def _sort_key(
    x: ExactStrategy, y: ExactStrategy
) -> tuple[int, tuple[Fraction, ...], tuple[Fraction, ...]]:
    support = sum(1 for p in x if p) + sum(1 for p in y if p)
    return support, tuple(-p for p in x), tuple(-p for p in y)


def _degeneracy_witness(
    poly: _Polytopes,
) -> tuple[int, ExactStrategy, tuple[int, ...]] | None:
    """A strategy with more pure best replies than its support size, or None.

    Returns (player, normalised strategy, best replies): the smallest support first, then
    the row player, then the lowest support indices. The game is nondegenerate exactly when
    there is none, since a point of P with more than m labels (of Q with more than n) exists
    exactly when a vertex has (von Stengel 2007, AGT ch. 3).
    """
    m, n = poly.m, poly.n
    Key = tuple[int, int, tuple[int, ...], tuple[Fraction, ...], tuple[int, ...]]
    best: tuple[Key, tuple[int, ExactStrategy, tuple[int, ...]]] | None = None
    for player, verts, dim in ((0, poly.P, m), (1, poly.Q, n)):
        for lab, vertex in verts:
            if lab.bit_count() <= dim:
                continue
            strategy, _ = _normalise(vertex)
            support = tuple(i for i, p in enumerate(vertex.numerators) if p)
            if player == 0:
                replies = tuple(j for j in range(n) if lab >> (m + j) & 1)
            else:
                replies = tuple(i for i in range(m) if lab >> i & 1)
            key = (len(support), player, support, tuple(-p for p in strategy), replies)
            if best is None or key < best[0]:
                best = (key, (player, strategy, replies))
    return None if best is None else best[1]


def _enumerate(A: FloatArray, B: FloatArray, tol: float) -> EnumerationResult:
    A_ints, grid_a = snap_to_integers(A, tol)
    B_ints, grid_b = snap_to_integers(B, tol)
    return _enumerate_ints(A_ints, B_ints, (grid_a, grid_b))


def _pure_witness_of_ints(
    A_ints: list[list[int]], B_ints: list[list[int]]
) -> tuple[int, ExactStrategy, tuple[int, ...]] | None:
    """The witness :func:`_degeneracy_witness` picks when a pure strategy has tied best
    replies (support size 1 comes first; then the row player, then the lowest index)."""
    m, n = len(A_ints), len(A_ints[0])
    for i, row in enumerate(B_ints):
        top = max(row)
        replies = tuple(j for j, v in enumerate(row) if v == top)
        if len(replies) > 1:
            return 0, tuple(Fraction(int(k == i)) for k in range(m)), replies
    for j in range(n):
        column = [A_ints[i][j] for i in range(m)]
        top = max(column)
        replies = tuple(i for i, v in enumerate(column) if v == top)
        if len(replies) > 1:
            return 1, tuple(Fraction(int(k == j)) for k in range(n)), replies
    return None


def _undominated(A_ints: list[list[int]], B_ints: list[list[int]]) -> tuple[list[int], list[int]]:
    """Actions that survive iterated removal of actions strictly dominated by a pure action,
    exactly on the integers. Strictly dominated actions are played in no equilibrium, and
    removing them leaves the set of equilibria unchanged, whatever the order (Gilboa, Kalai
    and Zemel 1990, "On the order of eliminating dominated strategies")."""
    rows = list(range(len(A_ints)))
    cols = list(range(len(A_ints[0])))
    changed = True
    while changed:
        changed = False
        keep = [
            r
            for r in rows
            if not any(all(A_ints[s][j] > A_ints[r][j] for j in cols) for s in rows if s != r)
        ]
        if len(keep) < len(rows):
            rows, changed = keep, True
        keep = [
            c
            for c in cols
            if not any(all(B_ints[i][d] > B_ints[i][c] for i in rows) for d in cols if d != c)
        ]
        if len(keep) < len(cols):
            cols, changed = keep, True
    return rows, cols


def _enumerate_pruned(
    A_ints: list[list[int]], B_ints: list[list[int]], grid: tuple[Fraction, Fraction]
) -> EnumerationResult:
    """:func:`_enumerate_ints`, on the game left by iterated strict dominance when that is
    smaller and some pure strategy has tied best replies.

    The equilibria, their order and the maximal Nash subsets are those of the whole game:
    the equilibria are the same (padded with zeros), and padding keeps the order. The
    degeneracy witness is the pure one, which the whole game's polytopes would give too.
    ``num_vertices`` counts the vertices of the smaller game's polytopes.
    """
    witness = _pure_witness_of_ints(A_ints, B_ints)
    if witness is not None:
        rows, cols = _undominated(A_ints, B_ints)
        if len(rows) < len(A_ints) or len(cols) < len(A_ints[0]):
            return _enumerate_ints(A_ints, B_ints, grid, (rows, cols), witness)
    return _enumerate_ints(A_ints, B_ints, grid)


def _enumerate_ints(
    A_ints: list[list[int]],
    B_ints: list[list[int]],
    grid: tuple[Fraction, Fraction],
    keep: tuple[list[int], list[int]] | None = None,
    witness: tuple[int, ExactStrategy, tuple[int, ...]] | None = None,
) -> EnumerationResult:
    """Enumeration on snapped integer payoffs. With ``keep`` = (rows, cols) only that
    subgame is enumerated (it must hold every equilibrium action) and ``witness`` is the
    whole game's degeneracy witness."""
    m, n = len(A_ints), len(A_ints[0])
    if keep is None:
        rows, cols = list(range(m)), list(range(n))
        poly = _polytopes_of_ints(A_ints, B_ints, grid)
    else:
        rows, cols = keep
        sub_a = [[A_ints[i][j] for j in cols] for i in rows]
        sub_b = [[B_ints[i][j] for j in cols] for i in rows]
        poly = _polytopes_of_ints(sub_a, sub_b, grid)
    edges = _edges(poly)
    (low_a, g_a), (low_b, g_b) = poly.affine
    grid_a, grid_b = poly.grid
    zero = Fraction(0)

    def pad(values: ExactStrategy, where: list[int], size: int) -> ExactStrategy:
        if len(where) == size:
            return values
        out = [zero] * size
        for t, p in zip(where, values, strict=True):
            out[t] = p
        return tuple(out)

    pairs: dict[tuple[int, int], tuple[ExactStrategy, ExactStrategy, Fraction, Fraction]] = {}
    for a, b in edges:
        x, sum_x = _normalise(poly.P[a][1])
        y, sum_y = _normalise(poly.Q[b][1])
        # In the reduced positive game the row player's payoff is 1 / sum(y) (Q's scaling).
        pay_a = grid_a * (low_a + g_a * (1 / sum_y - 1))
        pay_b = grid_b * (low_b + g_b * (1 / sum_x - 1))
        pairs[(a, b)] = (pad(x, rows, m), pad(y, cols, n), pay_a, pay_b)

    order = sorted(pairs, key=lambda e: _sort_key(pairs[e][0], pairs[e][1]))
    index = {e: k for k, e in enumerate(order)}
    components = []
    for X, Y in _maximal_bicliques(edges):
        components.append(tuple(sorted(index[(a, b)] for a in X for b in Y)))
    components.sort()

    x_exact = tuple(pairs[e][0] for e in order)
    y_exact = tuple(pairs[e][1] for e in order)
    x_float = np.array([[float(p) for p in s] for s in x_exact], dtype=np.float64).reshape(-1, m)
    y_float = np.array([[float(p) for p in s] for s in y_exact], dtype=np.float64).reshape(-1, n)
    if keep is None:
        witness = _degeneracy_witness(poly)
    return EnumerationResult(
        x=readonly(x_float),
        y=readonly(y_float),
        x_exact=x_exact,
        y_exact=y_exact,
        payoffs_exact=tuple((pairs[e][2], pairs[e][3]) for e in order),
        components=tuple(components),
        degenerate=witness is not None,
        degeneracy_witness=witness,
        grid=grid,
        A_exact=tuple(tuple(v * grid_a for v in row) for row in A_ints),
        B_exact=tuple(tuple(v * grid_b for v in row) for row in B_ints),
        num_vertices=(len(poly.P), len(poly.Q)),
    )


def enumerate_equilibria(A: ArrayLike, B: ArrayLike, *, tol: float = 1e-9) -> EnumerationResult:
    """All extreme Nash equilibria of the bimatrix game (A, B) and its maximal Nash subsets.

    A holds the row player's payoffs, B the column player's, both of shape (m, n). The
    computation is exact on the payoffs rounded to a grid of about ``1e-3 * tol`` times the
    largest |payoff| of each player (12 significant digits for the default ``tol``), so ties
    lost to floating-point round-off are restored; it is correct for degenerate games.
    Every equilibrium of the game lies in conv(X) x conv(Y) for the extreme equilibria X x Y
    of one of ``components``.

    Source: vertex enumeration with labels (von Stengel 2007, AGT ch. 3) and clique
    enumeration of the extreme equilibria (Avis, Rosenberg, Savani and von Stengel 2010,
    "Enumeration of Nash equilibria for two-player games").

    >>> r = enumerate_equilibria([[2, 0], [0, 1]], [[1, 0], [0, 2]])
    >>> [(tuple(map(str, x)), tuple(map(str, y))) for x, y in zip(r.x_exact, r.y_exact)]
    [(('1', '0'), ('1', '0')), (('0', '1'), ('0', '1')), (('2/3', '1/3'), ('1/3', '2/3'))]
    >>> r.components, r.degenerate
    (((0,), (1,), (2,)), False)
    """
    a, b = check_game(A, B)
    return _enumerate(a, b, check_tol(tol))
