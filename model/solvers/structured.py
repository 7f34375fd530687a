"""Structure first: iterated dominance (by chips, then by actions) shrinks the game, independent
parts are solved apart, and the equilibria found are lifted back and verified on the full game."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from model.solvers import float_enumeration
from model.solvers._common import (
    FloatArray,
    SolverError,
    atol,
    readonly,
)
from model.solvers.dominance import DominanceResult
from model.solvers.pareto import _pareto
from model.solvers.results import (
    MAX_BOUND_EXACT,
    MAX_BOUND_FLOAT,
    SMALL_GAME,
    Equilibrium,
    SolveResult,
    Structure,
    TooLarge,
    _regret_table,
    _too_large,
)
from model.solvers.structure import ChipLayout, Reduction, reduce_game
from model.solvers.whole_game import _auto_result, _exact_result, _small_result

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


_Kept = tuple[tuple[int, ...], tuple[int, ...]]


def _solve_parts(red: Reduction, tol: float, budget: float, exact: bool
                 ) -> tuple[list[_Inner], list[tuple[Any, ...]], list[_Kept], int]:
    """Each independent part reduced and solved apart, on its share of the time left."""
    from model.solvers.structure import iterated_actions_cut

    solved: list[_Inner] = []
    part_steps: list[tuple[Any, ...]] = []
    part_kept: list[_Kept] = []
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
    return solved, part_steps, part_kept, parts_cut


def _combined(chips: ChipLayout, red: Reduction, solved: list[_Inner], combos: list[tuple[int, ...]]
              ) -> tuple[list[FloatArray], list[FloatArray], list[Any]]:
    """The full game's profiles made of the parts' equilibria in each combination, as floats
    and, when every part's are exact, as fractions."""
    from model.solvers.structure import product_strategy

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
    return xs, ys, exacts


def _combined_components(solved: list[_Inner], combos: list[tuple[int, ...]], order: list[int]
                         ) -> tuple[tuple[int, ...], ...]:
    """Components of the combined equilibria (listed in ``order``): those whose parts'
    equilibria lie in the same component of every part."""
    position = {k: p for p, k in enumerate(order)}
    comp_of = [{k: c for c, comp in enumerate(s.components) for k in comp} for s in solved]
    groups: dict[tuple[int, ...], list[int]] = {}
    for k, combo in enumerate(combos):
        key = tuple(comp_of[p][i] for p, i in enumerate(combo))
        groups.setdefault(key, []).append(position[k])
    return tuple(tuple(sorted(v)) for v in groups.values())


def _mixes_in_two_parts(solved: list[_Inner], combos: list[tuple[int, ...]]) -> bool:
    """Whether in some combination a player mixes in more than one part."""
    mixing = [[sum(1 for s, i in zip(solved, combo, strict=True)
                   if np.count_nonzero((s.xs if q == 0 else s.ys)[i]) > 1) for q in (0, 1)]
              for combo in combos]
    return any(max(mx) > 1 for mx in mixing)


def _separable_guarantee(red: Reduction, solved: list[_Inner], total: int, listed_count: int,
                         parts_cut: int, continuum: bool, complete: bool) -> str:
    """What the list of a separable game's equilibria guarantees."""
    sizes = " + ".join(f"{p.shape[0]} x {p.shape[1]}" for p in red.parts)
    listed = (f"the {total} combinations of the parts' equilibria are listed"
              if total <= listed_count else
              f"{listed_count} of the {total:,} combinations of the parts' equilibria are listed")
    base = (f"{_reduced_text(red)} ({sizes}): a profile is an equilibrium exactly when its "
            f"marginal on every part is an equilibrium of that part; {listed}")
    if parts_cut:
        base += (f"; in {parts_cut} part{'s' if parts_cut > 1 else ''} dominance by mixed "
                 "strategies was checked only in part before its share of the time ran out")
    if continuum:
        base += ("; where a player mixes in two parts, correlating those mixes gives a "
                 "continuum of further equilibria with the same marginals")
    if complete:
        return f"all equilibria: {base}; every part was enumerated exhaustively"
    whys = "; ".join(f"part {k + 1}: {s.why}" for k, s in enumerate(solved) if not s.complete)
    return f"the search was not exhaustive because {whys}; {base}"


def _separable_reason(solved: list[_Inner], degenerate: bool, continuum: bool) -> str:
    """Why a separable game is, or is not, degenerate."""
    if degenerate:
        return ("separable into parts: "
                + ("mixing in two parts can be correlated (a continuum of equilibria)"
                   if continuum else "")
                + ("; " if continuum and any(s.degenerate for s in solved) else "")
                + "; ".join(f"part {k + 1}: {s.reason}" for k, s in enumerate(solved)
                            if s.degenerate))
    return ("each part is nondegenerate and no player mixes in two parts, so the "
            "equilibria are isolated (the whole game was not examined)")


def _separable(A: FloatArray, B: FloatArray, tol: float, chips: ChipLayout, red: Reduction,
               budget: float, exact: bool) -> SolveResult:
    """A game that separates into independent parts, solved part by part and combined."""
    from model.solvers.structure import combinations

    m, n = A.shape
    solved, part_steps, part_kept, parts_cut = _solve_parts(red, tol, budget, exact)
    counts = [len(s.xs) for s in solved]
    total = int(np.prod(counts, dtype=object))
    combos = combinations(counts, MAX_LISTED)
    xs, ys, exacts = _combined(chips, red, solved, combos)
    eqs = _equilibria_of(A, B, xs, ys, exacts, tol)
    order = sorted(range(len(eqs)), key=lambda k: (not eqs[k].pure, k))
    eqs = tuple(eqs[k] for k in order)
    components = _combined_components(solved, combos, order)
    continuum = _mixes_in_two_parts(solved, combos)
    degenerate = any(s.degenerate for s in solved) or continuum
    complete = all(s.complete for s in solved)
    guarantee = _separable_guarantee(red, solved, total, len(combos), parts_cut, continuum,
                                     complete)
    reason = _separable_reason(solved, degenerate, continuum)
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
