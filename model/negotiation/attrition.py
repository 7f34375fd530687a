"""Wars of attrition: who gives in first, and when.

Two sides each hold a restriction. Holding costs each side a flow; the side that holds out
wins a prize (the other's concession). Three models, each with its equilibrium in closed form
(or one quadrature) and the quantities an analyst asks for: the probability that each side
concedes first, and the distribution of the time to the first concession.

**Complete information** (:func:`complete_information`). Side i values winning at ``V_i``
(over conceding, which is worth 0) and pays ``c_i(t)`` per unit of time while both hold. In
the stationary mixed equilibrium each side concedes at the hazard that leaves the *other*
indifferent between conceding now and holding a moment ``dt`` longer: holding costs j
``c_j(t) dt`` and gains ``V_j`` with probability ``h_i(t) dt``, so

    h_i(t) V_j = c_j(t),   i.e.   h_i(t) = c_j(t) / V_j.

The first concession comes at the hazard ``h_1 + h_2``; with constant costs it is exponential,
side i is first with probability ``h_i / (h_1 + h_2)``, and in the symmetric case
(``c / V`` each) the mean time to the first concession is ``V / (2c)`` (Hendricks, Weiss and
Wilson 1988). Costs that fall over time (substitution lowering a shortage's cost) make the
hazards fall with them.

**Private values** (:func:`private_values`). Symmetric sides whose values are drawn i.i.d.
from a distribution F (density f) and who pay one unit per unit of time. The symmetric
equilibrium stopping time of a side of value v makes it indifferent at the margin:
``b'(v) = v f(v) / (1 - F(v))``, so ``b(v) = integral_0^v x f(x) / (1 - F(x)) dx``; for the
uniform distribution on [0, 1], ``b(v) = -v - ln(1 - v)`` (Krishna, *Auction Theory*, the war
of attrition).

**Reputational bargaining** (:func:`reputational`). Side i demands ``alpha_i`` of a pie of 1
(``alpha_1 + alpha_2 > 1``), is obstinate (never concedes) with probability ``z_i`` and
discounts at rate ``r_i``. A rational i concedes at the constant rate that leaves rational j
indifferent, ``lambda_i = r_j (1 - alpha_i) / (alpha_1 + alpha_2 - 1)``. Without a mass at
time 0, i would be known obstinate at ``T_i = -ln(z_i) / lambda_i``; both reputations must
reach 1 at the same time ``T0 = min(T_1, T_2)``, so the weaker side (the larger ``T_i``)
concedes at once with probability ``1 - c_i``, ``c_i = z_i exp(lambda_i T0)``, and
``F_i(t) = 1 - c_i exp(-lambda_i t)`` for t <= T0 is the probability that i has conceded by
t (Abreu and Gul 2000, Econometrica 68(1), 85-117).

>>> r = complete_information((4.0, 4.0), (1.0, 1.0))
>>> round(r.mean_time, 6), r.first
(2.0, (0.5, 0.5))
>>> round(float(private_values_uniform_stop(0.5)), 6)
0.193147
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import integrate

from model.errors import UsageError, did_you_mean, known
from model.game import Game
from model.payoffs.formula import FormulaError, parse

CostRate = float | Callable[[np.ndarray], np.ndarray]

#: Quantiles of the time to the first concession that results report.
QUANTILES = (0.1, 0.5, 0.9)


def _positive(name: str, value: float) -> float:
    v = float(value)
    if not (math.isfinite(v) and v > 0):
        raise UsageError(f"{name} must be a positive number, got {value!r}")
    return v


def _rate(name: str, c: CostRate) -> Callable[[np.ndarray], np.ndarray]:
    """A cost rate as a function of time (a constant made one)."""
    if callable(c):
        return lambda t: np.asarray(c(np.asarray(t, dtype=float)), dtype=float)
    v = _positive(name, c)
    return lambda t: np.full(np.shape(t), v)


# ---------------------------------------------------------------------------- complete info
@dataclass(frozen=True, eq=False)
class Attrition:
    """The war of attrition's equilibrium: ``hazard[i](t)`` is side i's concession hazard,
    ``first[i]`` the probability that side i concedes first, ``mean_time`` and
    ``quantiles`` (at :data:`QUANTILES`) the time to the first concession, ``horizon`` the
    time within which the first concession is all but sure (its survival below 1e-12) or the
    end of the costs' description."""

    values: tuple[float, float]
    hazard: tuple[Callable[[np.ndarray], np.ndarray], Callable[[np.ndarray], np.ndarray]]
    first: tuple[float, float]
    mean_time: float
    quantiles: tuple[float, ...]
    horizon: float
    #: Where the result comes from (:func:`model.provenance.record`; filled by the front door).
    provenance: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def to_json(self) -> dict[str, Any]:
        """The equilibrium's summaries as JSON (the hazards at time 0)."""
        return {"values": list(self.values),
                "hazard_at_start": [float(h(np.array(0.0))) for h in self.hazard],
                "first": list(self.first), "mean_time": self.mean_time,
                "quantiles": dict(zip((f"{q:g}" for q in QUANTILES), self.quantiles,
                                      strict=True)),
                "horizon": self.horizon, "provenance": dict(self.provenance)}

    def survival(self, t: np.ndarray | float) -> np.ndarray:
        """The probability that neither side has conceded by time t."""
        t = np.atleast_1d(np.asarray(t, dtype=float))
        out = np.empty_like(t)
        for k, s in enumerate(t):
            got, _ = integrate.quad(lambda u: float(self._total(np.array(u))), 0.0, float(s),
                                    limit=200)
            out[k] = math.exp(-got)
        return out

    def _total(self, t: np.ndarray) -> np.ndarray:
        return self.hazard[0](t) + self.hazard[1](t)


def complete_information(values: Sequence[float], costs: Sequence[CostRate], *,
                         horizon: float | None = None) -> Attrition:
    """The stationary mixed equilibrium of the war of attrition with values ``values`` and
    cost rates ``costs`` (numbers, or functions of time for costs that change): side i
    concedes at the hazard ``costs[j](t) / values[j]`` (see the module's description).
    ``horizon`` bounds the integration of changing costs (default: long enough for the first
    concession to be all but sure)."""
    if len(values) != 2 or len(costs) != 2:
        raise UsageError("a war of attrition has two sides: give two values and two costs")
    V = (_positive("values[0]", values[0]), _positive("values[1]", values[1]))
    c = (_rate("costs[0]", costs[0]), _rate("costs[1]", costs[1]))

    def h0(t: np.ndarray) -> np.ndarray:
        return c[1](t) / V[1]

    def h1(t: np.ndarray) -> np.ndarray:
        return c[0](t) / V[0]

    if all(not callable(x) for x in costs):
        lam = (float(h0(np.array(0.0))), float(h1(np.array(0.0))))
        total = lam[0] + lam[1]
        q = tuple(-math.log(1.0 - p) / total for p in QUANTILES)
        return Attrition(V, (h0, h1), (lam[0] / total, lam[1] / total), 1.0 / total, q,
                         -math.log(1e-12) / total)
    return _changing(V, (h0, h1), horizon)


def _changing(V: tuple[float, float], hazard: tuple[Callable[[np.ndarray], np.ndarray],
              Callable[[np.ndarray], np.ndarray]], horizon: float | None) -> Attrition:
    """The equilibrium's summaries when the hazards change over time, on a fine grid of the
    cumulative hazard (trapezoids on 20,001 points to the horizon, densest near 0 where the
    first concession is likeliest)."""
    start = np.array([hazard[0](np.array(0.0)), hazard[1](np.array(0.0))], dtype=float)
    if not np.all(np.isfinite(start)) or np.any(start < 0) or start.sum() <= 0:
        raise UsageError("a cost rate must be a finite, non-negative number at every time, "
                         "and some cost positive at the start")
    t_end = horizon
    if t_end is None:
        rate0 = float(hazard[0](np.array(0.0)) + hazard[1](np.array(0.0)))
        t_end = -math.log(1e-12) / max(rate0, 1e-300)
        for _ in range(60):  # hazards that fall need a longer horizon
            t = t_end * np.linspace(0.0, 1.0, 20001) ** 3
            H = integrate.cumulative_trapezoid(hazard[0](t) + hazard[1](t), t, initial=0.0)
            if H[-1] >= -math.log(1e-12):
                break
            t_end *= 2
    t_end = _positive("horizon", t_end)
    t = t_end * np.linspace(0.0, 1.0, 20001) ** 3
    h0, h1 = hazard[0](t), hazard[1](t)
    if np.any(h0 < 0) or np.any(h1 < 0) or not np.all(np.isfinite(h0 + h1)):
        raise UsageError("a cost rate must be a finite, non-negative number at every time")
    H = integrate.cumulative_trapezoid(h0 + h1, t, initial=0.0)
    S = np.exp(-H)
    density0, density1 = S * h0, S * h1
    first = (float(integrate.trapezoid(density0, t)), float(integrate.trapezoid(density1, t)))
    mean = float(integrate.trapezoid(S, t))
    q = tuple(float(np.interp(-math.log(1.0 - p), H, t)) if H[-1] >= -math.log(1.0 - p)
              else math.inf for p in QUANTILES)
    return Attrition(V, hazard, first, mean, q, float(t_end))


# ---------------------------------------------------------------------------- private values
def private_values_uniform_stop(v: np.ndarray | float) -> np.ndarray:
    """The symmetric equilibrium stopping time ``-v - ln(1 - v)`` of a side of value v, for
    values uniform on [0, 1] and unit costs (Krishna, *Auction Theory*)."""
    x = np.asarray(v, dtype=float)
    if np.any((x < 0) | (x >= 1)):
        raise UsageError("a value must lie in [0, 1)")
    return -x - np.log1p(-x)


def private_values(cdf: Callable[[float], float], pdf: Callable[[float], float],
                   v: Sequence[float] | np.ndarray, *, low: float = 0.0) -> np.ndarray:
    """The symmetric equilibrium stopping times ``b(v) = integral_low^v x f(x) / (1 - F(x))
    dx`` of sides with values drawn i.i.d. from the distribution (``cdf``, ``pdf``) on
    ``[low, ...)`` and unit costs (see the module's description)."""
    out = []
    for x in np.asarray(v, dtype=float):
        if x < low or cdf(float(x)) >= 1.0:
            raise UsageError(f"a value must lie in the support's interior, got {x:g}")
        got, _ = integrate.quad(lambda u: u * pdf(u) / (1.0 - cdf(u)), low, float(x),
                                limit=200)
        out.append(got)
    return np.array(out)


# ---------------------------------------------------------------------------- reputations
@dataclass(frozen=True, eq=False)
class Reputational:
    """Abreu and Gul's (2000) equilibrium: the rational types' concession ``rates``, each
    side's mass of concession at time 0 (``at_zero``; only the weaker side's is positive),
    ``T0`` (when both are known to be obstinate), ``first`` (the probability each side
    concedes first, an agreement at time 0 counted for the side that concedes), ``impasse``
    (both obstinate: no agreement), and ``mean_delay`` (the expected time to the first
    concession or to T0)."""

    demands: tuple[float, float]
    obstinate: tuple[float, float]
    discount_rates: tuple[float, float]
    rates: tuple[float, float]
    at_zero: tuple[float, float]
    T0: float
    first: tuple[float, float]
    impasse: float
    mean_delay: float

    def conceded(self, i: int, t: np.ndarray | float) -> np.ndarray:
        """``F_i(t)``: the probability that side i has conceded by time t."""
        c = 1.0 - self.at_zero[i]
        tt = np.minimum(np.asarray(t, dtype=float), self.T0)
        return 1.0 - c * np.exp(-self.rates[i] * tt)


def reputational(demands: Sequence[float], obstinate: Sequence[float],
                 discount_rates: Sequence[float]) -> Reputational:
    """The unique equilibrium of the concession game between two sides demanding
    ``demands`` (shares of 1 that add to more than 1), obstinate with probabilities
    ``obstinate`` and discounting at ``discount_rates`` (see the module's description)."""
    a = tuple(float(x) for x in demands)
    z = tuple(float(x) for x in obstinate)
    r = (_positive("discount_rates[0]", discount_rates[0]),
         _positive("discount_rates[1]", discount_rates[1]))
    if len(a) != 2 or not all(0 < x < 1 for x in a) or a[0] + a[1] <= 1:
        raise UsageError("the two demands must lie in (0, 1) and add to more than 1, got "
                         f"{list(demands)}")
    if len(z) != 2 or not all(0 < x < 1 for x in z):
        raise UsageError(f"the probabilities of being obstinate must lie in (0, 1), got "
                         f"{list(obstinate)}")
    excess = a[0] + a[1] - 1.0
    lam = (r[1] * (1.0 - a[0]) / excess, r[0] * (1.0 - a[1]) / excess)
    T = (-math.log(z[0]) / lam[0], -math.log(z[1]) / lam[1])
    T0 = min(T)
    c = (z[0] * math.exp(lam[0] * T0), z[1] * math.exp(lam[1] * T0))
    at_zero = (1.0 - c[0], 1.0 - c[1])
    total = lam[0] + lam[1]
    later = c[0] * c[1] * (1.0 - math.exp(-total * T0))  # a first concession in (0, T0]
    first = (at_zero[0] + later * lam[0] / total, at_zero[1] + later * lam[1] / total)
    mean = later / total  # the integral of c0 c1 exp(-total t) over [0, T0]
    return Reputational((a[0], a[1]), (z[0], z[1]), r, lam, at_zero, T0, first,
                        z[0] * z[1], mean)


# ---------------------------------------------------------------------------- on a game
def on_game(game: Game, values: Mapping[str, float], prizes: Sequence[str],
            costs: Sequence[str]) -> Attrition:
    """:func:`complete_information` with each side's prize and cost rate written as a number
    or a formula over the game's parameters (and derived quantities) at ``values``; a cost
    may use ``t``, the time since both sides began to hold (in the file's period unit), for a
    cost that changes as substitution comes on line."""
    if len(prizes) != 2 or len(costs) != 2:
        raise UsageError("a war of attrition has two sides: give two prizes and two costs")
    env: dict[str, np.ndarray] = {k: np.array(float(v)) for k, v in values.items()}
    if game.derived:
        env.update({k: np.array(float(v)) for k, v in
                    game.derived_values(dict(values)).items()})
    names = game.player_names
    V = [_scalar(_formula(game, env, s, f"prize of {names[k]}", time=False), env, s,
                 f"prize of {names[k]}") for k, s in enumerate(prizes)]
    c: list[CostRate] = []
    for k, s in enumerate(costs):
        what = f"cost of holding for {names[k]}"
        f = _formula(game, env, s, what, time=True)
        if any(n == "t" for n, _ in f.names()):
            c.append(_over_time(f, env))
        else:
            c.append(_scalar(f, env, s, what))
    return complete_information(V, c)


def _formula(game: Game, env: Mapping[str, np.ndarray], text: str, what: str, *,
             time: bool) -> Any:
    """``text`` parsed, its names checked against the game's (and ``t`` when allowed)."""
    try:
        f = parse(str(text))
    except FormulaError as exc:
        raise UsageError(f"{what}: cannot read '{text}': {exc.message}") from None
    allowed = set(env) | ({"t"} if time else set())
    for name, _ in f.names():
        if name not in allowed:
            raise UsageError(f"{what}: unknown name '{name}'{did_you_mean(name, allowed)} "
                             f"(parameters and derived quantities of {game.path.name}: "
                             f"{known(env)})")
    return f


def _over_time(f: Any, env: Mapping[str, np.ndarray]) -> Callable[[np.ndarray], np.ndarray]:
    """A cost formula that uses ``t`` as a function of time."""
    def rate(tt: np.ndarray) -> np.ndarray:
        t = np.asarray(tt, dtype=float)
        return np.asarray(f.evaluate({**env, "t": t}), dtype=float) * np.ones(np.shape(t))

    return rate


def _scalar(f: Any, env: Mapping[str, np.ndarray], text: str, what: str) -> float:
    v = float(np.asarray(f.evaluate(env)).reshape(-1)[0])
    if not (math.isfinite(v) and v > 0):
        raise UsageError(f"{what}: '{text}' must be a positive number here, got {v:g}")
    return v
