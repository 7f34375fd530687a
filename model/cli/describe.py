"""``leverage describe``: a payoff file's chips, parameters, sources and scenarios."""

from __future__ import annotations

import argparse

from model.cli.common import (
    EXIT_OK,
    add_include_argument,
    include_dirs,
)


def _cmd_describe(args: argparse.Namespace) -> int:
    from model.load import load
    from model.text import table

    game = load(args.file, include_dirs=include_dirs(args))
    print(game.title)
    print("=" * len(game.title))
    print(game.description.strip())
    print()
    for p in game.players:
        print(f"{p.name}: {len(p.actions)} actions from chips "
              + ", ".join(f"{c.name} [{' / '.join(c.levels)}]" for c in p.chips))
    print()
    if game.parameters:
        print("Parameters")
        print(table(
            ["name", "value", "range", "unit", "source"],
            [[p.name, f"{p.value:g}", f"[{p.low:g}, {p.high:g}]", p.unit, p.source]
             for p in game.parameters.values()],
            align="lrrll",
        ))
        print()
    if game.derived:
        values = game.derived_values()
        print("Derived quantities (formulas over the parameters)")
        print(table(
            ["name", "value", "unit", "formula"],
            [[d.name, f"{values[d.name]:.4g}", d.unit, d.formula.text.strip()]
             for d in game.derived],
            align="lrll",
        ))
        print()
    if game.scenarios:
        print("Scenarios")
        for s in game.scenarios.values():
            changes = ", ".join(f"{k}={v:g}" for k, v in s.changes.items())
            print(f"  {s.name}: {changes}  [{s.source}]")
            print(f"      {' '.join(s.description.split())}")
        print()
    if game.outcomes:
        print("Outcomes (first match wins): " + ", ".join(o.name for o in game.outcomes))
        print()
    if game.sources:
        print("Sources")
        for k, v in game.sources.items():
            print(f"  [{k}] {' '.join(v.split())}")
    return EXIT_OK


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("describe", help="show a payoff file's chips, parameters and scenarios")
    p.add_argument("file")
    add_include_argument(p)
    p.set_defaults(func=_cmd_describe)
