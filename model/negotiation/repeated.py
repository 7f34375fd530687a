"""Whether a deal holds: the stage game repeated, a deal kept by the threat of punishment.

"Today they are willing to give you something, but tomorrow they might want to take it back."
A deal is a profile (i, j) of the stage game that both prefer to the equilibria but that is
not itself an equilibrium: each side gains this period by reneging, moving to its best
reply to the other's deal action. Played again every period, the deal can still hold if
reneging is punished and the players are patient enough.

**Grim trigger** (Friedman 1971, "A non-cooperative equilibrium for supergames", Review of
Economic Studies 38(1), 1-12): play the deal; after any deviation play a punishment for ever.
With deal payoff d, one-period gain g from reneging and punishment payoff p per period, a
player with discount factor delta keeps the deal when

    d / (1 - delta) >= d + g + delta * p / (1 - delta),  i.e.  delta >= g / (g + d - p).

For the prisoner's dilemma with temptation T, reward R and punishment P this is
(T - R) / (T - P). The punishment may be

* ``equilibrium``: reversion to the stage-game Nash equilibrium worst for the deviator (a
  stage equilibrium played for ever is itself an equilibrium of what follows, so the threat is
  subgame perfect); with different equilibria for the two deviators this is a simple penal
  code in the sense of Abreu (1988, "On the theory of infinitely repeated games with
  discounting", Econometrica 56(2), 383-396);
* ``equilibrium:K``: the K-th extreme equilibrium, numbered as ``leverage solve`` prints them;
* ``minmax``: the other side holds the deviator down to its minmax value (the lowest payoff
  it can be held to when it best-replies), the bound of the folk theorem (Fudenberg and Tirole
  1991, *Game Theory*, ch. 5). A permanent minmax threat is usually not subgame perfect, since
  the punisher would rather best-reply itself; the folk theorem makes it so with a finite
  punishment phase and a reward for the punisher, which this module does not construct. The
  threshold it gives is the lowest a stationary threat can reach.

**Finite punishment** of L periods, then back to the deal: the deviator keeps the deal when
g <= (d - p) * (delta + delta**2 + ... + delta**L). The right side increases in delta, so the
smallest such delta is found by bisection on the polynomial; it is above the grim-trigger
threshold and falls to it as L grows.

**A cost of re-imposing** (a restriction once lifted is costly to bring back: contracts,
lobbies, reputation): the punisher pays C once when the punishment starts. Carrying out the
threat must then be worth it to the punisher: from the first punishment period, punishing is
worth -C + (value of the punishment path) against the value of acquiescing, i.e. keeping its
deal action for ever while the deviator keeps its best deviation. Per period (times 1 - delta):

    -C (1 - delta) + (1 - delta**L) p_q + delta**L d_q >= s_q

with p_q, d_q, s_q the punisher's punishment, deal and acquiescence payoffs (delta**L = 0 for
grim trigger). The deal holds for a side when its own incentive condition holds and the other
side's threat is worth carrying out; the critical discount factor including the cost is the
larger of the two thresholds.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike

from model.errors import UsageError, did_you_mean, known
from model.game import Game
from model.negotiation.stackelberg import nash_points
from model.payoffs.formula import FormulaError, parse
from model.solvers._common import FloatArray, SolverError, check_game, scale
from model.solvers.equilibria import solve
from model.solvers.results import SolveResult

__all__ = [
    "Credibility",
    "ProfilesCredibility",
    "Punishment",
    "SideCredibility",
    "credibility",
    "credibility_profiles",
    "deal_profile",
    "finite_threshold",
    "first_holding",
    "grim_threshold",
    "minmax",
    "punisher_condition",
    "punishments",
    "resolve_discount",
    "resolve_value",
]

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


@dataclass(frozen=True, eq=False)
class SideCredibility:
    """One side's incentive to keep the deal, and the other side's to punish if it does not.

    Thresholds are discount factors: 0 when any patience is enough, ``inf`` when none below 1
    is. ``threshold`` is the larger of the side's own threshold (``finite`` when a punishment
    length is given, else ``grim``) and ``credibility`` (the punisher's). ``holds`` and
    ``punishment_worth_it`` are None without a discount factor.
    """

    player: int
    deal_payoff: float
    deviation: int
    deviation_payoff: float
    gain: float
    punishment: Punishment
    grim: float
    finite: float | None
    cost: float
    acquiesce_payoff: float
    punisher_deal_payoff: float
    credibility: float
    threshold: float
    holds: bool | None
    punishment_worth_it: bool | None

    @property
    def own_threshold(self) -> float:
        return self.finite if self.finite is not None else self.grim

    @property
    def tempted(self) -> bool:
        return self.gain > 0


@dataclass(frozen=True, eq=False)
class Credibility:
    """Whether the deal profile ``deal`` = (i, j) holds, side by side (row, column)."""

    deal: tuple[int, int]
    payoffs: tuple[float, float]
    punishment: str
    length: int | None
    discount: float | None
    sides: tuple[SideCredibility, SideCredibility]
    simultaneous: SolveResult
    notes: tuple[str, ...] = field(default=())

    @property
    def threshold(self) -> float:
        return max(s.threshold for s in self.sides)

    @property
    def holds(self) -> bool | None:
        if self.discount is None:
            return None
        return all(bool(s.holds) for s in self.sides)


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


# ---------------------------------------------------------------------------- the analysis
def credibility(
    A: ArrayLike,
    B: ArrayLike,
    deal: tuple[int, int],
    *,
    punishment: str = "equilibrium",
    discount: float | None = None,
    length: int | None = None,
    cost: float | Sequence[float] = 0.0,
    tol: float = 1e-9,
    simultaneous: SolveResult | None = None,
    punishments: tuple[Punishment, Punishment] | None = None,
) -> Credibility:
    """Whether the deal profile ``deal`` = (i, j) of the stage game (A, B) holds.

    ``cost`` is the one-off cost of re-imposing, paid by the punisher: one number for both
    sides or (row's, column's). ``length`` None means punishment for ever (grim trigger).
    ``punishments`` are those of :func:`punishments` for ``punishment``, if already known
    (they do not depend on the deal).
    """
    a, b = check_game(A, B)
    i, j = (int(deal[0]), int(deal[1]))
    if not (0 <= i < a.shape[0] and 0 <= j < a.shape[1]):
        raise UsageError(f"deal profile ({i}, {j}) is outside the {a.shape[0]} x "
                         f"{a.shape[1]} game")
    if discount is not None and not 0 < discount < 1:
        raise UsageError(f"the discount factor must lie strictly between 0 and 1, got "
                         f"{discount:g}")
    if length is not None and length < 1:
        raise UsageError(f"the punishment length must be at least 1 period, got {length}")
    costs = _costs(cost)
    sim = simultaneous if simultaneous is not None else solve(a, b, tol=tol)
    pun = punishments if punishments is not None else _punishments(a, b, sim, punishment, tol)
    sides = []
    for dev in (0, 1):
        q = 1 - dev
        own = a[:, j] if dev == 0 else b[i, :]  # deviator's payoff per own action
        d = float(own[i if dev == 0 else j])
        k = int(np.argmax(own))
        gain = float(own[k]) - d
        if gain <= tol * scale(a if dev == 0 else b):
            gain, k = 0.0, (i if dev == 0 else j)
        P = pun[dev]
        grim = grim_threshold(gain, d, P.deviator_payoff)
        finite = None if length is None else finite_threshold(gain, d, P.deviator_payoff,
                                                              length)
        # the punisher: its deal payoff, and what it gets if it lets the deviation stand
        Mq = b if q == 1 else a
        dq = float(Mq[i, j])
        sq = float(Mq[k, j] if dev == 0 else Mq[i, k])
        c = costs[q]

        def cond(delta: float, c: float = c, P: Punishment = P, dq: float = dq,
                 sq: float = sq) -> float:
            return punisher_condition(delta, c, P.punisher_payoff, dq, sq, length)

        if gain <= 0:
            cred = 0.0  # nothing to punish
        elif length is None:
            slack = P.punisher_payoff - sq
            if c == 0:
                cred = 0.0 if slack >= 0 else INF
            else:
                cred = INF if slack <= 0 else max(0.0, 1.0 - slack / c)
        else:
            cred = first_holding(cond)
        own_t = finite if finite is not None else grim
        threshold = max(own_t, cred)
        holds = worth = None
        if discount is not None:
            if gain <= 0:
                holds, worth = True, None
            else:
                keeps = (discount >= grim if length is None
                         else gain <= (d - P.deviator_payoff) * _discounted_sum(discount,
                                                                                 length))
                worth = cond(discount) >= -1e-12 * max(1.0, scale(Mq))
                holds = bool(keeps and worth)
        sides.append(SideCredibility(
            player=dev, deal_payoff=d, deviation=k, deviation_payoff=float(own[k]),
            gain=gain, punishment=P, grim=grim, finite=finite, cost=c,
            acquiesce_payoff=sq, punisher_deal_payoff=dq, credibility=cred,
            threshold=threshold, holds=holds, punishment_worth_it=worth,
        ))
    return Credibility((i, j), (float(a[i, j]), float(b[i, j])), punishment.strip().lower(),
                       length, discount, (sides[0], sides[1]), sim)


def _costs(cost: float | Sequence[float]) -> tuple[float, float]:
    costs = (float(cost), float(cost)) if isinstance(cost, (int, float)) else tuple(cost)
    if len(costs) != 2 or any(not math.isfinite(c) or c < 0 for c in costs):
        raise UsageError(f"the re-imposing cost must be a finite number >= 0, got {cost}")
    return float(costs[0]), float(costs[1])


def punishments(
    A: ArrayLike, B: ArrayLike, simultaneous: SolveResult, punishment: str = "equilibrium",
    tol: float = 1e-9,
) -> tuple[Punishment, Punishment]:
    """What follows a deviation by the row player and by the column player (the same for
    every deal): see :func:`credibility`."""
    a, b = check_game(A, B)
    return _punishments(a, b, simultaneous, punishment, tol)


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
    if discount is not None and not 0 < discount < 1:
        raise UsageError(f"the discount factor must lie strictly between 0 and 1, got "
                         f"{discount:g}")
    if length is not None and length < 1:
        raise UsageError(f"the punishment length must be at least 1 period, got {length}")
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


# ---------------------------------------------------------------------------- game inputs
def deal_profile(game: Game, A: FloatArray, B: FloatArray, spec: str) -> tuple[int, int]:
    """The profile a ``--deal`` names.

    * an outcome name: the profile of that outcome with the largest sum of payoffs (the first
      in row-major order among equal ones);
    * ``profile:i,j``: 0-based indices as in ``--json``; ``profile:R4,C5`` (or ``R04,C05``):
      the 1-based codes of the text report;
    * ``ROW LABEL / COLUMN LABEL``: the two players' action labels (spaces ignored).
    """
    text = spec.strip()
    names = [o.name for o in game.outcomes]
    for o in game.outcomes:
        if o.name == text or o.name.lower() == text.lower():
            total = np.where(o.mask, A + B, -np.inf)
            best = np.unravel_index(int(np.argmax(total)), total.shape)
            return int(best[0]), int(best[1])
    m, n = A.shape
    if text.lower().startswith("profile:"):
        body = text.split(":", 1)[1]
        parts = [p.strip() for p in body.split(",")]
        if len(parts) == 2:
            codes = [re.fullmatch(r"([RrCc])0*(\d+)", p) for p in parts]
            if (codes[0] and codes[1] and codes[0].group(1).upper() == "R"
                    and codes[1].group(1).upper() == "C"):
                i, j = int(codes[0].group(2)) - 1, int(codes[1].group(2)) - 1
            elif all(p.isdigit() for p in parts):
                i, j = int(parts[0]), int(parts[1])
            else:
                i = j = -1
            if 0 <= i < m and 0 <= j < n:
                return i, j
        raise UsageError(
            f"--deal {spec}: expected profile:i,j with 0 <= i < {m} and 0 <= j < {n} "
            f"(0-based, as in --json) or profile:R<k>,C<l> (1-based codes of the report)"
        )
    if "/" in text:

        def norm(s: str) -> str:
            return "".join(s.split()).lower()

        rows, cols = ([norm(lb) for lb in labels] for labels in game.actions)
        for pos in [k for k, ch in enumerate(text) if ch == "/"]:
            left, right = norm(text[:pos]), norm(text[pos + 1:])
            if left in rows and right in cols:
                return rows.index(left), cols.index(right)
        raise UsageError(
            f"--deal {spec}: no profile has these action labels (write the row player's "
            f"label, '/', the column player's label, as 'leverage solve' prints them)"
        )
    raise UsageError(
        f"unknown deal '{spec}'{did_you_mean(text, names)}: give an outcome "
        f"(outcomes of {game.path.name}: {known(names)}), profile:i,j, or "
        "'ROW ACTION / COLUMN ACTION'"
    )


def resolve_value(
    game: Game, values: Mapping[str, float], text: str, what: str
) -> float:
    """A number, a parameter or derived name, or a formula over them, at one parameter point.

    ``values`` are the resolved parameter values; derived quantities are computed from them.
    Raises UsageError naming ``what`` when the text is not a formula or uses unknown names.
    """
    src = text.strip()
    try:
        v = float(src)
    except ValueError:
        pass
    else:
        if not math.isfinite(v):
            raise UsageError(f"{what}: value must be finite, got '{text}'")
        return v
    try:
        f = parse(src)
    except FormulaError as exc:
        raise UsageError(f"{what}: cannot read '{text}': {exc.message}") from None
    env: dict[str, np.ndarray] = {k: np.array([v]) for k, v in values.items()}
    derived = game.derived_values(dict(values)) if game.derived else {}
    env.update({k: np.array([v]) for k, v in derived.items()})
    for name, _ in f.names():
        if name not in env:
            raise UsageError(
                f"{what}: unknown name '{name}'{did_you_mean(name, env)} (parameters and "
                f"derived quantities of {game.path.name}: {known(env)})"
            )
    result = float(np.asarray(f.evaluate(env)).reshape(-1)[0])
    if not math.isfinite(result):
        raise UsageError(f"{what}: '{text}' is not finite here ({result})")
    return result


def resolve_discount(
    game: Game, values: Mapping[str, float], text: str | None
) -> tuple[float | None, str]:
    """The per-period discount factor and a short description of where it came from.

    Without ``text``, the file's ``patience`` parameter if there is one, else (None, "").
    """
    if text is None:
        if "patience" not in values:
            return None, ""
        value, source = float(values["patience"]), "patience"
    else:
        value, source = resolve_value(game, values, text, "--discount"), text.strip()
    if not 0 < value < 1:
        raise UsageError(
            f"the discount factor must lie strictly between 0 and 1, got {value:g}"
            + (f" from '{source}'" if source != f"{value:g}" else "")
        )
    return value, source
