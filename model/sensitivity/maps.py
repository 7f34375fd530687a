"""Two-parameter maps: which outcomes are equilibria at every point of a plane, and the
tipping curves where that changes.

The game is solved at every point of the grid spanned by two axes (on the chunked engine of
:mod:`.engine`). A point's *outcome set* is the set of named outcomes its equilibria have
(with ``(mixed)`` for a mixed equilibrium whose support spans several outcomes, ``(other)``
for a profile no outcome names); the points sharing an outcome set form a *region*.

Wherever two neighbouring grid points (along x at a fixed y, or along y at a fixed x) have
different outcome sets, the edge between them is bisected, every open edge in one batch per
pass, until each change is bracketed to within ``resolution`` times the axis's range (a
ten-thousandth by default); an edge holding several changes yields each of them, as in
:mod:`.tipping`. These *crossings* are then joined cell by cell, as in marching squares,
into the *tipping curves* between each pair of neighbouring regions: two crossings of the
same pair of regions in a grid cell make a segment (four, the two shortest); where three
regions meet in a cell, the crossings join at a junction estimated as their mean (the only
curve points not located by bisection, and marked so). Without refinement, crossings sit at
the middle of the grid edges. The picture (:func:`plot_map`) fills each region up to its
curves: a cell no curve cuts takes the colour of its corners, a cut cell is split into the
polygons its segments bound.

A region or a bend narrower than the grid's step that lies between grid points with the
same outcome set is not seen; the grid's N sets that step.

>>> import model
>>> game = model.load("payoffs/textbook/hawk_dove.yaml")
>>> m = outcome_map(game, "V=1:10:4", "C=2:20:4", workers=1)
>>> m.bits.shape, len(m.frame())
((4, 4), 16)
>>> sorted(m.labels.values())
['fight', 'one takes all + mixed']
>>> [round(c.x, 2) for c in m.crossings if c.axis == "x" and c.y == 8]  # where V = C
[8.0]
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from model.errors import UsageError
from model.game import Game
from model.io import plain
from model.sensitivity import budget, table
from model.sensitivity.curves import (
    Crossing,
    Curve,
    _bisect,
    _Bits,
    _crossing,
    _curves,
    _edges,
    _frozen,
    _span,
    _unit,
    readable,
    set_label,
)
from model.sensitivity.engine import Setting
from model.sensitivity.grid import Axis, Grid, parse_vary

#: Default width within which crossings are located, as a share of each axis's range.
RESOLUTION = 1e-4


@dataclass(frozen=True, eq=False)
class OutcomeMap:
    """The outcome sets on the grid of ``x`` and ``y`` (``bits`` and ``counts`` are (ny, nx):
    row i is ``y.values[i]``, column j is ``x.values[j]``) and the tipping curves between
    its regions. Bit k of an outcome set is ``outcomes[k]``; ``labels`` names, in words, each
    outcome set on the map (including any found by bisection only, between grid points).
    ``point`` is the baseline's (or the scenario's) (x, y). ``resolution`` is the width
    (along x, along y) within which the crossings are located: the bisection's, or the grid
    step without refinement. ``solves`` counts the points solved, ``grid_solves`` of them on
    the grid."""

    title: str
    file: str
    scenario: str | None
    fixed: Mapping[str, float]
    x: Axis
    y: Axis
    bits: np.ndarray
    counts: np.ndarray
    outcomes: tuple[str, ...]
    labels: Mapping[int, str]
    crossings: tuple[Crossing, ...]
    curves: tuple[Curve, ...]
    point: tuple[float, float]
    refined: bool
    resolution: tuple[float, float]
    solves: int
    grid_solves: int
    provenance: Mapping[str, Any] = field(default_factory=dict)

    @property
    def axes(self) -> tuple[Axis, Axis]:
        return (self.x, self.y)

    @property
    def sets(self) -> list[int]:
        """The outcome sets on the map, as bit masks, by decreasing share of the map."""
        values, counts = np.unique(self.bits, return_counts=True)
        order = sorted(range(len(values)), key=lambda k: (-counts[k], values[k]))
        return [int(values[k]) for k in order]

    def shares(self) -> dict[int, float]:
        """Share of the grid's points in each outcome set, largest first."""
        total = self.bits.size
        return {b: float((self.bits == b).sum()) / total for b in self.sets}

    def columns(self) -> list[str]:
        """The columns of :meth:`frame`."""
        return [self.x.name, self.y.name, "n_equilibria", "outcomes",
                *(outcome_column(o) for o in self.outcomes)]

    def frame(self) -> pd.DataFrame:
        """One row per grid point (x fastest): the two parameters, the number of equilibria,
        ``outcomes`` (the outcome set, names joined by " + " as in sweep tables) and, for
        each outcome, ``has_<outcome>``: whether some equilibrium there has it."""
        X, Y = np.meshgrid(self.x.values, self.y.values)
        bits = self.bits.reshape(-1)
        cols: dict[str, Any] = {
            self.x.name: X.reshape(-1),
            self.y.name: Y.reshape(-1),
            "n_equilibria": self.counts.reshape(-1).astype(np.int64),
            "outcomes": pd.array(_raw_labels(self.outcomes, bits), dtype="string"),
        }
        for k, o in enumerate(self.outcomes):
            cols[outcome_column(o)] = (bits >> k & 1).astype(bool)
        return pd.DataFrame(cols)

    def to_frame(self) -> pd.DataFrame:
        """A row per grid point (:meth:`frame`); the curves are :meth:`curve_frame`."""
        return self.frame()

    def to_json(self) -> dict[str, Any]:
        """The map as JSON: the axes, the outcomes, the share of each outcome set, the grid's
        points, the curves and the provenance."""
        return plain({
            "file": self.file, "title": self.title, "scenario": self.scenario,
            "set": dict(self.fixed),
            "x": {"name": self.x.name, "values": self.x.values},
            "y": {"name": self.y.name, "values": self.y.values},
            "point": list(self.point), "outcomes": list(self.outcomes),
            "shares": [{"outcomes": self.labels.get(b, str(b)), "share": s}
                       for b, s in self.shares().items()],
            "points": self.frame().to_dict(orient="records"),
            "curves": self.curve_frame().to_dict(orient="records"),
            "resolution": list(self.resolution), "solves": self.solves,
            "provenance": dict(self.provenance),
        })

    def curve_frame(self) -> pd.DataFrame:
        """The tipping curves' points: curve number, the two regions, x, y and whether the
        point was located (not a junction estimate)."""
        rows = []
        for c, curve in enumerate(self.curves):
            for (x, y), ok in zip(curve.points.tolist(), curve.located.tolist(), strict=True):
                rows.append({"curve": c + 1, "from": curve.labels[0], "to": curve.labels[1],
                             self.x.name: x, self.y.name: y, "located": bool(ok)})
        return pd.DataFrame(rows, columns=["curve", "from", "to", self.x.name, self.y.name,
                                           "located"])

    def region_at(self, x: float, y: float) -> int:
        """The outcome set of the grid point nearest to (x, y) (in shares of each range)."""
        j = int(np.abs(_unit(self.x, self.x.values) - _unit(self.x, x)).argmin())
        i = int(np.abs(_unit(self.y, self.y.values) - _unit(self.y, y)).argmin())
        return int(self.bits[i, j])

    def nearest_curve(self) -> tuple[Curve, tuple[float, float], float] | None:
        """The curve point nearest to :attr:`point`, in shares of each axis's range: (curve,
        (x, y), distance)."""
        best: tuple[Curve, tuple[float, float], float] | None = None
        px, py = self.point
        for c in self.curves:
            pts = c.points[c.located] if c.located.any() else c.points
            d = np.hypot(_unit(self.x, pts[:, 0]) - _unit(self.x, px),
                         _unit(self.y, pts[:, 1]) - _unit(self.y, py))
            k = int(d.argmin())
            if best is None or d[k] < best[2]:
                best = (c, (float(pts[k, 0]), float(pts[k, 1])), float(d[k]))
        return best

    def summary(self) -> str:
        """A few lines: the share of the map in each region, and where the curves lie."""
        x, y = self.x, self.y
        where = f"scenario {self.scenario}" if self.scenario else "baseline"
        lines = [f"{self.title}, {where}: {y.name} ({y.unit}) {y.low:g} to {y.high:g} "
                 f"against {x.name} ({x.unit}) {x.low:g} to {x.high:g}, "
                 f"{len(y.values)} x {len(x.values)} points"]
        lines.append("Share of the map where the equilibria have these outcomes:")
        for b, s in self.shares().items():
            lines.append(f"  {100 * s:5.1f}%  {self.labels[b]}")
        px, py = self.point
        inside = x.low <= px <= x.high and y.low <= py <= y.high
        here = (f"in \"{self.labels[self.region_at(px, py)]}\"" if inside
                else "outside the map")
        lines.append(f"The {where} ({x.name} = {px:g}, {y.name} = {py:g}) lies {here}.")
        if not self.curves:
            lines.append("No tipping curves: the outcome set is the same at every point.")
        else:
            how = (f"located to within {self.resolution[0]:.3g} in {x.name} and "
                   f"{self.resolution[1]:.3g} in {y.name}" if self.refined
                   else "at the middle of grid edges (not refined)")
            lines.append(f"Tipping curves ({how}):")
            for c in self.curves:
                p = c.points
                lines.append(
                    f"  - {c.labels[0]} | {c.labels[1]}: from ({_g(p[0, 0])}, {_g(p[0, 1])}) "
                    f"to ({_g(p[-1, 0])}, {_g(p[-1, 1])}); {x.name} {_g(p[:, 0].min())} to "
                    f"{_g(p[:, 0].max())}, {y.name} {_g(p[:, 1].min())} to "
                    f"{_g(p[:, 1].max())}")
            near = self.nearest_curve()
            if near is not None and inside:
                c, (cx, cy), d = near
                lines.append(f"Nearest curve to the {where}: {c.labels[0]} | {c.labels[1]} at "
                             f"({_g(cx)}, {_g(cy)}), {100 * d:.1f}% of the ranges away.")
        lines.append(f"{self.solves} points solved ({self.grid_solves} on the grid, "
                     f"{self.solves - self.grid_solves} by bisection).")
        return "\n".join(lines) + "\n"


def outcome_column(outcome: str) -> str:
    """The boolean column of :meth:`OutcomeMap.frame` for an outcome: ``has_deal``,
    ``has_mixed``, ``has_other``."""
    return "has_" + table.column_name(outcome)


def _raw_labels(names: Sequence[str], bits: np.ndarray) -> np.ndarray:
    """Outcome names joined by " + ", as in sweep tables (``table.outcome_set_labels``)."""
    out = np.empty(len(bits), dtype=object)
    for b in np.unique(bits):
        out[bits == b] = " + ".join(nm for k, nm in enumerate(names) if b >> k & 1) or "(none)"
    return out


def _g(v: float) -> str:
    return f"{v:.5g}"


# ---------------------------------------------------------------------------- computing
def _axis(game: Game, axis: Axis | str, allow_outside: bool) -> Axis:
    if isinstance(axis, Axis):
        return axis
    return parse_vary(game, axis, allow_outside=allow_outside)


def outcome_map(
    game: Game,
    x_axis: Axis | str,
    y_axis: Axis | str,
    *,
    scenario: str | None = None,
    params: Mapping[str, float] | None = None,
    tol: float = 1e-9,
    refine: bool = True,
    resolution: float = RESOLUTION,
    allow_outside: bool = False,
    max_points: int | None = None,
    **engine_options: Any,
) -> OutcomeMap:
    """The outcome sets on the grid of ``x_axis`` by ``y_axis`` (axes, or ``NAME=LO:HI:N``)
    and the tipping curves between them, each crossing located by bisection to within
    ``resolution`` times its axis's range (with ``refine``; else at the middle of grid
    edges). ``tol`` is the solver's regret tolerance; ``engine_options`` go to the chunked
    engine for the grid (``workers``, ``engine``, ``scheduler``, ``chunk``, ``progress``,
    ``checkpoint``, ``resume``). Grids beyond ``max_points`` points (default
    :data:`~.budget.MAX_POINTS`) or the memory available are refused (:mod:`.budget`)."""
    x = _axis(game, x_axis, allow_outside)
    y = _axis(game, y_axis, allow_outside)
    grid = Grid((y, x))  # y first: C order puts x fastest, so the solutions are (ny, nx)
    budget.check(grid.size, what="a map's grid", max_points=max_points,
                 held=(game.shape, 6 + len(game.outcomes) + 2))
    if scenario is not None:
        game.scenario(scenario)
    fixed = dict(params or {})
    clash = sorted(fixed.keys() & {x.name, y.name})
    if clash:
        raise UsageError(f"{clash[0]} is both varied (--vary) and fixed (--set)")
    if not (math.isfinite(resolution) and 0 < resolution < 1):
        raise UsageError(f"the resolution must be between 0 and 1, got {resolution}")
    setting = Setting(scenario, fixed, tol)
    game.matrices(fixed, scenario)  # unknown --set names fail here, before any work
    from model.sensitivity.sweeps import provenance, solve_source

    sol = solve_source(game, grid, setting, **engine_options)
    ny, nx = grid.shape
    bits = table.point_outcomes(game, sol).reshape(ny, nx)
    counts = sol.counts.reshape(ny, nx)
    names = tuple(table.outcome_names(game))
    todo = _edges(x, y, bits)
    width = {"x": resolution * _span(x), "y": resolution * _span(y)}
    solver = _Bits(game, setting, x.name, y.name)
    if refine:
        crossings = _bisect(solver, todo, width)
    else:
        crossings = [_crossing(o) for o in todo]
    crossings.sort(key=lambda c: (c.axis, c.edge, c.low))
    present = {int(b) for b in np.unique(bits)} | {c.before for c in crossings} | {
        c.after for c in crossings}
    labels = {b: set_label(names, b) for b in sorted(present)}
    values = game.resolve(fixed, scenario)
    prov = provenance(
        game, grid, setting,
        map={"x": x.spec(), "y": y.spec(), "refine": refine,
             "resolution": resolution if refine else None,
             "grid_solves": grid.size, "bisection_solves": solver.solves},
    )
    return OutcomeMap(
        title=game.title, file=str(game.path), scenario=scenario, fixed=fixed, x=x, y=y,
        bits=_frozen(bits), counts=_frozen(counts), outcomes=names, labels=labels,
        crossings=tuple(crossings), curves=_curves(x, y, crossings, names),
        point=(float(values[x.name]), float(values[y.name])), refined=refine,
        resolution=(width["x"], width["y"]) if refine else (
            float(np.diff(x.values).max()), float(np.diff(y.values).max())),
        solves=grid.size + solver.solves, grid_solves=grid.size, provenance=prov,
    )


__all__ = ["Crossing", "Curve", "OutcomeMap", "outcome_map", "readable"]

