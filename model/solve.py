"""Solve a bimatrix game: every extreme equilibrium, verified, with what else a report needs.

:func:`solve` is the one entry point; the algorithms live in :mod:`model.solvers`. Every
equilibrium it returns has been checked against the original float payoffs (each player's
regret at most ``tol`` times that player's largest |payoff|); if one fails, SolverError is
raised instead of returning it.

>>> r = solve([[3, 0], [5, 1]], [[3, 5], [0, 1]])
>>> [(e.support, e.payoffs) for e in r.equilibria]
[(((1,), (1,)), (1.0, 1.0))]
>>> r.pure, r.pareto, r.degenerate
(((1, 1),), ((0, 0), (0, 1), (1, 0)), False)
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from numpy.typing import ArrayLike

from .solvers._common import FloatArray, SolverError, atol, check_game, check_tol, readonly
from .solvers.degeneracy import NONDEGENERATE, describe_witness
from .solvers.dominance import DominanceResult, _iterated
from .solvers.enumeration import EnumerationResult, _enumerate
from .solvers.pareto import _pareto
from .solvers.verify import _regrets

__all__ = ["METHODS", "Equilibrium", "SolveResult", "SolverError", "solve"]

#: Methods :func:`solve` accepts.
METHODS = ("enumeration",)


@dataclass(frozen=True, eq=False)
class Equilibrium:
    """One extreme Nash equilibrium.

    ``strategies`` are read-only probability vectors (x, y); ``payoffs`` the expected payoffs
    (row, column); ``support`` the actions played with positive probability; ``regret`` each
    player's gain from the best pure deviation, measured on the original float payoffs.
    ``exact_strategies`` and ``exact_payoffs`` are the same as fractions, exact for the
    payoffs rounded as described in :func:`~model.solvers.enumeration.enumerate_equilibria`.
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
    strictly dominated actions.
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
    dominance: DominanceResult
    pareto: tuple[tuple[int, int], ...]


def _equilibria(
    A: FloatArray, B: FloatArray, found: EnumerationResult, tol: float
) -> tuple[Equilibrium, ...]:
    limit = (atol(A, tol), atol(B, tol))
    out = []
    for k in range(len(found)):
        x = readonly(found.x[k].copy())
        y = readonly(found.y[k].copy())
        regret = _regrets(A, B, x, y)
        if regret[0] > limit[0] or regret[1] > limit[1]:
            raise SolverError(
                f"equilibrium {k} failed verification: regrets {regret} exceed "
                f"{limit} (tol={tol} times each player's largest |payoff|)"
            )
        support = (
            tuple(i for i, p in enumerate(found.x_exact[k]) if p),
            tuple(j for j, p in enumerate(found.y_exact[k]) if p),
        )
        pay = found.payoffs_exact[k]
        out.append(
            Equilibrium(
                strategies=(x, y),
                payoffs=(float(pay[0]), float(pay[1])),
                support=support,
                pure=len(support[0]) == 1 and len(support[1]) == 1,
                regret=(max(regret[0], 0.0), max(regret[1], 0.0)),
                exact_strategies=(found.x_exact[k], found.y_exact[k]),
                exact_payoffs=pay,
            )
        )
    return tuple(out)


def solve(
    A: ArrayLike, B: ArrayLike, *, tol: float = 1e-9, method: str = "enumeration"
) -> SolveResult:
    """Solve the bimatrix game (A, B): A holds the row player's payoffs, B the column
    player's, both of shape (m, n).

    ``method="enumeration"``: exact enumeration of all extreme equilibria and maximal Nash
    subsets (:func:`~model.solvers.enumeration.enumerate_equilibria`), correct on degenerate
    games. ``tol`` is relative to each player's largest |payoff|: it bounds the regret of
    every returned equilibrium, decides ties in the pure, dominance and Pareto checks, and
    sets the grid (``1e-3 * tol``, rounded down to a power of ten) that payoffs are snapped
    to for the exact computation.
    """
    a, b = check_game(A, B)
    t = check_tol(tol)
    if method not in METHODS:
        raise SolverError(f"unknown method {method!r}; known methods: {', '.join(METHODS)}")
    found = _enumerate(a, b, t)
    equilibria = _equilibria(a, b, found, t)
    if found.degeneracy_witness is None:
        reason = NONDEGENERATE
    else:
        reason = describe_witness(found.degeneracy_witness)
    pure = sorted((e.support[0][0], e.support[1][0]) for e in equilibria if e.pure)
    return SolveResult(
        method=method,
        tol=t,
        exact=True,
        shape=(int(a.shape[0]), int(a.shape[1])),
        equilibria=equilibria,
        components=found.components,
        degenerate=found.degenerate,
        degeneracy_reason=reason,
        pure=tuple(pure),
        dominance=_iterated(a, b, t, True),
        pareto=tuple(_pareto(a, b, t)),
    )
