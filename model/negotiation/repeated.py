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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike

from model.errors import UsageError, did_you_mean, known
from model.game import Game
from model.io import plain
from model.negotiation.credible_profiles import ProfilesCredibility, credibility_profiles
from model.negotiation.punishment import (
    INF,
    Punishment,
    _costs,
    _discounted_sum,
    _punishments,
    check_terms,
    finite_threshold,
    first_holding,
    grim_threshold,
    minmax,
    punisher_condition,
    punishments,
)
from model.payoffs.formula import FormulaError, parse
from model.solvers._common import FloatArray, check_game, scale
from model.solvers.equilibria import solve
from model.solvers.results import SolveResult

if TYPE_CHECKING:
    import pandas as pd

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
    #: Where the result comes from (:func:`model.provenance.record`; filled by the front door).
    provenance: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def threshold(self) -> float:
        return max(s.threshold for s in self.sides)

    def to_json(self) -> dict[str, Any]:
        """The deal's credibility as JSON: each side's temptation, punishment and the
        discount factor above which the deal holds."""
        out: dict[str, Any] = plain(self, skip=frozenset({"simultaneous", "provenance"}))
        out["threshold"] = self.threshold
        out["holds"] = self.holds
        if self.provenance:
            out["provenance"] = dict(self.provenance)
        return out

    def to_frame(self) -> pd.DataFrame:
        """A row per side: its deal payoff, best deviation and gain, punishment payoff, and
        the discount factor it needs."""
        import pandas as pd

        rows = [{"player": s.player, "deal_payoff": s.deal_payoff, "deviation": s.deviation,
                 "deviation_payoff": s.deviation_payoff, "gain": s.gain,
                 "punishment": s.punishment.kind,
                 "punishment_payoff": s.punishment.deviator_payoff,
                 "threshold": s.threshold, "holds": s.holds} for s in self.sides]
        return pd.DataFrame(rows)

    @property
    def holds(self) -> bool | None:
        if self.discount is None:
            return None
        return all(bool(s.holds) for s in self.sides)


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
    check_terms(discount, length)
    costs = _costs(cost)
    sim = simultaneous if simultaneous is not None else solve(a, b, tol=tol)
    pun = punishments if punishments is not None else _punishments(a, b, sim, punishment, tol)
    sides = [_side(a, b, i, j, dev, pun[dev], length, costs[1 - dev], discount, tol)
             for dev in (0, 1)]
    return Credibility((i, j), (float(a[i, j]), float(b[i, j])), punishment.strip().lower(),
                       length, discount, (sides[0], sides[1]), sim)


def _side(a: FloatArray, b: FloatArray, i: int, j: int, dev: int, P: Punishment,
          length: int | None, c: float, discount: float | None,
          tol: float) -> SideCredibility:
    """Whether ``dev`` keeps the deal (i, j) and whether its partner, paying ``c`` to punish
    with ``P``, would."""
    q = 1 - dev
    own = a[:, j] if dev == 0 else b[i, :]  # deviator's payoff per own action
    d = float(own[i if dev == 0 else j])
    k = int(np.argmax(own))
    gain = float(own[k]) - d
    if gain <= tol * scale(a if dev == 0 else b):
        gain, k = 0.0, (i if dev == 0 else j)
    grim = grim_threshold(gain, d, P.deviator_payoff)
    finite = None if length is None else finite_threshold(gain, d, P.deviator_payoff, length)
    # the punisher: its deal payoff, and what it gets if it lets the deviation stand
    Mq = b if q == 1 else a
    dq = float(Mq[i, j])
    sq = float(Mq[k, j] if dev == 0 else Mq[i, k])

    def cond(delta: float) -> float:
        return punisher_condition(delta, c, P.punisher_payoff, dq, sq, length)

    cred = _punisher_threshold(gain, length, P.punisher_payoff - sq, c, cond)
    own_t = finite if finite is not None else grim
    holds = worth = None
    if discount is not None:
        if gain <= 0:
            holds, worth = True, None
        else:
            keeps = (discount >= grim if length is None
                     else gain <= (d - P.deviator_payoff) * _discounted_sum(discount, length))
            worth = cond(discount) >= -1e-12 * max(1.0, scale(Mq))
            holds = bool(keeps and worth)
    return SideCredibility(
        player=dev, deal_payoff=d, deviation=k, deviation_payoff=float(own[k]),
        gain=gain, punishment=P, grim=grim, finite=finite, cost=c,
        acquiesce_payoff=sq, punisher_deal_payoff=dq, credibility=cred,
        threshold=max(own_t, cred), holds=holds, punishment_worth_it=worth,
    )


def _punisher_threshold(gain: float, length: int | None, slack: float, c: float,
                        cond: Any) -> float:
    """The discount factor above which punishing pays the punisher (``slack``: its
    punishment payoff less what it gets by letting the deviation stand)."""
    if gain <= 0:
        return 0.0  # nothing to punish
    if length is None:
        if c == 0:
            return 0.0 if slack >= 0 else INF
        return INF if slack <= 0 else max(0.0, 1.0 - slack / c)
    return float(first_holding(cond))


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
