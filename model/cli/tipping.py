"""``leverage tipping``: where, along a parameter's range, the equilibria change."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from model.cli.common import add_setting_arguments, add_wide_argument, emit, fitted, load_setting
from model.cli.sweep import add_max_points
from model.io import dumps_json

if TYPE_CHECKING:
    from model.sensitivity.tipping import TippingResult


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "tipping",
        help="find where along a parameter's range the equilibria change",
        description="Locate, by bisection to --tol, every value of a parameter at which the "
        "set of equilibria or their outcomes change, and say what changes.",
    )
    add_setting_arguments(p)
    p.add_argument("--vary", action="append", required=True, metavar="NAME[=LO:HI]",
                   help="the parameter and its range (default: its declared range); "
                   "repeatable, each parameter is examined on its own (--json then prints a "
                   "list of objects, one per --vary)")
    p.add_argument("--tol", dest="width", type=float, metavar="T",
                   help="width within which each tipping point is located (default: a "
                   "ten-thousandth of the range)")
    p.add_argument("--initial", type=int, default=64, metavar="K",
                   help="intervals of the first even grid (default 64)")
    p.add_argument("--allow-outside", action="store_true",
                   help="let the range go beyond the parameter's declared plausible range")
    add_max_points(p)
    add_wide_argument(p)
    p.set_defaults(func=fitted(_cmd_tipping))


def _cmd_tipping(args: argparse.Namespace) -> int:
    from model.sensitivity.grid import parse_vary
    from model.sensitivity.tipping import tipping_points

    game, overrides = load_setting(args)
    results: list[TippingResult] = []
    for item in args.vary:
        if "=" in item:
            axis = parse_vary(game, item, need_n=False, allow_outside=args.allow_outside)
            lo, hi, name = axis.low, axis.high, axis.name
        else:
            name, lo, hi = item.strip(), None, None
        results.append(tipping_points(
            game, name, lo, hi, scenario=args.scenario, params=overrides, tol=args.width,
            initial=args.initial, allow_outside=args.allow_outside,
            max_points=args.max_points))
    if args.json:
        data = [r.to_json() for r in results]
        text = dumps_json(data[0] if len(data) == 1 else data, indent=2) + "\n"
    else:
        text = "\n".join(render(r) for r in results)
    emit(args, text)
    return 0


def render(r: TippingResult) -> str:
    lines = [f"{r.parameter} from {r.range[0]:g} to {r.range[1]:g}"
             + (f" ({r.unit})" if r.unit else "")
             + f", located to within {r.tol:.3g}:"]
    if not r.tipping_points:
        lines.append("  the equilibria do not change anywhere in this range "
                     f"(first grid of {r.initial} intervals).")
    for t in r.tipping_points:
        lines.append(f"  - {t.sentence}")
    lines.append(f"  ({r.solves} points solved; an even grid as fine would take "
                 f"{r.grid_solves()})")
    return "\n".join(lines) + "\n"
