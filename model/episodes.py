"""Replaying the episodes of 2024-2026 against the model.

An :class:`Episode` is a stretch of the negotiation (December 2024, April-July 2025, October
2025, February 2026): the setting it is replayed at (a scenario of the payoff file and/or
parameter values, each with its source) and what happened, stage by stage, as the level of
every chip and the named outcome those levels fall in. :func:`replay` computes what the model
says at that setting with the existing tools (verified equilibria, the Nash and Rubinstein
bargains, credibility in the repeated game at the file's patience, the value of moving first)
and sets each stage of history against it with :func:`compare`.

The rule of :func:`compare`, applied to each stage (the observed outcome is any of the names
the stage lists):

1. **agrees** when the observed outcome is the outcome of a pure equilibrium of the one-shot
   game;
2. **partly** when it is not, but the Nash bargain (from the equilibrium disagreement point)
   gives it a positive probability, or the observed profile is kept by grim-trigger
   reversion to the stage equilibrium at the file's patience (a self-enforcing agreement of the
   repeated game);
3. **disagrees** otherwise.

A mixed equilibrium does not count for agreement: its outcome is a lottery, and history shows
one profile. The rule judges named outcomes, which are coarse (they look at the main cards
only); each stage's record also says which chips differ from the nearest pure equilibrium.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from model.analysis import Analysis, analyse
from model.errors import UsageError
from model.game import Game
from model.io import dumps_json
from model.load import load
from model.negotiation.bargaining import NoBargainError, bargain
from model.negotiation.bargaining.pipeline import Bargain, Solution
from model.negotiation.repeated import Credibility, credibility
from model.negotiation.stackelberg import stackelberg
from model.setting import Setting

__all__ = [
    "DEFAULT_FILE",
    "VERDICTS",
    "Episode",
    "Setting",
    "Stage",
    "compare",
    "observed_profile",
    "replay",
    "validate",
]

ROOT = Path(__file__).resolve().parents[1]
#: The payoff file episodes are replayed on, unless told otherwise.
DEFAULT_FILE = ROOT / "payoffs" / "baseline.yaml"
#: The verdicts of :func:`compare`, from best to worst.
VERDICTS = ("agrees", "partly", "disagrees")
#: Discount factors per round of offers for the Rubinstein bargain, by player, when the file
#: derives them (the baseline does: a month of talks, scaled by what each side bargains for).
MONTHLY_DISCOUNTS = {"US": "us_monthly_discount", "China": "cn_monthly_discount"}
#: Probabilities below this count as zero when naming a bargain's outcomes.
TINY = 1e-9


# ---------------------------------------------------------------------------- the record
@dataclass(frozen=True)
class Stage:
    """One stage of an episode as it happened.

    ``levels`` gives every chip of both players its observed level; ``outcomes`` the named
    outcome(s) of the payoff file those levels fall in (more than one only when the record
    supports more than one reading); ``reading`` says how the record was turned into levels.
    ``notes`` maps a verdict to a sentence saying why the
    model and history part ways; it is shown only when :func:`compare` reaches that verdict,
    so a note never outlives the result it explains.
    """

    name: str
    dates: str
    levels: Mapping[str, str]
    outcomes: tuple[str, ...]
    text: str
    sources: tuple[str, ...]
    reading: str = ""
    notes: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Episode:
    """An episode: its setting and the sources of every value in it, and its history.

    ``sources`` maps the scenario name and each parameter of ``setting.params`` to the
    sentence that says where the value comes from. ``start`` is an ISO date, for ordering.
    """

    name: str
    title: str
    dates: str
    start: str
    description: str
    setting: Setting
    sources: Mapping[str, str]
    history: tuple[Stage, ...]


# ---------------------------------------------------------------------------- checks
def validate(episode: Episode, game: Game) -> list[str]:
    """Every problem with ``episode`` on ``game``: unknown scenario, parameter, chip, level or
    outcome, a value outside its range, a setting without a source, a stage that names an
    outcome its levels do not fall in. Empty when all is well."""
    out: list[str] = []
    s = episode.setting
    if s.scenario is not None:
        if s.scenario not in game.scenarios:
            out.append(f"{episode.name}: unknown scenario '{s.scenario}'")
        if s.scenario not in episode.sources:
            out.append(f"{episode.name}: no source given for scenario '{s.scenario}'")
    for name, value in s.params.items():
        p = game.parameters.get(name)
        if p is None:
            out.append(f"{episode.name}: unknown parameter '{name}'")
            continue
        if not (math.isfinite(value) and p.low <= value <= p.high):
            out.append(f"{episode.name}: {name}={value:g} is outside its range "
                       f"[{p.low:g}, {p.high:g}]")
        if name not in episode.sources:
            out.append(f"{episode.name}: no source given for parameter '{name}'")
    if not episode.history:
        out.append(f"{episode.name}: no stages of history")
    names = {o.name for o in game.outcomes}
    seen: set[str] = set()
    for st in episode.history:
        where = f"{episode.name}/{st.name}"
        if st.name in seen:
            out.append(f"{where}: stage name used twice")
        seen.add(st.name)
        if not st.sources:
            out.append(f"{where}: no source for what happened")
        bad = [v for v in st.notes if v not in VERDICTS]
        if bad:
            out.append(f"{where}: notes for unknown verdicts {bad}")
        unknown = [o for o in st.outcomes if o not in names]
        if unknown or not st.outcomes:
            out.append(f"{where}: unknown or missing outcome(s) {unknown} "
                       f"(outcomes: {', '.join(sorted(names))})")
        try:
            i, j = observed_profile(game, st.levels)
        except UsageError as exc:
            out.append(f"{where}: {exc}")
            continue
        label = game.outcome_of(i, j)
        if label not in st.outcomes:
            out.append(f"{where}: the observed levels fall in '{label}', which the stage does "
                       f"not list among its outcomes {list(st.outcomes)}")
    return out


def observed_profile(game: Game, levels: Mapping[str, str]) -> tuple[int, int]:
    """The profile (row action, column action) in which every chip has the given level."""
    known = {c.name for p in game.players for c in p.chips}
    extra = sorted(set(levels) - known)
    if extra:
        raise UsageError(f"unknown chip(s) {extra} (chips: {', '.join(sorted(known))})")
    index = []
    for p in game.players:
        want = []
        for c in p.chips:
            if c.name not in levels:
                raise UsageError(f"no observed level for chip '{c.name}'")
            if levels[c.name] not in c.levels:
                raise UsageError(f"'{levels[c.name]}' is not a level of '{c.name}' "
                                 f"(levels: {', '.join(c.levels)})")
            want.append(c.levels.index(levels[c.name]))
        try:
            index.append(p.actions.index(tuple(want)))
        except ValueError:
            raise UsageError(f"{p.name}'s observed levels form an excluded action") from None
    return index[0], index[1]


# ---------------------------------------------------------------------------- the rule
def compare(prediction: Mapping[str, Any], history: Mapping[str, Any]) -> tuple[str, str]:
    """The verdict on one stage, and the reason, by the rule in the module docstring.

    ``prediction`` holds ``pure_outcomes`` (the outcomes of the pure equilibria),
    ``bargain_outcomes`` (outcome -> probability in the Nash bargain) and ``holds`` (whether
    the observed profile is kept at the file's patience; None if not known); ``history``
    holds ``outcomes``, the observed outcome name(s).

    >>> compare({"pure_outcomes": ["trade_war"], "bargain_outcomes": {"truce": 1.0},
    ...          "holds": False}, {"outcomes": ["trade_war"]})[0]
    'agrees'
    >>> compare({"pure_outcomes": ["trade_war"], "bargain_outcomes": {"truce": 1.0},
    ...          "holds": False}, {"outcomes": ["truce"]})[0]
    'partly'
    >>> compare({"pure_outcomes": ["trade_war"], "bargain_outcomes": {"truce": 1.0},
    ...          "holds": False}, {"outcomes": ["deal"]})[0]
    'disagrees'
    """
    observed = list(history["outcomes"])
    pure = list(dict.fromkeys(prediction.get("pure_outcomes") or []))
    deal = {k: float(v) for k, v in (prediction.get("bargain_outcomes") or {}).items()
            if float(v) > TINY}
    holds = prediction.get("holds")
    what = " or ".join(observed)
    eq_text = ", ".join(str(o) for o in pure) or "none"
    deal_text = ", ".join(f"{k} {v:.2f}" for k, v in deal.items()) or "no bargain"
    hit = [o for o in observed if o in pure]
    if hit:
        only = len(pure) == 1
        return "agrees", (f"{hit[0]} is the outcome of the only pure equilibrium" if only else
                          f"{hit[0]} is among the outcomes of the pure equilibria ({eq_text})")
    hit = [o for o in observed if o in deal]
    if hit:
        return "partly", (f"{what} is not an equilibrium outcome (pure equilibria: {eq_text}), "
                          f"but the Nash bargain gives {hit[0]} probability "
                          f"{deal[hit[0]]:.2f} ({deal_text})")
    if holds:
        return "partly", (f"{what} is neither an equilibrium outcome (pure equilibria: "
                          f"{eq_text}) nor the bargain's ({deal_text}), but the observed "
                          "profile is kept by grim trigger at the file's patience")
    kept = ("" if holds is None else
            ", and the observed profile is not kept by grim trigger at the file's patience")
    return "disagrees", (f"{what} is neither an equilibrium outcome (pure equilibria: "
                         f"{eq_text}) nor the bargain's ({deal_text}){kept}")


# ---------------------------------------------------------------------------- predictions
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


def _predict(game: Game, setting: Setting) -> tuple[Analysis, dict[str, Any], float]:
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


def _stage_model(game: Game, an: Analysis, delta: float, ij: tuple[int, int]
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


def _is_baseline(setting: Setting) -> bool:
    return setting.scenario is None and not setting.params


# ---------------------------------------------------------------------------- replay
def replay(episode: Episode, game: Game | None = None, file: str | Path | None = None
           ) -> dict[str, Any]:
    """Everything the model says about ``episode``, and each stage of history against it.

    Raises UsageError if the episode names a scenario, parameter, chip, level or outcome the
    payoff file lacks, or a value outside its range.
    """
    g = game if game is not None else load(file or DEFAULT_FILE)
    problems = validate(episode, g)
    if problems:
        raise UsageError("; ".join(problems))
    s = episode.setting
    an, pred, delta = _predict(g, s)
    base: tuple[Analysis, dict[str, Any], float] | None = None
    if not _is_baseline(s):
        base = _predict(g, Setting())
    names = g.player_names
    history, comparison = [], []
    for st in episode.history:
        ij = observed_profile(g, st.levels)
        history.append({
            "stage": st.name,
            "dates": st.dates,
            "text": st.text,
            "reading": st.reading,
            "sources": list(st.sources),
            "levels": dict(st.levels),
            names[0]: g.actions[0][ij[0]],
            names[1]: g.actions[1][ij[1]],
            "profile": list(ij),
            "outcomes": list(st.outcomes),
        })
        model_view = _stage_model(g, an, delta, ij)
        view = {"pure_outcomes": pred["pure_outcomes"],
                "bargain_outcomes": pred["bargain_outcomes"],
                "holds": model_view.get("kept", {}).get("holds")}
        verdict, reason = compare(view, {"outcomes": st.outcomes})
        row: dict[str, Any] = {"stage": st.name, "verdict": verdict, "reason": reason,
                               "note": st.notes.get(verdict, ""), "observed_profile": model_view}
        if base is not None:
            b_an, b_pred, b_delta = base
            b_view = _stage_model(g, b_an, b_delta, ij)
            bv, br = compare({"pure_outcomes": b_pred["pure_outcomes"],
                              "bargain_outcomes": b_pred["bargain_outcomes"],
                              "holds": b_view.get("kept", {}).get("holds")},
                             {"outcomes": st.outcomes})
            row["at_baseline"] = {"verdict": bv, "reason": br}
        comparison.append(row)
    scenario_changes = dict(g.scenario(s.scenario).changes) if s.scenario else {}
    result: dict[str, Any] = {
        "episode": episode.name,
        "title": episode.title,
        "dates": episode.dates,
        "start": episode.start,
        "description": episode.description,
        "file": _relative(g.path),
        "sha256": g.sha256,
        "settings": {
            "scenario": s.scenario,
            "scenario_changes": scenario_changes,
            "params": dict(s.params),
            "sources": dict(episode.sources),
            "patience": delta if math.isfinite(delta) else None,
            "described": s.describe(),
        },
        "predictions": pred,
        "history": history,
        "comparison": comparison,
    }
    if base is not None:
        result["baseline_predictions"] = base[1]
    return result


def _relative(path: Path) -> str:
    try:
        return Path(path).resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return str(path)
