"""Drawing parameter points: which parameters vary, each from its declared distribution, from
counter-based random streams so that the same seed gives the same draws whatever the chunking."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from model.errors import UsageError, did_you_mean, known
from model.game import Game
from model.payoffs.compiled import ParameterInfo
from model.sensitivity.distributions import ppf

#: Largest seed: Philox's key holds the seed in one 64-bit word and the name's hash in the other.
MAX_SEED = 2**64 - 1


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
