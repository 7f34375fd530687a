"""Tables of results for experiments: one row per (setting, equilibrium), as CSV or Markdown."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from typing import Any

from model.analysis import Analysis, analyse
from model.game import Game
from model.text import prob_text

COLUMNS = (
    "scenario",
    "changes",
    "equilibrium",
    "kind",
    "row_strategy",
    "col_strategy",
    "row_payoff",
    "col_payoff",
    "outcome",
)


def strategy_label(p: Sequence[float], labels: Sequence[str]) -> str:
    """``label`` for a pure strategy, ``1/2 label + 1/2 label`` for a mixed one."""
    support = [k for k, v in enumerate(p) if v > 0]
    if len(support) == 1:
        return labels[support[0]]
    return " + ".join(f"{prob_text(float(p[k]))} [{labels[k]}]" for k in support)


def equilibrium_rows(
    an: Analysis, setting: str, changes: Mapping[str, float]
) -> list[dict[str, Any]]:
    rows, cols = an.game.actions
    out = []
    changed = "; ".join(f"{k}={v:g}" for k, v in changes.items()) or "(baseline)"
    for k, e in enumerate(an.result.equilibria, start=1):
        x, y = e.strategies
        outcome = an.outcome(x, y)
        if outcome is None:
            probs = an.game.outcome_probabilities(x, y)
            outcome = ", ".join(f"{n} {p:.2f}" for n, p in probs.items())
        out.append(
            {
                "scenario": setting,
                "changes": changed,
                "equilibrium": f"E{k}",
                "kind": "pure" if e.pure else "mixed",
                "row_strategy": strategy_label(list(x), rows),
                "col_strategy": strategy_label(list(y), cols),
                "row_payoff": round(float(e.payoffs[0]), 6),
                "col_payoff": round(float(e.payoffs[1]), 6),
                "outcome": outcome,
            }
        )
    return out


def scenario_analyses(game: Game, *, tol: float = 1e-9) -> list[Analysis]:
    """The game solved at the baseline and under each of its scenarios, in file order."""
    return [analyse(game, None, s, tol=tol) for s in (None, *game.scenarios)]


def scenario_rows(analyses: Sequence[Analysis]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for an in analyses:
        name = an.scenario or "baseline"
        changes = an.game.scenario(an.scenario).changes if an.scenario else {}
        rows.extend(equilibrium_rows(an, name, changes))
    return rows


def to_csv(rows: Sequence[Mapping[str, Any]], columns: Sequence[str] = COLUMNS) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(columns), lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({c: r.get(c, "") for c in columns})
    return buf.getvalue()


def to_markdown(rows: Sequence[Mapping[str, Any]], columns: Sequence[str] = COLUMNS) -> str:
    def cell(v: Any) -> str:
        return str(v).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(r.get(c, "")) for c in columns) + " |" for r in rows]
    return "\n".join(lines) + "\n"
