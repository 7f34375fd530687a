"""The dynamics rules of a game evaluated at a point: how much each rule moves its parameter in a
period, and the discount factor, with a located message where a rule's value is not finite."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from model.game import Game, NonFiniteError
from model.payoffs.compiled import RuleInfo


class RuleValueError(NonFiniteError):
    """A dynamics rule (or the discount) gives a value it may not have: not finite, a rate
    outside [0, 1], a discount outside (0, 1]. ``where`` is the rule's place in the file."""


# ----------------------------------------------------------------------------- rule values
def _env(game: Game, values: Mapping[str, float]) -> dict[str, np.ndarray]:
    env = {k: np.array([float(v)]) for k, v in values.items()}
    for name, v in game.derived_values(values).items():
        env[name] = np.array([v])
    return env


def _scalar(formula: Any, env: Mapping[str, np.ndarray]) -> float:
    return float(np.broadcast_to(formula.evaluate(env), (1,))[0])


def _used(formula: Any, env: Mapping[str, np.ndarray]) -> str:
    """`` with a=1, b=2`` for the names a formula uses (empty for a constant)."""
    names = sorted({name for name, _ in formula.names()})
    if not names:
        return ""
    return " with " + ", ".join(f"{n}={float(env[n][0]):g}" for n in names)


def _rule_delta(rule: RuleInfo, env: Mapping[str, np.ndarray], current: float) -> float:
    """What the rule adds to its parameter in a period where it applies."""
    if rule.change is not None:
        value = _scalar(rule.change, env)
        if not math.isfinite(value):
            raise RuleValueError(
                rule.where, f"the change of '{rule.parameter}' is {value}{_used(rule.change, env)}"
            )
        return value
    assert rule.target is not None and rule.rate is not None
    target, rate = _scalar(rule.target, env), _scalar(rule.rate, env)
    if not math.isfinite(target):
        raise RuleValueError(
            rule.where, f"the target of '{rule.parameter}' is {target}{_used(rule.target, env)}"
        )
    if not (math.isfinite(rate) and 0 <= rate <= 1):
        raise RuleValueError(
            rule.rate_where,
            f"the rate must be between 0 and 1, got {rate:g}{_used(rule.rate, env)}",
        )
    return rate * (target - current)


def _discount(game: Game, env: Mapping[str, np.ndarray]) -> float:
    d = game.dynamics
    if d is None or d.discount is None:
        return 1.0
    value = _scalar(d.discount, env)
    if not (math.isfinite(value) and 0 < value <= 1):
        raise RuleValueError(
            d.discount_where,
            f"the discount factor must be in (0, 1], got {value:g}{_used(d.discount, env)}",
        )
    return value


def rule_values(game: Game, values: Mapping[str, float]) -> tuple[list[float], float]:
    """Each rule's change at one parameter point (as if its condition held) and the discount
    factor per period. Raises :class:`RuleValueError` for a value a rule may not have."""
    env = _env(game, values)
    deltas = []
    if game.dynamics is not None:
        for rule in game.dynamics.rules:
            deltas.append(_rule_delta(rule, env, float(values[rule.parameter])))
    return deltas, _discount(game, env)
