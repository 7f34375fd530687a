"""The floating-point path: find the equilibria of a nondegenerate game in floating point,
then certify each of them, and the set as a whole, in exact arithmetic.

1. The payoffs are snapped to the same integers as the exact engine uses
   (:func:`~model.solvers._common.snap_to_integers`, vectorised here).
2. A game with a tie between pure best replies is degenerate: no floating point is tried.
3. The compiled kernel (:mod:`~model.solvers._vertex_kernel`) enumerates the vertices of both
   best-response polytopes and their completely labelled pairs, and gives up when a vertex
   is degenerate or nearly so, or a dictionary is ill-conditioned.
4. Each pair found is recomputed exactly from its supports I, J (|I| = |J| = k) on the snapped
   integers, by fraction-free Gauss-Jordan elimination (Edmonds 1967, "Systems of distinct
   representatives and linear algebra"; Bareiss 1968, "Sylvester's identity and multistep
   integer-preserving Gaussian elimination"), and checked exactly: positive probabilities on
   the supports and every action outside them strictly worse. This is the equilibrium, with
   its exact labels, and it shows the labels found in floating point were right.
5. The set is checked with the index theorem: in a nondegenerate game the indices of the
   equilibria add up to +1 (Shapley 1974, "A note on the Lemke-Howson algorithm"). The index
   of an equilibrium with supports I, J is (-1)^(k+1) sign(det A'_IJ) sign(det B'_IJ) for
   payoffs A', B' shifted to be positive (Shapley 1974; von Schemde 2005, "Index and Stability
   in Bimatrix Games"); here it is computed from the bordered matrices [[A_IJ, -1], [1, 0]],
   whose determinants do not change when a constant is added to the payoffs and have the sign
   of det A'_IJ at an equilibrium.

If any step fails the caller falls back to the exact engine, so the result is always that of
the exact engine: the same equilibria as the same fractions, in the same order.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from model.solvers._common import FloatArray, snap_grid, snap_to_integers

__all__ = [
    "FloatFound",
    "certified",
    "float_equilibria",
    "float_from_integers",
    "pure_tie",
    "snap_integers",
    "vertex_bound",
]

#: A basic variable of a vertex must exceed this (the payoffs are scaled to [1, 2]).
DELTA = 1e-9
#: Largest dictionary entry allowed before the basis counts as ill-conditioned.
GROWTH = 1e7
#: How far a constraint evaluated afresh may differ from what the dictionary says.
RESIDUAL = 1e-9
#: Vertices per polytope the kernel will enumerate before giving up.
MAX_VERTICES = 4_000_000

ExactStrategy = tuple[Fraction, ...]
_Solution = tuple[list[int], int, int]  # numerators of w, det, numerator of the payoff
_ZERO = Fraction(0)
_ONE = Fraction(1)


@dataclass(frozen=True, eq=False)
class FloatFound:
    """What :func:`float_equilibria` found: the same fields :func:`model.solve` reads
    from :class:`~model.solvers.enumeration.EnumerationResult`."""

    x: FloatArray
    y: FloatArray
    x_exact: tuple[ExactStrategy, ...]
    y_exact: tuple[ExactStrategy, ...]
    payoffs_exact: tuple[tuple[Fraction, Fraction], ...]
    components: tuple[tuple[int, ...], ...]
    supports: tuple[tuple[tuple[int, ...], tuple[int, ...]], ...]
    degenerate: bool = False
    degeneracy_witness: None = None

    def __len__(self) -> int:
        return len(self.x_exact)


# ---------------------------------------------------------------------------------------
# snapping


def _snap_fast(M: FloatArray, grid: Fraction) -> np.ndarray | None:
    """``snap_to_integers`` by floating point where that is provably the same, else None.

    One rounded product or quotient v = fl(M / grid) is within |v| 2**-53 of the exact
    value, so an entry whose v is further than that from a half-integer rounds the same
    either way; the few others are rounded exactly. Limited to |v| < 2**48 for int64.
    """
    from model.solvers._vertex_kernel import snap_scaled

    e = grid.denominator if grid < 1 else grid.numerator
    if e > 10**22:  # powers of ten up to 1e22 are exact doubles
        return None
    flat = np.ascontiguousarray(M, dtype=np.float64).reshape(-1, M.shape[-1])
    fits, out, close = snap_scaled(flat, float(e), grid >= 1)
    if not fits:
        return None
    if close.any():
        inv = 1 / grid
        for idx in zip(*np.nonzero(close), strict=True):
            out[idx] = round(Fraction(float(flat[idx])) * inv)
    return out.reshape(M.shape)


def snap_integers(M: FloatArray, tol: float) -> tuple[np.ndarray, Fraction]:
    """The integers and grid of :func:`~model.solvers._common.snap_to_integers`, as an int64
    array when they fit (an object array of Python ints otherwise)."""
    grid = snap_grid(M, tol)
    fast = _snap_fast(M, grid)
    if fast is not None:
        return fast, grid
    ints, _ = snap_to_integers(M, tol)
    return np.array(ints, dtype=object).reshape(M.shape), grid


def pure_tie(A_ints: np.ndarray, B_ints: np.ndarray) -> bool:
    """True when some pure strategy has two pure best replies (the game is degenerate)."""
    top_a = A_ints == A_ints.max(axis=0, keepdims=True)
    top_b = B_ints == B_ints.max(axis=1, keepdims=True)
    return bool((top_a.sum(axis=0) > 1).any() or (top_b.sum(axis=1) > 1).any())


def positive_scaled(ints: np.ndarray) -> FloatArray:
    """A positive affine image of the payoffs with entries in [1, 2], for the kernel."""
    f = ints.astype(np.float64)
    low = f.min()
    span = f.max() - low
    return 1.0 + (f - low) / (span if span > 0 else 1.0)


# ---------------------------------------------------------------------------------------
# size


def vertex_bound(d: int, facets: int) -> int:
    """Largest number of vertices of a d-polytope with ``facets`` facets (the upper bound
    theorem, McMullen 1970, "The maximum numbers of faces of a convex polytope")."""
    if d <= 1:
        return 2 if d == 1 else 1
    return math.comb(facets - (d + 1) // 2, d // 2) + math.comb(
        facets - d // 2 - 1, (d + 1) // 2 - 1
    )


# ---------------------------------------------------------------------------------------
# exact certification


def _solve_last(R: list[list[int]]) -> tuple[list[int], int] | None:
    """Solve R w = (0, ..., 0, 1) for a square integer matrix R.

    Fraction-free (Bareiss) elimination: after step p every entry below row p is a
    (p + 1)-minor of R, so each division is exact, and the last pivot is det R up to the
    sign of the row swaps. Back substitution scaled by the determinant stays in integers by
    Cramer's rule. Returns (numerators, det) with w_j = numerators[j] / det, or None when R
    is singular.
    """
    s = len(R)
    rows = [[*row, 0] for row in R]
    rows[-1][-1] = 1
    prev = 1
    sign = 1
    for p in range(s - 1):
        if rows[p][p] == 0:
            for q in range(p + 1, s):
                if rows[q][p] != 0:
                    rows[p], rows[q] = rows[q], rows[p]
                    sign = -sign
                    break
            else:
                return None
        rp = rows[p]
        piv = rp[p]
        for i in range(p + 1, s):
            ri = rows[i]
            a = ri[p]
            if a == 0:
                rows[i] = [*ri[: p + 1], *(v * piv // prev for v in ri[p + 1 :])]
            else:
                rows[i] = [
                    *ri[: p + 1],
                    *(
                        (v * piv - a * w) // prev
                        for v, w in zip(ri[p + 1 :], rp[p + 1 :], strict=True)
                    ),
                ]
        prev = piv
    det = rows[-1][s - 1]
    if det == 0:
        return None
    nums = [0] * s
    for i in range(s - 1, -1, -1):
        ri = rows[i]
        acc = det * ri[s] - sum(ri[j] * nums[j] for j in range(i + 1, s))
        nums[i] = acc // ri[i]
    return nums, det * sign


def _cofactors(T: list[list[int]]) -> list[int]:
    """The cofactors C_j of the last row of R = [[T], [1, ..., 1]] for a (k-1) x k integer
    matrix T: R w = (0, ..., 0, 1) has the solution w_j = C_j / det R, and det R is their sum
    (Cramer's rule, expanding along the last row). Closed forms up to k = 4, fraction-free
    elimination beyond."""
    k = len(T) + 1
    if k == 1:
        return [1]
    if k == 2:
        d0, d1 = T[0]
        return [-d1, d0]
    if k == 3:
        (a, b, c), (d, e, f) = T
        return [b * f - c * e, c * d - a * f, a * e - b * d]
    if k == 4:
        (a0, a1, a2, a3), (b0, b1, b2, b3), (c0, c1, c2, c3) = T
        m01 = a0 * b1 - a1 * b0
        m02 = a0 * b2 - a2 * b0
        m03 = a0 * b3 - a3 * b0
        m12 = a1 * b2 - a2 * b1
        m13 = a1 * b3 - a3 * b1
        m23 = a2 * b3 - a3 * b2
        return [
            -(c1 * m23 - c2 * m13 + c3 * m12),
            c0 * m23 - c2 * m03 + c3 * m02,
            -(c0 * m13 - c1 * m03 + c3 * m01),
            c0 * m12 - c1 * m02 + c2 * m01,
        ]
    found = _solve_last([*T, [1] * k])
    if found is None:
        return [0] * k
    nums, det = found
    return nums if det == sum(nums) else [-v for v in nums]


def _side(
    U: list[list[int]], own: list[int], other: list[int]
) -> tuple[list[int], int, int] | None:
    """The strategy w over ``other`` against which every action in ``own`` is a best reply
    of the player whose payoffs are U (own actions as rows), with positive probabilities.

    It solves (U_i - U_i0) w = 0 for the other i in ``own`` and sum(w) = 1: the bordered
    system [[U_own,other, -1], [1, 0]] (w, v) = (0, 1) with the first row subtracted from
    the others and expanded along its last column, so the two determinants differ by the
    factor (-1)^(k+1). Returns (numerators of w, det, numerator of the payoff v), all over
    det, or None when some probability is not positive (or the system is singular).
    """
    first = [U[own[0]][j] for j in other]
    T = [[U[i][j] - f for j, f in zip(other, first, strict=True)] for i in own[1:]]
    nums = _cofactors(T)
    det = sum(nums)
    if det > 0:
        if any(v <= 0 for v in nums):
            return None
    elif det == 0 or any(v >= 0 for v in nums):
        return None
    return nums, det, sum(f * w for f, w in zip(first, nums, strict=True))


def _worse_exactly(
    U: list[list[int]], i: int, other: list[int], nums: list[int], det: int, value: int
) -> bool:
    """Whether action i (a row of U) pays strictly less than ``value / det`` against the
    strategy with probabilities ``nums / det`` on ``other``."""
    gap = sum(U[i][j] * w for j, w in zip(other, nums, strict=True)) - value
    return gap * det < 0


def _strictly_worse(
    U: list[list[int]],
    Uf: FloatArray,
    supports: list[tuple[list[int], list[int]]],
    solutions: list[tuple[list[int], int, int]],
    probs: FloatArray,
    values: FloatArray,
) -> bool:
    """Whether, for every candidate k, every action outside its support ``supports[k][0]``
    pays strictly less than ``values[k]`` against ``probs[k]`` (player with payoffs U, own
    actions as rows; ``Uf`` the same as floats). A float slack above 1e-9 times the largest
    |payoff| decides, the rounding error of the float products being below 1e-14 of it; a
    smaller one is settled exactly with the numerators in ``solutions``.
    """
    margin = 1e-9 * max(float(np.abs(Uf).max()), 1.0)
    slack = values[:, None] - probs @ Uf.T  # (K, own actions)
    for k, i in zip(*np.nonzero(slack <= margin), strict=True):
        own, other = supports[k]
        if i in own:
            continue
        nums, det, value = solutions[k]
        if not _worse_exactly(U, int(i), other, nums, det, value):
            return False
    return True


@dataclass(frozen=True, eq=False)
class _Candidate:
    """One candidate pair recomputed exactly from its supports."""

    rows: list[int]
    cols: list[int]
    row: _Solution
    col: _Solution
    x_exact: ExactStrategy
    y_exact: ExactStrategy
    xv: list[float]
    yv: list[float]
    index: int


def _solve_supports(
    A: list[list[int]], B_t: list[list[int]], xr: list[float], yr: list[float]
) -> tuple[list[int], list[int], _Solution, _Solution] | None:
    """The supports of one candidate and the exact solutions of its two indifference systems;
    None if the supports differ in size or a solution has a probability not positive."""
    rows = [i for i, p in enumerate(xr) if p]
    cols = [j for j, p in enumerate(yr) if p]
    k = len(rows)
    if k != len(cols):
        return None
    row: _Solution | None
    col: _Solution | None
    if k == 1:  # a pure profile: w = 1, det = 1, the payoff itself
        row = ([1], 1, int(A[rows[0]][cols[0]]))
        col = ([1], 1, int(B_t[cols[0]][rows[0]]))
    else:
        row = _side(A, rows, cols)  # y makes every row in the support a best reply
        col = _side(B_t, cols, rows)  # x does the same for the columns
        if row is None or col is None:
            return None
    return rows, cols, row, col


def _exact_candidate(
    A: list[list[int]], B_t: list[list[int]], xr: list[float], yr: list[float], m: int, n: int
) -> _Candidate | None:
    """The candidate (rows xr, yr of the float strategies) as exact strategies with its index;
    None if its supports do not solve."""
    solved = _solve_supports(A, B_t, xr, yr)
    if solved is None:
        return None
    rows, cols, row, col = solved
    k = len(rows)
    y_num, det_a, _ = row
    x_num, det_b, _ = col
    xs, ys = [_ZERO] * m, [_ZERO] * n
    xv, yv = [0.0] * m, [0.0] * n
    if k == 1:
        xs[rows[0]] = ys[cols[0]] = _ONE
        xv[rows[0]] = yv[cols[0]] = 1.0
    else:
        for p, i in zip(x_num, rows, strict=True):
            xs[i] = Fraction(p, det_b)
            xv[i] = p / det_b
        for p, j in zip(y_num, cols, strict=True):
            ys[j] = Fraction(p, det_a)
            yv[j] = p / det_a
    # The factors (-1)^(k+1) between these determinants and the bordered ones cancel.
    sign = 1 if (det_a > 0) == (det_b > 0) else -1
    return _Candidate(rows, cols, row, col, tuple(xs), tuple(ys), xv, yv, sign if k % 2 else -sign)


def _exact_order(cands: list[_Candidate]) -> list[int]:
    """The exact engine's order of the candidates: support size, then probabilities decreasing."""
    K = len(cands)
    sizes = [2 * len(c.rows) for c in cands]
    # Floats rounded correctly keep the order of the fractions, up to ties, which the
    # fractions then settle.
    keys = [(sizes[t], [-p for p in cands[t].xv], [-p for p in cands[t].yv]) for t in range(K)]
    order = sorted(range(K), key=keys.__getitem__)

    def exact_key(t: int) -> tuple[int, list[Fraction], list[Fraction]]:
        return sizes[t], [-p for p in cands[t].x_exact], [-p for p in cands[t].y_exact]

    if any(keys[order[t]] == keys[order[t + 1]] for t in range(K - 1)):
        order.sort(key=exact_key)
    return order


def _found(
    cands: list[_Candidate], X: FloatArray, Y: FloatArray, grids: tuple[Fraction, Fraction]
) -> FloatFound:
    """The certified candidates in the exact engine's order, with their exact payoffs."""
    grid_a, grid_b = grids
    ga_num, ga_den = grid_a.numerator, grid_a.denominator
    gb_num, gb_den = grid_b.numerator, grid_b.denominator
    order = _exact_order(cands)
    ordered = [cands[t] for t in order]
    return FloatFound(
        x=X[order],
        y=Y[order],
        x_exact=tuple(c.x_exact for c in ordered),
        y_exact=tuple(c.y_exact for c in ordered),
        payoffs_exact=tuple(
            (
                Fraction(c.row[2] * ga_num, c.row[1] * ga_den),
                Fraction(c.col[2] * gb_num, c.col[1] * gb_den),
            )
            for c in ordered
        ),
        components=tuple((k,) for k in range(len(cands))),
        supports=tuple((tuple(c.rows), tuple(c.cols)) for c in ordered),
    )


def _certify(
    A_ints: np.ndarray,
    B_ints: np.ndarray,
    grids: tuple[Fraction, Fraction],
    x: FloatArray,
    y: FloatArray,
) -> FloatFound | None:
    """Exact strategies and payoffs of the candidates (rows of x and y), checked, sorted as
    the exact engine sorts them; None if any check fails."""
    A = A_ints.tolist()
    B_t = B_ints.T.tolist()
    K, m = x.shape
    n = y.shape[1]
    cands: list[_Candidate] = []
    for xr, yr in zip(x.tolist(), y.tolist(), strict=True):
        cand = _exact_candidate(A, B_t, xr, yr, m, n)
        if cand is None:
            return None
        cands.append(cand)
    if sum(c.index for c in cands) != 1:
        return None
    X = np.array([c.xv for c in cands], dtype=np.float64).reshape(K, m)
    Y = np.array([c.yv for c in cands], dtype=np.float64).reshape(K, n)
    va = np.array([c.row[2] / c.row[1] for c in cands])
    vb = np.array([c.col[2] / c.col[1] for c in cands])
    row_sides = [(c.rows, c.cols) for c in cands]
    col_sides = [(c.cols, c.rows) for c in cands]
    if not _strictly_worse(A, A_ints.astype(np.float64), row_sides, [c.row for c in cands], Y, va):
        return None
    if not _strictly_worse(
        B_t, B_ints.T.astype(np.float64), col_sides, [c.col for c in cands], X, vb
    ):
        return None
    return _found(cands, X, Y, grids)


# ---------------------------------------------------------------------------------------
# the path


def float_equilibria(A: FloatArray, B: FloatArray, tol: float) -> tuple[FloatFound | None, str]:
    """Every extreme equilibrium of a nondegenerate game, found in floating point and
    certified exactly; (None, reason) when the floating-point path cannot vouch for it."""
    A_ints, grid_a = snap_integers(A, tol)
    B_ints, grid_b = snap_integers(B, tol)
    return float_from_integers(A_ints, B_ints, (grid_a, grid_b))


def float_from_integers(
    A_ints: np.ndarray, B_ints: np.ndarray, grids: tuple[Fraction, Fraction]
) -> tuple[FloatFound | None, str]:
    """:func:`float_equilibria` for payoffs already snapped (see :func:`snap_integers`)."""
    from model.solvers._vertex_kernel import OK, game_equilibria, prepare

    if A_ints.dtype == object or B_ints.dtype == object:  # integers beyond int64
        if pure_tie(A_ints, B_ints):
            return None, TIE_REASON
        pos_a, pos_b = positive_scaled(A_ints), positive_scaled(B_ints)
    else:
        tie, pos_a, pos_b = prepare(A_ints, B_ints)
        if tie:
            return None, TIE_REASON
    status, x, y, _, _ = game_equilibria(pos_a, pos_b, DELTA, GROWTH, RESIDUAL, MAX_VERTICES)
    if status != OK:
        return None, REASONS[status]
    return certified(A_ints, B_ints, grids, x, y)


def certified(
    A_ints: np.ndarray,
    B_ints: np.ndarray,
    grids: tuple[Fraction, Fraction],
    x: FloatArray,
    y: FloatArray,
) -> tuple[FloatFound | None, str]:
    """The kernel's equilibria (rows of x and y) certified exactly, or (None, reason)."""
    found = _certify(A_ints, B_ints, grids, x, y)
    if found is None:
        return None, CHECK_REASON
    return found, ""


TIE_REASON = "a pure strategy has two best replies"
CHECK_REASON = "the exact check of the floating-point equilibria failed"
#: Why the kernel gave up, by status.
REASONS = {
    1: "a vertex of a best-response polytope is degenerate or nearly so",
    2: "a basis of a best-response polytope is ill-conditioned",
    3: f"a best-response polytope has more than {MAX_VERTICES:,} vertices",
}
