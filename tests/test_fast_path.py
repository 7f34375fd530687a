"""The floating-point path of ``solve`` gives exactly the exact engine's answer, and hands a
game it cannot vouch for to the exact engine."""

from __future__ import annotations

import json
import pickle
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from model.solvers import SolverError, iterated_dominance, pareto_optimal_profiles
from model.solvers._common import snap_to_integers
from model.solvers._vertex_kernel import DEGENERATE, OK, TOO_MANY, game_equilibria
from model.solvers.batch import pareto_batch
from model.solvers.equilibria import solve
from model.solvers.float_enumeration import (
    TIE_REASON,
    _certify,
    _cofactors,
    _solve_last,
    float_equilibria,
    positive_scaled,
    snap_integers,
    vertex_bound,
)
from model.solvers.results import EXACT_METHOD, FLOAT_METHOD, SMALL_GAME, SolveResult

KNOWN = Path(__file__).resolve().parent / "data" / "games" / "known_equilibria.json"


def same_answer(fast: SolveResult, exact: SolveResult) -> None:
    """Everything but the method: the same equilibria (count, then one by one), as the same
    fractions, in the same order, with the same components and degeneracy."""
    assert len(fast.equilibria) == len(exact.equilibria)
    for e, f in zip(exact.equilibria, fast.equilibria, strict=True):
        np.testing.assert_allclose(f.strategies[0], e.strategies[0], rtol=0, atol=1e-6)
        np.testing.assert_allclose(f.strategies[1], e.strategies[1], rtol=0, atol=1e-6)
        assert f.exact_strategies == e.exact_strategies
        assert f.exact_payoffs == e.exact_payoffs
        assert f.payoffs == e.payoffs
        assert f.support == e.support and f.pure == e.pure
        assert np.array_equal(f.strategies[0], e.strategies[0])
        assert np.array_equal(f.strategies[1], e.strategies[1])
    assert fast.components == exact.components
    assert fast.degenerate is exact.degenerate
    assert fast.degeneracy_reason == exact.degeneracy_reason
    assert fast.pure == exact.pure and fast.pareto == exact.pareto
    assert fast.shape == exact.shape and fast.tol == exact.tol


def compare(A: Any, B: Any) -> SolveResult:
    fast = solve(A, B)
    exact = solve(A, B, method="exact")
    assert exact.method == EXACT_METHOD and exact.exact
    same_answer(fast, exact)
    assert fast.method in (FLOAT_METHOD, EXACT_METHOD)
    assert fast.exact is (fast.method == EXACT_METHOD)
    return fast


# ---------------------------------------------------------------------------------------
# random games of several kinds


def _games(seed: int, count: int, kind: str) -> list[Any]:
    rng = np.random.default_rng(seed)
    out = []
    for k in range(count):
        if kind == "normal":
            m, n = rng.integers(2, 8, size=2)
            A, B = rng.normal(size=(2, m, n))
        elif kind == "ints":
            m, n = rng.integers(2, 6, size=2)
            A, B = rng.integers(-2, 3, size=(2, m, n)).astype(float)
        elif kind == "rect":
            m, n = [(2, 7), (7, 2), (3, 8), (8, 3), (2, 9)][k % 5]
            A, B = rng.normal(size=(2, m, n))
        else:  # a single row or column
            m, n = [(1, 7), (7, 1), (1, 9), (9, 1)][k % 4]
            A, B = rng.normal(size=(2, m, n))
            if k % 3 == 0:
                A, B = np.round(A), np.round(B)
        out.append(pytest.param(A, B, id=f"{kind}-{m}x{n}-{k}"))
    return out


@pytest.mark.parametrize(("A", "B"), _games(1, 30, "normal"))
def test_nondegenerate_real_valued_games_go_the_float_way(A: Any, B: Any) -> None:
    result = compare(A, B)
    if A.size > SMALL_GAME:
        assert result.method == FLOAT_METHOD and not result.exact


@pytest.mark.parametrize(("A", "B"), _games(2, 30, "ints"))
def test_small_integer_games(A: Any, B: Any) -> None:
    result = compare(A, B)
    if result.degenerate:
        assert result.method == EXACT_METHOD


@pytest.mark.parametrize(("A", "B"), _games(3, 10, "rect") + _games(4, 8, "line"))
def test_rectangular_and_single_line_games(A: Any, B: Any) -> None:
    compare(A, B)


def test_payoffs_snapped_beyond_int64() -> None:
    # tol=1e-15 snaps to 1e-18 of the largest payoff: integers of about 1e18 and more
    rng = np.random.default_rng(6)
    A, B = rng.normal(size=(2, 5, 4))
    assert snap_integers(A, 1e-15)[0].dtype == object
    fast = solve(A, B, tol=1e-15)
    assert fast.method == FLOAT_METHOD
    same_answer(fast, solve(A, B, tol=1e-15, method="exact"))


def test_eight_by_eight_and_ten_by_ten() -> None:
    rng = np.random.default_rng(5)
    for m in (8, 8, 10):
        A, B = rng.normal(size=(2, m, m))
        assert compare(A, B).method == FLOAT_METHOD


def _known() -> list[Any]:
    games = json.loads(KNOWN.read_text())["games"]
    return [pytest.param(g, id=g["name"]) for g in games]


@pytest.mark.parametrize("game", _known())
def test_known_games(game: dict[str, Any]) -> None:
    A = np.array(game["A"], dtype=float)
    B = np.array(game["B"], dtype=float)
    compare(A, B)
    found, why = float_equilibria(A, B, 1e-9)
    if game["degenerate"]:
        assert found is None and why
    elif found is not None:
        exact = solve(A, B, method="exact")
        assert found.x_exact == tuple(e.exact_strategies[0] for e in exact.equilibria)  # type: ignore[index]
        assert found.y_exact == tuple(e.exact_strategies[1] for e in exact.equilibria)  # type: ignore[index]


# ---------------------------------------------------------------------------------------
# falling back


def test_a_pure_tie_goes_to_the_exact_engine() -> None:
    A = [[1, 0, 2], [1, 2, 0], [0, 1, 1]]  # column 0: rows 0 and 1 tie
    B = [[2, 1, 0], [0, 1, 2], [1, 2, 0]]
    found, why = float_equilibria(np.array(A, float), np.array(B, float), 1e-9)
    assert found is None and why == TIE_REASON
    result = compare(A, B)
    assert result.method == EXACT_METHOD and result.degenerate


def test_a_mixed_degeneracy_is_caught_by_the_kernel() -> None:
    # No pure strategy has tied best replies, but x = (1/2, 1/2, 0) makes all columns tie.
    A = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1]], dtype=float)
    B = np.array([[2, 0, 1], [0, 2, 1], [3, 0, 0]], dtype=float)
    status, *_ = game_equilibria(positive_scaled(A), positive_scaled(B), 1e-9, 1e7, 1e-9, 1_000_000)
    assert status == DEGENERATE
    found, why = float_equilibria(A, B, 1e-9)
    assert found is None and "degenerate" in why
    result = compare(A, B)
    assert result.method == EXACT_METHOD and result.degenerate


@pytest.mark.parametrize("eps", [1e-4, 1e-8, 1e-11])
def test_near_ties_are_left_to_the_exact_engine(eps: float) -> None:
    rng = np.random.default_rng(7)
    A, B = rng.normal(size=(2, 4, 4))
    A[1, 2] = A[0, 2] * (1 + eps)  # rows 0 and 1 nearly tie against column 2
    B[3, 0] = B[3, 1] * (1 - eps)
    result = compare(A, B)
    if eps < 1e-10:  # far below the margin the kernel demands
        assert result.method == EXACT_METHOD


def test_an_ill_conditioned_game_falls_back() -> None:
    game = next(
        g
        for g in json.loads(KNOWN.read_text())["games"]
        if g["name"] == "savani_vonstengel_dual_cyclic_8x8"
    )
    A, B = np.array(game["A"], float), np.array(game["B"], float)
    found, why = float_equilibria(A, B, 1e-9)
    assert found is None and "ill-conditioned" in why
    assert len(compare(A, B).equilibria) == game["num_equilibria"]


def test_a_missing_equilibrium_breaks_the_index_sum() -> None:
    # Battle of the sexes: indices +1, +1 and -1. Any two of the three do not add up to +1.
    A = np.array([[2, 0], [0, 1]])
    B = np.array([[1, 0], [0, 2]])
    x = np.array([[1.0, 0.0], [0.0, 1.0], [2 / 3, 1 / 3]])
    y = np.array([[1.0, 0.0], [0.0, 1.0], [1 / 3, 2 / 3]])
    grid = (Fraction(1), Fraction(1))
    whole = _certify(A, B, grid, x, y)
    assert whole is not None and len(whole) == 3
    assert whole.x_exact[2] == (Fraction(2, 3), Fraction(1, 3))
    for drop in range(3):
        keep = [k for k in range(3) if k != drop]
        assert _certify(A, B, grid, x[keep], y[keep]) is None


def test_a_wrong_support_fails_the_exact_check() -> None:
    A = np.array([[2, 0], [0, 1]])
    B = np.array([[1, 0], [0, 2]])
    grid = (Fraction(1), Fraction(1))
    # (row 0, column 1) is no equilibrium: row 1 pays more against column 1.
    assert _certify(A, B, grid, np.array([[1.0, 0.0]]), np.array([[0.0, 1.0]])) is None


def test_the_kernel_stops_at_its_vertex_limit() -> None:
    rng = np.random.default_rng(8)
    A, B = rng.normal(size=(2, 6, 6))
    status, *_ = game_equilibria(positive_scaled(A), positive_scaled(B), 1e-9, 1e7, 1e-9, 5)
    assert status == TOO_MANY
    status, *_ = game_equilibria(positive_scaled(A), positive_scaled(B), 1e-9, 1e7, 1e-9, 1_000_000)
    assert status == OK


# ---------------------------------------------------------------------------------------
# pieces


def test_snapping_matches_the_exact_rounding() -> None:
    rng = np.random.default_rng(10)
    cases = []
    for _ in range(60):
        M = rng.normal(size=(3, 4)) * 10.0 ** rng.integers(-6, 9)
        cases.append((M, float(10.0 ** -rng.integers(2, 14))))
    # exactly and nearly half-way between two grid points, ties, zeros, huge and tiny values
    half = (np.arange(12).reshape(3, 4) + 0.5) * 1e-12
    cases += [(half, 1e-9), (half * (1 + 1e-15), 1e-9), (np.zeros((2, 2)), 1e-9)]
    cases += [(np.array([[1e300, -1e300], [1.0, 2.0]]), 1e-9), (np.array([[1e-300, 2e-300]]), 1e-9)]
    cases += [(rng.normal(size=(2, 3)), 1e-15), (np.array([[0.1 + 0.2, 0.3]]), 1e-9)]
    for M, tol in cases:
        ints, grid = snap_integers(M, tol)
        expected, grid_e = snap_to_integers(M, tol)
        assert grid == grid_e
        assert ints.tolist() == expected


@pytest.mark.parametrize("k", range(1, 9))
def test_cofactors_solve_the_bordered_system(k: int) -> None:
    rng = np.random.default_rng(k)
    T = rng.integers(-(10**12), 10**12, size=(k - 1, k)).tolist()
    C = _cofactors(T)
    nums, det = _solve_last([*T, [1] * k])  # type: ignore[misc]
    assert sum(C) == det and C == nums
    w = [Fraction(c, det) for c in C]
    assert sum(w) == 1
    for row in T:
        assert sum(a * b for a, b in zip(row, w, strict=True)) == 0


def test_vertex_bound() -> None:
    assert vertex_bound(2, 5) == 5  # a pentagon
    assert vertex_bound(3, 6) == 8  # e.g. a cube
    assert vertex_bound(1, 3) == 2
    assert vertex_bound(10, 20) == 4004


def test_pareto_kernel_matches_the_reference() -> None:
    rng = np.random.default_rng(11)
    A = rng.integers(0, 3, size=(40, 3, 4)).astype(float)
    B = rng.integers(0, 3, size=(40, 3, 4)).astype(float)
    A[5] += 1e-12  # ties within the tolerance
    got = pareto_batch(A, B, 1e-9)
    assert got == [pareto_optimal_profiles(A[k], B[k]) for k in range(40)]


# ---------------------------------------------------------------------------------------
# the interface


def test_methods_and_the_exact_flag() -> None:
    rng = np.random.default_rng(12)
    A, B = rng.normal(size=(2, 5, 5))
    assert solve(A, B).method == FLOAT_METHOD
    assert solve(A, B, exact=True).method == EXACT_METHOD
    assert solve(A, B, method="exact").exact
    assert solve(A, B, method="enumeration").method == EXACT_METHOD
    assert solve([[1, 0], [0, 1]], [[1, 0], [0, 1]]).method == EXACT_METHOD  # small: exact
    with pytest.raises(SolverError, match="unknown method"):
        solve(A, B, method="float")


def test_lemke_howson_method() -> None:
    rng = np.random.default_rng(13)
    A, B = rng.normal(size=(2, 6, 6))
    lh = solve(A, B, method="lemke_howson")
    assert lh.method.startswith("lemke_howson") and not lh.exact
    every = solve(A, B, method="exact")
    assert 1 <= len(lh.equilibria) <= len(every.equilibria)
    for e in lh.equilibria:
        assert any(
            np.allclose(e.strategies[0], f.strategies[0], atol=1e-6)
            and np.allclose(e.strategies[1], f.strategies[1], atol=1e-6)
            for f in every.equilibria
        )
        assert not e.strategies[0].flags.writeable
    with pytest.raises(SolverError, match="exact=True"):
        solve(A, B, method="lemke_howson", exact=True)


def test_a_game_too_large_to_enumerate_is_searched_and_says_so() -> None:
    """A generic 30 x 30 zero-sum game has one equilibrium (its value is unique and a generic
    game's optimal strategies are too); it is too large to enumerate, so the answer is a search
    that says it was not exhaustive, and what it found is that equilibrium."""
    A = np.random.default_rng(14).normal(size=(30, 30))
    r = solve(A, -A, budget=5)
    assert not r.complete
    assert "not exhaustive" in r.guarantee and "30 x 30" in r.guarantee
    assert "every pure equilibrium is listed" in r.guarantee
    assert len(r.equilibria) == 1
    from model.solvers.zerosum import zero_sum_value

    value, _, _ = zero_sum_value(A)
    assert r.equilibria[0].payoffs[0] == pytest.approx(value, abs=1e-9)
    B = np.random.default_rng(15).normal(size=(16, 16))
    r = solve(B, B.T, exact=True, budget=2)
    assert not r.complete and not r.exact
    # A long, thin game is fine: a polygon with few vertices on one side.
    C = np.random.default_rng(16).normal(size=(2, 40))
    assert solve(C, -C).method == FLOAT_METHOD


def test_dominance_is_computed_when_first_read_and_results_pickle() -> None:
    A = [[3, 0, 1], [5, 1, 0], [0, 0, -1]]
    B = [[3, 5, 0], [0, 1, 0], [1, 1, 0]]
    result = solve(A, B)
    assert "dominance" not in vars(result)
    assert result.dominance == iterated_dominance(A, B)
    assert "dominance" in vars(result)
    again = pickle.loads(pickle.dumps(result))
    assert again.dominance == result.dominance
    assert [e.exact_strategies for e in again.equilibria] == [
        e.exact_strategies for e in result.equilibria
    ]


def test_perturbed_lemke_howson_paths_find_equilibria_the_labels_miss() -> None:
    """On generic 25 x 25 games, paths of perturbed copies end near equilibria that no label's
    path of the game itself reaches; each is solved again on the game and verified there."""
    from model.solvers import search
    from model.solvers.verify import is_equilibrium

    more = 0
    for seed in range(3):
        rng = np.random.default_rng(seed)
        A, B = rng.normal(size=(25, 25)), rng.normal(size=(25, 25))
        with_paths = search.search_equilibria(A, B, 1e-9, 30.0, max_support=1)
        assert with_paths.perturbed_done == search.PERTURBED_COPIES * 50
        assert "perturbed copies" in with_paths.guarantee()
        plain = search.search_equilibria(A, B, 1e-9, 30.0, max_support=1, perturbed=False)
        assert plain.perturbed_done == 0
        key = {tuple(np.round(np.concatenate(p), 9)) for p in plain.profiles}
        for x, y in with_paths.profiles:
            assert is_equilibrium(A, B, x, y, tol=1e-9)
        assert key <= {tuple(np.round(np.concatenate(p), 9)) for p in with_paths.profiles}
        more += len(with_paths.profiles) - len(plain.profiles)
    assert more > 0


@pytest.mark.parametrize("call", ["solve_batch", "auto"])
def test_a_refusal_leaves_no_reference_cycle_holding_the_matrices(call: str) -> None:
    """A refused game must not keep its caller's frames (and payoff matrices) alive in a
    reference cycle: a sweep of large games refuses many points, and the matrices of every
    chunk piled up until the cyclic collector ran (1.2 GB per worker on a 480 x 480 game)."""
    import gc

    from model.solvers.equilibria import solve_batch
    from model.solvers.results import TooLarge
    from model.solvers.whole_game import _auto_result

    rng = np.random.default_rng(5)
    A = rng.normal(size=(2, 40, 40))
    B = rng.normal(size=(2, 40, 40))
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        with pytest.raises(TooLarge):
            if call == "solve_batch":
                solve_batch(A, B)
            else:
                _auto_result(A[0], B[0], 1e-9)
        gc.collect()
        frames = [o for o in gc.garbage if type(o).__name__ == "frame"]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    assert frames == []
