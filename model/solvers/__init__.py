"""Solvers for bimatrix games, one module per algorithm, each a function over numpy arrays.

The public functions check their input and raise :class:`SolverError` (a ValueError) on bad
input; :func:`model.solve.solve` combines them.
"""

from ._common import SolverError, snap_to_rationals
from .degeneracy import degeneracy
from .dominance import DominanceResult, DominanceStep, iterated_dominance
from .enumeration import EnumerationResult, enumerate_equilibria
from .pareto import pareto_optimal_profiles
from .pure import best_replies, pure_equilibria, pure_equilibria_batch
from .verify import is_equilibrium, regrets

__all__ = [
    "DominanceResult",
    "DominanceStep",
    "EnumerationResult",
    "SolverError",
    "best_replies",
    "degeneracy",
    "enumerate_equilibria",
    "is_equilibrium",
    "iterated_dominance",
    "pareto_optimal_profiles",
    "pure_equilibria",
    "pure_equilibria_batch",
    "regrets",
    "snap_to_rationals",
]
