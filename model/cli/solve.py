"""``leverage solve``: the matrix with best replies, dominance, all equilibria, Pareto profiles."""

from __future__ import annotations

import argparse
import math
import shutil

from model.cli.common import (
    EXIT_OK,
    add_setting_arguments,
    add_wide_argument,
    emit,
    fitted,
    load_setting,
)
from model.errors import UsageError
from model.io import dumps_json
from model.limits import MAX_TIMEOUT, SolveTimeout


def _cmd_solve(args: argparse.Namespace) -> int:
    from model.analysis import analyse
    from model.report.solve import render

    game, overrides = load_setting(args)
    if args.timeout is not None and not 0 < args.timeout <= MAX_TIMEOUT:
        if args.timeout != math.inf:
            raise UsageError(f"--timeout must be a positive number of seconds, at most "
                             f"{MAX_TIMEOUT:,.0f} ('inf' for no limit), got "
                             f"'{args.timeout:g}'")
    try:
        an = analyse(game, overrides, args.scenario, tol=args.tol, method=args.method,
                     exact=args.exact, timeout=args.timeout)
    except SolveTimeout as exc:
        m, n = game.shape
        raise SolveTimeout(
            f"{exc}: the game is {m} x {n}. Try a longer --timeout, or --method lemke_howson "
            "for some equilibria quickly."
        ) from None
    if args.json:
        text = dumps_json(an.to_json(), indent=2) + "\n"
    else:
        from model.text import WIDTH

        width = shutil.get_terminal_size((120, 40)).columns if args.wide else WIDTH
        text = render(an, width=width)
    emit(args, text)
    return EXIT_OK


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("solve", help="solve a payoff file: matrix, dominance, all equilibria")
    add_setting_arguments(p)
    p.add_argument("--tol", type=float, default=1e-9,
                   help="tolerance of best replies and of the equilibrium check (default 1e-9)")
    p.add_argument("--method",
                   help="solver method (default: chosen by size; see model.solvers.equilibria)")
    p.add_argument("--exact", action="store_true",
                   help="exact rational arithmetic; JSON also gives fractions under 'exact'")
    p.add_argument("--timeout", type=float, metavar="SECONDS",
                   help="stop the solve cleanly after this many seconds (at most 1e6; "
                   "'inf': no limit); a game too large to enumerate is searched for most of "
                   "that time and the answer says it is not exhaustive (without --timeout the "
                   "search takes 20 s); exit status 3 if it runs out with no answer")
    add_wide_argument(p)
    p.set_defaults(func=fitted(_cmd_solve))
