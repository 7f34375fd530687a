"""Equilibria of a game too large to enumerate: the best search within a time budget.

Three searches, each result verified (regret at most ``tol`` times the player's largest
|payoff|) and duplicates dropped:

1. every pure profile is checked, so the pure equilibria found are all of them;
2. Lemke-Howson from each of the m + n labels in turn (Lemke and Howson 1964; von Stengel 2007,
   AGT ch. 3), as long as the budget lasts; then, with at most ``PERTURBED_SHARE`` of the time
   left, from each label of copies of the game whose payoffs are perturbed at random by up to
   1% of the player's largest |payoff| (a path of a perturbed game ends near an equilibrium that
   no path of the game itself may reach; on generic 25 x 25 games these paths add about a
   third to what the labels find). Each end's supports are solved again on the game itself,
   and only what verifies there is kept;
3. support enumeration ordered by small, balanced supports (Porter, Nudelman and Shoham 2008,
   "Simple search methods for finding a Nash equilibrium", Games and Economic Behavior 63):
   supports of sizes k x k for k = 2, 3, ..., each size finished before the next is begun, so
   the sizes searched to the end are known; supports on which an action of the support is
   conditionally dominated are skipped.

The result says what it guarantees: which of the three ran to the end.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from model.solvers._common import FloatArray, SolverError, atol
from model.solvers.pure import pure_equilibria

__all__ = ["SearchResult", "search_equilibria"]


@dataclass(frozen=True)
class SearchResult:
    """Profiles found, and how far each search went."""

    profiles: tuple[tuple[FloatArray, FloatArray], ...]
    labels_done: int
    labels_total: int
    support_size_done: int  # every k x k support with k <= this was examined
    timed_out: bool
    perturbed_done: int = 0  # Lemke-Howson paths followed in perturbed games

    def guarantee(self) -> str:
        parts = ["every pure equilibrium is listed (all profiles were checked)"]
        if self.support_size_done >= 2:
            parts.append(f"every equilibrium whose supports have equal sizes up to "
                         f"{self.support_size_done} is listed")
        lh = (f"Lemke-Howson was followed from {self.labels_done} of the "
              f"{self.labels_total} labels")
        if self.perturbed_done:
            lh += f", and from {self.perturbed_done} labels of perturbed copies of the game"
        parts.append(lh)
        return "; ".join(parts)


def _regret(A: FloatArray, B: FloatArray, x: FloatArray, y: FloatArray) -> tuple[float, float]:
    Ay = A @ y
    xB = x @ B
    return float(Ay.max() - x @ Ay), float(xB.max() - xB @ y)


def search_equilibria(A: FloatArray, B: FloatArray, tol: float, budget: float,
                      max_support: int = 6, perturbed: bool = True) -> SearchResult:
    """Verified equilibria of (A, B) found within ``budget`` seconds (see the module text)."""
    start = time.monotonic()
    deadline = start + budget
    m, n = A.shape
    limit = (atol(A, tol), atol(B, tol))
    found: list[tuple[FloatArray, FloatArray]] = []

    def add(x: FloatArray, y: FloatArray) -> None:
        x = np.where(x > 1e-15, x, 0.0)
        y = np.where(y > 1e-15, y, 0.0)
        if x.sum() <= 0 or y.sum() <= 0:
            return
        x, y = x / x.sum(), y / y.sum()
        r = _regret(A, B, x, y)
        if r[0] > limit[0] or r[1] > limit[1]:
            return
        for fx, fy in found:
            if np.abs(fx - x).max() <= tol and np.abs(fy - y).max() <= tol:
                return
        x.flags.writeable = False
        y.flags.writeable = False
        found.append((x, y))

    for i, j in pure_equilibria(A, B, tol=tol):
        x = np.zeros(m)
        y = np.zeros(n)
        x[i] = 1.0
        y[j] = 1.0
        add(x, y)

    labels_done, _ = _follow_labels(A, B, tol, deadline, add)
    timed_out = labels_done < m + n
    paths = 0
    if perturbed and not timed_out:
        now = time.monotonic()
        paths = _perturbed_paths(A, B, tol, now + PERTURBED_SHARE * max(0.0, deadline - now),
                                 add)
    size_done = 1
    for k in range(2, min(m, n, max_support) + 1):
        if timed_out or time.monotonic() > deadline:
            timed_out = True
            break
        complete = _supports_of_size(A, B, k, deadline, add)
        if not complete:
            timed_out = True
            break
        size_done = k
    return SearchResult(tuple(found), labels_done, m + n, size_done, timed_out, paths)


#: Share of the time left after the labels that the perturbed paths may take, the size of
#: the perturbation relative to each player's largest |payoff|, and how many perturbed copies.
PERTURBED_SHARE = 0.25
PERTURBATION = 1e-2
PERTURBED_COPIES = 4


def _perturbed_paths(A: FloatArray, B: FloatArray, tol: float, until: float,
                     add: Callable[[FloatArray, FloatArray], None]) -> int:
    """Lemke-Howson from every label of ``PERTURBED_COPIES`` perturbed copies of (A, B) (a
    fixed seed: the same game gives the same search), until ``until``; each end's supports,
    when they are of equal size, give the strategies that make the other player indifferent
    on them in the game itself, passed to ``add`` (which verifies them). Returns the number of
    paths followed."""
    m, n = A.shape
    rng = np.random.default_rng(20080101)
    sa = float(np.abs(A).max()) or 1.0
    sb = float(np.abs(B).max()) or 1.0

    def on_the_game(x: FloatArray, y: FloatArray) -> None:
        rows = np.flatnonzero(x > 1e-12)
        cols = np.flatnonzero(y > 1e-12)
        if len(rows) != len(cols):
            return
        yy = _indifferent(A[np.ix_(rows, cols)])
        xx = None if yy is None else _indifferent(B[np.ix_(rows, cols)].T)
        if yy is None or xx is None:
            return
        X = np.zeros(m)
        Y = np.zeros(n)
        X[rows] = xx
        Y[cols] = yy
        add(X, Y)

    done = 0
    for _ in range(PERTURBED_COPIES):
        Ap = A + PERTURBATION * sa * rng.uniform(-1.0, 1.0, A.shape)
        Bp = B + PERTURBATION * sb * rng.uniform(-1.0, 1.0, B.shape)
        followed, stopped = _follow_labels(Ap, Bp, tol, until, on_the_game)
        done += followed
        if stopped:
            break
    return done


def _follow_labels(A: FloatArray, B: FloatArray, tol: float, until: float,
                   found: Callable[[FloatArray, FloatArray], None]) -> tuple[int, bool]:
    """Lemke-Howson from each label of (A, B) in turn, each path's end passed to ``found``,
    until ``until``; returns how many paths were followed and whether time ran out first."""
    from model.solvers.lemke_howson import PathTimeout, _lemke_howson

    done = 0
    for label in range(sum(A.shape)):
        if time.monotonic() > until:
            return done, True
        try:
            x, y, _ = _lemke_howson(A, B, label, tol, False, until)
        except PathTimeout:
            return done, True
        except (SolverError, ValueError, ZeroDivisionError, FloatingPointError):
            done += 1
            continue
        done += 1
        found(np.asarray(x, float), np.asarray(y, float))
    return done, False


def _supports_of_size(A: FloatArray, B: FloatArray, k: int, deadline: float,
                      add: Callable[[FloatArray, FloatArray], None]) -> bool:
    """Examine every k x k support pair; False if the deadline passed first."""
    m, n = A.shape
    tb = atol(B, 1e-9)
    count = 0
    for rows in itertools.combinations(range(m), k):
        if time.monotonic() > deadline:
            return False
        AI = A[list(rows)]
        BI = B[list(rows)]
        # columns that are conditionally dominated given I (Porter et al. 2008) cannot be in J
        sub = BI
        margins = (sub[:, :, None] - sub[:, None, :]).min(axis=0)  # (n, n): col p over col q
        np.fill_diagonal(margins, -np.inf)
        alive_cols = [j for j in range(n) if not (margins[:, j] > tb).any()]
        if len(alive_cols) < k:
            continue
        for J in itertools.combinations(alive_cols, k):
            count += 1
            if count % 256 == 0 and time.monotonic() > deadline:
                return False
            Jl = list(J)
            # y on J makes the row player indifferent over I; x on I the column over J
            y = _indifferent(AI[:, Jl])
            if y is None:
                continue
            x = _indifferent(BI[:, Jl].T)
            if x is None:
                continue
            X = np.zeros(m)
            Y = np.zeros(n)
            X[list(rows)] = x
            Y[Jl] = y
            add(X, Y)
    return True


def _indifferent(M: FloatArray) -> np.ndarray | None:
    """Probabilities p >= 0 (summing to 1) over M's columns with M p constant, or None."""
    k = M.shape[0]
    system = np.zeros((k + 1, M.shape[1] + 1))
    system[:k, :-1] = M
    system[:k, -1] = -1.0
    system[k, :-1] = 1.0
    rhs = np.zeros(k + 1)
    rhs[k] = 1.0
    try:
        sol = np.linalg.solve(system, rhs)
    except np.linalg.LinAlgError:
        return None
    p = sol[:-1]
    if (p < -1e-12).any():
        return None
    return np.clip(p, 0.0, None)
