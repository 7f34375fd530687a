"""Alternating offers (Rubinstein 1982, "Perfect equilibrium in a bargaining model",
Econometrica 50) over the frontier of a bargaining problem.

The two sides take turns proposing a point of the frontier; the other accepts or rejects, and
after a rejection the roles swap in the next round. While they disagree each side gets its
disagreement payoff; a side's gain from an agreement reached one round later is worth
``discount`` times as much to it (for flow payoffs such as these, a round's delay costs that
round of the gain). The game has a unique subgame perfect equilibrium: the first proposer offers
x*, the other y*, and the first offer is accepted. x* and y* are the stationary pair in which
each responder is indifferent between accepting and proposing next round (Osborne and Rubinstein
1990, *Bargaining and Markets*, ch. 3; Binmore, Rubinstein and Wolinsky 1986, "The Nash
bargaining solution in economic modelling", RAND J. Econ. 17):

    y*_1 - d1 = delta_1 (x*_1 - d1),        x*_2 - d2 = delta_2 (y*_2 - d2),

with both on the frontier. On the frontier u + v = 1 with d = (0, 0) this gives the first
proposer the share (1 - delta_2) / (1 - delta_1 delta_2), 1 / (1 + delta) when the two are
equally patient. On a concave piecewise-linear frontier the responder's indifference condition
is a strictly falling piecewise-linear function of x*_1; its root is found exactly between
breakpoints. As the length of a round shrinks (delta_i = exp(-r_i T), T -> 0) both offers tend
to the asymmetric Nash solution with the row player's power r_2 / (r_1 + r_2), that is
log delta_2 / (log delta_1 + log delta_2) (Binmore, Rubinstein and Wolinsky 1986; Osborne and
Rubinstein 1990, ch. 4).

>>> r = rubinstein([(0, 1), (1, 0)], (0, 0), (0.9, 0.9))
>>> round(r.agreement[0], 12), round(1 / 1.9, 12)
(0.526315789474, 0.526315789474)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from model.errors import UsageError
from model.negotiation.bargaining.feasible import Chain, Frontier
from model.negotiation.bargaining.solutions import Point, individually_rational, nash_solution

__all__ = ["RubinsteinResult", "check_discount", "first_proposer_share", "limit_power",
           "rubinstein"]


@dataclass(frozen=True)
class RubinsteinResult:
    """The subgame perfect equilibrium of alternating offers.

    ``offers[k]`` is what player k proposes whenever it is its turn; ``agreement`` is the
    first proposer's offer, accepted at once. ``limit`` is the common limit of both offers as
    rounds get shorter, the Nash solution with the row player's power ``limit_power``.
    """

    discounts: tuple[float, float]
    first: int
    offers: tuple[Point, Point]
    agreement: Point
    limit: Point
    limit_power: float


def check_discount(value: float, who: str = "") -> float:
    """A discount factor per round, strictly between 0 and 1."""
    v = float(value)
    if not (0.0 < v < 1.0):
        whose = f" of {who}" if who else ""
        raise UsageError(f"the discount factor{whose} must lie strictly between 0 and 1, "
                         f"got {value!r}")
    return v


def first_proposer_share(delta_1: float, delta_2: float) -> float:
    """Rubinstein's share of a unit surplus for the first proposer: (1 - d2) / (1 - d1 d2).

    >>> first_proposer_share(0.5, 0.5)  # 1 / (1 + 0.5)
    0.6666666666666666
    """
    d1, d2 = check_discount(delta_1), check_discount(delta_2)
    return (1 - d2) / (1 - d1 * d2)


def limit_power(delta_1: float, delta_2: float) -> float:
    """The row player's bargaining power in the short-round limit: r2 / (r1 + r2)."""
    r1 = -math.log(check_discount(delta_1))
    r2 = -math.log(check_discount(delta_2))
    return r2 / (r1 + r2)


def _offers(c: Chain, d1: float, d2: float, delta: tuple[float, float]) -> tuple[Point, Point]:
    """The stationary offers (row player's, column player's) on the chain."""
    if len(c) == 1:
        p = (float(c.u[0]), float(c.v[0]))
        return p, p
    lo, hi = float(c.u[0]), float(c.u[-1])
    e1, e2 = delta

    def reply_u(x: float) -> float:
        """The row player's payoff in the column player's offer, when the row player's own
        offer gives it x: what the row player would get by waiting (at least the chain's
        left end, the best the column player can do)."""
        return max(lo, d1 + e1 * (x - d1))

    def h(x: float) -> float:  # falls strictly in x; its root is the row player's offer
        return (c.phi(x) - d2) - e2 * (c.phi(reply_u(x)) - d2)

    # breakpoints: the chain's vertices, and where the column player's offer passes one
    cuts = {lo, hi, *map(float, c.u)}
    for uk in c.u:
        x = d1 + (float(uk) - d1) / e1
        if lo < x < hi:
            cuts.add(x)
    xs = sorted(cuts)
    hs = [h(x) for x in xs]
    if hs[-1] >= 0:
        x_star = hi
    elif hs[0] <= 0:  # only by rounding: h(lo) = (1 - delta_2) (phi(lo) - d2) >= 0
        x_star = lo
    else:
        k = next(k for k in range(len(xs) - 1) if hs[k] >= 0 > hs[k + 1])
        x_star = xs[k] + (xs[k + 1] - xs[k]) * hs[k] / (hs[k] - hs[k + 1])
    y1 = reply_u(x_star)
    return (x_star, c.phi(x_star)), (y1, c.phi(y1))


def rubinstein(frontier: Frontier | ArrayLike, d: ArrayLike, discounts: tuple[float, float],
               first: int = 0) -> RubinsteinResult:
    """Alternating offers over the frontier from the disagreement point ``d``.

    ``discounts`` are the per-round discount factors (row player's, column player's), each in
    (0, 1); ``first`` is 0 if the row player proposes first, 1 if the column player does.
    """
    if first not in (0, 1):
        raise UsageError(f"the first proposer must be 0 (row) or 1 (column), got {first!r}")
    e = (check_discount(discounts[0]), check_discount(discounts[1]))
    d0 = np.asarray(d, dtype=float).reshape(-1)
    c = individually_rational(frontier, d0)
    x_row, y_col = _offers(c, float(d0[0]), float(d0[1]), e)
    a = limit_power(*e)
    limit = nash_solution(frontier, d0, a)
    return RubinsteinResult(e, first, (x_row, y_col), x_row if first == 0 else y_col, limit, a)
