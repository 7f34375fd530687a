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
import hashlib
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from model.errors import UsageError, did_you_mean, known
from model.game import Game
from model.payoffs.compiled import ParameterInfo
from model.sensitivity import budget
from model.sensitivity.distributions import describe, ppf
from model.sensitivity.engine import Setting
from model.sensitivity.points import PointSolutions, solve_game_points
from model.sensitivity.sweeps import provenance, solve_source
from model.sensitivity.table import column_name, outcome_names, outcome_set_labels, point_outcomes

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

#: Confidence level of the intervals and its two-sided normal quantile, norm.ppf(0.975).
CONFIDENCE = 0.95
Z95 = 1.959963984540054

#: Sobol' base samples: a power of two (the balance of a Sobol' sequence holds only for
#: those), at least this many for the bootstrap intervals to mean something.
MIN_SOBOL_SAMPLES = 16
SOBOL_SAMPLES = 1024
SOBOL_RESAMPLES = 100

#: Largest seed: Philox's key holds the seed in one 64-bit word and the name's hash in the other.
MAX_SEED = 2**64 - 1


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


# ---------------------------------------------------------------------------- what varies
def varied_parameters(
    game: Game,
    *,
    scenario: str | None = None,
    fixed: Mapping[str, float] | None = None,
    vary_only: Iterable[str] | None = None,
) -> list[str]:
    """The parameters to draw, in file order: ``vary_only`` if given (checked), else every
    parameter neither ``fixed`` nor set by the scenario."""
    fixed = dict(fixed or {})
    for name in fixed:
        _check_parameter(game, name, "--set")
    held = set(fixed)
    if scenario is not None:
        held |= set(game.scenario(scenario).changes)
    if vary_only is not None:
        names = list(vary_only)
        if not names:
            raise UsageError("--vary-only names no parameter")
        seen: set[str] = set()
        for name in names:
            _check_parameter(game, name, "--vary-only")
            if name in seen:
                raise UsageError(f"--vary-only names {name} twice")
            seen.add(name)
            if name in fixed:
                raise UsageError(f"{name} is both varied (--vary-only) and fixed (--set)")
        return [p for p in game.parameters if p in seen]
    names = [p for p in game.parameters if p not in held]
    if not names:
        raise UsageError(
            f"{game.path.name} has no parameter left to draw"
            + (" (every parameter is fixed by --set or the scenario)" if game.parameters else "")
        )
    return names


def _check_parameter(game: Game, name: str, option: str) -> None:
    if name not in game.parameters:
        raise UsageError(
            f"{option}: unknown parameter '{name}'{did_you_mean(name, game.parameters)} "
            f"(parameters of {game.path.name}: {known(game.parameters)})"
        )


# ---------------------------------------------------------------------------- the draws
def _stream_key(seed: int, name: str) -> int:
    word = int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:8], "little")
    return seed | (word << 64)


def _uniforms(seed: int, name: str, start: int, stop: int) -> np.ndarray:
    """Numbers start..stop-1 of the parameter's stream, uniform on (0, 1): the top 53 bits of
    each 64-bit Philox output, centred in their interval of width 2**-53."""
    bg = np.random.Philox(key=_stream_key(seed, name))
    bg.advance(start // 4)  # a Philox-4x64 block is four 64-bit outputs
    skip = start % 4
    raw = bg.random_raw(stop - start + skip)[skip:]
    return ((raw >> np.uint64(11)).astype(float) + 0.5) * 2.0**-53


def _check_seed(seed: Any) -> int:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise UsageError(f"the seed must be a whole number, got {seed!r}")
    if not 0 <= int(seed) <= MAX_SEED:
        raise UsageError(f"the seed must be between 0 and 2**64 - 1, got {seed}")
    return int(seed)


@dataclass(frozen=True, eq=False)
class MonteCarlo:
    """``samples`` independent draws of ``parameters`` (a point source of the engine)."""

    parameters: tuple[ParameterInfo, ...]
    samples: int
    seed: int

    @property
    def size(self) -> int:
        return self.samples

    @property
    def names(self) -> list[str]:
        return [p.name for p in self.parameters]

    def uniforms(self, start: int, stop: int) -> dict[str, np.ndarray]:
        """The uniform numbers behind samples start..stop-1."""
        stop = min(stop, self.samples)
        return {p.name: _uniforms(self.seed, p.name, start, stop) for p in self.parameters}

    def points(self, start: int, stop: int) -> dict[str, np.ndarray]:
        info = {p.name: p for p in self.parameters}
        return {k: ppf(info[k], u) for k, u in self.uniforms(start, stop).items()}

    def spec(self) -> dict[str, Any]:
        return {
            "kind": "monte_carlo",
            "generator": "Philox-4x64, one stream per parameter keyed by (seed, sha256(name))",
            "seed": self.seed,
            "samples": self.samples,
            "parameters": [_parameter_spec(p) for p in self.parameters],
        }


def _parameter_spec(p: ParameterInfo) -> dict[str, Any]:
    return {"name": p.name, "distribution": p.distribution, "value": p.value, "low": p.low,
            "high": p.high, "sd": p.sd}


@dataclass(frozen=True, eq=False)
class Design:
    """Points given explicitly (a Sobol' design): ``values`` maps names to equal-length arrays;
    ``description`` is what :meth:`spec` reports."""

    values: Mapping[str, np.ndarray]
    description: Mapping[str, Any]

    @property
    def size(self) -> int:
        return len(next(iter(self.values.values())))

    def points(self, start: int, stop: int) -> dict[str, np.ndarray]:
        return {k: v[start:stop] for k, v in self.values.items()}

    def spec(self) -> dict[str, Any]:
        return dict(self.description)


# ---------------------------------------------------------------------------- outputs
def output_names(game: Game) -> list[str]:
    """The scalar outputs of a point: ``P(<outcome>)`` (1 if some equilibrium has that
    outcome, else 0), ``n_equilibria`` and ``<player>_payoff`` (the player's mean payoff over
    the point's equilibria)."""
    return ([f"P({o})" for o in outcome_names(game)] + ["n_equilibria"]
            + [f"{column_name(p)}_payoff" for p in game.player_names])


def check_output(game: Game, name: str) -> str:
    names = output_names(game)
    if name not in names:
        hint = (f"; did you mean 'P({name})'?" if name in outcome_names(game)
                else did_you_mean(name, names))
        raise UsageError(
            f"unknown output '{name}'{hint} (outputs of "
            f"{game.path.name}: {', '.join(names)})"
        )
    return name


def output_values(game: Game, sol: PointSolutions, name: str,
                  bits: np.ndarray | None = None) -> np.ndarray:
    """The output ``name`` at each point of ``sol``."""
    check_output(game, name)
    if name == "n_equilibria":
        return sol.counts.astype(float)
    if name.startswith("P(") and name.endswith(")"):
        k = outcome_names(game).index(name[2:-1])
        if bits is None:
            bits = point_outcomes(game, sol)
        return ((bits >> k) & 1).astype(float)
    players = [column_name(p) for p in game.player_names]
    p = players.index(name[: -len("_payoff")])
    return _mean_payoffs(sol)[:, p]


def _mean_payoffs(sol: PointSolutions) -> np.ndarray:
    total = np.zeros((len(sol), 2))
    np.add.at(total, sol.owner, sol.payoffs)
    with np.errstate(invalid="ignore", divide="ignore"):
        return total / sol.counts[:, None]


def output_label(game: Game, name: str) -> tuple[str, str]:
    """What an output is, in words, and its unit ("" if unknown)."""
    if name == "n_equilibria":
        return "number of equilibria", ""
    if name.startswith("P("):
        return f"{name[2:-1]} is an equilibrium (1 yes, 0 no)", ""
    player = game.player_names[[column_name(p) for p in game.player_names].index(name[:-7])]
    unit = game.dynamics.payoff_unit if game.dynamics is not None else ""
    return f"{player}'s mean payoff over the equilibria", unit


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


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    return [_jsonable(r) for r in df.to_dict(orient="records")]


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        return float(obj) if math.isfinite(obj) else None
    return obj


# ---------------------------------------------------------------------------- running
def _check_common(game: Game, samples: Any, scenario: str | None, fixed: Mapping[str, float],
                  tol: float) -> None:
    if isinstance(samples, bool) or not isinstance(samples, (int, np.integer)) or samples < 1:
        raise UsageError(f"the number of samples must be a whole number of at least 1, got "
                         f"{samples!r}")
    if scenario is not None:
        game.scenario(scenario)
    game.resolve(fixed, scenario)  # checks the names and values
    if not 0 < tol < 1:
        raise UsageError(f"tol must be between 0 and 1, got {tol}")


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
        unique=Proportion.of(int(one.sum()), N),
        distributions={n: describe(game.parameters[n]) for n in names},
        provenance=prov,
        sobol=indices,
        solutions=sol,
    )


# ---------------------------------------------------------------------------- Sobol
def _check_sobol_samples(n: Any) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise UsageError(f"the Sobol' sample count must be a whole number, got {n!r}")
    n = int(n)
    if n < MIN_SOBOL_SAMPLES or n & (n - 1):
        lower = max(MIN_SOBOL_SAMPLES, 1 << max(0, n.bit_length() - 1))
        hint = (f"try {lower} or {lower * 2}" if n >= MIN_SOBOL_SAMPLES
                else f"try {MIN_SOBOL_SAMPLES} or more")
        raise UsageError(
            f"--sobol-samples must be a power of two of at least {MIN_SOBOL_SAMPLES} (a Sobol' "
            f"sequence is balanced only then), got {n}: {hint}"
        )
    return n


def sobol_design(game: Game, names: Sequence[str], samples: int, seed: int) -> Design:
    """Saltelli's design (SALib, scrambled Sobol' sequence seeded with ``seed``, without
    second-order terms): ``samples * (len(names) + 2)`` points, mapped from the unit cube
    through each parameter's inverse CDF."""
    import warnings

    from SALib.sample import sobol as sobol_sample

    samples = _check_sobol_samples(samples)
    problem = {"num_vars": len(names), "names": list(names), "bounds": [[0.0, 1.0]] * len(names)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scipy's notices about its qmc arguments
        U = sobol_sample.sample(problem, samples, calc_second_order=False, seed=seed)
    U = np.clip(U, 0.0, 1.0)
    values = {n: ppf(game.parameters[n], U[:, k]) for k, n in enumerate(names)}
    return Design(values, {
        "kind": "sobol_saltelli", "seed": seed, "base_samples": samples,
        "parameters": [_parameter_spec(game.parameters[n]) for n in names],
    })


def sobol_indices(
    game: Game,
    outputs: Sequence[str],
    names: Sequence[str],
    setting: Setting,
    samples: int = SOBOL_SAMPLES,
    seed: int = 0,
    **engine_options: Any,
) -> pd.DataFrame:
    """First-order (``S1``) and total (``ST``) Sobol' indices of each output with respect to
    each parameter of ``names``, with the half-widths of their 95% bootstrap intervals
    (``S1_conf``, ``ST_conf``; SALib's ``analyze.sobol``, seeded with ``seed``). One row per
    (output, parameter), parameters by decreasing total index within an output. An output
    that is constant over the design has every index 0."""
    import warnings

    from SALib.analyze import sobol as sobol_analyze

    for out in outputs:
        check_output(game, out)
    design = sobol_design(game, names, samples, seed)
    sol = solve_source(game, design, setting, **engine_options)
    bits = point_outcomes(game, sol)
    problem = {"num_vars": len(names), "names": list(names), "bounds": [[0.0, 1.0]] * len(names)}
    frames = []
    for out in outputs:
        Y = output_values(game, sol, out, bits)
        if not np.all(np.isfinite(Y)):
            raise UsageError(f"output {out} is not defined at every point of the Sobol' design")
        if np.ptp(Y) == 0:
            zeros = np.zeros(len(names))
            res = {"S1": zeros, "S1_conf": zeros, "ST": zeros, "ST_conf": zeros}
        else:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                res = sobol_analyze.analyze(problem, Y, calc_second_order=False,
                                            num_resamples=SOBOL_RESAMPLES,
                                            conf_level=CONFIDENCE, seed=seed)
        df = pd.DataFrame({
            "output": out, "parameter": list(names),
            "S1": np.asarray(res["S1"], float), "S1_conf": np.asarray(res["S1_conf"], float),
            "ST": np.asarray(res["ST"], float), "ST_conf": np.asarray(res["ST_conf"], float),
        })
        frames.append(df.sort_values("ST", ascending=False, kind="stable"))
    out_df = pd.concat(frames, ignore_index=True)
    out_df.attrs["design"] = design.spec()
    return out_df


# ---------------------------------------------------------------------------- tornado
@dataclass(frozen=True)
class TornadoBar:
    """One parameter moved alone to the ends of its range: the output there and the set of
    outcomes of the equilibria there."""

    parameter: str
    unit: str
    low: float
    high: float
    value_low: float
    value_high: float
    outcomes_low: str
    outcomes_high: str

    @property
    def swing(self) -> float:
        """|value_high - value_low|, 0 when the two differ only by rounding."""
        d = abs(self.value_high - self.value_low)
        scale = max(1.0, abs(self.value_low), abs(self.value_high))
        return 0.0 if d <= 1e-12 * scale else d


@dataclass(frozen=True)
class Tornado:
    """One-at-a-time swings of ``output``, ``bars`` by decreasing swing (ties in file
    order), around the value at the baseline (the scenario and ``params`` applied)."""

    title: str
    file: str
    output: str
    label: str
    unit: str
    scenario: str | None
    fixed: Mapping[str, float]
    baseline: float
    baseline_outcomes: str
    bars: tuple[TornadoBar, ...]

    def to_json(self) -> dict[str, Any]:
        return _jsonable({
            "output": self.output, "label": self.label, "unit": self.unit,
            "baseline": self.baseline, "baseline_outcomes": self.baseline_outcomes,
            "bars": [{"parameter": b.parameter, "unit": b.unit, "low": b.low, "high": b.high,
                      "value_low": b.value_low, "value_high": b.value_high, "swing": b.swing,
                      "outcomes_low": b.outcomes_low, "outcomes_high": b.outcomes_high}
                     for b in self.bars],
        })


def tornado(
    game: Game,
    output: str | None = None,
    *,
    scenario: str | None = None,
    params: Mapping[str, float] | None = None,
    tol: float = 1e-9,
    vary_only: Sequence[str] | None = None,
) -> Tornado:
    """Move each varied parameter (as in :func:`robustness`) alone to its low and high end,
    the others at the baseline with the scenario and ``params`` applied, and record ``output``
    (default: the first player's mean equilibrium payoff) and the outcome set at each end.

    >>> import model
    >>> t = tornado(model.load("payoffs/textbook/hawk_dove.yaml"), "Row_payoff")
    >>> [(b.parameter, round(b.value_low, 3), round(b.value_high, 3)) for b in t.bars]
    [('V', 0.24, 3.0), ('C', 0.75, 0.967)]
    """
    fixed = {k: float(v) for k, v in (params or {}).items()}
    _check_common(game, 1, scenario, fixed, tol)
    output = check_output(game, output or f"{column_name(game.player_names[0])}_payoff")
    names = varied_parameters(game, scenario=scenario, fixed=fixed, vary_only=vary_only)
    base = game.resolve(fixed, scenario)
    D = len(names)
    values = {k: np.full(2 * D + 1, v) for k, v in base.items()}
    for k, name in enumerate(names):
        info = game.parameters[name]
        values[name][1 + 2 * k] = info.low
        values[name][2 + 2 * k] = info.high
    A, B = game.matrices_batch(values)
    sol = solve_game_points(game, A, B, tol=tol)
    bits = point_outcomes(game, sol)
    y = output_values(game, sol, output, bits)
    labels = outcome_set_labels(game, bits)
    bars = []
    for k, name in enumerate(names):
        info = game.parameters[name]
        bars.append(TornadoBar(name, info.unit, info.low, info.high, float(y[1 + 2 * k]),
                               float(y[2 + 2 * k]), str(labels[1 + 2 * k]),
                               str(labels[2 + 2 * k])))
    bars.sort(key=lambda b: -b.swing)
    label, unit = output_label(game, output)
    return Tornado(game.title, str(game.path), output, label, unit, scenario, fixed,
                   float(y[0]), str(labels[0]), tuple(bars))


