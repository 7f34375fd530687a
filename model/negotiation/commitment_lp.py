"""The linear programmes of mixed commitment (Conitzer and Sandholm 2006): one LP per follower
reply for small games, and for large ones a lazy LP over groups of the follower's replies, cut
by the replies it violates."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from model.solvers._common import FloatArray, SolverError, scale

#: Relative tolerance used to read the follower's best replies off a linear programme's
#: solution (HiGHS is asked for 1e-10 feasibility on payoffs scaled to at most 1).
LP_TOL = 1e-7


_HIGHS = {"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10}


#: Games of more cells than this get their mixed commitment from linear programmes that take
#: the follower's best-reply constraints only as the solution found violates them, and only
#: for the follower actions whose bound can still beat the best value found (see
#: :func:`_leader_best_large`); smaller games solve every programme whole.
FULL_LP_CELLS = 1024


#: A constraint is added once the current solution violates it by more than this: HiGHS's
#: primal feasibility tolerance, so solutions are as feasible as those of whole programmes.
_VIOLATION = 1e-10


#: Components of more extreme equilibria than this get the payoffs of their pairs from
#: matrix products rather than pair by pair.
_PAIRWISE_COMPONENT = 16


#: Constraints added per round, at most (the most violated first).
_CUTS = 12


#: Follower actions whose bound is more than this many tolerances below the best value found
#: are not solved: the scan for the first of near-equal values cannot end at them.
_MARGIN = 4.0


def _clean(x: np.ndarray) -> FloatArray:
    """A linear programme's mix made a probability vector: tiny entries dropped, sum 1."""
    x = np.where(x > 1e-12, x, 0.0)
    return np.asarray(x / x.sum(), dtype=float)


def _lp(c: np.ndarray, A_ub: np.ndarray | None, b_ub: np.ndarray | None,
        A_eq: np.ndarray, b_eq: np.ndarray, bounds: list[tuple[float | None, float | None]]
        ) -> np.ndarray | None:
    from scipy.optimize import linprog  # deferred: importing scipy.optimize is slow

    res = linprog(c, A_ub=A_ub, b_ub=b_ub, A_eq=A_eq, b_eq=b_eq, bounds=bounds,
                  method="highs", options=_HIGHS)
    if res.status == 2:  # infeasible
        return None
    if res.status != 0:
        raise SolverError(f"linear programme failed: {res.message}")
    return np.asarray(res.x, dtype=float)


def _best_replies_to(x: FloatArray, F: FloatArray, tol: float) -> tuple[int, ...]:
    u = x @ F
    return tuple(int(j) for j in np.flatnonzero(u >= u.max() - tol * scale(F)))


def _column_groups(F: FloatArray, eps: float) -> list[list[int]]:
    """Follower actions with identical payoff columns (within ``eps``): each joins the first
    group whose first column it matches."""
    groups: list[list[int]] = []
    firsts: list[int] = []
    for j in range(F.shape[1]):
        if firsts:
            same = np.flatnonzero(np.all(np.abs(F[:, [j]] - F[:, firsts]) <= eps, axis=0))
            if len(same):
                groups[int(same[0])].append(j)
                continue
        groups.append([j])
        firsts.append(j)
    return groups


def _lazy_lp(c: np.ndarray, fixed: np.ndarray | None, Fs: FloatArray, ref: int,
             outside: np.ndarray, extra: float, extra_bounds: list[tuple[float | None,
                                                                           float | None]],
             start: np.ndarray, give_up: Callable[[float], bool]) -> np.ndarray | float | None:
    """Maximise c.z over z = (x, e), x a probability vector and e at most one more variable,
    subject to ``fixed`` (rows G with G z <= 0) and, for every follower action k with
    ``outside[k]``, x.(Fs[:, k] - Fs[:, ref]) + extra * e <= 0.

    Those best-reply constraints are added as the solution violates them (starting with
    ``start``): each programme solved is a relaxation, so its optimum bounds the whole one's,
    and its solution is the whole programme's once it violates none. Returns the solution,
    None if the programme is infeasible, or the bound if ``give_up(bound)`` stopped it.
    """
    m, n = Fs.shape
    k_extra = len(c) - m
    ref_col = Fs[:, ref]
    active = np.zeros(n, dtype=bool)
    active[start[outside[start]]] = True
    A_eq = np.r_[np.ones(m), np.zeros(k_extra)].reshape(1, -1)
    bounds: list[tuple[float | None, float | None]] = [(0.0, None)] * m + extra_bounds
    while True:
        rows = [] if fixed is None else [fixed]
        cols = np.flatnonzero(active)
        if len(cols):
            D = (Fs[:, cols] - ref_col[:, None]).T
            if k_extra:
                D = np.hstack([D, np.full((len(cols), k_extra), extra)])
            rows.append(D)
        A_ub = np.vstack(rows) if rows else None
        z = _lp(-c, A_ub, None if A_ub is None else np.zeros(len(A_ub)), A_eq, np.ones(1),
                bounds)
        if z is None:
            return None
        bound = float(c @ z)
        if give_up(bound):
            return bound
        x = z[:m]
        viol = x @ Fs - x @ ref_col + (extra * z[m] if k_extra else 0.0)
        viol[~outside | active] = -np.inf
        new = np.flatnonzero(viol > _VIOLATION)
        if not len(new):
            return z
        active[new[np.argsort(-viol[new], kind="stable")][:_CUTS]] = True


def _level(found: Mapping[int, tuple[Any, ...]], k: int) -> float:
    """The best value found at an index before ``k``. The scan for the first of the best
    values has a record at least that value less the tolerance when it reaches k, so k is not
    taken unless its value is above this level."""
    return max((v[0] for i, v in found.items() if i < k), default=-np.inf)


def _below(floor: float, level: float) -> Callable[[float], bool]:
    """Give up on a programme whose bound is below ``floor`` or at most ``level``."""
    def stop(bound: float) -> bool:
        return bound < floor or bound <= level

    return stop


def _at_most(ceiling: float) -> Callable[[float], bool]:
    def stop(bound: float) -> bool:
        return bound <= ceiling

    return stop


def _start(Ls: FloatArray, Fs: FloatArray, column: np.ndarray) -> np.ndarray:
    """First constraints to try: the follower's best replies to the leader's actions that pay
    the leader most in ``column``."""
    top = np.argsort(-column, kind="stable")[:8]
    return np.unique(np.argmax(Fs[top], axis=1))


def _leader_best_large(Lm: FloatArray, Fm: FloatArray, t: float) -> Commitment:
    """:func:`mixed_commitment` with ``leader-best`` for a large game.

    The programme of follower action j is worth at most max_i L[i, j]. The actions are taken
    by that bound, best first, and each programme is solved lazily (:func:`_lazy_lp`) and
    dropped as soon as its bound falls more than a few tolerances below the best value found;
    the actions left cannot be picked by the scan of the whole rule (the first of the best
    values in the actions' order, values within the tolerance counting as equal), which is
    then run over the programmes solved.
    """
    n = Lm.shape[1]
    sL = scale(Lm)
    Ls, Fs = Lm / sL, Fm / scale(Fm)
    eps = t * sL
    top = Lm.max(axis=0)
    found: dict[int, tuple[float, FloatArray]] = {}
    best = -np.inf
    for j in np.argsort(-top, kind="stable").tolist():
        if top[j] < best - _MARGIN * eps:
            break
        level = _level(found, j)
        if top[j] <= level:
            continue
        outside = np.ones(n, dtype=bool)
        outside[j] = False
        floor = best - _MARGIN * eps
        z = _lazy_lp(Ls[:, j], None, Fs, j, outside, 0.0, [], _start(Ls, Fs, Ls[:, j]),
                     _below(floor / sL, level / sL))
        if not isinstance(z, np.ndarray):
            continue
        x = _clean(z)
        v = float(x @ Lm[:, j])
        found[j] = (v, x)
        best = max(best, v)
    if not found:  # cannot happen: some action is a best reply to every mix
        raise SolverError("no follower action is a best reply to any commitment")
    js = sorted(found)
    j = js[_first_best(np.array([found[k][0] for k in js]), eps)]
    v, x = found[j]
    return Commitment("mixed", x, j, _best_replies_to(x, Fm, LP_TOL), (v, float(x @ Fm[:, j])))


def _follower_worst_large(Lm: FloatArray, Fm: FloatArray, t: float) -> Commitment:
    """:func:`mixed_commitment` with ``follower-worst`` for a large game, pruned and lazy as
    :func:`_leader_best_large`: a group's value is at most max_i min_{k in group} L[i, k]."""
    m, n = Lm.shape
    sL = scale(Lm)
    Ls, Fs = Lm / sL, Fm / scale(Fm)
    eps = t * sL
    groups = _column_groups(Fm, t * scale(Fm))
    top = np.array([Lm[:, g].min(axis=1).max() for g in groups])
    found: dict[int, tuple[float, list[int], FloatArray, FloatArray]] = {}
    best = -np.inf
    for gi in np.argsort(-top, kind="stable").tolist():
        if top[gi] < best - _MARGIN * eps:
            break
        level = _level(found, gi)
        if top[gi] <= level:
            continue
        g = groups[gi]
        j0 = g[0]
        outside = np.ones(n, dtype=bool)
        outside[g] = False
        floor = best - _MARGIN * eps
        # value: maximise v with v <= x.L_k for k in the group, x in the closed region
        fixed = np.hstack([-Ls[:, g].T, np.ones((len(g), 1))])
        start = _start(Ls, Fs, Ls[:, g].min(axis=1))
        z = _lazy_lp(np.r_[np.zeros(m), 1.0], fixed, Fs, j0, outside, 0.0, [(None, None)],
                     start, _below(floor / sL, level / sL))
        if not isinstance(z, np.ndarray):
            continue
        xw = _clean(z[:m])
        v = min(float(xw @ Lm[:, k]) for k in g)
        # the region where the group is the only best reply must have an interior
        if outside.any():
            s = _lazy_lp(np.r_[np.zeros(m), 1.0], None, Fs, j0, outside, 1.0, [(None, 1.0)],
                         start, _at_most(LP_TOL))
            if not isinstance(s, np.ndarray) or s[-1] <= LP_TOL:
                continue
            inner = _clean(s[:m])
        else:
            inner = np.full(m, 1.0 / m)
        found[gi] = (v, g, xw, inner)
        best = max(best, v)
    if not found:  # cannot happen: the full-dimensional regions cover the simplex
        raise SolverError("no follower reply region with a nonempty interior was found")
    keys = sorted(found)
    v, g, xw, inner = found[keys[_first_best(np.array([found[k][0] for k in keys]), eps)]]
    worst = min(g, key=lambda k: float(xw @ Lm[:, k]))
    br = _best_replies_to(xw, Fm, LP_TOL)
    attained = set(br) == set(g)
    return Commitment("mixed", xw, worst, br, (v, float(xw @ Fm[:, worst])), attained,
                      None if attained else inner)


@dataclass(frozen=True, eq=False)
class Commitment:
    """What the leader commits to and what follows.

    ``strategy`` is the leader's probability vector over its own actions; ``reply`` the
    follower's action; ``best_replies`` every follower action that is a best reply to the
    commitment; ``payoffs`` are (leader, follower). ``attained`` is False only for a weak
    mixed commitment whose value is a supremum: ``strategy`` is then the limit point, where
    the follower is indifferent, and the leader gets as close to ``payoffs[0]`` as it likes by
    committing to ``(1 - e) * strategy + e * approach`` for a small e > 0.
    """

    kind: str  # "pure" or "mixed"
    strategy: FloatArray
    reply: int
    best_replies: tuple[int, ...]
    payoffs: tuple[float, float]
    attained: bool = True
    approach: FloatArray | None = None

    @property
    def support(self) -> tuple[int, ...]:
        return tuple(int(i) for i in np.flatnonzero(self.strategy > 0))


def _first_best(values: np.ndarray, eps: float) -> int:
    """The index that the scan ``best = first; take k if values[k] > best + eps`` ends at.

    A value taken is above every value before it, so only the strict running maxima are
    scanned."""
    before = np.maximum.accumulate(np.r_[-np.inf, values[:-1]])
    best_k, best_v = 0, -np.inf
    for k in np.flatnonzero(values > before).tolist():
        if values[k] > best_v + eps:
            best_k, best_v = k, float(values[k])
    return best_k
