"""Axiomatic bargaining solutions on a piecewise-linear frontier, computed exactly.

Each function takes the frontier (a :class:`~.feasible.Frontier`, or payoff
pairs whose lotteries make up the feasible set) and the disagreement point d, and returns the
agreed payoff pair. Only the individually rational part of the frontier (both sides at least
at d) is searched; NoBargainError if it is empty.

- Nash bargaining solution (Nash 1950, "The bargaining problem", Econometrica 18), with
  bargaining powers a and 1 - a (the asymmetric form of Kalai 1977, "Nonsymmetric Nash
  solutions and replications of 2-person bargaining", Int. J. Game Theory 6; Osborne and
  Rubinstein 1990, *Bargaining and Markets*, ch. 2): the point maximising
  (u - d1)^a (v - d2)^(1 - a). On one segment the logarithm of the product is concave in the
  position along it and its maximiser has a closed form; the best of the segments' maximisers
  is the solution.
- Kalai-Smorodinsky solution (Kalai and Smorodinsky 1975, "Other solutions to Nash's
  bargaining problem", Econometrica 43): the frontier point on the line from d to the ideal
  point (each side's best payoff among the individually rational agreements).
- Egalitarian solution (Kalai 1977, "Proportional solutions to bargaining situations:
  interpersonal utility comparisons", Econometrica 45): equal gains over d. Where no frontier
  point gives equal gains (the frontier lies wholly to one side of the 45-degree line through
  d) the frontier point with the largest smaller gain is returned, the lexicographic refinement
  that keeps the answer Pareto optimal (Imai 1983, "Individual monotonicity and lexicographic
  maxmin solution", Econometrica 51).

>>> nash_solution([(0, 1), (1, 0)], (0, 0), power=0.3)
(0.3, 0.7)
>>> kalai_smorodinsky_solution([(0, 2), (1, 0)], (0, 0))
(0.5, 1.0)
>>> tuple(round(x, 12) for x in egalitarian_solution([(0, 2), (1, 0)], (0, 0)))
(0.666666666667, 0.666666666667)
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from model.errors import UsageError
from model.negotiation.bargaining.feasible import Chain, Frontier, pareto_frontier

__all__ = [
    "egalitarian_solution",
    "individually_rational",
    "kalai_smorodinsky_solution",
    "nash_product",
    "nash_solution",
]

Point = tuple[float, float]


def individually_rational(frontier: Frontier | ArrayLike, d: ArrayLike) -> Chain:
    """The individually rational part of the frontier (or of the frontier of these points)."""
    f = frontier if isinstance(frontier, Frontier) else pareto_frontier(frontier)
    return f.individually_rational(_point(d, "disagreement point"))


def _point(d: ArrayLike, what: str) -> np.ndarray:
    p = np.asarray(d, dtype=float).reshape(-1)
    if p.shape != (2,) or not np.all(np.isfinite(p)):
        raise UsageError(f"the {what} must be two finite numbers, got {d!r}")
    return p


def check_power(power: float) -> float:
    """A bargaining power of the row player, strictly between 0 and 1."""
    a = float(power)
    if not 0.0 < a < 1.0 or not math.isfinite(a):
        raise UsageError(f"a bargaining power must lie strictly between 0 and 1, got {power!r}")
    return a


def nash_product(point: ArrayLike, d: ArrayLike, power: float = 0.5) -> float:
    """log of (u - d1)^a (v - d2)^(1 - a); -inf where a gain is not positive."""
    u, v = np.asarray(point, dtype=float)
    d1, d2 = np.asarray(d, dtype=float)
    if u - d1 <= 0 or v - d2 <= 0:
        return -math.inf
    return power * math.log(u - d1) + (1 - power) * math.log(v - d2)


def nash_solution(frontier: Frontier | ArrayLike, d: ArrayLike, power: float = 0.5) -> Point:
    """The (asymmetric) Nash bargaining solution with the row player's power ``power``.

    On the segment from (u0, v0) to (u0 + du, v0 + dv) the first-order condition of the log
    product, a du / (u - d1) + (1 - a) dv / (v - d2) = 0, is linear in the position t:
    t = -(a du (v0 - d2) + (1 - a) dv (u0 - d1)) / (du dv), clipped to [0, 1].

    >>> nash_solution([(0, 1), (1, 0)], (0, 0))
    (0.5, 0.5)
    """
    a = check_power(power)
    d0 = _point(d, "disagreement point")
    c = individually_rational(frontier, d0)
    if len(c) == 1:
        return (float(c.u[0]), float(c.v[0]))
    d1, d2 = float(d0[0]), float(d0[1])
    best: Point = (float(c.u[0]), float(c.v[0]))
    best_value = -math.inf
    for k in range(len(c) - 1):
        u0, v0 = float(c.u[k]), float(c.v[k])
        du, dv = float(c.u[k + 1]) - u0, float(c.v[k + 1]) - v0
        t = -(a * du * (v0 - d2) + (1 - a) * dv * (u0 - d1)) / (du * dv)
        t = min(max(t, 0.0), 1.0)
        p = (u0 + t * du, v0 + t * dv)
        value = nash_product(p, d0, a)
        if value > best_value:
            best, best_value = p, value
    return best


def _ray_point(c: Chain, d: np.ndarray, w: tuple[float, float]) -> Point:
    """Where the ray from d in direction w (both components positive) meets the chain; the
    nearest end if it misses (the end with the larger smaller gain, measured along w)."""
    g = (c.u - d[0]) * w[1] - (c.v - d[1]) * w[0]  # rises along the chain
    if len(c) == 1 or g[0] >= 0:
        return (float(c.u[0]), float(c.v[0]))
    if g[-1] <= 0:
        return (float(c.u[-1]), float(c.v[-1]))
    k = int(np.flatnonzero(g >= 0)[0]) - 1
    t = -g[k] / (g[k + 1] - g[k])
    return (float(c.u[k] + t * (c.u[k + 1] - c.u[k])), float(c.v[k] + t * (c.v[k + 1] - c.v[k])))


def kalai_smorodinsky_solution(frontier: Frontier | ArrayLike, d: ArrayLike) -> Point:
    """The Kalai-Smorodinsky solution: gains in proportion to each side's largest possible
    gain (the ideal point's), on the frontier.

    >>> kalai_smorodinsky_solution([(0, 1), (1, 0.7)], (0, 0))  # doctest: +ELLIPSIS
    (0.769230769..., 0.769230769...)
    """
    d0 = _point(d, "disagreement point")
    c = individually_rational(frontier, d0)
    ideal = (float(c.u[-1]), float(c.v[0]))
    w = (ideal[0] - float(d0[0]), ideal[1] - float(d0[1]))
    if len(c) == 1 or w[0] <= 0 or w[1] <= 0:
        return (float(c.u[0]), float(c.v[0]))
    return _ray_point(c, d0, w)


def ideal_point(frontier: Frontier | ArrayLike, d: ArrayLike) -> Point:
    """Each side's largest payoff among the individually rational agreements."""
    c = individually_rational(frontier, d)
    return (float(c.u[-1]), float(c.v[0]))


def egalitarian_solution(frontier: Frontier | ArrayLike, d: ArrayLike) -> Point:
    """The egalitarian solution: the frontier point with equal gains over d (or, if there is
    none, the one whose smaller gain is largest)."""
    d0 = _point(d, "disagreement point")
    c = individually_rational(frontier, d0)
    return _ray_point(c, d0, (1.0, 1.0))
