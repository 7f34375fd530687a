"""Solvers for bimatrix games, one module per algorithm, each a function over numpy arrays.

The public functions check their input and raise :class:`SolverError` (a ValueError) on bad
input; :func:`model.solvers.equilibria.solve` combines them.
"""

from model.solvers._common import SolverError, snap_to_rationals
from model.solvers.degeneracy import degeneracy
from model.solvers.dominance import DominanceResult, DominanceStep, iterated_dominance
from model.solvers.enumeration import EnumerationResult, enumerate_equilibria
from model.solvers.learning import (
    FictitiousPlayPath,
    ReplicatorPath,
    fictitious_play,
    replicator_dynamics,
)
from model.solvers.lemke_howson import lemke_howson, lemke_howson_all
from model.solvers.pareto import pareto_optimal_profiles
from model.solvers.pure import best_replies, pure_equilibria, pure_equilibria_batch
from model.solvers.qre import QREPath, logit_qre, logit_qre_path
from model.solvers.verify import is_equilibrium, regrets
from model.solvers.zerosum import zero_sum_value

__all__ = [
    "DominanceResult",
    "DominanceStep",
    "EnumerationResult",
    "FictitiousPlayPath",
    "QREPath",
    "ReplicatorPath",
    "SolverError",
    "best_replies",
    "degeneracy",
    "enumerate_equilibria",
    "fictitious_play",
    "is_equilibrium",
    "iterated_dominance",
    "lemke_howson",
    "lemke_howson_all",
    "logit_qre",
    "logit_qre_path",
    "pareto_optimal_profiles",
    "pure_equilibria",
    "pure_equilibria_batch",
    "regrets",
    "replicator_dynamics",
    "snap_to_rationals",
    "zero_sum_value",
]
