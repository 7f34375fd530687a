"""Games with a state: reversible cards, moves that change what comes next.

A stochastic game has states s = 0..S-1, in each a stage bimatrix ``(A[s], B[s])``, and
transitions ``P[s, i, j, s']``: the probability that the profile (i, j) played in state s
leads to state s'. Payoffs are discounted by ``discount`` per period. A card played (a
restriction imposed) moves the state; playing another action next period reverses it, so
every move can be taken back, at the cost the state carries.

- :func:`backward_induction`: the subgame-perfect equilibrium of the game played for
  ``horizon`` periods, found from the last period back: in each period and state, the
  stage game with the continuation values added, ``A[s] + discount * P[s] @ V_next``, is
  solved (every equilibrium, verified) and one is selected.
- :func:`markov_perfect`: a Markov perfect equilibrium of the infinitely repeated game
  (discount < 1) by value iteration over the states with the same selection, then checked:
  the strategies' values are computed exactly (a linear system) and each state's profile
  must be an equilibrium of its continuation game, within the solver's tolerance; the result
  says whether the iteration converged and how far the check is from exact.

With one state and no transitions, backward induction gives the finitely repeated game's
unique subgame-perfect equilibrium when the stage game has one equilibrium (the prisoner's
dilemma: defect in every period).

>>> import numpy as np
>>> A = np.array([[[3.0, 0.0], [5.0, 1.0]]]); B = A.transpose(0, 2, 1)
>>> g = StochasticGame(A, B, np.ones((1, 2, 2, 1)), discount=1.0)
>>> r = backward_induction(g, horizon=3)
>>> [int(r.strategies[t][0][0].argmax()) for t in range(3)], r.values[0][0]
([1, 1, 1], (3.0, 3.0))
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from model.errors import UsageError
from model.solvers.equilibria import solve
from model.solvers.results import Equilibrium, SolveResult

#: How one equilibrium of a stage game is chosen when it has several.
SELECTIONS = ("pareto", "row-best", "col-best", "first")

#: Value iteration stops when the values move by less than this (relative), or after
#: MAX_ITERATIONS sweeps.
VALUE_TOL = 1e-12
MAX_ITERATIONS = 100_000


@dataclass(frozen=True, eq=False)
class StochasticGame:
    """Stage payoffs ``A``, ``B`` of shape (S, m, n), transitions ``P`` of shape
    (S, m, n, S) (each ``P[s, i, j]`` sums to 1) and the discount factor per period."""

    A: np.ndarray
    B: np.ndarray
    P: np.ndarray
    discount: float

    def __post_init__(self) -> None:
        A, B, P = (np.asarray(x, dtype=float) for x in (self.A, self.B, self.P))
        if A.ndim != 3 or A.shape != B.shape:
            raise UsageError("A and B must both have shape (states, m, n)")
        S, m, n = A.shape
        if P.shape != (S, m, n, S):
            raise UsageError(f"P must have shape ({S}, {m}, {n}, {S}), got {P.shape}")
        if not (np.all(np.isfinite(A)) and np.all(np.isfinite(B))):
            raise UsageError("the stage payoffs must be finite")
        if np.any(P < 0) or not np.allclose(P.sum(axis=3), 1.0, atol=1e-9):
            raise UsageError("each P[s, i, j] must be a probability distribution over states")
        if not (math.isfinite(self.discount) and 0 < self.discount <= 1):
            raise UsageError(f"the discount factor must lie in (0, 1], got {self.discount}")
        object.__setattr__(self, "A", A)
        object.__setattr__(self, "B", B)
        object.__setattr__(self, "P", P)

    @property
    def states(self) -> int:
        return int(self.A.shape[0])

    def continuation(self, s: int, V: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """State s's stage game with the discounted continuation values ``V`` (S, 2) added."""
        nxt = self.P[s] @ V  # (m, n, 2)
        return (self.A[s] + self.discount * nxt[..., 0],
                self.B[s] + self.discount * nxt[..., 1])


Profile = tuple[np.ndarray, np.ndarray]


@dataclass(frozen=True, eq=False)
class SubgamePerfect:
    """``strategies[t][s]`` and ``values[t][s]`` (the players' payoffs from period t on) of
    the selected subgame-perfect equilibrium; ``counts[t][s]`` the number of equilibria of
    that period's continuation game, ``complete[t][s]`` whether that list was exhaustive."""

    strategies: tuple[tuple[Profile, ...], ...]
    values: tuple[tuple[tuple[float, float], ...], ...]
    counts: tuple[tuple[int, ...], ...]
    complete: tuple[tuple[bool, ...], ...]
    selection: str

    def path(self, start: int, game: StochasticGame) -> list[tuple[int, Profile]]:
        """The expected play from state ``start``: per period, the most likely state and the
        profile played there."""
        dist = np.zeros(game.states)
        dist[start] = 1.0
        out = []
        for t in range(len(self.strategies)):
            s = int(dist.argmax())
            out.append((s, self.strategies[t][s]))
            step = np.zeros(game.states)
            for q in range(game.states):
                x, y = self.strategies[t][q]
                step += dist[q] * np.einsum("i,j,ijk->k", x, y, game.P[q])
            dist = step
        return out


@dataclass(frozen=True, eq=False)
class MarkovPerfect:
    """A Markov perfect equilibrium: ``strategies[s]`` and ``values[s]`` per state;
    ``iterations`` of value iteration, ``converged`` whether the values settled, and
    ``regret``: the largest gain any player has from deviating in any state's continuation
    game at the exact values of these strategies (an equilibrium when within tolerance)."""

    strategies: tuple[Profile, ...]
    values: np.ndarray
    iterations: int
    converged: bool
    regret: float
    verified: bool
    selection: str


def _select(result: SolveResult, selection: str) -> Profile:
    """The equilibrium ``selection`` picks among the verified ones of ``result``."""
    eqs = list(result.equilibria)
    if not eqs:  # cannot happen: every finite game has an equilibrium
        raise UsageError("a stage game without an equilibrium")
    if selection == "first":
        e = eqs[0]
    else:
        def key(e: Equilibrium) -> tuple[float, float]:
            u, v = (float(p) for p in e.payoffs)
            return {"pareto": (u + v, u), "row-best": (u, v), "col-best": (v, u)}[selection]

        e = max(eqs, key=key)
    x, y = e.strategies
    return (np.asarray(x, dtype=float), np.asarray(y, dtype=float))


def _check_selection(selection: str) -> None:
    if selection not in SELECTIONS:
        raise UsageError(f"unknown selection '{selection}' (one of {', '.join(SELECTIONS)})")


def backward_induction(game: StochasticGame, horizon: int, *, selection: str = "pareto",
                       tol: float = 1e-9) -> SubgamePerfect:
    """The subgame-perfect equilibrium of ``game`` played for ``horizon`` periods, period
    by period from the last (see the module's description)."""
    _check_selection(selection)
    if isinstance(horizon, bool) or not isinstance(horizon, int) or horizon < 1:
        raise UsageError(f"the horizon must be a whole number of periods >= 1, got {horizon!r}")
    V = np.zeros((game.states, 2))
    strategies, values, counts, complete = [], [], [], []
    for _ in range(horizon):
        row_s, row_v, row_c, row_k = [], [], [], []
        newV = np.zeros_like(V)
        for s in range(game.states):
            Q = game.continuation(s, V)
            result = solve(Q[0], Q[1], tol=tol)
            x, y = _select(result, selection)
            newV[s] = (x @ Q[0] @ y, x @ Q[1] @ y)
            row_s.append((x, y))
            row_v.append((float(newV[s, 0]), float(newV[s, 1])))
            row_c.append(len(result.equilibria))
            row_k.append(bool(result.lists_all))
        V = newV
        strategies.append(tuple(row_s))
        values.append(tuple(row_v))
        counts.append(tuple(row_c))
        complete.append(tuple(row_k))
    # built from the last period back: period 0 first
    return SubgamePerfect(tuple(reversed(strategies)), tuple(reversed(values)),
                          tuple(reversed(counts)), tuple(reversed(complete)), selection)


def policy_values(game: StochasticGame, strategies: tuple[Profile, ...]) -> np.ndarray:
    """The players' discounted values (S, 2) of playing ``strategies`` in every state for
    ever: the solution of V = r + discount * M V (discount < 1)."""
    S = game.states
    r = np.zeros((S, 2))
    M = np.zeros((S, S))
    for s, (x, y) in enumerate(strategies):
        r[s] = (x @ game.A[s] @ y, x @ game.B[s] @ y)
        M[s] = np.einsum("i,j,ijk->k", x, y, game.P[s])
    return np.linalg.solve(np.eye(S) - game.discount * M, r)


def markov_perfect(game: StochasticGame, *, selection: str = "pareto", tol: float = 1e-9,
                   max_iterations: int = MAX_ITERATIONS) -> MarkovPerfect:
    """A Markov perfect equilibrium of the infinitely repeated ``game`` (discount < 1) by
    value iteration with ``selection``, verified at the exact values of its strategies."""
    _check_selection(selection)
    if not game.discount < 1:
        raise UsageError("a Markov perfect equilibrium of the infinite game needs a discount "
                         "factor below 1")
    V = np.zeros((game.states, 2))
    strategies: tuple[Profile, ...] = ()
    converged = False
    k = 0
    for k in range(1, max_iterations + 1):  # noqa: B007 (k is reported)
        picked = []
        newV = np.zeros_like(V)
        for s in range(game.states):
            Q = game.continuation(s, V)
            x, y = _select(solve(Q[0], Q[1], tol=tol), selection)
            picked.append((x, y))
            newV[s] = (x @ Q[0] @ y, x @ Q[1] @ y)
        strategies = tuple(picked)
        moved = float(np.abs(newV - V).max())
        V = newV
        if moved <= VALUE_TOL * max(1.0, float(np.abs(V).max())):
            converged = True
            break
    exact = policy_values(game, strategies)
    regret = 0.0
    for s, (x, y) in enumerate(strategies):
        Q0, Q1 = game.continuation(s, exact)
        regret = max(regret, float((Q0 @ y).max() - x @ Q0 @ y),
                     float((x @ Q1).max() - x @ Q1 @ y))
    scale = max(1.0, float(np.abs(exact).max()))
    return MarkovPerfect(strategies, exact, k, converged, regret, regret <= 1e-7 * scale,
                         selection)
