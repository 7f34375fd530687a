"""Play a game period after period while its parameters move with the actions played.

A payoff file's ``dynamics`` section says how named parameters change per period: each rule adds
``change`` to a parameter, or moves it a share ``rate`` of the way to ``target``, in the periods
where its ``when`` condition holds for the profile played. :func:`simulate` plays the game this
way: each period it builds the payoff matrices at the current parameter values, solves them with
:func:`model.solve` (every equilibrium, verified), picks one equilibrium by a stated selection rule
(:data:`SELECTIONS`), records the payoffs and the outcome, and moves the parameters. A mixed
equilibrium moves them by the expected change: a rule's change counts with the probability that
its condition holds. New values are kept inside each parameter's range; a value that would leave
it is clipped to the end and the clipping is reported.

The players are myopic: each period's play is an equilibrium of that period's one-shot game.
They do not foresee how their play moves the parameters, beyond what the payoff terms themselves
price in. So a simulation shows where a sequence of one-shot bargains leads, not the equilibrium
of a dynamic game.

A policy (:class:`Force`) fixes one side's chips for some periods, for instance China's rare-earth
restriction in periods 1 to 3; in those periods the play is an equilibrium of the game in which
that side is held to the forced actions, so with every chip forced the other side plays a best
reply. :func:`model.dynamics.compare.compare_restriction_lengths` runs the same forcing for
several lengths and compares the cumulative discounted payoffs: whether a temporary restriction
beats a sustained one for the side that imposes it.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import Any

import numpy as np

from model.dynamics.path import SELECTIONS, PeriodResult, SimulationResult, _strategy_text
from model.dynamics.policy import Force, _check_policy, parse_force
from model.errors import UsageError, did_you_mean
from model.game import Game
from model.rules import _discount, _env, _rule_delta
from model.solvers.equilibria import solve

DEFAULT_SELECTION = "pareto"
MAX_PERIODS = 1000
_TIE = 1e-9  # relative tolerance when comparing payoffs or distances between equilibria
_CACHE_BYTES = 256 * 2**20  # payoff matrices kept for reuse by a simulation, at most


# ----------------------------------------------------------------------------- selection
def _chip_distances(game: Game, player: int) -> np.ndarray:
    """(k, k) number of chips on which two actions of ``player`` differ."""
    acts = np.array(game.players[player].actions)
    return (acts[:, None, :] != acts[None, :, :]).sum(axis=2).astype(float)


def _select(
    candidates: Sequence[tuple[np.ndarray, np.ndarray, float, float]],
    rule: str,
    reference: tuple[np.ndarray, np.ndarray] | None,
    dist: tuple[np.ndarray, np.ndarray],
) -> int:
    """Index of the candidate (x, y, u, v) the selection rule picks; ties (within a relative
    tolerance) go to the next criterion, then to the first listed."""
    if rule == "first" or len(candidates) == 1:
        return 0
    scale = max(1.0, *(abs(c[2]) + abs(c[3]) for c in candidates))

    def keys(c: tuple[np.ndarray, np.ndarray, float, float]) -> list[tuple[float, float]]:
        """(value to minimise, tolerance) pairs, most important first."""
        x, y, u, v = c
        if rule == "pareto":
            return [(-(u + v), _TIE * scale)]
        if rule == "row-best":
            return [(-u, _TIE * scale), (-v, _TIE * scale)]
        if rule == "col-best":
            return [(-v, _TIE * scale), (-u, _TIE * scale)]
        assert reference is not None
        moved = float(x @ dist[0] @ reference[0] + y @ dist[1] @ reference[1])
        return [(moved, _TIE), (-(u + v), _TIE * scale)]

    best = 0
    best_key = keys(candidates[0])
    for k in range(1, len(candidates)):
        key = keys(candidates[k])
        for (a, tol), (b, _) in zip(key, best_key, strict=True):
            if a < b - tol:
                best, best_key = k, key
                break
            if a > b + tol:
                break
    return best


# ----------------------------------------------------------------------------- simulate
def check_selection(selection: str) -> None:
    """UsageError unless ``selection`` is a key of :data:`SELECTIONS`."""
    if selection not in SELECTIONS:
        raise UsageError(
            f"unknown selection rule '{selection}'"
            f"{did_you_mean(selection, SELECTIONS)} (rules: {', '.join(SELECTIONS)})"
        )


def simulate(
    game: Game,
    periods: int,
    *,
    scenario: str | None = None,
    params: Mapping[str, float] | None = None,
    selection: str = DEFAULT_SELECTION,
    policy: Iterable[Force | str] | None = None,
    discount: float | None = None,
    tol: float = 1e-9,
) -> SimulationResult:
    """Play ``game`` for ``periods`` periods, re-solving it each period at the current parameter
    values and moving them by the file's dynamics rules (see the module's description).

    ``scenario`` and ``params`` set the starting values, as for :meth:`Game.resolve`;
    ``selection`` is a key of :data:`SELECTIONS`; ``policy`` holds :class:`Force` objects or
    ``--force`` text; ``discount`` (per period, in (0, 1]) replaces the file's
    ``dynamics.discount`` (1 if the file has none).
    """
    forces = _checked_arguments(game, periods, selection, policy, discount)
    dist = (_chip_distances(game, 0), _chip_distances(game, 1))
    sq_ref = _status_quo_profile(game)
    values = game.resolve(params, scenario)
    labels = game.actions
    solver = _PeriodSolver(game, tol)
    previous: tuple[np.ndarray, np.ndarray] | None = None
    cumulative = [0.0, 0.0]
    weight = 1.0
    rows: list[PeriodResult] = []
    clips: dict[tuple[str, str], list[int]] = {}
    for t in range(1, periods + 1):
        active = [f for f in forces if f.active(t)]
        result, candidates = solver.solve(values, active)
        rule, reference = _rule_and_reference(selection, previous, sq_ref)
        x, y, u, v = candidates[_select(candidates, rule, reference, dist)]
        env = _env(game, values)
        d = discount if discount is not None else _discount(game, env)
        cumulative = [cumulative[0] + weight * u, cumulative[1] + weight * v]
        probs = game.outcome_probabilities(x, y)
        outcome = _single_outcome(probs)
        new, clipped = _moved(game, values, env, x, y)
        for name, end in clipped:
            clips.setdefault((name, end), []).append(t)
        rows.append(
            PeriodResult(
                period=t,
                parameters=MappingProxyType(dict(values)),
                strategies=(tuple(map(float, x)), tuple(map(float, y))),
                actions=(_strategy_text(x, labels[0]), _strategy_text(y, labels[1])),
                pure=bool((x > 0).sum() == 1 and (y > 0).sum() == 1),
                payoffs=(u, v),
                outcome=outcome,
                outcome_probabilities=MappingProxyType(probs),
                weight=weight,
                cumulative=(cumulative[0], cumulative[1]),
                equilibria=len(candidates),
                forced=tuple(f.text for f in active),
                clipped=tuple(name for name, _ in clipped),
                complete=bool(result.lists_all),
                guarantee=str(result.guarantee),
            )
        )
        previous = (x, y)
        weight *= d
        values = new
    dyn = game.dynamics
    return SimulationResult(
        game=game,
        scenario=scenario,
        overrides=MappingProxyType(dict(params or {})),
        selection=selection,
        policy=forces,
        periods=tuple(rows),
        tracked=dyn.parameters if dyn is not None else (),
        period_unit=_period_unit(game),
        notes=tuple(_clip_notes(game, clips)),
        discount=_discount_text(game, discount, rows),
    )


def _checked_arguments(game: Game, periods: Any, selection: str,
                       policy: Iterable[Force | str] | None,
                       discount: float | None) -> tuple[Force, ...]:
    """UsageError for a bad number of periods, selection, discount or policy; the policy's
    forcings parsed."""
    if isinstance(periods, bool) or not isinstance(periods, (int, np.integer)):
        raise UsageError(f"periods must be a whole number, got {periods!r}")
    if not 1 <= periods <= MAX_PERIODS:
        raise UsageError(f"periods must be between 1 and {MAX_PERIODS}, got {periods}")
    check_selection(selection)
    if discount is not None and not (
        isinstance(discount, (int, float)) and math.isfinite(discount) and 0 < discount <= 1
    ):
        raise UsageError(f"discount must be a number in (0, 1], got {discount!r}")
    forces = tuple(parse_force(game, f) if isinstance(f, str) else f for f in (policy or ()))
    _check_policy(forces, int(periods))
    status_quo = (game.players[0].status_quo, game.players[1].status_quo)
    if selection == "status-quo-nearest" and None in status_quo:
        missing = [p.name for p, q in zip(game.players, status_quo, strict=True) if q is None]
        raise UsageError(
            f"selection 'status-quo-nearest' needs a status quo, and the file "
            f"gives none for {' and '.join(missing)} (a status_quo on every chip)"
        )
    return forces


def _rule_and_reference(selection: str, previous: Any, status_quo: Any) -> tuple[str, Any]:
    """The selection rule for this period and the profile it measures distances from."""
    reference = status_quo if selection == "status-quo-nearest" else previous or status_quo
    if selection == "inertia" and reference is None:
        return "first", None  # no status quo: the first period takes the first equilibrium
    return selection, reference


def _single_outcome(probs: Mapping[str, float]) -> str | None:
    """The named outcome of a play that has one for sure, else None."""
    outcome = next(iter(probs)) if len(probs) == 1 else None
    return None if outcome == "(other)" else outcome


def _status_quo_profile(game: Game) -> tuple[np.ndarray, np.ndarray] | None:
    """The status quo as a pair of pure strategies, or None if a player has none."""
    status_quo = (game.players[0].status_quo, game.players[1].status_quo)
    if None in status_quo:
        return None
    out = []
    for p, k in enumerate(status_quo):
        e = np.zeros(game.shape[p])
        e[k] = 1.0
        out.append(e)
    return (out[0], out[1])


class _PeriodSolver:
    """Solves a period's game, the forced-out actions removed; periods at the same parameter
    values (and forcing) reuse a solve, and a few hundred megabytes of matrices at most are
    kept (the least recently used go first)."""

    def __init__(self, game: Game, tol: float):
        self.game = game
        self.tol = tol
        m, n = game.shape
        self.cache: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self.kept = max(4, _CACHE_BYTES // (16 * m * n))

    def solve(self, values: Mapping[str, float], active: Sequence[Force]) -> tuple[
            Any, list[tuple[np.ndarray, np.ndarray, float, float]]]:
        """The solver's result and the equilibria as full-length (x, y, u, v)."""
        game = self.game
        m, n = game.shape
        allowed = [list(range(m)), list(range(n))]
        for f in active:
            held = set(f.actions)
            allowed[f.player] = [a for a in allowed[f.player] if a in held]
        key = (tuple(values[k] for k in sorted(values)), tuple(allowed[0]), tuple(allowed[1]))
        if key in self.cache:
            self.cache.move_to_end(key)
        else:
            A, B = game.matrices(values)
            sub = np.ix_(allowed[0], allowed[1])
            # the chip structure holds when no action is forced out
            whole = len(allowed[0]) == m and len(allowed[1]) == n
            self.cache[key] = (A, B, solve(A[sub], B[sub], tol=self.tol,
                                           chips=game.chip_layout if whole else None))
            while len(self.cache) > self.kept:
                self.cache.popitem(last=False)
        A, B, result = self.cache[key]
        candidates = []
        for e in result.equilibria:
            x = np.zeros(m)
            y = np.zeros(n)
            x[allowed[0]] = e.strategies[0]
            y[allowed[1]] = e.strategies[1]
            candidates.append((x, y, float(x @ A @ y), float(x @ B @ y)))
        return result, candidates


def _moved(game: Game, values: Mapping[str, float], env: Any, x: np.ndarray,
           y: np.ndarray) -> tuple[dict[str, float], list[tuple[str, str]]]:
    """The parameters moved by the (expected) change of every rule that applies under the
    play (x, y), clipped to their ranges; with the (parameter, "low"/"high") clips."""
    dyn = game.dynamics
    new = dict(values)
    for rule_info in (dyn.rules if dyn is not None else ()):
        p_when = float(x @ rule_info.mask @ y)
        if p_when <= 0:
            continue
        delta = _rule_delta(rule_info, env, float(values[rule_info.parameter]))
        new[rule_info.parameter] += p_when * delta
    clipped = []
    for name in (dyn.parameters if dyn is not None else ()):
        info = game.parameters[name]
        if new[name] < info.low or new[name] > info.high:
            end = "low" if new[name] < info.low else "high"
            new[name] = info.low if end == "low" else info.high
            clipped.append((name, end))
    return new, clipped


def _discount_text(game: Game, discount: float | None, rows: Sequence[PeriodResult]) -> str:
    """The discount factor in words: given, the file's formula (with its first value), or 1."""
    dyn = game.dynamics
    if discount is not None:
        return f"{discount:g} (given)"
    if dyn is not None and dyn.discount is not None:
        first = rows[1].weight if len(rows) > 1 else _discount(game, _env(game, rows[0].parameters))
        text = dyn.discount.text.strip()
        if dyn.discount.names():
            text += f" ({first:.4g} in the first period)"
        return text
    return "1 (no discounting)"


def _period_unit(game: Game) -> str:
    """How long a period is (``1 year``; empty without dynamics)."""
    dyn = game.dynamics
    if dyn is None:
        return ""
    plural = "" if dyn.period_length == 1 or dyn.period_unit.endswith("s") else "s"
    return f"{dyn.period_length:g} {dyn.period_unit}{plural}"


def _clip_notes(game: Game, clips: Mapping[tuple[str, str], list[int]]) -> list[str]:
    """``years_x was clipped to 3, the low end of its range, after periods 4-10``."""
    notes = []
    for (name, end), periods in clips.items():
        info = game.parameters[name]
        bound = info.low if end == "low" else info.high
        notes.append(
            f"{name} was clipped to {bound:g}, the {end} end of its range, after "
            f"period{'s' if len(periods) > 1 else ''} {_spans(periods)}"
        )
    return notes


def _spans(numbers: Sequence[int]) -> str:
    """``[1, 2, 3, 5]`` -> ``1-3, 5``."""
    out: list[str] = []
    start = prev = numbers[0]
    for k in [*numbers[1:], None]:
        if k is not None and k == prev + 1:
            prev = k
            continue
        out.append(str(start) if start == prev else f"{start}-{prev}")
        if k is not None:
            start = prev = k
    return ", ".join(out)


