"""``solve_batch`` gives, game by game, what ``solve`` gives."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import model
from model.solvers import SolverError
from model.solvers.batch import snap_batch, undominated_batch
from model.solvers.enumeration import (
    _enumerate_ints,
    _enumerate_pruned,
    _pure_witness_of_ints,
    _undominated,
)
from model.solvers.equilibria import solve, solve_batch
from model.solvers.float_enumeration import snap_integers
from model.solvers.results import EXACT_METHOD, FLOAT_METHOD, SolveResult

ROOT = Path(__file__).resolve().parents[1]


def assert_same(got: SolveResult, want: SolveResult) -> None:
    assert got.method == want.method and got.exact is want.exact
    assert got.shape == want.shape and got.tol == want.tol
    assert len(got.equilibria) == len(want.equilibria)
    for g, w in zip(got.equilibria, want.equilibria, strict=True):
        assert np.array_equal(g.strategies[0], w.strategies[0])
        assert np.array_equal(g.strategies[1], w.strategies[1])
        assert g.exact_strategies == w.exact_strategies
        assert g.exact_payoffs == w.exact_payoffs
        assert g.payoffs == w.payoffs and g.support == w.support and g.pure == w.pure
        assert g.regret == w.regret
    assert got.components == want.components
    assert got.degenerate is want.degenerate
    assert got.degeneracy_reason == want.degeneracy_reason
    assert got.pure == want.pure and got.pareto == want.pareto


def test_a_mixed_batch_equals_one_by_one() -> None:
    rng = np.random.default_rng(1)
    N, m, n = 60, 4, 5
    A = rng.normal(size=(N, m, n))
    B = rng.normal(size=(N, m, n))
    A[10:20] = rng.integers(-2, 3, size=(10, m, n))  # degenerate, mostly
    B[10:20] = rng.integers(-2, 3, size=(10, m, n))
    A[20:25] = np.round(A[20:25], 1)
    A[30], B[30] = A[3], B[3]  # duplicates
    A[31], B[31] = A[10], B[10]
    A[40] *= 1e6  # tolerances are per game
    results = solve_batch(A, B)
    assert len(results) == N
    methods = set()
    for k in range(N):
        assert_same(results[k], solve(A[k], B[k]))
        methods.add(results[k].method)
    assert methods == {FLOAT_METHOD, EXACT_METHOD}
    assert results[5].dominance == solve(A[5], B[5]).dominance


def test_games_the_kernel_declines_go_to_the_exact_engine() -> None:
    # x = (1/2, 1/2, 0) makes all three columns tie, though no pure strategy has a tie
    A = np.array([[[1, 0, 0], [0, 1, 0], [0, 0, 1]]], dtype=float)
    B = np.array([[[2, 0, 1], [0, 2, 1], [3, 0, 0]]], dtype=float)
    rng = np.random.default_rng(6)
    A = np.concatenate([A, rng.normal(size=(3, 3, 3))])
    B = np.concatenate([B, rng.normal(size=(3, 3, 3))])
    results = solve_batch(A, B)
    assert results[0].method == EXACT_METHOD and results[0].degenerate
    assert {r.method for r in results[1:]} == {FLOAT_METHOD}
    for k, got in enumerate(results):
        assert_same(got, solve(A[k], B[k]))


def test_the_exact_method_and_small_games() -> None:
    rng = np.random.default_rng(2)
    A, B = rng.normal(size=(2, 6, 3, 3))
    for got, k in zip(solve_batch(A, B, method="exact"), range(6), strict=True):
        assert_same(got, solve(A[k], B[k], method="exact"))
    A, B = rng.integers(0, 2, size=(2, 8, 2, 3)).astype(float)
    for got, k in zip(solve_batch(A, B), range(8), strict=True):
        assert_same(got, solve(A[k], B[k]))
    A, B = rng.normal(size=(2, 5, 1, 8))
    for got, k in zip(solve_batch(A, B), range(5), strict=True):
        assert_same(got, solve(A[k], B[k]))


def test_the_baseline_over_a_grid_of_two_parameters() -> None:
    game = model.load(ROOT / "payoffs" / "baseline.yaml")
    names = list(game.parameters)[:2]
    lo = [game.parameters[p].low for p in names]
    hi = [game.parameters[p].high for p in names]
    g0, g1 = np.meshgrid(np.linspace(lo[0], hi[0], 4), np.linspace(lo[1], hi[1], 4))
    A, B = game.matrices_batch({names[0]: g0.ravel(), names[1]: g1.ravel()})
    results = solve_batch(A, B)
    for k, got in enumerate(results):
        assert_same(got, solve(A[k], B[k]))


def test_an_empty_batch_and_bad_input() -> None:
    assert solve_batch(np.zeros((0, 3, 3)), np.zeros((0, 3, 3))) == []
    with pytest.raises(SolverError, match="3-D"):
        solve_batch(np.zeros((3, 3)), np.zeros((3, 3)))
    with pytest.raises(SolverError, match="methods auto and exact"):
        solve_batch(np.zeros((1, 3, 3)), np.zeros((1, 3, 3)), method="lemke_howson")
    with pytest.raises(SolverError, match="too large"):
        solve_batch(np.zeros((1, 30, 30)), np.zeros((1, 30, 30)))


def test_snapping_a_batch_matches_one_by_one() -> None:
    rng = np.random.default_rng(3)
    M = rng.normal(size=(20, 3, 4)) * 10.0 ** rng.integers(-4, 6, size=(20, 1, 1))
    ints, grids = snap_batch(M, 1e-9)
    for k in range(20):
        one, grid = snap_integers(M[k], 1e-9)
        assert grids[k] == grid and ints[k].tolist() == one.tolist()


def test_vectorised_dominance_matches_one_by_one() -> None:
    rng = np.random.default_rng(4)
    A = rng.integers(-3, 4, size=(200, 4, 5))
    B = rng.integers(-3, 4, size=(200, 4, 5))
    rows, cols = undominated_batch(A, B)
    for k in range(200):
        r, c = _undominated(A[k].tolist(), B[k].tolist())
        assert np.flatnonzero(rows[k]).tolist() == r
        assert np.flatnonzero(cols[k]).tolist() == c


def test_pruning_dominated_actions_keeps_the_exact_answer() -> None:
    rng = np.random.default_rng(5)
    pruned = 0
    for _ in range(80):
        m, n = rng.integers(2, 6, size=2)
        A = rng.integers(-3, 4, size=(m, n)).tolist()
        B = rng.integers(-3, 4, size=(m, n)).tolist()
        grid = (1, 1)
        full = _enumerate_ints(A, B, grid)  # type: ignore[arg-type]
        short = _enumerate_pruned(A, B, grid)  # type: ignore[arg-type]
        assert short.x_exact == full.x_exact and short.y_exact == full.y_exact
        assert short.payoffs_exact == full.payoffs_exact
        assert short.components == full.components
        assert short.degeneracy_witness == full.degeneracy_witness
        assert np.array_equal(short.x, full.x) and np.array_equal(short.y, full.y)
        if _pure_witness_of_ints(A, B) is not None and sum(short.num_vertices) < sum(
            full.num_vertices
        ):
            pruned += 1
    assert pruned > 10
