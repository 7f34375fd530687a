"""Tipping points: where, along one parameter, the equilibria change.

The *signature* of a point is the set of its equilibria described by what they are, not by
their exact numbers: each equilibrium's named outcome and the actions each player uses (its
supports). Along the range, the signature is evaluated on an even grid of ``initial + 1``
points; wherever two neighbours differ, the interval is halved until it is narrower than
``tol``, keeping every half whose ends differ (so an interval that holds two changes yields
both). Each pass solves the midpoints of all open intervals in one batch.

A change narrower than the first grid's step that comes and goes between two grid points
with the same signature is not seen; ``initial`` sets that step (64 intervals by default),
and the result says how many points were solved.

>>> import model
>>> game = model.load("payoffs/textbook/hawk_dove.yaml")  # V against the cost C = 4
>>> r = tipping_points(game, "V", tol=1e-6)
>>> [round(t.value, 5) for t in r.tipping_points], r.solves < 200
([4.0], True)
>>> print(r.tipping_points[0].sentence)  # doctest: +ELLIPSIS
Above 4.000000 V (fitness), ...
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from model.errors import UsageError
from model.game import Game
from model.sensitivity import budget, table
from model.sensitivity.grid import check_parameter, make_axis
from model.sensitivity.points import PointSolutions, solve_game_points

#: Intervals of the first, even grid.
INITIAL = 64

#: Default tolerance, as a share of the range's width.
RELATIVE_TOL = 1e-4

#: Finest tolerance, as a share of the range's width: bisection below it meets the solver's
#: own tie band and floating-point spacing.
FINEST = 1e-9

Signature = tuple[tuple[int, int, int], ...]


@dataclass(frozen=True)
class Described:
    """One equilibrium as a sentence can name it."""

    outcome: str
    strategies: tuple[Mapping[str, float], Mapping[str, float]]
    payoffs: tuple[float, float]

    @property
    def pure(self) -> bool:
        return all(len(s) == 1 for s in self.strategies)

    def to_json(self, players: tuple[str, str]) -> dict[str, Any]:
        return {
            "outcome": self.outcome,
            "pure": self.pure,
            "strategies": {players[p]: dict(self.strategies[p]) for p in (0, 1)},
            "payoffs": list(self.payoffs),
        }


@dataclass(frozen=True)
class TippingPoint:
    """A change between ``low`` and ``high`` (at most ``tol`` apart); ``value`` is the middle."""

    value: float
    low: float
    high: float
    before: tuple[Described, ...]
    after: tuple[Described, ...]
    sentence: str


@dataclass(frozen=True)
class TippingResult:
    parameter: str
    unit: str
    range: tuple[float, float]
    tol: float
    tipping_points: tuple[TippingPoint, ...]
    solves: int
    initial: int
    provenance: Mapping[str, Any] = field(default_factory=dict)
    players: tuple[str, str] = ("row", "column")

    def to_json(self) -> dict[str, Any]:
        return {
            "parameter": self.parameter,
            "unit": self.unit,
            "range": list(self.range),
            "tol": self.tol,
            "tipping_points": [
                {
                    "value": t.value,
                    "bracket": [t.low, t.high],
                    "before": [d.to_json(self.players) for d in t.before],
                    "after": [d.to_json(self.players) for d in t.after],
                    "sentence": t.sentence,
                }
                for t in self.tipping_points
            ],
            "solves": self.solves,
            "grid_solves_same_resolution": self.grid_solves(),
            "provenance": dict(self.provenance),
        }

    def frame(self) -> pd.DataFrame:
        """One row per tipping point: value, bracket, outcomes before and after, sentence."""
        def outcomes(ds: tuple[Described, ...]) -> str:
            return " + ".join(sorted({d.outcome for d in ds})) or "(none)"

        return pd.DataFrame({
            "parameter": [self.parameter] * len(self.tipping_points),
            "value": np.array([t.value for t in self.tipping_points], dtype=float),
            "low": np.array([t.low for t in self.tipping_points], dtype=float),
            "high": np.array([t.high for t in self.tipping_points], dtype=float),
            "before": [outcomes(t.before) for t in self.tipping_points],
            "after": [outcomes(t.after) for t in self.tipping_points],
            "n_before": np.array([len(t.before) for t in self.tipping_points], dtype=np.int64),
            "n_after": np.array([len(t.after) for t in self.tipping_points], dtype=np.int64),
            "sentence": [t.sentence for t in self.tipping_points],
        })

    def to_frame(self) -> pd.DataFrame:
        """The tipping points as a table, a row each (:meth:`frame`)."""
        return self.frame()

    def grid_solves(self) -> int:
        """Points an even grid needs to locate changes as finely."""
        return math.ceil((self.range[1] - self.range[0]) / self.tol) + 1


class _Solver:
    """Solves batches of values of one parameter and remembers every point solved."""

    def __init__(self, game: Game, name: str, scenario: str | None,
                 fixed: Mapping[str, float], tol: float):
        self.game, self.name, self.scenario, self.fixed, self.tol = (
            game, name, scenario, dict(fixed), tol)
        self.solves = 0
        self.signatures: dict[float, Signature] = {}
        self.described: dict[float, tuple[Described, ...]] = {}

    def __call__(self, values: np.ndarray) -> list[Signature]:
        new = np.array([v for v in dict.fromkeys(values.tolist()) if v not in self.signatures])
        if len(new):
            params: dict[str, Any] = dict(self.fixed)
            params[self.name] = new
            A, B = self.game.matrices_batch(params, self.scenario)
            sol = solve_game_points(self.game, A, B, tol=self.tol)
            self.solves += len(new)
            self._record(new, sol)
        return [self.signatures[v] for v in values.tolist()]

    def _record(self, values: np.ndarray, sol: PointSolutions) -> None:
        codes = table.outcome_codes(self.game, sol)
        weights = 1 << np.arange(max(self.game.shape), dtype=np.int64)[::-1]
        bx = (sol.xs > 0) @ weights[-sol.xs.shape[1]:]
        by = (sol.ys > 0) @ weights[-sol.ys.shape[1]:]
        names = table.outcome_names(self.game)
        labels = self.game.actions
        for k, v in enumerate(values.tolist()):
            idx = np.flatnonzero(sol.owner == k)
            sig = tuple(sorted((int(codes[e]), int(bx[e]), int(by[e])) for e in idx))
            self.signatures[v] = sig
            self.described[v] = tuple(
                Described(
                    outcome=names[codes[e]],
                    strategies=(
                        {labels[0][i]: float(sol.xs[e, i]) for i in np.flatnonzero(sol.xs[e])},
                        {labels[1][j]: float(sol.ys[e, j]) for j in np.flatnonzero(sol.ys[e])},
                    ),
                    payoffs=(float(sol.payoffs[e, 0]), float(sol.payoffs[e, 1])),
                )
                for e in idx
            )


def tipping_points(
    game: Game,
    name: str,
    low: float | None = None,
    high: float | None = None,
    *,
    scenario: str | None = None,
    params: Mapping[str, float] | None = None,
    tol: float | None = None,
    initial: int = INITIAL,
    solver_tol: float = 1e-9,
    allow_outside: bool = False,
    max_points: int | None = None,
) -> TippingResult:
    """Every point in [low, high] (default: the parameter's declared range) where the set of
    equilibria or their outcomes change, each located to within ``tol`` (default a
    ten-thousandth of the range) and described in a sentence."""
    check_parameter(game, name, name)
    info = game.parameters[name]
    low = info.low if low is None else low
    high = info.high if high is None else high
    axis = make_axis(game, name, float(low), float(high), None, allow_outside=allow_outside)
    if scenario is not None:
        game.scenario(scenario)
    fixed = dict(params or {})
    if name in fixed:
        raise UsageError(f"{name} is both varied (--vary) and fixed (--set)")
    lo, hi = axis.low, axis.high
    tol = _checked_tol(tol, lo, hi)
    if initial < 1:
        raise UsageError(f"--initial must be at least 1, got {initial}")
    budget.check(initial + 1, what=f"a first grid (--initial {initial})",
                 max_points=max_points, held=(game.shape, 2))
    solver = _Solver(game, name, scenario, fixed, solver_tol)
    found = _bracketed(solver, lo, hi, initial, tol)
    points = []
    for a, middle, b in _merged(sorted(found)):
        before, after = solver.described[a], solver.described[b]
        value = (a + b) / 2 if middle is None else middle
        width = b - a if middle is None else max(middle - a, b - middle)
        if solver.signatures[a] == solver.signatures[b]:
            text = knife_edge(game, name, value, width, solver.described[middle or a])
        else:
            text = sentence(game, name, value, width, before, after)
        points.append(TippingPoint(value, a, b, before, after, text))
    from model.sensitivity.sweeps import SOLVER

    prov = {"file": str(game.path), "sha256": game.sha256, "scenario": scenario,
            "set": fixed, "solver": SOLVER, "solver_tol": solver_tol, "initial": initial}
    return TippingResult(
        parameter=name, unit=axis.unit, range=(lo, hi), tol=float(tol),
        tipping_points=tuple(points), solves=solver.solves, initial=initial,
        provenance=prov, players=game.player_names,
    )


def _checked_tol(tol: float | None, lo: float, hi: float) -> float:
    """The bisection's width (default a ten-thousandth of the range), checked: positive,
    below the range, and no finer than floating point can locate."""
    if tol is None:
        tol = (hi - lo) * RELATIVE_TOL
    if not (math.isfinite(tol) and tol > 0):
        raise UsageError(f"--tol must be a positive number, got {tol}")
    if tol >= hi - lo:
        raise UsageError(f"--tol {tol:g} must be smaller than the range [{lo:g}, {hi:g}]")
    finest = (hi - lo) * FINEST + 4 * np.spacing(max(abs(lo), abs(hi)))
    if tol < finest:
        raise UsageError(f"--tol {tol:g} is finer than floating point can locate on "
                         f"[{lo:g}, {hi:g}]; use at least {finest:.2g}")
    return float(tol)


def _bracketed(solver: _Solver, lo: float, hi: float, initial: int,
               tol: float) -> list[tuple[float, float]]:
    """Brackets at most ``tol`` wide around every change: an even first grid of ``initial``
    steps, then bisection of every step whose ends differ (all midpoints of a round solved
    together)."""
    xs = np.linspace(lo, hi, initial + 1)
    sig = solver(xs)
    open_ = [(float(xs[k]), float(xs[k + 1])) for k in range(initial) if sig[k] != sig[k + 1]]
    found: list[tuple[float, float]] = []
    while open_:
        wide = [(a, b) for a, b in open_ if b - a > tol]
        found += [(a, b) for a, b in open_ if b - a <= tol]
        if not wide:
            break
        mids = np.array([(a + b) / 2 for a, b in wide])
        solver(mids)
        open_ = []
        for (a, b), m in zip(wide, mids.tolist(), strict=True):
            if m <= a or m >= b:  # no float strictly between: as fine as it gets
                found.append((a, b))
                continue
            s = solver.signatures
            if s[a] != s[m]:
                open_.append((a, m))
            if s[m] != s[b]:
                open_.append((m, b))
    return found


def _merged(found: list[tuple[float, float]]) -> list[tuple[float, float | None, float]]:
    """Brackets that share an end joined into one: a change that falls exactly on a point
    solved is seen twice, into the degenerate game at that point and out of it. Each item:
    (low, the shared point if merged, high)."""
    out: list[tuple[float, float | None, float]] = []
    for a, b in found:
        if out and a <= out[-1][2]:
            lo, _, hi = out[-1]
            out[-1] = (lo, (hi + a) / 2, b)
        else:
            out.append((a, None, b))
    return out


# ---------------------------------------------------------------------------- sentences
def _nice(outcome: str) -> str:
    return outcome.replace("_", " ")


def _names(items: list[str]) -> str:
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " and " + items[-1]


def _what(d: Described) -> str:
    if d.pure:
        if d.outcome.startswith("("):
            return "an equilibrium with no named outcome"
        return f'the outcome "{_nice(d.outcome)}"'
    if d.outcome.startswith("("):
        return "a mixed equilibrium"
    return f'a mixed equilibrium (all "{_nice(d.outcome)}")'


def _diff(old: list[str], new: list[str]) -> tuple[str, str]:
    """What differs between two action labels such as ``eda=open, engines=licensed``."""
    if len(old) == len(new) == 1:
        a, b = old[0].split(", "), new[0].split(", ")
        if len(a) == len(b):
            keep = [k for k in range(len(a)) if a[k] != b[k]]
            return ", ".join(a[k] for k in keep), ", ".join(b[k] for k in keep)
    return " / ".join(old), " / ".join(new)


def _digits(value: float, tol: float) -> str:
    """``value`` to the last decimal that a bracket ``tol`` wide still pins down."""
    decimals = max(0, -math.ceil(math.log10(tol))) if tol < 1 else 0
    return f"{value:.{min(decimals, 12)}f}"


def _where(game: Game, name: str, value: float, tol: float, word: str) -> str:
    where = f"{word} {_digits(value, tol)} {name}"
    unit = game.parameters[name].unit if name in game.parameters else ""
    return where + (f" ({unit})" if unit else "")


def _support(d: Described) -> tuple[tuple[str, ...], tuple[str, ...]]:
    return (tuple(d.strategies[0]), tuple(d.strategies[1]))


def _named(game: Game, d: Described, detail: bool) -> str:
    """:func:`_what`, with the actions played when the outcome alone would be ambiguous."""
    text = _what(d)
    if detail and d.pure:
        p, q = game.player_names
        text += f" ({p}: {next(iter(d.strategies[0]))}; {q}: {next(iter(d.strategies[1]))})"
    return text


def sentence(game: Game, name: str, value: float, tol: float,
             before: tuple[Described, ...], after: tuple[Described, ...]) -> str:
    """What changes when ``name`` rises past ``value``, in words."""
    def key(d: Described) -> tuple[str, bool]:
        return (d.outcome, d.pure)

    keys = list(dict.fromkeys([key(d) for d in (*before, *after)]))
    gained: list[str] = []
    lost: list[str] = []
    changed: list[str] = []
    for k in keys:
        was = [d for d in before if key(d) == k]
        now = [d for d in after if key(d) == k]
        # equilibria with the same supports on both sides are the same equilibrium, moved
        kept = Counter(map(_support, was)) & Counter(map(_support, now))
        left = kept.copy()
        was_only = [d for d in was if not _take(left, _support(d))]
        left = kept.copy()
        now_only = [d for d in now if not _take(left, _support(d))]
        if len(was_only) == len(now_only) == 1 and len(was) == len(now) == 1:
            d0, d1 = was_only[0], now_only[0]
            for p in (0, 1):
                old, new = list(d0.strategies[p]), list(d1.strategies[p])
                if old != new:
                    w, n = _diff(old, new)
                    changed.append(f"in {_what(d1)} {game.player_names[p]} plays {n} "
                                   f"instead of {w}")
            continue
        detail = len(was) + len(now) > len(was_only) + len(now_only) or \
            len(was_only) > 1 or len(now_only) > 1
        lost += [_named(game, d, detail) for d in was_only]
        gained += [_named(game, d, detail) for d in now_only]
    parts = []
    if gained:
        verb = "becomes an equilibrium" if len(gained) == 1 else "become equilibria"
        parts.append(f"{_names(gained)} {verb}")
    if lost:
        verb = "stops being one" if len(lost) == 1 else "stop being equilibria"
        if not gained:
            verb = "is no longer an equilibrium" if len(lost) == 1 else \
                "are no longer equilibria"
        parts.append(f"{_names(lost)} {verb}")
    parts += changed
    if not parts:
        parts.append("the equilibria change their supports")
    text = _where(game, name, value, tol, "above") + ", " + _names(parts)
    if len(before) != len(after):
        text += f" ({_count(len(before))} before, {len(after)} after)"
    return text[0].upper() + text[1:] + "."


def _take(counter: Counter[tuple[tuple[str, ...], tuple[str, ...]]],
          k: tuple[tuple[str, ...], tuple[str, ...]]) -> bool:
    if counter[k] > 0:
        counter[k] -= 1
        return True
    return False


def _count(n: int) -> str:
    return f"{n} equilibrium" if n == 1 else f"{n} equilibria"


def knife_edge(game: Game, name: str, value: float, tol: float,
               there: tuple[Described, ...]) -> str:
    """A change that exists at one value only: the equilibria are the same on both sides."""
    text = _where(game, name, value, tol, "at")
    return (text[0].upper() + text[1:] + f" alone the game is degenerate ({_count(len(there))} "
            "there, extreme points of infinite sets where they touch); on both sides the "
            "equilibria are the same.")
