"""What a solve returns: verified equilibria with their payoffs, the result with its guarantee
(method, completeness, degeneracy), and the size limits that refuse a game before any work."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property

import numpy as np

from model.solvers import float_enumeration
from model.solvers._common import (
    FloatArray,
    SolverError,
    atol,
    readonly,
)
from model.solvers.degeneracy import NONDEGENERATE, describe_witness
from model.solvers.dominance import DominanceResult, DominanceStep, _iterated
from model.solvers.enumeration import EnumerationResult
from model.solvers.float_enumeration import FloatFound
from model.solvers.pareto import _pareto
from model.solvers.structure import Reduction

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
    complete: bool = True
    guarantee: str = "all equilibria: the enumeration was exhaustive"
    structure: Structure | None = None
    _dominance: DominanceResult | None = field(default=None, repr=False)

    @property
    def lists_all(self) -> bool:
        """Whether ``equilibria`` holds every (extreme) equilibrium: the search was exhaustive
        and, for a game that separates into parts, no combination of the parts' equilibria
        was left out of the list (at most ``MAX_LISTED`` are listed)."""
        return self.complete and (self.structure is None
                                  or self.structure.combinations <= len(self.equilibria))

    @property
    def coverage(self) -> str:
        """Which equilibria ``equilibria`` holds, in words: all of them, a listed part of a
        known set, or those a search found (with what the search guarantees)."""
        k = len(self.equilibria)
        listed = f"{k} equilibri{'um' if k == 1 else 'a'}"
        if self.lists_all:
            return f"all {listed} (the enumeration was exhaustive)"
        if self.complete and self.structure is not None:
            return (f"{listed} listed of {self.structure.combinations:,}, every one a "
                    "combination of the parts' equilibria")
        return f"the {listed} found ({self.guarantee})"

    @cached_property
    def dominance(self) -> DominanceResult:
        """Iterated removal of strictly dominated actions (by pure and mixed strategies)."""
        if self._dominance is not None:
            return self._dominance
        A, B = self._game
        return _iterated(A, B, self.tol, True)


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


class TooLarge(SolverError):
    """The game is too large for full enumeration."""


def _too_large(m: int, n: int, limit: int, why: str) -> SolverError | None:
    """The error for a game whose polytopes may have more than ``limit`` vertices, or None."""
    bound = max(float_enumeration.vertex_bound(m, m + n), float_enumeration.vertex_bound(n, m + n))
    if bound <= limit:
        return None
    other = (
        "method='lemke_howson' finds one or several equilibria (not necessarily all)"
        if _lemke_available()
        else "no method here finds equilibria of a game this large"
    )
    return TooLarge(
        f"the {m} x {n} game is too large for {why}: its best-response polytopes may have up "
        f"to {bound:,} vertices (upper bound theorem) and this solver stops at {limit:,}; "
        f"{other}"
    )


def _refuse_if_too_large(m: int, n: int, limit: int, why: str) -> None:
    """Raise :func:`_too_large`'s error, if any. The error is made in the raise itself: kept
    in a local variable, it would hold its own traceback's frames (and the payoff matrices
    of every caller) in a reference cycle until the cyclic collector ran."""
    error = _too_large(m, n, limit, why)  # never raised itself, so it holds no frames
    if error is not None:
        raise TooLarge(str(error))


@dataclass(frozen=True)
class Structure:
    """What made a game small: the reduction, and per part the dominance steps (in the part's
    own action indices), the actions kept and the number of equilibria found."""

    reduction: Reduction
    part_steps: tuple[tuple[DominanceStep, ...], ...] = ()
    part_kept: tuple[tuple[tuple[int, ...], tuple[int, ...]], ...] = ()
    part_counts: tuple[int, ...] = ()
    combinations: int = 0


_Found = EnumerationResult | FloatFound
