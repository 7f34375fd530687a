"""Games with a state: reversible cards, moves that change what comes next.

A stochastic game has states s = 0..S-1, in each a stage bimatrix ``(A[s], B[s])``, and
transitions: the probability ``P[s, i, j, s']`` that the profile (i, j) played in state s
leads to state s'. They are kept sparse, as a matrix with one row per (s, i, j) and a few
entries per row, so a game of 10^4 states in which each move leads to 16 of them fits in a
few hundred megabytes. Payoffs are discounted by ``discount`` per period. A card played (a
restriction imposed) moves the state; playing another action next period reverses it, so
every move can be taken back, at the cost the state carries.

Both solvers work on the continuation games: in state s, with values ``V`` (S, 2) for what
follows, the bimatrix ``Q[s] = (A[s], B[s]) + discount * P[s] @ V``. Each period (or each
sweep) solves every state's continuation game at once: the pure equilibria of all states are
found in one vectorised pass and one is selected (:data:`SELECTIONS`); a state whose game has
no pure equilibrium is solved whole (every equilibrium, verified, by :func:`solve_batch`) and
one of its equilibria selected. So the rule is *pure first*: where a state's continuation
game has a pure equilibrium, the selection is among its pure equilibria.

- :func:`backward_induction`: the subgame-perfect equilibrium of the game played for
  ``horizon`` periods, from the last period back (continuation values 0 after the last).
- :func:`markov_perfect`: a Markov perfect equilibrium of the infinite game (discount < 1),
  by value iteration; when a sweep selects strategies already selected before (the
  selection has settled, or it cycles), their values are computed exactly (a sparse linear
  system) and checked, and the iteration goes on from those values (the modified policy
  iteration of Puterman 1994, section 6.5, applied to games). The result is checked:
  at the exact values of its strategies, each state's profile must be an equilibrium of its
  continuation game within the tolerance (``regret``, ``verified``), and it says whether the
  iteration converged.

With one state and no transitions, backward induction gives the finitely repeated game's
unique subgame-perfect equilibrium when the stage game has one equilibrium (the prisoner's
dilemma: defect in every period).

>>> import numpy as np
>>> A = np.array([[[3.0, 0.0], [5.0, 1.0]]]); B = A.transpose(0, 2, 1)
>>> g = StochasticGame(A, B, np.ones((1, 2, 2, 1)), discount=1.0)
>>> r = backward_induction(g, horizon=3)
>>> [int(r.X[t, 0].argmax()) for t in range(3)], r.values[0, 0].tolist()
([1, 1, 1], [3.0, 3.0])
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from model.errors import UsageError
from model.solvers.equilibria import solve_batch
from model.solvers.results import Equilibrium, SolveResult

#: How one equilibrium of a stage game is chosen when it has several: the largest sum of
#: payoffs (then the row player's), the row player's best (then the column's), the column
#: player's best, or the first (pure: in row-major order; mixed: as the solver lists them).
SELECTIONS = ("pareto", "row-best", "col-best", "first")

#: Value iteration stops when the values move by less than this (relative), or after
#: ``max_iterations`` sweeps.
VALUE_TOL = 1e-12
MAX_ITERATIONS = 100_000
_TIE = 1e-9  # relative tolerance within which two equilibria's payoffs tie
_VERIFY = 1e-7  # relative regret within which strategies count as an equilibrium


@dataclass(frozen=True, eq=False)
class StochasticGame:
    """Stage payoffs ``A``, ``B`` of shape (S, m, n), transitions ``P`` of shape
    (S, m, n, S) (each ``P[s, i, j]`` sums to 1) and the discount factor per period.
    :meth:`from_sparse` builds one from a few next states per profile instead."""

    A: np.ndarray
    B: np.ndarray
    P: np.ndarray | None
    discount: float
    T: sp.csr_matrix | None = None  # (S*m*n, S): row (s, i, j) is P[s, i, j]

    def __post_init__(self) -> None:
        A, B = (np.asarray(x, dtype=float) for x in (self.A, self.B))
        if A.ndim != 3 or A.shape != B.shape:
            raise UsageError("A and B must both have shape (states, m, n)")
        S, m, n = A.shape
        if not (np.all(np.isfinite(A)) and np.all(np.isfinite(B))):
            raise UsageError("the stage payoffs must be finite")
        if not (math.isfinite(self.discount) and 0 < self.discount <= 1):
            raise UsageError(f"the discount factor must lie in (0, 1], got {self.discount}")
        if self.T is None:
            if self.P is None:
                raise UsageError("give the transitions P")
            P = np.asarray(self.P, dtype=float)
            if P.shape != (S, m, n, S):
                raise UsageError(f"P must have shape ({S}, {m}, {n}, {S}), got {P.shape}")
            T = sp.csr_matrix(P.reshape(S * m * n, S))
            object.__setattr__(self, "P", P)
        else:
            T = self.T
            if T.shape != (S * m * n, S):
                raise UsageError(f"T must have shape ({S * m * n}, {S}), got {T.shape}")
        if (T.nnz and T.data.min() < 0) or not np.allclose(
                np.asarray(T.sum(axis=1)).ravel(), 1.0, atol=1e-9):
            raise UsageError("each P[s, i, j] must be a probability distribution over states")
        object.__setattr__(self, "A", A)
        object.__setattr__(self, "B", B)
        object.__setattr__(self, "T", T)

    @classmethod
    def from_sparse(cls, A: np.ndarray, B: np.ndarray, next_states: np.ndarray,
                    weights: np.ndarray, discount: float) -> StochasticGame:
        """The game whose profile (i, j) in state s leads to ``next_states[s, i, j, k]``
        with probability ``weights[s, i, j, k]`` (both of shape (S, m, n, K))."""
        S, m, n = np.shape(A)
        K = next_states.shape[-1]
        if next_states.shape != (S, m, n, K) or weights.shape != next_states.shape:
            raise UsageError("next_states and weights must both have shape (S, m, n, K)")
        if next_states.size and (next_states.min() < 0 or next_states.max() >= S):
            raise UsageError("a next state is not a state")
        rows = np.repeat(np.arange(S * m * n), K)
        T = sp.csr_matrix((weights.ravel(), (rows, next_states.ravel())),
                          shape=(S * m * n, S))
        T.sum_duplicates()
        return cls(A, B, None, discount, T)

    @property
    def states(self) -> int:
        return int(self.A.shape[0])

    def continuation_all(self, V: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Every state's stage game with the discounted continuation values ``V`` (S, 2)
        added: two arrays of shape (S, m, n)."""
        assert self.T is not None
        nxt = (self.T @ V).reshape(*self.A.shape, 2)
        return (self.A + self.discount * nxt[..., 0], self.B + self.discount * nxt[..., 1])

    def move_matrix(self, X: np.ndarray, Y: np.ndarray) -> sp.csr_matrix:
        """The state-to-state transition matrix (S, S) when state s plays (X[s], Y[s])."""
        assert self.T is not None
        S, m, n = self.A.shape
        w = (X[:, :, None] * Y[:, None, :]).ravel()
        keep = np.flatnonzero(w)
        G = sp.csr_matrix((w[keep], (keep // (m * n), keep)), shape=(S, S * m * n))
        return (G @ self.T).tocsr()

    @property
    def stay(self) -> np.ndarray:
        """(S, m, n): the probability that profile (i, j) in state s leads back to s."""
        assert self.T is not None
        S, m, n = self.A.shape
        rows = np.arange(S * m * n)
        return np.asarray(self.T[rows, rows // (m * n)]).reshape(S, m, n)

    def stage_values(self, X: np.ndarray, Y: np.ndarray) -> np.ndarray:
        """The stage payoffs (S, 2) when state s plays (X[s], Y[s])."""
        return _paid(self.A, self.B, X, Y)


def _paid(QA: np.ndarray, QB: np.ndarray, X: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """What (X[s], Y[s]) pays each player in every state's game (QA[s], QB[s]): (S, 2)."""
    return np.stack([np.einsum("si,sij,sj->s", X, QA, Y),
                     np.einsum("si,sij,sj->s", X, QB, Y)], axis=1)


def _gains(QA: np.ndarray, QB: np.ndarray, X: np.ndarray,
           Y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per state, what the row and the column player gain by their best one-shot deviation
    from (X[s], Y[s]) in (QA[s], QB[s])."""
    qa = np.einsum("sij,sj->si", QA, Y)
    qb = np.einsum("si,sij->sj", X, QB)
    return qa.max(axis=1) - (X * qa).sum(axis=1), qb.max(axis=1) - (Y * qb).sum(axis=1)


@dataclass(frozen=True, eq=False)
class Step:
    """The selected profile of every state's continuation game: ``X`` (S, m), ``Y`` (S, n);
    ``values`` (S, 2) what it pays there; ``pure[s]`` whether state s's game had a pure
    equilibrium (the selection was among them; ``counts[s]`` how many); else ``counts[s]`` is
    its number of equilibria and ``complete[s]`` whether that list was exhaustive."""

    X: np.ndarray
    Y: np.ndarray
    values: np.ndarray
    pure: np.ndarray
    counts: np.ndarray
    complete: np.ndarray


def _pure_keys(QA: np.ndarray, QB: np.ndarray, selection: str) -> list[np.ndarray]:
    if selection == "pareto":
        return [QA + QB, QA]
    if selection == "row-best":
        return [QA, QB]
    if selection == "col-best":
        return [QB, QA]
    return []


def _pick_pure(QA: np.ndarray, QB: np.ndarray, ok: np.ndarray, selection: str,
               scale: np.ndarray) -> np.ndarray:
    """Per state (each with a pure equilibrium in ``ok``), the flat index of the selected one:
    keys compared within a relative tie, the first in row-major order last."""
    cand = ok.copy()
    for key in _pure_keys(QA, QB, selection):
        k = np.where(cand, key, -np.inf)
        best = k.max(axis=(1, 2), keepdims=True)
        cand &= k >= best - _TIE * scale[:, None, None]
    return cand.reshape(len(cand), -1).argmax(axis=1)


def _select_mixed(result: SolveResult, selection: str) -> Equilibrium:
    """The equilibrium ``selection`` picks among the verified ones of ``result``."""
    eqs = list(result.equilibria)
    if not eqs:  # cannot happen: every finite game has an equilibrium
        raise UsageError("a stage game without an equilibrium")
    if selection == "first":
        return eqs[0]
    order = {"pareto": lambda u, v: (u + v, u), "row-best": lambda u, v: (u, v),
             "col-best": lambda u, v: (v, u)}[selection]
    return max(eqs, key=lambda e: order(*(float(p) for p in e.payoffs)))


def _still(QA: np.ndarray, QB: np.ndarray, X: np.ndarray, Y: np.ndarray,
           eps: np.ndarray) -> np.ndarray:
    """Per state, whether (X[s], Y[s]) is an equilibrium of (QA[s], QB[s]) within eps[s]."""
    row, col = _gains(QA, QB, X, Y)
    return (row <= eps) & (col <= eps)


def stage_step(QA: np.ndarray, QB: np.ndarray, selection: str, tol: float,
               keep: tuple[np.ndarray, np.ndarray] | None = None) -> Step:
    """Select an equilibrium of every state's continuation game (QA[s], QB[s]), pure first
    (see the module's description). With ``keep`` (strategies (X, Y)), a state whose kept
    profile is still an equilibrium of its game keeps it; the others select anew."""
    S, m, n = QA.shape
    scale = np.maximum(1.0, np.abs(QA).max(axis=(1, 2)) + np.abs(QB).max(axis=(1, 2)))
    eps = tol * scale[:, None, None]
    ok = (QA >= QA.max(axis=1, keepdims=True) - eps) & (QB >= QB.max(axis=2, keepdims=True) - eps)
    counts = ok.sum(axis=(1, 2))
    pure = counts > 0
    X, Y = np.zeros((S, m)), np.zeros((S, n))
    complete = pure.copy()
    kept = np.zeros(S, dtype=bool)
    if keep is not None:
        kept = _still(QA, QB, keep[0], keep[1], eps[:, 0, 0])
        X[kept], Y[kept] = keep[0][kept], keep[1][kept]
        complete[kept] = True
    idx = np.flatnonzero(pure & ~kept)
    if len(idx):
        flat = _pick_pure(QA[idx], QB[idx], ok[idx], selection, scale[idx])
        X[idx, flat // n] = 1.0
        Y[idx, flat % n] = 1.0
    rest = np.flatnonzero(~pure & ~kept)
    if len(rest):
        for s, result in zip(rest, solve_batch(QA[rest], QB[rest], tol=tol), strict=True):
            e = _select_mixed(result, selection)
            X[s], Y[s] = (np.asarray(p, dtype=float) for p in e.strategies)
            counts[s] = len(result.equilibria)
            complete[s] = bool(result.lists_all)
    values = _paid(QA, QB, X, Y)
    return Step(X, Y, values, pure, counts, complete)


_BLOCK = 4_000_000  # numbers held at once by the self-consistency check


def _self_consistent(R: np.ndarray, Vc: np.ndarray, stay: np.ndarray, d: float,
                     eps: np.ndarray, axis: int) -> np.ndarray:
    """Per state and profile c, whether the player who picks along ``axis`` (1: the row
    player, 2: the column player) has no better action than c's when every action a is
    valued ``R[a] + d * stay[a] * Vc[c]`` (Vc[c] being c's own value). Computed in blocks
    of states and of the other player's actions, at most :data:`_BLOCK` numbers at a time."""
    if axis == 2:  # the column player's check is the row player's on the transposed games
        return _self_consistent(R.transpose(0, 2, 1), Vc.transpose(0, 2, 1),
                                stay.transpose(0, 2, 1), d, eps, 1).transpose(0, 2, 1)
    S, m, n = R.shape
    ok = np.zeros((S, m, n), dtype=bool)
    cols = max(1, min(n, _BLOCK // (m * m)))
    states = max(1, _BLOCK // (m * m * cols))
    for lo in range(0, S, states):
        b = slice(lo, lo + states)
        for jo in range(0, n, cols):
            j = slice(jo, jo + cols)
            # best[s, i, j] = max over a of R[s, a, j] + d * stay[s, a, j] * Vc[s, i, j]
            lines = (R[b, :, j].transpose(0, 2, 1)[:, None]
                     + d * stay[b, :, j].transpose(0, 2, 1)[:, None] * Vc[b, :, j][..., None])
            ok[b, :, j] = Vc[b, :, j] >= lines.max(axis=3) - eps[b]
    return ok


def own_step(game: StochasticGame, V: np.ndarray, stay: np.ndarray, selection: str,
             tol: float, keep: tuple[np.ndarray, np.ndarray] | None = None) -> Step:
    """:func:`stage_step` for the infinite game, with each state's own value solved for.

    A profile c played for ever in state s, with the other states' values ``V``, is worth
    ``Vc = R(c) / (1 - discount * stay(c))``, where R adds to the stage payoff what the
    moves to other states are worth. The pure profiles that are equilibria of state s's
    continuation game *at their own value Vc* (not at the value of whatever was played
    before) are found for all states at once, and one is selected by its Vc. A state with
    none is solved whole at ``V``, as :func:`stage_step` does. Without solving for its own
    value, a state whose profiles differ in how likely they are to stay can make value
    iteration cycle for ever: each choice changes the value that made it."""
    A, B, d = game.A, game.B, game.discount
    S, m, n = A.shape
    W = (game.T @ V).reshape(S, m, n, 2)
    RA = A + d * (W[..., 0] - stay * V[:, 0, None, None])
    RB = B + d * (W[..., 1] - stay * V[:, 1, None, None])
    VA, VB = RA / (1 - d * stay), RB / (1 - d * stay)
    scale = np.maximum(1.0, np.abs(VA).max(axis=(1, 2)) + np.abs(VB).max(axis=(1, 2)))
    eps = tol * scale[:, None, None]
    ok = _self_consistent(RA, VA, stay, d, eps, axis=1) & \
        _self_consistent(RB, VB, stay, d, eps, axis=2)
    QA = A + d * W[..., 0]
    QB = B + d * W[..., 1]
    X, Y = np.zeros((S, m)), np.zeros((S, n))
    kept = np.zeros(S, dtype=bool)
    if keep is not None:
        flat = (keep[0].argmax(axis=1) * n + keep[1].argmax(axis=1))
        purely = (keep[0].max(axis=1) == 1) & (keep[1].max(axis=1) == 1)
        kept = purely & ok.reshape(S, -1)[np.arange(S), flat]
        X[kept], Y[kept] = keep[0][kept], keep[1][kept]
    counts = ok.sum(axis=(1, 2))
    pure = counts > 0
    idx = np.flatnonzero(pure & ~kept)
    if len(idx):
        flat = _pick_pure(VA[idx], VB[idx], ok[idx], selection, scale[idx])
        X[idx, flat // n] = 1.0
        Y[idx, flat % n] = 1.0
    complete = pure.copy()
    values = _paid(VA, VB, X, Y)
    rest = np.flatnonzero(~pure)
    if len(rest):
        mixed = stage_step(QA[rest], QB[rest], selection, tol)
        X[rest], Y[rest], values[rest] = mixed.X, mixed.Y, mixed.values
        counts[rest], complete[rest] = mixed.counts, mixed.complete
    return Step(X, Y, values, pure, counts, complete)


def _check_selection(selection: str) -> None:
    if selection not in SELECTIONS:
        raise UsageError(f"unknown selection '{selection}' (one of {', '.join(SELECTIONS)})")


@dataclass(frozen=True, eq=False)
class SubgamePerfect:
    """The selected subgame-perfect equilibrium, period t = 0..horizon-1 first: ``X``
    (T, S, m) and ``Y`` (T, S, n) the strategies of each period and state, ``values``
    (T, S, 2) the players' payoffs from period t on; ``pure``, ``counts`` and ``complete``
    (T, S) as in :class:`Step`."""

    X: np.ndarray
    Y: np.ndarray
    values: np.ndarray
    pure: np.ndarray
    counts: np.ndarray
    complete: np.ndarray
    selection: str

    def strategy(self, t: int, s: int) -> tuple[np.ndarray, np.ndarray]:
        return self.X[t, s], self.Y[t, s]


def backward_induction(game: StochasticGame, horizon: int, *, selection: str = "pareto",
                       tol: float = 1e-9) -> SubgamePerfect:
    """The subgame-perfect equilibrium of ``game`` played for ``horizon`` periods, period
    by period from the last (see the module's description)."""
    _check_selection(selection)
    if isinstance(horizon, bool) or not isinstance(horizon, int) or horizon < 1:
        raise UsageError(f"the horizon must be a whole number of periods >= 1, got {horizon!r}")
    V = np.zeros((game.states, 2))
    steps: list[Step] = []
    for _ in range(horizon):
        step = stage_step(*game.continuation_all(V), selection, tol)
        steps.append(step)
        V = step.values
    steps.reverse()  # built from the last period back: period 0 first
    stacked = {f: np.stack([getattr(s, f) for s in steps])
               for f in ("X", "Y", "values", "pure", "counts", "complete")}
    return SubgamePerfect(selection=selection, **stacked)


def policy_values(game: StochasticGame, X: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """The players' discounted values (S, 2) of playing (X[s], Y[s]) in every state for
    ever: the solution of V = r + discount * M V (discount < 1), by a sparse LU."""
    M = game.move_matrix(X, Y)
    system = (sp.identity(game.states, format="csc") - game.discount * M).tocsc()
    return np.asarray(spla.splu(system).solve(game.stage_values(X, Y)))


def regret(game: StochasticGame, X: np.ndarray, Y: np.ndarray, V: np.ndarray) -> float:
    """The largest gain any player has from a one-period deviation in any state, with the
    values ``V`` to follow (at the strategies' own values: zero for an equilibrium)."""
    row, col = _gains(*game.continuation_all(V), X, Y)
    return float(max(row.max(), col.max()))


@dataclass(frozen=True, eq=False)
class MarkovPerfect:
    """A Markov perfect equilibrium: ``X`` (S, m) and ``Y`` (S, n) the strategies per
    state and ``values`` (S, 2) their exact values; ``iterations`` of value iteration,
    ``converged`` whether the values settled; ``regret``: the largest gain any player has
    from deviating in any state's continuation game at those values (an equilibrium when
    within tolerance: ``verified``); ``pure``, ``counts`` and ``complete`` as in
    :class:`Step`, for the last sweep."""

    X: np.ndarray
    Y: np.ndarray
    values: np.ndarray
    iterations: int
    converged: bool
    regret: float
    verified: bool
    selection: str
    pure: np.ndarray
    counts: np.ndarray
    complete: np.ndarray
    exact_evaluations: int = 0
    ending: str = ""

    def strategy(self, s: int) -> tuple[np.ndarray, np.ndarray]:
        return self.X[s], self.Y[s]


def _fingerprint(step: Step) -> bytes:
    return hashlib.blake2b(step.X.tobytes() + step.Y.tobytes(), digest_size=16).digest()


def markov_perfect(game: StochasticGame, *, selection: str = "pareto", tol: float = 1e-9,
                   max_iterations: int = MAX_ITERATIONS) -> MarkovPerfect:
    """A Markov perfect equilibrium of the infinitely repeated ``game`` (discount < 1) by
    value iteration with ``selection``, verified at the exact values of its strategies.

    Value iteration with a selection need not settle: the selected strategies can come back
    in a cycle, each sweep's choice changing the values that made it. Whenever the selected
    strategies are ones already seen (the same as the sweep before, or in a cycle), their
    exact values are computed and checked: strategies with no profitable one-shot deviation
    in any state at their own values are a Markov perfect equilibrium, and the search ends
    there (``ending`` says which way it ended)."""
    _check_selection(selection)
    if not game.discount < 1:
        raise UsageError("a Markov perfect equilibrium of the infinite game needs a discount "
                         "factor below 1")
    stay = game.stay
    step = own_step(game, np.zeros((game.states, 2)), stay, selection, tol)
    seen = {_fingerprint(step)}
    converged, k, runs, ending = False, 0, 0, ""
    best: tuple[float, Step] | None = None
    for k in range(1, max_iterations + 1):  # noqa: B007 (k is reported)
        new = own_step(game, step.values, stay, selection, tol, keep=(step.X, step.Y))
        moved = float(np.abs(new.values - step.values).max())
        if moved <= VALUE_TOL * max(1.0, float(np.abs(new.values).max())):
            converged, step, ending = True, new, "the values settled"
            break
        mark = _fingerprint(new)
        if mark in seen:  # settled or cycling: are these strategies an equilibrium?
            exact = policy_values(game, new.X, new.Y)
            runs += 1
            worst = regret(game, new.X, new.Y, exact)
            checked = Step(new.X, new.Y, exact, new.pure, new.counts, new.complete)
            if best is None or worst < best[0]:
                best = (worst, checked)
            if worst <= _VERIFY * max(1.0, float(np.abs(exact).max())):
                step, ending = checked, ("the selected strategies came back; at their exact "
                                         "values no player gains by deviating in any state")
                break
            new = checked  # go on from the exact values
        seen.add(mark)
        step = new
    else:
        ending = f"no equilibrium within {max_iterations:,} sweeps: the least regret is shown"
        if best is not None:
            step = best[1]
    exact = policy_values(game, step.X, step.Y)
    worst = regret(game, step.X, step.Y, exact)
    scale = max(1.0, float(np.abs(exact).max()))
    if not converged and worst <= _VERIFY * scale:  # a fixed point of the selection too?
        again = own_step(game, exact, stay, selection, tol, keep=(step.X, step.Y))
        converged = _fingerprint(again) == _fingerprint(step)
        if converged:
            ending = "the selected strategies settled; their exact values are a fixed point"
    return MarkovPerfect(step.X, step.Y, exact, k, converged, worst, worst <= _VERIFY * scale,
                         selection, step.pure, step.counts, step.complete, runs, ending)
