"""The dynamic game of a payoff file solved: the equilibrium and the path it takes.

:func:`solve_dynamic` builds the game on its state grid (:mod:`model.dynamics.state_grid`)
and solves it: a Markov perfect equilibrium of the discounted infinite game, or, with a
``horizon``, the subgame-perfect equilibrium of the game played that many periods (both in
:mod:`model.negotiation.stochastic`). It then follows the equilibrium from the setting's
values: the state is a lottery over grid points, so each period reports the expected value
of each state parameter, the probability of each card's level for each side, the likeliest
profile and each side's expected payoff. Unlike ``leverage simulate``, the sides foresee what
their cards do to the state: each period's play is an equilibrium of the game in which what
follows is valued.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np

from model.dynamics.state_grid import BuiltGame, build
from model.errors import UsageError
from model.game import Game
from model.negotiation.stochastic import (
    MarkovPerfect,
    SubgamePerfect,
    backward_induction,
    markov_perfect,
)
from model.setting import Setting

MAX_PATH = 1000


@dataclass(frozen=True)
class DynamicPeriod:
    """One period of the equilibrium path (expected over the lottery of states)."""

    period: int
    parameters: Mapping[str, float]
    cards: tuple[Mapping[str, Mapping[str, float]], Mapping[str, Mapping[str, float]]]
    profile: str
    profile_probability: float
    outcomes: Mapping[str, float]
    payoffs: tuple[float, float]


@dataclass(frozen=True, eq=False)
class DynamicResult:
    """What :func:`solve_dynamic` found: the kind of equilibrium, the solver's report, the
    values at the start and the path. ``pure_states``: the share of (period and) state games
    with a pure equilibrium, where the play was chosen among all their pure equilibria;
    ``whole_states`` of them had none and were solved whole, ``whole_complete`` whether every
    such list of equilibria was exhaustive."""

    game: Game
    kind: str
    states: int
    grid: Mapping[str, int]
    discount: float
    selection: str
    iterations: int
    converged: bool
    verified: bool
    regret: float
    ending: str
    pure_states: float
    whole_states: int
    whole_complete: bool
    values: tuple[float, float]
    path: tuple[DynamicPeriod, ...]
    provenance: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind, "states": self.states, "grid": dict(self.grid),
            "discount": self.discount, "selection": self.selection,
            "iterations": self.iterations, "converged": self.converged,
            "verified": self.verified, "regret": self.regret, "ending": self.ending,
            "pure_states": self.pure_states, "whole_states": self.whole_states,
            "whole_complete": self.whole_complete, "values": list(self.values),
            "path": [{"period": p.period, "parameters": dict(p.parameters),
                      "cards": [{c: dict(lv) for c, lv in side.items()} for side in p.cards],
                      "profile": p.profile, "profile_probability": p.profile_probability,
                      "outcomes": dict(p.outcomes), "payoffs": list(p.payoffs)}
                     for p in self.path],
            "provenance": dict(self.provenance),
        }

    def to_frame(self) -> Any:
        """A tidy table: one row per period, player and chip level."""
        import pandas as pd

        rows = []
        for p in self.path:
            for k, side in enumerate(p.cards):
                for chip, levels in side.items():
                    for level, prob in levels.items():
                        rows.append({"period": p.period, "player": self.game.player_names[k],
                                     "chip": chip, "level": level, "probability": prob,
                                     "payoff": p.payoffs[k]})
        return pd.DataFrame(rows)


def _cards(game: Game, player: int, marginal: np.ndarray) -> dict[str, dict[str, float]]:
    info = game.players[player]
    acts = np.asarray(info.actions)
    out: dict[str, dict[str, float]] = {}
    for c, chip in enumerate(info.chips):
        out[chip.name] = {lv: float(marginal[acts[:, c] == k].sum())
                          for k, lv in enumerate(chip.levels)}
    return out


def follow(built: BuiltGame, X: np.ndarray, Y: np.ndarray, periods: int) -> list[DynamicPeriod]:
    """The path from the setting's values: ``X``, ``Y`` of shape (T, S, m) and (T, S, n),
    the last used for every period beyond T."""
    sg, game = built.game, built.source
    _, m, n = sg.A.shape
    dist = built.start_distribution()
    grid_values = built.grid.values()
    labels = [game.profile_label(i, j) for i in range(m) for j in range(n)]
    out = []
    for t in range(periods):
        x, y = X[min(t, len(X) - 1)], Y[min(t, len(Y) - 1)]
        joint = np.einsum("s,si,sj->ij", dist, x, y)
        top = int(joint.argmax())
        pay = dist @ sg.stage_values(x, y)
        outcomes = _outcomes(game, joint)
        out.append(DynamicPeriod(
            period=t + 1,
            parameters=MappingProxyType({p: float(dist @ v) for p, v in grid_values.items()}),
            cards=(MappingProxyType(_cards(game, 0, joint.sum(axis=1))),
                   MappingProxyType(_cards(game, 1, joint.sum(axis=0)))),
            profile=labels[top], profile_probability=float(joint.flat[top]),
            outcomes=MappingProxyType(outcomes), payoffs=(float(pay[0]), float(pay[1]))))
        dist = sg.move_matrix(x, y).T @ dist
    return out


def _outcomes(game: Game, joint: np.ndarray) -> dict[str, float]:
    """The probability of each named outcome under the distribution ``joint`` of profiles."""
    m, n = joint.shape
    got: dict[str, float] = {}
    for i in range(m):
        for j in range(n):
            name = game.outcome_of(i, j)
            if name is not None and joint[i, j] > 0:
                got[name] = got.get(name, 0.0) + float(joint[i, j])
    return got


def solve_dynamic(game: Game, setting: Setting, *, horizon: int | None = None,
                  periods: int = 10, grid: Mapping[str, int] | None = None,
                  selection: str = "pareto", discount: float | None = None,
                  tol: float = 1e-9) -> DynamicResult:
    """Solve the dynamic game of ``game`` and follow its equilibrium for ``periods`` periods
    (``horizon`` periods with a horizon); see the module's description."""
    if horizon is not None and (isinstance(horizon, bool) or not isinstance(horizon, int)
                                or not 1 <= horizon <= MAX_PATH):
        raise UsageError(f"the horizon must be a whole number from 1 to {MAX_PATH}, "
                         f"got {horizon!r}")
    if isinstance(periods, bool) or not isinstance(periods, int) or not 1 <= periods <= MAX_PATH:
        raise UsageError(f"periods must be a whole number from 1 to {MAX_PATH}, got {periods!r}")
    built = build(game, setting, grid=grid, discount=discount)
    sg = built.game
    start = built.start_distribution()
    r: MarkovPerfect | SubgamePerfect
    if horizon is None:
        r = markov_perfect(sg, selection=selection, tol=tol)
        X, Y, V0 = r.X[None], r.Y[None], r.values
        kind = "Markov perfect equilibrium of the discounted game without end"
        report = (r.iterations, r.converged, r.verified, r.regret, r.ending, r.pure,
                  r.complete)
        n_periods = periods
    else:
        r = backward_induction(sg, horizon, selection=selection, tol=tol)
        X, Y, V0 = r.X, r.Y, r.values[0]
        kind = f"subgame-perfect equilibrium of the game played {horizon} periods"
        report = (horizon, True, True, 0.0, "backward induction from the last period",
                  r.pure, r.complete)
        n_periods = horizon
    iterations, converged, verified, regret, ending, pure, complete = report
    values = start @ V0
    return DynamicResult(
        game=game, kind=kind, states=sg.states, grid=MappingProxyType(
            {n: len(p) for n, p in zip(built.grid.names, built.grid.points, strict=True)}),
        discount=sg.discount, selection=selection, iterations=int(iterations),
        converged=bool(converged), verified=bool(verified), regret=float(regret),
        ending=str(ending), pure_states=float(np.mean(pure)),
        whole_states=int(np.count_nonzero(~pure)), whole_complete=bool(np.all(complete)),
        values=(float(values[0]), float(values[1])),
        path=tuple(follow(built, X, Y, n_periods)))
