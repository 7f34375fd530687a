"""Holding a restriction for different lengths: one simulation per length, and what each length
costs and gains each side."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from model.dynamics.policy import Force, force
from model.dynamics.simulate import _TIE, DEFAULT_SELECTION, SimulationResult, simulate
from model.errors import UsageError
from model.game import Game


# ----------------------------------------------------------------------------- comparisons
@dataclass(frozen=True)
class RestrictionComparison:
    """The same forcing held for several lengths: ``runs[k]`` is the simulation with the forced
    actions held in periods 1 to ``lengths[k]`` (0: never), free play afterwards."""

    side: str
    forced: str
    lengths: tuple[int, ...]
    runs: tuple[SimulationResult, ...]

    def cumulative(self) -> dict[int, tuple[float, float]]:
        """Length -> each player's cumulative discounted payoff."""
        return {k: r.cumulative for k, r in zip(self.lengths, self.runs, strict=True)}

    def best_length(self, player: int | None = None) -> int:
        """The length that gives ``player`` (default: the forcing side) the highest cumulative
        payoff; the shortest of equal ones."""
        names = self.runs[0].game.player_names
        p = names.index(self.side) if player is None else player
        best = max(r.cumulative[p] for r in self.runs)
        scale = max(1.0, abs(best))
        return min(
            k
            for k, r in zip(self.lengths, self.runs, strict=True)
            if r.cumulative[p] >= best - _TIE * scale
        )

    def header(self) -> list[str]:
        names = self.runs[0].game.player_names
        return ["length", f"{names[0]} cumulative", f"{names[1]} cumulative", "outcomes"]

    def rows(self) -> list[list[str]]:
        out = []
        for k, r in zip(self.lengths, self.runs, strict=True):
            out.append(
                [str(k), f"{r.cumulative[0]:.2f}", f"{r.cumulative[1]:.2f}", _outcome_runs(r)]
            )
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "side": self.side,
            "forced": self.forced,
            "lengths": list(self.lengths),
            "best_length_for_side": self.best_length(),
            "cumulative": {str(k): list(v) for k, v in self.cumulative().items()},
            "runs": [r.to_json() for r in self.runs],
        }


def _outcome_runs(result: SimulationResult) -> str:
    """``trade_war x3, us_concedes x7``: the outcome path with repeats counted."""
    parts: list[list[Any]] = []
    for r in result.periods:
        name = (
            r.outcome
            if r.outcome is not None
            else ("mixed" if r.outcome_probabilities else "(none)")
        )
        if parts and parts[-1][0] == name:
            parts[-1][1] += 1
        else:
            parts.append([name, 1])
    return ", ".join(f"{name} x{count}" if count > 1 else name for name, count in parts)


def compare_restriction_lengths(
    game: Game,
    side: str | int,
    profile: str | Mapping[str, str],
    lengths: Iterable[int],
    periods: int,
    *,
    scenario: str | None = None,
    params: Mapping[str, float] | None = None,
    selection: str = DEFAULT_SELECTION,
    discount: float | None = None,
) -> RestrictionComparison:
    """Simulate ``periods`` periods with ``side`` held to ``profile`` (as for :func:`force`)
    in periods 1 to L, for each L in ``lengths`` (0: not forced at all), and free play
    afterwards. Compare the runs' cumulative discounted payoffs with
    :meth:`RestrictionComparison.cumulative`."""
    base = force(game, side, profile)
    ls: list[int] = []
    for k in lengths:
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
            raise UsageError(f"restriction lengths must be whole numbers, got {k!r}")
        if not 0 <= k <= periods:
            raise UsageError(f"restriction length {k} is outside 0 to {periods} (the periods)")
        if k not in ls:
            ls.append(int(k))
    if not ls:
        raise UsageError("give at least one restriction length")
    runs = []
    for k in ls:
        policy = [Force(base.player, base.actions, 1, k, base.text)] if k > 0 else []
        runs.append(
            simulate(
                game,
                periods,
                scenario=scenario,
                params=params,
                selection=selection,
                policy=policy,
                discount=discount,
            )
        )
    return RestrictionComparison(game.player_names[base.player], base.text, tuple(ls), tuple(runs))
