"""Every tipping point of the baseline along each parameter's declared range, nearest first.

Usage: python experiments/tipping_points.py [--file payoffs/baseline.yaml] [--scenario S]
       [--out experiments/results] [--initial 64]

For each parameter in turn (the others at their baseline values), bisection finds every value
in the parameter's declared range at which the equilibria or their outcomes change (one
``tipping_points`` call per parameter). The thresholds are tabulated with the sentence that
says what changes, the parameter's baseline value and how far that value is from the
threshold as a share of the range, sorted by that distance: the thresholds nearest today's
values come first. Writes tipping_points.md, tipping_points.csv and tipping_points.json
(with the payoff file's SHA-256, the solver and the points solved against an even grid as
fine) into the output folder.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
import time
from pathlib import Path
from typing import Any

import model
from model.io import atomic_write
from model.sensitivity.tipping import INITIAL, RELATIVE_TOL, tipping_points

ROOT = Path(__file__).resolve().parents[1]
FILE = ROOT / "payoffs" / "baseline.yaml"
OUT = ROOT / "experiments" / "results"
STEM = "tipping_points"
NEAR = 0.05  # "near today's value": within this share of the range
COLUMNS = ["rank", "parameter", "unit", "baseline", "low", "high", "threshold",
           "bracket_low", "bracket_high", "distance", "side", "outcomes_change", "sentence"]


def _relative(path: Path) -> str:
    try:
        return path.resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return str(path)


def collect(game: model.Game, scenario: str | None, initial: int) -> dict[str, Any]:
    """Tipping points of every parameter, and the solves they took."""
    values = game.resolve(None, scenario)
    rows: list[dict[str, Any]] = []
    quiet: list[str] = []
    solves = grid = 0
    for name, info in game.parameters.items():
        r = tipping_points(game, name, scenario=scenario, initial=initial)
        solves += r.solves
        grid += r.grid_solves()
        if not r.tipping_points:
            quiet.append(name)
        base = values[name]
        width = info.high - info.low
        for t in r.tipping_points:
            rows.append({
                "parameter": name, "unit": info.unit, "baseline": base,
                "low": info.low, "high": info.high, "threshold": t.value,
                "bracket_low": t.low, "bracket_high": t.high,
                "distance": abs(t.value - base) / width,
                "side": "above" if t.value > base else "below",
                "outcomes_change": ({d.outcome for d in t.before}
                                    != {d.outcome for d in t.after}),
                "sentence": t.sentence,
            })
    rows.sort(key=lambda r: (r["distance"], r["parameter"], r["threshold"]))
    for k, r in enumerate(rows):
        r["rank"] = k + 1
    return {"rows": rows, "quiet": quiet, "solves": solves, "grid_solves": grid}


def payoff_parameters(game: model.Game) -> set[str]:
    """The parameters the payoffs depend on (directly or through derived quantities); the
    others only drive the dynamics of ``leverage simulate``."""
    used = {n for t in game.terms for n, _ in t.formula.names()}
    for d in reversed(game.derived):
        if d.name in used:
            used |= {n for n, _ in d.formula.names()}
    return used & set(game.parameters)


def to_csv(rows: list[dict[str, Any]]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({k: r[k] for k in COLUMNS})
    return buf.getvalue()


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def to_markdown(game: model.Game, found: dict[str, Any], header: str) -> str:
    rows = found["rows"]
    lines = [f"# {game.title}: tipping points along each parameter\n", header]
    near = [r for r in rows if r["distance"] <= NEAR]
    if near:
        names = ", ".join(dict.fromkeys(f"`{r['parameter']}`" for r in near))
        flips = sum(r["outcomes_change"] for r in near)
        lines.append(f"{len(near)} thresholds lie within {NEAR:.0%} of their range from "
                     f"today's value ({names}); {flips} of them change which outcomes are "
                     "equilibria.\n")
    lines.append("| # | parameter | baseline | threshold | distance (share of range) | "
                 "outcomes change | what changes as the parameter rises past the threshold |")
    lines.append("|---:|---|---:|---:|---:|:---:|---|")
    for r in rows:
        unit = f" {r['unit']}" if r["unit"] else ""
        lines.append(
            f"| {r['rank']} | `{r['parameter']}` [{r['low']:g}, {r['high']:g}]{_cell(unit)} | "
            f"{r['baseline']:g} | {r['threshold']:.6g} | {r['distance']:.3f} "
            f"({r['side']}) | {'yes' if r['outcomes_change'] else 'no'} | "
            f"{_cell(r['sentence'])} |")
    lines.append("")
    used = payoff_parameters(game)
    flat = [n for n in found["quiet"] if n in used]
    idle = [n for n in found["quiet"] if n not in used]
    if flat:
        lines.append("No tipping point anywhere in their declared range: "
                     + ", ".join(f"`{n}`" for n in flat) + ".\n")
    if idle:
        lines.append("The payoffs do not depend on "
                     + ", ".join(f"`{n}`" for n in idle)
                     + " (they drive only the dynamics of `leverage simulate`).\n")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--file", type=Path, default=FILE)
    ap.add_argument("--scenario")
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--initial", type=int, default=INITIAL,
                    help=f"intervals of each first even grid (default {INITIAL})")
    args = ap.parse_args(argv)
    try:
        game = model.load(args.file)
        if args.scenario is not None:
            game.scenario(args.scenario)
    except model.LeverageError as exc:
        print(exc.render() if isinstance(exc, model.PayoffFileError) else exc, file=sys.stderr)
        return 2
    start = time.perf_counter()
    found = collect(game, args.scenario, args.initial)
    seconds = time.perf_counter() - start
    rows = found["rows"]
    where = f"scenario `{args.scenario}`" if args.scenario else "the baseline"
    header = (
        f"File `{_relative(args.file)}` (sha256 `{game.sha256[:12]}`), {where}. Each parameter "
        f"is varied alone over its declared range, the others held at their values; every "
        f"change of the equilibria or of their outcomes is located by bisection to within "
        f"{RELATIVE_TOL:g} of the range. Distance: how far the parameter's value is from the "
        f"threshold, as a share of its range (\"above\": the threshold lies above today's "
        f"value). {len(rows)} tipping points along {len(game.parameters)} parameters; "
        f"{found['solves']} points solved, where even grids as fine would take "
        f"{found['grid_solves']}. \"Outcomes change\": the set of named outcomes of the "
        f"equilibria changes (a boundary on the maps of leverage_map.md), not only the "
        f"actions within them.\n"
    )
    doc = {
        "file": _relative(args.file),
        "sha256": game.sha256,
        "scenario": args.scenario,
        "relative_tol": RELATIVE_TOL,
        "initial": args.initial,
        "parameters": len(game.parameters),
        "solves": found["solves"],
        "grid_solves_same_resolution": found["grid_solves"],
        "no_tipping_point": found["quiet"],
        "tipping_points": rows,
    }
    atomic_write(args.out / f"{STEM}.md", to_markdown(game, found, header))
    atomic_write(args.out / f"{STEM}.csv", to_csv(rows))
    atomic_write(args.out / f"{STEM}.json", json.dumps(doc, indent=2) + "\n")
    for r in rows[:10]:
        print(f"{r['distance']:6.3f}  {r['sentence']}")
    print(f"{len(rows)} tipping points along {len(game.parameters)} parameters in "
          f"{seconds:.1f} s: {found['solves']} points solved (even grids as fine: "
          f"{found['grid_solves']})")
    print(f"wrote {_relative(args.out)}/{STEM}.md, {STEM}.csv, {STEM}.json")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
