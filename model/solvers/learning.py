"""Learning and evolutionary dynamics of a bimatrix game, computed by nashpy.

These are for illustration: how play might move towards (or around) an equilibrium, not
equilibrium computation. Both functions call nashpy (Knight and Campbell 2018, "Nashpy: a
Python library for the computation of Nash equilibria", JOSS 3) and return its output as
read-only arrays.

* Fictitious play (Brown 1951, "Iterative solution of games by fictitious play"; Robinson
  1951, "An iterative method of solving a game"): in every round each player plays a best
  reply to the empirical frequency of the other's past actions. The frequencies converge
  to equilibrium in zero-sum games (Robinson 1951) and in 2x2 games (Miyasawa 1961),
  though not in general (Shapley 1964).
* Replicator dynamics for two populations (Taylor and Jonker 1978, "Evolutionarily stable
  strategies and game dynamics", Math. Biosciences 40; Taylor 1979 for the two-population
  form): dx_i/dt = x_i ((A y)_i - x^T A y), dy_j/dt = y_j ((x^T B)_j - x^T B y).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from model.solvers._common import FloatArray, SolverError, check_game, readonly

__all__ = [
    "FictitiousPlayPath",
    "ReplicatorPath",
    "fictitious_play",
    "replicator_dynamics",
]

IntArray = np.ndarray

#: Initial strategies must sum to 1 within this.
_SIMPLEX_TOL = 1e-9


@dataclass(frozen=True, eq=False)
class FictitiousPlayPath:
    """A run of fictitious play over T rounds; all arrays read-only.

    ``plays`` (T, 2): the actions (row, column) chosen in each round. ``row_counts`` (T+1, m)
    and ``col_counts`` (T+1, n): how often each action had been played before each round
    (row 0 is all zeros, row T the final counts). ``x`` (T, m) and ``y`` (T, n): the
    empirical frequencies after each round, ``counts / rounds``.
    """

    plays: IntArray
    row_counts: FloatArray
    col_counts: FloatArray
    x: FloatArray
    y: FloatArray

    def __len__(self) -> int:
        return int(self.plays.shape[0])


@dataclass(frozen=True, eq=False)
class ReplicatorPath:
    """A solution of the two-population replicator dynamics; all arrays read-only.

    ``t`` (k,): the time points; ``x`` (k, m) and ``y`` (k, n): the population shares of
    the row and column player's actions at those times.
    """

    t: FloatArray
    x: FloatArray
    y: FloatArray

    def __len__(self) -> int:
        return int(self.t.shape[0])


def _check_count(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise SolverError(f"{name} must be an integer, got {value!r}")
    if int(value) < 1:
        raise SolverError(f"{name} must be at least 1, got {value}")
    return int(value)


def fictitious_play(
    A: ArrayLike, B: ArrayLike, *, iterations: int, seed: int | None = 0
) -> FictitiousPlayPath:
    """Run ``iterations`` rounds of fictitious play from no history, with nashpy.

    In the first round, and whenever best replies tie, nashpy picks uniformly at random
    among the best replies, drawing from numpy's global random generator. With an integer
    ``seed`` that generator is seeded for the run and its previous state restored after,
    so the run is reproducible and leaves other users of the generator undisturbed; with
    ``seed=None`` it draws from the global generator as it stands.

    Source: Brown 1951; Robinson 1951; nashpy's ``Game.fictitious_play``.

    >>> run = fictitious_play([[3, 0], [5, 1]], [[3, 5], [0, 1]], iterations=50)
    >>> run.plays[:3].tolist()  # the first round is a random tie-break
    [[0, 1], [1, 1], [1, 1]]
    >>> run.x[-1].tolist(), run.y[-1].tolist()
    ([0.02, 0.98], [0.0, 1.0])
    """
    a, b = check_game(A, B)
    rounds = _check_count(iterations, "iterations")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))):
        raise SolverError(f"seed must be an integer or None, got {seed!r}")
    import nashpy  # deferred: only these functions need it

    game = nashpy.Game(a, b)
    saved = np.random.get_state() if seed is not None else None
    try:
        if seed is not None:
            np.random.seed(int(seed))
        history = list(game.fictitious_play(iterations=rounds))
    finally:
        if saved is not None:
            np.random.set_state(saved)
    row_counts = np.array([h[0] for h in history], dtype=np.float64)
    col_counts = np.array([h[1] for h in history], dtype=np.float64)
    plays = np.stack(
        [np.diff(row_counts, axis=0).argmax(axis=1), np.diff(col_counts, axis=0).argmax(axis=1)],
        axis=1,
    )
    done = np.arange(1, rounds + 1, dtype=np.float64)[:, None]
    return FictitiousPlayPath(
        plays=readonly(plays),
        row_counts=readonly(row_counts),
        col_counts=readonly(col_counts),
        x=readonly(row_counts[1:] / done),
        y=readonly(col_counts[1:] / done),
    )


def _initial(v: ArrayLike | None, size: int, name: str) -> FloatArray:
    if v is None:
        return np.full(size, 1.0 / size)
    try:
        arr = np.asarray(v, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise SolverError(f"{name} must be a vector of probabilities: {exc}") from None
    if arr.shape != (size,):
        raise SolverError(f"{name} must have shape ({size},), got {arr.shape}")
    if not np.all(np.isfinite(arr)) or arr.min() < 0.0:
        raise SolverError(f"{name} must have finite nonnegative entries, got {arr.tolist()}")
    if abs(float(arr.sum()) - 1.0) > _SIMPLEX_TOL:
        raise SolverError(f"{name} must sum to 1, got a sum of {float(arr.sum())!r}")
    return arr


def replicator_dynamics(
    A: ArrayLike,
    B: ArrayLike,
    *,
    x0: ArrayLike | None = None,
    y0: ArrayLike | None = None,
    timepoints: ArrayLike | None = None,
) -> ReplicatorPath:
    """Solve the two-population replicator dynamics of (A, B) with nashpy.

    ``x0`` and ``y0`` are the initial shares (default uniform); ``timepoints`` the times
    at which the solution is reported, strictly increasing (default 1000 points from 0 to
    10, nashpy's default). The equations are integrated by scipy's ``odeint`` (LSODA), so
    the shares stay on the simplex only up to the integration error. Shares that start at
    zero stay zero: an action absent at the start never appears.

    Source: Taylor and Jonker 1978; nashpy's ``Game.asymmetric_replicator_dynamics``
    (nashpy's ``replicator_dynamics`` is the one-population form for symmetric games).

    >>> path = replicator_dynamics([[3, 0], [5, 1]], [[3, 5], [0, 1]],
    ...                            timepoints=[0.0, 20.0])
    >>> path.x.round(3).tolist(), path.y.round(3).tolist()
    ([[0.5, 0.5], [0.0, 1.0]], [[0.5, 0.5], [0.0, 1.0]])
    """
    a, b = check_game(A, B)
    m, n = a.shape
    x_start = _initial(x0, m, "x0")
    y_start = _initial(y0, n, "y0")
    if timepoints is None:
        times = np.linspace(0.0, 10.0, 1000)
    else:
        try:
            times = np.asarray(timepoints, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise SolverError(f"timepoints must be a sequence of numbers: {exc}") from None
        if times.ndim != 1 or times.size < 2:
            raise SolverError(
                f"timepoints must be a 1-D sequence of at least 2 times, got shape {times.shape}"
            )
        if not np.all(np.isfinite(times)) or np.any(np.diff(times) <= 0.0):
            raise SolverError("timepoints must be finite and strictly increasing")
    import nashpy  # deferred: only these functions need it

    game = nashpy.Game(a, b)
    xs, ys = game.asymmetric_replicator_dynamics(x0=x_start, y0=y_start, timepoints=times)
    return ReplicatorPath(
        t=readonly(times.copy()),
        x=readonly(np.array(xs, dtype=np.float64)),
        y=readonly(np.array(ys, dtype=np.float64)),
    )
