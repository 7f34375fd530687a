"""Lemke-Howson: every result is a known equilibrium, degenerate games do not cycle, some
equilibria are out of reach, and the paths agree with nashpy's."""

from __future__ import annotations

import json
import warnings
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from model.solvers import (
    SolverError,
    enumerate_equilibria,
    is_equilibrium,
    lemke_howson,
    lemke_howson_all,
)

KNOWN = Path(__file__).resolve().parent / "data" / "games" / "known_equilibria.json"

Exact = tuple[tuple[Fraction, ...], tuple[Fraction, ...]]


def load_games() -> list[dict[str, Any]]:
    games: list[dict[str, Any]] = json.loads(KNOWN.read_text())["games"]
    assert len(games) == 71
    return games


GAMES = load_games()
BY_NAME = {g["name"]: g for g in GAMES}
NONDEGENERATE = [g for g in GAMES if not g["degenerate"]]

# Float pivoting loses digits on this game: its basis matrices have condition numbers near
# 1e10 (payoffs up to 3e7 that differ in the fifth digit), so results agree with the exact
# equilibrium to about 1e-7 only. Exact mode gets it exactly.
ILL_CONDITIONED = {"savani_vonstengel_dual_cyclic_8x8": 1e-6}


def matrices(game: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    return np.array(game["A"], dtype=float), np.array(game["B"], dtype=float)


def known_exact(game: dict[str, Any]) -> list[Exact]:
    return [
        (tuple(map(Fraction, e["x"])), tuple(map(Fraction, e["y"]))) for e in game["equilibria"]
    ]


def known_float(game: dict[str, Any]) -> list[tuple[np.ndarray, np.ndarray]]:
    return [
        (np.array([float(p) for p in x]), np.array([float(p) for p in y]))
        for x, y in known_exact(game)
    ]


def distance_to_known(game: dict[str, Any], x: np.ndarray, y: np.ndarray) -> float:
    return min(
        max(float(np.abs(x - kx).max()), float(np.abs(y - ky).max()))
        for kx, ky in known_float(game)
    )


def index_of_known(game: dict[str, Any], x: np.ndarray, y: np.ndarray) -> int:
    """The index of the known equilibrium that (x, y) equals bit for bit, or -1."""
    for k, (kx, ky) in enumerate(known_float(game)):
        if np.array_equal(x, kx) and np.array_equal(y, ky):
            return k
    return -1


# ---------------------------------------------------------------------------------------
# the 71 known games


@pytest.mark.parametrize("game", GAMES, ids=[g["name"] for g in GAMES])
def test_float_results_are_known_equilibria(game: dict[str, Any]) -> None:
    A, B = matrices(game)
    found = lemke_howson_all(A, B)
    assert 1 <= len(found) <= len(game["equilibria"])
    limit = ILL_CONDITIONED.get(game["name"], 1e-9)
    for x, y in found:
        assert distance_to_known(game, x, y) <= limit
        assert is_equilibrium(A, B, x, y)
        assert not x.flags.writeable and not y.flags.writeable


@pytest.mark.parametrize("game", GAMES, ids=[g["name"] for g in GAMES])
def test_exact_results_are_exactly_known_equilibria(game: dict[str, Any]) -> None:
    A, B = matrices(game)
    found = lemke_howson_all(A, B, exact=True)
    indices = [index_of_known(game, x, y) for x, y in found]
    assert -1 not in indices
    assert len(set(indices)) == len(indices)  # deduplicated
    # Float mode finds the same equilibria (it follows the same lexicographic paths).
    floats = lemke_howson_all(A, B)
    limit = ILL_CONDITIONED.get(game["name"], 1e-9)
    assert len(floats) == len(found)
    for (fx, fy), (ex, ey) in zip(floats, found, strict=True):
        assert np.abs(fx - ex).max() <= limit and np.abs(fy - ey).max() <= limit


@pytest.mark.parametrize("game", NONDEGENERATE, ids=[g["name"] for g in NONDEGENERATE])
def test_every_label_gives_an_equilibrium_on_nondegenerate_games(game: dict[str, Any]) -> None:
    A, B = matrices(game)
    m, n = A.shape
    limit = ILL_CONDITIONED.get(game["name"], 1e-9)
    for label in range(m + n):
        x, y = lemke_howson(A, B, label=label)
        assert is_equilibrium(A, B, x, y)
        assert distance_to_known(game, x, y) <= limit
        xe, ye = lemke_howson(A, B, label=label, exact=True)
        assert index_of_known(game, xe, ye) >= 0
        assert np.abs(x - xe).max() <= limit and np.abs(y - ye).max() <= limit


# ---------------------------------------------------------------------------------------
# degenerate games


@pytest.mark.parametrize("name", ["qe_lh_cycling_1", "qe_lh_cycling_2"])
def test_degenerate_games_that_cycle_with_naive_ratio_tests(name: str) -> None:
    # With ties in the ratio test broken naively, Lemke-Howson cycles on these games (the
    # QuantEcon test suite's examples); the lexicographic rule ends at an equilibrium from
    # every label, in both arithmetics.
    game = BY_NAME[name]
    A, B = matrices(game)
    m, n = A.shape
    for label in range(m + n):
        for exact in (False, True):
            x, y = lemke_howson(A, B, label=label, exact=exact)
            assert distance_to_known(game, x, y) <= 1e-12


def test_all_zero_game_gives_a_pure_profile() -> None:
    # Every profile is an equilibrium; the pivoting still ends, at an extreme one.
    x, y = lemke_howson(np.zeros((3, 3)), np.zeros((3, 3)), label=4)
    assert sorted(x.tolist()) == [0.0, 0.0, 1.0] and sorted(y.tolist()) == [0.0, 0.0, 1.0]


def test_degenerate_results_are_extreme_equilibria_of_random_games() -> None:
    # Small payoff ranges make ties, hence degenerate games, common.
    rng = np.random.default_rng(20240611)
    for _ in range(40):
        m, n = (int(v) for v in rng.integers(1, 5, size=2))
        A = rng.integers(0, 3, size=(m, n)).astype(float)
        B = rng.integers(0, 3, size=(m, n)).astype(float)
        r = enumerate_equilibria(A, B)
        extreme = set(zip(r.x_exact, r.y_exact, strict=True))
        for exact in (False, True):
            for x, y in lemke_howson_all(A, B, exact=exact):
                assert any(
                    np.abs(x - [float(p) for p in ex]).max() <= 1e-9
                    and np.abs(y - [float(p) for p in ey]).max() <= 1e-9
                    for ex, ey in extreme
                )


# ---------------------------------------------------------------------------------------
# what Lemke-Howson cannot reach


def test_inaccessible_equilibria_of_wilsons_game() -> None:
    # Wilson's example (Shapley 1974): three equilibria, but every one of the six paths
    # from the artificial equilibrium ends at the pure one, ((0,0,1), (0,0,1)). The two
    # mixed equilibria lie only on paths that join them to each other.
    game = BY_NAME["gambit_sh3_wilson_inaccessible"]
    A, B = matrices(game)
    r = enumerate_equilibria(A, B)
    enumerated = set(zip(r.x_exact, r.y_exact, strict=True))
    assert enumerated == set(known_exact(game))
    found = {
        (tuple(Fraction(p) for p in x), tuple(Fraction(p) for p in y))
        for x, y in lemke_howson_all(A, B, exact=True)
    }
    assert found < enumerated  # a strict subset
    assert found == {((Fraction(0), Fraction(0), Fraction(1)),) * 2}
    missed = enumerated - found
    assert len(missed) == 2 and all(len(set(x)) == 3 for x, _ in missed)  # the mixed ones


@pytest.mark.parametrize("name", ["gambit_todd2_inaccessible", "gambit_todd3_inaccessible"])
def test_todds_games_have_inaccessible_equilibria(name: str) -> None:
    game = BY_NAME[name]
    A, B = matrices(game)
    found = lemke_howson_all(A, B, exact=True)
    assert len(found) == 1 < len(game["equilibria"])
    assert index_of_known(game, *found[0]) >= 0


# ---------------------------------------------------------------------------------------
# against nashpy


@pytest.mark.parametrize(
    "name",
    [
        "battle_of_the_sexes",
        "vonstengel2007_agt_3x2",
        "coordination_3x3",
        "gambit_todd1",
        "gambit_8x8_random_5eq",
        "gambit_shapley1974_fig2",
    ],
)
def test_same_paths_as_nashpy(name: str) -> None:
    # Same label convention (0..m-1 the row player's actions, m..m+n-1 the column
    # player's) and the same lexicographic rule, so every label ends at the same place.
    # Not every known game can be used: nashpy 0.0.43 returns a non-equilibrium on
    # gambit_todd3_inaccessible (it tells basic from nonbasic columns by counting nonzero
    # entries, and there a nonbasic column has a single nonzero entry), and it does not
    # return on the savani_vonstengel_dual_cyclic games (payoffs near 3e7; still running
    # after 90 s on the 4x4 one).
    import nashpy as nash
    A, B = matrices(BY_NAME[name])
    m, n = A.shape
    game = nash.Game(A, B)
    for label in range(m + n):
        x, y = lemke_howson(A, B, label=label)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            nx, ny = game.lemke_howson(initial_dropped_label=label)
        assert np.allclose(x, nx, atol=1e-9) and np.allclose(y, ny, atol=1e-9)


# ---------------------------------------------------------------------------------------
# interface


def test_order_and_determinism() -> None:
    A, B = matrices(BY_NAME["gambit_coord4"])
    first = lemke_howson_all(A, B)
    second = lemke_howson_all(A, B)
    assert len(first) == len(second) == 4
    for (x1, y1), (x2, y2) in zip(first, second, strict=True):
        assert np.array_equal(x1, x2) and np.array_equal(y1, y2)
    sizes = [int(np.count_nonzero(x) + np.count_nonzero(y)) for x, y in first]
    assert sizes == sorted(sizes)
    # Same order as the enumeration engine's on what both list.
    r = enumerate_equilibria(A, B)
    positions = [
        next(k for k in range(len(r)) if np.allclose(r.x[k], x) and np.allclose(r.y[k], y))
        for x, y in first
    ]
    assert positions == sorted(positions)


def test_scaling_and_shifting_payoffs_changes_nothing() -> None:
    A, B = matrices(BY_NAME["gambit_todd1"])
    for label in range(sum(A.shape)):
        x, y = lemke_howson(A, B, label=label)
        x2, y2 = lemke_howson(1e-3 * A - 7.0, 250.0 * B + 1e4, label=label)
        assert np.allclose(x, x2, atol=1e-9) and np.allclose(y, y2, atol=1e-9)


def test_one_by_one_and_vector_games() -> None:
    x, y = lemke_howson([[4.0]], [[-2.0]], label=1)
    assert x.tolist() == [1.0] and y.tolist() == [1.0]
    # The column player is indifferent between columns 1 and 2: both are (extreme)
    # equilibria, and every path ends at the same one of them.
    eqs = lemke_howson_all([[1.0, 3.0, 2.0]], [[0.0, 5.0, 5.0]], exact=True)
    assert [(x.tolist(), y.tolist()) for x, y in eqs] == [([1.0], [0.0, 0.0, 1.0])]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"label": 4}, "label must be in 0..3"),
        ({"label": -1}, "label must be in 0..3"),
        ({"label": True}, "label must be an integer"),
        ({"label": 1.0}, "label must be an integer"),
        ({"tol": 0.0}, "tol must be a positive"),
    ],
)
def test_bad_arguments(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(SolverError, match=message):
        lemke_howson([[1, 0], [0, 1]], [[1, 0], [0, 1]], **kwargs)


def test_bad_games() -> None:
    with pytest.raises(SolverError, match="same shape"):
        lemke_howson_all([[1, 0]], [[1], [0]])
    with pytest.raises(SolverError, match="non-finite"):
        lemke_howson([[1, np.nan]], [[1, 0]])
    assert lemke_howson(np.array([[1, 2]], dtype=np.int64), [[1, 0]], label=np.int64(0))
