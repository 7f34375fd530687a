"""Nash's variable-threat bargaining (Nash 1953, "Two-person cooperative games",
Econometrica 21).

Before bargaining each side commits to a threat: the (mixed) strategy it will play if no
agreement is reached. The threats fix the disagreement point d(x, y) = (x A y, x B y), and the
agreement is the Nash bargaining solution from it. Each side chooses its threat to move that
agreement its way; as the agreement moves along the frontier, one side's gain is the other's
loss, so the threat game is strictly competitive.

On a segment of the frontier with normal (a_k, b_k), the agreement reached from d depends on d
only through the score (1 - a) a_k d1 - a b_k d2 (a: the row player's bargaining power), which
the row player wants high and the column player low. The threat game on that segment is thus
the zero-sum game with the slope-weighted payoff difference M_k = (1 - a) a_k A - a b_k B; for
a frontier with slope -1 and equal powers this is the familiar A - B (Nash 1953; Owen,
*Game Theory*, the chapter on bargaining, "variable threats"; Luce and Raiffa 1957, *Games and
Decisions*, ch. 6). On a piecewise-linear frontier the solution is on the segment whose own
zero-sum game places the agreement on it; otherwise it is the vertex between a segment whose
game pushes the agreement right of its end and the next segment whose game pushes it left of
its start. At such a vertex the row player's optimal threat is its optimal strategy in the left
segment's game (it guarantees an agreement no further left) and the column player's is its
optimal strategy in the right segment's game.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from model.errors import UsageError
from model.negotiation.bargaining._lp import zero_sum
from model.negotiation.bargaining.feasible import Frontier, NoBargainError, pareto_frontier
from model.negotiation.bargaining.solutions import Point, check_power, nash_solution

__all__ = ["ThreatResult", "variable_threats"]

#: A frontier of more than this many segments, in a game of more cells than BISECT_CELLS, is
#: searched by bisection (each segment costs a zero-sum game); otherwise every segment is
#: solved.
BISECT_SEGMENTS = 3
BISECT_CELLS = 10_000


@dataclass(frozen=True)
class ThreatResult:
    """The variable-threat solution.

    ``agreement`` is the bargain; ``strategies`` the optimal threats (row, column);
    ``threat_point`` the payoffs if both carried their threats out; ``where`` is
    ``("segment", k)`` or ``("vertex", k)`` on the frontier; ``consistent`` says whether the
    Nash solution from the threat point is the agreement (it may not be when the feasible set
    was narrowed to some deals and the threat point is not below them).
    """

    agreement: Point
    strategies: tuple[np.ndarray, np.ndarray]
    threat_point: Point
    where: tuple[str, int]
    power: float
    consistent: bool


def _normal(f: Frontier, k: int) -> tuple[float, float]:
    p = f.points
    du, dv = p[k + 1, 0] - p[k, 0], p[k + 1, 1] - p[k, 1]
    a_k, b_k = -dv, du
    s = a_k + b_k
    return float(a_k / s), float(b_k / s)


def variable_threats(A: ArrayLike, B: ArrayLike, frontier: Frontier | ArrayLike | None = None,
                     power: float = 0.5) -> ThreatResult:
    """Optimal threats and the resulting bargain in the game (A, B).

    ``frontier`` is the set of agreements (default: every lottery over the game's profiles);
    ``power`` the row player's bargaining power.

    >>> r = variable_threats([[1, 0], [0, 0]], [[0, 1], [0, 0]])  # frontier u + v = 1
    >>> [round(z, 12) for z in r.agreement], r.where
    ([0.5, 0.5], ('segment', 0))
    """
    a = check_power(power)
    Am = np.asarray(A, dtype=float)
    Bm = np.asarray(B, dtype=float)
    if Am.ndim != 2 or Am.shape != Bm.shape:
        raise UsageError("payoff matrices must be two arrays of the same 2-D shape")
    if frontier is None:
        pts = np.stack([Am.ravel(), Bm.ravel()], axis=1)
        f = pareto_frontier(pts)
    elif isinstance(frontier, Frontier):
        f = frontier
    else:
        f = pareto_frontier(frontier)
    p = f.points

    def threat_point(x: np.ndarray, y: np.ndarray) -> Point:
        return (float(x @ Am @ y), float(x @ Bm @ y))

    if len(p) == 1:
        _, x, y = zero_sum((1 - a) * Am - a * Bm)
        return _result(f, (float(p[0, 0]), float(p[0, 1])), (x, y), threat_point(x, y),
                       ("vertex", 0), a)
    S = len(p) - 1
    games: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    positions: dict[int, float] = {}

    def segment(k: int) -> float:
        """Where segment k's own threat game puts the agreement along it (0 and 1: its
        ends)."""
        if k not in positions:
            a_k, b_k = _normal(f, k)
            w, x, y = zero_sum((1 - a) * a_k * Am - a * b_k * Bm)
            c_k = a_k * p[k, 0] + b_k * p[k, 1]
            u = (a * c_k + w) / a_k
            games[k] = (x, y)
            positions[k] = (u - p[k, 0]) / (p[k + 1, 0] - p[k, 0])
        return positions[k]

    if Am.size > BISECT_CELLS and S > BISECT_SEGMENTS:
        found = _bisect(segment, S)
        if found is not None:
            kind, k = found
            point, x, y = _answer(p, games, positions, kind, k)
            r = _result(f, point, (x, y), threat_point(x, y), (kind, k), a)
            if r.consistent:
                return r
    for k in range(S):
        segment(k)
    kind, k = _scan(positions, S)
    point, x, y = _answer(p, games, positions, kind, k)
    return _result(f, point, (x, y), threat_point(x, y), (kind, k), a)


def _eps(positions: dict[int, float]) -> float:
    return 1e-9 * max(1.0, max(abs(t) for t in positions.values()))


def _scan(positions: dict[int, float], S: int) -> tuple[str, int]:
    """With every segment's position: the first segment whose game puts the agreement on it,
    else the vertex where the segments' verdicts change."""
    eps = _eps(positions)
    for k in range(S):
        if -eps <= positions[k] <= 1 + eps:
            return "segment", k
    last = S - 1
    if positions[0] < 0:
        return "vertex", 0
    if positions[last] > 1:
        return "vertex", last + 1
    j = next((k for k in range(1, last + 1) if positions[k - 1] > 1 and positions[k] < 0),
             None) or _nearest([positions[k] for k in range(S)])
    return "vertex", j


def _bisect(segment: Callable[[int], float], S: int) -> tuple[str, int] | None:
    """The answer of :func:`_scan` from a few segments: left of the solution the segments'
    games put the agreement right of their segment, right of it left of theirs (Nash 1953;
    checked on the answer, which falls back to the scan if it is not consistent). Finds the
    first segment k whose position is not right of it, by bisection."""
    lo, hi = 0, S  # positions[k] > 1 + eps for k < lo; not for k >= hi
    while lo < hi:
        mid = (lo + hi) // 2
        t = segment(mid)
        if t > 1 + 1e-9 * max(1.0, abs(t)):
            lo = mid + 1
        else:
            hi = mid
    if lo == S:
        return "vertex", S
    t = segment(lo)
    if t >= -1e-9 * max(1.0, abs(t)):
        return "segment", lo
    if lo == 0:
        return "vertex", 0
    return "vertex", lo


def _answer(p: np.ndarray, games: dict[int, tuple[np.ndarray, np.ndarray]],
            positions: dict[int, float], kind: str, k: int
            ) -> tuple[Point, np.ndarray, np.ndarray]:
    """The agreement and the threats for a segment or a vertex of the frontier."""
    S = len(p) - 1
    if kind == "segment":
        t = min(max(positions[k], 0.0), 1.0)
        point = (float(p[k, 0] + t * (p[k + 1, 0] - p[k, 0])),
                 float(p[k, 1] + t * (p[k + 1, 1] - p[k, 1])))
        x, y = games[k]
        return point, x, y
    if k == 0:
        x, y = games[0]
    elif k == S:
        x, y = games[S - 1]
    else:
        x, y = games[k - 1][0], games[k][1]
    return (float(p[k, 0]), float(p[k, 1])), x, y


def _nearest(positions: list[float]) -> int:  # pragma: no cover - only under rounding trouble
    """The interior vertex where the segments' verdicts come closest to agreeing."""
    gaps = [max(0.0, 1 - positions[k - 1]) + max(0.0, positions[k])
            for k in range(1, len(positions))]
    return 1 + int(np.argmin(gaps))


def _result(f: Frontier, point: Point, strategies: tuple[np.ndarray, np.ndarray],
            d: Point, where: tuple[str, int], a: float) -> ThreatResult:
    try:
        check = nash_solution(f, d, a)
        consistent = bool(np.max(np.abs(np.subtract(check, point))) <= 1e-6 * f.scale)
    except NoBargainError:
        consistent = False
    x, y = strategies
    x = np.where(x < 1e-12, 0.0, x)
    y = np.where(y < 1e-12, 0.0, y)
    return ThreatResult(point, (x / x.sum(), y / y.sum()), d, where, a, consistent)
