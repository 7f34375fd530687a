"""Tipping curves between the regions of an outcome map: where two neighbouring cells differ,
the crossing is located by bisection along the edge, and crossings are joined into curves."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from model.game import Game
from model.sensitivity import table
from model.sensitivity.engine import Setting, chunk_size_for
from model.sensitivity.grid import Axis
from model.sensitivity.points import solve_game_points


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


def _unit(axis: Axis, v: Any) -> Any:
    """Where ``v`` lies along the axis, 0 at its low end and 1 at its high end (on a log
    axis, in logarithms)."""
    if axis.log:
        return np.log(np.asarray(v) / axis.low) / np.log(axis.high / axis.low)
    return (np.asarray(v) - axis.low) / _span(axis)


def _span(axis: Axis) -> float:
    return axis.high - axis.low


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
