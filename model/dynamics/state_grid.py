"""A payoff file's dynamic game: the state grid of its ``dynamics`` section, the stage games
at every state, and where each profile leads.

The state is the values of the parameters the ``dynamics`` rules move (dependence,
substitution progress...). ``dynamics.grid`` spreads points evenly over each one's range; the
states are every combination of points. In each state the stage game is the file's payoff
formulas at that state's values (the other parameters at the setting's values). A profile
played moves each state parameter by the rules that apply to it, as ``leverage simulate``
moves it (every rule's change computed from the state's values, summed, the result kept
inside the range). The new values rarely lie on the grid: they count as the lottery over the
2^d grid points around them whose expected values are exactly the new values (multilinear
interpolation), so that a slow drift (half a year of substitution a year on a grid a year
apart) moves the state in expectation instead of rounding to no move at all.

Everything is built in vectorised form over states and profiles; the sizes are checked
against :data:`~model.limits.MAX_STATES` and :data:`~model.limits.MAX_TRANSITIONS` before
anything is allocated.

>>> import model
>>> g = model.load("payoffs/baseline.yaml")
>>> built = build(g, model.Setting(), grid={"years_cn_eda_substitution": 3,
...     "eda_us_share": 2, "years_us_magnet_substitution": 3, "us_re_dependence": 2})
>>> built.grid.size, built.game.A.shape, round(built.game.discount, 3)
(36, (36, 12, 12), 0.9)
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from model.errors import UsageError, did_you_mean
from model.game import Game
from model.limits import MAX_STATES, MAX_TRANSITIONS
from model.negotiation.stochastic import StochasticGame
from model.rules import RuleValueError
from model.setting import Setting


@dataclass(frozen=True, eq=False)
class StateGrid:
    """Points over each state parameter's range; the states are their combinations, the
    last parameter varying fastest."""

    names: tuple[str, ...]
    points: tuple[np.ndarray, ...]

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(len(p) for p in self.points)

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    def values(self) -> dict[str, np.ndarray]:
        """Each state parameter's value in every state, arrays of length :attr:`size`."""
        mesh = np.meshgrid(*self.points, indexing="ij")
        return {name: m.ravel() for name, m in zip(self.names, mesh, strict=True)}

    def locate(self, values: Mapping[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        """The lottery over grid states whose expected values are ``values`` (arrays of the
        same length N, inside the grid): state indices and weights, both (N, 2^d)."""
        N = len(np.asarray(values[self.names[0]]))
        lower, frac, strides = [], [], []
        stride = 1
        for name, pts in reversed(list(zip(self.names, self.points, strict=True))):
            v = np.asarray(values[name], dtype=float)
            pos = (v - pts[0]) / (pts[-1] - pts[0]) * (len(pts) - 1)
            i0 = np.clip(np.floor(pos), 0, len(pts) - 2).astype(np.int64)
            lower.append(i0)
            frac.append(np.clip(pos - i0, 0.0, 1.0))
            strides.append(stride)
            stride *= len(pts)
        d = len(self.names)
        idx = np.zeros((N, 2 ** d), dtype=np.int64)
        w = np.ones((N, 2 ** d))
        for corner in range(2 ** d):
            for k in range(d):
                up = (corner >> k) & 1
                idx[:, corner] += (lower[k] + up) * strides[k]
                w[:, corner] *= frac[k] if up else 1.0 - frac[k]
        return idx, w


@dataclass(frozen=True, eq=False)
class BuiltGame:
    """The dynamic game of a payoff file at a setting: the grid, the stochastic game, the
    starting lottery over states (``start``: indices and weights), each state parameter's
    starting value, and the parameters whose moves the range clipped somewhere."""

    source: Game
    setting: Setting
    grid: StateGrid
    game: StochasticGame
    start: tuple[np.ndarray, np.ndarray]
    start_values: dict[str, float]
    values: dict[str, float]

    def start_distribution(self) -> np.ndarray:
        """The starting lottery as probabilities over all states, (S,)."""
        dist = np.zeros(self.game.states)
        np.add.at(dist, self.start[0], self.start[1])
        return dist


def grid_spec(game: Game, grid: Mapping[str, int] | None) -> dict[str, int]:
    """The points per state parameter: the file's ``dynamics.grid`` with ``grid`` on top,
    checked (UsageError naming what is wrong)."""
    dyn = game.dynamics
    if dyn is None:
        raise UsageError(f"{game.path}: the file has no dynamics section: nothing moves "
                         "from period to period, so there is no dynamic game")
    spec = {**dict(dyn.grid), **dict(grid or {})}
    moved = dyn.parameters
    for name, points in (grid or {}).items():
        if name not in moved:
            raise UsageError(f"--grid {name}: not a parameter the dynamics rules move"
                             f"{did_you_mean(name, list(moved))} (they move "
                             f"{', '.join(moved)})")
        if isinstance(points, bool) or not isinstance(points, (int, np.integer)) or points < 2:
            raise UsageError(f"--grid {name}: the number of points must be a whole number "
                             f">= 2, got {points!r}")
    missing = [p for p in moved if p not in spec]
    if missing:
        raise UsageError(f"{game.path}: no grid points for {', '.join(missing)}: give them "
                         "in the file's dynamics.grid or with --grid NAME=POINTS")
    size = math.prod(spec.values())
    if size > MAX_STATES:
        raise UsageError(f"the grid has {size:,} states, more than the {MAX_STATES:,} allowed: "
                         "give fewer points")
    m, n = game.shape
    entries = size * m * n * 2 ** len(moved)
    if entries > MAX_TRANSITIONS:
        raise UsageError(f"the grid's transition table would have {entries:,} entries "
                         f"({size:,} states x {m * n} profiles x {2 ** len(moved)} next states), "
                         f"more than the {MAX_TRANSITIONS:,} allowed: "
                         + ("give fewer points" if size > 2 ** len(moved) else
                            "even the smallest grid is too large for a game of this many "
                            "profiles; leave chips out (exclude levels) to make it smaller"))
    return {p: int(spec[p]) for p in moved}


def _next_values(game: Game, env: Mapping[str, np.ndarray], S: int) -> dict[str, np.ndarray]:
    """Each state parameter's value after each profile in each state, (S, m, n), clipped
    to its range (the rules' changes from the state's own values, summed)."""
    assert game.dynamics is not None
    m, n = game.shape
    out = {p: np.repeat(np.asarray(env[p], dtype=float)[:, None, None], m * n).reshape(S, m, n)
           for p in game.dynamics.parameters}
    for rule in game.dynamics.rules:
        current = np.asarray(env[rule.parameter], dtype=float)
        if rule.change is not None:
            delta = np.broadcast_to(rule.change.evaluate(env), (S,)).astype(float)
            where = rule.where
        else:
            assert rule.target is not None and rule.rate is not None
            target = np.broadcast_to(rule.target.evaluate(env), (S,))
            rate = np.broadcast_to(rule.rate.evaluate(env), (S,))
            if not np.all((rate >= 0) & (rate <= 1)):
                bad = int(np.flatnonzero(~((rate >= 0) & (rate <= 1)))[0])
                raise RuleValueError(rule.rate_where, f"the rate must be between 0 and 1, "
                                     f"got {float(rate[bad]):g} in a state of the grid")
            delta, where = rate * (target - current), rule.where
        if not np.all(np.isfinite(delta)):
            raise RuleValueError(where, f"the change of '{rule.parameter}' is not finite in "
                                 "a state of the grid")
        out[rule.parameter] += delta[:, None, None] * rule.mask[None]
    for p, arr in out.items():
        info = game.parameters[p]
        np.clip(arr, info.low, info.high, out=arr)
    return out


def _discount(game: Game, env: Mapping[str, np.ndarray], S: int) -> float:
    dyn = game.dynamics
    assert dyn is not None
    if dyn.discount is None:
        return 1.0
    d = np.broadcast_to(dyn.discount.evaluate(env), (S,))
    if not np.all(np.isfinite(d) & (d > 0) & (d <= 1)):
        raise RuleValueError(dyn.discount_where, "the discount factor must be in (0, 1] in "
                             "every state of the grid")
    if float(d.max() - d.min()) > 1e-12 * max(1.0, float(np.abs(d).max())):
        raise RuleValueError(dyn.discount_where, "the discount factor changes from state to "
                             "state; the dynamic game needs one discount factor")
    return float(d[0])


def build(game: Game, setting: Setting, *, grid: Mapping[str, int] | None = None,
          discount: float | None = None) -> BuiltGame:
    """The dynamic game of ``game`` at ``setting`` on its state grid (see the module's
    description); ``grid`` adds or changes points per parameter, ``discount`` replaces the
    file's ``dynamics.discount``."""
    spec = grid_spec(game, grid)
    values = game.resolve(dict(setting.params), setting.scenario)
    names = tuple(spec)
    for p in names:
        info = game.parameters[p]
        if info.low is None or info.high is None or not info.low < info.high:
            raise UsageError(f"'{p}' has no range to spread grid points over")
    grid_ = StateGrid(names, tuple(np.linspace(game.parameters[p].low, game.parameters[p].high,
                                               spec[p]) for p in names))
    S = grid_.size
    state_values = grid_.values()
    env = game.environment({**values, **state_values}, S)
    batch: dict[str, Any] = {**values, **state_values}
    A, B = game.matrices_batch(batch, setting.scenario)
    nxt = _next_values(game, env, S)
    d = discount if discount is not None else _discount(game, env, S)
    m, n = game.shape
    idx, w = grid_.locate({p: v.ravel() for p, v in nxt.items()})
    K = idx.shape[1]
    T = sp.csr_matrix((w.ravel(), idx.ravel(), np.arange(0, S * m * n * K + 1, K)),
                      shape=(S * m * n, S))
    del idx, w, nxt
    start_values = {p: float(np.clip(values[p], game.parameters[p].low,
                                     game.parameters[p].high)) for p in names}
    si, sw = grid_.locate({p: np.array([v]) for p, v in start_values.items()})
    sg = StochasticGame(A, B, None, d, T)
    return BuiltGame(game, setting, grid_, sg, (si[0], sw[0]), start_values, dict(values))
