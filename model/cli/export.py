"""``leverage export``: a game's payoff matrices in Gambit's strategic-form format."""

from __future__ import annotations

import argparse

from model.cli.common import (
    EXIT_OK,
    add_setting_arguments,
    emit,
    load_setting,
)


def _cmd_export(args: argparse.Namespace) -> int:
    from model.nfg import game_to_nfg

    game, overrides = load_setting(args)
    A, B = game.matrices(overrides, args.scenario)
    setting = f"scenario {args.scenario}" if args.scenario else "baseline"
    if overrides:
        setting += "; " + ", ".join(f"{k}={v:g}" for k, v in overrides.items())
    comment = f"Exported from {args.file} ({setting}); sha256 {game.sha256}"
    text = game_to_nfg(game, A, B, comment)
    emit(args, text)
    return EXIT_OK


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("export", help="write a game's payoff matrices in another format")
    add_setting_arguments(p, json_flag=False)
    p.add_argument("--to", choices=["nfg"], required=True, help="format: nfg (Gambit)")
    p.set_defaults(func=_cmd_export)
