"""Punishments in the repeated game and the discount factors they need: grim trigger (Friedman
1971), finite punishments of a given length, the minmax (Abreu 1988)."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from model.errors import UsageError
from model.negotiation.stackelberg import nash_points
from model.solvers._common import FloatArray, SolverError, check_game, scale
from model.solvers.results import SolveResult

INF = math.inf


# ---------------------------------------------------------------------------- thresholds
def grim_threshold(gain: float, deal: float, punishment: float) -> float:
    """The smallest delta with which grim trigger keeps the deal: g / (g + d - p).

    0 when reneging gains nothing (g <= 0); ``inf`` when the punishment is no worse than the
    deal (d <= p) and reneging gains something, so that no discount factor below 1 suffices.

    >>> grim_threshold(5 - 3, 3, 1)
    0.5
    """
    if gain <= 0:
        return 0.0
    loss = deal - punishment
    if loss <= 0:
        return INF
    return gain / (gain + loss)


def _discounted_sum(delta: float, length: int) -> float:
    """delta + delta**2 + ... + delta**length, by Horner's rule."""
    total = 0.0
    for _ in range(length):
        total = delta * (1.0 + total)
    return total


def finite_threshold(gain: float, deal: float, punishment: float, length: int) -> float:
    """The smallest delta with gain <= (deal - punishment) * sum_{t=1..length} delta**t.

    The right side is a polynomial in delta, increasing on [0, 1) when the punishment is
    worse than the deal, so the root is found by bisection to machine precision. ``inf`` when
    even delta -> 1 is not enough (gain >= length * (deal - punishment)).

    >>> finite_threshold(2, 3, 1, 1)   # one period of punishment is never enough here
    inf
    >>> round(finite_threshold(2, 3, 1, 2), 10)   # 2 <= 2 (delta + delta**2)
    0.6180339887
    """
    if length < 1:
        raise UsageError(f"the punishment length must be at least 1 period, got {length}")
    if gain <= 0:
        return 0.0
    loss = deal - punishment
    if loss <= 0 or gain >= length * loss:
        return INF
    lo, hi = 0.0, 1.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if mid in (lo, hi):
            break
        if loss * _discounted_sum(mid, length) >= gain:
            hi = mid
        else:
            lo = mid
    return hi


def punisher_condition(
    delta: float, cost: float, punish: float, deal: float, acquiesce: float,
    length: int | None,
) -> float:
    """How much punishing beats acquiescing for the punisher, per period from the start of
    the punishment: -C (1 - delta) + (1 - delta**L) p + delta**L d - s (L = None: for ever).
    Non-negative when carrying out the threat is worth its cost."""
    tail = 0.0 if length is None else delta**length
    return -cost * (1.0 - delta) + (1.0 - tail) * punish + tail * deal - acquiesce


def first_holding(condition: Callable[[float], float], *, grid: int = 4096) -> float:
    """The smallest delta in [0, 1) from which ``condition(delta) >= 0`` holds up to 1.

    ``condition`` is a continuous function of delta; it is sampled on a grid and the last
    change of sign refined by bisection. 0 if it holds everywhere, ``inf`` if it fails just
    below 1.
    """
    f = condition
    top = 1.0 - 1e-12
    if f(top) < 0:
        return INF
    points = np.linspace(0.0, top, grid + 1)
    values = np.array([f(float(d)) for d in points])
    failing = np.flatnonzero(values < 0)
    if failing.size == 0:
        return 0.0
    lo, hi = float(points[failing[-1]]), float(points[failing[-1] + 1])
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if mid in (lo, hi):
            break
        if f(mid) >= 0:
            hi = mid
        else:
            lo = mid
    return hi


# ---------------------------------------------------------------------------- minmax
def minmax(A: ArrayLike, B: ArrayLike, player: int) -> tuple[float, FloatArray]:
    """``player``'s minmax value and the other side's strategy that holds it there.

    For the row player: min over y of max_i (A y)_i, one linear programme (HiGHS); for the
    column player the same with B transposed.

    >>> v, y = minmax([[3, 0], [5, 1]], [[3, 5], [0, 1]], 0)
    >>> v, y.tolist()
    (1.0, [0.0, 1.0])
    """
    a, b = check_game(A, B)
    M = a if player == 0 else b.T  # rows: the player's own actions
    s = scale(M)
    Ms = M / s
    k, n = Ms.shape
    from scipy.optimize import linprog  # deferred: importing scipy.optimize is slow

    res = linprog(
        np.r_[np.zeros(n), 1.0],
        A_ub=np.hstack([Ms, -np.ones((k, 1))]),
        b_ub=np.zeros(k),
        A_eq=np.r_[np.ones(n), 0.0].reshape(1, -1),
        b_eq=np.ones(1),
        bounds=[(0.0, None)] * n + [(None, None)],
        method="highs",
        options={"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10},
    )
    if res.status != 0:
        raise SolverError(f"minmax linear programme failed: {res.message}")
    y = np.where(res.x[:n] > 1e-12, res.x[:n], 0.0)
    y = y / y.sum()
    return float((M @ y).max()), y


# ---------------------------------------------------------------------------- results
@dataclass(frozen=True, eq=False)
class Punishment:
    """What follows a deviation by ``deviator``: a mixed profile (row, column) played each
    period, with the deviator's and the punisher's payoffs per period.

    ``equilibrium`` is the index of the extreme equilibrium (0-based) when the punishment is
    one, ``stage_equilibrium`` whether the profile is a Nash equilibrium of the stage game.
    """

    kind: str
    deviator: int
    strategies: tuple[FloatArray, FloatArray]
    deviator_payoff: float
    punisher_payoff: float
    stage_equilibrium: bool
    equilibrium: int | None = None


# ---------------------------------------------------------------------------- punishments
def _punishments(
    A: FloatArray, B: FloatArray, sim: SolveResult, spec: str, tol: float
) -> tuple[Punishment, Punishment]:
    kind = spec.strip().lower()
    out: list[Punishment] = []
    if kind == "equilibrium":
        for dev in (0, 1):
            points = nash_points(A, B, sim, dev)  # payoffs (deviator, punisher)
            worst = min(points, key=lambda p: (p.payoffs[0], -p.payoffs[1]))
            k, l_ = worst.equilibria
            out.append(Punishment("equilibrium", dev, worst.strategies, worst.payoffs[0],
                                  worst.payoffs[1], True, k if k == l_ else None))
        return out[0], out[1]
    m = re.fullmatch(r"equilibrium\s*:\s*(\S+)", kind)
    if m:
        n_eq = len(sim.equilibria)
        try:
            k = int(m.group(1))
        except ValueError:
            k = 0
        if not 1 <= k <= n_eq:
            raise UsageError(
                f"--punishment {spec}: K must be a whole number from 1 to {n_eq} (the "
                f"equilibria E1..E{n_eq} as 'leverage solve' numbers them)"
            )
        e = sim.equilibria[k - 1]
        x, y = e.strategies
        for dev in (0, 1):
            pay = (float(x @ A @ y), float(x @ B @ y))
            out.append(Punishment(f"equilibrium:{k}", dev, (x, y), pay[dev], pay[1 - dev],
                                  True, k - 1))
        return out[0], out[1]
    if kind == "minmax":
        for dev in (0, 1):
            value, held = minmax(A, B, dev)
            own = A @ held if dev == 0 else B.T @ held  # deviator's payoff per own action
            eps = tol * scale(A if dev == 0 else B)
            replies = np.flatnonzero(own >= own.max() - eps)
            # among the deviator's best replies, the one worst for the punisher
            punisher = [float(held @ B[r]) if dev == 0 else float(A[:, r] @ held)
                        for r in replies]
            r = int(replies[int(np.argmin(punisher))])
            reply = np.zeros(A.shape[dev])
            reply[r] = 1.0
            x, y = (reply, held) if dev == 0 else (held, reply)
            regret_q = (float((A @ y).max() - x @ A @ y) if dev == 1
                        else float((x @ B).max() - x @ B @ y))
            is_eq = regret_q <= tol * scale(B if dev == 0 else A)
            out.append(Punishment("minmax", dev, (x, y), value, min(punisher), is_eq))
        return out[0], out[1]
    raise UsageError(
        f"unknown punishment '{spec}'; use 'equilibrium' (the stage equilibrium worst for "
        "each deviator), 'equilibrium:K' (the K-th equilibrium of 'leverage solve') or "
        "'minmax' (each side held to its minmax value)"
    )


def punishments(
    A: ArrayLike, B: ArrayLike, simultaneous: SolveResult, punishment: str = "equilibrium",
    tol: float = 1e-9,
) -> tuple[Punishment, Punishment]:
    """What follows a deviation by the row player and by the column player (the same for
    every deal): see :func:`credibility`."""
    a, b = check_game(A, B)
    return _punishments(a, b, simultaneous, punishment, tol)


def check_terms(discount: float | None, length: int | None) -> None:
    """UsageError unless the discount factor lies in (0, 1) and a punishment lasts at least
    one period (None: not given, or for ever)."""
    if discount is not None and not 0 < discount < 1:
        raise UsageError(f"the discount factor must lie strictly between 0 and 1, got "
                         f"{discount:g}")
    if length is not None and length < 1:
        raise UsageError(f"the punishment length must be at least 1 period, got {length}")


def _costs(cost: float | Sequence[float]) -> tuple[float, float]:
    costs = (float(cost), float(cost)) if isinstance(cost, (int, float)) else tuple(cost)
    if len(costs) != 2 or any(not math.isfinite(c) or c < 0 for c in costs):
        raise UsageError(f"the re-imposing cost must be a finite number >= 0, got {cost}")
    return float(costs[0]), float(costs[1])
