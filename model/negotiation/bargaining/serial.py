"""A bargain as JSON (the contract of ``leverage bargain --json``, without the parameters'
leverage) and as a tidy table. The bargain is taken by its fields (this module stands below
:mod:`.pipeline`, which defines it)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from model.text import codes

if TYPE_CHECKING:
    import pandas as pd


# ---------------------------------------------------------------------------------- JSON
def term_json(t: Any, rcode: list[str], ccode: list[str]) -> dict[str, Any]:
    i, j = t.profile
    return {
        "probability": t.probability,
        "profile": [i, j],
        "codes": [rcode[i], ccode[j]],
        "actions": list(t.actions),
        "outcome": t.outcome,
        "payoffs": list(t.payoffs),
        "same_payoffs": [list(p) for p in t.also],
    }


def strategy_json(p: np.ndarray, labels: Sequence[str]) -> list[dict[str, Any]]:
    return [{"action": int(k), "label": labels[int(k)], "probability": float(p[k])}
            for k in np.flatnonzero(p > 1e-12)]


def bargain_json(b: Any) -> dict[str, Any]:
    """The bargain as one JSON object (without the leverage of parameters)."""
    g = b.game
    rows, cols = g.actions
    m, n = g.shape
    rcode, ccode = codes("R", m), codes("C", n)
    fs = b.feasible
    d = b.disagreement
    dis: dict[str, Any] = {
        "kind": d.kind,
        "spec": d.spec,
        "payoffs": list(d.payoffs),
        "description": d.description,
        "rule": d.rule,
        "equilibrium": d.equilibrium,
        "outcome": d.outcome,
        "profile": list(d.profile) if d.profile is not None else None,
    }
    if d.kind == "equilibrium":
        dis["complete"] = d.complete
        dis["chosen_among"] = d.coverage
    if d.strategies is not None:
        dis["strategies"] = [strategy_json(d.strategies[0], rows),
                             strategy_json(d.strategies[1], cols)]
    solutions = []
    for s in b.solutions:
        entry: dict[str, Any] = {
            "key": s.key,
            "name": s.name,
            "payoffs": list(s.payoffs),
            "gains": list(s.gains),
            "deal": [term_json(t, rcode, ccode) for t in s.deal],
        }
        detail = dict(s.detail)
        if s.key == "threats":
            x, y = (np.asarray(p) for p in detail.pop("strategies"))
            detail["threats"] = [strategy_json(x, rows), strategy_json(y, cols)]
        entry.update(detail)
        solutions.append(entry)
    out: dict[str, Any] = {
        "file": str(g.path),
        "title": g.title,
        "sha256": g.sha256,
        "scenario": b.scenario,
        "parameters": {k: float(v) for k, v in b.parameters.items()},
        "overrides": {k: float(v) for k, v in b.overrides.items()},
        "players": list(g.player_names),
        "actions": [list(rows), list(cols)],
        "feasible": {
            "deals": list(fs.deals) if fs.deals is not None else None,
            "profiles": len(fs.profiles),
            "hull": [list(v.payoffs) for v in fs.hull],
            "frontier": [
                {"payoffs": list(v.payoffs),
                 "profiles": [{"profile": [i, j], "codes": [rcode[i], ccode[j]],
                               "actions": [rows[i], cols[j]], "outcome": g.outcome_of(i, j)}
                              for i, j in v.profiles]}
                for v in fs.frontier.vertices
            ],
        },
        "disagreement": dis,
        "power": {g.player_names[0]: b.power, g.player_names[1]: 1 - b.power},
        "solutions": solutions,
        "leverage": [],
    }
    return out


def bargain_frame(b: Any) -> pd.DataFrame:
    """A bargain's solutions as a tidy table: a row per solution and player, with the
    player's payoff and gain over the disagreement point."""
    import pandas as pd

    names = b.game.player_names
    rows = [{"solution": s.key, "name": s.name, "player": names[p],
             "payoff": float(s.payoffs[p]), "gain": float(s.gains[p])}
            for s in b.solutions for p in (0, 1)]
    return pd.DataFrame(rows, columns=["solution", "name", "player", "payoff", "gain"])
