"""``leverage map``: which outcomes are equilibria over a plane of two parameters, with the
tipping curves between the regions, as a PNG and a CSV."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from model.cli.common import add_grid_arguments, add_wide_argument, fitted, grid_axes, load_setting
from model.cli.sweep import add_engine_arguments, engine_options


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "map",
        help="map which outcomes are equilibria over two parameters, with tipping curves",
        description="Solve the game at every point of the grid of two --vary axes (the first "
        "across, the second up), colour each point by the outcomes of its equilibria, locate "
        "the tipping curves between the regions by bisection and draw them. Writes the PNG "
        "(--out), the points as CSV (--csv; default: next to the PNG, same stem) with "
        "CSV.provenance.json, and the curves' points as STEM.curves.csv; prints the share of "
        "the map in each region and where the curves lie.",
    )
    add_grid_arguments(p, "give exactly two: x first, then y")
    p.add_argument("--csv", metavar="FILE.csv",
                   help="where the points go (default: the PNG's path with .csv)")
    p.add_argument("--no-refine", dest="refine", action="store_false",
                   help="draw the curves at the middle of grid edges, without bisection")
    p.add_argument("--resolution", type=float, default=None, metavar="SHARE",
                   help="width within which the curves are located, as a share of each "
                   "axis's range (default 1e-4)")
    add_engine_arguments(p)
    add_wide_argument(p)
    p.set_defaults(func=fitted(_cmd_map))


def _cmd_map(args: argparse.Namespace) -> int:
    from model.errors import UsageError
    from model.io import output_locks
    from model.report.files import write_tables
    from model.report.plots import figure_format, plot_map
    from model.sensitivity.maps import RESOLUTION, outcome_map

    if len(args.vary) != 2:
        raise UsageError(
            f"map needs exactly two --vary NAME=LO:HI:N (x, then y), got {len(args.vary)}"
            + (": use leverage sweep or leverage tipping for one parameter"
               if len(args.vary) == 1 else "")
        )
    if not args.out:
        raise UsageError("map needs --out FILE.png (or FILE.svg)")
    png = Path(args.out)
    figure_format(png, "--out")
    csv = Path(args.csv) if args.csv else png.with_suffix(".csv")
    if csv.suffix.lower() != ".csv":
        raise UsageError(f"--csv {csv}: the file must end in .csv")
    if csv.resolve() == png.resolve():
        raise UsageError("--csv and --out name the same file")
    resolution = RESOLUTION if args.resolution is None else args.resolution
    if args.resolution is not None and not args.refine:
        raise UsageError("--resolution goes with refinement; drop --no-refine")
    if args.resume and not args.checkpoint:
        raise UsageError("--resume needs --checkpoint DIR (where the stopped run kept its "
                         "chunks)")
    game, overrides = load_setting(args)
    x, y = grid_axes(game, args)
    options = engine_options(args)
    if args.checkpoint:
        options.update(checkpoint=args.checkpoint, resume=args.resume)
    with output_locks(png, csv, args.checkpoint):
        try:
            omap = outcome_map(game, x, y, scenario=args.scenario, params=overrides,
                               tol=args.tol, refine=args.refine, resolution=resolution,
                               **options)
        except KeyboardInterrupt:
            if args.checkpoint:
                print("\nstopped; finished chunks are kept: run the same command with "
                      "--resume to continue", file=sys.stderr)
            return 130
        plot_map(omap, png)
        points, curves = write_tables(omap, csv)
    sys.stdout.write(omap.summary())
    print(f"wrote {png}, {points} and {curves}", file=sys.stderr)
    return 0
