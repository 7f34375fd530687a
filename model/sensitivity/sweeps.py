"""Sweeps: every equilibrium at every point of a grid of parameter values.

>>> import model
>>> from model.sensitivity import sweep
>>> game = model.load("payoffs/textbook/hawk_dove.yaml")  # hawk-dove: V against C = 4
>>> df = sweep(game, {"V": [2.0, 6.0]}, workers=1)
>>> print(df[["V", "n_equilibria", "outcomes"]].to_string(index=False))
  V  n_equilibria                outcomes
2.0             3 one_takes_all + (mixed)
6.0             1                   fight
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from model._version import __version__
from model.game import Game
from model.io import plain
from model.sensitivity import budget, table
from model.sensitivity.checkpoint import Checkpoint
from model.sensitivity.engine import PointSource, Setting, run
from model.sensitivity.grid import Axis, grid_from
from model.sensitivity.points import MARGIN, MAX_PAIRS, PointSolutions

SOLVER = (
    "iterated strict dominance, then support enumeration with margins (compiled); points "
    "with a near-tie or a large remaining game by model.solve_batch (exact where degenerate); "
    "every equilibrium verified by regret"
)


def provenance(game: Game, source: PointSource, setting: Setting, *,
               seed: int | None = None, **extra: Any) -> dict[str, Any]:
    """Where a table of results comes from."""
    out: dict[str, Any] = {
        "file": str(game.path),
        "sha256": game.sha256,
        "scenario": setting.scenario,
        "set": dict(setting.params),
        "solver": SOLVER,
        "tol": setting.tol,
        "dominance_margin": MARGIN,
        "max_support_pairs": MAX_PAIRS,
        "seed": seed,
        "points": source.size,
        "design": source.spec(),
        "leverage": __version__,
    }
    out.update(extra)
    return out


def solve_source(game: Game, source: PointSource, setting: Setting,
                 **options: Any) -> PointSolutions:
    """The solutions at every point of ``source``, in point order, held in memory (for sizes
    that fit; use :func:`model.report.sweep_file.sweep_to_file` beyond)."""
    parts: dict[int, PointSolutions] = {}
    store = options.get("checkpoint")
    starts = run(game, source, setting, on_chunk=parts.__setitem__, **options)
    if store is not None:
        ck = Checkpoint(store)
        for s in starts:
            if s not in parts:
                parts[s] = ck.load(s)
        ck.remove()
    return PointSolutions.concat([parts[s] for s in starts])


@dataclass(frozen=True, eq=False)
class SweepResult:
    """Every equilibrium at every point of a grid, with its provenance. :meth:`to_frame` is
    the tidy table (a row per point, equilibrium, player and action), :meth:`wide` the table
    ``leverage sweep`` writes (a row per point)."""

    game: Game
    points: Mapping[str, np.ndarray]
    solutions: PointSolutions
    provenance: Mapping[str, Any]

    def __len__(self) -> int:
        return len(self.solutions)

    def to_frame(self) -> pd.DataFrame:
        """A row per point, equilibrium, player and action played (:func:`.table.tidy_frame`)."""
        df = table.tidy_frame(self.game, self.points, self.solutions)
        df.attrs["provenance"] = dict(self.provenance)
        return df

    def wide(self) -> pd.DataFrame:
        """A row per point, the equilibria side by side (:func:`.table.frame`)."""
        df = table.frame(self.game, self.points, self.solutions)
        df.attrs["provenance"] = dict(self.provenance)
        return df

    def to_json(self) -> dict[str, Any]:
        """The points, each with its equilibria, and the provenance."""
        wide = table.frame(self.game, self.points, self.solutions)
        keep = [*self.points, "n_equilibria", "continuum", "outcomes", "complete", "method"]
        rows = wide[keep].astype(object).where(wide[keep].notna(), None)
        pts = rows.to_dict(orient="records")
        for k, row in enumerate(pts):
            row["equilibria"] = [
                {"strategies": [x.tolist(), y.tolist()], "payoffs": list(u)}
                for x, y, u in self.solutions.of(k)]
        return {"points": plain(pts), "provenance": dict(self.provenance)}


def sweep_result(
    game: Game,
    vary: Mapping[str, Any] | Sequence[Axis],
    *,
    scenario: str | None = None,
    params: Mapping[str, float] | None = None,
    tol: float = 1e-9,
    allow_outside: bool = False,
    max_points: int | None = None,
    **options: Any,
) -> SweepResult:
    """Every equilibrium at every point of the grid ``vary`` spans (see :func:`sweep`)."""
    grid = grid_from(game, vary, allow_outside=allow_outside)
    budget.check(grid.size, what="a grid", max_points=max_points,
                 held=(game.shape, len(grid.axes) + 3 + 7 * budget.EQUILIBRIA),
                 hint="; sweep_to_file (leverage sweep) writes to a file chunk by chunk")
    setting = Setting(scenario, dict(params or {}), tol)
    if scenario is not None:
        game.scenario(scenario)
    sol = solve_source(game, grid, setting, **options)
    return SweepResult(game, grid.points(0, grid.size), sol, provenance(game, grid, setting))


def sweep(
    game: Game,
    vary: Mapping[str, Any] | Sequence[Axis],
    *,
    scenario: str | None = None,
    params: Mapping[str, float] | None = None,
    tol: float = 1e-9,
    allow_outside: bool = False,
    max_points: int | None = None,
    **options: Any,
) -> pd.DataFrame:
    """Every equilibrium at every point of the grid ``vary`` spans, as a DataFrame (one row
    per point; see :mod:`.table` for the columns). ``vary`` maps parameter names to
    ``(lo, hi, n)`` or to increasing arrays of values, or is a list of axes. The options of
    :func:`~.engine.run` apply (``workers``, ``engine``, ``scheduler``...). The provenance is
    in ``df.attrs["provenance"]``. Grids beyond ``max_points`` points (default
    :data:`~.budget.MAX_POINTS`) or the memory available are refused (:mod:`.budget`);
    :func:`sweep_result` gives the same as a result with a tidy table."""
    return sweep_result(game, vary, scenario=scenario, params=params, tol=tol,
                        allow_outside=allow_outside, max_points=max_points, **options).wide()
