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
from model.loader import check, load
from model.solve import solve, solve_batch  # the function; it shadows the module of that name

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

