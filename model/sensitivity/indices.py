"""What drives an output: Sobol' indices over the parameters (SALib's Saltelli design and
analysis) and the one-at-a-time tornado."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from model.errors import UsageError
from model.game import Game
from model.sensitivity.distributions import ppf
from model.sensitivity.engine import Setting
from model.sensitivity.outputs import (
    CONFIDENCE,
    _check_common,
    _jsonable,
    check_output,
    output_label,
    output_values,
)
from model.sensitivity.points import solve_game_points
from model.sensitivity.sampling import (
    Design,
    _parameter_spec,
    varied_parameters,
)
from model.sensitivity.sweeps import solve_source
from model.sensitivity.table import column_name, outcome_set_labels, point_outcomes

#: Sobol' base samples: a power of two (the balance of a Sobol' sequence holds only for
#: those), at least this many for the bootstrap intervals to mean something.
MIN_SOBOL_SAMPLES = 16


SOBOL_SAMPLES = 1024


SOBOL_RESAMPLES = 100


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
