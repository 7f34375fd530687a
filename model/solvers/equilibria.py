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
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from model.solvers import float_enumeration
from model.solvers._common import (
    FloatArray,
    SolverError,
    atol,
    check_batch,
    check_game,
    check_tol,
    rational_integers,
    readonly,
)
from model.solvers.batch import pareto_batch
from model.solvers.degeneracy import NONDEGENERATE, describe_witness
from model.solvers.dominance import DominanceResult, DominanceStep, _iterated
from model.solvers.enumeration import (
    EnumerationResult,
    _enumerate,
    _enumerate_ints,
    _enumerate_pruned,
    _pure_witness_of_ints,
)
from model.solvers.float_enumeration import FloatFound
from model.solvers.pareto import _pareto
from model.solvers.structure import ChipLayout, Reduction, reduce_game

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


def _small_result(A: FloatArray, B: FloatArray, tol: float) -> SolveResult:
    return _result(A, B, _enumerate(A, B, tol), tol, EXACT_METHOD, True)


# ---------------------------------------------------------------------------- structure first
#: Games with more profiles than this are solved structure first (:mod:`.solvers.structure`);
#: smaller ones are enumerated whole, which also describes their degeneracy in full.
STRUCTURE_FIRST = 256

#: Seconds the search may take when what is left of a game is too large to enumerate.
DEFAULT_BUDGET = 20.0
#: Share of the budget that dominance by mixed strategies may take before the rest is solved.
REDUCE_SHARE = 0.4

#: At most this many equilibria of a separable game are listed (each a combination of the
#: parts' equilibria); the guarantee says how many combinations there are.
MAX_LISTED = 1000


@dataclass(frozen=True)
class Structure:
    """What made a game small: the reduction, and per part the dominance steps (in the part's
    own action indices), the actions kept and the number of equilibria found."""

    reduction: Reduction
    part_steps: tuple[tuple[DominanceStep, ...], ...] = ()
    part_kept: tuple[tuple[tuple[int, ...], tuple[int, ...]], ...] = ()
    part_counts: tuple[int, ...] = ()
    combinations: int = 0


@dataclass(frozen=True)
class _Inner:
    """Equilibria of a smaller game, lifted to the actions of a larger one."""

    xs: list[FloatArray]
    ys: list[FloatArray]
    exact: list[tuple[tuple[Fraction, ...], tuple[Fraction, ...]] | None]
    components: tuple[tuple[int, ...], ...]
    degenerate: bool
    reason: str
    complete: bool
    why: str  # what the search covered, when not complete
    method: str
    exact_arith: bool


def _core(A: FloatArray, B: FloatArray, tol: float, budget: float, exact: bool) -> _Inner:
    """Every equilibrium of a game with no dominated actions left, or the best search."""
    m, n = A.shape
    error = _too_large(m, n, MAX_BOUND_EXACT if exact else MAX_BOUND_FLOAT, "full enumeration")
    res: SolveResult | None = None
    if error is None:
        try:
            res = _exact_result(A, B, tol) if exact else (
                _small_result(A, B, tol) if m * n <= SMALL_GAME else _auto_result(A, B, tol))
        except TooLarge as exc:
            error = exc
    if res is not None:
        return _Inner(
            xs=[e.strategies[0] for e in res.equilibria],
            ys=[e.strategies[1] for e in res.equilibria],
            exact=[e.exact_strategies for e in res.equilibria],
            components=res.components, degenerate=res.degenerate,
            reason=res.degeneracy_reason, complete=True, why="", method=res.method,
            exact_arith=res.exact,
        )
    from model.solvers.search import search_equilibria

    found = search_equilibria(A, B, tol, budget)
    bound = max(float_enumeration.vertex_bound(m, m + n), float_enumeration.vertex_bound(n, m + n))
    why = (f"the {m} x {n} game left may have up to {bound:,} vertices per best-response "
           f"polytope, beyond full enumeration; {found.guarantee()}")
    return _Inner(
        xs=[x for x, _ in found.profiles], ys=[y for _, y in found.profiles],
        exact=[None] * len(found.profiles),
        components=tuple((k,) for k in range(len(found.profiles))),
        degenerate=False, reason="not examined (the game was searched, not enumerated)",
        complete=False, why=why, method="search (pure profiles, Lemke-Howson, small supports)",
        exact_arith=False,
    )


def _pad(v: FloatArray, idx: Sequence[int], size: int) -> FloatArray:
    out = np.zeros(size)
    out[list(idx)] = v
    return out


def _lift(inner: _Inner, rows: Sequence[int], cols: Sequence[int], m: int, n: int) -> _Inner:
    """The inner game's equilibria on the actions ``rows`` x ``cols`` of an m x n game."""
    def pad_exact(e: tuple[tuple[Fraction, ...], tuple[Fraction, ...]] | None):
        if e is None:
            return None
        x = [Fraction(0)] * m
        y = [Fraction(0)] * n
        for i, p in zip(rows, e[0], strict=True):
            x[i] = p
        for j, p in zip(cols, e[1], strict=True):
            y[j] = p
        return tuple(x), tuple(y)

    return _Inner(
        xs=[_pad(x, rows, m) for x in inner.xs], ys=[_pad(y, cols, n) for y in inner.ys],
        exact=[pad_exact(e) for e in inner.exact], components=inner.components,
        degenerate=inner.degenerate, reason=inner.reason, complete=inner.complete,
        why=inner.why, method=inner.method, exact_arith=inner.exact_arith,
    )


def _equilibria_of(A: FloatArray, B: FloatArray, xs: Sequence[FloatArray],
                   ys: Sequence[FloatArray], exact: Sequence[Any], tol: float
                   ) -> tuple[Equilibrium, ...]:
    """Equilibria of the full game, each verified on its payoffs."""
    if not xs:
        return ()
    X = readonly(np.array(xs, dtype=np.float64))
    Y = readonly(np.array(ys, dtype=np.float64))
    regrets = _regret_table(A, B, X, Y)
    limit = (atol(A, tol), atol(B, tol))
    out = []
    for k in range(X.shape[0]):
        r0, r1 = float(regrets[k, 0]), float(regrets[k, 1])
        if r0 > limit[0] or r1 > limit[1]:
            raise SolverError(f"equilibrium {k} failed verification on the whole game: regrets "
                              f"{(r0, r1)} exceed {limit}")
        x, y = X[k], Y[k]
        support = (tuple(np.flatnonzero(x).tolist()), tuple(np.flatnonzero(y).tolist()))
        ex = exact[k]
        pay_exact = None
        if ex is not None:
            pay_exact = tuple(
                sum((ex[0][i] * ex[1][j] * Fraction(float(M[i, j]))
                     for i in support[0] for j in support[1]), Fraction(0))
                for M in (A, B))
        sub_a = A[np.ix_(support[0], support[1])]
        sub_b = B[np.ix_(support[0], support[1])]
        xs_, ys_ = x[list(support[0])], y[list(support[1])]
        out.append(Equilibrium(
            strategies=(x, y),
            payoffs=(float(xs_ @ sub_a @ ys_), float(xs_ @ sub_b @ ys_)),
            support=support,
            pure=len(support[0]) == 1 and len(support[1]) == 1,
            regret=(max(r0, 0.0), max(r1, 0.0)),
            exact_strategies=ex,
            exact_payoffs=pay_exact,  # type: ignore[arg-type]
        ))
    return tuple(out)


def _reduced_text(red: Reduction) -> str:
    steps = []
    if red.chip_steps:
        steps.append(f"chip-level dominance removed {len(red.chip_steps)} chip "
                     f"level{'s' if len(red.chip_steps) != 1 else ''} "
                     f"(leaving {len(red.rows)} x {len(red.cols)})")
    if red.separable:
        steps.append(f"the game separates into {len(red.parts)} independent parts")
    elif red.steps:
        steps.append(f"iterated strict dominance removed {len(red.steps)} more "
                     f"action{'s' if len(red.steps) != 1 else ''}")
    text = "; ".join(steps) if steps else "no action is dominated"
    if red.mixed_cut:
        text += (" (dominance by mixed strategies was checked only in part before its share "
                 "of the time ran out; an action left undominated loses no equilibrium)")
    return text


def _structured(A: FloatArray, B: FloatArray, tol: float, chips: ChipLayout | None,
                budget: float, exact: bool) -> SolveResult:
    m, n = A.shape
    start = time.monotonic()
    # dominance by mixes (a linear program per action) may take at most REDUCE_SHARE of it
    red = reduce_game(A, B, tol=tol, chips=chips, deadline=start + REDUCE_SHARE * budget)
    if red.separable:
        assert chips is not None
        return _separable(A, B, tol, chips, red, budget - (time.monotonic() - start), exact)
    rows, cols = red.kept
    left = max(budget - (time.monotonic() - start), 0.1 * budget)
    inner = _core(A[np.ix_(rows, cols)], B[np.ix_(rows, cols)], tol, left, exact)
    full = _lift(inner, rows, cols, m, n)
    eqs = _equilibria_of(A, B, full.xs, full.ys, full.exact, tol)
    order = sorted(range(len(eqs)), key=lambda k: (not eqs[k].pure, k))
    eqs = tuple(eqs[k] for k in order)
    where = order.index
    components = tuple(tuple(sorted(where(k) for k in c)) for c in full.components)
    small = f"{len(rows)} x {len(cols)}"
    made = _reduced_text(red)
    if inner.complete:
        guarantee = (f"all equilibria: {made}, which removes no equilibrium, and the {small} game "
                     f"left was enumerated exhaustively")
        reason = (f"{'degenerate' if inner.degenerate else 'nondegenerate'} on the {small} game "
                  f"left after removing dominated actions, where every equilibrium lies: "
                  f"{inner.reason}" if inner.degenerate else
                  f"the {small} game left after removing dominated actions, where every "
                  f"equilibrium lies, is nondegenerate (the removed actions were not examined)")
    else:
        guarantee = (f"the search was not exhaustive because {made}, and {inner.why}")
        reason = inner.reason
    pure = sorted((e.support[0][0], e.support[1][0]) for e in eqs if e.pure)
    dominance = DominanceResult(red.steps, red.kept[0], red.kept[1])
    return SolveResult(
        method=f"structure first, then {inner.method}", tol=tol, exact=inner.exact_arith,
        shape=(m, n), equilibria=eqs, components=components, degenerate=inner.degenerate,
        degeneracy_reason=reason, pure=tuple(pure), pareto=tuple(_pareto(A, B, tol)),
        _game=(readonly(A.copy()), readonly(B.copy())), complete=inner.complete,
        guarantee=guarantee, structure=Structure(red), _dominance=dominance,
    )


def _separable(A: FloatArray, B: FloatArray, tol: float, chips: ChipLayout, red: Reduction,
               budget: float, exact: bool) -> SolveResult:
    from model.solvers.structure import combinations, iterated_actions_cut, product_strategy

    m, n = A.shape
    solved: list[_Inner] = []
    part_steps = []
    part_kept = []
    parts_cut = 0
    end = time.monotonic() + max(budget, 0.0)
    for k, part in enumerate(red.parts):
        pm, pn = part.shape
        share = max(end - time.monotonic(), 0.0) / (len(red.parts) - k)
        start = time.monotonic()
        steps, kr, kc, cut = iterated_actions_cut(part.A, part.B, range(pm), range(pn), tol,
                                                  deadline=start + REDUCE_SHARE * share)
        parts_cut += cut
        left = max(share - (time.monotonic() - start), 0.1 * share, 0.05)
        inner = _core(part.A[np.ix_(kr, kc)], part.B[np.ix_(kr, kc)], tol, left, exact)
        solved.append(_lift(inner, kr, kc, pm, pn))
        part_steps.append(tuple(steps))
        part_kept.append((kr, kc))
    counts = [len(s.xs) for s in solved]
    total = int(np.prod(counts, dtype=object))
    combos = combinations(counts, MAX_LISTED)
    chips_of = [[p.chips[q] for p in red.parts] for q in (0, 1)]
    levels_of = [[p.levels[q] for p in red.parts] for q in (0, 1)]
    xs, ys = [], []
    exacts: list[Any] = []
    all_exact = all(e is not None for s in solved for e in s.exact)
    for combo in combos:
        xs.append(product_strategy(chips, 0, chips_of[0], levels_of[0],
                                   [s.xs[k] for s, k in zip(solved, combo, strict=True)]))
        ys.append(product_strategy(chips, 1, chips_of[1], levels_of[1],
                                   [s.ys[k] for s, k in zip(solved, combo, strict=True)]))
        if all_exact:
            ex = [product_strategy(chips, q, chips_of[q], levels_of[q],
                                   [s.exact[k][q] for s, k in  # type: ignore[index]
                                    zip(solved, combo, strict=True)],
                                   exact=True) for q in (0, 1)]
            exacts.append((tuple(ex[0]), tuple(ex[1])))
        else:
            exacts.append(None)
    eqs = _equilibria_of(A, B, xs, ys, exacts, tol)
    order = sorted(range(len(eqs)), key=lambda k: (not eqs[k].pure, k))
    eqs = tuple(eqs[k] for k in order)
    position = {k: p for p, k in enumerate(order)}
    comp_of = [{k: c for c, comp in enumerate(s.components) for k in comp} for s in solved]
    groups: dict[tuple[int, ...], list[int]] = {}
    for k, combo in enumerate(combos):
        key = tuple(comp_of[p][i] for p, i in enumerate(combo))
        groups.setdefault(key, []).append(position[k])
    components = tuple(tuple(sorted(v)) for v in groups.values())
    mixing = [[sum(1 for s, i in zip(solved, combo, strict=True)
                   if np.count_nonzero((s.xs if q == 0 else s.ys)[i]) > 1) for q in (0, 1)]
              for combo in combos]
    continuum = any(max(mx) > 1 for mx in mixing)
    degenerate = any(s.degenerate for s in solved) or continuum
    complete = all(s.complete for s in solved)
    sizes = " + ".join(f"{p.shape[0]} x {p.shape[1]}" for p in red.parts)
    listed = (f"the {total} combinations of the parts' equilibria are listed"
              if total <= len(combos) else
              f"{len(combos)} of the {total:,} combinations of the parts' equilibria are listed")
    base = (f"{_reduced_text(red)} ({sizes}): a profile is an equilibrium exactly when its "
            f"marginal on every part is an equilibrium of that part; {listed}")
    if parts_cut:
        base += (f"; in {parts_cut} part{'s' if parts_cut > 1 else ''} dominance by mixed "
                 "strategies was checked only in part before its share of the time ran out")
    if continuum:
        base += ("; where a player mixes in two parts, correlating those mixes gives a "
                 "continuum of further equilibria with the same marginals")
    if complete:
        guarantee = f"all equilibria: {base}; every part was enumerated exhaustively"
    else:
        whys = "; ".join(f"part {k + 1}: {s.why}" for k, s in enumerate(solved) if not s.complete)
        guarantee = f"the search was not exhaustive because {whys}; {base}"
    if degenerate:
        reason = ("separable into parts: "
                  + ("mixing in two parts can be correlated (a continuum of equilibria)"
                     if continuum else "")
                  + ("; " if continuum and any(s.degenerate for s in solved) else "")
                  + "; ".join(f"part {k + 1}: {s.reason}" for k, s in enumerate(solved)
                              if s.degenerate))
    else:
        reason = ("each part is nondegenerate and no player mixes in two parts, so the "
                  "equilibria are isolated (the whole game was not examined)")
    pure = sorted((e.support[0][0], e.support[1][0]) for e in eqs if e.pure)
    methods = sorted({s.method for s in solved})
    return SolveResult(
        method="structure first (separable), then " + " and ".join(methods), tol=tol,
        exact=all(s.exact_arith for s in solved), shape=(m, n), equilibria=eqs,
        components=components, degenerate=degenerate, degeneracy_reason=reason,
        pure=tuple(pure), pareto=tuple(_pareto(A, B, tol)),
        _game=(readonly(A.copy()), readonly(B.copy())), complete=complete, guarantee=guarantee,
        structure=Structure(red, tuple(part_steps), tuple(part_kept), tuple(counts), total),
        _dominance=DominanceResult((), red.rows, red.cols),
    )
