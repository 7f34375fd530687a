"""Leverage, stated: how each bargain moves when one parameter moves.

The whole pipeline is rerun at each point (payoff matrices -> disagreement point -> solution,
with powers and discount factors that are formulas re-evaluated too), so the answer includes a
change of the equilibrium taken as the disagreement point. Two measures:

- the derivative of each solution's payoffs by central finite differences, with a step of
  1e-4 of the parameter's declared range; it is flagged when the disagreement point is a
  different equilibrium on the two sides of the current value (the bargain jumps there and the
  derivative means little);
- a sweep of the declared range at a few evenly spaced points.

Sentences scale the derivative to a round step (about a tenth of the range).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from model.errors import UsageError, did_you_mean, known
from model.game import Game
from model.negotiation.bargaining.pipeline import SOLUTIONS, Bargain, BargainOptions, bargain
from model.negotiation.bargaining.solutions import Point

__all__ = ["SHORT", "Leverage", "SweepRow", "leverage", "round_step"]

#: How sentences name each solution.
SHORT = {
    "nash": "Nash bargain",
    "kalai-smorodinsky": "Kalai-Smorodinsky bargain",
    "egalitarian": "egalitarian bargain",
    "threats": "variable-threat bargain",
    "rubinstein": "Rubinstein bargain",
}


@dataclass(frozen=True)
class SweepRow:
    """One point of a sweep: the disagreement point and each solution's payoffs there
    (``None`` where there is no bargain, with the reason in ``note``)."""

    value: float
    disagreement: Point | None
    solutions: Mapping[str, Point]
    note: str | None = None
    outcome: str | None = None  # the disagreement point's named outcome
    identity: str = ""  # which equilibrium or profile the disagreement point is


@dataclass(frozen=True)
class Leverage:
    parameter: str
    unit: str
    value: float
    low: float
    high: float
    step: float
    h: float
    players: tuple[str, str]
    derivatives: Mapping[str, Point | None]  # solution key (and "disagreement") -> (du, dv)
    note: str | None
    sweep: tuple[SweepRow, ...]
    sentences: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "parameter": self.parameter,
            "unit": self.unit,
            "value": self.value,
            "range": [self.low, self.high],
            "step": self.step,
            "finite_difference_step": self.h,
            "derivatives": {k: (list(v) if v is not None else None)
                            for k, v in self.derivatives.items()},
            "note": self.note,
            "sweep": [
                {"value": r.value,
                 "disagreement": list(r.disagreement) if r.disagreement else None,
                 "disagreement_outcome": r.outcome,
                 "solutions": {k: list(v) for k, v in r.solutions.items()},
                 "note": r.note}
                for r in self.sweep
            ],
            "sentences": list(self.sentences),
        }


def round_step(span: float) -> float:
    """About a tenth of ``span``, rounded to 1, 2 or 5 times a power of ten.

    >>> round_step(0.45), round_step(11), round_step(299)
    (0.05, 1.0, 20.0)
    """
    raw = span / 10
    e = math.floor(math.log10(raw))
    mantissa = raw / 10**e
    nice = min((1, 2, 5, 10), key=lambda m: abs(m - mantissa))
    return float(f"{nice * 10**e:.12g}")


def _points(b: Bargain) -> dict[str, Point]:
    out = {s.key: s.payoffs for s in b.solutions}
    out["disagreement"] = b.disagreement.payoffs
    return out


def _identity(b: Bargain) -> tuple[Any, ...]:
    d = b.disagreement
    return (d.kind, d.extra.get("support") and str(d.extra["support"]), d.profile)


def _run(game: Game, params: Mapping[str, float], scenario: str | None,
         settings: BargainOptions) -> Bargain | str:
    try:
        return bargain(game, params, scenario, settings)
    except UsageError as exc:
        return str(exc)


def leverage(game: Game, parameter: str, params: Mapping[str, float] | None = None,
             scenario: str | None = None, settings: BargainOptions | None = None,
             points: int = 5) -> Leverage:
    """How each bargain moves with ``parameter`` (see the module's docstring)."""
    if parameter not in game.parameters:
        derived = [d.name for d in game.derived]
        if parameter in derived:
            raise UsageError(f"--leverage {parameter}: '{parameter}' is a derived quantity; "
                             "name one of the parameters it is made of")
        raise UsageError(f"--leverage: unknown parameter '{parameter}'"
                         f"{did_you_mean(parameter, game.parameters)} "
                         f"(parameters: {known(game.parameters)})")
    if not 2 <= points <= 101:
        raise UsageError(f"--points must be between 2 and 101, got {points}")
    s = settings if settings is not None else BargainOptions()
    info = game.parameters[parameter]
    base = dict(params or {})
    value = game.resolve(base, scenario)[parameter]
    h = 1e-4 * (info.high - info.low)
    names = game.player_names

    def at(v: float) -> Bargain | str:
        return _run(game, {**base, parameter: v}, scenario, s)

    centre, up, down = at(value), at(value + h), at(value - h)
    derivatives: dict[str, Point | None] = {}
    note = None
    keys = ["disagreement", *SOLUTIONS]
    if isinstance(up, str) or isinstance(down, str):
        reason = up if isinstance(up, str) else down
        note = f"no derivative: near {parameter} = {value:g} there is no bargain ({reason})"
        derivatives = dict.fromkeys(keys)
    else:
        pu, pd = _points(up), _points(down)
        for k in keys:
            derivatives[k] = ((pu[k][0] - pd[k][0]) / (2 * h), (pu[k][1] - pd[k][1]) / (2 * h))
        if _identity(up) != _identity(down) or (
            not isinstance(centre, str) and _identity(centre) != _identity(up)
        ):
            note = (f"the disagreement point switches to another equilibrium at "
                    f"{parameter} = {value:g}: the bargains jump there and the derivatives "
                    "mean little")
    sweep = []
    for v in np.linspace(info.low, info.high, points):
        r = at(float(v))
        if isinstance(r, str):
            sweep.append(SweepRow(float(v), None, {}, r))
        else:
            p = _points(r)
            sweep.append(SweepRow(float(v), p.pop("disagreement"), p, None,
                                  r.disagreement.outcome, str(_identity(r))))
    step = round_step(info.high - info.low)
    sentences = _sentences(parameter, info.unit, value, step, names, derivatives, note)
    sentences.extend(_switches(parameter, sweep))
    return Leverage(parameter, info.unit, float(value), info.low, info.high, step, h, names,
                    derivatives, note, tuple(sweep), tuple(sentences))


def _switches(parameter: str, sweep: list[SweepRow]) -> list[str]:
    """Where along the sweep the disagreement point becomes another equilibrium or profile."""
    out = []
    for a, b in itertools.pairwise(sweep):
        if a.disagreement is None or b.disagreement is None or a.identity == b.identity:
            continue
        change = (f" (from {a.outcome or 'no single outcome'} to "
                  f"{b.outcome or 'no single outcome'})" if a.outcome != b.outcome else "")
        out.append(f"Between {parameter} = {a.value:g} and {b.value:g} the disagreement point "
                   f"becomes another equilibrium{change}, and the bargains jump with it.")
    return out


def _sentences(parameter: str, unit: str, value: float, step: float, names: tuple[str, str],
               derivatives: Mapping[str, Point | None], note: str | None) -> list[str]:
    out = []
    rise = f"A rise of {step:g} in {parameter} (now {value:g}{', ' + unit if unit else ''})"
    for key, dv in derivatives.items():
        what = "the disagreement point" if key == "disagreement" else f"the {SHORT[key]}"
        if dv is None:
            continue
        du, dw = dv[0] * step, dv[1] * step
        small = 5e-4 * max(1.0, abs(du), abs(dw))
        if abs(du) < small and abs(dw) < small:
            out.append(f"{rise} leaves {what} where it is.")
            continue
        if du < 0 < dw:
            how = f"moves {what} towards {names[1]}"
        elif dw < 0 < du:
            how = f"moves {what} towards {names[0]}"
        elif du >= 0 and dw >= 0:
            how = f"raises both payoffs in {what}"
        else:
            how = f"lowers both payoffs in {what}"
        out.append(f"{rise} {how}: {names[0]} {du:+.3g}, {names[1]} {dw:+.3g}.")
    if note:
        out.append(note[0].upper() + note[1:] + ".")
    return out
