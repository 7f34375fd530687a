"""The front door: every computation on a game, called one way.

Each function takes the game first, then a :class:`~model.setting.Setting` (the scenario, the
parameter values set on top of it, the solvers' tolerance; ``None`` is the file's baseline), then
its own options, keyword-only. Each returns the frozen result of the module that does the work,
with ``.to_json()``, ``.to_frame()`` (a tidy pandas DataFrame, numbers as numbers) where the
result is tabular, and ``.provenance``: the method, the setting, the payoff file and its SHA-256,
and the version of leverage (:func:`model.provenance.record`).

Examples
--------
>>> import model
>>> game = model.load("payoffs/textbook/prisoners_dilemma.yaml")
>>> [e.outcome for e in model.analyse(game).equilibria]
['mutual_defection']
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from model.game import Game
from model.provenance import merged, record
from model.setting import Setting

if TYPE_CHECKING:

    from model.analysis import Analysis
    from model.dynamics.dynamic import DynamicResult
    from model.dynamics.policy import Force
    from model.dynamics.simulate import SimulationResult
    from model.negotiation.attrition import Attrition
    from model.negotiation.bargaining.pipeline import Bargain, BargainOptions
    from model.negotiation.repeated import Credibility
    from model.negotiation.stackelberg import StackelbergResult
    from model.sensitivity.maps import OutcomeMap
    from model.sensitivity.montecarlo import RobustnessResult
    from model.sensitivity.sweeps import SweepResult
    from model.sensitivity.tipping import TippingResult

R = TypeVar("R")

#: What each front-door function does, as its results' provenance names it.
BARGAIN_METHOD = ("cooperative bargaining over the convex hull of the pure profiles: Nash, "
                  "Kalai-Smorodinsky and egalitarian solutions")
STACKELBERG_METHOD = ("commitment by the leader: pure by enumeration, mixed by one linear "
                      "programme per follower reply")
CREDIBILITY_METHOD = "the one-shot deviation test of the repeated game, punishment by reversion"
SIMULATE_METHOD = "the stage game re-solved period by period, parameters moved by the dynamics"
SWEEP_METHOD = "every equilibrium at every point of a grid"
TIPPING_METHOD = "changes of the equilibria along one parameter, located by bisection"
MAP_METHOD = "the outcome regions of a plane of two parameters, boundaries by bisection"
ROBUSTNESS_METHOD = "Monte Carlo over the parameters' distributions"
ATTRITION_METHOD = ("the stationary mixed equilibrium of the war of attrition with complete "
                    "information: each side concedes at the hazard that leaves the other "
                    "indifferent")

DYNAMIC_METHOD = ("the dynamic game on the state grid of the file's dynamics rules: Markov "
                  "perfect by value iteration (own state's value solved for, strategies "
                  "checked at their exact values), or subgame perfect by backward induction")

__all__ = [
    "analyse",
    "attrition",
    "bargain",
    "credibility",
    "dynamic",
    "outcome_map",
    "robustness",
    "simulate",
    "stackelberg",
    "sweep",
    "tipping_points",
]


def _setting(setting: Setting | None) -> Setting:
    if setting is None:
        return Setting()
    if not isinstance(setting, Setting):
        raise TypeError(f"setting must be a model.Setting or None, got {type(setting).__name__}")
    return setting


def _stamped(result: R, game: Game, setting: Setting, method: str, **extra: Any) -> R:
    """``result`` with its provenance: what it records itself on top of the front door's."""
    base = record(game, setting, method, **extra)
    return dataclasses.replace(result, provenance=merged(result.provenance, base))  # type: ignore[type-var, attr-defined]


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
    r = _analyse(game, dict(s.params), s.scenario, tol=s.tol, method=method, exact=exact,
                 timeout=timeout)
    return _stamped(r, game, s, r.result.method, guarantee=r.result.guarantee)


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
    r = _bargain(game, dict(s.params), s.scenario, options, **choices)
    return _stamped(r, game, s, BARGAIN_METHOD, disagreement=r.disagreement.description)


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
    r = _stackelberg(A, B, side, tie_break=tie_break, tol=s.tol, simultaneous=sim)
    return _stamped(r, game, s, STACKELBERG_METHOD, leader=game.player_names[side],
                    tie_break=r.tie_break)


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
    r = _credibility(A, B, deal, punishment=punishment, discount=discount, length=length,
                     cost=cost, tol=s.tol, simultaneous=sim)
    return _stamped(r, game, s, CREDIBILITY_METHOD, deal=list(deal), punishment=r.punishment)


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
    r = _simulate(game, periods, scenario=s.scenario, params=dict(s.params),
                  selection=selection or DEFAULT_SELECTION, policy=policy, discount=discount,
                  tol=s.tol)
    return _stamped(r, game, s, SIMULATE_METHOD, selection=r.selection, periods=periods)


def attrition(game: Game, setting: Setting | None = None, *, prizes: Sequence[str],
              costs: Sequence[str]) -> Attrition:
    """Who gives in first, and when: the war of attrition in which each side holds its
    restriction at a cost and wins its prize when the other concedes.

    Parameters
    ----------
    game, setting
        As in :func:`analyse`.
    prizes, costs : pair of str
        Each side's prize (the other's concession) and cost rate of holding, as numbers or
        formulas over the game's parameters; a cost may use ``t`` (time since both began to
        hold, in the file's period unit) for a cost that changes.

    Returns
    -------
    Attrition
        Frozen: the concession hazards, the probability each side concedes first, the mean
        and quantiles of the time to the first concession.

    Raises
    ------
    UsageError
        A formula that cannot be read, an unknown name, a prize or cost that is not positive.

    References
    ----------
    Hendricks, Weiss and Wilson (1988), International Economic Review 29(4).

    Examples
    --------
    >>> import model
    >>> game = model.load("payoffs/textbook/chicken.yaml")
    >>> r = model.attrition(game, prizes=("4", "4"), costs=("1", "1"))
    >>> r.mean_time, r.first
    (2.0, (0.5, 0.5))
    """
    from model.negotiation.attrition import on_game

    s = _setting(setting)
    values = game.resolve(dict(s.params), s.scenario)
    r = on_game(game, values, prizes, costs)
    return _stamped(r, game, s, ATTRITION_METHOD, prizes=list(prizes), costs=list(costs))


def dynamic(game: Game, setting: Setting | None = None, *, horizon: int | None = None,
            periods: int = 10, grid: Mapping[str, int] | None = None,
            selection: str = "pareto", discount: float | None = None) -> DynamicResult:
    """The dynamic game: the state is the parameters the file's dynamics rules move (on the
    grid of ``dynamics.grid``, changed by ``grid``), each side's cards move it, and each
    side foresees that. A Markov perfect equilibrium of the discounted game (``horizon``
    None) or the subgame-perfect equilibrium of ``horizon`` periods, followed from the
    setting for ``periods`` periods.

    Returns
    -------
    DynamicResult
        Frozen: the solver's report (sweeps, whether it converged, the largest one-period
        gain from deviating), the values at the start and the path period by period.

    Raises
    ------
    UsageError
        No dynamics section, a grid too large, a bad horizon or selection.

    Examples
    --------
    >>> import model
    >>> game = model.load("payoffs/baseline.yaml")
    >>> r = model.dynamic(game, grid={"years_cn_eda_substitution": 4, "eda_us_share": 2,
    ...     "years_us_magnet_substitution": 4, "us_re_dependence": 3}, periods=3)
    >>> r.verified, r.states, len(r.path)
    (True, 96, 3)
    """
    from model.dynamics.dynamic import solve_dynamic

    s = _setting(setting)
    r = solve_dynamic(game, s, horizon=horizon, periods=periods, grid=grid,
                      selection=selection, discount=discount)
    return _stamped(r, game, s, DYNAMIC_METHOD, horizon=horizon, selection=selection,
                    grid=dict(r.grid))


def sweep(game: Game, setting: Setting | None = None, *, vary: Mapping[str, Any],
          **options: Any) -> SweepResult:
    """Every equilibrium at every point of a grid (what ``leverage sweep`` writes). ``vary``
    maps a parameter to ``(low, high, n)`` or to increasing values; the options of
    :func:`model.sensitivity.sweep` apply (``workers``, ``allow_outside``...).

    Returns
    -------
    SweepResult
        ``.to_frame()``: a row per point, equilibrium, player and action played;
        ``.wide()``: a row per point, as ``leverage sweep`` writes it.

    Examples
    --------
    >>> import model
    >>> game = model.load("payoffs/textbook/hawk_dove.yaml")
    >>> name = next(iter(game.parameters))
    >>> p = game.parameters[name]
    >>> r = model.sweep(game, vary={name: (p.low, p.high, 3)}, workers=1)
    >>> len(r), sorted(r.to_frame()["player"].unique())
    (3, ['Column', 'Row'])
    """
    from model.sensitivity.sweeps import sweep_result

    s = _setting(setting)
    r = sweep_result(game, vary, scenario=s.scenario, params=dict(s.params), tol=s.tol,
                     **options)
    return _stamped(r, game, s, SWEEP_METHOD)


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
    r = _tipping(game, parameter, low, high, scenario=s.scenario, params=dict(s.params),
                 solver_tol=s.tol, **options)
    return _stamped(r, game, s, TIPPING_METHOD)


def outcome_map(game: Game, setting: Setting | None = None, *, x: Any, y: Any,
                n: int = 41, **options: Any) -> OutcomeMap:
    """Which outcomes are equilibria over a plane of two parameters, with the tipping curves
    between regions (what ``leverage map`` draws).

    Parameters
    ----------
    game, setting
        As in :func:`analyse`.
    x, y : str or tuple
        A parameter's name (its plausible range, ``n`` points), ``(name, low, high)``,
        ``(name, low, high, n)``, or ``"NAME=LO:HI:N"`` as on the command line.
    n : int
        Points along an axis given without its own.

    Examples
    --------
    >>> import model
    >>> game = model.load("payoffs/textbook/hawk_dove.yaml")
    >>> m = model.outcome_map(game, x="V", y="C", n=5, workers=1)
    >>> m.to_frame().shape[0]
    25
    """
    from model.sensitivity.maps import outcome_map as _map

    s = _setting(setting)
    r = _map(game, _map_axis(game, x, n), _map_axis(game, y, n), scenario=s.scenario,
             params=dict(s.params), tol=s.tol, **options)
    return _stamped(r, game, s, MAP_METHOD)


def _map_axis(game: Game, spec: Any, n: int) -> Any:
    """An axis of the map from a name, a tuple or the command line's text (left as it is)."""
    from model.sensitivity.grid import check_parameter, make_axis

    if isinstance(spec, str) and "=" not in spec:
        check_parameter(game, spec, spec)
        info = game.parameters[spec]
        return make_axis(game, spec, info.low, info.high, n)
    if isinstance(spec, tuple):
        name, low, high, *rest = spec
        return make_axis(game, name, float(low), float(high), int(rest[0]) if rest else n)
    return spec


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
    r = _robustness(game, samples, seed, scenario=s.scenario, params=dict(s.params),
                    tol=s.tol, **options)
    return _stamped(r, game, s, ROBUSTNESS_METHOD)
