"""One solved game at one parameter point: the payoff file, the settings, the matrices and the
solver's verified result, bundled so that reports and scripts can trace every number back."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from model.game import Game
from model.limits import call_with_timeout
from model.payoffs.formula import InexactError
from model.solvers._common import grid_exponent, snap_grid
from model.solvers.equilibria import solve
from model.solvers.results import LEMKE_METHOD, SolveResult
from model.solvers.structured import STRUCTURE_FIRST

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class NamedEquilibrium:
    """An equilibrium with the name of its outcome (the one all profiles of its support share;
    None when they do not share one, or the file names no outcomes)."""

    strategies: tuple[np.ndarray, np.ndarray]
    payoffs: tuple[float, float]
    outcome: str | None


@dataclass(frozen=True)
class Analysis:
    game: Game
    scenario: str | None
    parameters: Mapping[str, float]
    overrides: Mapping[str, float]
    A: np.ndarray
    B: np.ndarray
    result: SolveResult
    exact: bool = False
    #: Why the exact engine worked on payoffs rounded to a grid ("" when it had the payoffs
    #: exactly as written, or was not used).
    rounded_because: str = ""
    #: Where the result comes from (:func:`model.provenance.record`; filled by the front door).
    provenance: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def payoff_arithmetic(self) -> str:
        """How the solver took the payoffs: "exact" (as written, in rational arithmetic),
        "rounded" (to the grid of :meth:`grid`, then exactly) or "float" (Lemke-Howson)."""
        if self.result.method == LEMKE_METHOD:
            return "float"
        return "rounded" if self.rounded_because else "exact"

    def grid(self) -> tuple[str, str] | None:
        """The grid each player's payoffs were rounded to (``"1e-12"``), or None."""
        if self.payoff_arithmetic != "rounded":
            return None
        a, b = (grid_exponent(snap_grid(M, self.result.tol)) for M in (self.A, self.B))
        return (f"1e{a}", f"1e{b}")

    def outcome(self, x: np.ndarray, y: np.ndarray) -> str | None:
        """The named outcome of a strategy pair: the one all profiles in its support share."""
        names = {
            self.game.outcome_of(int(i), int(j))
            for i in np.flatnonzero(x > 0)
            for j in np.flatnonzero(y > 0)
        }
        return names.pop() if len(names) == 1 else None

    @property
    def equilibria(self) -> tuple[NamedEquilibrium, ...]:
        """The verified equilibria, each with its outcome name."""
        return tuple(NamedEquilibrium((e.strategies[0], e.strategies[1]),
                                      (float(e.payoffs[0]), float(e.payoffs[1])),
                                      self.outcome(e.strategies[0], e.strategies[1]))
                     for e in self.result.equilibria)

    @property
    def complete(self) -> bool:
        """Whether :attr:`equilibria` is every equilibrium of the game (an exhaustive search)."""
        return self.result.lists_all

    def to_json(self) -> dict[str, Any]:
        """The stable JSON contract of ``leverage solve --json`` (with ``provenance`` when the
        front door made the result)."""
        g, r = self.game, self.result
        rows, cols = g.actions
        out = {
            "file": str(g.path),
            "title": g.title,
            "sha256": g.sha256,
            "scenario": self.scenario,
            "parameters": {k: float(v) for k, v in self.parameters.items()},
            "overrides": {k: float(v) for k, v in self.overrides.items()},
            "players": list(g.player_names),
            "actions": [list(rows), list(cols)],
            "payoffs": {"row": self.A.tolist(), "col": self.B.tolist()},
            "degenerate": (None if r.degeneracy_reason.startswith("not examined")
                           else bool(r.degenerate)),
            "degeneracy_reason": r.degeneracy_reason,
            "solver": self._solver_json(),
            "complete": bool(r.complete),
            "guarantee": r.guarantee,
            "structure": self._structure_json(),
            "equilibria": self._equilibria_json(),
            "components": [list(map(int, c)) for c in r.components],
            "pure_equilibria": [[int(i), int(j)] for i, j in r.pure],
            "dominance": self._dominance_json(),
            "surviving": [list(map(int, r.dominance.rows)), list(map(int, r.dominance.cols))],
            "pareto": self._pareto_json(),
        }
        if self.provenance:
            out["provenance"] = dict(self.provenance)
        return out

    def to_frame(self) -> pd.DataFrame:
        """The equilibria as a tidy table: a row per equilibrium, player and action played
        with positive probability (``equilibrium`` counts from 1), with the probability, the
        player's payoff and the equilibrium's outcome, numbers as numbers."""
        import pandas as pd

        rows: list[dict[str, Any]] = []
        names = self.game.player_names
        for k, e in enumerate(self.equilibria, start=1):
            for p in (0, 1):
                s = e.strategies[p]
                for a in np.flatnonzero(s > 0):
                    rows.append({"equilibrium": k, "player": names[p], "action": int(a),
                                 "label": self.game.actions[p][a],
                                 "probability": float(s[a]), "payoff": e.payoffs[p],
                                 "outcome": e.outcome})
        columns = ["equilibrium", "player", "action", "label", "probability", "payoff",
                   "outcome"]
        return pd.DataFrame(rows, columns=columns)

    def _solver_json(self) -> dict[str, Any]:
        """How the game was solved: method, tolerance, arithmetic, grid."""
        r = self.result
        return {
            "method": r.method,
            "tol": r.tol,
            "exact": bool(r.exact),
            "payoffs": self.payoff_arithmetic,
            "grid": None if (grid := self.grid()) is None else list(grid),
            "rounded_because": self.rounded_because or None,
        }

    def _equilibria_json(self) -> list[dict[str, Any]]:
        """Every verified equilibrium with its support, outcome and regret (and its exact
        strategies when the exact engine had the payoffs as written)."""
        g = self.game
        out = []
        for e in self.result.equilibria:
            x, y = e.strategies
            out.append({
                "strategies": [_floats(x), _floats(y)],
                "payoffs": [float(e.payoffs[0]), float(e.payoffs[1])],
                "support": [list(map(int, e.support[0])), list(map(int, e.support[1]))],
                "pure": bool(e.pure),
                "outcome": self.outcome(x, y),
                "outcome_probabilities": g.outcome_probabilities(x, y),
                "regret": [float(e.regret[0]), float(e.regret[1])],
            })
            if self.exact and e.exact_strategies is not None and e.exact_payoffs is not None:
                out[-1]["exact"] = {
                    "strategies": [[str(p) for p in s] for s in e.exact_strategies],
                    "payoffs": [str(p) for p in e.exact_payoffs],
                }
        return out

    def _dominance_json(self) -> list[dict[str, Any]]:
        """The steps of iterated dominance, each with what dominated the action."""
        g = self.game

        def label(player: int, index: int) -> str:
            return g.actions[player][index]

        return [
            {
                "step": k + 1,
                "player": g.player_names[s.player],
                "action": int(s.action),
                "label": label(s.player, s.action),
                "kind": s.kind,
                "dominated_by": [
                    {"action": int(a), "label": label(s.player, a), "probability": float(p)}
                    for a, p in s.dominated_by.items()
                ],
                "margin": float(s.margin),
            }
            for k, s in enumerate(self.result.dominance.steps)
        ]

    def _pareto_json(self) -> list[dict[str, Any]]:
        """The Pareto-optimal pure profiles with their payoffs and outcomes."""
        rows, cols = self.game.actions
        return [
            {
                "profile": [int(i), int(j)],
                "actions": [rows[i], cols[j]],
                "payoffs": [float(self.A[i, j]), float(self.B[i, j])],
                "outcome": self.game.outcome_of(i, j),
            }
            for i, j in self.result.pareto
        ]

    def _structure_json(self) -> dict[str, Any] | None:
        """What made the game small: chip levels removed, the parts of a separable game."""
        st = self.result.structure
        layout = self.game.chip_layout
        if st is None:
            return None
        red = st.reduction
        names = self.game.player_names
        chip_steps = []
        for c in red.chip_steps:
            chip = layout.names[c.player][c.chip] if layout else str(c.chip)
            chip_steps.append({
                "player": names[c.player], "chip": chip,
                "level": layout.level_label(c.player, c.chip, c.level) if layout else c.level,
                "dominated_by": layout.level_label(c.player, c.chip, c.by) if layout else c.by,
                "margin": float(c.margin), "actions_removed": int(c.removed),
            })
        parts = []
        for k, part in enumerate(red.parts if red.separable else ()):
            parts.append({
                "chips": [[layout.names[q][c] for c in part.chips[q]] if layout else
                          list(part.chips[q]) for q in (0, 1)],
                "shape": list(part.shape),
                "dominated_actions": len(st.part_steps[k]),
                "left": [len(st.part_kept[k][0]), len(st.part_kept[k][1])],
                "equilibria": int(st.part_counts[k]),
            })
        return {"chip_dominance": chip_steps, "after_chip_dominance": [len(red.rows),
                                                                        len(red.cols)],
                "separable": red.separable, "parts": parts,
                "combinations": int(st.combinations) if red.separable else None,
                "left": None if red.separable else [len(red.kept[0]), len(red.kept[1])]}


#: Why a game solved structure first had its payoffs rounded to the grid: the reduction and
#: the parts work on float payoffs (the equilibria are still verified on the full game).
STRUCTURED_ROUNDS = ("the {m} x {n} game was solved structure first, on its payoffs rounded "
                     "to the grid")


def _floats(v: np.ndarray) -> list[float]:
    return [float(a) for a in v]


def analyse(
    game: Game,
    params: Mapping[str, float] | None = None,
    scenario: str | None = None,
    *,
    tol: float = 1e-9,
    method: str | None = None,
    exact: bool = False,
    timeout: float | None = None,
) -> Analysis:
    """Build the matrices at a parameter point and solve the game (every equilibrium verified).

    With ``exact`` (or the method "exact"), the exact engine gets the payoffs in rational
    arithmetic (:meth:`~model.game.Game.exact_matrices`) when every payoff has an exact value,
    and else the float payoffs rounded to a grid (``Analysis.rounded_because`` says why).
    ``timeout`` (seconds) stops the solve cleanly with :class:`~model.limits.SolveTimeout`.
    """
    values = game.resolve(params, scenario)
    A, B = game.matrices(values)
    kwargs: dict[str, Any] = {"tol": tol}
    if method is not None:
        kwargs["method"] = method
    if exact:
        kwargs["exact"] = True
    if method != "lemke_howson":
        kwargs["chips"] = game.chip_layout
        if timeout is not None:  # the search stops in time to report what it found
            kwargs["budget"] = max(0.5 * timeout, min(timeout - 3.0, 0.75 * timeout))
    rounded_because = "the exact engine was not asked for (--exact)"
    m, n = game.shape
    if (exact or method in ("exact", "enumeration")) and (
            m * n <= STRUCTURE_FIRST or game.fixed is not None):
        try:
            kwargs["exact_payoffs"] = game.exact_matrices(values)
            rounded_because = ""
        except InexactError as exc:
            rounded_because = exc.message
    elif exact or method in ("exact", "enumeration"):
        rounded_because = STRUCTURED_ROUNDS.format(m=m, n=n)
    result = call_with_timeout(solve, A, B, timeout=timeout, **kwargs)
    if result.structure is not None and not rounded_because:
        rounded_because = STRUCTURED_ROUNDS.format(m=m, n=n)
    return Analysis(game, scenario, values, dict(params or {}), A, B, result, exact,
                    rounded_because)
