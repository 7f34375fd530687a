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
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from model.errors import UsageError
from model.game import Game
from model.sensitivity import budget, table
from model.sensitivity.engine import Setting, chunk_size_for
from model.sensitivity.grid import Axis, Grid, parse_vary
from model.sensitivity.points import solve_game_points

#: Default width within which crossings are located, as a share of each axis's range.
RESOLUTION = 1e-4

def readable(label: str) -> str:
    """An outcome or outcome-set label in words: ``us_concedes + (mixed)`` becomes
    ``us concedes + mixed``."""
    parts = [p.strip() for p in label.split(" + ")]
    words = {table.MIXED: "mixed", table.OTHER: "other", "(none)": "no equilibrium"}
    return " + ".join(words.get(p, p.replace("_", " ")) for p in parts)


def set_label(names: Sequence[str], bits: int) -> str:
    """The readable label of the outcome set ``bits`` (bit k: ``names[k]``)."""
    raw = " + ".join(nm for k, nm in enumerate(names) if bits >> k & 1) or "(none)"
    return readable(raw)


def _frozen(a: np.ndarray) -> np.ndarray:
    a = np.array(a)
    a.flags.writeable = False
    return a


@dataclass(frozen=True)
class Crossing:
    """A change of outcome set on one grid edge: from ``before`` (the outcome set at ``low``)
    to ``after`` (at ``high``) along ``axis`` ("x" or "y"), with the other coordinate fixed;
    (``x``, ``y``) is the middle of the bracket. ``edge`` (i, j) is the grid edge from point
    (row i, column j) to (i, j + 1) for "x" and to (i + 1, j) for "y"."""

    x: float
    y: float
    axis: str
    low: float
    high: float
    before: int
    after: int
    edge: tuple[int, int]

    @property
    def pair(self) -> tuple[int, int]:
        return (min(self.before, self.after), max(self.before, self.after))


@dataclass(frozen=True, eq=False)
class Curve:
    """One tipping curve: a polyline between the regions ``between`` (outcome sets as bit
    masks, smaller first; ``labels`` in words). ``points`` is (k, 2) of (x, y); ``located[k]``
    says that point k is a crossing (located by bisection when the map is refined) rather
    than a junction where three regions meet, estimated."""

    between: tuple[int, int]
    labels: tuple[str, str]
    points: np.ndarray
    located: np.ndarray

    def xy(self) -> list[tuple[float, float]]:
        return [(float(x), float(y)) for x, y in self.points]


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


def _span(axis: Axis) -> float:
    return axis.high - axis.low


def _unit(axis: Axis, v: Any) -> Any:
    """Where ``v`` lies along the axis, 0 at its low end and 1 at its high end (on a log
    axis, in logarithms)."""
    if axis.log:
        return np.log(np.asarray(v) / axis.low) / np.log(axis.high / axis.low)
    return (np.asarray(v) - axis.low) / _span(axis)


# ---------------------------------------------------------------------------- computing
def _axis(game: Game, axis: Axis | str, allow_outside: bool) -> Axis:
    if isinstance(axis, Axis):
        return axis
    return parse_vary(game, axis, allow_outside=allow_outside)


class _Bits:
    """Outcome sets at arbitrary (x, y) points, solved in batches, counted."""

    def __init__(self, game: Game, setting: Setting, xname: str, yname: str):
        self.game, self.setting, self.xname, self.yname = game, setting, xname, yname
        self.solves = 0
        self.chunk = chunk_size_for(game)

    def __call__(self, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
        out = np.empty(len(xs), dtype=np.int64)
        for s in range(0, len(xs), self.chunk):
            params: dict[str, Any] = dict(self.setting.params)
            params[self.xname] = xs[s:s + self.chunk]
            params[self.yname] = ys[s:s + self.chunk]
            A, B = self.game.matrices_batch(params, self.setting.scenario)
            sol = solve_game_points(self.game, A, B, tol=self.setting.tol)
            out[s:s + self.chunk] = table.point_outcomes(self.game, sol)
        self.solves += len(xs)
        return out


@dataclass
class _Open:
    axis: str
    fixed: float
    low: float
    high: float
    before: int
    after: int
    edge: tuple[int, int]


def _edges(x: Axis, y: Axis, bits: np.ndarray) -> list[_Open]:
    """Every grid edge whose ends have different outcome sets."""
    out = []
    for i, j in zip(*np.nonzero(bits[:, :-1] != bits[:, 1:]), strict=True):
        out.append(_Open("x", float(y.values[i]), float(x.values[j]), float(x.values[j + 1]),
                         int(bits[i, j]), int(bits[i, j + 1]), (int(i), int(j))))
    for i, j in zip(*np.nonzero(bits[:-1, :] != bits[1:, :]), strict=True):
        out.append(_Open("y", float(x.values[j]), float(y.values[i]), float(y.values[i + 1]),
                         int(bits[i, j]), int(bits[i + 1, j]), (int(i), int(j))))
    return out


def _crossing(o: _Open) -> Crossing:
    mid = (o.low + o.high) / 2
    x, y = (mid, o.fixed) if o.axis == "x" else (o.fixed, mid)
    return Crossing(x, y, o.axis, o.low, o.high, o.before, o.after, o.edge)


def _bisect(solve: _Bits, todo: list[_Open], tol: Mapping[str, float]) -> list[Crossing]:
    """Halve every open edge until each change is bracketed within ``tol[axis]``, keeping
    every half whose ends differ; all midpoints of a pass are solved in one batch."""
    found: list[Crossing] = []
    while todo:
        wide = [o for o in todo if o.high - o.low > tol[o.axis]]
        found += [_crossing(o) for o in todo if o.high - o.low <= tol[o.axis]]
        if not wide:
            break
        mids = np.array([(o.low + o.high) / 2 for o in wide])
        fixed = np.array([o.fixed for o in wide])
        along_x = np.array([o.axis == "x" for o in wide])
        bits = solve(np.where(along_x, mids, fixed), np.where(along_x, fixed, mids))
        todo = []
        for o, m, b in zip(wide, mids.tolist(), bits.tolist(), strict=True):
            if m <= o.low or m >= o.high:  # no float strictly between: as fine as it gets
                found.append(_crossing(o))
                continue
            if b != o.before:
                todo.append(_Open(o.axis, o.fixed, o.low, m, o.before, b, o.edge))
            if b != o.after:
                todo.append(_Open(o.axis, o.fixed, m, o.high, b, o.after, o.edge))
    return found


def _pairing(pts: list[int], xy: np.ndarray) -> list[tuple[int, int]]:
    """Pairs of an even number of crossings in one cell that join them with the least total
    length (exhaustive for four, greedy beyond)."""
    if len(pts) == 2:
        return [(pts[0], pts[1])]
    if len(pts) == 4:
        options = [((0, 1), (2, 3)), ((0, 2), (1, 3)), ((0, 3), (1, 2))]

        def length(opt: tuple[tuple[int, int], ...]) -> float:
            return sum(float(np.hypot(*(xy[pts[a]] - xy[pts[b]]))) for a, b in opt)

        best = min(options, key=length)
        return [(pts[a], pts[b]) for a, b in best]
    rest = list(pts)
    out = []
    while rest:
        a = rest.pop(0)
        b = min(rest, key=lambda k: float(np.hypot(*(xy[a] - xy[k]))))
        rest.remove(b)
        out.append((a, b))
    return out


@dataclass(frozen=True)
class _Cells:
    """How the crossings cut the grid's cells: the crossings on each grid edge, the segments
    joining them in each cell (node numbers: crossings from 0, junctions from -1 down) and
    the junctions' positions."""

    on_edge: Mapping[tuple[str, int, int], list[int]]
    segments: Mapping[tuple[int, int], list[tuple[tuple[int, int], int, int]]]
    junctions: list[tuple[float, float]]


def _cells(x: Axis, y: Axis, crossings: Sequence[Crossing]) -> _Cells:
    """Join the crossings cell by cell, as in marching squares: an even number of crossings
    of one pair of regions in a cell are joined two by two (the shortest way); an odd number
    meet at the cell's junction, the mean of all its crossings."""
    on_edge: dict[tuple[str, int, int], list[int]] = {}
    for k, c in enumerate(crossings):
        on_edge.setdefault((c.axis, *c.edge), []).append(k)
    # scale to the unit square, so that "shortest" weighs both axes alike
    xy = np.array([[_unit(x, c.x), _unit(y, c.y)] for c in crossings]).reshape(-1, 2)
    touched = set()
    for ax, i, j in on_edge:  # the cells on either side of each edge with crossings
        touched |= {(i - 1, j), (i, j)} if ax == "x" else {(i, j - 1), (i, j)}
    cells = sorted((i, j) for i, j in touched
                   if 0 <= i < len(y.values) - 1 and 0 <= j < len(x.values) - 1)
    segments: dict[tuple[int, int], list[tuple[tuple[int, int], int, int]]] = {}
    junctions: list[tuple[float, float]] = []
    for i, j in cells:
        here = _cell_crossings(on_edge, i, j)
        by_pair: dict[tuple[int, int], list[int]] = {}
        for k in here:
            by_pair.setdefault(crossings[k].pair, []).append(k)
        junction: int | None = None
        seg = segments.setdefault((i, j), [])
        for pair, ks in sorted(by_pair.items()):
            if len(ks) % 2 == 0:
                seg += [(pair, a, b) for a, b in _pairing(ks, xy)]
                continue
            if junction is None:
                junctions.append((float(np.mean([crossings[k].x for k in here])),
                                  float(np.mean([crossings[k].y for k in here]))))
                junction = -len(junctions)
            seg += [(pair, k, junction) for k in ks]
    return _Cells(on_edge, segments, junctions)


def _cell_crossings(on_edge: Mapping[tuple[str, int, int], list[int]], i: int,
                    j: int) -> list[int]:
    """The crossings on the edges of cell (i, j), the square from grid point (i, j) to
    (i + 1, j + 1)."""
    return (on_edge.get(("x", i, j), []) + on_edge.get(("y", i, j + 1), [])
            + on_edge.get(("x", i + 1, j), []) + on_edge.get(("y", i, j), []))


def _curves(x: Axis, y: Axis, crossings: Sequence[Crossing],
            names: Sequence[str]) -> tuple[Curve, ...]:
    """The crossings joined into polylines, one or more per pair of neighbouring regions."""
    if not crossings:
        return ()
    cells = _cells(x, y, crossings)
    by_pair: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for segs in cells.segments.values():
        for pair, a, b in segs:
            by_pair.setdefault(pair, []).append((a, b))

    def where(node: int) -> tuple[float, float]:
        if node >= 0:
            return (crossings[node].x, crossings[node].y)
        return cells.junctions[-node - 1]

    out = []
    for pair in sorted(by_pair):
        for line in _chain(by_pair[pair]):
            out.append(Curve(
                between=pair,
                labels=(set_label(names, pair[0]), set_label(names, pair[1])),
                points=_frozen(np.array([where(n) for n in line], dtype=float)),
                located=_frozen(np.array([n >= 0 for n in line], dtype=bool)),
            ))
    return tuple(out)


def faces(omap: OutcomeMap) -> tuple[np.ndarray, list[tuple[int, np.ndarray]]]:
    """What to fill: per grid cell, the outcome set of a cell no curve cuts (or -1), and the
    polygons (outcome set, (k, 2) points) into which the curves cut the others. A cell is
    walked round counter-clockwise; each stretch of its boundary between two crossings
    bounds one polygon, closed through the segments that leave its ends."""
    x, y, bits, crossings = omap.x, omap.y, omap.bits, omap.crossings
    cell_bits = bits[:-1, :-1].astype(np.int64).copy()
    polygons: list[tuple[int, np.ndarray]] = []
    if not crossings:
        return cell_bits, polygons
    cells = _cells(x, y, crossings)
    for (i, j), segs in cells.segments.items():
        faces = _cellfaces(omap, cells, i, j, segs)
        if faces is None:  # the crossings do not close (should not happen): nearest points
            faces = _quadrants(x, y, bits, i, j)
        cell_bits[i, j] = -1
        polygons += faces
    return cell_bits, polygons


def _cellfaces(omap: OutcomeMap, cells: _Cells, i: int, j: int,
                segs: list[tuple[tuple[int, int], int, int]]
                ) -> list[tuple[int, np.ndarray]] | None:
    x, y, bits, crossings = omap.x.values, omap.y.values, omap.bits, omap.crossings
    corner = [(x[j], y[i], bits[i, j]), (x[j + 1], y[i], bits[i, j + 1]),
              (x[j + 1], y[i + 1], bits[i + 1, j + 1]), (x[j], y[i + 1], bits[i + 1, j])]
    sides = [(("x", i, j), 1), (("y", i, j + 1), 1), (("x", i + 1, j), -1), (("y", i, j), -1)]
    order: list[int] = []  # crossings, counter-clockwise
    label: dict[int, int] = {}  # outcome set just after each crossing, counter-clockwise
    corners_after: dict[int, list[tuple[float, float]]] = {}
    last: int | None = None
    lead: list[tuple[float, float]] = []  # corners before the first crossing
    for side, (edge, sign) in enumerate(sides):
        cx, cy, _ = corner[side]
        (corners_after[last] if last is not None else lead).append((cx, cy))
        ks = sorted(cells.on_edge.get(edge, []), key=lambda k: sign * crossings[k].low)
        for k in ks:
            order.append(k)
            label[k] = crossings[k].after if sign > 0 else crossings[k].before
            corners_after[k] = []
            last = k
    if not order:
        return None
    corners_after[order[-1]] += lead
    partner: dict[int, int] = {}
    at_junction: dict[int, list[int]] = {}
    for _, a, b in segs:
        for u, v in ((a, b), (b, a)):
            if u >= 0:
                if u in partner:
                    return None
                partner[u] = v
            else:
                at_junction.setdefault(u, []).append(v)
    if set(partner) != set(order):
        return None
    index = {k: t for t, k in enumerate(order)}
    m = len(order)

    def point(node: int) -> tuple[float, float]:
        if node >= 0:
            return (crossings[node].x, crossings[node].y)
        return cells.junctions[-node - 1]

    faces = []
    done: set[int] = set()
    for t in range(m):
        if t in done:
            continue
        poly: list[tuple[float, float]] = []
        s = t
        for _ in range(m + 1):
            done.add(s)
            start, end = order[s], order[(s + 1) % m]
            poly += [point(start), *corners_after[start], point(end)]
            nxt = partner[end]
            if nxt < 0:
                poly.append(point(nxt))
                back = [order[(index[end] - r) % m] for r in range(1, m + 1)]
                nxt = next(k for k in back if k in at_junction[nxt] and k != end)
            s = index[nxt]
            if s == t:
                break
            if s in done:
                return None
        else:
            return None
        faces.append((label[order[t]], np.array(poly, dtype=float)))
    return faces


def runs(x: Axis, y: Axis, cell_bits: np.ndarray) -> list[tuple[int, np.ndarray]]:
    """Rectangles over the runs of equal uncut cells (``cell_bits`` >= 0) of each row."""
    out = []
    for i in range(cell_bits.shape[0]):
        row = cell_bits[i]
        j = 0
        while j < len(row):
            if row[j] < 0:
                j += 1
                continue
            k = j
            while k + 1 < len(row) and row[k + 1] == row[j]:
                k += 1
            x0, x1, y0, y1 = x.values[j], x.values[k + 1], y.values[i], y.values[i + 1]
            out.append((int(row[j]), np.array([(x0, y0), (x1, y0), (x1, y1), (x0, y1)])))
            j = k + 1
    return out


def _quadrants(x: Axis, y: Axis, bits: np.ndarray, i: int,
               j: int) -> list[tuple[int, np.ndarray]]:
    """Cell (i, j) cut into four, each quarter filled as its corner."""
    xm = (x.values[j] + x.values[j + 1]) / 2
    ym = (y.values[i] + y.values[i + 1]) / 2
    out = []
    for di, dj in ((0, 0), (0, 1), (1, 0), (1, 1)):
        cx, cy = x.values[j + dj], y.values[i + di]
        out.append((int(bits[i + di, j + dj]),
                    np.array([(cx, cy), (xm, cy), (xm, ym), (cx, ym)], dtype=float)))
    return out


def _chain(segments: Iterable[tuple[int, int]]) -> list[list[int]]:
    """Polylines through segments given as node pairs: each runs between nodes where the
    lines end or branch, or round a closed loop."""
    adj: dict[int, list[tuple[int, int]]] = {}
    segs = list(dict.fromkeys(tuple(sorted(s)) for s in segments if s[0] != s[1]))
    for s, (a, b) in enumerate(segs):
        adj.setdefault(a, []).append((b, s))
        adj.setdefault(b, []).append((a, s))
    used: set[int] = set()
    lines = []
    for start in sorted(adj, key=lambda n: (len(adj[n]) == 2, n)):
        for nbr, s in adj[start]:
            if s in used:
                continue
            line = [start]
            cur = start
            while True:
                used.add(s)
                line.append(nbr)
                cur = nbr
                if len(adj[cur]) != 2 or cur == start:
                    break
                nxt = [(n, t) for n, t in adj[cur] if t not in used]
                if not nxt:
                    break
                nbr, s = nxt[0]
            lines.append(line)
    return lines


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

