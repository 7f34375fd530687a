"""Compiled kernel that finds every equilibrium of many games of one shape, each the game at
one parameter point, without leaving compiled code for the common case.

For each game:

1. Iterated removal of actions strictly dominated by a pure action, with a margin: action t
   goes when some surviving action s pays more than t by at least ``margin`` (relative to the
   player's largest |payoff|) against every surviving action of the other player. Removing
   strictly dominated actions leaves the set of equilibria unchanged (Gilboa, Kalai and Zemel
   1990), and the margin only makes the removal more cautious.
2. If one profile is left, it is the unique equilibrium.
3. Otherwise, if the smaller game has at most ``max_pairs`` pairs of supports of equal size,
   support enumeration (Nash 1951; Mangasarian 1964; von Stengel 2007, AGT ch. 3, alg. 3.4):
   for each pair (I, J) with |I| = |J| = k, the y on J that makes the rows of I indifferent
   and the x on I that does the same for the columns of J, each from a (k+1)-square linear
   system solved by Gaussian elimination with partial pivoting.

Each side of each pair is judged on its own, on payoffs scaled to a largest |payoff| of 1.
A side *fails* clearly when a probability is below -gray or an action outside the support
pays more than the value by more than gray; it *passes* clearly when every probability on
the support exceeds gray and every action outside pays less than the value by more than gray.
Anything in between on either side of any pair, or a pivot below ``gray``, marks the game
as needing the exact engine (status FLAGGED).

This makes the answer complete, not just correct: an equilibrium whose supports differ in
size, |supp x| = k > l = |supp y|, shows up as the pair (I', supp y) with
I' any l rows of supp x, whose y-side solution is y itself, with the other rows of supp x
exactly tied, so in the gray band. A game with no flag therefore has only equilibria with
supports of equal size, each the unique solution of its pair, and each pair was tried.
"""

from __future__ import annotations

import numpy as np
from numba import njit

#: Status of each game.
OK = 0
FLAGGED = 1  # a near-tie or a near-singular system: the exact engine decides
TOO_LARGE = 2  # the game left after dominance has too many support pairs
OVERFLOW = 3  # more equilibria than the output buffer holds


@njit(cache=True, error_model="numpy")
def _undominated(a: np.ndarray, b: np.ndarray, rows: np.ndarray, cols: np.ndarray,
                 margin: float) -> None:
    """Iterated strict dominance by pure actions, in place on the masks ``rows``, ``cols``;
    ``a``, ``b`` are scaled so that each player's largest |payoff| is 1."""
    m, n = a.shape
    changed = True
    while changed:
        changed = False
        for t in range(m):
            if not rows[t]:
                continue
            for s in range(m):
                if s == t or not rows[s]:
                    continue
                beats = True
                for j in range(n):
                    if cols[j] and not (a[s, j] > a[t, j] + margin):
                        beats = False
                        break
                if beats:
                    rows[t] = False
                    changed = True
                    break
        for t in range(n):
            if not cols[t]:
                continue
            for s in range(n):
                if s == t or not cols[s]:
                    continue
                beats = True
                for i in range(m):
                    if rows[i] and not (b[i, s] > b[i, t] + margin):
                        beats = False
                        break
                if beats:
                    cols[t] = False
                    changed = True
                    break


@njit(cache=True, error_model="numpy")
def _solve_square(M: np.ndarray, rhs: np.ndarray, out: np.ndarray, gray: float) -> bool:
    """Solve M z = rhs into ``out`` by Gaussian elimination with partial pivoting (M and rhs
    are overwritten). False when a pivot is below ``gray``: singular, or nearly so."""
    k = M.shape[0]
    for c in range(k):
        p = c
        best = abs(M[c, c])
        for r in range(c + 1, k):
            if abs(M[r, c]) > best:
                best = abs(M[r, c])
                p = r
        if best < gray:
            return False
        if p != c:
            for q in range(k):
                tmp = M[c, q]
                M[c, q] = M[p, q]
                M[p, q] = tmp
            tmp = rhs[c]
            rhs[c] = rhs[p]
            rhs[p] = tmp
        for r in range(c + 1, k):
            f = M[r, c] / M[c, c]
            if f != 0.0:
                for q in range(c, k):
                    M[r, q] -= f * M[c, q]
                rhs[r] -= f * rhs[c]
    for c in range(k - 1, -1, -1):
        s = rhs[c]
        for q in range(c + 1, k):
            s -= M[c, q] * out[q]
        out[c] = s / M[c, c]
    return True


@njit(cache=True, error_model="numpy")
def _side(P: np.ndarray, own: np.ndarray, other: np.ndarray, own_mask: np.ndarray,
          other_mask: np.ndarray, k: int, gray: float, strat: np.ndarray) -> int:
    """One side of a support pair. ``P`` is the payoff matrix of the player whose actions are
    ``own`` (rows of P), the other player mixing over ``other`` (columns of P). Finds the mix
    over ``other`` making every action of ``own`` equally good, writes it into ``strat``
    (full length, zeros off the support), and returns 1 if it clearly passes, 0 if it clearly
    fails, -1 if undecided (near-singular, or in the gray band)."""
    M = np.empty((k + 1, k + 1))
    rhs = np.zeros(k + 1)
    z = np.empty(k + 1)
    for r in range(k):
        for c in range(k):
            M[r, c] = P[own[r], other[c]]
        M[r, k] = -1.0
    for c in range(k):
        M[k, c] = 1.0
    M[k, k] = 0.0
    rhs[k] = 1.0
    if not _solve_square(M, rhs, z, gray):
        return -1
    v = z[k]
    verdict = 1
    for c in range(k):
        if z[c] < -gray:
            return 0
        if z[c] <= gray:
            verdict = -1
    strat[:] = 0.0
    for c in range(k):
        strat[other[c]] = z[c]
    # every surviving action outside ``own`` must do clearly worse than v
    for i in range(P.shape[0]):
        if not own_mask[i]:
            continue
        in_support = False
        for r in range(k):
            if own[r] == i:
                in_support = True
                break
        if in_support:
            continue
        pay = 0.0
        for c in range(k):
            pay += P[i, other[c]] * z[c]
        if pay > v + gray:
            return 0
        if pay >= v - gray:
            verdict = -1
    return verdict


@njit(cache=True, error_model="numpy")
def _popcount(x: int) -> int:
    c = 0
    while x:
        x &= x - 1
        c += 1
    return c


@njit(cache=True, error_model="numpy")
def solve_points(A: np.ndarray, B: np.ndarray, margin: float, gray: float, max_pairs: int,
                 cap: int):
    """Equilibria of each game of (N, m, n) arrays A, B.

    Returns ``(status, rows, cols, counts, owner, xs, ys)``: per game its status (see the
    constants above), the masks of the actions surviving dominance and its number of
    equilibria; per equilibrium (up to ``cap`` in all) the game it belongs to and the
    strategies. Games whose status is not OK have no equilibria listed.
    """
    N, m, n = A.shape
    status = np.zeros(N, np.int8)
    rows_out = np.ones((N, m), np.bool_)
    cols_out = np.ones((N, n), np.bool_)
    counts = np.zeros(N, np.int64)
    owner = np.empty(cap, np.int64)
    xs = np.zeros((cap, m))
    ys = np.zeros((cap, n))
    E = 0
    BT = np.empty((n, m))
    x = np.zeros(m)
    y = np.zeros(n)
    for g in range(N):
        sa = 0.0
        sb = 0.0
        for i in range(m):
            for j in range(n):
                sa = max(sa, abs(A[g, i, j]))
                sb = max(sb, abs(B[g, i, j]))
        if sa == 0.0:
            sa = 1.0
        if sb == 0.0:
            sb = 1.0
        a = A[g] / sa
        b = B[g] / sb
        rows = rows_out[g]
        cols = cols_out[g]
        _undominated(a, b, rows, cols, margin)
        r_idx = np.flatnonzero(rows)
        c_idx = np.flatnonzero(cols)
        r = r_idx.shape[0]
        c = c_idx.shape[0]
        if r == 1 and c == 1:
            if E >= cap:
                status[g] = OVERFLOW
                continue
            owner[E] = g
            xs[E, r_idx[0]] = 1.0
            ys[E, c_idx[0]] = 1.0
            E += 1
            counts[g] = 1
            continue
        # number of support pairs of equal size: C(r + c, r)
        pairs = 1
        for t in range(1, min(r, c) + 1):
            pairs = pairs * (max(r, c) + t) // t
        if pairs - 1 > max_pairs:
            status[g] = TOO_LARGE
            continue
        for i in range(m):
            for j in range(n):
                BT[j, i] = b[i, j]
        start = E
        bad = False
        for bits_r in range(1, 1 << r):
            k = _popcount(bits_r)
            own_r = np.empty(k, np.int64)
            t = 0
            for q in range(r):
                if bits_r & (1 << q):
                    own_r[t] = r_idx[q]
                    t += 1
            for bits_c in range(1, 1 << c):
                if _popcount(bits_c) != k:
                    continue
                own_c = np.empty(k, np.int64)
                t = 0
                for q in range(c):
                    if bits_c & (1 << q):
                        own_c[t] = c_idx[q]
                        t += 1
                # y on J makes the rows of I indifferent; x on I does it for the columns of J
                vy = _side(a, own_r, own_c, rows, cols, k, gray, y)
                vx = _side(BT, own_c, own_r, cols, rows, k, gray, x)
                if vy == -1 or vx == -1:
                    bad = True
                    break
                if vy == 1 and vx == 1:
                    if E >= cap:
                        bad = True
                        status[g] = OVERFLOW
                        break
                    owner[E] = g
                    xs[E, :] = x
                    ys[E, :] = y
                    E += 1
            if bad:
                break
        if bad:
            if status[g] == OK:
                status[g] = FLAGGED
            for e in range(start, E):
                xs[e, :] = 0.0
                ys[e, :] = 0.0
            E = start
            continue
        counts[g] = E - start
    return status, rows_out, cols_out, counts, owner[:E], xs[:E], ys[:E]


@njit(cache=True, error_model="numpy")
def payoffs_and_regrets(A: np.ndarray, B: np.ndarray, owner: np.ndarray, xs: np.ndarray,
                        ys: np.ndarray):
    """Per equilibrium e of game owner[e]: the payoffs (x A y, x B y), each player's regret
    (gain of the best pure deviation) and each player's largest |payoff| in that game.

    Only the columns in y's support and the rows in x's support are read (most equilibria
    are pure), and a game's largest payoffs are found once for its run of equilibria."""
    E = owner.shape[0]
    m, n = A.shape[1], A.shape[2]
    pay = np.empty((E, 2))
    regret = np.empty((E, 2))
    scale = np.empty((E, 2))
    Ay = np.empty(m)
    xB = np.empty(n)
    sx = np.empty(m, dtype=np.int64)
    sy = np.empty(n, dtype=np.int64)
    last = -1
    sa = 0.0
    sb = 0.0
    for e in range(E):
        g = owner[e]
        if g != last:
            sa = 0.0
            sb = 0.0
            for i in range(m):
                for j in range(n):
                    sa = max(sa, abs(A[g, i, j]))
                    sb = max(sb, abs(B[g, i, j]))
            last = g
        kx = 0
        for i in range(m):
            if xs[e, i] != 0.0:
                sx[kx] = i
                kx += 1
        ky = 0
        for j in range(n):
            if ys[e, j] != 0.0:
                sy[ky] = j
                ky += 1
        for i in range(m):
            s = 0.0
            for k in range(ky):
                j = sy[k]
                s += A[g, i, j] * ys[e, j]
            Ay[i] = s
        for j in range(n):
            s = 0.0
            for k in range(kx):
                i = sx[k]
                s += xs[e, i] * B[g, i, j]
            xB[j] = s
        va = 0.0
        for k in range(kx):
            i = sx[k]
            va += xs[e, i] * Ay[i]
        vb = 0.0
        for k in range(ky):
            j = sy[k]
            vb += xB[j] * ys[e, j]
        pay[e, 0] = va
        pay[e, 1] = vb
        regret[e, 0] = Ay.max() - va
        regret[e, 1] = xB.max() - vb
        scale[e, 0] = sa
        scale[e, 1] = sb
    return pay, regret, scale
