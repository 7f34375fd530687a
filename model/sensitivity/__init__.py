"""How the equilibria move as the leverage parameters move: sweeps over grids, tipping
points, two-parameter maps and Monte Carlo robustness, on one chunked engine.

The functions here return pandas DataFrames or frozen results that carry their provenance
(the payoff file's hash, scenario, solver and tolerance, seed). ``model.sensitivity.sweep``
is the function; its module is importable as ``model.sensitivity.sweep`` all the same
(``from model.sensitivity.sweep import sweep_to_file``).
"""

from .engine import Setting, run
from .grid import Axis, Grid, make_axis, parse_vary
from .maps import OutcomeMap, map_png, outcome_map, plot_map, write_tables
from .points import PointSolutions, solve_matrices
from .robustness import (
    RobustnessResult,
    Tornado,
    robustness,
    sobol_indices,
    tornado,
    tornado_png,
    wilson,
)
from .sweep import solve_source, sweep, sweep_to_file
from .tipping import TippingResult, tipping_points

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
    "map_png",
    "outcome_map",
    "parse_vary",
    "plot_map",
    "robustness",
    "run",
    "sobol_indices",
    "solve_matrices",
    "solve_source",
    "sweep",
    "sweep_to_file",
    "tipping_points",
    "tornado",
    "tornado_png",
    "wilson",
    "write_tables",
]
