"""Monte Carlo robustness: how often each outcome is an equilibrium when the parameters are
drawn from their declared distributions, which parameters the answer depends on (Sobol'
indices), and how far each parameter alone moves it (a tornado of one-at-a-time swings).

Draws. Each varied parameter has its own stream of uniform numbers: Philox-4x64 keyed by the
seed and a hash of the parameter's name, the k-th number of the stream going to sample k, then
through the inverse CDF of the parameter's distribution (:func:`.distributions.ppf`). Sample
k's values therefore depend on the seed, the parameter and k only: not on how the samples are
cut into chunks, on how many workers solve them, nor on which other parameters are varied.

What is varied: every parameter of the file (or those named in ``vary_only``) except those
the setting fixes: the ``params`` values and the parameters the scenario sets, which keep their
values (name them in ``vary_only`` to draw them anyway). Draws are centred on the file's
values (the mode of a triangular, the mean of a normal), not on a scenario's.

Probabilities come with 95% Wilson score intervals (:func:`wilson`), which stay inside [0, 1]
and are not degenerate at 0 or N successes.

>>> import model
>>> game = model.load("payoffs/textbook/hawk_dove.yaml")
>>> r = robustness(game, 200, seed=1, workers=1)
>>> r.probability("fight").count + r.probability("one_takes_all").count  # V > C or V < C
200
>>> r.unique.count == r.probability("fight").count
True
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from model.errors import UsageError, did_you_mean
from model.game import Game
from model.sensitivity import budget
from model.sensitivity.distributions import describe
from model.sensitivity.engine import Setting
from model.sensitivity.indices import (
    SOBOL_RESAMPLES,
    SOBOL_SAMPLES,
    Tornado,
    TornadoBar,
    _check_sobol_samples,
    sobol_indices,
    tornado,
)
from model.sensitivity.outputs import (
    CONFIDENCE,
    _check_common,
    _jsonable,
    _mean_payoffs,
    check_output,
    output_names,
    output_values,
)
from model.sensitivity.points import PointSolutions
from model.sensitivity.sampling import (
    Design,
    MonteCarlo,
    _check_seed,
    _parameter_spec,
    varied_parameters,
)
from model.sensitivity.sweeps import provenance, solve_source
from model.sensitivity.table import column_name, outcome_names, point_outcomes

__all__ = [
    "CONFIDENCE",
    "Design",
    "MonteCarlo",
    "Proportion",
    "RobustnessResult",
    "Tornado",
    "TornadoBar",
    "output_names",
    "output_values",
    "robustness",
    "sobol_indices",
    "tornado",
    "varied_parameters",
    "wilson",
]

Z95 = 1.959963984540054


# ---------------------------------------------------------------------------- intervals
def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval for ``k`` successes in ``n`` trials (Wilson 1927, JASA 22,
    209-212): the p with |k/n - p| <= z sqrt(p(1-p)/n), that is

        (k/n + z²/2n ± z sqrt(k/n (1-k/n)/n + z²/4n²)) / (1 + z²/n).

    >>> [round(v, 4) for v in wilson(0, 10)]
    [0.0, 0.2775]
    >>> [round(v, 4) for v in wilson(5, 10)]
    [0.2366, 0.7634]
    """
    if n < 1 or not 0 <= k <= n:
        raise ValueError(f"wilson needs 0 <= k <= n and n >= 1, got k={k}, n={n}")
    p = k / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z / (1 + z2 / n) * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    low, high = centre - half, centre + half
    # at k = 0 or k = n one end is 0 or 1 exactly; rounding must not move it
    return (0.0 if k == 0 else max(0.0, low), 1.0 if k == n else min(1.0, high))


@dataclass(frozen=True)
class Proportion:
    """``count`` of ``total`` samples: the share ``p`` and its 95% Wilson interval."""

    count: int
    total: int
    p: float
    low: float
    high: float

    @staticmethod
    def of(count: int, total: int) -> Proportion:
        lo, hi = wilson(count, total)
        return Proportion(int(count), int(total), count / total, lo, hi)

    def to_json(self) -> dict[str, Any]:
        return {"count": self.count, "p": self.p, "low": self.low, "high": self.high}

    def text(self, digits: int = 3) -> tuple[str, str]:
        return f"{self.p:.{digits}f}", f"[{self.low:.{digits}f}, {self.high:.{digits}f}]"


# ---------------------------------------------------------------------------- the result
@dataclass(frozen=True)
class OutcomeProbability:
    """How often ``outcome`` is an equilibrium (``equilibrium``) and how often it is the only
    one (``unique``: the point has one equilibrium and it has this outcome)."""

    outcome: str
    equilibrium: Proportion
    unique: Proportion


@dataclass(frozen=True, eq=False)
class RobustnessResult:
    """What :func:`robustness` found. ``outcomes`` lists every outcome label of the game
    (:func:`.table.outcome_names`); ``n_equilibria`` maps each number of equilibria seen to
    its share; ``unique`` is the share of samples with one equilibrium; ``sobol`` the Sobol'
    indices if asked (see :func:`sobol_indices`). :meth:`frame` gives the samples."""

    game: Game = field(repr=False)
    setting: Setting
    source: MonteCarlo = field(repr=False)
    outcomes: tuple[OutcomeProbability, ...]
    n_equilibria: Mapping[int, Proportion]
    unique: Proportion
    distributions: Mapping[str, str]
    provenance: Mapping[str, Any] = field(repr=False)
    sobol: pd.DataFrame | None = field(default=None, repr=False)
    solutions: PointSolutions | None = field(default=None, repr=False)

    @property
    def samples(self) -> int:
        return self.source.samples

    @property
    def seed(self) -> int:
        return self.source.seed

    def probability(self, outcome: str) -> Proportion:
        """How often ``outcome`` is an equilibrium."""
        return self._row(outcome).equilibrium

    def unique_probability(self, outcome: str) -> Proportion:
        """How often the only equilibrium has ``outcome``."""
        return self._row(outcome).unique

    def _row(self, outcome: str) -> OutcomeProbability:
        for row in self.outcomes:
            if row.outcome == outcome:
                return row
        names = [r.outcome for r in self.outcomes]
        raise UsageError(f"unknown outcome '{outcome}'{did_you_mean(outcome, names)} "
                         f"(outcomes: {', '.join(names)})")

    def frame(self) -> pd.DataFrame:
        """One row per sample: ``sample``, the drawn parameters, ``n_equilibria``, the set of
        outcomes (``outcomes``), each player's mean equilibrium payoff (``<player>_payoff``)
        and the equilibria (the columns of :func:`.table.frame`)."""
        from model.sensitivity.table import frame

        assert self.solutions is not None
        sol = self.solutions
        df = frame(self.game, self.source.points(0, self.samples), sol)
        df.insert(0, "sample", np.arange(self.samples, dtype=np.int64))
        mean = _mean_payoffs(sol)
        at = df.columns.get_loc("outcomes") + 1
        for p, player in enumerate(self.game.player_names):
            df.insert(int(at) + p, f"{column_name(player)}_payoff", mean[:, p])
        df.attrs["provenance"] = dict(self.provenance)
        return df

    def to_frame(self) -> pd.DataFrame:
        """The samples' equilibria as a tidy table: a row per sample, equilibrium, player and
        action played (:func:`.table.tidy_frame`, with ``sample`` for ``point``)."""
        from model.sensitivity.table import tidy_frame

        assert self.solutions is not None
        df = tidy_frame(self.game, self.source.points(0, self.samples), self.solutions)
        df = df.rename(columns={"point": "sample"})
        df.attrs["provenance"] = dict(self.provenance)
        return df

    def to_json(self) -> dict[str, Any]:
        """A JSON-able summary with a fixed layout."""
        return {
            "file": str(self.game.path),
            "sha256": self.game.sha256,
            "scenario": self.setting.scenario,
            "set": dict(self.setting.params),
            "samples": self.samples,
            "seed": self.seed,
            "confidence": CONFIDENCE,
            "interval": "wilson",
            "varied": [dict(_parameter_spec(p), description=self.distributions[p.name])
                       for p in self.source.parameters],
            "outcomes": [{"outcome": r.outcome, "equilibrium": r.equilibrium.to_json(),
                          "unique": r.unique.to_json()} for r in self.outcomes],
            "n_equilibria": [dict(n=n, **v.to_json()) for n, v in self.n_equilibria.items()],
            "unique": self.unique.to_json(),
            "sobol": None if self.sobol is None else _records(self.sobol),
            "provenance": _jsonable(dict(self.provenance)),
        }


def _shares(game: Game, sol: PointSolutions) -> tuple[
        list[OutcomeProbability], dict[int, Proportion], Proportion]:
    """How often each outcome is an equilibrium (and the only one), how often each number
    of equilibria is seen, and how often the equilibrium is unique."""
    bits = point_outcomes(game, sol)
    counts = sol.counts
    N = len(sol)
    one = counts == 1
    rows = []
    for k, name in enumerate(outcome_names(game)):
        has = ((bits >> k) & 1).astype(bool)
        rows.append(OutcomeProbability(name, Proportion.of(int(has.sum()), N),
                                       Proportion.of(int((has & one).sum()), N)))
    values, freq = np.unique(counts, return_counts=True)
    n_eq = {int(v): Proportion.of(int(f), N) for v, f in zip(values, freq, strict=True)}
    return rows, n_eq, Proportion.of(int(one.sum()), N)


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    return [_jsonable(r) for r in df.to_dict(orient="records")]


def _sub_checkpoint(options: dict[str, Any], name: str) -> dict[str, Any]:
    out = dict(options)
    if out.get("checkpoint") is not None:
        out["checkpoint"] = Path(out["checkpoint"]) / name
    return out


def robustness(
    game: Game,
    samples: int,
    seed: int,
    *,
    scenario: str | None = None,
    params: Mapping[str, float] | None = None,
    tol: float = 1e-9,
    vary_only: Sequence[str] | None = None,
    sobol: Sequence[str] | str | None = None,
    sobol_samples: int = SOBOL_SAMPLES,
    max_points: int | None = None,
    with_frame: bool = False,
    **engine_options: Any,
) -> RobustnessResult:
    """Draw ``samples`` parameter points (see the module's description of what is drawn and
    how), solve each and count how often each outcome is an equilibrium, how many equilibria
    there are, and how often the equilibrium is unique. ``sobol`` names outputs
    (:func:`output_names`) whose Sobol' indices to estimate as well, from ``sobol_samples``
    base samples. The options of :func:`~.engine.run` apply (``workers``, ``engine``,
    ``scheduler``, ``chunk``, ``checkpoint``, ``resume``, ``progress``). More samples (or
    points of the Sobol' design) than ``max_points`` (default :data:`~.budget.MAX_POINTS`),
    or than the memory available can hold, are refused (:mod:`.budget`); ``with_frame``
    counts the table of :meth:`RobustnessResult.frame` in that memory."""
    fixed = {k: float(v) for k, v in (params or {}).items()}
    _check_common(game, samples, scenario, fixed, tol)
    seed = _check_seed(seed)
    names = varied_parameters(game, scenario=scenario, fixed=fixed, vary_only=vary_only)
    outputs = [sobol] if isinstance(sobol, str) else list(sobol or [])
    for out in outputs:
        check_output(game, out)
    # with_frame: the samples' table too (sample, the parameters, the outcomes, the payoffs,
    # the equilibria)
    columns = len(names) + 5 + 7 * budget.EQUILIBRIA if with_frame else 0
    budget.check(int(samples), what="a Monte Carlo run", max_points=max_points,
                 held=(game.shape, columns))
    if outputs:
        _check_sobol_samples(sobol_samples)
        budget.check(sobol_samples * (len(names) + 2), what="a Sobol' design",
                     max_points=max_points, held=(game.shape, 2 * len(names) + 2),
                     hint=" (or a smaller --sobol-samples)")
    setting = Setting(scenario, fixed, tol)
    source = MonteCarlo(tuple(game.parameters[n] for n in names), int(samples), seed)
    sol = solve_source(game, source, setting, **_sub_checkpoint(engine_options, "samples"))
    rows, n_eq, unique = _shares(game, sol)
    indices = None
    sobol_prov = None
    if outputs:
        indices = sobol_indices(game, outputs, names, setting, sobol_samples, seed,
                                **_sub_checkpoint(engine_options, "sobol"))
        sobol_prov = {"outputs": outputs, "base_samples": sobol_samples,
                      "runs": sobol_samples * (len(names) + 2), "seed": seed,
                      "resamples": SOBOL_RESAMPLES}
    ck = engine_options.get("checkpoint")
    if ck is not None:
        with contextlib.suppress(OSError):
            Path(ck).rmdir()  # each run removed its own part
    prov = provenance(game, source, setting, seed=seed, varied=names, sobol=sobol_prov,
                      interval=f"Wilson score, {CONFIDENCE:.0%}")
    return RobustnessResult(
        game=game,
        setting=setting,
        source=source,
        outcomes=tuple(rows),
        n_equilibria=n_eq,
        unique=unique,
        distributions={n: describe(game.parameters[n]) for n in names},
        provenance=prov,
        sobol=indices,
        solutions=sol,
    )


