"""``leverage simulate``: play a game period after period while its parameters move with the
actions played (the payoff file's ``dynamics`` section), or compare how long to hold a forced
restriction."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from model.cli.common import add_setting_arguments, add_wide_argument, emit, fitted
from model.dynamics.compare import RestrictionComparison, compare_restriction_lengths
from model.dynamics.policy import parse_force
from model.dynamics.simulate import (
    DEFAULT_SELECTION,
    SELECTIONS,
    SimulationResult,
    check_selection,
    simulate,
)
from model.errors import UsageError
from model.io import atomic_write, dumps_json
from model.report.simulate import render, render_comparison


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
    p.add_argument("--plot", metavar="FILE",
                   help="write a figure of the path: PNG, or SVG if FILE ends in .svg")
    add_wide_argument(p)
    p.set_defaults(func=fitted(run))


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
    if args.plot:
        from model.report.plot_style import figure_format

        figure_format(args.plot, "--plot")
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


def _write_result(args: argparse.Namespace, result: SimulationResult) -> None:
    """The outputs of one simulated path: CSV, figure, and the JSON or the report."""

    def figure(fmt: str) -> bytes:
        from model.report.plots import simulation_png

        return simulation_png(result, fmt)

    _write_outputs(args, result.to_csv, figure, result.to_json, lambda: render(result))


def _write_comparison(args: argparse.Namespace, comparison: RestrictionComparison) -> None:
    """The outputs of a comparison of restriction lengths: CSV, figure, and the JSON or the
    report."""

    def figure(fmt: str) -> bytes:
        from model.report.plots import comparison_png

        return comparison_png(comparison, fmt)

    _write_outputs(args, lambda: _comparison_csv(comparison), figure, comparison.to_json,
                   lambda: render_comparison(comparison))


def _write_outputs(args: argparse.Namespace, csv: Callable[[], str],
                   figure: Callable[[str], bytes],
                   doc: Callable[[], Any], text: Callable[[], str]) -> None:
    """Write the CSV (--csv) and the figure (--plot) asked for, each announced on stderr, then
    emit the JSON (--json) or the report; each is made only if it is asked for."""
    if args.csv:
        atomic_write(args.csv, csv())
        print(f"wrote {args.csv}", file=sys.stderr)
    if args.plot:
        from model.report.plots import figure_format, save

        save(args.plot, figure(figure_format(args.plot, "--plot")))
        print(f"wrote {args.plot}", file=sys.stderr)
    if args.json:
        emit(args, dumps_json(doc(), indent=2) + "\n")
    else:
        emit(args, text())


def _comparison_csv(comparison: RestrictionComparison) -> str:
    """One row per restriction length: the cumulative payoffs and the outcomes."""
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    names = comparison.runs[0].game.player_names
    w.writerow(["length", f"{names[0]}_cumulative", f"{names[1]}_cumulative", "outcomes"])
    for k, r, row in zip(comparison.lengths, comparison.runs, comparison.rows(), strict=True):
        w.writerow([k, repr(r.cumulative[0]), repr(r.cumulative[1]), row[3]])
    return buf.getvalue()
