"""``leverage schema``: the JSON Schema of payoff files."""

from __future__ import annotations

import argparse

from model.cli.common import (
    EXIT_OK,
    emit,
)


def _cmd_schema(args: argparse.Namespace) -> int:
    from model.payoffs.spec import json_schema_text

    text = json_schema_text()
    emit(args, text)
    return EXIT_OK


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("schema", help="print the JSON Schema of payoff files")
    p.add_argument("--out", help="write to this file (atomically)")
    p.set_defaults(func=_cmd_schema)
