"""What a payoff file compiles to, before any payoff is computed: the players with their chips
and actions (one per combination of chip levels that no exclusion removes), the parameters,
scenarios, derived quantities, payoff terms (a mask over action profiles and a formula), outcomes
and dynamics rules. :class:`model.game.Game` holds these and computes payoffs from them."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from model.payoffs.formula import Formula

# A clause maps chip name -> allowed level indices; a condition is a tuple of clauses (any of).
Clause = Mapping[str, frozenset[int]]


Condition = tuple[Clause, ...]


#: An exact payoff matrix, rows of fractions.
ExactMatrix = tuple[tuple[Fraction, ...], ...]


@dataclass(frozen=True)
class Chip:
    name: str
    description: str
    levels: tuple[str, ...]
    status_quo: str | None


@dataclass(frozen=True)
class PlayerInfo:
    name: str
    description: str
    chips: tuple[Chip, ...]
    # each action is a tuple of level indices, one per chip, in chip order
    actions: tuple[tuple[int, ...], ...]
    labels: tuple[str, ...]

    def chip_index(self, chip: str) -> int:
        for k, c in enumerate(self.chips):
            if c.name == chip:
                return k
        raise KeyError(chip)

    def action_levels(self, action: int) -> dict[str, str]:
        """``{chip: level}`` for one action."""
        return {
            c.name: c.levels[lv] for c, lv in zip(self.chips, self.actions[action], strict=True)
        }

    @property
    def status_quo(self) -> int | None:
        """Index of the status-quo action, if every chip names one and it is allowed."""
        if any(c.status_quo is None for c in self.chips):
            return None
        want = tuple(c.levels.index(c.status_quo) for c in self.chips if c.status_quo)
        try:
            return self.actions.index(want)
        except ValueError:
            return None


@dataclass(frozen=True)
class ParameterInfo:
    """A parameter. ``distribution`` is what Monte Carlo robustness analysis draws it from
    (``model.sensitivity.distributions``): "uniform", "triangular" (mode at ``value``),
    "loguniform" or "normal" (mean ``value``, standard deviation ``sd``), each on [low, high]."""

    name: str
    value: float
    unit: str
    source: str
    description: str
    low: float
    high: float
    distribution: str = "uniform"
    sd: float | None = None


@dataclass(frozen=True)
class ScenarioInfo:
    name: str
    description: str
    source: str
    changes: Mapping[str, float]


@dataclass(frozen=True)
class DerivedInfo:
    """A derived quantity: a named formula evaluated after the parameters, in file order."""

    name: str
    formula: Formula
    unit: str
    description: str
    where: str


@dataclass(frozen=True)
class TermInfo:
    """One compiled payoff term; ``where`` says where it was written, for messages."""

    player: int
    formula: Formula
    mask: np.ndarray  # bool (m, n)
    where: str
    name: str | None = None
    description: str = ""


@dataclass(frozen=True)
class OutcomeInfo:
    name: str
    description: str
    mask: np.ndarray  # bool (m, n)


@dataclass(frozen=True)
class RuleInfo:
    """One compiled dynamics rule: where ``mask`` holds, ``parameter`` moves by ``change`` per
    period, or a share ``rate`` of the way to ``target`` (exactly one of the two forms)."""

    parameter: str
    description: str
    source: str
    mask: np.ndarray  # bool (m, n)
    where: str
    change: Formula | None = None
    target: Formula | None = None
    rate: Formula | None = None
    when_text: str = "always"
    rate_where: str = ""


@dataclass(frozen=True)
class DynamicsInfo:
    """How parameters move from period to period (see ``model.dynamics.simulate``)."""

    period_length: float
    period_unit: str
    discount: Formula | None
    rules: tuple[RuleInfo, ...]
    discount_where: str = ""
    payoff_unit: str = ""
    grid: tuple[tuple[str, int], ...] = ()  # (parameter, points) of the state grid
    grid_where: str = ""

    @property
    def parameters(self) -> tuple[str, ...]:
        """The parameters some rule moves, in the order first named."""
        return tuple(dict.fromkeys(r.parameter for r in self.rules))


@dataclass(frozen=True, eq=False)
class FixedPayoffs:
    """Payoffs that depend on no parameter (those of a Gambit .nfg file), added to every point
    before the terms: float matrices ``A``, ``B`` of shape (m, n), and the same exactly."""

    A: np.ndarray
    B: np.ndarray
    A_exact: ExactMatrix
    B_exact: ExactMatrix


def enumerate_actions(
    chips: Sequence[Chip], excluded: Sequence[Clause]
) -> tuple[tuple[tuple[int, ...], ...], tuple[str, ...]]:
    """All combinations of chip levels (first chip varying slowest) minus the excluded ones."""
    names = [c.name for c in chips]
    actions = []
    for combo in itertools.product(*(range(len(c.levels)) for c in chips)):
        levels = dict(zip(names, combo, strict=True))
        if any(all(levels[ch] in allowed for ch, allowed in cl.items()) for cl in excluded):
            continue
        actions.append(combo)
    labels = tuple(action_label(chips, a) for a in actions)
    return tuple(actions), labels


def action_label(chips: Sequence[Chip], action: Sequence[int]) -> str:
    if len(chips) == 1:
        return chips[0].levels[action[0]]
    return ", ".join(f"{c.name}={c.levels[lv]}" for c, lv in zip(chips, action, strict=True))


def condition_mask(
    condition: Condition | None, players: tuple[PlayerInfo, PlayerInfo]
) -> np.ndarray:
    """Boolean (m, n) mask of the profiles where a condition holds (None: everywhere)."""
    m, n = len(players[0].actions), len(players[1].actions)
    if condition is None:
        return np.ones((m, n), dtype=bool)
    out = np.zeros((m, n), dtype=bool)
    for clause in condition:
        rows = np.ones(m, dtype=bool)
        cols = np.ones(n, dtype=bool)
        for chip, allowed in clause.items():
            for p, sel in ((0, rows), (1, cols)):
                info = players[p]
                if any(c.name == chip for c in info.chips):
                    k = info.chip_index(chip)
                    sel &= np.array([a[k] in allowed for a in info.actions], dtype=bool)
        out |= np.outer(rows, cols)
    return out


def frozen_mapping(d: Mapping[str, Any]) -> Mapping[str, Any]:
    return ReadOnlyMapping(d)


class ReadOnlyMapping(Mapping[str, Any]):
    """A mapping that cannot be changed and, unlike ``MappingProxyType``, can be pickled (so a
    compiled game can be sent to worker processes)."""

    __slots__ = ("_data",)

    def __init__(self, data: Mapping[str, Any]):
        self._data = dict(data)

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        return f"ReadOnlyMapping({self._data!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (ReadOnlyMapping, (self._data,))
