"""Solve a bimatrix game: every extreme equilibrium, verified, with what else a report needs.

:func:`solve` is the one entry point for a game and :func:`solve_batch` for many games of
one shape; the algorithms live in :mod:`model.solvers`. Every equilibrium they return has
been checked against the original float payoffs (each player's regret at most ``tol`` times
that player's largest |payoff|); if one fails, SolverError is raised instead of returning it.

>>> r = solve([[3, 0], [5, 1]], [[3, 5], [0, 1]])
>>> [(e.support, e.payoffs) for e in r.equilibria]
[(((1,), (1,)), (1.0, 1.0))]
>>> r.pure, r.pareto, r.degenerate
(((1, 1),), ((0, 0), (0, 1), (1, 0)), False)
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from .solvers import _fast
from .solvers._common import (
    FloatArray,
    SolverError,
    atol,
    check_batch,
    check_game,
    check_tol,
    rational_integers,
    readonly,
)
from .solvers._fast import FloatFound
from .solvers.batch import pareto_batch
from .solvers.degeneracy import NONDEGENERATE, describe_witness
from .solvers.dominance import DominanceResult, _iterated
from .solvers.enumeration import (
    EnumerationResult,
    _enumerate,
    _enumerate_ints,
    _enumerate_pruned,
    _pure_witness_of_ints,
)
from .solvers.pareto import _pareto

__all__ = ["METHODS", "Equilibrium", "SolveResult", "SolverError", "solve", "solve_batch"]

#: Methods :func:`solve` accepts ("enumeration" is the exact engine's older name).
METHODS = ("auto", "exact", "enumeration", "lemke_howson")

#: ``SolveResult.method`` for each way the equilibria were found.
EXACT_METHOD = "enumeration"
FLOAT_METHOD = "enumeration (float, verified)"
LEMKE_METHOD = "lemke_howson (the equilibria reached from the m + n labels; maybe not all)"

#: "auto" uses the exact engine directly for games with at most this many profiles: there
#: it costs about as much as the floating-point path and its checks.
SMALL_GAME = 6

#: Largest number of vertices per best-response polytope, by the upper bound theorem, for
#: which full enumeration is attempted: the floating-point kernel enumerates about a
#: million vertices in seconds (an 18 x 18 game), the exact engine a few thousand per second.
MAX_BOUND_FLOAT = 10_000_000
MAX_BOUND_EXACT = 160_000


@dataclass(frozen=True, eq=False)
class Equilibrium:
    """One extreme Nash equilibrium.

    ``strategies`` are read-only probability vectors (x, y); ``payoffs`` the expected payoffs
    (row, column); ``support`` the actions played with positive probability; ``regret`` each
    player's gain from the best pure deviation, measured on the original float payoffs.
    ``exact_strategies`` and ``exact_payoffs`` are the same as fractions, exact for the
    payoffs rounded as described in :func:`~model.solvers.enumeration.enumerate_equilibria`
    (None for the Lemke-Howson method, which works in floating point).
    """

    strategies: tuple[FloatArray, FloatArray]
    payoffs: tuple[float, float]
    support: tuple[tuple[int, ...], tuple[int, ...]]
    pure: bool
    regret: tuple[float, float]
    exact_strategies: tuple[tuple[Fraction, ...], tuple[Fraction, ...]] | None = None
    exact_payoffs: tuple[Fraction, Fraction] | None = None


@dataclass(frozen=True, eq=False)
class SolveResult:
    """Everything :func:`solve` found about a game, and how.

    ``equilibria`` are all extreme equilibria, pure ones first (ordered as in
    :class:`~model.solvers.enumeration.EnumerationResult`); ``components`` the maximal Nash
    subsets as index tuples into ``equilibria`` (every equilibrium of the game is in
    conv(X) x conv(Y) for one of them); ``pure`` the pure equilibria (i, j) in row-major
    order; ``pareto`` the Pareto-optimal pure profiles; ``dominance`` the iterated removal of
    strictly dominated actions (computed when first read: its linear programs cost more
    than the enumeration). ``method`` says how the equilibria were found and ``exact``
    whether in exact arithmetic throughout.
    """

    method: str
    tol: float
    exact: bool
    shape: tuple[int, int]
    equilibria: tuple[Equilibrium, ...]
    components: tuple[tuple[int, ...], ...]
    degenerate: bool
    degeneracy_reason: str
    pure: tuple[tuple[int, int], ...]
    pareto: tuple[tuple[int, int], ...]
    _game: tuple[FloatArray, FloatArray] = field(repr=False)

    @cached_property
    def dominance(self) -> DominanceResult:
        """Iterated removal of strictly dominated actions (by pure and mixed strategies)."""
        A, B = self._game
        return _iterated(A, B, self.tol, True)


_Found = EnumerationResult | FloatFound


def _regret_table(A: FloatArray, B: FloatArray, X: FloatArray, Y: FloatArray) -> FloatArray:
    """Regrets (row player, column player) of the profiles (X[k], Y[k]), shape (K, 2): the
    gain max_i (A y)_i - x A y and max_j (x B)_j - x B y from the best pure deviation."""
    AY = A @ Y.T  # (m, K)
    XB = X @ B  # (K, n)
    out = np.empty((X.shape[0], 2))
    out[:, 0] = AY.max(axis=0) - np.einsum("ki,ik->k", X, AY)
    out[:, 1] = XB.max(axis=1) - np.einsum("kj,kj->k", XB, Y)
    return out


def _equilibria(A: FloatArray, B: FloatArray, found: _Found, tol: float) -> tuple[Equilibrium, ...]:
    limit = (atol(A, tol), atol(B, tol))
    X = readonly(np.array(found.x, dtype=np.float64))
    Y = readonly(np.array(found.y, dtype=np.float64))
    regrets = _regret_table(A, B, X, Y).tolist()
    out = []
    for k in range(len(found)):
        regret = (regrets[k][0], regrets[k][1])
        if regret[0] > limit[0] or regret[1] > limit[1]:
            raise SolverError(
                f"equilibrium {k} failed verification: regrets {regret} exceed "
                f"{limit} (tol={tol} times each player's largest |payoff|)"
            )
        xe, ye = found.x_exact[k], found.y_exact[k]
        if isinstance(found, FloatFound):
            support = found.supports[k]
        else:
            support = (
                tuple(i for i, p in enumerate(xe) if p),
                tuple(j for j, p in enumerate(ye) if p),
            )
        pay = found.payoffs_exact[k]
        out.append(
            Equilibrium(
                strategies=(X[k], Y[k]),  # read-only views
                payoffs=(float(pay[0]), float(pay[1])),
                support=support,
                pure=len(support[0]) == 1 and len(support[1]) == 1,
                regret=(max(regret[0], 0.0), max(regret[1], 0.0)),
                exact_strategies=(xe, ye),
                exact_payoffs=pay,
            )
        )
    return tuple(out)


def _result(
    A: FloatArray,
    B: FloatArray,
    found: _Found,
    tol: float,
    method: str,
    exact: bool,
    pareto: list[tuple[int, int]] | None = None,
) -> SolveResult:
    equilibria = _equilibria(A, B, found, tol)
    if found.degeneracy_witness is None:
        reason = NONDEGENERATE
    else:
        reason = describe_witness(found.degeneracy_witness)
    pure = sorted((e.support[0][0], e.support[1][0]) for e in equilibria if e.pure)
    return SolveResult(
        method=method,
        tol=tol,
        exact=exact,
        shape=(int(A.shape[0]), int(A.shape[1])),
        equilibria=equilibria,
        components=found.components,
        degenerate=found.degenerate,
        degeneracy_reason=reason,
        pure=tuple(pure),
        pareto=tuple(_pareto(A, B, tol) if pareto is None else pareto),
        _game=(readonly(A.copy()), readonly(B.copy())),
    )


def _lemke_available() -> bool:
    return importlib.util.find_spec("model.solvers.lemke_howson") is not None


def _too_large(m: int, n: int, limit: int, why: str) -> SolverError | None:
    """The error for a game whose polytopes may have more than ``limit`` vertices, or None."""
    bound = max(_fast.vertex_bound(m, m + n), _fast.vertex_bound(n, m + n))
    if bound <= limit:
        return None
    other = (
        "method='lemke_howson' finds one or several equilibria (not necessarily all)"
        if _lemke_available()
        else "no method here finds equilibria of a game this large"
    )
    return SolverError(
        f"the {m} x {n} game is too large for {why}: its best-response polytopes may have up "
        f"to {bound:,} vertices (upper bound theorem) and this solver stops at {limit:,}; "
        f"{other}"
    )


def _lemke(A: FloatArray, B: FloatArray, tol: float) -> SolveResult:
    from .solvers.lemke_howson import lemke_howson_all

    limit = (atol(A, tol), atol(B, tol))
    equilibria = []
    for x, y in lemke_howson_all(A, B, tol=tol):
        xs = readonly(np.asarray(x, dtype=np.float64).copy())
        ys = readonly(np.asarray(y, dtype=np.float64).copy())
        reg = _regret_table(A, B, xs[None, :], ys[None, :])[0]
        if reg[0] > limit[0] or reg[1] > limit[1]:
            raise SolverError(f"a Lemke-Howson equilibrium failed verification: regrets {reg}")
        support = (tuple(np.flatnonzero(xs).tolist()), tuple(np.flatnonzero(ys).tolist()))
        equilibria.append(
            Equilibrium(
                strategies=(xs, ys),
                payoffs=(float(xs @ A @ ys), float(xs @ B @ ys)),
                support=support,
                pure=len(support[0]) == 1 and len(support[1]) == 1,
                regret=(max(float(reg[0]), 0.0), max(float(reg[1]), 0.0)),
            )
        )
    pure = sorted((e.support[0][0], e.support[1][0]) for e in equilibria if e.pure)
    return SolveResult(
        method=LEMKE_METHOD,
        tol=tol,
        exact=False,
        shape=(int(A.shape[0]), int(A.shape[1])),
        equilibria=tuple(equilibria),
        components=tuple((k,) for k in range(len(equilibria))),
        degenerate=False,
        degeneracy_reason="not examined (Lemke-Howson does not enumerate the polytopes)",
        pure=tuple(pure),
        pareto=tuple(_pareto(A, B, tol)),
        _game=(readonly(A.copy()), readonly(B.copy())),
    )


def _exact_result(
    A: FloatArray, B: FloatArray, tol: float, payoffs: tuple[Any, Any] | None = None
) -> SolveResult:
    m, n = A.shape
    error = _too_large(m, n, MAX_BOUND_EXACT, "exact enumeration")
    if error is not None:
        raise error
    if payoffs is None:
        return _result(A, B, _enumerate(A, B, tol), tol, EXACT_METHOD, True)
    A_ints, grid_a = _exact_integers(payoffs[0], A, tol, "A")
    B_ints, grid_b = _exact_integers(payoffs[1], B, tol, "B")
    found = _enumerate_ints(A_ints, B_ints, (grid_a, grid_b))
    return _result(A, B, found, tol, EXACT_METHOD, True)


def _exact_integers(
    M: Any, floats: FloatArray, tol: float, name: str
) -> tuple[list[list[int]], Fraction]:
    """Exact payoffs as integers over a grid (1 / their common denominator), checked to be
    the float payoffs to within ``tol`` times the largest |payoff|."""
    ints, grid = rational_integers(M, f"payoffs {name}")
    if (len(ints), len(ints[0]) if ints else 0) != floats.shape or any(
        len(row) != floats.shape[1] for row in ints
    ):
        raise SolverError(f"exact payoffs {name} must have the shape {floats.shape} of {name}")
    limit = atol(floats, tol)
    for (i, j), v in np.ndenumerate(floats):
        if abs(Fraction(float(v)) - ints[i][j] * grid) > limit:
            raise SolverError(f"exact payoffs {name} differ from {name} at {(i, j)}: "
                              f"{ints[i][j] * grid} against {float(v)!r}")
    return ints, grid


def _fallback(
    A: FloatArray, B: FloatArray, tol: float, ints: tuple[Any, Any, Fraction, Fraction], why: str
) -> SolveResult:
    """The exact engine, for a game the floating-point path could not vouch for."""
    m, n = A.shape
    error = _too_large(m, n, MAX_BOUND_EXACT, "exact enumeration")
    if error is not None:
        raise SolverError(f"{error} (exact enumeration is needed because {why})")
    A_ints, B_ints, grid_a, grid_b = ints
    found = _enumerate_pruned(A_ints.tolist(), B_ints.tolist(), (grid_a, grid_b))
    return _result(A, B, found, tol, EXACT_METHOD, True)


def _auto_result(A: FloatArray, B: FloatArray, tol: float) -> SolveResult:
    m, n = A.shape
    if m * n <= SMALL_GAME:
        return _small_result(A, B, tol)
    error = _too_large(m, n, MAX_BOUND_FLOAT, "full enumeration")
    if error is not None:
        raise error
    A_ints, grid_a = _fast.snap_integers(A, tol)
    B_ints, grid_b = _fast.snap_integers(B, tol)
    found, why = _fast.float_from_integers(A_ints, B_ints, (grid_a, grid_b))
    if found is None:
        return _fallback(A, B, tol, (A_ints, B_ints, grid_a, grid_b), why)
    pareto = pareto_batch(A[None], B[None], tol)[0]  # compiled, the same answer as _pareto
    return _result(A, B, found, tol, FLOAT_METHOD, False, pareto)


def solve(
    A: ArrayLike,
    B: ArrayLike,
    *,
    tol: float = 1e-9,
    method: str = "auto",
    exact: bool = False,
    exact_payoffs: tuple[Any, Any] | None = None,
) -> SolveResult:
    """Solve the bimatrix game (A, B): A holds the row player's payoffs, B the column
    player's, both of shape (m, n).

    ``method="auto"`` (the default) finds every extreme equilibrium and the maximal Nash
    subsets. It enumerates the vertices of the best-response polytopes in floating point
    (:mod:`~model.solvers._fast`), recomputes each equilibrium found in exact arithmetic and
    checks it, and checks the set with the index theorem. When that cannot be trusted (a
    degenerate game, a near-tie, an ill-conditioned basis) it uses the exact engine; its
    answer is the exact engine's answer in any case. ``result.method`` says which was used:
    ``"enumeration (float, verified)"`` or ``"enumeration"`` (exact arithmetic throughout).
    Games with at most ``SMALL_GAME`` profiles go to the exact engine directly.

    ``method="exact"`` (also ``"enumeration"``), or ``exact=True``: the exact engine alone
    (:func:`~model.solvers.enumeration.enumerate_equilibria`), correct on degenerate games.

    ``exact_payoffs=(A_exact, B_exact)``, rows of ints or Fractions equal to A and B to within
    ``tol``, gives the exact engine the payoffs themselves (each player's scaled by the common
    denominator to integers) instead of A and B rounded to the grid below; it needs
    ``exact=True`` (or ``method="exact"``).

    ``method="lemke_howson"``: the distinct equilibria that the Lemke-Howson algorithm reaches
    from each of the m + n labels; quick on large games, but maybe not every equilibrium
    (``components`` are then single equilibria and degeneracy is not examined).

    ``tol`` is relative to each player's largest |payoff|: it bounds the regret of every
    returned equilibrium, decides ties in the pure, dominance and Pareto checks, and sets
    the grid (``1e-3 * tol``, rounded down to a power of ten) that payoffs are snapped to for
    the exact computation. A game too large for full enumeration raises SolverError naming
    its size and the methods that will do.
    """
    a, b = check_game(A, B)
    t = check_tol(tol)
    if method not in METHODS or (method == "lemke_howson" and not _lemke_available()):
        known = [m for m in METHODS if m != "lemke_howson" or _lemke_available()]
        raise SolverError(f"unknown method {method!r}; known methods: {', '.join(known)}")
    if exact_payoffs is not None and not (exact or method in ("exact", "enumeration")):
        raise SolverError("exact_payoffs are used by the exact engine: give exact=True")
    if method == "lemke_howson":
        if exact:
            raise SolverError("exact=True needs an enumeration method, not 'lemke_howson'")
        return _lemke(a, b, t)
    if exact or method in ("exact", "enumeration"):
        return _exact_result(a, b, t, exact_payoffs)
    return _auto_result(a, b, t)


def solve_batch(
    A: ArrayLike, B: ArrayLike, *, tol: float = 1e-9, method: str = "auto"
) -> list[SolveResult]:
    """:func:`solve` for each game of a batch, arrays of shape (N, m, n): the results are
    those of solving the games one by one (``method`` "auto" or "exact").

    Work is shared across the batch (:mod:`~model.solvers.batch`): the payoffs are snapped
    and checked for tied pure best replies in vectorised form, identical games are solved
    once, one call of the compiled kernel enumerates every game that can go the
    floating-point way, and the games that need the exact engine are first reduced by
    iterated strict dominance when their degeneracy is known without it.

    >>> rs = solve_batch([[[3, 0], [5, 1]], [[2, 0], [0, 1]]], [[[3, 5], [0, 1]], [[1, 0], [0, 2]]])
    >>> [len(r.equilibria) for r in rs]
    [1, 3]
    """
    from .solvers.batch import Pending, batch_found

    a, b = check_batch(A, B)
    t = check_tol(tol)
    if method not in ("auto", "exact", "enumeration"):
        raise SolverError(f"solve_batch supports the methods auto and exact, not {method!r}")
    N, m, n = a.shape
    if method != "auto" or m * n <= SMALL_GAME:
        solve_one = _exact_result if method != "auto" else _small_result
        return [solve_one(a[k], b[k], t) for k in range(N)]
    error = _too_large(m, n, MAX_BOUND_FLOAT, "full enumeration")
    if error is not None:
        raise error
    pareto = pareto_batch(a, b, t)
    out: list[SolveResult] = []
    done: dict[int, SolveResult] = {}
    for k, found in enumerate(batch_found(a, b, t)):
        if id(found) in done:  # identical to an earlier game: the same (immutable) result
            out.append(done[id(found)])
            continue
        if isinstance(found, Pending):
            error = _too_large(m, n, MAX_BOUND_EXACT, "exact enumeration")
            if error is not None:
                raise SolverError(f"{error} (game {k} needs it because {found.why})")
            if found.keep is None:
                exact = _enumerate_pruned(found.A_ints, found.B_ints, found.grid)
            else:
                exact = _enumerate_ints(
                    found.A_ints,
                    found.B_ints,
                    found.grid,
                    found.keep,
                    _pure_witness_of_ints(found.A_ints, found.B_ints),
                )
            res = _result(a[k], b[k], exact, t, EXACT_METHOD, True, pareto[k])
        else:
            res = _result(a[k], b[k], found, t, FLOAT_METHOD, False, pareto[k])
        done[id(found)] = res
        out.append(res)
    return out


def _small_result(A: FloatArray, B: FloatArray, tol: float) -> SolveResult:
    return _result(A, B, _enumerate(A, B, tol), tol, EXACT_METHOD, True)
