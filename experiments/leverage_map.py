"""Maps of the baseline: which outcomes are equilibria over planes of two leverage parameters.

Usage: python experiments/leverage_map.py [--file payoffs/baseline.yaml] [--out experiments/results]
       [--n 121] [--only NAME]

Each map solves the game on an N x N grid of two parameters over their declared ranges (the
others at their baseline values), colours each point by the outcomes of its equilibria and
locates the tipping curves between the regions by bisection. For each map this writes
leverage_map_<name>.png, .csv (one row per point, with .csv.provenance.json) and
.curves.csv; leverage_map.md says what the maps show: the share of each region, where the
baseline lies, how far it is from the nearest curve, and where the outcomes change along
each axis through the baseline (one-parameter bisection at the baseline's other value).
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import NamedTuple

import model
from model.io import atomic_write
from model.report.files import write_tables
from model.report.plots import colours_for, plot_map
from model.sensitivity.grid import Axis
from model.sensitivity.maps import OutcomeMap, outcome_map
from model.sensitivity.tipping import tipping_points

ROOT = Path(__file__).resolve().parents[1]
FILE = ROOT / "payoffs" / "baseline.yaml"
OUT = ROOT / "experiments" / "results"
N = 61


class MapSpec(NamedTuple):
    name: str
    x: str
    y: str
    question: str


MAPS = (
    MapSpec("eda", "us_re_dependence", "years_cn_eda_substitution",
            "How does the US's dependence on Chinese rare earths trade off against the time "
            "China needs to replace US chip-design software (the bite of the EDA card)?"),
    MapSpec("security", "us_re_dependence", "us_security_weight",
            "How much must the US value the damage it does to China to hold its cards, at "
            "each level of rare-earth dependence?"),
    MapSpec("substitution", "years_us_magnet_substitution", "years_cn_eda_substitution",
            "The substitution race: how long each side needs to replace the other's card "
            "(US magnet plants against Chinese EDA)."),
)


def _relative(path: Path) -> str:
    try:
        return path.resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return str(path)


def _axis_item(game: model.Game, name: str, n: int) -> str:
    p = game.parameters[name]
    return f"{name}={p.low!r}:{p.high!r}:{n}"


def _axis_text(axis: Axis) -> str:
    return f"{axis.name}={axis.low:g}:{axis.high:g}:{len(axis.values)}"


def overview(maps: list[tuple[MapSpec, OutcomeMap, float, list[str]]]) -> list[str]:
    """One line per map: where the baseline lies and what the nearest curve leads to."""
    lines = []
    for spec, omap, _, _ in maps:
        here = omap.labels[omap.region_at(*omap.point)]
        text = f"- **{spec.name}** (`{omap.y.name}` against `{omap.x.name}`): the baseline " \
               f"lies in \"{here}\""
        near = omap.nearest_curve()
        if near is not None:
            c, _, d = near
            other = c.labels[1] if c.labels[0] == here else c.labels[0]
            text += f", {100 * d:.1f}% of the ranges from a curve beyond which the " \
                    f"equilibria are \"{other}\""
        lines.append(text + ".")
    return lines


def through_baseline(game: model.Game, omap: OutcomeMap) -> list[str]:
    """Where the outcome set changes along each axis through the baseline point, by
    one-parameter bisection (only changes of outcomes, as on the map)."""
    lines = []
    px, py = omap.point
    for along, other, at in ((omap.x, omap.y, py), (omap.y, omap.x, px)):
        r = tipping_points(game, along.name, along.low, along.high,
                           params={**omap.fixed, other.name: at}, scenario=omap.scenario)
        changes = [t for t in r.tipping_points
                   if {d.outcome for d in t.before} != {d.outcome for d in t.after}]
        head = f"Holding `{other.name}` at {at:g}, along `{along.name}`"
        if not changes:
            lines.append(f"{head} the outcomes do not change.")
            continue
        lines.append(f"{head}:")
        lines += [f"  - {t.sentence}" for t in changes]
    return lines


def note(game: model.Game, spec: MapSpec, omap: OutcomeMap, png: Path, seconds: float,
         along: list[str]) -> str:
    x, y = omap.x, omap.y
    px, py = omap.point
    here = omap.labels[omap.region_at(px, py)]
    lines = [f"## {spec.name}: `{y.name}` against `{x.name}`", "",
             f"![{spec.name} map]({png.name})", "", spec.question, "",
             "The same map from the command line: `leverage map "
             f"{omap.file} --vary {_axis_text(x)} --vary {_axis_text(y)} "
             f"--out {png.name}`.", "",
             f"Grid of {len(y.values)} x {len(x.values)} points: `{x.name}` {x.low:g} to "
             f"{x.high:g} {x.unit}, `{y.name}` {y.low:g} to {y.high:g} {y.unit}; {omap.solves} "
             f"points solved ({omap.grid_solves} on the grid, "
             f"{omap.solves - omap.grid_solves} by bisection) in {seconds:.1f} s.", "",
             "| share of the map | outcomes of the equilibria |", "|---:|---|"]
    lines += [f"| {100 * s:.1f}% | {omap.labels[b]} |" for b, s in omap.shares().items()]
    lines += ["", f"The baseline ({x.name} = {px:g}, {y.name} = {py:g}) lies in "
              f"\"{here}\"."]
    near = omap.nearest_curve()
    if near is not None:
        c, (cx, cy), d = near
        other = c.labels[1] if c.labels[0] == here else c.labels[0]
        lines.append(f"The nearest tipping curve, at ({cx:.4g}, {cy:.4g}), is {100 * d:.1f}% "
                     f"of the ranges away; beyond it the equilibria are \"{other}\".")
    lines += ["", *along, "", "Tipping curves:"]
    for c in omap.curves:
        p = c.points
        lines.append(f"  - {c.labels[0]} | {c.labels[1]}: from ({p[0, 0]:.4g}, {p[0, 1]:.4g}) "
                     f"to ({p[-1, 0]:.4g}, {p[-1, 1]:.4g}), {len(p)} points")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--file", type=Path, default=FILE)
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--n", type=int, default=N, help=f"grid points per axis (default {N})")
    ap.add_argument("--only", choices=[m.name for m in MAPS], action="append",
                    help="draw only this map (repeatable)")
    ap.add_argument("--workers", type=int, default=1,
                    help="engine workers for the grids (default 1: in this process)")
    args = ap.parse_args(argv)
    try:
        game = model.load(args.file)
    except model.PayoffFileError as exc:
        print(exc.render(), file=sys.stderr)
        return 2
    specs = [m for m in MAPS if not args.only or m.name in args.only]
    maps: list[tuple[MapSpec, OutcomeMap, float, list[str]]] = []
    for spec in specs:
        start = time.perf_counter()
        omap = outcome_map(game, _axis_item(game, spec.x, args.n),
                           _axis_item(game, spec.y, args.n), workers=args.workers)
        shown = _relative(args.file)  # the provenance names the file as the repository does
        omap = replace(omap, file=shown, provenance={**omap.provenance, "file": shown})
        along = through_baseline(game, omap)
        maps.append((spec, omap, time.perf_counter() - start, along))
    # colour the maps alike: each outcome set, the same colour on every map
    total: dict[int, float] = {}
    for _, omap, _, _ in maps:
        for b, s in omap.shares().items():
            total[b] = total.get(b, 0.0) + s
    colours = colours_for(maps[0][1].outcomes, sorted(total, key=lambda b: -total[b]))
    parts = [f"# {game.title}: maps of the baseline\n",
             f"File `{_relative(args.file)}` (sha256 `{game.sha256[:12]}`). Each map colours "
             "every point of a plane of two parameters (the others at their baseline values) "
             "by the outcomes of its equilibria: \"us concedes + china concedes + mixed\" "
             "means three equilibria, the US easing, China easing, and a mixed equilibrium "
             "between them (the chicken game of the baseline). The black lines are the "
             "tipping curves between regions, located by bisection to a ten-thousandth of "
             "each range; the star is the baseline. Each map's points are in its CSV (one "
             "boolean column `has_<outcome>` per outcome), the curves in its .curves.csv, "
             "the provenance in .csv.provenance.json. Regenerate with "
             "`python experiments/leverage_map.py`.\n", "What the maps show:\n",
             *overview(maps), ""]
    for spec, omap, seconds, along in maps:
        png = args.out / f"leverage_map_{spec.name}.png"
        plot_map(omap, png, colours=colours)
        write_tables(omap, png.with_suffix(".csv"))
        parts.append(note(game, spec, omap, png, seconds, along))
        print(f"{spec.name}: {len(omap.y.values)} x {len(omap.x.values)} points, "
              f"{omap.solves} solved in {seconds:.1f} s; baseline in "
              f"\"{omap.labels[omap.region_at(*omap.point)]}\"; "
              + ", ".join(f"{100 * s:.1f}% {omap.labels[b]}" for b, s in omap.shares().items()))
    atomic_write(args.out / "leverage_map.md", "\n".join(parts))
    print(f"wrote {_relative(args.out)}/leverage_map.md and "
          + ", ".join(f"leverage_map_{s.name}.png/.csv" for s in specs))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
