"""Properties of the solvers that hold for every game, checked with hypothesis."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from model.solvers import iterated_dominance, pure_equilibria, pure_equilibria_batch
from model.solvers.equilibria import solve
from model.solvers.results import SolveResult

SETTINGS = settings(max_examples=50, deadline=None)

Exact = tuple[tuple[Fraction, ...], tuple[Fraction, ...]]


@st.composite
def games(
    draw: st.DrawFn, max_size: int = 4, decimals: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Small games with integer payoffs in [-3, 3] (many ties, so often degenerate), or with
    two-decimal payoffs."""
    m = draw(st.integers(1, max_size))
    n = draw(st.integers(1, max_size))
    hi = 300 if decimals else 3
    elements = st.integers(-hi, hi)
    A = draw(arrays(np.int64, (m, n), elements=elements)).astype(float)
    B = draw(arrays(np.int64, (m, n), elements=elements)).astype(float)
    if decimals:
        A, B = A / 100, B / 100
    return A, B


any_game = st.one_of(games(), games(decimals=True))


def exact(result: SolveResult) -> list[Exact]:
    out = []
    for e in result.equilibria:
        assert e.exact_strategies is not None
        out.append(e.exact_strategies)
    return out


def components(result: SolveResult) -> set[frozenset[Exact]]:
    eqs = exact(result)
    return {frozenset(eqs[k] for k in comp) for comp in result.components}


@SETTINGS
@given(any_game)
def test_strategies_are_probability_vectors_and_best_replies(
    game: tuple[np.ndarray, np.ndarray],
) -> None:
    A, B = game
    result = solve(A, B)
    assert result.equilibria, "every finite game has an equilibrium (Nash 1951)"
    for e in result.equilibria:
        x, y = e.strategies
        assert x.min() >= 0 and y.min() >= 0
        assert abs(x.sum() - 1) < 1e-12 and abs(y.sum() - 1) < 1e-12
        assert e.exact_strategies is not None
        assert sum(e.exact_strategies[0]) == 1 and sum(e.exact_strategies[1]) == 1
        Ay, xB = A @ y, x @ B
        assert Ay.max() - x @ Ay <= 1e-9 * max(1.0, np.abs(A).max())
        assert xB.max() - xB @ y <= 1e-9 * max(1.0, np.abs(B).max())
        # support = the actions played; they are best replies
        assert e.support == (tuple(np.flatnonzero(x)), tuple(np.flatnonzero(y)))
    covered = {k for comp in result.components for k in comp}
    assert covered == set(range(len(result.equilibria)))
    assert len(set(exact(result))) == len(result.equilibria)
    assert list(result.pure) == pure_equilibria(A, B)


@SETTINGS
@given(any_game, st.randoms(use_true_random=False))
def test_relabelling_actions_permutes_the_answer(
    game: tuple[np.ndarray, np.ndarray], rnd: object
) -> None:
    A, B = game
    m, n = A.shape
    p = list(range(m))
    q = list(range(n))
    rnd.shuffle(p)  # type: ignore[attr-defined]
    rnd.shuffle(q)  # type: ignore[attr-defined]
    before = solve(A, B)
    after = solve(A[np.ix_(p, q)], B[np.ix_(p, q)])

    def relabel(e: Exact) -> Exact:
        x, y = e
        return tuple(x[i] for i in p), tuple(y[j] for j in q)

    assert sorted(exact(after)) == sorted(relabel(e) for e in exact(before))
    assert components(after) == {frozenset(relabel(e) for e in c) for c in components(before)}
    assert after.degenerate == before.degenerate
    p_inv = np.argsort(p)
    q_inv = np.argsort(q)
    assert sorted(after.pure) == sorted((int(p_inv[i]), int(q_inv[j])) for i, j in before.pure)
    assert sorted(after.pareto) == sorted((int(p_inv[i]), int(q_inv[j])) for i, j in before.pareto)
    assert sorted(p[i] for i in after.dominance.rows) == list(before.dominance.rows)
    assert sorted(q[j] for j in after.dominance.cols) == list(before.dominance.cols)
    payoffs = sorted(e.exact_payoffs for e in before.equilibria if e.exact_payoffs)
    assert sorted(e.exact_payoffs for e in after.equilibria if e.exact_payoffs) == payoffs


@SETTINGS
@given(
    any_game,
    st.sampled_from([-7.0, -0.5, 0.0, 2.0, 25.0]),
    st.sampled_from([0.5, 1.0, 3.0, 10.0]),
)
def test_positive_affine_changes_of_payoffs_change_nothing(
    game: tuple[np.ndarray, np.ndarray], shift: float, factor: float
) -> None:
    A, B = game
    before = solve(A, B)
    for A2, B2 in [(A + shift, B), (A, B * factor), (A * factor + shift, B + shift)]:
        after = solve(A2, B2)
        assert exact(after) == exact(before)
        assert after.components == before.components
        assert after.degenerate == before.degenerate
        assert after.pure == before.pure
        assert after.dominance.rows == before.dominance.rows
        assert after.dominance.cols == before.dominance.cols


@SETTINGS
@given(
    st.integers(1, 4),
    st.integers(1, 4),
    st.integers(0, 12),
    st.data(),
)
def test_batch_pure_equilibria_equal_one_by_one(
    m: int, n: int, N: int, data: st.DataObject
) -> None:
    elements = st.integers(-2, 2)
    A = data.draw(arrays(np.int64, (N, m, n), elements=elements)).astype(float)
    B = data.draw(arrays(np.int64, (N, m, n), elements=elements)).astype(float)
    mask = pure_equilibria_batch(A, B)
    assert mask.shape == (N, m, n)
    for k in range(N):
        assert [(int(i), int(j)) for i, j in np.argwhere(mask[k])] == pure_equilibria(A[k], B[k])


@SETTINGS
@given(st.one_of(games(max_size=5), games(max_size=5, decimals=True)))
def test_dominance_steps_are_real_and_spare_every_equilibrium(
    game: tuple[np.ndarray, np.ndarray],
) -> None:
    A, B = game
    tol = 1e-9
    result = iterated_dominance(A, B, tol=tol)
    alive = [list(range(A.shape[0])), list(range(A.shape[1]))]
    for step in result.steps:
        U = A if step.player == 0 else B.T
        opponent = alive[1 - step.player]
        assert step.action in alive[step.player]
        assert step.action not in step.dominated_by
        assert set(step.dominated_by) <= set(alive[step.player])
        assert abs(sum(step.dominated_by.values()) - 1) < 1e-9
        mix = sum(prob * U[k, opponent] for k, prob in step.dominated_by.items())
        margin = float((mix - U[step.action, opponent]).min())
        assert abs(margin - step.margin) < 1e-9
        scale = np.abs(U).max() or 1.0
        assert margin > tol * scale
        assert (step.kind == "pure") == (len(step.dominated_by) == 1)
        alive[step.player].remove(step.action)
    assert [list(result.rows), list(result.cols)] == alive
    solved = solve(A, B)
    for e in solved.equilibria:
        x, y = e.strategies
        for step in result.steps:
            assert (x if step.player == 0 else y)[step.action] == 0
