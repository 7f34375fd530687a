"""leverage: a game-theoretic model of the US-China chips-for-rare-earths negotiation.

Load a payoff file, then ask it questions; every function takes the game, then a
:class:`Setting` (scenario, parameter values, tolerance; None is the baseline), then its options
as keywords, and returns a frozen result with ``.to_json()``.

- :func:`load`, :func:`check`: a payoff file as a :class:`Game`, or its located problems
- :func:`analyse`: dominance, every equilibrium (verified), the Pareto profiles
- :func:`solve`, :func:`solve_batch`: every equilibrium of payoff matrices ``(A, B)``
- :func:`bargain`, :func:`stackelberg`, :func:`credibility`: the deal, who gains by moving
  first, whether a deal holds in the repeated game
- :func:`simulate`: period by period under the file's dynamics rules
- :func:`sweep`, :func:`tipping_points`, :func:`outcome_map`, :func:`robustness`: how the
  equilibria move as the leverage parameters move

>>> import model
>>> game = model.load("payoffs/textbook/prisoners_dilemma.yaml")
>>> A, B = game.matrices()
>>> result = model.solve(A, B)
>>> [game.actions[0][int(e.strategies[0].argmax())] for e in result.equilibria]
['defect']
>>> model.analyse(game, model.Setting(tol=1e-9)).equilibria[0].outcome
'mutual_defection'
"""

from model._version import __version__
from model.api import (
    analyse,
    attrition,
    bargain,
    credibility,
    dynamic,
    outcome_map,
    robustness,
    simulate,
    stackelberg,
    sweep,
    tipping_points,
)
from model.errors import LeverageError, PayoffFileError, Problem, UsageError
from model.game import Game
from model.load import check, load
from model.setting import Setting
from model.solvers.equilibria import solve, solve_batch

__all__ = [
    "Game",
    "LeverageError",
    "PayoffFileError",
    "Problem",
    "Setting",
    "UsageError",
    "__version__",
    "analyse",
    "attrition",
    "bargain",
    "check",
    "credibility",
    "dynamic",
    "load",
    "outcome_map",
    "robustness",
    "simulate",
    "solve",
    "solve_batch",
    "stackelberg",
    "sweep",
    "tipping_points",
]
