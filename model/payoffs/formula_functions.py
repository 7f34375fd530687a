"""The functions and operators of the payoff formulas, with their numpy implementations.

``FUNCTIONS`` lists the functions a formula may call (with their arities and a line of help);
``UNARY_OPS`` and ``BINARY_OPS`` evaluate the operators. Comparisons and ``and``/``or``/``not``
give 1 or 0, and every implementation works element by element on arrays of parameter values.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

Array = np.ndarray


def _clip(x: Array, lo: Array, hi: Array) -> Array:
    return np.minimum(np.maximum(x, lo), hi)


def _ifelse(cond: Array, a: Array, b: Array) -> Array:
    return np.where(cond != 0, a, b)


# name -> (minimum arity, maximum arity or None, implementation, one-line help)
FUNCTIONS: dict[str, tuple[int, int | None, Callable[..., Array], str]] = {
    "min": (2, None, lambda *a: _reduce(np.minimum, a), "smallest of two or more values"),
    "max": (2, None, lambda *a: _reduce(np.maximum, a), "largest of two or more values"),
    "abs": (1, 1, np.abs, "absolute value"),
    "exp": (1, 1, np.exp, "e to the power x"),
    "log": (1, 1, np.log, "natural logarithm"),
    "sqrt": (1, 1, np.sqrt, "square root"),
    "clip": (3, 3, _clip, "clip(x, lo, hi): x limited to [lo, hi]"),
    "ifelse": (3, 3, _ifelse, "ifelse(cond, a, b): a where cond holds, else b"),
}


def _reduce(fn: Callable[[Array, Array], Array], args: tuple[Array, ...]) -> Array:
    out = args[0]
    for a in args[1:]:
        out = fn(out, a)
    return out


UNARY_OPS: dict[str, Callable[[Array], Array]] = {
    "-": np.negative,
    "+": np.positive,
    "not": lambda a: (a == 0).astype(float),
}

BINARY_OPS: dict[str, Callable[[Array, Array], Array]] = {
    "+": np.add,
    "-": np.subtract,
    "*": np.multiply,
    "/": np.true_divide,
    "**": np.power,
    "<": lambda a, b: np.less(a, b).astype(float),
    "<=": lambda a, b: np.less_equal(a, b).astype(float),
    ">": lambda a, b: np.greater(a, b).astype(float),
    ">=": lambda a, b: np.greater_equal(a, b).astype(float),
    "==": lambda a, b: np.equal(a, b).astype(float),
    "!=": lambda a, b: np.not_equal(a, b).astype(float),
    "and": lambda a, b: ((a != 0) & (b != 0)).astype(float),
    "or": lambda a, b: ((a != 0) | (b != 0)).astype(float),
}


def function_list() -> str:
    """The names of the functions, for messages: ``min, max, abs, ...``."""
    return ", ".join(FUNCTIONS)
