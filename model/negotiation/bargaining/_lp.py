"""The value and optimal strategies of a zero-sum matrix game, for threats and security levels.

Uses :func:`model.solvers.zerosum.zero_sum_value` where the package has it; otherwise the same
linear program (Dantzig 1951; von Neumann's minimax theorem) is solved here with HiGHS through
:func:`scipy.optimize.linprog`.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy.optimize import linprog

from model.errors import LeverageError


def zero_sum(M: ArrayLike) -> tuple[float, np.ndarray, np.ndarray]:
    """``(value, x, y)`` of the zero-sum game in which the row player gets M[i, j]."""
    a = np.asarray(M, dtype=float)
    try:
        from model.solvers.zerosum import zero_sum_value
    except ImportError:  # pragma: no cover - depends on the package version
        return _zero_sum(a)
    value, x, y = zero_sum_value(a)
    return float(value), np.array(x, dtype=float), np.array(y, dtype=float)


def _maxmin(M: np.ndarray) -> np.ndarray:
    """A max-min strategy of the player choosing rows of M: maximise v subject to
    (p^T M)_j >= v for every column, p on the simplex."""
    m, n = M.shape
    c = np.zeros(m + 1)
    c[-1] = -1.0
    res = linprog(
        c,
        A_ub=np.hstack([-M.T, np.ones((n, 1))]),
        b_ub=np.zeros(n),
        A_eq=np.hstack([np.ones((1, m)), np.zeros((1, 1))]),
        b_eq=[1.0],
        bounds=[(0.0, None)] * m + [(None, None)],
        method="highs",
    )
    if res.status != 0 or res.x is None:  # pragma: no cover - a bounded feasible LP
        raise LeverageError(f"the linear program was not solved: {res.message}")
    p = np.clip(np.asarray(res.x[:m], dtype=float), 0.0, None)
    out: np.ndarray = p / p.sum()
    return out


def _zero_sum(M: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    s = max(1.0, float(np.max(np.abs(M))))
    x = _maxmin(M / s)
    y = _maxmin(-M.T / s)
    value = (float((x @ M).min()) + float((M @ y).max())) / 2
    return value, x, y
