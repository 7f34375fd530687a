"""What ``leverage attrition`` prints: who gives in first and when, in words and numbers."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence

import numpy as np

from model.game import Game
from model.negotiation.attrition import QUANTILES, Attrition


def render(game: Game, scenario: str | None, overrides: Mapping[str, float],
           prizes: Sequence[str], costs: Sequence[str], r: Attrition) -> str:
    """The war of attrition's equilibrium as text that fits 100 columns."""
    names = game.player_names
    unit = _unit(game)
    setting = f"scenario {scenario}" if scenario else "the baseline"
    if overrides:
        setting += "; set " + ", ".join(f"{k}={v:g}" for k, v in overrides.items())
    title = f"War of attrition: {game.title}"
    out = [title, "=" * len(title), f"file: {game.path}   sha256: {game.sha256[:12]}",
           f"setting: {setting}", ""]
    for k in (0, 1):
        out += _wrap(f"{names[k]}: wins {r.values[k]:.4g} when {names[1 - k]} concedes "
                     f"(prize: {prizes[k]}); holding costs it {costs[k]} per {unit}.")
    out.append("")
    out += _wrap("Each side concedes at the hazard that leaves the other indifferent between "
                 "conceding now and holding a moment longer: hazard of i = cost rate of j / "
                 "prize of j (Hendricks, Weiss and Wilson 1988).")
    out.append("")
    for k in (0, 1):
        h0 = float(r.hazard[k](np.array(0.0)))
        out.append(f"  {names[k]:<10} concedes first with probability {r.first[k]:.3f}; "
                   f"hazard at the start {h0:.4g} per {unit}")
    q = ", ".join(f"{p:.0%}: {v:.3g}" for p, v in zip(QUANTILES, r.quantiles, strict=True))
    out.append("")
    out += _wrap(f"Time to the first concession ({unit}s): mean {r.mean_time:.3g}; "
                 f"quantiles {q}.")
    return "\n".join(out) + "\n"


def _unit(game: Game) -> str:
    d = game.dynamics
    return d.period_unit if d is not None and d.period_unit else "period"


def _wrap(text: str) -> list[str]:
    return textwrap.wrap(text, width=100, subsequent_indent="  ")
