"""``leverage sweep``: every equilibrium at every point of a grid of parameter values."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from model.cli.common import add_grid_arguments, add_wide_argument, fitted, grid_axes, load_setting


def add_engine_arguments(p: argparse.ArgumentParser) -> None:
    """Options of the chunked engine, shared by the commands that solve many points."""
    p.add_argument("--tol", type=float, default=1e-9,
                   help="regret tolerance, relative to each player's largest |payoff| "
                   "(default 1e-9)")
    p.add_argument("--allow-outside", action="store_true",
                   help="let --vary go beyond a parameter's declared plausible range")
    p.add_argument("--engine", choices=("local", "dask"), default="local",
                   help="local: every core of this machine (default); dask: a Dask cluster")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="the Dask scheduler's address, e.g. tcp://10.0.0.5:8786")
    p.add_argument("--workers", type=int, metavar="K",
                   help="local worker processes (default: one per core; 1 runs in-process)")
    p.add_argument("--chunk", type=int, metavar="POINTS",
                   help="points per chunk (default: about 3 million payoff cells per chunk)")
    p.add_argument("--resume", action="store_true",
                   help="continue a stopped run from its checkpoint")
    p.add_argument("--checkpoint", metavar="DIR",
                   help="where finished chunks are kept (default: OUT.partial)")
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="show a progress bar (default: only on a terminal)")
    add_max_points(p)


def _whole(text: str) -> int:
    try:
        v = float(text) if any(c in text for c in ".eE") else int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if isinstance(v, float) and not (v.is_integer() and 0 < v < 2**63):
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number")
    return int(v)


def add_max_points(p: argparse.ArgumentParser) -> None:
    from model.sensitivity.budget import MAX_POINTS

    p.add_argument("--max-points", type=_whole, metavar="N",
                   help=f"refuse runs of more points than this (default {MAX_POINTS:,}); "
                   "runs that hold every result in memory are also refused if it would "
                   "not fit")


def engine_options(args: argparse.Namespace) -> dict:
    from model.errors import UsageError

    if args.workers is not None and args.workers < 1:
        raise UsageError("--workers must be at least 1")
    if args.chunk is not None and args.chunk < 1:
        raise UsageError("--chunk must be at least 1")
    if args.scheduler and args.engine != "dask":
        raise UsageError("--scheduler goes with --engine dask")
    if not args.tol > 0:
        raise UsageError("--tol must be a positive number")
    if args.max_points is not None and args.max_points < 1:
        raise UsageError("--max-points must be at least 1")
    return {"engine": args.engine, "scheduler": args.scheduler, "workers": args.workers,
            "chunk": args.chunk, "progress": args.progress, "max_points": args.max_points}


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "sweep",
        help="solve the game at every point of a grid of parameter values",
        description="Solve the game at every point of the grid spanned by the --vary axes and "
        "write one row per point: the varied parameters, the number of equilibria and, for "
        "each equilibrium, each player's actions and probabilities, the payoffs and the named "
        "outcome. Provenance goes to OUT.provenance.json.",
    )
    add_grid_arguments(p, "repeatable, the grid is their product")
    add_engine_arguments(p)
    p.add_argument("--strict", action="store_true",
                   help="stop at the first point whose equilibria cannot all be found (a game "
                   "left too large to enumerate) instead of marking it and going on")
    add_wide_argument(p)
    p.set_defaults(func=fitted(_cmd_sweep))


def _cmd_sweep(args: argparse.Namespace) -> int:
    from model.errors import UsageError
    from model.io import OutputError
    from model.report.sweep_file import sweep_to_file
    from model.sensitivity.checkpoint import MANIFEST
    from model.sensitivity.engine import Setting
    from model.sensitivity.grid import Grid
    from model.sensitivity.table import check_output

    game, overrides = load_setting(args)
    if not args.out:
        raise UsageError("sweep needs --out FILE.csv or FILE.parquet")
    check_output(args.out)
    grid = Grid(tuple(grid_axes(game, args)))
    clash = sorted(set(overrides) & {a.name for a in grid.axes})
    if clash:
        raise UsageError(f"{clash[0]} is both varied (--vary) and fixed (--set)")
    options = engine_options(args)
    partial = Path(args.checkpoint or f"{args.out}.partial")
    try:
        setting = Setting(args.scenario, overrides, args.tol, args.strict)
        done = sweep_to_file(game, grid, setting, args.out, checkpoint=args.checkpoint,
                             resume=args.resume, **options)
    except OutputError as exc:
        if (partial / MANIFEST).exists():
            raise OutputError(exc.path, f"{exc.reason}; the chunks finished so far are kept "
                              f"in {partial}: run the same command with --resume once it "
                              "can be written") from None
        raise
    except KeyboardInterrupt:
        print("\nstopped; finished chunks are kept: run the same command with --resume to "
              "continue", file=sys.stderr)
        return 130
    print(done.summary())
    print(f"wrote {args.out} and {args.out}.provenance.json", file=sys.stderr)
    return 0
