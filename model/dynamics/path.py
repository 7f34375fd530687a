"""A simulated path: what each period played and paid, and the path as text, JSON and a tidy
table."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np

from model.dynamics.policy import Force
from model.game import Game

if TYPE_CHECKING:
    import pandas as pd

#: Selection rules for picking one equilibrium when a period's game has several.
SELECTIONS: Mapping[str, str] = MappingProxyType(
    {
        "pareto": "the equilibrium with the highest sum of the two players' expected payoffs",
        "row-best": "the equilibrium best for the row player (then for the column player)",
        "col-best": "the equilibrium best for the column player (then for the row player)",
        "status-quo-nearest": "the equilibrium that changes the fewest chips from the status quo "
        "(expected number of chips for a mixed equilibrium)",
        "inertia": "the equilibrium that changes the fewest chips from the previous period's play "
        "(from the status quo in the first period, if the file names one)",
        "first": "the first equilibrium the solver lists (pure ones first)",
    }
)


# ----------------------------------------------------------------------------- results
@dataclass(frozen=True)
class PeriodResult:
    """One period of a simulation. ``parameters`` are the values in force during the period
    (before this period's change); ``strategies`` the selected equilibrium (full-length
    probability vectors); ``payoffs`` its expected payoffs; ``weight`` the discount weight of
    this period in ``cumulative``, the running discounted sum; ``clipped`` the parameters the
    update after this period had to clip to their range."""

    period: int
    parameters: Mapping[str, float]
    strategies: tuple[tuple[float, ...], tuple[float, ...]]
    actions: tuple[str, str]
    pure: bool
    payoffs: tuple[float, float]
    outcome: str | None
    outcome_probabilities: Mapping[str, float]
    weight: float
    cumulative: tuple[float, float]
    equilibria: int
    forced: tuple[str, ...] = ()
    clipped: tuple[str, ...] = ()
    #: whether ``equilibria`` counts every equilibrium of the period's game (else the selection
    #: was made among those a search found), and what the solver guarantees
    complete: bool = True
    guarantee: str = ""


@dataclass(frozen=True)
class SimulationResult:
    """A simulated path: one :class:`PeriodResult` per period, with what produced it.

    ``tracked`` are the parameters the dynamics move; ``period_unit`` is how long a period is
    (``1 year``; empty without dynamics); ``notes`` say, in words, every clipping.
    """

    game: Game
    scenario: str | None
    overrides: Mapping[str, float]
    selection: str
    policy: tuple[Force, ...]
    periods: tuple[PeriodResult, ...]
    tracked: tuple[str, ...]
    period_unit: str
    notes: tuple[str, ...] = field(default=())
    discount: str = "1 (no discounting)"
    #: Where the result comes from (:func:`model.provenance.record`; filled by the front door).
    provenance: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def to_frame(self) -> pd.DataFrame:
        """The path as a tidy table: a row per period and player, with the tracked
        parameters' values, the player's expected payoff and running discounted sum, and the
        period's outcome (None for a mix of outcomes)."""
        import pandas as pd

        rows = []
        for r in self.periods:
            for p, name in enumerate(self.game.player_names):
                row: dict[str, Any] = {"period": r.period, "player": name}
                row.update({k: float(r.parameters[k]) for k in self.tracked})
                row.update({"action": r.actions[p], "payoff": r.payoffs[p],
                            "cumulative": r.cumulative[p], "outcome": r.outcome,
                            "forced": bool(r.forced), "equilibria": r.equilibria})
                rows.append(row)
        return pd.DataFrame(rows)

    @property
    def cumulative(self) -> tuple[float, float]:
        """Each player's discounted payoff summed over all periods."""
        return self.periods[-1].cumulative

    def header(self) -> list[str]:
        names = self.game.player_names
        return [
            "period",
            *self.tracked,
            names[0],
            names[1],
            f"{names[0]} payoff",
            f"{names[1]} payoff",
            "outcome",
            f"{names[0]} cumulative",
            f"{names[1]} cumulative",
        ]

    @property
    def payoff_unit(self) -> str:
        d = self.game.dynamics
        return d.payoff_unit if d is not None else ""

    def rows(self, compact: bool = False) -> list[list[str]]:
        """The path as text cells (for tables): a forced period is marked ``*``, a parameter
        value that the next update clipped ``!``. ``compact`` shows an action by its levels
        alone (``banned/licensed``) instead of ``chip=level`` pairs."""
        labels = self.game.actions
        if compact:
            labels = (_compact_labels(self.game, 0), _compact_labels(self.game, 1))
        out = []
        for r in self.periods:
            outcome = (
                r.outcome if r.outcome is not None else _probabilities_text(r.outcome_probabilities)
            )
            x, y = (np.array(s) for s in r.strategies)
            out.append(
                [
                    str(r.period) + ("*" if r.forced else ""),
                    *(
                        f"{r.parameters[p]:.4g}" + ("!" if p in r.clipped else "")
                        for p in self.tracked
                    ),
                    _strategy_text(x, labels[0]),
                    _strategy_text(y, labels[1]),
                    f"{r.payoffs[0]:.2f}",
                    f"{r.payoffs[1]:.2f}",
                    outcome,
                    f"{r.cumulative[0]:.2f}",
                    f"{r.cumulative[1]:.2f}",
                ]
            )
        return out

    def to_json(self) -> dict[str, Any]:
        """The path as JSON (``leverage simulate --json``; with ``provenance`` when the front
        door made the result)."""
        g = self.game
        out = {
            "file": str(g.path),
            "sha256": g.sha256,
            "scenario": self.scenario,
            "overrides": {k: float(v) for k, v in self.overrides.items()},
            "selection": self.selection,
            "selection_rule": SELECTIONS[self.selection],
            "players": list(g.player_names),
            "period_unit": self.period_unit,
            "discount": self.discount,
            "policy": [
                {
                    "player": g.player_names[f.player],
                    "forced": f.text,
                    "first": f.first,
                    "last": f.last,
                }
                for f in self.policy
            ],
            "tracked": list(self.tracked),
            "cumulative": list(self.cumulative),
            "notes": list(self.notes),
            "periods": [
                {
                    "period": r.period,
                    "parameters": {k: float(r.parameters[k]) for k in self.tracked},
                    "actions": list(r.actions),
                    "strategies": [list(r.strategies[0]), list(r.strategies[1])],
                    "pure": r.pure,
                    "payoffs": list(r.payoffs),
                    "outcome": r.outcome,
                    "outcome_probabilities": dict(r.outcome_probabilities),
                    "weight": r.weight,
                    "cumulative": list(r.cumulative),
                    "equilibria": r.equilibria,
                    "complete": r.complete,
                    "guarantee": r.guarantee,
                    "forced": list(r.forced),
                    "clipped": list(r.clipped),
                }
                for r in self.periods
            ],
        }
        if self.provenance:
            out["provenance"] = dict(self.provenance)
        return out

    def to_csv(self) -> str:
        names = self.game.player_names
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(
            [
                "period",
                *self.tracked,
                f"{names[0]}_action",
                f"{names[1]}_action",
                f"{names[0]}_payoff",
                f"{names[1]}_payoff",
                "outcome",
                f"{names[0]}_cumulative",
                f"{names[1]}_cumulative",
                "weight",
                "forced",
                "clipped",
            ]
        )
        for r in self.periods:
            outcome = (
                r.outcome if r.outcome is not None else _probabilities_text(r.outcome_probabilities)
            )
            w.writerow(
                [
                    r.period,
                    *(repr(float(r.parameters[p])) for p in self.tracked),
                    r.actions[0],
                    r.actions[1],
                    repr(r.payoffs[0]),
                    repr(r.payoffs[1]),
                    outcome,
                    repr(r.cumulative[0]),
                    repr(r.cumulative[1]),
                    repr(r.weight),
                    "; ".join(r.forced),
                    "; ".join(r.clipped),
                ]
            )
        return buf.getvalue()


def _compact_labels(game: Game, player: int) -> tuple[str, ...]:
    info = game.players[player]
    return tuple(
        "/".join(c.levels[lv] for c, lv in zip(info.chips, a, strict=True)) for a in info.actions
    )


def _probabilities_text(probs: Mapping[str, float]) -> str:
    return ", ".join(f"{k} {v:.2f}" for k, v in sorted(probs.items(), key=lambda kv: -kv[1]))


def _strategy_text(p: np.ndarray, labels: Sequence[str]) -> str:
    support = np.flatnonzero(p > 0)
    if len(support) == 1:
        return labels[int(support[0])]
    return " + ".join(f"{p[k]:.2f} {labels[int(k)]}" for k in support)
