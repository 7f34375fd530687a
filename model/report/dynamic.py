"""Text of ``leverage dynamic``: the equilibrium found, how it was found, and its path."""

from __future__ import annotations

from collections.abc import Mapping

from model.dynamics.dynamic import DynamicPeriod, DynamicResult
from model.text import table


def _cards(side: Mapping[str, Mapping[str, float]]) -> str:
    """Each chip's likeliest level, with its probability when below 1."""
    parts = []
    for chip, levels in side.items():
        level, p = max(levels.items(), key=lambda kv: kv[1])
        parts.append(f"{chip}={level}" + ("" if p >= 0.995 else f" ({p:.2f})"))
    return ", ".join(parts)


def _outcome(p: DynamicPeriod) -> str:
    if not p.outcomes:
        return "-"
    name, q = max(p.outcomes.items(), key=lambda kv: kv[1])
    return name if q >= 0.995 else f"{name} ({q:.2f})"


def render(r: DynamicResult) -> str:
    g = r.game
    pr, pc = g.player_names
    grid = " x ".join(f"{n} {k}" for n, k in r.grid.items())
    lines = [f"{g.title}: the dynamic game", "",
             f"{r.kind}; discount {r.discount:g} per period, selection {r.selection}.",
             f"States: {r.states:,} ({grid} grid points); a value between points is a "
             "lottery over the points around it.",
             f"Solver: {r.iterations} sweeps; {r.ending}. "
             + ("Verified: no player gains by a one-period deviation in any state"
                f" (largest gain {r.regret:.1e})." if r.verified else
                f"NOT an equilibrium: a player gains {r.regret:.3g} by deviating somewhere."),
             f"Each state's play is chosen among all its pure equilibria where it has one "
             f"({r.pure_states:.0%} of the state games); "
             + (f"{r.whole_states:,} without one were solved whole, "
                + ("every list complete." if r.whole_complete else
                   "NOT every list complete (a search that stopped early).")
                if r.whole_states else "none needed solving whole."),
             f"Values from the start: {pr} {r.values[0]:.2f}, {pc} {r.values[1]:.2f} "
             "(discounted sum of expected payoffs).", ""]
    names = list(r.path[0].parameters) if r.path else []
    header = ["period", f"{pr} cards", f"{pc} cards", "outcome", pr, pc, *names]
    rows = [[str(p.period), _cards(p.cards[0]), _cards(p.cards[1]), _outcome(p),
             f"{p.payoffs[0]:.2f}", f"{p.payoffs[1]:.2f}",
             *(f"{p.parameters[n]:.3g}" for n in names)] for p in r.path]
    lines.append(table(header, rows, align="rllrrr" + "r" * len(names)))
    lines.append("")
    lines.append("Cards: each chip's likeliest level, its probability in brackets when below "
                 "1; parameters and payoffs are expected values over the states reached.")
    return "\n".join(lines) + "\n"
