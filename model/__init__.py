"""leverage: a game-theoretic model of the US-China chips-for-rare-earths negotiation.

>>> import model
>>> game = model.load("payoffs/textbook/prisoners_dilemma.yaml")
>>> A, B = game.matrices()
>>> result = model.solve(A, B)
>>> [game.actions[0][int(e.strategies[0].argmax())] for e in result.equilibria]
['defect']
"""

from model.errors import LeverageError, PayoffFileError, Problem, UsageError
from model.game import Game
from model.load import check, load
from model.solvers.equilibria import (  # the function; it shadows the module of that name
    solve,
    solve_batch,
)

__all__ = [
    "Game",
    "LeverageError",
    "PayoffFileError",
    "Problem",
    "UsageError",
    "check",
    "load",
    "solve",
    "solve_batch",
]

__version__ = "0.1.0"

