"""The geometry of an outcome map: the cells of one region as polygons (faces) and the runs of
equal cells along a row, for drawing."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from model.sensitivity.maps import OutcomeMap


import numpy as np

from model.sensitivity.curves import _Cells, _cells
from model.sensitivity.grid import Axis


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


