"""Every equilibrium of the game at many parameter points, in compact arrays.

:func:`solve_matrices` is the engine under sweeps, tipping points, maps and Monte Carlo: one
compiled pass (:mod:`._kernel`) removes strictly dominated actions and enumerates supports
for every point whose smaller game allows it; the points it cannot settle with a margin (a
near-tie, a near-singular system, too many supports) go whole to
:func:`model.solve_batch`, whose answer is exact there. Every equilibrium is then
verified on the point's own payoffs, as everywhere in the project: each player's regret at
most ``tol`` times that player's largest |payoff|.

>>> import numpy as np
>>> A = np.array([[[3, 0], [5, 1]], [[2, 0], [0, 1]]], float)  # prisoner's dilemma, coordination
>>> B = np.array([[[3, 5], [0, 1]], [[1, 0], [0, 2]]], float)
>>> s = solve_matrices(A, B)
>>> s.counts.tolist()
[1, 3]
>>> s.xs[s.owner == 1].round(3).tolist()
[[1.0, 0.0], [0.0, 1.0], [0.667, 0.333]]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from model.sensitivity import _kernel
from model.solvers._common import SolverError, check_batch, check_tol
from model.solvers.equilibria import solve, solve_batch
from model.solvers.results import TooLarge
from model.solvers.structure import ChipLayout
from model.solvers.structured import STRUCTURE_FIRST

if TYPE_CHECKING:
    from model.game import Game

#: Dominance margin and the gray band of the support test, relative to a player's largest
#: |payoff|: far above float rounding, far below any difference a payoff file means.
MARGIN = 1e-9
GRAY = 1e-9

#: Games left after dominance with more support pairs than this go to the vertex enumerator
#: (support enumeration of a 5 x 5 game, 251 pairs, costs about what it does).
MAX_PAIRS = 300

#: Seconds a point too large to enumerate may be searched for (its answer is then marked
#: incomplete), and the ways a point was solved, as stored in ``PointSolutions.method``.
POINT_BUDGET = 2.0
METHODS = ("compiled", "whole game", "structure first", "search")
COMPILED, WHOLE, STRUCTURE, SEARCH = range(4)


@dataclass(frozen=True, eq=False)
class PointSolutions:
    """The equilibria of N games. ``counts[k]`` is the number of equilibria of game k, which
    are the rows e with ``owner[e] == k`` of ``xs`` (N_eq, m), ``ys`` (N_eq, n) and ``payoffs``
    (N_eq, 2), listed point by point in a fixed order: pure equilibria first, by (row, column),
    then mixed ones by support. ``exact[k]`` says that game k went to the solver of
    :func:`model.solve_batch` (a near-tie or a large game) rather than the compiled pass;
    ``continuum[k]`` that game k has infinitely many equilibria (a maximal Nash subset with
    more than one extreme equilibrium), of which those listed are the extreme points. A game
    the compiled pass settles is nondegenerate once dominated actions are gone, so its
    equilibria are isolated. ``complete[k]`` says that every equilibrium of game k is listed
    (or spanned by those listed); ``method[k]`` indexes ``METHODS``: how game k was solved.
    """

    counts: np.ndarray
    owner: np.ndarray
    xs: np.ndarray
    ys: np.ndarray
    payoffs: np.ndarray
    exact: np.ndarray
    continuum: np.ndarray
    complete: np.ndarray
    method: np.ndarray

    def __len__(self) -> int:
        return int(self.counts.shape[0])

    @property
    def pure(self) -> np.ndarray:
        """Per equilibrium: both strategies pure."""
        return ((self.xs > 0).sum(axis=1) == 1) & ((self.ys > 0).sum(axis=1) == 1)

    def of(self, k: int) -> list[tuple[np.ndarray, np.ndarray, tuple[float, float]]]:
        """Game k's equilibria as (x, y, payoffs)."""
        out = []
        for e in np.flatnonzero(self.owner == k):
            out.append((self.xs[e], self.ys[e], (float(self.payoffs[e, 0]),
                                                 float(self.payoffs[e, 1]))))
        return out

    @staticmethod
    def concat(parts: Sequence[PointSolutions]) -> PointSolutions:
        """The solutions of consecutive batches as one."""
        shift = np.cumsum([0] + [len(p) for p in parts[:-1]])
        return PointSolutions(
            counts=np.concatenate([p.counts for p in parts]),
            owner=np.concatenate([p.owner + s for p, s in zip(parts, shift, strict=True)]),
            xs=np.concatenate([p.xs for p in parts]),
            ys=np.concatenate([p.ys for p in parts]),
            payoffs=np.concatenate([p.payoffs for p in parts]),
            exact=np.concatenate([p.exact for p in parts]),
            continuum=np.concatenate([p.continuum for p in parts]),
            complete=np.concatenate([p.complete for p in parts]),
            method=np.concatenate([p.method for p in parts]),
        )

    def pack(self) -> dict[str, np.ndarray]:
        """The fields as plain arrays, the strategies stored sparse (most are pure), exactly:
        what a worker sends back and a checkpoint keeps."""
        out = {"counts": self.counts, "owner": self.owner, "payoffs": self.payoffs,
               "exact": self.exact, "continuum": self.continuum, "complete": self.complete,
               "method": self.method}
        for key, S in (("x", self.xs), ("y", self.ys)):
            rows, cols = np.nonzero(S)
            out[f"{key}_shape"] = np.array(S.shape, dtype=np.int64)
            out[f"{key}_row"] = rows.astype(np.int64)
            out[f"{key}_col"] = cols.astype(np.int16)
            out[f"{key}_val"] = S[rows, cols]
        return out

    @staticmethod
    def unpack(packed: Mapping[str, np.ndarray]) -> PointSolutions:
        """The inverse of :meth:`pack`."""
        dense = {}
        for key in ("x", "y"):
            S = np.zeros(tuple(int(v) for v in packed[f"{key}_shape"]))
            S[packed[f"{key}_row"], packed[f"{key}_col"]] = packed[f"{key}_val"]
            dense[f"{key}s"] = S
        return PointSolutions(counts=packed["counts"], owner=packed["owner"],
                              payoffs=packed["payoffs"], exact=packed["exact"],
                              continuum=packed["continuum"],
                              complete=packed["complete"], method=packed["method"], **dense)


def solve_matrices(A: np.ndarray, B: np.ndarray, *, tol: float = 1e-9,
                   chips: ChipLayout | None = None, strict: bool = False) -> PointSolutions:
    """Every extreme equilibrium of each game of (N, m, n) arrays A, B, verified.

    A point the compiled pass cannot settle goes to the whole-game solver; one too large for
    it is solved structure first with ``chips`` (:func:`model.solve`), searched for at
    most ``POINT_BUDGET`` seconds if still too large, and marked in ``complete`` and
    ``method``: one point never stops the batch, unless ``strict``, where a point whose list
    is not complete raises SolverError."""
    a, b = check_batch(A, B)
    t = check_tol(tol)
    N = a.shape[0]
    status, _rows, _cols, counts, owner, xs, ys = _kernel.solve_points(
        a, b, MARGIN, GRAY, MAX_PAIRS, max(16, 4 * N)
    )
    todo = np.flatnonzero(status != _kernel.OK)
    exact = np.zeros(N, dtype=bool)
    continuum = np.zeros(N, dtype=bool)
    complete = np.ones(N, dtype=bool)
    method = np.zeros(N, dtype=np.int8)
    if len(todo):
        extra_owner, extra_x, extra_y = _settle(a, b, todo, t, continuum, chips, complete,
                                                method)
        if strict and not complete.all():
            k = int(np.flatnonzero(~complete)[0])
            raise SolverError(f"point {k}: the game left is too large to enumerate and the "
                              f"search in {POINT_BUDGET:g} s was not exhaustive (--strict)")
        exact[todo] = True
        counts = counts.copy()
        np.add.at(counts, extra_owner, 1)
        owner = np.concatenate([owner, extra_owner])
        xs = np.concatenate([xs, extra_x])
        ys = np.concatenate([ys, extra_y])
    order = _canonical_order(owner, xs, ys)
    owner, xs, ys = owner[order], xs[order], ys[order]
    payoffs = _verify(a, b, owner, xs, ys, t)
    return PointSolutions(counts, owner, xs, ys, payoffs, exact, continuum, complete, method)


def solve_game_points(game: Game, A: np.ndarray, B: np.ndarray, *, tol: float,
                      strict: bool = False) -> PointSolutions:
    """The equilibria at many points of one game: part by part when the game is large and its
    terms separate it into independent parts (as :func:`model.solve` lists them), else
    whole."""
    m, n = game.shape
    if m * n > STRUCTURE_FIRST and len(game.chip_parts) > 1 and game.chip_layout is not None:
        return solve_parts(A, B, game.chip_layout, game.chip_parts, tol=tol, strict=strict)
    return solve_matrices(A, B, tol=tol, chips=game.chip_layout, strict=strict)


def solve_parts(A: np.ndarray, B: np.ndarray, layout: ChipLayout,
                parts: Sequence[tuple[Sequence[int], Sequence[int]]], *, tol: float = 1e-9,
                strict: bool = False) -> PointSolutions:
    """The equilibria of N games that separate into independent ``parts`` (groups of chips that
    no payoff links, :attr:`model.game.Game.chip_parts`): each part's games are solved by
    :func:`solve_matrices`, and every combination of the parts' equilibria, played
    independently, is an equilibrium of the whole (a profile is one exactly when its marginal
    on every part is one), verified on the whole game. Where a player mixes in two parts, the
    mixes can also be correlated: the point is marked ``continuum``."""
    a, b = check_batch(A, B)
    t = check_tol(tol)
    N, m, n = a.shape
    idx, perms = _part_layout(tuple(tuple(L) for L in layout.levels),
                              tuple((tuple(r), tuple(c)) for r, c in parts))
    sols = []
    for rows_idx, cols_idx in idx:
        sub_a = np.ascontiguousarray(a[:, rows_idx][:, :, cols_idx])
        sub_b = np.ascontiguousarray(b[:, rows_idx][:, :, cols_idx])
        sols.append(solve_matrices(sub_a, sub_b, tol=t, strict=strict))
    # every combination of the parts' equilibria, point by point
    owner = np.arange(N)
    picks: list[np.ndarray] = []
    for sol in sols:
        starts = np.concatenate([[0], np.cumsum(sol.counts)[:-1]]).astype(np.int64)
        reps = sol.counts[owner]
        new_owner = np.repeat(owner, reps)
        first = np.repeat(starts[owner], reps)
        offsets = np.arange(len(new_owner)) - np.repeat(np.cumsum(reps) - reps, reps)
        picks = [p_[np.repeat(np.arange(len(owner)), reps)] for p_ in picks]
        picks.append(first + offsets)
        owner = new_owner
    E = len(owner)
    strategies = []
    for q in (0, 1):
        P = np.ones((E, 1))
        for sol, pick in zip(sols, picks, strict=True):
            S = (sol.xs if q == 0 else sol.ys)[pick]
            P = (P[:, :, None] * S[:, None, :]).reshape(E, -1)
        full = np.zeros((E, m if q == 0 else n))
        full[:, perms[q]] = P
        strategies.append(full)
    xs, ys = strategies
    counts = np.bincount(owner, minlength=N).astype(sols[0].counts.dtype)
    mixing = np.zeros((E, 2), dtype=np.int64)
    for sol, pick in zip(sols, picks, strict=True):
        mixing[:, 0] += (sol.xs[pick] > 0).sum(axis=1) > 1
        mixing[:, 1] += (sol.ys[pick] > 0).sum(axis=1) > 1
    continuum = np.zeros(N, dtype=bool)
    np.logical_or.at(continuum, owner, mixing.max(axis=1) > 1)
    for sol in sols:
        continuum |= sol.continuum
    exact = np.any([sol.exact for sol in sols], axis=0)
    complete = np.all([sol.complete for sol in sols], axis=0)
    method = np.max([sol.method for sol in sols], axis=0).astype(np.int8)
    order = _canonical_order(owner, xs, ys)
    owner, xs, ys = owner[order], xs[order], ys[order]
    payoffs = _verify(a, b, owner, xs, ys, t)
    return PointSolutions(counts, owner, xs, ys, payoffs, exact, continuum, complete, method)


@lru_cache(maxsize=32)
def _part_layout(levels: tuple[tuple[int, ...], ...],
                 parts: tuple[tuple[tuple[int, ...], tuple[int, ...]], ...]
                 ) -> tuple[list[tuple[np.ndarray, np.ndarray]], list[np.ndarray]]:
    """For :func:`solve_parts`: each part's actions of each player (as indices of the whole
    game's actions, the player's other chips at their first level), and per player the map
    from a position in the product of the parts' actions to the player's action."""
    idx = []
    for rows, cols in parts:
        pair = []
        for q, chips in ((0, rows), (1, cols)):
            sel = [list(range(L)) if c in chips else [0] for c, L in enumerate(levels[q])]
            pair.append(_product_indices(sel, levels[q]))
        idx.append((pair[0], pair[1]))
    perms = []
    for q in (0, 1):
        sizes = [len(pair[q]) for pair in idx]
        axes = [c for p in parts for c in p[q]]
        grid = np.indices([levels[q][c] for c in axes]).reshape(len(axes), -1)
        at = np.zeros((len(levels[q]), grid.shape[1]), dtype=np.int64)
        at[axes] = grid
        flat = np.asarray(np.ravel_multi_index(tuple(at), levels[q]),
                          dtype=np.int64).reshape(-1)
        assert len(flat) == int(np.prod(sizes))
        perms.append(flat)
    for arr in [*perms, *(a for pair in idx for a in pair)]:
        arr.setflags(write=False)  # shared by every call: read only
    return idx, perms


def _product_indices(alive: Sequence[Sequence[int]], levels: Sequence[int]) -> np.ndarray:
    from model.solvers.structure import _indices

    return _indices(alive, levels)


def _settle(a: np.ndarray, b: np.ndarray, todo: np.ndarray, tol: float,
            continuum: np.ndarray, chips: ChipLayout | None, complete: np.ndarray,
            method: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The games the compiled pass left, solved whole by ``solve_batch`` (which removes
    dominated actions itself where that is safe, with tolerances scaled to the whole game:
    scaled to what dominance left, float noise could pass for a strict preference); marks in
    ``continuum`` the games with a maximal Nash subset of more than one extreme point."""
    m, n = a.shape[1:]
    owner: list[int] = []
    xs: list[np.ndarray] = []
    ys: list[np.ndarray] = []
    try:
        results = solve_batch(a[todo], b[todo], tol=tol)
    except TooLarge:  # some point needs more than the whole-game solver: each on its own
        results = [solve(a[k], b[k], tol=tol, chips=chips, budget=POINT_BUDGET)
                   for k in todo.tolist()]
    for k, res in zip(todo.tolist(), results, strict=True):
        continuum[k] = any(len(c) > 1 for c in res.components) or (
            res.structure is not None and "continuum" in res.guarantee)
        complete[k] = res.complete
        method[k] = WHOLE if res.structure is None else (STRUCTURE if res.complete else SEARCH)
        for e in res.equilibria:
            owner.append(k)
            xs.append(e.strategies[0])
            ys.append(e.strategies[1])
    if not owner:
        return np.empty(0, np.int64), np.empty((0, m)), np.empty((0, n))
    return np.array(owner, dtype=np.int64), np.array(xs), np.array(ys)


def _canonical_order(owner: np.ndarray, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """Order of the equilibria: by game; in a game, pure ones first by (row, column), then
    mixed ones by their supports (as bit patterns), then by the strategies themselves."""
    if len(owner) == 0:
        return np.arange(0)
    sx = xs > 0
    sy = ys > 0
    mixed = (sx.sum(axis=1) > 1) | (sy.sum(axis=1) > 1)
    bits_x = sx @ (1 << np.arange(sx.shape[1], dtype=np.int64)[::-1])
    bits_y = sy @ (1 << np.arange(sy.shape[1], dtype=np.int64)[::-1])
    head = [-bits_y, -bits_x, mixed, owner]
    order = np.lexsort(head)
    # rows equal in all of ``head`` (two mixed equilibria on the same supports) are put in
    # the order of their strategies; the rest are settled already
    k = np.stack(head, axis=1)[order]
    same = np.flatnonzero((k[1:] == k[:-1]).all(axis=1))
    if len(same) == 0:
        return order
    tied = np.zeros(len(order), dtype=bool)
    tied[same] = tied[same + 1] = True
    with_next = np.zeros(len(order), dtype=bool)
    with_next[same] = True
    at = np.flatnonzero(tied)
    rows = order[at]
    opens = np.ones(len(at), dtype=bool)  # where a run of equal heads begins
    opens[1:] = ~with_next[at[1:] - 1]
    group = np.cumsum(opens)
    keys = [ys[rows, j] for j in range(ys.shape[1] - 1, -1, -1)]
    keys += [xs[rows, i] for i in range(xs.shape[1] - 1, -1, -1)]
    order[at] = rows[np.lexsort([*keys, group])]
    return order


def _verify(a: np.ndarray, b: np.ndarray, owner: np.ndarray, xs: np.ndarray, ys: np.ndarray,
            tol: float) -> np.ndarray:
    """Payoffs (row, column) of each equilibrium; raises SolverError if a regret exceeds
    ``tol`` times the player's largest |payoff| at that point."""
    if len(owner) == 0:
        return np.empty((0, 2))
    pay, regret, scale = _kernel.payoffs_and_regrets(a, b, owner, xs, ys)
    limit = tol * np.where(scale > 0, scale, 1.0)
    bad = np.flatnonzero((regret > limit).any(axis=1))
    if len(bad):
        e = int(bad[0])
        raise SolverError(
            f"equilibrium at point {int(owner[e])} failed verification: regrets "
            f"{regret[e].tolist()} exceed {limit[e].tolist()}"
        )
    return pay
