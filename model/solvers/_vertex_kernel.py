"""Compiled kernels of the floating-point path: vertices of the best-response polytopes of
nondegenerate games and their completely labelled pairs.

Vertex enumeration follows the pivoting scheme of lrs (Avis and Fukuda 1992, "A pivoting
algorithm for convex hulls and vertex enumeration of arrangements and polyhedra"; Avis 2000,
"lrs: a revised implementation of the reverse search vertex enumeration algorithm"): a graph
search over the bases of {z >= 0 : M z <= 1} from the slack basis (the origin), one
minimum-ratio pivot per edge, in floating point. The equilibria are the completely labelled
vertex pairs (von Stengel 2007, "Equilibrium computation for two-player games in strategic
and extensive form", AGT ch. 3), found here by looking up each vertex's complementary label
set in a hash table.

The kernels only work on polytopes that are simple with a margin, which is what a
nondegenerate game gives: at every vertex each basic variable must exceed ``delta`` and each
edge must lead to a vertex where the same holds. They stop with a nonzero status instead of
guessing when that fails (a degenerate or nearly degenerate game), when the tableau grows
large (an ill-conditioned basis), when a vertex's coordinates do not reproduce its labels
when the constraints are evaluated afresh, or when there are more vertices than allowed.
The caller then uses the exact engine.
"""

from __future__ import annotations

import numpy as np
from numba import njit

#: Status codes returned by the kernels.
OK = 0
DEGENERATE = 1  # a basic variable at most delta: a tie, or nearly one
ILL_CONDITIONED = 2  # tableau growth, a residual too large, or no leaving row
TOO_MANY = 3  # more vertices than allowed

# Unit roundoff of float64.
_EPS = 2.0**-53

# Multiplier of Fibonacci hashing (Knuth, TAOCP vol. 3, section 6.4).
_GOLDEN = np.uint64(11400714819323198485)


@njit(cache=True, error_model="numpy")
def _slot(table: np.ndarray, key: np.int64, bits: int) -> np.int64:
    """Slot of ``key`` in an open-addressing table, or the empty slot where it belongs."""
    mask = np.int64((1 << bits) - 1)
    h = np.int64((np.uint64(key) * _GOLDEN) >> np.uint64(64 - bits))
    while table[h] != -1 and table[h] != key:
        h = (h + np.int64(1)) & mask
    return h


@njit(cache=True, error_model="numpy")
def _rehash(table: np.ndarray, bits: int) -> np.ndarray:
    new = np.full(1 << (bits + 1), -1, np.int64)
    for key in table:
        if key != -1:
            new[_slot(new, key, bits + 1)] = key
    return new


@njit(cache=True, error_model="numpy")
def polytope_vertices(
    M: np.ndarray, delta: float, growth: float, residual: float, max_vertices: int
) -> tuple[int, np.ndarray, np.ndarray]:
    """Vertices of {z >= 0 : M z <= 1} for a positive k x d matrix M, in floating point.

    Returns (status, zeros, coords): ``zeros[v]`` is a bit mask over the d + k variables
    (bit t < d: z_t = 0; bit d + r: constraint r tight) and ``coords[v]`` the point. The
    origin comes first. On a nonzero status the arrays hold what was found so far.
    """
    k, d = M.shape
    width = d + 1
    status = OK

    cap = 64
    zeros_out = np.empty(cap, np.int64)
    coords = np.empty((cap, d))
    count = 0

    # Stack of bases still to expand: the dictionary stored by columns (column 0 holds the
    # values of the basic variables, column 1 + c the coefficients of nonbasic variable c:
    # basic_r = T[0, r] - sum_c T[1 + c, r] * nonbasic_c), the basis and the nonbasic set.
    scap = 64
    s_tab = np.empty((scap, width, k))
    s_basis = np.empty((scap, k), np.int64)
    s_non = np.empty((scap, d), np.int64)
    s_back = np.full(scap, -1, np.int64)  # the column that leads back to the parent
    # Error control: the number of pivots from the origin and the largest entry met on the
    # way. Each pivot adds at most about 2 eps G to an entry, G the largest entry so far, so
    # a value computed after D pivots is off by at most about 2 eps G D.
    s_depth = np.zeros(scap, np.int64)
    s_grow = np.ones(scap)
    for r in range(k):
        s_tab[0, 0, r] = 1.0
        for c in range(d):
            s_tab[0, 1 + c, r] = M[r, c]
        s_basis[0, r] = d + r
    for c in range(d):
        s_non[0, c] = c
    top = 1

    # Bases already met, keyed by their nonbasic (zero) variables.
    bits = 8
    table = np.full(1 << bits, -1, np.int64)
    origin = np.int64((1 << d) - 1)
    table[_slot(table, origin, bits)] = origin
    stored = 1

    T = np.empty((width, k))
    basis = np.empty(k, np.int64)
    non = np.empty(d, np.int64)
    z = np.zeros(d)
    row_of = np.empty(d + k, np.int64)
    ratio = np.empty(k)

    while top > 0:
        top -= 1
        src = s_tab[top]
        for j in range(width):
            for r in range(k):
                T[j, r] = src[j, r]
        for r in range(k):
            basis[r] = s_basis[top, r]
        for c in range(d):
            non[c] = s_non[top, c]
        back = s_back[top]
        depth = s_depth[top]
        grow = s_grow[top]
        # a basic variable must exceed the margin and, with room to spare, the error bound
        floor = max(delta, 20.0 * _EPS * grow * (depth + 1))

        # Every basic variable must exceed delta (else the vertex is degenerate or nearly so)
        # and the bound on its rounding error (else its sign is in doubt). A tie or near-tie
        # in a ratio test that led here shows up as a basic variable at or below delta, so
        # checking each basis once, when it is expanded, covers the edges too.
        zmask = np.int64(0)
        for c in range(d):
            zmask |= np.int64(1) << non[c]
        for c in range(d):
            z[c] = 0.0
        for v in range(d + k):
            row_of[v] = -1
        for r in range(k):
            if not T[0, r] > floor:
                status = DEGENERATE if not T[0, r] > delta else ILL_CONDITIONED
                break
            row_of[basis[r]] = r
            if basis[r] < d:
                z[basis[r]] = T[0, r]
        if status != OK:
            break
        # Evaluate the constraints afresh: tight ones must be tight, the others must agree
        # with the dictionary.
        for r in range(k):
            s = 1.0
            for c in range(d):
                s -= M[r, c] * z[c]
            where = row_of[d + r]
            if where < 0:
                if abs(s) > residual:
                    status = ILL_CONDITIONED
            elif abs(s - T[0, where]) > residual:
                status = ILL_CONDITIONED
        if status != OK:
            break

        if count == cap:
            cap *= 2
            grown_z = np.empty(cap, np.int64)
            grown_z[:count] = zeros_out[:count]
            zeros_out = grown_z
            grown_c = np.empty((cap, d))
            grown_c[:count] = coords[:count]
            coords = grown_c
        zeros_out[count] = zmask
        for c in range(d):
            coords[count, c] = z[c]
        count += 1
        if count > max_vertices:
            status = TOO_MANY
            break

        value = T[0]
        for c in range(d):
            if c == back:
                continue
            col = T[1 + c]
            # Minimum ratio value[r] / col[r] over col[r] > 0 (two loops, so that the
            # divisions vectorise).
            for r in range(k):
                a = col[r]
                ratio[r] = value[r] / a if a > 1e-12 else np.inf
            best = -1
            least = np.inf
            for r in range(k):
                if ratio[r] < least:
                    least = ratio[r]
                    best = r
            if best < 0:
                status = ILL_CONDITIONED
                break
            nmask = zmask ^ (np.int64(1) << non[c]) ^ (np.int64(1) << basis[best])
            h = _slot(table, nmask, bits)
            if table[h] == nmask:
                continue
            table[h] = nmask
            stored += 1
            if 2 * stored > (1 << bits):
                table = _rehash(table, bits)
                bits += 1

            if top == scap:
                scap *= 2
                g_tab = np.empty((scap, width, k))
                g_tab[:top] = s_tab[:top]
                s_tab = g_tab
                g_basis = np.empty((scap, k), np.int64)
                g_basis[:top] = s_basis[:top]
                s_basis = g_basis
                g_non = np.empty((scap, d), np.int64)
                g_non[:top] = s_non[:top]
                s_non = g_non
                g_back = np.empty(scap, np.int64)
                g_back[:top] = s_back[:top]
                s_back = g_back
                g_depth = np.empty(scap, np.int64)
                g_depth[:top] = s_depth[:top]
                s_depth = g_depth
                g_grow = np.empty(scap)
                g_grow[:top] = s_grow[:top]
                s_grow = g_grow
            # Pivot: the variable of column c enters in row `best`; the leaving variable
            # takes column c.
            out = s_tab[top]
            p = col[best]
            inv = 1.0 / p
            largest = 0.0
            for j in range(width):
                f = T[j, best] * inv
                src = T[j]
                dst = out[j]
                for r in range(k):
                    val = src[r] - col[r] * f
                    dst[r] = val
                    largest = max(largest, abs(val))
                dst[best] = f
            ncol = out[1 + c]
            for r in range(k):
                ncol[r] = -col[r] * inv
            ncol[best] = inv
            for r in range(k):
                largest = max(largest, abs(ncol[r]))
            if largest > growth:
                status = ILL_CONDITIONED
                break
            for r in range(k):
                s_basis[top, r] = basis[r]
            for j in range(d):
                s_non[top, j] = non[j]
            s_basis[top, best] = non[c]
            s_non[top, c] = basis[best]
            s_back[top] = c
            s_depth[top] = depth + 1
            s_grow[top] = max(grow, largest)
            top += 1
        if status != OK:
            break

    return status, zeros_out[:count], coords[:count]


@njit(cache=True, error_model="numpy")
def _labels_of_q(zeros: np.ndarray, m: int, n: int) -> np.ndarray:
    """Labels of vertices of Q = {y >= 0 : A y <= 1} from their zero masks: y_j = 0 is label
    m + j and a tight row i is label i."""
    low = (np.int64(1) << n) - 1
    out = np.empty(zeros.shape[0], np.int64)
    for v in range(zeros.shape[0]):
        out[v] = ((zeros[v] & low) << m) | (zeros[v] >> n)
    return out


@njit(cache=True, error_model="numpy")
def game_equilibria(
    A: np.ndarray,
    B: np.ndarray,
    delta: float,
    growth: float,
    residual: float,
    max_vertices: int,
) -> tuple[int, np.ndarray, np.ndarray, int, int]:
    """Extreme equilibria of a nondegenerate game with positive payoffs A, B (m x n).

    Returns (status, x, y, vertices of P, vertices of Q); rows of x and y are the equilibrium
    strategies (normalised), in the order P's vertices were found. Each P vertex has exactly
    m labels and each Q vertex n (the polytopes are simple), so a P vertex is completely
    labelled with exactly the Q vertex whose label set is its complement.
    """
    m, n = A.shape
    empty_x = np.empty((0, m))
    empty_y = np.empty((0, n))
    status, p_zeros, p_coords = polytope_vertices(
        np.ascontiguousarray(B.T), delta, growth, residual, max_vertices
    )
    if status != OK:
        return status, empty_x, empty_y, p_zeros.shape[0], 0
    status, q_zeros, q_coords = polytope_vertices(A, delta, growth, residual, max_vertices)
    if status != OK:
        return status, empty_x, empty_y, p_zeros.shape[0], q_zeros.shape[0]
    q_labels = _labels_of_q(q_zeros, m, n)

    bits = 4
    while (1 << bits) < 2 * q_labels.shape[0]:
        bits += 1
    table = np.full(1 << bits, -1, np.int64)
    where = np.full(1 << bits, -1, np.int64)
    for v in range(1, q_labels.shape[0]):  # skip the origin
        h = _slot(table, q_labels[v], bits)
        table[h] = q_labels[v]
        where[h] = v

    full = (np.int64(1) << (m + n)) - 1
    xs = np.empty((p_zeros.shape[0], m))
    ys = np.empty((p_zeros.shape[0], n))
    found = 0
    for v in range(1, p_zeros.shape[0]):
        want = full ^ p_zeros[v]
        h = _slot(table, want, bits)
        if table[h] != want:
            continue
        w = where[h]
        sx = p_coords[v].sum()
        sy = q_coords[w].sum()
        for i in range(m):
            xs[found, i] = p_coords[v, i] / sx
        for j in range(n):
            ys[found, j] = q_coords[w, j] / sy
        found += 1
    return OK, xs[:found], ys[:found], p_zeros.shape[0], q_zeros.shape[0]


@njit(cache=True, error_model="numpy")
def batch_equilibria(
    A: np.ndarray,
    B: np.ndarray,
    todo: np.ndarray,
    delta: float,
    growth: float,
    residual: float,
    max_vertices: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:func:`game_equilibria` for the games ``k`` of (N, m, n) arrays with ``todo[k]``.

    Returns (status per game, offsets, x, y): the equilibria of game k are rows
    ``offsets[k]:offsets[k + 1]`` of x and y (none unless its status is OK).
    """
    N, m, n = A.shape
    status = np.full(N, -1, np.int64)
    offsets = np.zeros(N + 1, np.int64)
    cap = 4 * N + 4
    xs = np.empty((cap, m))
    ys = np.empty((cap, n))
    total = 0
    for g in range(N):
        if todo[g]:
            st, x, y, _, _ = game_equilibria(A[g], B[g], delta, growth, residual, max_vertices)
            status[g] = st
            if st == OK:
                K = x.shape[0]
                while total + K > cap:
                    cap *= 2
                    gx = np.empty((cap, m))
                    gx[:total] = xs[:total]
                    xs = gx
                    gy = np.empty((cap, n))
                    gy[:total] = ys[:total]
                    ys = gy
                xs[total : total + K] = x
                ys[total : total + K] = y
                total += K
        offsets[g + 1] = total
    return status, offsets, xs[:total], ys[:total]


@njit(cache=True, error_model="numpy")
def snap_scaled(M: np.ndarray, factor: float, divide: bool) -> tuple[bool, np.ndarray, np.ndarray]:
    """Round M * factor (or M / factor) to integers, entry by entry as numpy would.

    Returns (fits, integers, close): ``fits`` is False when some |scaled entry| reaches 2**48
    (the caller then rounds exactly); ``close`` marks entries so near a half-integer that
    the rounding of the product itself could decide, which the caller rounds exactly.
    """
    m, n = M.shape
    out = np.empty((m, n), np.int64)
    close = np.zeros((m, n), np.bool_)
    limit = 2.0**48
    for i in range(m):
        for j in range(n):
            v = M[i, j] / factor if divide else M[i, j] * factor
            if not abs(v) < limit:
                return False, out, close
            r = np.rint(v)
            out[i, j] = np.int64(r)
            # v is within half an ulp (at most |v| 2**-53) of the exact value
            close[i, j] = abs(abs(v - r) - 0.5) <= abs(v) * 2.0**-50
    return True, out, close


@njit(cache=True, error_model="numpy")
def pareto_keep(a: np.ndarray, b: np.ndarray, ta: np.ndarray, tb: np.ndarray) -> np.ndarray:
    """For (N, P) payoff vectors of N games: keep[g, p] when no profile q of game g has
    a >= a_p - ta and b >= b_p - tb with a > a_p + ta or b > b_p + tb (the comparisons of
    :func:`~model.solvers.pareto.pareto_optimal_profiles`, stopping at the first dominator)."""
    N, P = a.shape
    keep = np.ones((N, P), np.bool_)
    for g in range(N):
        for p in range(P):
            lo_a = a[g, p] - ta[g]
            lo_b = b[g, p] - tb[g]
            hi_a = a[g, p] + ta[g]
            hi_b = b[g, p] + tb[g]
            for q in range(P):
                if a[g, q] >= lo_a and b[g, q] >= lo_b and (a[g, q] > hi_a or b[g, q] > hi_b):
                    keep[g, p] = False
                    break
    return keep


@njit(cache=True, error_model="numpy")
def prepare(A: np.ndarray, B: np.ndarray) -> tuple[bool, np.ndarray, np.ndarray]:
    """For integer payoffs: whether a pure strategy has tied best replies (a column of A or
    a row of B with its maximum twice), and both matrices mapped to [1, 2] as by
    :func:`~model.solvers.float_enumeration.positive_scaled` (the same operations, so the same
    floats)."""
    tie = _tied_column_max(A) or _tied_column_max(B.T)
    return tie, _scaled(A), _scaled(B)


@njit(cache=True, error_model="numpy")
def _tied_column_max(M: np.ndarray) -> bool:
    """Whether some column of M has its maximum twice."""
    m, n = M.shape
    for j in range(n):
        top = M[0, j]
        count = 1
        for i in range(1, m):
            if M[i, j] > top:
                top = M[i, j]
                count = 1
            elif M[i, j] == top:
                count += 1
        if count > 1:
            return True
    return False


@njit(cache=True, error_model="numpy")
def _scaled(M: np.ndarray) -> np.ndarray:
    f = M.astype(np.float64)
    low = f.min()
    span = f.max() - low
    return 1.0 + (f - low) / (span if span > 0 else 1.0)
