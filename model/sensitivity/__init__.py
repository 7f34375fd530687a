"""How the equilibria move as the leverage parameters move: sweeps over grids, tipping
points, two-parameter maps and Monte Carlo robustness, on one chunked engine.

The functions here return pandas DataFrames or frozen results that carry their provenance
(the payoff file's hash, scenario, solver and tolerance, seed). Names are imported on first
use, so that worker processes, which need only the engine, stay small.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from model.sensitivity.engine import Setting, run
    from model.sensitivity.grid import Axis, Grid, make_axis, parse_vary
    from model.sensitivity.indices import Tornado, sobol_indices, tornado
    from model.sensitivity.maps import OutcomeMap, outcome_map
    from model.sensitivity.montecarlo import RobustnessResult, robustness, wilson
    from model.sensitivity.points import PointSolutions, solve_matrices
    from model.sensitivity.sweeps import solve_source, sweep
    from model.sensitivity.tipping import TippingResult, tipping_points

_WHERE = {
    "Setting": "engine", "run": "engine",
    "Axis": "grid", "Grid": "grid", "make_axis": "grid", "parse_vary": "grid",
    "OutcomeMap": "maps", "outcome_map": "maps",
    "PointSolutions": "points", "solve_matrices": "points",
    "RobustnessResult": "montecarlo", "Tornado": "indices", "robustness": "montecarlo",
    "sobol_indices": "indices", "tornado": "indices",
    "wilson": "montecarlo",
    "solve_source": "sweeps", "sweep": "sweeps",
    "TippingResult": "tipping", "tipping_points": "tipping",
}

__all__ = [
    "Axis",
    "Grid",
    "OutcomeMap",
    "PointSolutions",
    "RobustnessResult",
    "Setting",
    "TippingResult",
    "Tornado",
    "make_axis",
    "outcome_map",
    "parse_vary",
    "robustness",
    "run",
    "sobol_indices",
    "solve_matrices",
    "solve_source",
    "sweep",
    "tipping_points",
    "tornado",
    "wilson",
]


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_WHERE))
