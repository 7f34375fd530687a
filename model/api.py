"""The front door: every computation on a game, called one way.

Each function takes the game first, then a :class:`~model.setting.Setting` (the scenario, the
parameter values set on top of it, the solvers' tolerance; ``None`` is the file's baseline), then
its own options, keyword-only. Each returns the frozen result of the module that does the work,
with ``.to_json()`` (and a table as a pandas DataFrame where the result is tabular).

Examples
--------
>>> import model
>>> game = model.load("payoffs/textbook/prisoners_dilemma.yaml")
>>> [e.outcome for e in model.analyse(game).equilibria]
['mutual_defection']
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from model.game import Game
from model.setting import Setting

if TYPE_CHECKING:
    import pandas as pd

    from model.analysis import Analysis
    from model.dynamics.policy import Force
    from model.dynamics.simulate import SimulationResult
    from model.negotiation.bargaining.pipeline import Bargain, BargainOptions
    from model.negotiation.repeated import Credibility
    from model.negotiation.stackelberg import StackelbergResult
    from model.sensitivity.maps import OutcomeMap
    from model.sensitivity.montecarlo import RobustnessResult
    from model.sensitivity.tipping import TippingResult

__all__ = ["analyse", "bargain", "credibility", "outcome_map", "robustness", "simulate",
           "stackelberg", "sweep", "tipping_points"]


def _setting(setting: Setting | None) -> Setting:
    if setting is None:
        return Setting()
    if not isinstance(setting, Setting):
        raise TypeError(f"setting must be a model.Setting or None, got {type(setting).__name__}")
    return setting


def analyse(game: Game, setting: Setting | None = None, *, method: str | None = None,
            exact: bool = False, timeout: float | None = None) -> Analysis:
    """Solve the game in one setting: the matrices, dominance, every equilibrium, the Pareto
    profiles (what ``leverage solve`` prints).

    Parameters
    ----------
    game : Game
        A game from :func:`model.load` (or :func:`model.nfg.game_from_nfg`).
    setting : Setting, optional
        Scenario, parameter values and tolerance; the baseline if None.
    method : str, optional
        A solver of :data:`model.solvers.equilibria.METHODS`; chosen by size if None.
    exact : bool
        Certify the equilibria in rational arithmetic.
    timeout : float, optional
        Seconds after which the solve stops cleanly (:class:`model.limits.SolveTimeout`).

    Returns
    -------
    Analysis
        Frozen; ``.equilibria`` each carry their ``outcome`` name, ``.complete`` says whether
        the list is every equilibrium.

    Raises
    ------
    UsageError
        An unknown scenario or parameter, or payoffs that are not finite at this point.

    Examples
    --------
    >>> import model
    >>> game = model.load("payoffs/textbook/chicken.yaml")
    >>> result = model.analyse(game)
    >>> len(result.equilibria), result.complete
    (3, True)
    """
    from model.analysis import analyse as _analyse

    s = _setting(setting)
    return _analyse(game, dict(s.params), s.scenario, tol=s.tol, method=method, exact=exact,
                    timeout=timeout)


def bargain(game: Game, setting: Setting | None = None, *,
            options: BargainOptions | None = None, **choices: Any) -> Bargain:
    """The deal: the feasible set and its Pareto frontier, the disagreement point, and the Nash,
    Kalai-Smorodinsky and egalitarian solutions (what ``leverage bargain`` prints).

    Parameters
    ----------
    game, setting
        As in :func:`analyse`.
    options : BargainOptions, optional
        The disagreement point, bargaining powers, Rubinstein patience...; or give them as
        keywords (``disagreement="maxmin"``, ``power=...``).

    Returns
    -------
    Bargain
        Frozen, with ``.to_json()``.

    References
    ----------
    Nash (1950), Kalai and Smorodinsky (1975), Rubinstein (1982).

    Examples
    --------
    >>> import model
    >>> game = model.load("payoffs/textbook/prisoners_dilemma.yaml")
    >>> deal = model.bargain(game)
    >>> sorted(s["name"] for s in deal.to_json()["solutions"])[:2]
    ['Kalai-Smorodinsky', 'Nash bargaining']
    """
    from model.negotiation.bargaining.pipeline import bargain as _bargain

    s = _setting(setting)
    return _bargain(game, dict(s.params), s.scenario, options, **choices)


def stackelberg(game: Game, setting: Setting | None = None, *, leader: str | int = 0,
                tie_break: str = "leader-best") -> StackelbergResult:
    """The leadership game with ``leader`` (a player's name or index) committing first, pure and
    mixed (what ``leverage sequential`` prints for one leader).

    References
    ----------
    Conitzer and Sandholm (2006); von Stengel and Zamir (2010).

    Examples
    --------
    >>> import model
    >>> game = model.load("payoffs/textbook/battle_of_the_sexes.yaml")
    >>> r = model.stackelberg(game, leader=0)
    >>> round(float(r.pure.payoffs[0]), 6) >= round(float(r.mixed.payoffs[0]), 6) - 1e-9
    True
    """
    from model.negotiation.stackelberg import stackelberg as _stackelberg
    from model.solvers.equilibria import solve

    s = _setting(setting)
    A, B = game.matrices(dict(s.params), s.scenario)
    side = game.player_index(leader, what="leader")
    sim = solve(A, B, tol=s.tol, chips=game.chip_layout)
    return _stackelberg(A, B, side, tie_break=tie_break, tol=s.tol, simultaneous=sim)


def credibility(game: Game, setting: Setting | None = None, *, deal: tuple[int, int],
                punishment: str = "equilibrium", discount: float | None = None,
                length: int | None = None, cost: float | Sequence[float] = 0.0) -> Credibility:
    """Whether the profile ``deal`` (row, column) can be kept in the repeated game: each side's
    gain from breaking it, the punishment, the discount factor it needs.

    References
    ----------
    Friedman (1971); Abreu (1988).

    Examples
    --------
    >>> import model
    >>> game = model.load("payoffs/textbook/prisoners_dilemma.yaml")
    >>> r = model.credibility(game, deal=(0, 0), discount=0.9)
    >>> all(side.holds for side in r.sides)
    True
    """
    from model.negotiation.repeated import credibility as _credibility
    from model.solvers.equilibria import solve

    s = _setting(setting)
    A, B = game.matrices(dict(s.params), s.scenario)
    sim = solve(A, B, tol=s.tol, chips=game.chip_layout)
    return _credibility(A, B, deal, punishment=punishment, discount=discount, length=length,
                        cost=cost, tol=s.tol, simultaneous=sim)


def simulate(game: Game, setting: Setting | None = None, *, periods: int,
             selection: str | None = None, policy: Iterable[Force | str] | None = None,
             discount: float | None = None) -> SimulationResult:
    """Play the game period by period, its parameters moved by the file's ``dynamics`` rules,
    re-solving it each period (what ``leverage simulate`` prints).

    Examples
    --------
    >>> import model
    >>> game = model.load("payoffs/baseline.yaml")
    >>> len(model.simulate(game, periods=3).periods)
    3
    """
    from model.dynamics.simulate import DEFAULT_SELECTION
    from model.dynamics.simulate import simulate as _simulate

    s = _setting(setting)
    return _simulate(game, periods, scenario=s.scenario, params=dict(s.params),
                     selection=selection or DEFAULT_SELECTION, policy=policy, discount=discount,
                     tol=s.tol)


def sweep(game: Game, setting: Setting | None = None, *, vary: Mapping[str, Any],
          **options: Any) -> pd.DataFrame:
    """Every equilibrium at every point of a grid, a row per point (what ``leverage sweep``
    writes). ``vary`` maps a parameter to ``(low, high, n)``.

    Examples
    --------
    >>> import model
    >>> game = model.load("payoffs/textbook/hawk_dove.yaml")
    >>> name = next(iter(game.parameters))
    >>> p = game.parameters[name]
    >>> len(model.sweep(game, vary={name: (p.low, p.high, 3)}, workers=1))
    3
    """
    from model.sensitivity.sweeps import sweep as _sweep

    s = _setting(setting)
    return _sweep(game, vary, scenario=s.scenario, params=dict(s.params), tol=s.tol, **options)


def tipping_points(game: Game, setting: Setting | None = None, *, parameter: str,
                   low: float | None = None, high: float | None = None,
                   **options: Any) -> TippingResult:
    """Where along ``parameter`` (its plausible range unless ``low``/``high``) the equilibria
    change, located by bisection (what ``leverage tipping`` prints).

    Examples
    --------
    >>> import model
    >>> game = model.load("payoffs/baseline.yaml")
    >>> r = model.tipping_points(game, parameter="us_re_dependence")
    >>> [round(t.value, 2) for t in r.tipping_points]
    [0.75]
    """
    from model.sensitivity.tipping import tipping_points as _tipping

    s = _setting(setting)
    return _tipping(game, parameter, low, high, scenario=s.scenario, params=dict(s.params),
                    solver_tol=s.tol, **options)


def outcome_map(game: Game, setting: Setting | None = None, *, x: Any, y: Any,
                **options: Any) -> OutcomeMap:
    """Which outcomes are equilibria over a plane of two parameters, with the tipping curves
    between regions (what ``leverage map`` draws)."""
    from model.sensitivity.maps import outcome_map as _map

    s = _setting(setting)
    return _map(game, x, y, scenario=s.scenario, params=dict(s.params), tol=s.tol, **options)


def robustness(game: Game, setting: Setting | None = None, *, samples: int, seed: int,
               **options: Any) -> RobustnessResult:
    """How often each outcome is an equilibrium when every parameter not fixed by the setting is
    drawn from its distribution (what ``leverage robustness`` prints).

    Examples
    --------
    >>> import model
    >>> game = model.load("payoffs/baseline.yaml")
    >>> r = model.robustness(game, samples=50, seed=1, workers=1)
    >>> p = r.probability("deal")
    >>> p.low <= p.p <= p.high
    True
    """
    from model.sensitivity.montecarlo import robustness as _robustness

    s = _setting(setting)
    return _robustness(game, samples, seed, scenario=s.scenario, params=dict(s.params),
                       tol=s.tol, **options)
