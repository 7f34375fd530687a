"""One Nash equilibrium per starting label by complementary pivoting (Lemke-Howson).

Method (Lemke and Howson 1964, "Equilibrium points of bimatrix games", SIAM J. Appl. Math.
12; von Stengel 2007, "Equilibrium computation for two-player games in strategic and
extensive form", AGT ch. 3):

1. The payoffs are mapped by a positive affine transformation to positive numbers; best
   replies, hence equilibria, do not change.
2. The best-response polytopes P = {x >= 0 : B^T x <= 1} and Q = {y >= 0 : A y <= 1} are
   written as two tableaux whose columns are the labels 0..m+n-1: label i < m is x_i in P
   and the slack of row i of A y <= 1 in Q; label m + j is the slack of column j of
   B^T x <= 1 in P and y_j in Q.
3. From the artificial equilibrium (0, 0), which has every label, the chosen label k is
   dropped: its variable enters the basis of the polytope where it is nonbasic. The
   variable that leaves carries a label which is now duplicated, so that label enters the
   basis of the other polytope, and so on, until the variable with label k leaves. The pair
   of vertices reached is completely labelled: normalised, it is a Nash equilibrium.

The minimum ratio test is lexicographic (the right-hand side, then the columns of the
starting basis), which amounts to perturbing the right-hand side by (e, e^2, ...) and keeps
every step well defined on degenerate games: the path cannot cycle (von Stengel 2007,
AGT ch. 3). The final bases are vertices of the unperturbed polytopes, so every result is
an extreme equilibrium. In exact mode the payoffs are first snapped to rationals as in
:func:`~model.solvers.enumeration.enumerate_equilibria` and the tableaux are pivoted in
integers (integer pivoting: von Stengel 2007, AGT ch. 3), so the result is exactly one of
the equilibria that the enumeration engine lists.
"""

from __future__ import annotations

import operator
import time
from fractions import Fraction
from typing import SupportsIndex

import numpy as np
from numpy.typing import ArrayLike, NDArray

from model.solvers._common import (
    FloatArray,
    SolverError,
    atol,
    check_game,
    check_tol,
    positive_reduced,
    readonly,
    snap_to_integers,
)
from model.solvers.verify import _regrets

__all__ = ["lemke_howson", "lemke_howson_all"]

#: Pivot entries at most this large (relative to the column's largest) count as zero.
_PIVOT_EPS = 1e-12
#: Ratios within this relative distance of each other tie (then the next column decides).
_TIE_EPS = 1e-10
#: A path longer than this is taken as a numerical failure.
_MAX_PIVOTS = 200_000
#: The float tableau is recomputed from the constraints every this many pivots.
_REFRESH = 32
#: The clock is read every this many pivots when a path has a deadline.
_CLOCK_EVERY = 16


class PathTimeout(Exception):
    """A Lemke-Howson path did not end before its deadline."""


class _Tableau:
    """A tableau over labelled columns with its basis (the label basic in each row).

    ``lex`` are the columns of the starting basis: ties of the ratio test are broken by
    comparing rows of (rhs, lex columns) divided by the pivot column, in that order.
    """

    def __init__(self, T: NDArray[np.generic], basis: list[int], lex: list[int]) -> None:
        self.T = T
        self.basis = basis
        self.lex = lex
        self.rhs = T.shape[1] - 1

    def ratio_test(self, col: int) -> int:
        raise NotImplementedError

    def pivot(self, row: int, col: int) -> None:
        raise NotImplementedError

    def basic_values(self) -> list[tuple[int, Fraction | float]]:
        raise NotImplementedError


class _FloatTableau(_Tableau):
    """Floating-point tableau, updated in place by each pivot (a rank-one update, O(rows x
    columns)) and recomputed from the original constraints every ``_REFRESH`` pivots.

    Solving B^-1 [M | 1] afresh for a basis costs O(rows^3); doing it every few dozen pivots
    keeps round-off from building up along long paths at a small share of that cost.
    Tolerances decide zero entries and ties.
    """

    T: FloatArray

    def __init__(self, T: FloatArray, basis: list[int], lex: list[int]) -> None:
        super().__init__(T.copy(), basis, lex)
        self.M = T
        self.pivots = 0

    def ratio_test(self, col: int) -> int:
        column = self.T[:, col]
        peak = float(np.abs(column).max())
        rows = np.flatnonzero(column > _PIVOT_EPS * max(peak, 1.0))
        if rows.size == 0:
            raise SolverError(f"no pivot row for column {col}: numerical breakdown")
        for c in [self.rhs, *self.lex]:
            ratios = self.T[rows, c] / column[rows]
            low = float(ratios.min())
            rows = rows[ratios <= low + _TIE_EPS * max(1.0, abs(low))]
            if rows.size == 1:
                break
        return int(rows[0])

    def pivot(self, row: int, col: int) -> None:
        self.pivots += 1
        if self.pivots % _REFRESH == 0:
            basis = self.basis[:]
            basis[row] = col
            try:
                self.T = np.asarray(np.linalg.solve(self.M[:, basis], self.M), dtype=np.float64)
            except np.linalg.LinAlgError:
                raise SolverError("singular basis: numerical breakdown") from None
            return
        T = self.T
        prow = T[row] / T[row, col]
        column = T[:, col].copy()
        column[row] = 0.0
        T -= np.outer(column, prow)
        T[row] = prow

    def basic_values(self) -> list[tuple[int, Fraction | float]]:
        # Solved with the basis in sorted order, so that a basis gives the same values
        # however its rows were permuted along the way.
        order = sorted(self.basis)
        values = np.linalg.solve(self.M[:, order], self.M[:, self.rhs])
        return [(lab, float(v)) for lab, v in zip(order, values, strict=True)]


class _IntegerTableau(_Tableau):
    """Integer pivoting: the tableau is d times the usual one, d the last pivot element.

    Every entry stays an integer and every division below is exact (von Stengel 2007,
    AGT ch. 3). Entries are Python integers held in an object array.
    """

    def __init__(self, T: NDArray[np.generic], basis: list[int], lex: list[int]) -> None:
        super().__init__(T, basis, lex)
        self.det = 1

    def ratio_test(self, col: int) -> int:
        T = self.T
        rows = [r for r in range(T.shape[0]) if T[r, col] > 0]
        if not rows:
            raise SolverError(f"no pivot row for column {col}: the polytope is unbounded")
        best = rows[0]
        for r in rows[1:]:
            # Compare T[r, c] / T[r, col] with T[best, c] / T[best, col], denominators > 0.
            for c in [self.rhs, *self.lex]:
                lhs = T[r, c] * T[best, col]
                rhs = T[best, c] * T[r, col]
                if lhs != rhs:
                    if lhs < rhs:
                        best = r
                    break
        return best

    def pivot(self, row: int, col: int) -> None:
        T = self.T
        piv = T[row, col]
        keep = T[row].copy()
        # Exact division: floor division of an exact multiple.
        self.T = (T * piv - np.outer(T[:, col], T[row])) // self.det
        self.T[row] = keep
        self.det = int(piv)

    def basic_values(self) -> list[tuple[int, Fraction | float]]:
        return [
            (lab, Fraction(int(self.T[r, self.rhs]), self.det)) for r, lab in enumerate(self.basis)
        ]


def _float_tableaux(A: FloatArray, B: FloatArray) -> tuple[_Tableau, _Tableau]:
    m, n = A.shape

    def positive(M: FloatArray) -> FloatArray:
        spread = float(M.max() - M.min())
        return (M - M.min()) / (spread if spread > 0 else 1.0) + 1.0

    P = np.hstack([positive(B).T, np.eye(n), np.ones((n, 1))])
    Q = np.hstack([np.eye(m), positive(A), np.ones((m, 1))])
    slack_p = list(range(m, m + n))
    slack_q = list(range(m))
    return _FloatTableau(P, slack_p[:], slack_p), _FloatTableau(Q, slack_q[:], slack_q)


def _integer_tableaux(A: FloatArray, B: FloatArray, tol: float) -> tuple[_Tableau, _Tableau]:
    m, n = A.shape
    A_pos, _, _ = positive_reduced(snap_to_integers(A, tol)[0])
    B_pos, _, _ = positive_reduced(snap_to_integers(B, tol)[0])
    P = np.empty((n, m + n + 1), dtype=object)
    for j in range(n):
        P[j] = [B_pos[i][j] for i in range(m)] + [int(k == j) for k in range(n)] + [1]
    Q = np.empty((m, m + n + 1), dtype=object)
    for i in range(m):
        Q[i] = [int(k == i) for k in range(m)] + list(A_pos[i]) + [1]
    slack_p = list(range(m, m + n))
    slack_q = list(range(m))
    return _IntegerTableau(P, slack_p[:], slack_p), _IntegerTableau(Q, slack_q[:], slack_q)


def _strategy(tab: _Tableau, first: int, size: int) -> tuple[FloatArray, tuple[Fraction, ...]]:
    """The normalised values of labels first..first+size-1 that are basic in ``tab``.

    Returns a float vector and, for an integer tableau, the exact fractions (else ()).
    """
    values: dict[int, Fraction | float] = {}
    for lab, v in tab.basic_values():
        if first <= lab < first + size:
            values[lab - first] = v
    if isinstance(tab, _IntegerTableau):
        vec = [Fraction(values.get(k, 0)) for k in range(size)]
        total = sum(vec, Fraction(0))
        exact = tuple(v / total for v in vec)
        return np.array([float(v) for v in exact], dtype=np.float64), exact
    x = np.zeros(size)
    for k, v in values.items():
        x[k] = float(v)
    x[np.abs(x) <= _PIVOT_EPS * max(1.0, float(np.abs(x).max()))] = 0.0
    if x.min() < 0.0 or x.sum() <= 0.0:
        raise SolverError("the pivoting ended at an infeasible basis: numerical breakdown")
    return x / x.sum(), ()


def _lemke_howson(
    A: FloatArray, B: FloatArray, label: int, tol: float, exact: bool,
    deadline: float | None = None,
) -> tuple[FloatArray, FloatArray, tuple[int | Fraction, ...]]:
    """Follow the path of ``label``; return (x, y, key) unverified.

    ``key`` identifies the result for deduplication: the exact strategies in exact mode,
    the final bases in float mode. With a ``deadline`` (``time.monotonic()`` seconds) a path
    still going at that time raises :class:`PathTimeout`.
    """
    m, n = A.shape
    P, Q = _integer_tableaux(A, B, tol) if exact else _float_tableaux(A, B)
    tab, other = (P, Q) if label < m else (Q, P)
    entering = label
    for step in range(_MAX_PIVOTS):
        if deadline is not None and step % _CLOCK_EVERY == 0 and time.monotonic() > deadline:
            raise PathTimeout(f"the path from label {label} was stopped after {step} pivots")
        row = tab.ratio_test(entering)
        leaving = tab.basis[row]
        tab.pivot(row, entering)
        tab.basis[row] = entering
        if leaving == label:
            break
        entering = leaving
        tab, other = other, tab
    else:
        raise SolverError(f"no equilibrium after {_MAX_PIVOTS} pivots from label {label}")
    x, x_exact = _strategy(P, 0, m)
    y, y_exact = _strategy(Q, m, n)
    if exact:
        return x, y, (*x_exact, *y_exact)
    return x, y, (*sorted(P.basis), -1, *sorted(Q.basis))


def _verified(
    A: FloatArray, B: FloatArray, x: FloatArray, y: FloatArray, tol: float, label: int
) -> None:
    row, col = _regrets(A, B, x, y)
    limit = (atol(A, tol), atol(B, tol))
    if row > limit[0] or col > limit[1]:
        raise SolverError(
            f"the profile found from label {label} failed verification: regrets "
            f"{(row, col)} exceed {limit} (tol={tol} times each player's largest |payoff|)"
        )


def _check_label(label: SupportsIndex, m: int, n: int) -> int:
    try:
        k = operator.index(label)
    except TypeError:
        k = None
    if k is None or isinstance(label, bool):
        raise SolverError(f"label must be an integer, got {label!r}")
    if not 0 <= k < m + n:
        raise SolverError(
            f"label must be in 0..{m + n - 1} (0..{m - 1} the row player's actions, "
            f"{m}..{m + n - 1} the column player's), got {k}"
        )
    return k


def lemke_howson(
    A: ArrayLike,
    B: ArrayLike,
    *,
    label: SupportsIndex = 0,
    tol: float = 1e-9,
    exact: bool = False,
) -> tuple[FloatArray, FloatArray]:
    """One Nash equilibrium (x, y) of the bimatrix game (A, B), found by the Lemke-Howson
    algorithm with ``label`` as the first dropped label.

    Labels 0..m-1 are the row player's actions, m..m+n-1 the column player's. Works on
    degenerate games (lexicographic ratio test). With ``exact=True`` the payoffs are snapped
    to rationals as by :func:`~model.solvers.enumeration.enumerate_equilibria` (same ``tol``)
    and pivoted in exact integer arithmetic. The profile is verified on the float payoffs:
    each player's regret at most ``tol`` times that player's largest |payoff|, or
    SolverError. The returned arrays are read-only. Float pivoting loses digits in
    proportion to the condition of the bases it visits: on games whose payoffs differ only
    in late significant digits the probabilities may be off by 1e-8 or so, while exact
    mode is exact.

    Source: Lemke and Howson 1964; von Stengel 2007, "Equilibrium computation for
    two-player games in strategic and extensive form", AGT ch. 3 (tableaux, lexicographic
    ratio test, integer pivoting).

    >>> x, y = lemke_howson([[2, 0], [0, 1]], [[1, 0], [0, 2]], label=0)
    >>> x.tolist(), y.tolist()
    ([1.0, 0.0], [1.0, 0.0])
    """
    a, b = check_game(A, B)
    t = check_tol(tol)
    m, n = a.shape
    k = _check_label(label, m, n)
    x, y, _ = _lemke_howson(a, b, k, t, bool(exact))
    _verified(a, b, x, y, t, k)
    return readonly(x), readonly(y)


def _order_key(xy: tuple[FloatArray, FloatArray]) -> tuple[int, tuple[float, ...]]:
    x, y = xy
    support = int(np.count_nonzero(x)) + int(np.count_nonzero(y))
    return support, tuple(-np.concatenate([x, y]))


def lemke_howson_all(
    A: ArrayLike, B: ArrayLike, *, tol: float = 1e-9, exact: bool = False
) -> list[tuple[FloatArray, FloatArray]]:
    """The distinct equilibria that :func:`lemke_howson` finds from the m + n labels.

    Each is verified (regret at most ``tol`` times the player's largest |payoff|). Two
    results count as one equilibrium when they are equal as fractions (exact mode), when
    the pivoting ended at the same pair of bases (float mode), or when no probability
    differs by more than ``tol``. The list is ordered like
    :class:`~model.solvers.enumeration.EnumerationResult`: by total support size, then by
    decreasing probabilities of the row player's actions, then of the column player's.

    This need not be every equilibrium, nor even every extreme one. Each label leads to one
    equilibrium, several labels often to the same one, and an equilibrium can lie on no
    path that starts at the artificial equilibrium. Such equilibria are inaccessible to the
    algorithm (Shapley 1974, "A note on the Lemke-Howson algorithm", Math. Programming
    Study 1, which gives Wilson's 3x3 example; von Stengel 2007, AGT ch. 3). For all
    equilibria use :func:`~model.solvers.enumeration.enumerate_equilibria`.

    >>> eqs = lemke_howson_all([[2, 0], [0, 1]], [[1, 0], [0, 2]])
    >>> [(x.tolist(), y.tolist()) for x, y in eqs]
    [([1.0, 0.0], [1.0, 0.0]), ([0.0, 1.0], [0.0, 1.0])]
    """
    a, b = check_game(A, B)
    t = check_tol(tol)
    m, n = a.shape
    found: list[tuple[FloatArray, FloatArray]] = []
    seen: set[tuple[int | Fraction, ...]] = set()
    for k in range(m + n):
        x, y, key = _lemke_howson(a, b, k, t, bool(exact))
        _verified(a, b, x, y, t, k)
        if key in seen or any(
            np.abs(x - fx).max() <= t and np.abs(y - fy).max() <= t for fx, fy in found
        ):
            continue
        seen.add(key)
        found.append((readonly(x), readonly(y)))
    found.sort(key=_order_key)
    return found
