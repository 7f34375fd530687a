"""Credibility of many deal profiles at once (every profile of an outcome), vectorised over the
profiles in chunks."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from model.errors import UsageError
from model.negotiation.punishment import (
    INF,
    Punishment,
    _costs,
    _discounted_sum,
    _punishments,
    check_terms,
)
from model.solvers._common import FloatArray, check_game, scale
from model.solvers.equilibria import solve
from model.solvers.results import SolveResult


@dataclass(frozen=True, eq=False)
class ProfilesCredibility:
    """:func:`credibility` of many deal profiles at once, an entry per profile: their
    payoffs (row, column), the discount factor each needs (the larger side's ``threshold``)
    and, with a discount factor, whether each holds."""

    profiles: np.ndarray  # (K, 2) int
    payoffs: np.ndarray  # (K, 2)
    threshold: np.ndarray  # (K,)
    holds: np.ndarray | None  # (K,) bool


#: Profiles whose discount-factor grids are evaluated at once (each row holds 4,097 floats).
_GRID_CHUNK = 512


def credibility_profiles(
    A: ArrayLike,
    B: ArrayLike,
    profiles: ArrayLike,
    *,
    punishment: str = "equilibrium",
    discount: float | None = None,
    length: int | None = None,
    cost: float | Sequence[float] = 0.0,
    tol: float = 1e-9,
    simultaneous: SolveResult | None = None,
    punishments: tuple[Punishment, Punishment] | None = None,
) -> ProfilesCredibility:
    """:func:`credibility` of each deal profile (rows (i, j) of ``profiles``), vectorised
    over the profiles with the same arithmetic, so the same numbers; the punishments are
    found once."""
    a, b = check_game(A, B)
    P = np.asarray(profiles, dtype=np.int64).reshape(-1, 2)
    m, n = a.shape
    ii, jj = P[:, 0], P[:, 1]
    if len(P) and (ii.min() < 0 or ii.max() >= m or jj.min() < 0 or jj.max() >= n):
        raise UsageError(f"a deal profile is outside the {m} x {n} game")
    check_terms(discount, length)
    costs = _costs(cost)
    if punishments is None:
        sim = simultaneous if simultaneous is not None else solve(a, b, tol=tol)
        punishments = _punishments(a, b, sim, punishment, tol)
    threshold = np.zeros(len(P))
    holds = None if discount is None else np.ones(len(P), dtype=bool)
    for dev in (0, 1):
        t, h = _side_many(a, b, ii, jj, dev, punishments[dev], length, costs[1 - dev],
                          discount, tol)
        threshold = np.maximum(threshold, t)
        if holds is not None and h is not None:
            holds &= h
    return ProfilesCredibility(P, np.stack([a[ii, jj], b[ii, jj]], axis=1), threshold, holds)


def _side_many(a: FloatArray, b: FloatArray, ii: np.ndarray, jj: np.ndarray, dev: int,
               P: Punishment, length: int | None, c: float, discount: float | None,
               tol: float) -> tuple[np.ndarray, np.ndarray | None]:
    """One side's ``threshold`` and ``holds`` for each deal (i, j) = (ii[k], jj[k]), as in
    :func:`credibility`."""
    if dev == 0:
        d, mine = a[ii, jj], ii
        best, k = a.max(axis=0)[jj], a.argmax(axis=0)[jj]
        flat = scale(a)
    else:
        d, mine = b[ii, jj], jj
        best, k = b.max(axis=1)[ii], b.argmax(axis=1)[ii]
        flat = scale(b)
    gain = best - d
    calm = gain <= tol * flat
    gain = np.where(calm, 0.0, gain)
    k = np.where(calm, mine, k)
    tempted = gain > 0
    loss = d - P.deviator_payoff
    with np.errstate(divide="ignore", invalid="ignore"):
        grim = np.where(~tempted, 0.0, np.where(loss <= 0, INF, gain / (gain + loss)))
    Mq = b if dev == 0 else a  # the punisher's payoffs
    dq = Mq[ii, jj]
    sq = Mq[k, jj] if dev == 0 else Mq[ii, k]
    if length is None:
        own = grim
        slack = P.punisher_payoff - sq
        if c == 0:
            cred = np.where(slack >= 0, 0.0, INF)
        else:
            cred = np.where(slack <= 0, INF, np.maximum(0.0, 1.0 - slack / c))
    else:
        own = _finite_many(gain, loss, length)
        cred = np.full(len(ii), INF)
        for lo in range(0, len(ii), _GRID_CHUNK):
            sl = slice(lo, lo + _GRID_CHUNK)
            cred[sl] = _first_holding_many(c, P.punisher_payoff, dq[sl], sq[sl], length)
    cred = np.where(tempted, cred, 0.0)
    threshold = np.maximum(own, cred)
    if discount is None:
        return threshold, None
    if length is None:
        keeps = discount >= grim
    else:
        keeps = gain <= (d - P.deviator_payoff) * _discounted_sum(discount, length)
    worth = _condition_many(discount, c, P.punisher_payoff, dq, sq, length) >= (
        -1e-12 * max(1.0, scale(Mq)))
    return threshold, np.where(tempted, keeps & worth, True)


def _condition_many(delta: float, cost: float, punish: float, deal: np.ndarray,
                    acquiesce: np.ndarray, length: int | None) -> np.ndarray:
    """:func:`punisher_condition` at one delta for arrays of deal and acquiescence payoffs."""
    tail = 0.0 if length is None else delta**length
    out: np.ndarray = -cost * (1.0 - delta) + (1.0 - tail) * punish + tail * deal - acquiesce
    return out


def _finite_many(gain: np.ndarray, loss: np.ndarray, length: int) -> np.ndarray:
    """:func:`finite_threshold` for arrays of gains and losses (d - p), the same bisection
    run on all at once."""
    out = np.where(gain <= 0, 0.0, INF)
    need = np.flatnonzero((gain > 0) & ~((loss <= 0) | (gain >= length * loss)))
    if not len(need):
        return out
    g, ls = gain[need], loss[need]
    lo, hi = np.zeros(len(need)), np.ones(len(need))
    live = np.ones(len(need), dtype=bool)
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        live &= (mid != lo) & (mid != hi)
        if not live.any():
            break
        total = np.zeros(len(need))
        for _ in range(length):
            total = mid * (1.0 + total)
        ok = ls * total >= g
        hi = np.where(live & ok, mid, hi)
        lo = np.where(live & ~ok, mid, lo)
    out[need] = hi
    return out


def _powers(deltas: np.ndarray, length: int) -> np.ndarray:
    """delta ** length for each delta, with Python's power (as :func:`punisher_condition`)."""
    return np.array([d**length for d in deltas.tolist()], dtype=float)


def _first_holding_many(cost: float, punish: float, deal: np.ndarray, acquiesce: np.ndarray,
                        length: int, grid: int = 4096) -> np.ndarray:
    """:func:`first_holding` of the punisher's condition for arrays of deal and acquiescence
    payoffs: the same grid, the same bisection, on all at once."""
    top = 1.0 - 1e-12
    points = np.linspace(0.0, top, grid + 1)
    tails = _powers(points, length)
    base = -cost * (1.0 - points) + (1.0 - tails) * punish
    values = base[None, :] + tails[None, :] * deal[:, None] - acquiesce[:, None]
    out = np.full(len(deal), INF)
    fails = values < 0
    ok_top = ~fails[:, -1]
    out[ok_top & ~fails.any(axis=1)] = 0.0
    todo = np.flatnonzero(ok_top & fails.any(axis=1))
    if not len(todo):
        return out
    last = grid - np.argmax(fails[todo, ::-1], axis=1)  # the last failing grid point
    lo, hi = points[last], points[last + 1]
    dq, sq = deal[todo], acquiesce[todo]
    live = np.ones(len(todo), dtype=bool)
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        live &= (mid != lo) & (mid != hi)
        if not live.any():
            break
        tail = np.zeros(len(todo))
        tail[live] = _powers(mid[live], length)
        f = -cost * (1.0 - mid) + (1.0 - tail) * punish + tail * dq - sq
        hi = np.where(live & (f >= 0), mid, hi)
        lo = np.where(live & (f < 0), mid, lo)
    out[todo] = hi
    return out
