"""What the model says at an episode's setting (its equilibria, the bargains, credibility in
the repeated game, the value of moving first) and about each profile history shows."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np

from model.analysis import Analysis, analyse
from model.game import Game
from model.io import dumps_json
from model.negotiation.bargaining import NoBargainError, bargain
from model.negotiation.bargaining.pipeline import Bargain, Solution
from model.negotiation.repeated import Credibility, credibility
from model.negotiation.stackelberg import stackelberg
from model.setting import Setting

#: Discount factors per round of offers for the Rubinstein bargain, by player, when the file
#: derives them (the baseline does: a month of talks, scaled by what each side bargains for).
MONTHLY_DISCOUNTS = {"US": "us_monthly_discount", "China": "cn_monthly_discount"}
#: Probabilities below this count as zero when naming a bargain's outcomes.
TINY = 1e-9


def _label(game: Game, player: int, p: np.ndarray) -> str:
    labels = game.actions[player]
    support = [int(k) for k in np.flatnonzero(p > 0)]
    if len(support) == 1:
        return labels[support[0]]
    return " + ".join(f"{float(p[k]):.3f} [{labels[k]}]" for k in support)


def _equilibria(an: Analysis) -> list[dict[str, Any]]:
    g = an.game
    out = []
    for k, e in enumerate(an.result.equilibria):
        x, y = e.strategies
        out.append({
            "index": k + 1,
            "pure": bool(e.pure),
            g.player_names[0]: _label(g, 0, x),
            g.player_names[1]: _label(g, 1, y),
            "payoffs": [round(float(e.payoffs[0]), 6), round(float(e.payoffs[1]), 6)],
            "outcome": an.outcome(x, y),
            "outcome_probabilities": {k2: round(v, 6) for k2, v in
                                      g.outcome_probabilities(x, y).items()},
        })
    return out


def _solution(game: Game, s: Solution) -> dict[str, Any]:
    names = game.player_names
    outcomes: dict[str, float] = {}
    for t in s.deal:
        key = t.outcome or "(unnamed)"
        outcomes[key] = outcomes.get(key, 0.0) + t.probability
    return {
        "payoffs": [round(s.payoffs[0], 6), round(s.payoffs[1], 6)],
        "gains": [round(s.gains[0], 6), round(s.gains[1], 6)],
        "deal": [{"probability": round(t.probability, 6), names[0]: t.actions[0],
                  names[1]: t.actions[1], "profile": list(t.profile), "outcome": t.outcome,
                  "payoffs": [round(t.payoffs[0], 6), round(t.payoffs[1], 6)]}
                 for t in s.deal],
        "outcomes": {k: round(v, 6) for k, v in outcomes.items()},
    }


def _bargains(game: Game, setting: Setting) -> dict[str, Any]:
    derived = {d.name for d in game.derived}
    discounts = {p: d for p, d in MONTHLY_DISCOUNTS.items()
                 if p in game.player_names and d in derived}
    out: dict[str, Any] = {"discounts": discounts}
    try:
        runs: dict[str, Bargain] = {
            who: bargain(game, dict(setting.params), setting.scenario, discounts=discounts,
                         first=who)
            for who in game.player_names
        }
    except NoBargainError as exc:
        out.update(error=str(exc), nash=None, rubinstein={})
        return out
    b = runs[game.player_names[0]]
    d = b.disagreement
    out["disagreement"] = {"kind": d.kind, "payoffs": [round(d.payoffs[0], 6),
                                                       round(d.payoffs[1], 6)],
                           "outcome": d.outcome, "description": d.description}
    out["rounds_discount"] = {n: round(v, 6) for n, v in zip(game.player_names, b.discounts,
                                                            strict=True)}
    out["nash"] = _solution(game, b.solution("nash"))
    out["rubinstein"] = {who: _solution(game, r.solution("rubinstein"))
                         for who, r in runs.items()}
    return out


def _side_text(game: Game, c: Credibility) -> list[dict[str, Any]]:
    out = []
    for s in c.sides:
        k = s.player
        own = c.deal[k]
        out.append({
            "player": game.player_names[k],
            "gain_from_reneging": round(s.gain, 6),
            "reneges_to": game.actions[k][s.deviation] if s.gain > 0 else None,
            "from": game.actions[k][own],
            "threshold": _finite(s.threshold),
            "holds": s.holds,
        })
    return out


def _finite(x: float) -> float | None:
    return None if not math.isfinite(x) else round(float(x), 6)


def _credibility(game: Game, an: Analysis, delta: float) -> dict[str, Any]:
    """For each named outcome: how many of its profiles grim trigger keeps at ``delta``, the
    best of those (largest total payoff) and the one easiest to keep."""
    out: dict[str, Any] = {}
    for o in game.outcomes:
        rows = []
        for i, j in np.argwhere(o.mask):
            c = credibility(an.A, an.B, (int(i), int(j)), discount=delta,
                            simultaneous=an.result)
            rows.append(((int(i), int(j)), c))
        holding = [(p, c) for p, c in rows if c.holds]
        best = max(holding, key=lambda pc: pc[1].payoffs[0] + pc[1].payoffs[1], default=None)
        easiest = min(rows, key=lambda pc: (pc[1].threshold, -sum(pc[1].payoffs)))
        out[o.name] = {
            "profiles": len(rows),
            "holding": len(holding),
            "best_holding": None if best is None else _profile_json(game, best[0],
                                                                    best[1]),
            "easiest": _profile_json(game, easiest[0], easiest[1]),
        }
    return out


def _profile_json(game: Game, p: tuple[int, int], c: Credibility) -> dict[str, Any]:
    names = game.player_names
    return {"profile": list(p), names[0]: game.actions[0][p[0]],
            names[1]: game.actions[1][p[1]],
            "payoffs": [round(c.payoffs[0], 6), round(c.payoffs[1], 6)],
            "critical_discount": _finite(c.threshold), "holds": c.holds}


def _first_move(game: Game, an: Analysis) -> dict[str, Any]:
    """Each side's payoff when it commits first (mixes allowed) and when it follows."""
    runs = [stackelberg(an.A, an.B, leader, simultaneous=an.result) for leader in (0, 1)]
    names = game.player_names
    out: dict[str, Any] = {}
    for k in (0, 1):
        lead, follow = runs[k], runs[1 - k]
        x, y = lead.profile(lead.pure)
        leading = float(lead.mixed.payoffs[0])
        following = float(follow.mixed.payoffs[1])
        out[names[k]] = {
            "leading": round(leading, 6),
            "following": round(following, 6),
            "value": round(leading - following, 6),
            "against_best_equilibrium": round(lead.value_mixed[0], 6),
            "commits_to": game.actions[k][int(np.argmax(lead.pure.strategy))],
            "reply": game.actions[1 - k][lead.pure.reply],
            "outcome": game.outcome_of(int(np.argmax(x)), int(np.argmax(y))),
            "mixing_helps": bool(leading > float(lead.pure.payoffs[0])
                                 + 1e-9 * max(1.0, abs(leading))),
        }
    return out


def _nearest(game: Game, an: Analysis, i: int, j: int) -> dict[str, Any] | None:
    """The pure equilibrium with the fewest chips set differently from profile (i, j)."""
    if not an.result.pure:
        return None
    p, q = game.players
    here = {**p.action_levels(i), **q.action_levels(j)}

    def differing(e: tuple[int, int]) -> dict[str, list[str]]:
        there = {**p.action_levels(e[0]), **q.action_levels(e[1])}
        return {c: [here[c], there[c]] for c in here if here[c] != there[c]}

    best = min(an.result.pure, key=lambda e: len(differing(e)))
    return {"equilibrium": [int(best[0]), int(best[1])],
            "outcome": game.outcome_of(int(best[0]), int(best[1])),
            "differs": differing(best)}


#: Predictions already computed in this process, by (game, scenario, parameters): several
#: episodes share a setting, and each is compared with the baseline.
_CACHE: dict[tuple[Any, ...], tuple[Analysis, dict[str, Any], float]] = {}


def predict(game: Game, setting: Setting) -> tuple[Analysis, dict[str, Any], float]:
    """The analysis at ``setting``, what the model predicts there (a copy of its own) and
    the patience (NaN when the file has none)."""
    key = (id(game), game.sha256, setting.scenario, tuple(sorted(setting.params.items())))
    hit = _CACHE.get(key)
    if hit is not None and hit[0].game is game:
        return hit[0], json.loads(dumps_json(hit[1])), hit[2]
    found = _compute(game, setting)
    _CACHE[key] = found
    return found[0], json.loads(dumps_json(found[1])), found[2]


def _compute(game: Game, setting: Setting) -> tuple[Analysis, dict[str, Any], float]:
    an = analyse(game, dict(setting.params), setting.scenario)
    delta = float(an.parameters["patience"]) if "patience" in an.parameters else math.nan
    pure = [game.outcome_of(int(i), int(j)) for i, j in an.result.pure]
    pred: dict[str, Any] = {
        "equilibria": _equilibria(an),
        "pure_outcomes": list(dict.fromkeys(o or "(unnamed)" for o in pure)),
        "bargain": _bargains(game, setting),
        "first_move": _first_move(game, an),
    }
    nash = pred["bargain"].get("nash")
    pred["bargain_outcomes"] = dict(nash["outcomes"]) if nash else {}
    if math.isfinite(delta):
        pred["patience"] = delta
        pred["credibility"] = _credibility(game, an, delta)
        terms = nash["deal"] if nash else []
        pred["bargain"]["nash_terms_kept"] = [
            bool(credibility(an.A, an.B, tuple(t["profile"]), discount=delta,
                             simultaneous=an.result).holds)
            for t in terms
        ]
    return an, pred, delta


def stage_model(game: Game, an: Analysis, delta: float, ij: tuple[int, int]
                 ) -> dict[str, Any]:
    """What the model says about the observed profile itself."""
    i, j = ij
    out: dict[str, Any] = {
        "equilibrium": (i, j) in {(int(a), int(b)) for a, b in an.result.pure},
        "payoffs": [round(float(an.A[i, j]), 6), round(float(an.B[i, j]), 6)],
        "nearest_equilibrium": _nearest(game, an, i, j),
    }
    if math.isfinite(delta):
        c = credibility(an.A, an.B, (i, j), discount=delta, simultaneous=an.result)
        out["kept"] = {"holds": c.holds, "critical_discount": _finite(c.threshold),
                       "sides": _side_text(game, c)}
    return out


def is_baseline(setting: Setting) -> bool:
    """Whether ``setting`` is the payoff file's baseline: no scenario, no parameter set."""
    return setting.scenario is None and not setting.params
