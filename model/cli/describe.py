"""``leverage describe``: a payoff file's chips, parameters, sources and scenarios."""

from __future__ import annotations

import argparse

from model.cli.common import (
    EXIT_OK,
    add_include_argument,
    add_wide_argument,
    emit,
    fitted,
    include_dirs,
)


def _cmd_describe(args: argparse.Namespace) -> int:
    from model.load import load
    from model.text import table

    game = load(args.file, include_dirs=include_dirs(args))
    out: list[str] = []
    out.append(game.title)
    out.append("=" * len(game.title))
    out.append(game.description.strip())
    out.append("")
    for p in game.players:
        out.append(f"{p.name}: {len(p.actions)} actions from chips "
                   + ", ".join(f"{c.name} [{' / '.join(c.levels)}]" for c in p.chips))
    out.append("")
    if game.parameters:
        out.append("Parameters")
        out.append(table(
            ["name", "value", "range", "unit", "source"],
            [[p.name, f"{p.value:g}", f"[{p.low:g}, {p.high:g}]", p.unit, p.source]
             for p in game.parameters.values()],
            align="lrrll",
        ))
        out.append("")
    if game.derived:
        values = game.derived_values()
        out.append("Derived quantities (formulas over the parameters)")
        out.append(table(
            ["name", "value", "unit", "formula"],
            [[d.name, f"{values[d.name]:.4g}", d.unit, d.formula.text.strip()]
             for d in game.derived],
            align="lrll",
        ))
        out.append("")
    if game.scenarios:
        out.append("Scenarios")
        for s in game.scenarios.values():
            changes = ", ".join(f"{k}={v:g}" for k, v in s.changes.items())
            out.append(f"  {s.name}: {changes}  [{s.source}]")
            out.append(f"      {' '.join(s.description.split())}")
        out.append("")
    if game.outcomes:
        out.append("Outcomes (first match wins): " + ", ".join(o.name for o in game.outcomes))
        out.append("")
    if game.sources:
        out.append("Sources")
        for k, v in game.sources.items():
            out.append(f"  [{k}] {' '.join(v.split())}")
    emit(args, "\n".join(out) + "\n")
    return EXIT_OK


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("describe", help="show a payoff file's chips, parameters and scenarios")
    p.add_argument("file")
    add_include_argument(p)
    add_wide_argument(p)
    p.set_defaults(func=fitted(_cmd_describe))
