"""``leverage attrition``: who gives in first, and when, in a war of attrition whose prizes and
costs are formulas over the file's parameters. The computation is in
:mod:`model.negotiation.attrition`."""

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


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "attrition",
        help="who gives in first and when: the war of attrition over the file's parameters",
        description="Each side holds its restriction at a cost and wins its prize when the "
                    "other concedes; each concedes at the hazard that leaves the other "
                    "indifferent. Prizes and costs are numbers or formulas over the file's "
                    "parameters; a cost may use t, the time since both began to hold.",
    )
    add_setting_arguments(p)
    p.add_argument("--prize", action="append", required=True, metavar="PLAYER=FORMULA",
                   help="what a side wins when the other concedes; give one per player")
    p.add_argument("--cost", action="append", required=True, metavar="PLAYER=FORMULA",
                   help="a side's cost of holding per period (may use t); one per player")
    add_wide_argument(p)
    p.set_defaults(func=fitted(run))


def _per_player(game: Any, items: list[str], option: str) -> tuple[str, str]:
    """The two sides' formulas of ``--prize`` or ``--cost``, in player order."""
    got: dict[int, str] = {}
    for item in items:
        name, sep, formula = item.partition("=")
        if not sep or not formula.strip():
            raise UsageError(f"{option} expects PLAYER=FORMULA, got '{item}'")
        k = game.player_index(name.strip(), what=f"{option} player")
        if k in got:
            raise UsageError(f"{option} is given twice for {game.player_names[k]}")
        got[k] = formula.strip()
    missing = [game.player_names[k] for k in (0, 1) if k not in got]
    if missing:
        raise UsageError(f"{option} is missing for {' and '.join(missing)}")
    return got[0], got[1]


def run(args: argparse.Namespace) -> int:
    from model.api import attrition
    from model.io import dumps_json
    from model.report.attrition import render
    from model.setting import Setting

    game, overrides = load_setting(args)
    prizes = _per_player(game, args.prize, "--prize")
    costs = _per_player(game, args.cost, "--cost")
    r = attrition(game, Setting(args.scenario, overrides), prizes=prizes, costs=costs)
    if args.json:
        doc = {"players": list(game.player_names), **r.to_json()}
        text = dumps_json(doc, indent=2) + "\n"
    else:
        text = render(game, args.scenario, overrides, prizes, costs, r)
    emit(args, text)
    return EXIT_OK
