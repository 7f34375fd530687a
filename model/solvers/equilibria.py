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

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from model.solvers._common import (
    SolverError,
    check_batch,
    check_game,
    check_tol,
)
from model.solvers.batch import pareto_batch
from model.solvers.enumeration import (
    _enumerate_ints,
    _enumerate_pruned,
    _pure_witness_of_ints,
)
from model.solvers.results import (
    EXACT_METHOD,
    FLOAT_METHOD,
    MAX_BOUND_EXACT,
    MAX_BOUND_FLOAT,
    METHODS,
    SMALL_GAME,
    Equilibrium,
    SolveResult,
    TooLarge,
    _lemke_available,
    _refuse_if_too_large,
    _result,
    _too_large,
)
from model.solvers.structure import ChipLayout
from model.solvers.structured import DEFAULT_BUDGET, STRUCTURE_FIRST, _structured
from model.solvers.whole_game import _auto_result, _exact_result, _lemke, _small_result

__all__ = ["METHODS", "Equilibrium", "SolveResult", "SolverError", "solve", "solve_batch"]


def solve(
    A: ArrayLike,
    B: ArrayLike,
    *,
    tol: float = 1e-9,
    method: str = "auto",
    exact: bool = False,
    chips: ChipLayout | None = None,
    budget: float | None = None,
    exact_payoffs: tuple[Any, Any] | None = None,
) -> SolveResult:
    """Solve the bimatrix game (A, B): A holds the row player's payoffs, B the column
    player's, both of shape (m, n).

    Games of more than ``STRUCTURE_FIRST`` profiles, or too large to enumerate whole, are
    solved structure first (:mod:`~model.solvers.structure`): chip-level dominance when
    ``chips`` says how actions are made of chips, separation into independent parts, iterated
    strict dominance; what is left is enumerated, or, if still too large, searched for
    ``budget`` seconds (default ``DEFAULT_BUDGET``). Every equilibrium is verified on the full
    game; ``result.complete`` and ``result.guarantee`` say what the list covers.

    ``method="auto"`` (the default) finds every extreme equilibrium and the maximal Nash
    subsets. It enumerates the vertices of the best-response polytopes in floating point
    (:mod:`~model.solvers.float_enumeration`), recomputes each equilibrium found in exact
    arithmetic and checks it, and checks the set with the index theorem. When that cannot be
    trusted (a degenerate game, a near-tie, an ill-conditioned basis) it uses the exact
    engine; its answer is the exact engine's answer in any case. ``result.method`` says which
    was used: ``"enumeration (float, verified)"`` or ``"enumeration"`` (exact arithmetic
    throughout). Games with at most ``SMALL_GAME`` profiles go to the exact engine directly.

    ``method="exact"`` (also ``"enumeration"``), or ``exact=True``: the exact engine alone
    (:func:`~model.solvers.enumeration.enumerate_equilibria`), correct on degenerate games.

    ``exact_payoffs=(A_exact, B_exact)``, rows of ints or Fractions equal to A and B to within
    ``tol``, gives the exact engine the payoffs themselves (each player's scaled by the common
    denominator to integers) instead of A and B rounded to the grid below; it needs
    ``exact=True`` (or ``method="exact"``). A game solved structure first uses A and B
    rounded to the grid (``result.structure`` is then set).

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
    want_exact = exact or method in ("exact", "enumeration")
    m, n = a.shape
    limit = MAX_BOUND_EXACT if want_exact else MAX_BOUND_FLOAT
    if m * n > STRUCTURE_FIRST or _too_large(m, n, limit, "") is not None:
        seconds = DEFAULT_BUDGET if budget is None else float(budget)
        if not seconds > 0 or not np.isfinite(seconds):
            raise SolverError(f"budget must be a positive number of seconds, got {budget!r}")
        return _structured(a, b, t, chips, seconds, want_exact)
    try:
        return _exact_result(a, b, t, exact_payoffs) if want_exact else _auto_result(a, b, t)
    except TooLarge:  # a degenerate game needs the exact engine, and it is too large for it
        seconds = DEFAULT_BUDGET if budget is None else float(budget)
        return _structured(a, b, t, chips, seconds, want_exact)


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
    from model.solvers.batch import Pending, batch_found

    a, b = check_batch(A, B)
    t = check_tol(tol)
    if method not in ("auto", "exact", "enumeration"):
        raise SolverError(f"solve_batch supports the methods auto and exact, not {method!r}")
    N, m, n = a.shape
    if method != "auto" or m * n <= SMALL_GAME:
        solve_one = _exact_result if method != "auto" else _small_result
        return [solve_one(a[k], b[k], t) for k in range(N)]
    _refuse_if_too_large(m, n, MAX_BOUND_FLOAT, "full enumeration")
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
                raise TooLarge(f"{error} (game {k} needs it because {found.why})")
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


