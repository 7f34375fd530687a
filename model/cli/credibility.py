"""``leverage credibility``: whether a deal holds when the game is played again every period.

"Today they are willing to give you something, but tomorrow they might want to take it back."
For a deal profile, each side's one-period gain from reneging, the punishment that follows,
and the discount factor above which the threat keeps the deal (grim trigger, or a punishment
of a few periods), with the option of a one-off cost of re-imposing a restriction. The
computation is in :mod:`model.negotiation.repeated`.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from model.cli.common import add_setting_arguments, add_wide_argument, fitted
from model.cli.sequential import emit, load_setting
from model.errors import UsageError
from model.game import Game
from model.io import dumps_json
from model.negotiation.repeated import (
    Credibility,
    Punishment,
    credibility,
    credibility_profiles,
    deal_profile,
    punishments,
    resolve_discount,
    resolve_value,
)
from model.report.credibility import _inf, _period, render, to_json
from model.solvers.equilibria import solve


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "credibility",
        help="whether a deal holds in the repeated game: gains from reneging, punishment, "
             "critical discount factors",
        description="A deal holds if each side values the future enough that the punishment "
                    "for taking back what it gave outweighs the gain. Grim trigger (Friedman "
                    "1971), finite punishments and a cost of re-imposing a restriction.",
    )
    add_setting_arguments(p)
    p.add_argument("--deal", required=True,
                   help="an outcome name (its profile with the largest total payoff), "
                        "profile:i,j (0-based) or profile:R<k>,C<l> (report codes), or "
                        "'ROW ACTION / COLUMN ACTION'")
    p.add_argument("--punishment", default="equilibrium",
                   help="equilibrium (the stage equilibrium worst for each deviator; the "
                        "default), equilibrium:K (the K-th equilibrium of 'leverage solve'), "
                        "or minmax (each side held to its minmax value)")
    p.add_argument("--punishment-length", type=int, metavar="L",
                   help="punish for L periods, then return to the deal (default: for ever)")
    p.add_argument("--discount", metavar="DELTA",
                   help="per-period discount factor: a number, a parameter or derived name, or "
                        "a formula over them (default: the file's 'patience' parameter)")
    p.add_argument("--reimpose-cost", action="append", metavar="C",
                   help="one-off cost paid by the punisher when the punishment starts: a "
                        "number or formula for both sides, or PLAYER=C for one; repeatable")
    add_wide_argument(p)
    p.set_defaults(func=fitted(run))


# ---------------------------------------------------------------------------- inputs
def _costs(game: Game, values: Mapping[str, float], items: Sequence[str] | None
           ) -> tuple[float, float]:
    """The re-imposing cost paid by each side, (row's, column's)."""
    costs = [0.0, 0.0]
    given = [False, False]
    for item in items or []:
        m = re.fullmatch(r"\s*([A-Za-z][A-Za-z0-9_\-]*)\s*=(?!=)(.*)", item)
        sides: tuple[int, ...] = (0, 1)
        text = item
        if m and m.group(1).lower() in (p.lower() for p in game.player_names):
            sides = (0,) if game.player_names[0].lower() == m.group(1).lower() else (1,)
            text = m.group(2)
        value = resolve_value(game, values, text, "--reimpose-cost")
        if value < 0:
            raise UsageError(f"--reimpose-cost: a cost must be >= 0, got {value:g} from "
                             f"'{item}'")
        for s in sides:
            if given[s]:
                raise UsageError(f"--reimpose-cost: {game.player_names[s]}'s cost is given "
                                 "twice")
            costs[s], given[s] = value, True
    return costs[0], costs[1]


def _others(game: Game, A: np.ndarray, B: np.ndarray, args: argparse.Namespace,
            r: Credibility, costs: tuple[float, float],
            pun: tuple[Punishment, Punishment]) -> dict[str, Any] | None:
    """For a deal named by its outcome: how many of the outcome's profiles hold, and the
    best (by total payoff) of those that do."""
    spec = args.deal.strip().lower()
    match = [o for o in game.outcomes if o.name.lower() == spec]
    if not match:
        return None
    profiles = np.argwhere(match[0].mask)
    c = credibility_profiles(A, B, profiles, punishment=args.punishment, discount=r.discount,
                             length=args.punishment_length, cost=costs, punishments=pun)
    total = c.payoffs[:, 0] + c.payoffs[:, 1]
    holding = c.holds if c.holds is not None else np.zeros(len(profiles), dtype=bool)
    best = int(np.argmax(np.where(holding, total, -np.inf))) if holding.any() else None
    lowest = int(np.argmin(c.threshold))

    def entry(k: int) -> dict[str, Any]:
        return {"profile": [int(x) for x in profiles[k]],
                "payoffs": [float(x) for x in c.payoffs[k]],
                "critical_discount": _inf(float(c.threshold[k]))}

    return {
        "outcome": match[0].name,
        "profiles": len(profiles),
        "holding": int(holding.sum()) if r.discount is not None else None,
        "best_holding": None if best is None else entry(best),
        "lowest_threshold": entry(lowest),
    }


def run(args: argparse.Namespace) -> int:
    game, overrides, values, A, B = load_setting(args)
    if args.punishment_length is not None and args.punishment_length < 1:
        raise UsageError(f"--punishment-length must be at least 1, got {args.punishment_length}")
    deal = deal_profile(game, A, B, args.deal)
    discount, source = resolve_discount(game, values, args.discount)
    costs = _costs(game, values, args.reimpose_cost)
    sim = solve(A, B, chips=game.chip_layout)
    pun = punishments(A, B, sim, args.punishment)
    r = credibility(A, B, deal, punishment=args.punishment, discount=discount,
                    length=args.punishment_length, cost=costs, simultaneous=sim,
                    punishments=pun)
    others = _others(game, A, B, args, r, costs, pun)
    if args.json:
        text = dumps_json(to_json(game, args, overrides, values, r, source, A, B, others),
                          indent=2) + "\n"
    else:
        text = render(game, args, overrides, r, source, _period(game, source), others)
    emit(args, text)
    return 0
