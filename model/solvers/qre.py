"""Logit quantal response equilibria and the principal branch of the logit correspondence.

A logit quantal response equilibrium (QRE) with precision lambda >= 0 is a profile (x, y)
in which each player chooses each action with probability proportional to the exponential
of lambda times its expected payoff against the other's strategy:

    x_i proportional to exp(lambda (A y)_i),    y_j proportional to exp(lambda (x^T B)_j)

(McKelvey and Palfrey 1995, "Quantal response equilibria for normal form games", Games and
Economic Behavior 10). At lambda = 0 the only QRE is the uniform profile. The QREs form a
correspondence in lambda whose graph contains a unique branch that starts there, the
principal branch; for generic games it converges, as lambda grows, to one Nash equilibrium,
the logit solution (McKelvey and Palfrey 1995).

The branch is followed by predictor-corrector continuation in the log-probabilities and
lambda, parametrised by arc length so that turning points, where the branch bends back in
lambda, are passed (Turocy 2005, "A dynamic homotopy interpretation of the logistic quantal
response equilibrium correspondence", Games and Economic Behavior 51; Allgower and Georg
1990, "Numerical continuation methods" for the predictor-corrector scheme). Lambda is in
units of inverse payoff: multiplying all payoffs by c is the same as multiplying lambda by c.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from model.solvers._common import FloatArray, SolverError, check_game, check_tol, readonly, scale

__all__ = ["QREPath", "logit_qre", "logit_qre_path"]

#: With lambdas=None the branch is followed until lambda times the largest |payoff| of the
#: two players reaches this.
DEFAULT_MAX_PRECISION = 1e4

_FIRST_STEP = 0.1  # initial arc-length step, in scaled units
_MAX_STEPS = 20_000
_MIN_STEP = 1e-10
_MAX_NEWTON = 8
_MIN_COS = 0.95  # successive tangents must be at most about 18 degrees apart


@dataclass(frozen=True, eq=False)
class QREPath:
    """Points of the principal branch of logit QREs, in order along the branch.

    ``lambdas`` has shape (k,), ``x`` (k, m) and ``y`` (k, n): row t is the QRE
    (x[t], y[t]) at precision lambdas[t]. All arrays are read-only.
    """

    lambdas: FloatArray
    x: FloatArray
    y: FloatArray

    def __len__(self) -> int:
        return int(self.lambdas.shape[0])


class _System:
    """The QRE equations in w = (log x, log y, mu), payoffs scaled to max |payoff| <= 1.

    For i >= 1: log x_i - log x_0 - mu ((A y)_i - (A y)_0) = 0, and sum(x) = 1; the same
    for the column player with x^T B. mu is lambda times the payoff scale.
    """

    def __init__(self, A: FloatArray, B: FloatArray) -> None:
        self.m, self.n = A.shape
        self.Da = A[1:] - A[:1]  # (m-1, n): payoff differences to row 0
        self.Db = B[:, 1:] - B[:, :1]  # (m, n-1): payoff differences to column 0

    def split(self, w: FloatArray) -> tuple[FloatArray, FloatArray, float]:
        m, n = self.m, self.n
        return np.exp(w[:m]), np.exp(w[m : m + n]), float(w[-1])

    def residual(self, w: FloatArray) -> FloatArray:
        m, n = self.m, self.n
        u, v = w[:m], w[m : m + n]
        x, y, mu = self.split(w)
        return np.concatenate(
            [
                u[1:] - u[0] - mu * (self.Da @ y),
                [x.sum() - 1.0],
                v[1:] - v[0] - mu * (x @ self.Db),
                [y.sum() - 1.0],
            ]
        )

    def jacobian(self, w: FloatArray) -> FloatArray:
        m, n = self.m, self.n
        x, y, mu = self.split(w)
        J = np.zeros((m + n, m + n + 1))
        r = np.arange(m - 1)
        J[r, r + 1] = 1.0
        J[r, 0] = -1.0
        J[: m - 1, m : m + n] = -mu * self.Da * y
        J[: m - 1, -1] = -(self.Da @ y)
        J[m - 1, :m] = x
        c = np.arange(n - 1)
        J[m + c, m + c + 1] = 1.0
        J[m + c, m] = -1.0
        J[m : m + n - 1, :m] = -mu * self.Db.T * x
        J[m : m + n - 1, -1] = -(x @ self.Db)
        J[m + n - 1, m : m + n] = y
        return J


def _tangent(J: FloatArray, previous: FloatArray | None) -> FloatArray:
    """The unit null vector of J (full row rank), oriented along ``previous``, or with
    increasing lambda at the start."""
    q, _ = np.linalg.qr(J.T, mode="complete")
    t: FloatArray = q[:, -1]
    reference = float(t[-1]) if previous is None else float(t @ previous)
    return -t if reference < 0 else t


def _newton(
    F: Callable[[FloatArray], FloatArray],
    DF: Callable[[FloatArray], FloatArray],
    w: FloatArray,
    target: float,
) -> tuple[FloatArray, int] | None:
    """Newton's method on the square system F = 0 from w: (solution, iterations), or None
    when it does not converge (max |F| <= target) with steps contracting by half each time.
    """
    last = np.inf
    for it in range(_MAX_NEWTON + 1):
        with np.errstate(over="ignore", invalid="ignore"):
            f = F(w)
        if not np.all(np.isfinite(f)):
            return None
        if float(np.abs(f).max()) <= target:
            return w, it
        if it == _MAX_NEWTON:
            return None
        try:
            step = np.linalg.solve(DF(w), -f)
        except np.linalg.LinAlgError:
            return None
        size = float(np.abs(step).max())
        if not np.isfinite(size) or size > 0.5 * last:
            return None
        last = size
        w = w + step
    return None


def _corrector(
    eqs: _System, pred: FloatArray, t: FloatArray, mu: float | None, tol: float
) -> tuple[FloatArray, int] | None:
    """Correct a predicted point back onto the branch.

    With ``mu`` None, within the hyperplane through ``pred`` orthogonal to the tangent
    ``t`` (pseudo-arclength); otherwise at exactly that mu.
    """
    N = eqs.m + eqs.n
    if mu is None:
        return _newton(
            lambda v: np.append(eqs.residual(v), t @ (v - pred)),
            lambda v: np.vstack([eqs.jacobian(v), t]),
            pred,
            tol * (1.0 + abs(float(pred[-1]))),
        )
    fixed = float(mu)
    found = _newton(
        lambda z: eqs.residual(np.append(z, fixed)),
        lambda z: eqs.jacobian(np.append(z, fixed))[:, :N],
        pred[:N],
        tol * (1.0 + abs(fixed)),
    )
    return None if found is None else (np.append(found[0], fixed), found[1])


def _trace(eqs: _System, targets: FloatArray, tol: float) -> tuple[list[FloatArray], list[int]]:
    """Follow the principal branch from mu = 0 until it first reaches each of ``targets``
    (nondecreasing). Returns the points visited and, for each target, the index of the
    point at exactly that mu.
    """
    m, n = eqs.m, eqs.n
    w = np.concatenate([np.full(m, -np.log(m)), np.full(n, -np.log(n)), [0.0]])
    t = _tangent(eqs.jacobian(w), None)
    points = [w]
    hits: list[int] = []
    k = 0
    while k < len(targets) and targets[k] <= 0.0:
        hits.append(0)
        k += 1
    h = _FIRST_STEP
    for _ in range(_MAX_STEPS):
        if k == len(targets):
            return points, hits
        goal = float(targets[k])
        mu = float(w[-1])
        # Land exactly on the next target when this step would cross it going up.
        landing = t[-1] > 0.0 and mu + h * t[-1] >= goal
        step = (goal - mu) / t[-1] if landing else h
        found = _corrector(eqs, w + step * t, t, goal if landing else None, tol)
        t_new = None
        if found is not None:
            t_new = _tangent(eqs.jacobian(found[0]), t)
            if float(t_new @ t) < _MIN_COS:
                found = None
        if found is None or t_new is None:
            h = step / 2.0
            if h < _MIN_STEP:
                raise SolverError(
                    f"could not follow the QRE branch beyond lambda = {mu:.6g} (scaled by "
                    f"the largest |payoff|): the step size fell below {_MIN_STEP}"
                )
            continue
        new, iterations = found
        if not landing and new[-1] >= goal:
            # The corrector carried the point past the target: land from the last point.
            h = (goal - mu) / max(float(t[-1]), _MIN_STEP)
            continue
        w, t = new, t_new
        points.append(w)
        if landing:
            while k < len(targets) and targets[k] <= goal:
                hits.append(len(points) - 1)
                k += 1
        elif iterations <= 2:
            h *= 2.0
        elif iterations >= 5:
            h /= 2.0
    raise SolverError(f"the QRE branch did not reach the requested lambda in {_MAX_STEPS} steps")


def _check_lambdas(lambdas: ArrayLike) -> FloatArray:
    try:
        lam = np.asarray(lambdas, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise SolverError(f"lambdas must be a sequence of numbers: {exc}") from None
    if lam.ndim != 1 or lam.size == 0:
        raise SolverError(f"lambdas must be a nonempty 1-D sequence, got shape {lam.shape}")
    if not np.all(np.isfinite(lam)) or lam.min() < 0.0:
        raise SolverError("lambdas must be finite and nonnegative")
    if np.any(np.diff(lam) < 0.0):
        raise SolverError("lambdas must be in nondecreasing order")
    return lam


def _path(
    A: FloatArray, B: FloatArray, lambdas: FloatArray | None, max_lambda: float, tol: float
) -> QREPath:
    s = max(scale(A), scale(B))
    eqs = _System(A / s, B / s)
    m, n = A.shape
    mus = np.array([max_lambda * s]) if lambdas is None else lambdas * s
    points, hits = _trace(eqs, mus, tol)
    W = np.array(points if lambdas is None else [points[i] for i in hits])
    x = np.exp(W[:, :m])
    y = np.exp(W[:, m : m + n])
    x /= x.sum(axis=1, keepdims=True)
    y /= y.sum(axis=1, keepdims=True)
    if lambdas is None:
        lam_out = W[:, -1] / s
        lam_out[-1] = max_lambda
    else:
        lam_out = lambdas.copy()
    return QREPath(lambdas=readonly(lam_out), x=readonly(x), y=readonly(y))


def logit_qre_path(
    A: ArrayLike,
    B: ArrayLike,
    *,
    lambdas: ArrayLike | None = None,
    max_lambda: float | None = None,
    tol: float = 1e-9,
) -> QREPath:
    """The principal branch of logit QREs of the bimatrix game (A, B), from lambda = 0.

    With ``lambdas`` (nonnegative, nondecreasing), the result holds one QRE per requested
    value: the point where the branch, followed from the uniform profile at lambda = 0,
    first reaches that lambda. Without, it holds the points the continuation visited, from
    lambda = 0 up to ``max_lambda`` (by default ``1e4`` divided by the largest |payoff| of
    the two players), ending exactly at ``max_lambda``; there lambda need not increase
    along the path, since the branch may bend back.

    Each reported QRE solves the logit equations in log-probabilities within ``tol`` times
    (1 + lambda times the largest |payoff|). Lambda is in units of inverse payoff. For
    generic games the branch converges as lambda grows to one Nash equilibrium (McKelvey
    and Palfrey 1995); at finite lambda every action has positive probability.

    Source: McKelvey and Palfrey 1995 (logit QRE); Turocy 2005 (the branch, followed in
    log-probabilities and lambda by arc-length continuation).

    >>> path = logit_qre_path([[3, 0], [5, 1]], [[3, 5], [0, 1]], lambdas=[0, 1, 10])
    >>> path.x.round(4).tolist()
    [[0.5, 0.5], [0.2268, 0.7732], [0.0, 1.0]]
    """
    a, b = check_game(A, B)
    t = check_tol(tol)
    if lambdas is not None and max_lambda is not None:
        raise SolverError("give lambdas or max_lambda, not both")
    lam = None if lambdas is None else _check_lambdas(lambdas)
    if max_lambda is None:
        top = DEFAULT_MAX_PRECISION / max(scale(a), scale(b))
    else:
        top = float(max_lambda)
        if not np.isfinite(top) or top <= 0.0:
            raise SolverError(f"max_lambda must be a positive finite number, got {max_lambda!r}")
    return _path(a, b, lam, top, t)


def logit_qre(
    A: ArrayLike, B: ArrayLike, lam: float, *, tol: float = 1e-9
) -> tuple[FloatArray, FloatArray]:
    """The logit QRE (x, y) at precision ``lam`` on the principal branch.

    This is the point where the branch followed from the uniform profile at lambda = 0
    first reaches ``lam`` (see :func:`logit_qre_path`); other QREs at the same lambda, off
    the branch or on a part of it that bends back, are not returned. The arrays are
    read-only.

    Source: McKelvey and Palfrey 1995; Turocy 2005.

    >>> x, y = logit_qre([[1, -1], [-1, 1]], [[-1, 1], [1, -1]], 5.0)
    >>> x.round(12).tolist(), y.round(12).tolist()
    ([0.5, 0.5], [0.5, 0.5])
    """
    try:
        value = float(lam)
    except (TypeError, ValueError):
        raise SolverError(f"lam must be a nonnegative number, got {lam!r}") from None
    if not np.isfinite(value) or value < 0.0:
        raise SolverError(f"lam must be a nonnegative finite number, got {lam!r}")
    path = logit_qre_path(A, B, lambdas=[value], tol=tol)
    return readonly(path.x[0].copy()), readonly(path.y[0].copy())
