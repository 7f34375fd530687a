"""Bargaining over a game's payoffs: the feasible set and its frontier, the disagreement point,
the Nash, Kalai-Smorodinsky and egalitarian solutions, Nash's variable threats, Rubinstein's
alternating offers, and how each bargain moves with a parameter (its leverage)."""

from model.negotiation.bargaining.feasible import (
    FeasibleSet,
    Frontier,
    NoBargainError,
    feasible_set,
    pareto_frontier,
)
from model.negotiation.bargaining.pipeline import (
    SOLUTIONS,
    Bargain,
    BargainOptions,
    Solution,
    bargain,
)
from model.negotiation.bargaining.rubinstein import first_proposer_share, rubinstein
from model.negotiation.bargaining.solutions import (
    egalitarian_solution,
    kalai_smorodinsky_solution,
    nash_solution,
)
from model.negotiation.bargaining.threats import variable_threats

__all__ = [
    "SOLUTIONS",
    "Bargain",
    "BargainOptions",
    "FeasibleSet",
    "Frontier",
    "NoBargainError",
    "Solution",
    "bargain",
    "egalitarian_solution",
    "feasible_set",
    "first_proposer_share",
    "kalai_smorodinsky_solution",
    "nash_solution",
    "pareto_frontier",
    "rubinstein",
    "variable_threats",
]
