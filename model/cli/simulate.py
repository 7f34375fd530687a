"""``leverage simulate``: play a game period after period while its parameters move with the
actions played (the payoff file's ``dynamics`` section), or compare how long to hold a forced
restriction."""

from __future__ import annotations

import argparse
import sys

from model.cli.common import add_setting_arguments
from model.dynamics.simulate import (
    DEFAULT_SELECTION,
    SELECTIONS,
    RestrictionComparison,
    SimulationResult,
    check_selection,
    compare_restriction_lengths,
    parse_force,
    simulate,
)
from model.errors import UsageError
from model.game import Game
from model.io import atomic_write, dumps_json
from model.text import table


def register(subparsers: argparse._SubParsersAction) -> None:
    rules = "; ".join(f"{k}: {v}" for k, v in SELECTIONS.items())
    p = subparsers.add_parser(
        "simulate",
        help="play the game over several periods while its parameters move",
        description="Re-solve the game each period, pick one equilibrium by a selection rule, "
        "and move the parameters by the file's dynamics rules.",
    )
    add_setting_arguments(p)
    p.add_argument(
        "--periods",
        type=int,
        required=True,
        metavar="T",
        help="number of periods to play (at least 1)",
    )
    p.add_argument(
        "--select",
        default=DEFAULT_SELECTION,
        metavar="RULE",
        help=f"equilibrium selection rule (default {DEFAULT_SELECTION}). {rules}",
    )
    p.add_argument(
        "--force",
        action="append",
        metavar="PLAYER=CHIP=LEVEL,...[:PERIODS]",
        help="hold a player's chips at these levels in these periods (1-3, 4, 5-; "
        "default every period); the other side best-responds. Repeatable",
    )
    p.add_argument(
        "--compare-lengths",
        metavar="L1,L2,...",
        help="with one --force (without periods): run once per length L, holding "
        "the forced levels in periods 1 to L (T for every period), and compare the "
        "cumulative discounted payoffs",
    )
    p.add_argument(
        "--discount",
        type=float,
        metavar="D",
        help="discount factor per period in (0, 1] (default: the file's dynamics.discount, else 1)",
    )
    p.add_argument("--csv", metavar="FILE", help="write the path (or the comparison) as CSV")
    p.add_argument("--plot", metavar="FILE", help="write a PNG figure of the path")
    p.set_defaults(func=run)


def parse_lengths(text: str, periods: int) -> list[int]:
    """``0,1,2,4,T`` -> ``[0, 1, 2, 4, periods]``."""
    out = []
    for token in (t.strip() for t in text.split(",")):
        if token.upper() == "T":
            out.append(periods)
            continue
        try:
            out.append(int(token))
        except ValueError:
            raise UsageError(
                f"--compare-lengths expects whole numbers or T separated by "
                f"commas, got '{token}' in '{text}'"
            ) from None
    return out


def run(args: argparse.Namespace) -> int:
    from model.cli.common import load_setting

    game, overrides = load_setting(args)
    if args.periods < 1:
        raise UsageError(f"--periods must be at least 1, got {args.periods}")
    check_selection(args.select)
    forces = [parse_force(game, text) for text in (args.force or [])]
    if args.compare_lengths is not None:
        if len(forces) != 1:
            raise UsageError("--compare-lengths needs exactly one --force: the levels to hold")
        if args.force[0].rpartition(":")[1]:
            raise UsageError(
                "with --compare-lengths, give --force without periods: the "
                "lengths say how long the levels are held"
            )
        lengths = parse_lengths(args.compare_lengths, args.periods)
        f = forces[0]
        levels = args.force[0].partition("=")[2]
        comparison = compare_restriction_lengths(
            game,
            f.player,
            levels,
            lengths,
            args.periods,
            scenario=args.scenario,
            params=overrides,
            selection=args.select,
            discount=args.discount,
        )
        _write_comparison(args, comparison)
        return 0
    result = simulate(
        game,
        args.periods,
        scenario=args.scenario,
        params=overrides,
        selection=args.select,
        policy=forces,
        discount=args.discount,
    )
    _write_result(args, result)
    return 0


def _emit(args: argparse.Namespace, text: str) -> None:
    from model.cli.common import emit

    emit(args, text)

def _write_result(args: argparse.Namespace, result: SimulationResult) -> None:
    if args.csv:
        atomic_write(args.csv, result.to_csv())
        print(f"wrote {args.csv}", file=sys.stderr)
    if args.plot:
        from model.report.plots import save, simulation_png

        save(args.plot, simulation_png(result))
        print(f"wrote {args.plot}", file=sys.stderr)
    if args.json:
        _emit(args, dumps_json(result.to_json(), indent=2) + "\n")
    else:
        _emit(args, render(result))


def _write_comparison(args: argparse.Namespace, comparison: RestrictionComparison) -> None:
    if args.csv:
        import csv
        import io

        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        names = comparison.runs[0].game.player_names
        w.writerow(["length", f"{names[0]}_cumulative", f"{names[1]}_cumulative", "outcomes"])
        for k, r, row in zip(comparison.lengths, comparison.runs, comparison.rows(), strict=True):
            w.writerow([k, repr(r.cumulative[0]), repr(r.cumulative[1]), row[3]])
        atomic_write(args.csv, buf.getvalue())
        print(f"wrote {args.csv}", file=sys.stderr)
    if args.plot:
        from model.report.plots import comparison_png, save

        save(args.plot, comparison_png(comparison))
        print(f"wrote {args.plot}", file=sys.stderr)
    if args.json:
        _emit(args, dumps_json(comparison.to_json(), indent=2) + "\n")
    else:
        _emit(args, render_comparison(comparison))


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
    lines.append(table(result.header(), result.rows(compact=True), align="r"))
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
