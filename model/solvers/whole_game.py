"""Solving a game as a whole: exact support enumeration, the verified float enumeration, and
Lemke-Howson from every label when the game is too large to enumerate."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np

from model.solvers import float_enumeration
from model.solvers._common import (
    FloatArray,
    SolverError,
    atol,
    rational_integers,
    readonly,
)
from model.solvers.batch import pareto_batch
from model.solvers.enumeration import (
    _enumerate,
    _enumerate_ints,
    _enumerate_pruned,
)
from model.solvers.pareto import _pareto
from model.solvers.results import (
    EXACT_METHOD,
    FLOAT_METHOD,
    LEMKE_METHOD,
    MAX_BOUND_EXACT,
    MAX_BOUND_FLOAT,
    SMALL_GAME,
    Equilibrium,
    SolveResult,
    TooLarge,
    _refuse_if_too_large,
    _regret_table,
    _result,
    _too_large,
)


def _lemke(A: FloatArray, B: FloatArray, tol: float) -> SolveResult:
    from model.solvers.lemke_howson import lemke_howson_all

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
        complete=False,
        guarantee=(f"the search was not exhaustive: Lemke-Howson finds the equilibria reached "
                   f"from the {A.shape[0] + A.shape[1]} labels, which need not be all"),
    )


def _exact_result(
    A: FloatArray, B: FloatArray, tol: float, payoffs: tuple[Any, Any] | None = None
) -> SolveResult:
    m, n = A.shape
    _refuse_if_too_large(m, n, MAX_BOUND_EXACT, "exact enumeration")
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
        raise TooLarge(f"{error} (exact enumeration is needed because {why})")
    A_ints, B_ints, grid_a, grid_b = ints
    found = _enumerate_pruned(A_ints.tolist(), B_ints.tolist(), (grid_a, grid_b))
    return _result(A, B, found, tol, EXACT_METHOD, True)


def _auto_result(A: FloatArray, B: FloatArray, tol: float) -> SolveResult:
    m, n = A.shape
    if m * n <= SMALL_GAME:
        return _small_result(A, B, tol)
    _refuse_if_too_large(m, n, MAX_BOUND_FLOAT, "full enumeration")
    A_ints, grid_a = float_enumeration.snap_integers(A, tol)
    B_ints, grid_b = float_enumeration.snap_integers(B, tol)
    found, why = float_enumeration.float_from_integers(A_ints, B_ints, (grid_a, grid_b))
    if found is None:
        return _fallback(A, B, tol, (A_ints, B_ints, grid_a, grid_b), why)
    pareto = pareto_batch(A[None], B[None], tol)[0]  # compiled, the same answer as _pareto
    return _result(A, B, found, tol, FLOAT_METHOD, False, pareto)


def _small_result(A: FloatArray, B: FloatArray, tol: float) -> SolveResult:
    return _result(A, B, _enumerate(A, B, tol), tol, EXACT_METHOD, True)
