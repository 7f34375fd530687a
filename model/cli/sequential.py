"""``leverage sequential``: who gains from moving first.

One side commits first (to one action, or to a mix the other observes) and the other
best-replies; the result is set against the simultaneous game's equilibria. The computation
is in :mod:`model.negotiation.stackelberg`.
"""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np

from model.cli.common import add_setting_arguments, add_wide_argument, fitted
from model.game import Game
from model.io import dumps_json
from model.negotiation.stackelberg import stackelberg
from model.report.sequential import render, to_json
from model.solvers.equilibria import solve


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "sequential",
        help="who gains from moving first: Stackelberg commitment against the simultaneous game",
        description="One side (the leader) commits first, to one action or to a mix the other "
                    "side observes; the other best-replies. Compared with the simultaneous "
                    "game's equilibria.",
    )
    add_setting_arguments(p)
    p.add_argument("--leader", required=True,
                   help="the side that moves first: a player name (any case), 'row' or 'col'")
    p.add_argument("--tie-break", default="leader-best",
                   choices=["leader-best", "follower-worst", "strong", "weak"],
                   help="how the follower breaks ties: in the leader's favour (leader-best, "
                        "strong; the default) or against it (follower-worst, weak)")
    add_wide_argument(p)
    p.set_defaults(func=fitted(run))


# ---------------------------------------------------------------------------- shared helpers
def load_setting(
    args: argparse.Namespace,
) -> tuple[Game, dict[str, float], dict[str, float], np.ndarray, np.ndarray]:
    """The game, the --set overrides, the resolved parameter values and the matrices."""
    from model.cli.common import load_setting as game_and_overrides

    game, overrides = game_and_overrides(args)
    values = game.resolve(overrides, args.scenario)
    A, B = game.matrices(values)
    return game, overrides, values, A, B


def emit(args: argparse.Namespace, text: str) -> None:
    from model.cli.common import emit as write

    write(args, text)


def leader_index(game: Game, name: str) -> int:
    """0 or 1 for the leader named (:meth:`Game.player_index`)."""
    return game.player_index(name, what="leader")


def run(args: argparse.Namespace) -> int:
    game, overrides, values, A, B = load_setting(args)
    leader = leader_index(game, args.leader)
    sim = solve(A, B, chips=game.chip_layout)
    results = {s: stackelberg(A, B, s, tie_break=args.tie_break, simultaneous=sim)
               for s in (0, 1)}
    if args.json:
        text = dumps_json(to_json(game, args.scenario, overrides, values, results, leader, A,
                                  B), indent=2) + "\n"
    else:
        text = render(game, args.scenario, overrides, results, leader, A, B)
    emit(args, text)
    return 0
