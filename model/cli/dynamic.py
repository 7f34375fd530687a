"""``leverage dynamic``: the dynamic game of a payoff file, in which each side foresees what its
cards do to dependence and substitution. The computation is in :mod:`model.dynamics.dynamic`."""

from __future__ import annotations

import argparse
from typing import Any

from model.cli.common import (
    EXIT_OK,
    add_setting_arguments,
    add_wide_argument,
    emit,
    fitted,
    load_setting,
)
from model.errors import UsageError
from model.negotiation.stochastic import SELECTIONS


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "dynamic",
        help="the dynamic game: cards that move the state, equilibria that foresee it",
        description="Solve the game whose state is the parameters the file's dynamics rules "
                    "move, on the grid of dynamics.grid: a Markov perfect equilibrium of the "
                    "discounted game, or with --horizon the subgame-perfect equilibrium of "
                    "the game played that many periods; then follow it from the setting.",
    )
    add_setting_arguments(p)
    p.add_argument("--horizon", type=int, metavar="T",
                   help="solve the game played T periods by backward induction instead")
    p.add_argument("--periods", type=int, default=10, metavar="N",
                   help="periods of the path shown (default 10; with --horizon: T)")
    p.add_argument("--grid", action="append", metavar="NAME=POINTS",
                   help="grid points of a state parameter (default: the file's dynamics.grid)")
    p.add_argument("--select", default="pareto", choices=SELECTIONS,
                   help="which equilibrium of a state's game is played when it has several "
                        "(default pareto: the largest sum of payoffs)")
    p.add_argument("--discount", type=float, metavar="D",
                   help="discount factor per period (default: the file's dynamics.discount)")
    add_wide_argument(p)
    p.set_defaults(func=fitted(run))


def _grid(items: list[str] | None) -> dict[str, int]:
    out: dict[str, int] = {}
    for item in items or ():
        name, sep, value = item.partition("=")
        try:
            out[name.strip()] = int(value)
        except ValueError:
            raise UsageError(f"--grid expects NAME=POINTS (a whole number), got '{item}'") from None
        if not sep:
            raise UsageError(f"--grid expects NAME=POINTS, got '{item}'")
    return out


def run(args: argparse.Namespace) -> int:
    from model.api import dynamic
    from model.io import dumps_json
    from model.report.dynamic import render
    from model.setting import Setting

    game, overrides = load_setting(args)
    r = dynamic(game, Setting(args.scenario, overrides), horizon=args.horizon,
                periods=args.periods, grid=_grid(args.grid), selection=args.select,
                discount=args.discount)
    if args.json:
        text = dumps_json({"players": list(game.player_names), **r.to_json()}, indent=2) + "\n"
    else:
        text = render(r)
    emit(args, text)
    return EXIT_OK
