"""From a payoff file to its bargains: matrices -> feasible set -> disagreement point ->
solutions, each stated as the deal the sides would strike in the game's own words.

>>> import model
>>> from model.negotiation.bargaining import bargain
>>> b = bargain(model.load("payoffs/textbook/prisoners_dilemma.yaml"))
>>> b.disagreement.payoffs, b.solution("nash").payoffs
((1.0, 1.0), (3.0, 3.0))
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from model.errors import UsageError, did_you_mean, known
from model.game import Game
from model.negotiation.bargaining.disagreement import (
    Disagreement,
    maxmin_point,
    parse_profile,
    parse_spec,
    select_equilibrium,
)
from model.negotiation.bargaining.feasible import FeasibleSet, feasible_set
from model.negotiation.bargaining.rubinstein import check_discount, rubinstein
from model.negotiation.bargaining.serial import bargain_frame, bargain_json
from model.negotiation.bargaining.solutions import (
    Point,
    egalitarian_solution,
    ideal_point,
    individually_rational,
    kalai_smorodinsky_solution,
    nash_solution,
)
from model.negotiation.bargaining.threats import variable_threats
from model.payoffs.formula import Formula, FormulaError, parse
from model.solvers.equilibria import solve

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "DEFAULT_DISCOUNT",
    "SOLUTIONS",
    "Bargain",
    "BargainOptions",
    "LotteryTerm",
    "Solution",
    "bargain",
]

#: The solutions computed, by key, with their readable names.
SOLUTIONS = {
    "nash": "Nash bargaining",
    "kalai-smorodinsky": "Kalai-Smorodinsky",
    "egalitarian": "egalitarian",
    "threats": "Nash variable threats",
    "rubinstein": "Rubinstein alternating offers",
}

#: Per-round discount factor of a player whose discount is not given.
DEFAULT_DISCOUNT = 0.99


@dataclass(frozen=True)
class BargainOptions:
    """How to bargain: the deals allowed, the disagreement point, powers and discounts.

    ``powers`` and ``discounts`` map player names to numbers or formulas over the file's
    parameters and derived quantities (a name alone is a formula). One power is the player's
    share of bargaining power (the other has the rest); two are weights, normalised.
    """

    deals: tuple[str, ...] | None = None
    disagreement: str = "equilibrium"
    rule: str = "payoff-dominant"
    powers: Mapping[str, str | float] = field(default_factory=dict)
    discounts: Mapping[str, str | float] = field(default_factory=dict)
    first: str | None = None
    tol: float = 1e-9


@dataclass(frozen=True)
class LotteryTerm:
    """One profile of a deal, drawn with ``probability``; ``also`` lists profiles with the
    same payoffs that would do as well."""

    probability: float
    profile: tuple[int, int]
    actions: tuple[str, str]
    outcome: str | None
    payoffs: Point
    also: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class Solution:
    key: str
    name: str
    payoffs: Point
    gains: Point
    deal: tuple[LotteryTerm, ...]
    detail: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Bargain:
    """The bargains of one game at one parameter point."""

    game: Game
    scenario: str | None
    parameters: Mapping[str, float]
    overrides: Mapping[str, float]
    A: np.ndarray
    B: np.ndarray
    settings: BargainOptions
    feasible: FeasibleSet
    disagreement: Disagreement
    power: float
    discounts: tuple[float, float]
    first: int
    solutions: tuple[Solution, ...]
    #: Where the result comes from (:func:`model.provenance.record`; filled by the front door).
    provenance: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def solution(self, key: str) -> Solution:
        for s in self.solutions:
            if s.key == key:
                return s
        raise KeyError(key)

    def to_json(self) -> dict[str, Any]:
        """The bargain as one JSON object: the feasible set, the disagreement point and every
        solution with its deal (``leverage bargain --json`` adds the parameters' leverage),
        and ``provenance`` when the front door made the result."""
        out = bargain_json(self)
        if self.provenance:
            out["provenance"] = dict(self.provenance)
        return out

    def to_frame(self) -> pd.DataFrame:
        """The solutions as a tidy table: a row per solution and player (payoff, gain)."""
        return bargain_frame(self)


# ---------------------------------------------------------------------------------- inputs
def player_index(game: Game, name: str) -> int:
    """0 for the row player, 1 for the column player (:meth:`Game.player_index`)."""
    return game.player_index(name)


def evaluate(text: str | float, env: Mapping[str, float], what: str) -> float:
    """A number, or a formula over parameters and derived quantities, at one point."""
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        value = float(text)
    else:
        raw = str(text).strip()
        number = _float(raw)
        if number is not None:
            value = number
        else:
            formula = _parse(raw, what)
            for name, _ in formula.names():
                if name not in env:
                    raise UsageError(
                        f"{what}: unknown name '{name}'{did_you_mean(name, env)} "
                        f"(parameters and derived quantities: {known(env)})"
                    )
            arrays = {k: np.asarray(v, dtype=float) for k, v in env.items()}
            value = float(np.asarray(formula.evaluate(arrays)).reshape(-1)[0])
    if not math.isfinite(value):
        raise UsageError(f"{what}: the value is {value}, not a finite number")
    return value


def _float(raw: str) -> float | None:
    try:
        return float(raw)
    except ValueError:
        return None


def _parse(raw: str, what: str) -> Formula:
    try:
        return parse(raw)
    except FormulaError as exc:
        raise UsageError(f"{what}: {exc.message} in '{raw}'") from None


def _environment(game: Game, values: Mapping[str, float]) -> dict[str, float]:
    env = dict(values)
    env.update(game.derived_values(values))
    return env


def _powers(game: Game, powers: Mapping[str, str | float], env: Mapping[str, float]) -> float:
    """The row player's bargaining power."""
    if not powers:
        return 0.5
    given: dict[int, float] = {}
    for name, text in powers.items():
        k = player_index(game, name)
        if k in given:
            raise UsageError(f"--power {game.player_names[k]} is given twice")
        given[k] = evaluate(text, env, f"--power {game.player_names[k]}")
    if len(given) == 1:
        ((k, a),) = given.items()
        if not 0 < a < 1:
            raise UsageError(f"--power {game.player_names[k]}: a bargaining power must lie "
                             f"strictly between 0 and 1 (the other side has the rest), got {a:g}")
        return a if k == 0 else 1 - a
    w0, w1 = given[0], given[1]
    if w0 <= 0 or w1 <= 0:
        raise UsageError(f"--power: with both players given, each is a positive weight; "
                         f"got {w0:g} and {w1:g}")
    return w0 / (w0 + w1)


def _discounts(game: Game, discounts: Mapping[str, str | float],
               env: Mapping[str, float]) -> tuple[float, float]:
    out = [DEFAULT_DISCOUNT, DEFAULT_DISCOUNT]
    seen: set[int] = set()
    for name, text in discounts.items():
        k = player_index(game, name)
        if k in seen:
            raise UsageError(f"--discount {game.player_names[k]} is given twice")
        seen.add(k)
        who = game.player_names[k]
        value = evaluate(text, env, f"--discount {who}")
        out[k] = check_discount(value, who)
    return out[0], out[1]


def _deal_profiles(game: Game, deals: Sequence[str] | None) -> list[tuple[int, int]] | None:
    if deals is None:
        return None
    names = [o.name for o in game.outcomes]
    wanted = []
    for d in deals:
        d = d.strip()
        if d not in names:
            raise UsageError(f"unknown outcome '{d}'{did_you_mean(d, names)} "
                             f"(outcomes of {game.path.name}: {known(names)})")
        wanted.append(d)
    if not wanted:
        raise UsageError("--deals names no outcome")
    # the profiles whose outcome (the first whose condition holds) is one of those wanted
    m, n = game.shape
    keep = np.zeros((m, n), dtype=bool)
    rest = np.ones((m, n), dtype=bool)
    for o in game.outcomes:
        here = o.mask & rest
        if o.name in wanted:
            keep |= here
        rest &= ~o.mask
    ii, jj = np.nonzero(keep)  # row-major
    return list(zip(ii.tolist(), jj.tolist(), strict=True))


def _equilibrium_outcome(game: Game, x: np.ndarray, y: np.ndarray) -> str | None:
    names = {game.outcome_of(int(i), int(j)) for i in np.flatnonzero(x > 0)
             for j in np.flatnonzero(y > 0)}
    return names.pop() if len(names) == 1 else None


def disagreement_point(game: Game, A: np.ndarray, B: np.ndarray, spec: str,
                       rule: str = "payoff-dominant", tol: float = 1e-9) -> Disagreement:
    """The disagreement point ``spec`` (see :mod:`model.negotiation.bargaining.disagreement`)."""
    kind, arg = parse_spec(spec)
    if kind == "maxmin":
        d, (x, y) = maxmin_point(A, B)
        return Disagreement("maxmin", spec, d,
                            "each side's security level (max-min value)", strategies=(x, y))
    if kind == "status-quo":
        i, j = game.players[0].status_quo, game.players[1].status_quo
        for who, k in ((game.players[0], i), (game.players[1], j)):
            if k is None:
                missing = [c.name for c in who.chips if c.status_quo is None]
                raise UsageError(
                    f"--disagreement status-quo: {who.name} has no status-quo action"
                    + (f" (chips without a status_quo: {', '.join(missing)})" if missing
                       else " (its status-quo levels form an excluded action)")
                )
        assert i is not None and j is not None
        return Disagreement("status-quo", spec, (float(A[i, j]), float(B[i, j])),
                            "the status quo (every chip at its status_quo level)",
                            profile=(i, j), outcome=game.outcome_of(i, j))
    if kind == "profile":
        assert arg is not None
        i, j = parse_profile(arg, game.shape)
        return Disagreement("profile", spec, (float(A[i, j]), float(B[i, j])),
                            "a given profile", profile=(i, j), outcome=game.outcome_of(i, j))
    result = solve(A, B, tol=tol, chips=game.chip_layout)
    eqs = result.equilibria
    pays = [(float(e.payoffs[0]), float(e.payoffs[1])) for e in eqs]
    outcomes = [_equilibrium_outcome(game, *e.strategies) for e in eqs]
    if arg is None:
        k = select_equilibrium(pays, rule, lambda n: player_index(game, n))
        how = f"the equilibrium chosen by the rule {rule}"
    elif arg.isdigit():
        k = int(arg) - 1
        if not 0 <= k < len(eqs):
            raise UsageError(f"--disagreement equilibrium:{arg}: the game has {len(eqs)} "
                             f"equilibria (numbered 1 to {len(eqs)} as leverage solve does)")
        how = f"equilibrium E{k + 1}"
        rule = ""
    else:
        known_outcomes = [o.name for o in game.outcomes]
        if arg not in known_outcomes:
            raise UsageError(f"--disagreement equilibrium:{arg}: unknown outcome "
                             f"'{arg}'{did_you_mean(arg, known_outcomes)} "
                             f"(outcomes: {known(known_outcomes)})")
        inside = [k for k, o in enumerate(outcomes) if o == arg]
        if not inside:
            found = sorted({o for o in outcomes if o}) or ["none named"]
            raise UsageError(f"--disagreement equilibrium:{arg}: no equilibrium lies in "
                             f"'{arg}' here (equilibria are in: {', '.join(found)})")
        pick = select_equilibrium([pays[k] for k in inside], rule,
                                  lambda n: player_index(game, n))
        k = inside[pick]
        how = f"the equilibrium in {arg}" + (f" chosen by the rule {rule}"
                                            if len(inside) > 1 else "")
    e = eqs[k]
    x, y = e.strategies
    kind_word = "pure" if e.pure else "mixed"
    return Disagreement(
        "equilibrium", spec, pays[k],
        f"{how}: E{k + 1} of {len(eqs)} ({kind_word})",
        strategies=(np.asarray(x, dtype=float), np.asarray(y, dtype=float)),
        profile=(e.support[0][0], e.support[1][0]) if e.pure else None,
        equilibrium=k + 1, rule=rule or None, outcome=outcomes[k],
        extra={"support": [list(map(int, e.support[0])), list(map(int, e.support[1]))],
               "equilibria": len(eqs)},
        complete=result.lists_all, coverage=result.coverage,
    )


# ---------------------------------------------------------------------------------- deals
def deal_terms(game: Game, A: np.ndarray, B: np.ndarray, fs: FeasibleSet,
               point: Point) -> tuple[LotteryTerm, ...]:
    """A frontier point as a lottery over at most two pure profiles, in the game's words."""
    rows, cols = game.actions
    out = []
    for prob, k in fs.frontier.locate(point):
        if prob <= 1e-12:
            continue
        v = fs.frontier.vertices[k]
        i, j = v.profiles[0]
        out.append(LotteryTerm(float(prob), (i, j), (rows[i], cols[j]), game.outcome_of(i, j),
                               (float(A[i, j]), float(B[i, j])), v.profiles[1:]))
    total = sum(t.probability for t in out)
    return tuple(
        LotteryTerm(t.probability / total, t.profile, t.actions, t.outcome, t.payoffs, t.also)
        for t in out
    )


def _solution(key: str, game: Game, A: np.ndarray, B: np.ndarray, fs: FeasibleSet,
              d: Point, point: Point, **detail: Any) -> Solution:
    gains = (point[0] - d[0], point[1] - d[1])
    return Solution(key, SOLUTIONS[key], (float(point[0]), float(point[1])),
                    (float(gains[0]), float(gains[1])), deal_terms(game, A, B, fs, point),
                    detail)


# ---------------------------------------------------------------------------------- pipeline
def bargain(game: Game, params: Mapping[str, float] | None = None,
            scenario: str | None = None, settings: BargainOptions | None = None,
            **options: Any) -> Bargain:
    """Bargain over ``game`` at one parameter point (baseline, changed by ``scenario``, then by
    ``params``). BargainOptions come as a :class:`BargainOptions` or as its fields by keyword
    (``deals=["deal", "truce"], disagreement="maxmin", powers={"US": 0.6}``...).

    Raises UsageError on bad settings, and NoBargainError (a UsageError) if no feasible
    agreement gives both sides at least their disagreement payoffs.
    """
    s = settings if settings is not None else BargainOptions()
    if options:
        fields = set(BargainOptions.__dataclass_fields__)
        bad = sorted(set(options) - fields)
        if bad:
            raise UsageError(f"unknown bargaining setting(s) {', '.join(bad)}; "
                             f"settings: {', '.join(sorted(fields))}")
        opts = dict(options)
        if opts.get("deals") is not None:
            opts["deals"] = tuple(opts["deals"])
        s = BargainOptions(**{**s.__dict__, **opts})
    values = game.resolve(params, scenario)
    A, B = game.matrices(values)
    env = _environment(game, values)
    profiles = _deal_profiles(game, s.deals)
    fs = feasible_set(A, B, profiles, deals=s.deals, tol=s.tol)
    dis = disagreement_point(game, A, B, s.disagreement, s.rule, s.tol)
    d = dis.payoffs
    a = _powers(game, s.powers, env)
    deltas = _discounts(game, s.discounts, env)
    first = 0 if s.first is None else player_index(game, s.first)

    individually_rational(fs.frontier, d)  # NoBargainError before anything else
    sols = [
        _solution("nash", game, A, B, fs, d, nash_solution(fs.frontier, d, a), power=a),
        _solution("kalai-smorodinsky", game, A, B, fs, d,
                  kalai_smorodinsky_solution(fs.frontier, d),
                  ideal=list(ideal_point(fs.frontier, d))),
        _solution("egalitarian", game, A, B, fs, d, egalitarian_solution(fs.frontier, d)),
    ]
    t = variable_threats(A, B, fs.frontier, a)
    sols.append(_solution("threats", game, A, B, fs, d, t.agreement, power=a,
                          threat_point=list(t.threat_point),
                          strategies=[t.strategies[0].tolist(), t.strategies[1].tolist()],
                          where=list(t.where), consistent=t.consistent))
    r = rubinstein(fs.frontier, d, deltas, first)
    names = game.player_names
    sols.append(_solution("rubinstein", game, A, B, fs, d, r.agreement,
                          discounts={names[0]: deltas[0], names[1]: deltas[1]},
                          first=names[first],
                          offers={names[0]: list(r.offers[0]), names[1]: list(r.offers[1])},
                          limit=list(r.limit), limit_power=r.limit_power))
    overrides = dict(params or {})
    return Bargain(game, scenario, values, overrides, A, B, s, fs, dis, a, deltas, first,
                   tuple(sols))


