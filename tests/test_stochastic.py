"""Games with a state: backward induction and Markov perfect equilibria against known answers,
and every Markov perfect equilibrium checked here on its own terms (values from a linear
system solved in the test, then no profitable one-shot deviation in any state).

Known answers: the finitely repeated prisoner's dilemma has one subgame-perfect equilibrium,
defection in every period (Luce and Raiffa 1957; any game theory text, e.g. Osborne and
Rubinstein 1994, Prop. 155.1 for the finitely repeated game with a unique stage equilibrium);
a game in which only one player moves is a Markov decision problem, whose Markov perfect
equilibrium is its optimal policy (Bellman's optimality equation).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from model.errors import UsageError
from model.negotiation.stochastic import StochasticGame, backward_induction, markov_perfect

PD_A = np.array([[3.0, 0.0], [5.0, 1.0]])  # row: cooperate, defect


def _pd(discount: float) -> StochasticGame:
    return StochasticGame(PD_A[None], PD_A.T[None], np.ones((1, 2, 2, 1)), discount)


@pytest.mark.parametrize("discount", [1.0, 0.9])
def test_finitely_repeated_prisoners_dilemma_defects_every_period(discount: float) -> None:
    T = 10
    r = backward_induction(_pd(discount), horizon=T)
    for t in range(T):
        x, y = r.strategy(t, 0)
        assert x.argmax() == 1 and y.argmax() == 1 and x.max() == 1 and y.max() == 1
        assert r.counts[t].tolist() == [1] and r.pure[t].tolist() == [True]
    expected = sum(discount ** k for k in range(T))
    assert r.values[0, 0] == pytest.approx((expected, expected))


def test_infinitely_repeated_prisoners_dilemma_markov_equilibrium_is_stage_nash() -> None:
    r = markov_perfect(_pd(0.9))
    assert r.converged and r.verified
    assert r.X[0].argmax() == 1 and r.Y[0].argmax() == 1
    assert r.values[0] == pytest.approx((10.0, 10.0))


def _own_regret(g: StochasticGame, X: np.ndarray, Y: np.ndarray) -> float:
    S = g.states
    r = np.zeros((S, 2))
    M = np.zeros((S, S))
    strategies = list(zip(X, Y, strict=True))
    for s, (x, y) in enumerate(strategies):
        for i, j in itertools.product(range(g.A.shape[1]), range(g.A.shape[2])):
            p = x[i] * y[j]
            r[s] += p * np.array([g.A[s, i, j], g.B[s, i, j]])
            M[s] += p * g.P[s, i, j]
    V = np.linalg.solve(np.eye(S) - g.discount * M, r)
    worst = 0.0
    for s, (x, y) in enumerate(strategies):
        QA = g.A[s] + g.discount * g.P[s] @ V[:, 0]
        QB = g.B[s] + g.discount * g.P[s] @ V[:, 1]
        worst = max(worst, (QA @ y).max() - x @ QA @ y, (x @ QB).max() - x @ QB @ y)
    return float(worst)


def test_a_one_player_game_is_solved_by_its_optimal_policy() -> None:
    # two states; the row player stays (0) or moves (1); moving costs 1 and switches state
    reward = np.array([[2.0, 1.0], [5.0, 4.0]])  # state 0 pays 2 (stay) / 1 (move); state 1 ...
    A = reward[:, :, None]
    B = np.zeros_like(A)
    P = np.zeros((2, 2, 1, 2))
    for s in (0, 1):
        P[s, 0, 0, s] = 1.0
        P[s, 1, 0, 1 - s] = 1.0
    g = StochasticGame(A, B, P, 0.9)
    r = markov_perfect(g)
    # the best of the four stationary policies, by solving each one's linear system here
    best = -np.inf
    for a0, a1 in itertools.product((0, 1), repeat=2):
        R = np.array([reward[0, a0], reward[1, a1]])
        M = np.array([P[0, a0, 0], P[1, a1, 0]])
        best = max(best, np.linalg.solve(np.eye(2) - 0.9 * M, R)[0])
    assert r.values[0, 0] == pytest.approx(best)
    assert r.X[0].argmax() == 1 and r.X[1].argmax() == 0
    assert r.converged and r.verified


@given(seed=st.integers(0, 10_000))
@settings(max_examples=12, deadline=None)
def test_every_markov_perfect_equilibrium_reported_as_verified_is_one(seed: int) -> None:
    rng = np.random.default_rng(seed)
    S, m, n = 2, 2, 2
    A = rng.integers(-5, 6, (S, m, n)).astype(float)
    B = rng.integers(-5, 6, (S, m, n)).astype(float)
    P = rng.dirichlet(np.ones(S), (S, m, n))
    g = StochasticGame(A, B, P, 0.8)
    r = markov_perfect(g, max_iterations=2000)
    own = _own_regret(g, r.X, r.Y)
    assert abs(own - r.regret) < 1e-6 * max(1.0, float(np.abs(r.values).max()))
    if r.verified:
        assert own < 1e-6 * max(1.0, float(np.abs(r.values).max()))


def test_bad_games_are_refused() -> None:
    with pytest.raises(UsageError, match="probability distribution"):
        StochasticGame(PD_A[None], PD_A.T[None], np.full((1, 2, 2, 1), 0.5), 0.9)
    with pytest.raises(UsageError, match="discount"):
        StochasticGame(PD_A[None], PD_A.T[None], np.ones((1, 2, 2, 1)), 1.5)
    with pytest.raises(UsageError, match="below 1"):
        markov_perfect(_pd(1.0))
    with pytest.raises(UsageError, match="horizon"):
        backward_induction(_pd(0.9), horizon=0)
    with pytest.raises(UsageError, match="unknown selection"):
        backward_induction(_pd(0.9), horizon=2, selection="best")
