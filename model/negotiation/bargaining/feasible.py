"""The feasible set of a bargaining problem and its Pareto frontier.

When the two sides can agree on any lottery over action profiles (a jointly drawn profile, as
in Nash 1950, "The bargaining problem", Econometrica 18), the payoff pairs they can reach are
the convex hull of the pure profiles' payoff pairs. Every bargaining solution here picks a
point on the hull's upper-right boundary, the Pareto frontier: a concave chain of segments
between pure profiles, along which the row player's payoff rises and the column player's falls.

The frontier is found without a general hull routine: keep the payoff pairs no other pair
dominates, sort them by the row player's payoff and keep the upper (concave) chain of them by
Andrew's monotone-chain rule. This is exact on collinear and one-point sets, where a general
hull routine fails. The whole hull (for reports) comes from :class:`scipy.spatial.ConvexHull`,
with the degenerate cases (one point, points on a line) handled before it is called.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from numpy.typing import ArrayLike
from scipy.spatial import ConvexHull, QhullError

from model.errors import UsageError

__all__ = [
    "Chain",
    "FeasibleSet",
    "Frontier",
    "NoBargainError",
    "Vertex",
    "feasible_set",
    "pareto_frontier",
]


class NoBargainError(UsageError):
    """No feasible payoff pair gives both sides at least their disagreement payoffs."""


@dataclass(frozen=True)
class Vertex:
    """A corner of the frontier (or of the hull): a payoff pair and the pure profiles that give
    it, in row-major order (the first is the one a deal is described with)."""

    payoffs: tuple[float, float]
    profiles: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class Chain:
    """A piece of the frontier as a polyline: ``u`` strictly rising, ``v`` strictly falling
    (one point when the piece is a single point)."""

    u: np.ndarray
    v: np.ndarray

    def __len__(self) -> int:
        return len(self.u)

    def phi(self, u: float) -> float:
        """The column player's payoff at the chain point where the row player gets ``u``
        (clamped to the chain's ends)."""
        if len(self.u) == 1:
            return float(self.v[0])
        return float(np.interp(u, self.u, self.v))


@dataclass(frozen=True)
class Frontier:
    """The Pareto frontier: vertices ordered by the row player's payoff, rising."""

    vertices: tuple[Vertex, ...]
    scale: float  # largest |payoff| (at least 1), for tolerances

    @cached_property
    def points(self) -> np.ndarray:
        """The vertices' payoff pairs, shape (k, 2) (read-only)."""
        out = np.array([v.payoffs for v in self.vertices], dtype=float).reshape(-1, 2)
        out.flags.writeable = False
        return out

    @property
    def chain(self) -> Chain:
        p = self.points
        return Chain(p[:, 0].copy(), p[:, 1].copy())

    def segments(self) -> list[tuple[int, int]]:
        """Consecutive vertex pairs (k, k + 1)."""
        return [(k, k + 1) for k in range(len(self.vertices) - 1)]

    def locate(self, point: ArrayLike) -> list[tuple[float, int]]:
        """A point of the frontier as a lottery over at most two adjacent vertices:
        ``[(probability, vertex index), ...]``, probabilities positive and adding up to 1."""
        u = float(np.asarray(point, dtype=float)[0])
        p = self.points
        tol = 1e-9 * self.scale
        if len(p) == 1:
            return [(1.0, 0)]
        near = np.flatnonzero(np.abs(u - p[:, 0]) <= tol)
        if len(near):
            return [(1.0, int(near[0]))]
        if u < p[0, 0]:
            return [(1.0, 0)]
        if u > p[-1, 0]:
            return [(1.0, len(p) - 1)]
        k = int(np.searchsorted(p[:, 0], u)) - 1
        t = (u - p[k, 0]) / (p[k + 1, 0] - p[k, 0])
        return [(1.0 - t, k), (t, k + 1)]

    def individually_rational(self, d: ArrayLike) -> Chain:
        """The part of the frontier where both sides get at least their disagreement payoffs
        ``d``; NoBargainError if there is none."""
        d1, d2 = (float(x) for x in np.asarray(d, dtype=float))
        c = self.chain
        return _clip(c.u, c.v, d1, d2, 1e-9 * max(self.scale, abs(d1), abs(d2)))


@dataclass(frozen=True)
class FeasibleSet:
    """The payoff pairs reachable by lotteries over ``profiles``: their hull and frontier."""

    profiles: tuple[tuple[int, int], ...]
    points: np.ndarray  # (len(profiles), 2)
    hull: tuple[Vertex, ...]  # counterclockwise corners (one or two if degenerate)
    frontier: Frontier
    deals: tuple[str, ...] | None = None  # the outcomes the set was restricted to, if any


@dataclass(frozen=True)
class _Groups:
    """Points with the same payoffs (within a tolerance): ``label[k]`` is point k's group,
    groups numbered in the order their first points come; ``first[g]`` is the index of group
    g's first point, its representative."""

    label: np.ndarray
    first: np.ndarray

    def __len__(self) -> int:
        return len(self.first)

    def members(self) -> list[np.ndarray]:
        """Each group's point indices, rising."""
        order = np.argsort(self.label, kind="stable")
        cuts = np.searchsorted(self.label[order], np.arange(1, len(self.first)))
        return np.split(order, cuts)

    def members_of(self, groups: Sequence[int]) -> list[np.ndarray]:
        """The point indices, rising, of a few groups."""
        wanted = np.asarray(groups, dtype=np.int64)
        if len(wanted) > 64:
            every = self.members()
            return [every[int(g)] for g in wanted]
        return [np.flatnonzero(self.label == g) for g in wanted]


def _groups(points: np.ndarray, tol: float) -> _Groups:
    """Group points with the same payoffs (within ``tol``): in their order, each point joins
    the first group whose representative (its first point) is within ``tol`` in both payoffs,
    or starts a new group.

    That rule compares every point with every representative; here only points that have
    another point within ``tol`` are compared at all (found with a k-d tree), each with the
    representatives in the neighbouring cells of a grid of side 2 ``tol`` (at most four per
    cell, as representatives are more than ``tol`` apart), so the cost is O(P log P) for P
    points and the groups are the rule's.
    """
    P = len(points)
    x, y = points[:, 0], points[:, 1]
    # exact duplicates go where their first occurrence goes: distinct points, in the order of
    # their first occurrences
    order = np.lexsort((y, x))  # stable: equal points keep their order
    sx, sy = x[order], y[order]
    new = np.ones(P, dtype=bool)
    new[1:] = (sx[1:] != sx[:-1]) | (sy[1:] != sy[:-1])
    which = np.empty(P, dtype=np.int64)
    which[order] = np.cumsum(new) - 1  # the distinct point of each point
    first_seen = order[new]  # each distinct point's first occurrence
    by_first = np.argsort(first_seen, kind="stable")
    rank = np.empty(len(by_first), dtype=np.int64)
    rank[by_first] = np.arange(len(by_first))  # distinct point -> its place in that order
    occ = first_seen[by_first]  # first occurrence of each distinct point, in order
    D = len(occ)
    pts = points[occ]
    rep = np.arange(D)  # each distinct point's representative, in the same numbering
    crowded = _crowded(pts, tol) if D > 1 and tol > 0 else np.zeros(D, dtype=bool)
    if crowded.any():
        _assign(pts, np.flatnonzero(crowded), tol, rep)
    is_rep = rep == np.arange(D)
    group = np.cumsum(is_rep) - 1  # groups numbered as their representatives come
    label = group[rep][rank[which]]
    return _Groups(label, occ[is_rep])


def _crowded(pts: np.ndarray, tol: float) -> np.ndarray:
    """Whether each of these distinct points may have another within ``tol`` in both
    payoffs (True for every one that has, and for a few just beyond it)."""
    from scipy.spatial import cKDTree

    reach = tol * (1 + 1e-6) + 1e-300
    dist, _ = cKDTree(pts).query(pts, k=2, p=np.inf, distance_upper_bound=reach)
    out: np.ndarray = dist[:, 1] <= reach
    return out


def _assign(pts: np.ndarray, crowded: np.ndarray, tol: float, rep: np.ndarray) -> None:
    """The representative of each crowded point (in order; the others are their own), by the
    rule of :func:`_groups`. Only crowded points can be within ``tol`` of one another."""
    xs, ys = pts[:, 0].tolist(), pts[:, 1].tolist()
    side = 2.0 * tol
    coarse = not np.all(np.isfinite(pts[crowded] / side))
    cells: dict[tuple[int, int], list[int]] = {}
    for d in crowded.tolist():
        px, py = xs[d], ys[d]
        cx, cy = (0, 0) if coarse else (math.floor(px / side), math.floor(py / side))
        best = -1
        for kx in (cx - 1, cx, cx + 1) if not coarse else (0,):
            for ky in (cy - 1, cy, cy + 1) if not coarse else (0,):
                for r in cells.get((kx, ky), ()):
                    if (best < 0 or r < best) and max(abs(px - xs[r]), abs(py - ys[r])) <= tol:
                        best = r
        if best < 0:
            cells.setdefault((cx, cy), []).append(d)
        else:
            rep[d] = best


def _cross(a: tuple[float, float], b: tuple[float, float], c: tuple[float, float]) -> float:
    return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])


def _frontier_indices(points: np.ndarray, tol: float) -> list[int]:
    """Indices (into distinct ``points``) of the Pareto frontier's vertices, u rising."""
    u, v = points[:, 0], points[:, 1]
    order = np.lexsort((-v, -u))  # u falling, then v falling, then index
    # A point is kept when its v is more than tol above the last kept one's; every point
    # before it in this order then has a smaller v, so only those are looked at.
    vs = v[order]
    before = np.maximum.accumulate(np.r_[-np.inf, vs[:-1]])
    best_v = -math.inf
    undominated = []
    for k, value in zip(order[vs > before].tolist(), vs[vs > before].tolist(), strict=True):
        if value > best_v + tol:
            undominated.append(k)
            best_v = value
    undominated.reverse()  # u rising, v falling
    xy = [(float(points[k, 0]), float(points[k, 1])) for k in undominated]
    chain: list[int] = []  # positions in undominated
    for pos, c in enumerate(xy):
        while len(chain) >= 2:
            a, b = xy[chain[-2]], xy[chain[-1]]
            # pop b unless the chain turns clockwise at it (collinear points are kept: a pure
            # profile in the middle of a segment describes a deal more simply than a lottery)
            span = max(abs(c[0] - a[0]), abs(c[1] - a[1]), tol)
            if _cross(a, b, c) > tol * span:
                chain.pop()
            else:
                break
        chain.append(pos)
    return [undominated[p] for p in chain]


def pareto_frontier(points: ArrayLike, profiles: Sequence[tuple[int, int]] | None = None,
                    *, tol: float = 1e-9) -> Frontier:
    """The Pareto frontier of the convex hull of ``points`` (payoff pairs, shape (k, 2)).

    ``profiles`` names the pure profile behind each point (default: (k, 0)). ``tol`` is
    relative to the largest |payoff|.

    >>> f = pareto_frontier([(0, 0), (1, 0), (0, 2), (0.5, 0.5)])
    >>> [v.payoffs for v in f.vertices]
    [(0.0, 2.0), (1.0, 0.0)]
    """
    P = np.asarray(points, dtype=float).reshape(-1, 2)
    if len(P) == 0:
        raise UsageError("the feasible set is empty: no profile to bargain over")
    if not np.all(np.isfinite(P)):
        raise UsageError("payoffs must be finite numbers")
    return _frontier(P, profiles, tol)[0]


def _frontier(P: np.ndarray, profiles: Sequence[tuple[int, int]] | None,
              tol: float) -> tuple[Frontier, _Groups]:
    scale = max(1.0, float(np.max(np.abs(P))))
    groups = _groups(P, tol * scale)
    reps = P[groups.first]
    chain = _frontier_indices(reps, tol * scale)
    return Frontier(_vertices(reps, groups, chain, profiles), scale), groups


def _vertices(reps: np.ndarray, groups: _Groups, which: Sequence[int],
              profiles: Sequence[tuple[int, int]] | None) -> tuple[Vertex, ...]:
    """The vertices of these groups, each with its profiles sorted."""
    out = []
    for k, members in zip(which, groups.members_of(which), strict=True):
        if profiles is None:
            names = [(int(i), 0) for i in members]
        else:
            names = [profiles[int(i)] for i in members]
        out.append(Vertex((float(reps[k, 0]), float(reps[k, 1])), tuple(sorted(names))))
    return tuple(out)


def _hull(P: np.ndarray, groups: _Groups, names: Sequence[tuple[int, int]],
          tol: float) -> tuple[Vertex, ...]:
    reps = P[groups.first]

    def vertices(ks: Sequence[int]) -> tuple[Vertex, ...]:
        return _vertices(reps, groups, [int(k) for k in ks], names)

    if len(reps) == 1:
        return vertices([0])
    centred = reps - reps.mean(axis=0)
    _, s, vt = np.linalg.svd(centred, full_matrices=False)
    if len(reps) == 2 or s[-1] <= tol * max(1.0, s[0]):
        along = centred @ vt[0]  # collinear: the two extreme points
        return vertices([int(np.argmin(along)), int(np.argmax(along))])
    try:
        hull = ConvexHull(reps)
    except QhullError:  # pragma: no cover - nearly collinear sets the check above missed
        along = centred @ vt[0]
        return vertices([int(np.argmin(along)), int(np.argmax(along))])
    return vertices(hull.vertices)  # counterclockwise in 2-D


def feasible_set(A: ArrayLike, B: ArrayLike,
                 profiles: Sequence[tuple[int, int]] | None = None,
                 *, deals: Sequence[str] | None = None, tol: float = 1e-9) -> FeasibleSet:
    """The payoff pairs of the bimatrix game (A, B) that lotteries over ``profiles`` (default:
    every pure profile) reach: their convex hull and its Pareto frontier.

    >>> fs = feasible_set([[3, 0], [5, 1]], [[3, 5], [0, 1]])  # the prisoner's dilemma
    >>> [(v.payoffs, v.profiles) for v in fs.frontier.vertices]
    [((0.0, 5.0), ((0, 1),)), ((3.0, 3.0), ((0, 0),)), ((5.0, 0.0), ((1, 0),))]
    """
    a = np.asarray(A, dtype=float)
    b = np.asarray(B, dtype=float)
    if a.ndim != 2 or a.shape != b.shape:
        raise UsageError(f"payoff matrices must be two arrays of the same 2-D shape, got "
                         f"{a.shape} and {b.shape}")
    if profiles is None:
        m, n = a.shape
        ii, jj = np.divmod(np.arange(m * n), n)
        names = list(zip(ii.tolist(), jj.tolist(), strict=True))
        P = np.stack([a.ravel(), b.ravel()], axis=1)
    else:
        names = [(int(i), int(j)) for i, j in profiles]
        if names:
            idx = np.array(names, dtype=np.int64).reshape(-1, 2)
            P = np.stack([a[idx[:, 0], idx[:, 1]], b[idx[:, 0], idx[:, 1]]], axis=1)
    if not names:
        raise UsageError("the feasible set is empty: no profile to bargain over")
    if not np.all(np.isfinite(P)):
        raise UsageError("payoffs must be finite numbers")
    frontier, groups = _frontier(P, names, tol)
    hull = _hull(P, groups, names, tol)
    return FeasibleSet(tuple(names), P, hull, frontier,
                       tuple(deals) if deals is not None else None)


def _clip(u: np.ndarray, v: np.ndarray, d1: float, d2: float, tol: float) -> Chain:
    """The part of the polyline (u rising, v falling) with u >= d1 and v >= d2."""
    n = len(u)
    if n == 1:
        if u[0] >= d1 - tol and v[0] >= d2 - tol:
            return Chain(u.copy(), v.copy())
        raise _no_bargain(d1, d2)
    if u[-1] < d1 - tol or v[0] < d2 - tol:
        raise _no_bargain(d1, d2)

    def position(values: np.ndarray, level: float, rising: bool) -> float:
        """Fractional vertex index where the polyline crosses ``level`` (clamped to the ends)."""
        sign = 1.0 if rising else -1.0
        if sign * (level - values[0]) <= 0:
            return 0.0
        if sign * (level - values[-1]) >= 0:
            return float(n - 1)
        for k in range(n - 1):
            lo, hi = values[k], values[k + 1]
            if sign * (level - hi) <= 0:
                return k + (level - lo) / (hi - lo)
        return float(n - 1)  # pragma: no cover - the checks above cover the ends

    s_lo = 0.0 if u[0] >= d1 else position(u, d1, True)
    s_hi = float(n - 1) if v[-1] >= d2 else position(v, d2, False)
    if s_lo > s_hi:
        if s_lo - s_hi > 1e-9 * n and not _touches(u, v, s_lo, s_hi, tol):
            raise _no_bargain(d1, d2)
        s_lo = s_hi = (s_lo + s_hi) / 2

    def at(s: float) -> tuple[float, float]:
        k = min(int(np.floor(s)), n - 2)
        t = s - k
        return (float(u[k] + t * (u[k + 1] - u[k])), float(v[k] + t * (v[k + 1] - v[k])))

    pts = [at(s_lo)]
    for k in range(int(np.floor(s_lo)) + 1, int(np.ceil(s_hi))):
        pts.append((float(u[k]), float(v[k])))
    if s_hi > s_lo:
        pts.append(at(s_hi))
    # drop points the clipping made (nearly) equal to their neighbour
    keep = [pts[0]]
    for p in pts[1:]:
        if p[0] - keep[-1][0] > tol:
            keep.append(p)
    arr = np.array(keep)
    return Chain(arr[:, 0], arr[:, 1])


def _touches(u: np.ndarray, v: np.ndarray, s_lo: float, s_hi: float, tol: float) -> bool:
    """Whether the gap between two clip positions is within ``tol`` in payoffs."""
    n = len(u)

    def at(s: float) -> np.ndarray:
        k = min(int(np.floor(s)), n - 2)
        t = s - k
        return np.array([u[k] + t * (u[k + 1] - u[k]), v[k] + t * (v[k + 1] - v[k])])

    return bool(np.max(np.abs(at(s_lo) - at(s_hi))) <= tol)


def _no_bargain(d1: float, d2: float) -> NoBargainError:
    return NoBargainError(
        f"no feasible payoff pair gives both sides at least their disagreement payoffs "
        f"({d1:.4g}, {d2:.4g}): the feasible set above the disagreement point is empty"
    )
