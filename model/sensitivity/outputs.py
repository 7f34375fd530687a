"""The outputs a run over many points measures: the probability of an outcome, the number of
equilibria, a player's payoff; their names, values per point and labels."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from model.errors import UsageError, did_you_mean
from model.game import Game
from model.sensitivity.points import PointSolutions
from model.sensitivity.table import column_name, outcome_names, point_outcomes

#: Confidence level of the intervals and its two-sided normal quantile, norm.ppf(0.975).
CONFIDENCE = 0.95


# ---------------------------------------------------------------------------- outputs
def output_names(game: Game) -> list[str]:
    """The scalar outputs of a point: ``P(<outcome>)`` (1 if some equilibrium has that
    outcome, else 0), ``n_equilibria`` and ``<player>_payoff`` (the player's mean payoff over
    the point's equilibria)."""
    return ([f"P({o})" for o in outcome_names(game)] + ["n_equilibria"]
            + [f"{column_name(p)}_payoff" for p in game.player_names])


def check_output(game: Game, name: str) -> str:
    names = output_names(game)
    if name not in names:
        hint = (f"; did you mean 'P({name})'?" if name in outcome_names(game)
                else did_you_mean(name, names))
        raise UsageError(
            f"unknown output '{name}'{hint} (outputs of "
            f"{game.path.name}: {', '.join(names)})"
        )
    return name


def output_values(game: Game, sol: PointSolutions, name: str,
                  bits: np.ndarray | None = None) -> np.ndarray:
    """The output ``name`` at each point of ``sol``."""
    check_output(game, name)
    if name == "n_equilibria":
        return sol.counts.astype(float)
    if name.startswith("P(") and name.endswith(")"):
        k = outcome_names(game).index(name[2:-1])
        if bits is None:
            bits = point_outcomes(game, sol)
        return ((bits >> k) & 1).astype(float)
    players = [column_name(p) for p in game.player_names]
    p = players.index(name[: -len("_payoff")])
    return _mean_payoffs(sol)[:, p]


def _mean_payoffs(sol: PointSolutions) -> np.ndarray:
    total = np.zeros((len(sol), 2))
    np.add.at(total, sol.owner, sol.payoffs)
    with np.errstate(invalid="ignore", divide="ignore"):
        return total / sol.counts[:, None]


def output_label(game: Game, name: str) -> tuple[str, str]:
    """What an output is, in words, and its unit ("" if unknown)."""
    if name == "n_equilibria":
        return "number of equilibria", ""
    if name.startswith("P("):
        return f"{name[2:-1]} is an equilibrium (1 yes, 0 no)", ""
    player = game.player_names[[column_name(p) for p in game.player_names].index(name[:-7])]
    unit = game.dynamics.payoff_unit if game.dynamics is not None else ""
    return f"{player}'s mean payoff over the equilibria", unit


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        return float(obj) if math.isfinite(obj) else None
    return obj


# ---------------------------------------------------------------------------- running
def _check_common(game: Game, samples: Any, scenario: str | None, fixed: Mapping[str, float],
                  tol: float) -> None:
    if isinstance(samples, bool) or not isinstance(samples, (int, np.integer)) or samples < 1:
        raise UsageError(f"the number of samples must be a whole number of at least 1, got "
                         f"{samples!r}")
    if scenario is not None:
        game.scenario(scenario)
    game.resolve(fixed, scenario)  # checks the names and values
    if not 0 < tol < 1:
        raise UsageError(f"tol must be between 0 and 1, got {tol}")
