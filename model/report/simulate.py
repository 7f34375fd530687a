"""What ``leverage simulate`` shows: the path period by period and the comparison of restriction
lengths, in words, as JSON and as CSV."""

from __future__ import annotations

from model.dynamics.compare import RestrictionComparison
from model.dynamics.simulate import SELECTIONS, SimulationResult
from model.game import Game
from model.text import table, text_width


def _setting(game: Game, result: SimulationResult) -> list[str]:
    lines = []
    start = f"scenario {result.scenario}" if result.scenario else "the baseline"
    if result.overrides:
        start += "; " + ", ".join(f"{k}={v:g}" for k, v in result.overrides.items())
    lines.append(f"Starting values: {start}")
    lines.append(f"Selection: {result.selection} ({SELECTIONS[result.selection]})")
    d = game.dynamics
    lines.append(f"Discount factor per period: {result.discount}")
    if d is None:
        lines.append("The file has no dynamics: every period repeats the same game.")
    else:
        count = f"{len(d.rules)} rule{'s' if len(d.rules) > 1 else ''}"
        lines.append(f"Dynamics: {count} moving " + ", ".join(d.parameters))
    for f in result.policy:
        lines.append(f"Forced: {f.text} in periods {f.periods_text()} (marked *)")
    names = game.player_names
    chips = "; ".join(
        f"{names[p]} = " + " / ".join(c.name for c in game.players[p].chips) for p in (0, 1)
    )
    lines.append(f"Actions: {chips}")
    return lines


def render(result: SimulationResult) -> str:
    game = result.game
    unit = result.period_unit
    each = f" of {unit}" if unit else ""
    lines = [f"{game.title}: {len(result.periods)} periods{each}"]
    lines += _setting(game, result)
    lines.append("")
    lines.extend(_path(result))
    lines.append("")
    names = game.player_names
    u, v = result.cumulative
    pay = (
        f" (the sum of each period's payoff in {result.payoff_unit}, discounted)"
        if result.payoff_unit
        else ""
    )
    lines.append(f"Cumulative discounted payoff: {names[0]} {u:.2f}, {names[1]} {v:.2f}{pay}")
    for note in result.notes:
        lines.append(f"Note: {note} (marked !)")
    lines.append(_completeness(result))
    return "\n".join(lines) + "\n"


def _path(result: SimulationResult) -> list[str]:
    """The path as one table; within a width limit, as three: the tracked parameters, the
    strategies, and the payoffs and outcome, each row one period."""
    header, rows = result.header(), result.rows(compact=True)
    whole = table(header, rows, align="r", width=None)
    limit = text_width()
    if limit is None or max(len(line) for line in whole.splitlines()) <= limit:
        return [whole]
    t = len(result.tracked)
    parts = [
        ("Parameters at the start of each period", [0, *range(1, t + 1)], "r"),
        ("Strategies", [0, t + 1, t + 2], "rll"),
        ("Payoffs and outcome", [0, t + 3, t + 4, t + 6, t + 7, t + 5], "rrrrrl"),
    ]
    out: list[str] = []
    for title, cols, align in parts:
        if len(cols) < 2:
            continue
        if out:
            out.append("")
        out.append(title)
        out.append(table([header[c] for c in cols], [[r[c] for c in cols] for r in rows],
                         align=align))
    return out


def _completeness(result: SimulationResult) -> str:
    """Whether each period's equilibrium was selected among all of that period's equilibria."""
    partial = [r for r in result.periods if not r.complete]
    if not partial:
        return ("Equilibria: every period's list is complete (the enumeration was exhaustive), "
                "so each selection is among all of them.")
    which = ", ".join(str(r.period) for r in partial)
    return (f"Equilibria: in period{'s' if len(partial) > 1 else ''} {which} the list is not "
            f"complete ({partial[0].guarantee}); the selection there is among the equilibria "
            "found.")


def render_comparison(comparison: RestrictionComparison) -> str:
    first = comparison.runs[0]
    game = first.game
    each = f" of {first.period_unit}" if first.period_unit else ""
    lines = [
        f"{game.title}: {comparison.forced} held for the first L of "
        f"{len(first.periods)} periods{each}, free play afterwards"
    ]
    lines += [line for line in _setting(game, first) if not line.startswith("Forced")]
    lines.append("")
    lines.append(table(comparison.header(), comparison.rows(), align="rrrl"))
    lines.append("")
    best = comparison.best_length()
    held = {0: "never held", 1: "held in period 1"}.get(best, f"held in periods 1-{best}")
    lines.append(f"Best length for {comparison.side}: {best} ({held})")
    notes = sorted({n for r in comparison.runs for n in r.notes})
    if notes:
        lines.append("Clipping happened in some runs: see --json for each run's notes.")
    return "\n".join(lines) + "\n"
