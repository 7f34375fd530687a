"""The sorting rule for Pareto-optimal profiles against the pairwise definition."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from model.limits import MIN_PAYOFF_SCALE
from model.solvers import pareto_optimal_profiles
from model.solvers._common import atol
from model.solvers.batch import PARETO_PAIRWISE, pareto_batch
from model.solvers.pareto import dominated

SETTINGS = settings(max_examples=200, deadline=None)


def reference(A: np.ndarray, B: np.ndarray, tol: float) -> list[tuple[int, int]]:
    """The definition, comparing every pair of profiles (quadratic in their number)."""
    a, b = A.ravel(), B.ravel()
    ta, tb = atol(A, tol), atol(B, tol)
    weakly = (a[:, None] >= a[None, :] - ta) & (b[:, None] >= b[None, :] - tb)
    strictly = (a[:, None] > a[None, :] + ta) | (b[:, None] > b[None, :] + tb)
    beaten = (weakly & strictly).any(axis=0)
    n = A.shape[1]
    return [(int(p) // n, int(p) % n) for p in np.flatnonzero(~beaten)]


shapes = st.tuples(st.integers(1, 9), st.integers(1, 9))
# the solvers refuse a player whose largest |payoff| is below MIN_PAYOFF_SCALE (1e-300)
reals = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False).map(
    lambda v: v if abs(v) >= MIN_PAYOFF_SCALE else 0.0)
small_ints = st.integers(-3, 3).map(float)
tols = st.sampled_from([1e-9, 1e-6, 1e-3, 0.05, 0.3])


@st.composite
def games(draw: st.DrawFn, elements: st.SearchStrategy[float]) -> tuple[np.ndarray, np.ndarray]:
    shape = draw(shapes)
    A = draw(arrays(np.float64, shape, elements=elements))
    B = draw(arrays(np.float64, shape, elements=elements))
    return A, B


@st.composite
def tied_games(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    """Few distinct values, some moved by less than (or about) a tolerance."""
    A, B = draw(games(small_ints))
    noise = draw(st.sampled_from([0.0, 1e-13, 1e-10, 3e-9, 1e-7]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    A = A + noise * rng.integers(-1, 2, A.shape)
    B = B + noise * rng.integers(-1, 2, B.shape)
    if draw(st.booleans()):
        B = -A + noise * rng.integers(-1, 2, A.shape)  # all on one anti-diagonal
    return A, B


@SETTINGS
@given(games(reals), tols)
def test_random_games(game: tuple[np.ndarray, np.ndarray], tol: float) -> None:
    A, B = game
    assert pareto_optimal_profiles(A, B, tol=tol) == reference(A, B, tol)


@SETTINGS
@given(games(small_ints), tols)
def test_integer_games(game: tuple[np.ndarray, np.ndarray], tol: float) -> None:
    A, B = game
    assert pareto_optimal_profiles(A, B, tol=tol) == reference(A, B, tol)


@SETTINGS
@given(tied_games(), tols)
def test_tied_games(game: tuple[np.ndarray, np.ndarray], tol: float) -> None:
    A, B = game
    assert pareto_optimal_profiles(A, B, tol=tol) == reference(A, B, tol)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.sampled_from([(3, 4), (16, 16), (17, 19)]), tols,
       st.sampled_from(["real", "int", "anti"]))
def test_batch_both_sides_of_the_size_switch(seed: int, shape: tuple[int, int], tol: float,
                                             kind: str) -> None:
    rng = np.random.default_rng(seed)
    N = 3
    if kind == "real":
        A, B = rng.normal(size=(2, N, *shape))
    elif kind == "int":
        A, B = rng.integers(-2, 3, size=(2, N, *shape)).astype(float)
    else:
        A = rng.normal(size=(N, *shape))
        B = -A + 1e-10 * rng.integers(-1, 2, size=A.shape)
    got = pareto_batch(A, B, tol)
    assert got == [reference(A[k], B[k], tol) for k in range(N)]


def test_the_switch_is_between_the_shapes_tested() -> None:
    assert 16 * 16 <= PARETO_PAIRWISE < 17 * 19


@pytest.mark.parametrize("seed", [0, 1])
def test_large_game_is_linear_in_memory(seed: int) -> None:
    """480 x 480: 230,400 profiles, which the pairwise rule could not hold in memory."""
    rng = np.random.default_rng(seed)
    A, B = rng.random((2, 480, 480))
    got = pareto_optimal_profiles(A, B)
    assert got == pareto_batch(A[None], B[None], 1e-9)[0]
    # each profile kept is not dominated by any other, checked against it one at a time
    a, b = A.ravel(), B.ravel()
    for i, j in got:
        p = i * 480 + j
        assert not np.any((a >= a[p]) & (b >= b[p]) & ((a > a[p]) | (b > b[p])))
    assert dominated(a, b, 0.0, 0.0).sum() == a.size - len(got)
