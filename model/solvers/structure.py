"""Structure first: shrink a game the way an analyst would before enumerating its equilibria.

Three steps, each of which keeps every Nash equilibrium and adds none:

1. **Chip-level dominance.** When actions are combinations of chip levels, a level of one chip
   that pays strictly less than another level of the same chip whatever the player's other
   chips and whatever the opponent does is removed with every action that uses it: each such
   action is strictly dominated by the action that differs from it in that chip only.
2. **Separation by chip.** A player's payoff often separates into terms that each touch only
   some chips. Where the chips fall into groups such that no payoff of a player mixes one of
   that player's chips with a chip of another group, the game is a sum of smaller games, one
   per group (up to terms in the other player's chips only, which do not change anyone's
   best replies). A profile is then an equilibrium if and only if its marginal on every group
   is an equilibrium of that group's game: best replies decompose group by group.
3. **Iterated strict dominance** of actions, by pure and then by mixed strategies, in each
   game that is left (Gilboa, Kalai and Zemel 1990: the surviving set does not depend on the
   order; no equilibrium plays a strictly dominated action).

:func:`reduce_game` runs the three steps and returns the record of what each removed;
:func:`model.solve` solves what is left and maps the equilibria back, verified on the full game.

Interactions are detected on the payoffs themselves, not the file's formulas: chips p and q
interact in a player's payoff when some mixed second difference
``U(p', q') - U(p', q) - U(p, q') + U(p, q)`` (the other chips fixed) exceeds ``SEPARATION`` times
the player's largest |payoff|, far below any tie the solver resolves.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

from model.solvers._common import FloatArray, atol
from model.solvers.dominance import DominanceStep, _mixed_dominator

__all__ = ["ChipLayout", "ChipLinks", "ChipStep", "Part", "Reduction", "reduce_game"]

#: Relative size of a mixed second difference below which two chips are taken not to interact.
SEPARATION = 1e-12

#: Games with more own x opponent actions than this get the vectorised pure-dominance pass
#: (all dominated actions of a player removed per round) before the one-at-a-time passes.
BLOCK = 256


@dataclass(frozen=True)
class ChipLayout:
    """How each player's actions are made of chips: ``levels[p][c]`` levels of player p's chip
    c, named ``names[p][c]`` with level labels ``level_names[p][c]``; the actions are every
    combination, the first chip varying slowest (as in :func:`itertools.product`)."""

    names: tuple[tuple[str, ...], tuple[str, ...]]
    levels: tuple[tuple[int, ...], tuple[int, ...]]
    level_names: tuple[tuple[tuple[str, ...], ...], tuple[tuple[str, ...], ...]] = ((), ())

    def size(self, player: int) -> int:
        return int(np.prod(self.levels[player], dtype=np.int64))

    def level_label(self, player: int, chip: int, level: int) -> str:
        names = self.level_names[player]
        return names[chip][level] if names else str(level)


@dataclass(frozen=True)
class ChipStep:
    """Level ``level`` of chip ``chip`` of ``player`` is strictly dominated by level ``by`` of
    the same chip, by at least ``margin``, whatever the other chips and the opponent do (among
    the levels and actions left at that step); ``removed`` actions go with it."""

    player: int
    chip: int
    level: int
    by: int
    margin: float
    removed: int


@dataclass(frozen=True)
class Part:
    """One independent part of a separable game: the chips it holds (indices into each
    player's chips), the surviving levels of each, and its payoff matrices, whose actions are
    the combinations of those levels (first chip slowest)."""

    chips: tuple[tuple[int, ...], tuple[int, ...]]
    levels: tuple[tuple[tuple[int, ...], ...], tuple[tuple[int, ...], ...]]
    A: FloatArray = field(repr=False)
    B: FloatArray = field(repr=False)

    @property
    def shape(self) -> tuple[int, int]:
        return (int(self.A.shape[0]), int(self.A.shape[1]))


@dataclass(frozen=True)
class Reduction:
    """What :func:`reduce_game` found.

    ``chip_steps`` the chip levels removed, in order; ``rows``/``cols`` the actions (original
    indices) that survive chip-level dominance. If ``parts`` has more than one entry the game
    separates into them; otherwise ``steps`` are the action-level eliminations (original
    indices) and ``kept`` the actions that survive everything.
    """

    shape: tuple[int, int]
    chip_steps: tuple[ChipStep, ...]
    rows: tuple[int, ...]
    cols: tuple[int, ...]
    parts: tuple[Part, ...]
    steps: tuple[DominanceStep, ...]
    kept: tuple[tuple[int, ...], tuple[int, ...]]
    #: Dominance by mixed strategies was not checked to the end (its time ran out): fewer
    #: actions may be removed than could be, which loses no equilibrium.
    mixed_cut: bool = False

    @property
    def separable(self) -> bool:
        return len(self.parts) > 1

    @property
    def reduced_shape(self) -> tuple[int, int]:
        """Size of the game left: the actions kept, or for a separable game those that
        survive chip-level dominance (its parts are smaller still)."""
        if self.separable:
            return (len(self.rows), len(self.cols))
        return (len(self.kept[0]), len(self.kept[1]))


# ---------------------------------------------------------------------------- chip dominance
def _own(A: FloatArray, B: FloatArray, player: int) -> FloatArray:
    return A if player == 0 else B.T


def _chip_dominance(
    A: FloatArray, B: FloatArray, layout: ChipLayout, tol: float
) -> tuple[list[ChipStep], list[list[list[int]]]]:
    """Iterated chip-level dominance; returns the steps and the surviving levels per chip."""
    alive: list[list[list[int]]] = [
        [list(range(L)) for L in layout.levels[0]],
        [list(range(L)) for L in layout.levels[1]],
    ]
    tols = (atol(A, tol), atol(B, tol))
    tensors = [
        A.reshape(*layout.levels[0], A.shape[1]),
        B.T.reshape(*layout.levels[1], B.shape[0]),
    ]
    steps: list[ChipStep] = []
    changed = True
    while changed:
        changed = False
        for player in (0, 1):
            other = _indices(alive[1 - player], layout.levels[1 - player])
            for c in range(len(layout.levels[player])):
                if len(alive[player][c]) < 2:
                    continue
                sub = tensors[player]
                for axis, keep in enumerate(alive[player]):
                    if axis != c:
                        sub = np.take(sub, keep, axis=axis)
                sub = np.take(sub, other, axis=sub.ndim - 1)
                sub = np.moveaxis(sub, c, 0)  # (levels of c, other chips..., opponent)
                flat = sub.reshape(sub.shape[0], -1)
                levels = alive[player][c]
                rows = flat[levels]  # axis c was left whole: index it by level
                for li, level in enumerate(list(levels)):
                    margins = (rows - rows[li]).min(axis=1)
                    margins[li] = -np.inf
                    k = int(np.argmax(margins))
                    if margins[k] > tols[player]:
                        removed = int(np.prod([len(v) for v in alive[player]])) // len(levels)
                        steps.append(ChipStep(player, c, level, levels[k], float(margins[k]),
                                              removed))
                        alive[player][c] = [v for v in levels if v != level]
                        changed = True
                        break
                if changed:
                    break
            if changed:
                break
    return steps, alive


def _indices(alive: Sequence[Sequence[int]], levels: Sequence[int]) -> np.ndarray:
    """Original action indices of every combination of the alive levels (first chip slowest)."""
    if not levels:
        return np.zeros(1, dtype=np.int64)
    grids = np.meshgrid(*[np.asarray(a, dtype=np.int64) for a in alive], indexing="ij")
    return np.ravel_multi_index(tuple(g.ravel() for g in grids), tuple(levels)).astype(np.int64)


# ---------------------------------------------------------------------------- separation
def _interacts(T: np.ndarray, p: int, q: int, limit: float) -> bool:
    """Whether axes p and q of T have a mixed second difference above ``limit``."""
    a0 = np.take(T, [0], axis=p)
    b0 = np.take(T, [0], axis=q)
    ab0 = np.take(a0, [0], axis=q)
    D = T - a0 - b0 + ab0
    return bool(np.abs(D).max() > limit) if D.size else False


class ChipLinks:
    """Which chips are linked (union-find over the row player's chips 0..kr-1 and the column
    player's kr..kr+kc-1); the groups are the parts a game separates into."""

    def __init__(self, kr: int, kc: int) -> None:
        self.kr = kr
        self.parent = list(range(kr + kc))

    def find(self, u: int) -> int:
        parent = self.parent
        while parent[u] != u:
            parent[u] = parent[parent[u]]
            u = parent[u]
        return u

    def join(self, u: int, v: int) -> None:
        self.parent[self.find(u)] = self.find(v)

    def joined(self, u: int, v: int) -> bool:
        return self.find(u) == self.find(v)

    def groups(self) -> list[tuple[list[int], list[int]]]:
        """(row chips, column chips) of each group, in order of their first chip."""
        out: dict[int, tuple[list[int], list[int]]] = {}
        for axis in range(len(self.parent)):
            g = out.setdefault(self.find(axis), ([], []))
            if axis < self.kr:
                g[0].append(axis)
            else:
                g[1].append(axis - self.kr)
        return list(out.values())


def _parts(A: FloatArray, B: FloatArray, layout: ChipLayout,
           alive: list[list[list[int]]]) -> list[tuple[list[int], list[int]]]:
    """Groups of chips (row chips, column chips) that no payoff links; one group if none."""
    kr, kc = len(layout.levels[0]), len(layout.levels[1])
    rows = _indices(alive[0], layout.levels[0])
    cols = _indices(alive[1], layout.levels[1])
    shape = tuple(len(a) for a in alive[0]) + tuple(len(a) for a in alive[1])
    TA = A[np.ix_(rows, cols)].reshape(shape)
    TB = B[np.ix_(rows, cols)].reshape(shape)
    links = ChipLinks(kr, kc)
    for T, own, M in ((TA, range(kr), A), (TB, range(kr, kr + kc), B)):
        limit = SEPARATION * max(float(np.abs(M).max()), 1e-300)
        for p in own:
            if shape[p] < 2:
                continue
            for q in range(kr + kc):
                if q == p or shape[q] < 2 or links.joined(p, q):
                    continue
                if _interacts(T, p, q, limit):
                    links.join(p, q)
    groups = links.groups()
    # chips with a single level left carry no choice: fold them into the first group
    out = [g for g in groups
           if any(shape[c] > 1 for c in g[0]) or any(shape[kr + c] > 1 for c in g[1])]
    if not out:
        return [(list(range(kr)), list(range(kc)))]
    fixed = [g for g in groups if g not in out]
    for g in fixed:
        out[0][0].extend(g[0])
        out[0][1].extend(g[1])
    return [(sorted(r), sorted(c)) for r, c in out]


def _part_game(A: FloatArray, B: FloatArray, layout: ChipLayout,
               alive: list[list[list[int]]], chips: tuple[list[int], list[int]]) -> Part:
    """The game of one group: the other chips fixed at their first surviving level."""
    idx = []
    for player in (0, 1):
        sel = [[alive[player][c][0]] if c not in chips[player] else alive[player][c]
               for c in range(len(layout.levels[player]))]
        idx.append(_indices(sel, layout.levels[player]))
    pa = readonly_copy(A[np.ix_(idx[0], idx[1])])
    pb = readonly_copy(B[np.ix_(idx[0], idx[1])])
    levels = (tuple(tuple(alive[0][c]) for c in chips[0]),
              tuple(tuple(alive[1][c]) for c in chips[1]))
    return Part((tuple(chips[0]), tuple(chips[1])), levels, pa, pb)


def readonly_copy(M: np.ndarray) -> np.ndarray:
    out = np.array(M, dtype=np.float64)
    out.flags.writeable = False
    return out


# ---------------------------------------------------------------------------- action dominance
def _best_pure_dominators(U: FloatArray) -> tuple[np.ndarray, np.ndarray]:
    """For each row t of the payoffs U (own actions x the opponent's): the other row s whose
    worst margin over the columns, min_j U[s, j] - U[t, j], is largest, and that margin (-inf
    for a single row). Rows are compared in blocks, so memory stays near 4 million floats
    however many actions there are (all pairs at once would be p x p x q)."""
    p, q = U.shape
    best = np.zeros(p, dtype=np.int64)
    margin = np.full(p, -np.inf)
    block = max(1, 4_000_000 // max(1, p * q))
    for s in range(0, p, block):
        chunk = U[s:s + block]  # (b, q)
        margins = (U[:, None, :] - chunk[None, :, :]).min(axis=2)  # (p, b)
        cols = np.arange(chunk.shape[0])
        margins[s + cols, cols] = -np.inf
        if p > 1:
            best[s:s + len(cols)] = margins.argmax(axis=0)
            margin[s:s + len(cols)] = margins[best[s:s + len(cols)], cols]
    return best, margin


def _block_pure(A: FloatArray, B: FloatArray, alive: list[list[int]], tols: tuple[float, float],
                steps: list[DominanceStep]) -> None:
    """Rounds of pure strict dominance, removing every dominated action of a player at once
    (the surviving set is the same as one at a time); each removal is recorded with its
    largest-margin dominator against the opponent's actions left in that round."""
    changed = True
    while changed:
        changed = False
        for player in (0, 1):
            own, other = alive[player], alive[1 - player]
            if len(own) < 2:
                continue
            best, margins = _best_pure_dominators(_own(A, B, player)[np.ix_(own, other)])
            dead = [(own[h], own[int(best[h])], float(margins[h]))
                    for h in np.flatnonzero(margins > tols[player]).tolist()]
            if dead:
                # a dominator may itself be dominated in this round: point it at a survivor
                gone = {d for d, _, _ in dead}
                survivors = [a for a in own if a not in gone]
                S = _own(A, B, player)[np.ix_(survivors, other)]
                for d, by, margin in dead:
                    if by in gone:
                        diff = (S - _own(A, B, player)[d, other]).min(axis=1)
                        k = int(np.argmax(diff))
                        by, margin = survivors[k], float(diff[k])
                    steps.append(DominanceStep(player, d, {by: 1.0}, "pure", margin))
                alive[player] = survivors
                changed = True


def _one_at_a_time(A: FloatArray, B: FloatArray, alive: list[list[int]],
                   tols: tuple[float, float], steps: list[DominanceStep], mixed: bool,
                   deadline: float | None = None) -> bool:
    """Pure, then mixed strict dominance, one action per step (the order of
    :mod:`~model.solvers.dominance`), on the actions left. The mixed checks (a linear
    program each) stop at ``deadline``; returns whether they were stopped."""
    while True:
        step = None
        for player in (0, 1):
            own, other = alive[player], alive[1 - player]
            if len(own) < 2:
                continue
            best, margin = _best_pure_dominators(_own(A, B, player)[np.ix_(own, other)])
            hit = np.flatnonzero(margin > tols[player])
            if len(hit):
                i = int(hit[0])
                step = DominanceStep(player, own[i], {own[int(best[i])]: 1.0}, "pure",
                                     float(margin[i]))
                break
        if step is None and mixed:
            for player in (0, 1):
                U = _own(A, B, player)
                for i in alive[player]:
                    if deadline is not None and time.monotonic() > deadline:
                        return True
                    res = _mixed_dominator(U, alive[player], alive[1 - player], i)
                    if res is not None and res[1] > tols[player]:
                        kind = "mixed" if len(res[0]) > 1 else "pure"
                        step = DominanceStep(player, i, res[0], kind, res[1])  # type: ignore[arg-type]
                        break
                if step is not None:
                    break
        if step is None:
            return False
        steps.append(step)
        alive[step.player] = [a for a in alive[step.player] if a != step.action]


def iterated_actions(A: FloatArray, B: FloatArray, rows: Sequence[int], cols: Sequence[int],
                     tol: float, mixed: bool = True, deadline: float | None = None
                     ) -> tuple[list[DominanceStep], tuple[int, ...], tuple[int, ...]]:
    """Iterated strict dominance of actions among ``rows`` x ``cols`` of (A, B): the steps (in
    original indices) and the survivors. Large games first get vectorised rounds of pure
    dominance, then what is left the one-at-a-time pure and mixed passes (the mixed checks
    stop at ``deadline``, a ``time.monotonic()`` time; :func:`iterated_actions_cut` says
    whether they did)."""
    steps, kr, kc, _ = iterated_actions_cut(A, B, rows, cols, tol, mixed, deadline)
    return steps, kr, kc


def iterated_actions_cut(A: FloatArray, B: FloatArray, rows: Sequence[int],
                         cols: Sequence[int], tol: float, mixed: bool = True,
                         deadline: float | None = None
                         ) -> tuple[list[DominanceStep], tuple[int, ...], tuple[int, ...], bool]:
    """:func:`iterated_actions`, and whether the mixed checks were stopped by ``deadline``."""
    alive = [list(rows), list(cols)]
    tols = (atol(A, tol), atol(B, tol))
    steps: list[DominanceStep] = []
    if len(rows) * len(cols) > BLOCK:
        _block_pure(A, B, alive, tols, steps)
    cut = _one_at_a_time(A, B, alive, tols, steps, mixed, deadline)
    return steps, tuple(alive[0]), tuple(alive[1]), cut


# ---------------------------------------------------------------------------- the whole pass
def reduce_game(
    A: FloatArray, B: FloatArray, *, tol: float = 1e-9, chips: ChipLayout | None = None,
    mixed: bool = True, deadline: float | None = None,
) -> Reduction:
    """Chip-level dominance, separation by chip and iterated strict dominance of (A, B).

    Dominance by mixed strategies (a linear program per action) stops at ``deadline`` (a
    ``time.monotonic()`` time); ``Reduction.mixed_cut`` then says so.

    ``chips`` describes how actions are made of chips (without it, only action-level dominance
    applies). ``tol`` is relative to each player's largest |payoff|, as everywhere.

    >>> import numpy as np
    >>> pd_A = np.array([[3, 0], [5, 1]]); pd_B = pd_A.T       # prisoner's dilemma
    >>> mp_A = np.array([[1, -1], [-1, 1]]); mp_B = -mp_A       # matching pennies
    >>> A = (pd_A[:, None, :, None] + mp_A[None, :, None, :]).reshape(4, 4)
    >>> B = (pd_B[:, None, :, None] + mp_B[None, :, None, :]).reshape(4, 4)
    >>> layout = ChipLayout((("pd", "mp"), ("pd", "mp")), ((2, 2), (2, 2)))
    >>> r = reduce_game(A.astype(float), B.astype(float), chips=layout)
    >>> [(s.player, s.chip, s.level, s.by) for s in r.chip_steps]
    [(0, 0, 0, 1), (1, 0, 0, 1)]
    >>> r.rows, r.cols, len(r.parts)
    ((2, 3), (2, 3), 1)
    """
    m, n = A.shape
    if chips is not None and (chips.size(0) != m or chips.size(1) != n):
        chips = None
    chip_steps: list[ChipStep] = []
    if chips is not None:
        chip_steps, alive = _chip_dominance(A, B, chips, tol)
        rows = tuple(int(v) for v in np.sort(_indices(alive[0], chips.levels[0])))
        cols = tuple(int(v) for v in np.sort(_indices(alive[1], chips.levels[1])))
        groups = _parts(A, B, chips, alive)
        if len(groups) > 1:
            parts = tuple(_part_game(A, B, chips, alive, g) for g in groups)
            kept_r: list[int] = []
            kept_c: list[int] = []
            return Reduction((m, n), tuple(chip_steps), rows, cols, parts, (),
                             (tuple(kept_r), tuple(kept_c)))
    else:
        rows, cols = tuple(range(m)), tuple(range(n))
    steps, kr, kc, cut = iterated_actions_cut(A, B, rows, cols, tol, mixed, deadline)
    whole = Part(((), ()), ((), ()), A, B)
    return Reduction((m, n), tuple(chip_steps), rows, cols, (whole,), tuple(steps), (kr, kc),
                     cut)


def product_strategy(layout: ChipLayout, player: int, part_chips: Sequence[Sequence[int]],
                     part_levels: Sequence[Sequence[Sequence[int]]],
                     marginals: Sequence[Any], exact: bool = False) -> np.ndarray:
    """The strategy over the player's original actions that plays the parts' strategies
    independently: ``marginals[k]`` over the combinations of part k's surviving levels (first
    chip slowest). With ``exact`` the marginals are fractions and so is the result."""
    levels = layout.levels[player]
    dtype: Any = object if exact else np.float64
    prob = np.array(Fraction(1) if exact else 1.0, dtype=dtype)
    axes: list[int] = []
    for chips, lv, x in zip(part_chips, part_levels, marginals, strict=True):
        sizes = [len(v) for v in lv]
        prob = np.multiply.outer(prob, np.asarray(x, dtype=dtype).reshape(sizes))
        axes.extend(chips)
    # prob has one axis per chip of the player, in the order of ``axes``
    if prob.ndim:
        prob = np.transpose(prob, np.argsort(axes))
    chosen: list[list[int]] = [[] for _ in levels]
    for chips, lv in zip(part_chips, part_levels, strict=True):
        for c, v in zip(chips, lv, strict=True):
            chosen[c] = list(v)
    out = (np.array([Fraction(0)] * layout.size(player), dtype=object) if exact
           else np.zeros(layout.size(player)))
    out[_indices(chosen, levels)] = prob.ravel()
    return out


def combinations(counts: Sequence[int], limit: int) -> list[tuple[int, ...]]:
    """Index tuples of the product of ranges ``counts``, at most ``limit`` of them."""
    return list(itertools.islice(itertools.product(*(range(c) for c in counts)), limit))
