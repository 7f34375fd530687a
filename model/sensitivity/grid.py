"""Which parameter points to solve: axes given as ``NAME=LO:HI:N`` and the grids they span.

A grid is never held in memory whole: :meth:`Grid.points` gives the parameter values of any
slice of its points (in C order: the last axis moves fastest), so a chunk of a grid of a
billion points costs what the chunk costs.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from model.errors import UsageError, did_you_mean
from model.game import Game


@dataclass(frozen=True, eq=False)
class Axis:
    """One varied parameter: its name, unit and the ``n`` values taken (increasing): evenly
    spaced from ``low`` to ``high`` (geometrically with ``log``), or the array ``given``.
    The values are computed where they are needed (:meth:`take`), never all at once unless
    :attr:`values` is asked for, so an axis of a billion values costs nothing to make."""

    name: str
    unit: str
    low: float
    high: float
    n: int
    log: bool = False
    given: np.ndarray | None = None

    @classmethod
    def of(cls, name: str, unit: str, values: np.ndarray) -> Axis:
        """An axis over the given increasing values."""
        v = np.array(values, dtype=float)
        v.flags.writeable = False
        return cls(name, unit, float(v[0]), float(v[-1]), len(v), False, v)

    def __len__(self) -> int:
        return self.n

    def take(self, idx: np.ndarray) -> np.ndarray:
        """The values at indices ``idx``: bit for bit what ``np.linspace`` (``np.geomspace``)
        gives there, without computing the others."""
        if self.given is not None:
            return self.given[idx]
        i = np.asarray(idx, dtype=np.int64)
        lo, hi = (float(np.log10(self.low)), float(np.log10(self.high))) if self.log else (
            self.low, self.high)
        div = self.n - 1
        step = (hi - lo) / div
        y = i.astype(float)
        if step == 0:  # the ends are so close that the step underflows (as np.linspace does)
            y = y / div * (hi - lo)
        else:
            y = y * step
        y += lo
        if self.log:
            y = np.power(10.0, y)
            y[i == 0] = self.low
        y[i == div] = self.high
        return y

    @cached_property
    def values(self) -> np.ndarray:
        """Every value, in order (for axes small enough to hold: a map's, a tipping grid's)."""
        if self.given is not None:
            return self.given
        v = self.take(np.arange(self.n, dtype=np.int64))
        v.flags.writeable = False
        return v

    def spec(self) -> dict[str, Any]:
        """What defines the axis, for provenance and checkpoints."""
        return {"name": self.name, "low": self.low, "high": self.high,
                "n": self.n, "log": self.log}


def _number(text: str, what: str, item: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise UsageError(f"--vary {item}: {what} '{text}' is not a number") from None
    if not math.isfinite(v):
        raise UsageError(f"--vary {item}: {what} must be finite, got '{text}'")
    return v


def check_parameter(game: Game, name: str, item: str) -> None:
    """Raise UsageError unless ``name`` is a parameter of ``game``."""
    if name in game.parameters:
        return
    if not game.parameters:
        raise UsageError(f"--vary {item}: {game.path.name} has no parameters to vary")
    raise UsageError(
        f"--vary {item}: unknown parameter '{name}'{did_you_mean(name, game.parameters)} "
        f"(parameters of {game.path.name}: {', '.join(game.parameters)})"
    )


def make_axis(
    game: Game,
    name: str,
    low: float,
    high: float,
    n: int | None = None,
    *,
    log: bool = False,
    allow_outside: bool = False,
    item: str | None = None,
) -> Axis:
    """An axis over [low, high] with n evenly spaced values (geometrically with ``log``), after
    checking the name, the order of the ends, n and the parameter's declared range. With
    ``n=None`` only the two ends (for tipping points, which choose their own points)."""
    item = item or f"{name}={low:g}:{high:g}" + ("" if n is None else f":{n}")
    check_parameter(game, name, item)
    if not low < high:
        raise UsageError(f"--vary {item}: LO must be below HI, got LO={low:g} and HI={high:g}")
    if n is not None and n < 2:
        raise UsageError(f"--vary {item}: N must be at least 2, got {n}")
    info = game.parameters[name]
    if not allow_outside and (low < info.low or high > info.high):
        raise UsageError(
            f"--vary {item}: [{low:g}, {high:g}] goes outside the declared range of {name}, "
            f"[{info.low:g}, {info.high:g}] ({info.unit}); pass --allow-outside to go there "
            "anyway"
        )
    if log and low <= 0:
        raise UsageError(f"--vary {item}: a log axis needs LO > 0, got {low:g}")
    return Axis(name=name, unit=info.unit, low=float(low), high=float(high),
                n=2 if n is None else int(n), log=log)


def parse_vary(game: Game, item: str, *, need_n: bool = True,
               allow_outside: bool = False) -> Axis:
    """``NAME=LO:HI:N`` (or ``NAME=LO:HI:N:log``; ``NAME=LO:HI`` when ``need_n`` is false)."""
    name, sep, rest = item.partition("=")
    name = name.strip()
    form = "NAME=LO:HI:N" if need_n else "NAME=LO:HI"
    if not sep or not name:
        raise UsageError(f"--vary expects {form}, got '{item}'")
    parts = [p.strip() for p in rest.split(":")]
    log = False
    if parts and parts[-1] == "log":
        if not need_n:
            raise UsageError(f"--vary {item}: here the range is searched on a linear scale; "
                             f"give {form}")
        log = True
        parts = parts[:-1]
    if len(parts) != (3 if need_n else 2):
        extra = "" if need_n or len(parts) != 3 else " (the points are chosen by bisection)"
        raise UsageError(f"--vary expects {form}, got '{item}'{extra}")
    low = _number(parts[0], "LO", item)
    high = _number(parts[1], "HI", item)
    n: int | None = None
    if len(parts) == 3:
        try:
            n = int(parts[2])
        except ValueError:
            raise UsageError(f"--vary {item}: N '{parts[2]}' is not a whole number") from None
    return make_axis(game, name, low, high, n, log=log, allow_outside=allow_outside, item=item)


@dataclass(frozen=True, eq=False)
class Grid:
    """The full grid of some axes; point p is the C-order flat index into it."""

    axes: tuple[Axis, ...]

    def __post_init__(self) -> None:
        names = [a.name for a in self.axes]
        dup = {n for n in names if names.count(n) > 1}
        if dup:
            raise UsageError(f"--vary {sorted(dup)[0]} is given twice")
        if not self.axes:
            raise UsageError("give at least one --vary NAME=LO:HI:N")

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(a.n for a in self.axes)

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    def points(self, start: int, stop: int) -> dict[str, np.ndarray]:
        """Values of each varied parameter at points start..stop-1."""
        idx = np.unravel_index(np.arange(start, stop, dtype=np.int64), self.shape)
        return {a.name: a.take(i) for a, i in zip(self.axes, idx, strict=True)}

    def spec(self) -> dict[str, Any]:
        return {"kind": "grid", "axes": [a.spec() for a in self.axes]}


def grid_from(game: Game, vary: Mapping[str, Any] | Sequence[Axis], *,
              allow_outside: bool = False) -> Grid:
    """A grid from axes, or from a mapping of names to ``(lo, hi, n)`` or to value arrays
    (for the Python API)."""
    if not isinstance(vary, Mapping):
        return Grid(tuple(vary))
    axes = []
    for name, v in vary.items():
        if isinstance(v, tuple) and len(v) == 3:
            n = v[2]
            if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
                raise UsageError(f"vary {name}: n in (lo, hi, n) must be a whole number, got "
                                 f"{n!r} (for a list of values, pass a list)")
            axes.append(make_axis(game, name, float(v[0]), float(v[1]), int(n),
                                  allow_outside=allow_outside))
            continue
        values = np.asarray(v, dtype=float)
        if values.ndim != 1 or len(values) < 2:
            raise UsageError(f"vary {name}: give (lo, hi, n) or at least two values")
        if not np.all(np.isfinite(values)):
            raise UsageError(f"vary {name}: values must be finite")
        if not np.all(np.diff(values) > 0):
            raise UsageError(f"vary {name}: values must increase")
        make_axis(game, name, float(values[0]), float(values[-1]), len(values),
                  allow_outside=allow_outside)  # the same checks
        axes.append(Axis.of(name, game.parameters[name].unit, values))
    return Grid(tuple(axes))
