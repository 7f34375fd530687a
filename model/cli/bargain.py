"""``leverage bargain``: the deals bargaining theory predicts, and what moves them."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from model.cli.common import add_setting_arguments, add_wide_argument, emit, fitted, load_setting
from model.errors import UsageError
from model.io import dumps_json

HELP = """\
Bargain over a game's payoffs. Agreements are lotteries over profiles (or over the profiles of
named outcomes, with --deals); the disagreement point is an equilibrium (picked by --rule), each
side's security level (maxmin), the status quo or a given profile. Prints the Nash,
Kalai-Smorodinsky and egalitarian bargains, Nash's variable-threat bargain and Rubinstein's
alternating-offers bargain, each as the deal the sides would strike, and with --leverage how
each moves with a parameter. Powers and discount factors are numbers, parameter or derived
names, or formulas over them.

rules for --disagreement equilibrium:
  payoff-dominant   the highest sum of payoffs (default)
  lowest-sum        the lowest sum of payoffs (the costliest equilibrium)
  best-for:PLAYER   the highest payoff for PLAYER
  worst-for:PLAYER  the lowest payoff for PLAYER
ties go to the equilibrium leverage solve lists first."""


def _pairs(items: Sequence[str] | None, option: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items or []:
        name, sep, value = item.partition("=")
        name, value = name.strip(), value.strip()
        if not sep or not name or not value:
            raise UsageError(f"{option} expects PLAYER=VALUE, got '{item}'")
        if name in out:
            raise UsageError(f"{option} {name} is given twice")
        out[name] = value
    return out


def _deals(text: str | None) -> tuple[str, ...] | None:
    if text is None:
        return None
    names = tuple(n.strip() for n in text.split(",") if n.strip())
    if not names:
        raise UsageError("--deals expects outcome names separated by commas, e.g. deal,truce")
    return names


def _cmd_bargain(args: argparse.Namespace) -> int:
    from model.negotiation.bargaining.leverage import leverage
    from model.negotiation.bargaining.pipeline import BargainOptions, bargain
    from model.report.bargain import bargain_json, render

    game, overrides = load_setting(args)
    if not 0 < args.tol < 1:
        raise UsageError("--tol must be between 0 and 1")
    settings = BargainOptions(
        deals=_deals(args.deals),
        disagreement=args.disagreement,
        rule=args.rule,
        powers=_pairs(args.power, "--power"),
        discounts=_pairs(args.discount, "--discount"),
        first=args.first,
        tol=args.tol,
    )
    b = bargain(game, overrides, args.scenario, settings)
    wanted = list(dict.fromkeys(args.leverage or []))
    levers = [leverage(game, p, overrides, args.scenario, settings, args.points) for p in wanted]
    if args.json:
        text = dumps_json(bargain_json(b, levers), indent=2) + "\n"
    else:
        text = render(b, levers)
    emit(args, text)
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "bargain",
        help="bargaining solutions: Nash, Kalai-Smorodinsky, egalitarian, threats, Rubinstein",
        description=HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_setting_arguments(p)
    p.add_argument("--deals", metavar="OUTCOME,...",
                   help="agree only on profiles in these named outcomes (default: any profile)")
    p.add_argument("--disagreement", default="equilibrium", metavar="SPEC",
                   help="equilibrium (default), equilibrium:K, equilibrium:OUTCOME, maxmin, "
                        "status-quo, or profile:R08,C01 (codes) / profile:7,0 (0-based)")
    p.add_argument("--rule", default="payoff-dominant",
                   help="which equilibrium, if several (default payoff-dominant; see above)")
    p.add_argument("--power", action="append", metavar="PLAYER=VALUE",
                   help="bargaining power in (0, 1), the other side has the rest (default "
                        "equal); both players: positive weights")
    p.add_argument("--discount", action="append", metavar="PLAYER=VALUE",
                   help="discount factor per round in (0, 1) for Rubinstein (default 0.99)")
    p.add_argument("--first", metavar="PLAYER",
                   help="who proposes first in Rubinstein (default: the row player)")
    p.add_argument("--leverage", action="append", metavar="PARAM",
                   help="how each bargain moves with this parameter; repeatable")
    p.add_argument("--points", type=int, default=5,
                   help="points in each --leverage sweep over the parameter's range (default 5)")
    p.add_argument("--tol", type=float, default=1e-9,
                   help="relative tolerance of the solver and of the frontier (default 1e-9)")
    add_wide_argument(p)
    p.set_defaults(func=fitted(_cmd_bargain))
