"""Solve the baseline game under every scenario and tabulate its equilibria and outcomes.

Usage: python experiments/scenarios.py [--file payoffs/baseline.yaml] [--out experiments/results]

Writes scenarios.csv and scenarios.md (one row per scenario and equilibrium) and
scenarios.settings.json (the payoff file, its SHA-256, the solver and its tolerance, and the
resolved parameter values of every scenario) into the output folder.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import model
from model.io import atomic_write
from model.report.tables import scenario_analyses, scenario_rows, to_csv, to_markdown

ROOT = Path(__file__).resolve().parents[1]
FILE = ROOT / "payoffs" / "baseline.yaml"
OUT = ROOT / "experiments" / "results"
TOL = 1e-9


def _relative(path: Path) -> str:
    try:
        return path.resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return str(path)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--file", type=Path, default=FILE)
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--tol", type=float, default=TOL)
    args = ap.parse_args(argv)
    try:
        game = model.load(args.file)
    except model.PayoffFileError as exc:
        print(exc.render(), file=sys.stderr)
        return 2
    analyses = scenario_analyses(game, tol=args.tol)
    rows = scenario_rows(analyses)
    shown = _relative(args.file)
    settings = {
        "file": shown,
        "sha256": game.sha256,
        "solver": {"method": analyses[0].result.method, "tol": args.tol},
        "players": list(game.player_names),
        "settings": {an.scenario or "baseline": dict(an.parameters) for an in analyses},
    }
    title = f"# {game.title}: equilibria by scenario\n\n"
    note = (f"File `{args.file.name}` (sha256 `{game.sha256[:12]}`), solver "
            f"`{settings['solver']['method']}`, tolerance {args.tol:g}. Row player: "
            f"{game.player_names[0]}; column player: {game.player_names[1]}.\n\n")
    atomic_write(args.out / "scenarios.csv", to_csv(rows))
    atomic_write(args.out / "scenarios.md", title + note + to_markdown(rows))
    atomic_write(args.out / "scenarios.settings.json", json.dumps(settings, indent=2) + "\n")
    for an in analyses:
        outcomes = sorted({r["outcome"] for r in scenario_rows([an]) if r["kind"] == "pure"})
        print(f"{an.scenario or 'baseline':24s} {len(an.result.equilibria):3d} equilibria; "
              f"pure outcomes: {', '.join(o or '(unnamed)' for o in outcomes) or 'none'}")
    print(f"wrote {_relative(args.out)}/scenarios.csv, scenarios.md, scenarios.settings.json")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
