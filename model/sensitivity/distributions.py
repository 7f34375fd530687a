"""The distributions Monte Carlo robustness analysis draws parameters from.

A parameter's ``distribution`` (from its payoff file, see ``ParameterInfo``) is one of

- ``uniform`` on [low, high] (the default),
- ``triangular`` on [low, high] with its mode at the parameter's value,
- ``normal`` with mean the value and standard deviation ``sd``, truncated to [low, high],
- ``loguniform`` on [low, high] (low > 0): the logarithm is uniform.

``ppf`` is the inverse CDF: it maps numbers in [0, 1] to draws, so a sampler may feed it plain
uniform numbers, a Latin hypercube or a low-discrepancy sequence alike. Draws always lie in
[low, high].
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import stats

from model.errors import UsageError, did_you_mean, known
from model.game import Game
from model.payoffs.compiled import ParameterInfo

__all__ = ["describe", "ppf", "sample"]


def ppf(info: ParameterInfo, u: np.ndarray) -> np.ndarray:
    """Draws of the parameter for uniform(0, 1) numbers ``u`` (the inverse of its CDF).

    >>> p = ParameterInfo("patience", 0.9, "share", "judgement", "Patience.", 0.7, 0.97)
    >>> ppf(p, np.array([0.0, 0.5, 1.0])).round(3).tolist()
    [0.7, 0.835, 0.97]
    >>> tri = ParameterInfo("loss", 3.4, "bn USD", "usgs", "GDP loss.", 1.7, 9.0, "triangular")
    >>> ppf(tri, np.array([0.0, 1.0])).tolist()
    [1.7, 9.0]
    >>> round(float(ppf(tri, np.array([17 / 73]))[0]), 6)  # the CDF at the mode is 1.7/7.3
    3.4
    >>> sym = ParameterInfo("x", 0.5, "share", "s", "X.", 0.0, 1.0, "normal", 0.2)
    >>> ppf(sym, np.array([0.5])).tolist()
    [0.5]
    >>> log = ParameterInfo("y", 10.0, "bn USD", "s", "Y.", 1.0, 100.0, "loguniform")
    >>> ppf(log, np.array([0.0, 0.5, 1.0])).round(6).tolist()
    [1.0, 10.0, 100.0]
    """
    u = np.asarray(u, dtype=float)
    if not np.all((u >= 0) & (u <= 1)):  # also refuses NaN
        raise ValueError(f"{info.name}: ppf needs numbers in [0, 1]")
    lo, hi = info.low, info.high
    if not lo <= hi:
        raise ValueError(f"{info.name}: the range [{lo:g}, {hi:g}] is not ordered")
    kind = info.distribution
    if hi == lo:
        x = np.full(u.shape, lo)
    elif kind == "uniform":
        x = lo + u * (hi - lo)
    elif kind == "triangular":
        c = (info.value - lo) / (hi - lo)
        if not 0 <= c <= 1:
            raise ValueError(f"{info.name}: the mode {info.value:g} is outside [{lo:g}, {hi:g}]")
        x = stats.triang.ppf(u, c, loc=lo, scale=hi - lo)
    elif kind == "normal":
        sd = info.sd
        if sd is None or not np.isfinite(sd) or sd <= 0:
            raise ValueError(f"{info.name}: a normal distribution needs a positive sd, got {sd}")
        z = stats.truncnorm.ppf(u, (lo - info.value) / sd, (hi - info.value) / sd)
        x = info.value + sd * z
    elif kind == "loguniform":
        if lo <= 0:
            raise ValueError(f"{info.name}: a log-uniform distribution needs low > 0, got {lo:g}")
        x = np.exp(np.log(lo) + u * (np.log(hi) - np.log(lo)))
    else:
        raise ValueError(f"{info.name}: unknown distribution '{kind}'")
    return np.asarray(np.clip(x, lo, hi), dtype=float)


def sample(
    game: Game, names: Sequence[str], n: int, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """``n`` independent draws of each named parameter, from ``rng.random(n)`` through ``ppf``
    (one call per name, in the order given).

    >>> from types import SimpleNamespace
    >>> x = ParameterInfo("x", 2.0, "bn USD", "s", "X.", 1.0, 3.0, "triangular")
    >>> game = SimpleNamespace(parameters={"x": x})  # stands in for a loaded game
    >>> draws = sample(game, ["x"], 4, np.random.default_rng(0))
    >>> draws["x"].shape, bool(((draws["x"] >= 1) & (draws["x"] <= 3)).all())
    ((4,), True)
    >>> sample(game, ["y"], 4, np.random.default_rng(0))
    Traceback (most recent call last):
    ...
    model.errors.UsageError: unknown parameter 'y' (parameters: x)
    """
    out: dict[str, np.ndarray] = {}
    for name in names:
        if name not in game.parameters:
            raise UsageError(
                f"unknown parameter '{name}'{did_you_mean(name, game.parameters)} "
                f"(parameters: {known(game.parameters)})"
            )
        out[name] = ppf(game.parameters[name], rng.random(n))
    return out


def describe(info: ParameterInfo) -> str:
    """The distribution of a parameter in words.

    >>> p = ParameterInfo("patience", 0.85, "share", "judgement", "Patience.", 0.7, 0.97)
    >>> describe(p)
    'uniform on [0.7, 0.97]'
    >>> from dataclasses import replace
    >>> describe(replace(p, distribution="triangular"))
    'triangular on [0.7, 0.97], mode 0.85'
    >>> describe(replace(p, distribution="normal", sd=0.05))
    'normal(0.85, sd 0.05) truncated to [0.7, 0.97]'
    >>> describe(replace(p, distribution="loguniform", low=1, high=100))
    'log-uniform on [1, 100]'
    """
    span = f"[{info.low:g}, {info.high:g}]"
    if info.distribution == "triangular":
        return f"triangular on {span}, mode {info.value:g}"
    if info.distribution == "normal":
        sd = "?" if info.sd is None else f"{info.sd:g}"
        return f"normal({info.value:g}, sd {sd}) truncated to {span}"
    if info.distribution == "loguniform":
        return f"log-uniform on {span}"
    return f"{info.distribution} on {span}"
