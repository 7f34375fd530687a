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

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from model.analysis import Analysis
from model.episodes.predictions import TINY, is_baseline, predict, stage_model
from model.errors import UsageError
from model.game import Game
from model.load import load
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

ROOT = Path(__file__).resolve().parents[2]
#: The payoff file episodes are replayed on, unless told otherwise.
DEFAULT_FILE = ROOT / "payoffs" / "baseline.yaml"
#: The verdicts of :func:`compare`, from best to worst.
VERDICTS = ("agrees", "partly", "disagrees")


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
    an, pred, delta = predict(g, s)
    base: tuple[Analysis, dict[str, Any], float] | None = None
    if not is_baseline(s):
        base = predict(g, Setting())
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
        model_view = stage_model(g, an, delta, ij)
        view = {"pure_outcomes": pred["pure_outcomes"],
                "bargain_outcomes": pred["bargain_outcomes"],
                "holds": model_view.get("kept", {}).get("holds")}
        verdict, reason = compare(view, {"outcomes": st.outcomes})
        row: dict[str, Any] = {"stage": st.name, "verdict": verdict, "reason": reason,
                               "note": st.notes.get(verdict, ""), "observed_profile": model_view}
        if base is not None:
            b_an, b_pred, b_delta = base
            b_view = stage_model(g, b_an, b_delta, ij)
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
