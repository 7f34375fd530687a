"""Solvers checked against known answers, Gambit, nashpy and hand-worked examples."""

from __future__ import annotations

import importlib
import json
import time
import warnings
from fractions import Fraction
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from model.solvers import (
    SolverError,
    best_replies,
    degeneracy,
    enumerate_equilibria,
    is_equilibrium,
    iterated_dominance,
    pareto_optimal_profiles,
    pure_equilibria,
    pure_equilibria_batch,
    regrets,
    snap_to_rationals,
)
from model.solvers.equilibria import solve
from model.solvers.results import Equilibrium, SolveResult

# A copy of the reference games (see tests/data/games/README.md for their sources).
GAMES = Path(__file__).resolve().parent / "data" / "games"
KNOWN = GAMES / "known_equilibria.json"
NFG_DIR = GAMES / "nfg"

Exact = tuple[tuple[Fraction, ...], tuple[Fraction, ...]]


# ---------------------------------------------------------------------------------------
# helpers


def exact_equilibria(result: SolveResult) -> list[Exact]:
    out = []
    for e in result.equilibria:
        assert e.exact_strategies is not None
        out.append(e.exact_strategies)
    return out


def exact_components(result: SolveResult) -> set[frozenset[Exact]]:
    eqs = exact_equilibria(result)
    return {frozenset(eqs[k] for k in comp) for comp in result.components}


def assert_equilibria(result: SolveResult, expected: list[Exact]) -> None:
    """Same extreme equilibria: the count first, then one by one in sorted order."""
    got = exact_equilibria(result)
    assert len(got) == len(expected), f"{len(got)} equilibria, expected {len(expected)}"
    for g, e in zip(sorted(got), sorted(expected), strict=True):
        assert g == e


def assert_verified(A: Any, B: Any, result: SolveResult) -> None:
    a = np.asarray(A, dtype=float)
    b = np.asarray(B, dtype=float)
    for e in result.equilibria:
        x, y = e.strategies
        assert is_equilibrium(a, b, x, y, tol=result.tol)
        assert not x.flags.writeable and not y.flags.writeable
        assert e.regret[0] <= result.tol * max(1.0, np.abs(a).max())
        assert e.regret[1] <= result.tol * max(1.0, np.abs(b).max())


def fractions(values: list[str]) -> tuple[Fraction, ...]:
    return tuple(Fraction(v) for v in values)


def gambit_equilibria(A: Any, B: Any) -> set[Exact]:
    """Distinct equilibria from Gambit's enummixed in exact arithmetic."""
    import pygambit as gbt
    A_obj = np.array([[Fraction(v) for v in row] for row in A], dtype=object)
    B_obj = np.array([[Fraction(v) for v in row] for row in B], dtype=object)
    game = gbt.Game.from_arrays(A_obj, B_obj)
    found = gbt.nash.enummixed_solve(game, rational=True)
    row, col = list(game.players)
    return {
        (
            tuple(Fraction(eq[s]) for s in row.strategies),
            tuple(Fraction(eq[s]) for s in col.strategies),
        )
        for eq in found.equilibria
    }


def brute_force_components(eqs: list[Exact]) -> set[frozenset[Exact]]:
    """Maximal bicliques of the graph of extreme equilibria, by trying every set of y's."""
    xs = sorted({x for x, _ in eqs})
    ys = sorted({y for _, y in eqs})
    edges = set(eqs)
    out = set()
    for size in range(1, len(ys) + 1):
        for Y in combinations(ys, size):
            X = [x for x in xs if all((x, y) in edges for y in Y)]
            if not X:
                continue
            closure = [y for y in ys if all((x, y) in edges for x in X)]
            if list(Y) == closure:
                out.add(frozenset((x, y) for x in X for y in Y))
    return out


# ---------------------------------------------------------------------------------------
# the games with known equilibria


def known_games() -> list[Any]:
    data = json.loads(KNOWN.read_text())
    assert len(data["games"]) == 71
    return [pytest.param(game, id=game["name"]) for game in data["games"]]


@pytest.mark.parametrize("game", known_games())
def test_known_game(game: dict[str, Any]) -> None:
    A, B = game["A"], game["B"]
    result = solve(A, B)
    expected = [(fractions(e["x"]), fractions(e["y"])) for e in game["equilibria"]]
    assert len(result.equilibria) == game["num_equilibria"]
    assert_equilibria(result, expected)
    payoffs = {
        (fractions(e["x"]), fractions(e["y"])): (
            Fraction(e["payoff_row"]),
            Fraction(e["payoff_col"]),
        )
        for e in game["equilibria"]
    }
    for e in result.equilibria:
        assert e.exact_strategies is not None
        assert e.exact_payoffs == payoffs[e.exact_strategies]
        assert e.payoffs == (float(e.exact_payoffs[0]), float(e.exact_payoffs[1]))
    subsets = {frozenset(expected[k] for k in s) for s in game["maximal_nash_subsets"]}
    assert exact_components(result) == subsets
    assert result.degenerate is game["degenerate"]
    assert degeneracy(A, B)[0] is game["degenerate"]
    assert_verified(A, B, result)


def nfg_files() -> list[Any]:
    assert len(list(NFG_DIR.glob("*.nfg"))) >= 40
    return [pytest.param(p, id=p.stem) for p in sorted(NFG_DIR.glob("*.nfg"))]


@pytest.mark.parametrize("path", nfg_files())
def test_gambit_catalog_game(path: Path) -> None:
    import pygambit as gbt

    game = gbt.read_nfg(str(path))
    assert len(game.players) == 2, f"{path.name} has {len(game.players)} players"
    A, B = (m.astype(float) for m in game.to_arrays(dtype=Fraction))
    A_exact, B_exact = snap_to_rationals(A), snap_to_rationals(B)
    result = solve(A, B)
    # Gambit 16.7's enummixed lists some equilibria of degenerate games more than once
    # (contrib/games/csg2.nfg: 9 entries, 4 distinct), so distinct sets are compared.
    assert_equilibria(result, sorted(gambit_equilibria(A_exact, B_exact)))
    assert_verified(A, B, result)


# ---------------------------------------------------------------------------------------
# random games against Gambit


def random_games() -> list[Any]:
    cases = []
    rng = np.random.default_rng(20250611)
    A: np.ndarray
    B: np.ndarray
    for k in range(12):
        m, n = rng.integers(2, 7, size=2)
        A, B = rng.normal(size=(m, n)), rng.normal(size=(m, n))
        cases.append(pytest.param(A, B, id=f"normal-{m}x{n}-{k}"))
    for k in range(14):
        m, n = rng.integers(2, 6, size=2)
        A, B = rng.integers(0, 3, size=(m, n)), rng.integers(0, 3, size=(m, n))
        cases.append(pytest.param(A, B, id=f"ints012-{m}x{n}-{k}"))
    for m, n in [(2, 5), (5, 2), (3, 6), (6, 3), (2, 7)]:
        A, B = rng.integers(-2, 3, size=(m, n)), rng.normal(size=(m, n)).round(3)
        cases.append(pytest.param(A, B, id=f"rect-{m}x{n}"))
    for m, n in [(1, 1), (1, 4), (4, 1), (1, 5), (5, 1)]:
        A, B = rng.integers(0, 2, size=(m, n)), rng.integers(0, 2, size=(m, n))
        cases.append(pytest.param(A, B, id=f"line-{m}x{n}"))
    return cases


@pytest.mark.parametrize(("A", "B"), random_games())
def test_random_game_against_gambit(A: np.ndarray, B: np.ndarray) -> None:
    result = solve(A, B)
    expected = gambit_equilibria(snap_to_rationals(A), snap_to_rationals(B))
    assert_equilibria(result, sorted(expected))
    assert_verified(A, B, result)
    eqs = exact_equilibria(result)
    assert exact_components(result) == brute_force_components(eqs)
    assert sorted(result.pure) == sorted(pure_equilibria(A, B))


def test_float_payoffs_are_snapped_so_round_off_ties() -> None:
    # 0.1 + 0.2 != 0.3 in binary floating point; the tie is restored before solving.
    A = np.array([[0.1 + 0.2, 0.0], [0.3, 0.0]])
    B = np.array([[1.0, 0.0], [1.0, 0.0]])
    assert A[0, 0] != A[1, 0]
    assert snap_to_rationals(A)[0][0] == snap_to_rationals(A)[1][0] == Fraction(3, 10)
    result = solve(A, B)
    # Both rows are best replies to column 0 (column 0 dominates), so every mix of the rows
    # is played: two extreme equilibria in one component, not just (row 0, column 0).
    assert result.degenerate
    one, zero = Fraction(1), Fraction(0)
    assert exact_equilibria(result) == [((one, zero), (one, zero)), ((zero, one), (one, zero))]
    assert result.components == ((0, 1),)
    assert [e.payoffs for e in result.equilibria] == [(0.3, 1.0), (0.3, 1.0)]


# ---------------------------------------------------------------------------------------
# what nashpy finds and misses


def test_nashpy_support_enumeration_misses_an_equilibrium_of_a_real_valued_game() -> None:
    """nashpy 0.0.43 compares floats with == when it checks best replies; on this
    nondegenerate game it finds 2 of the 3 equilibria and misses the mixed one."""
    import nashpy as nash
    A = [[2.0, -2.6, 0.4], [-0.6, -0.5, -0.2], [-2.0, -0.2, -0.9]]
    B = [[3.3, 0.2, -0.4], [-0.3, -0.7, -1.1], [-0.4, 0.5, -0.2]]
    result = solve(A, B)
    assert not result.degenerate
    assert len(result.equilibria) == 3
    mixed = (
        (Fraction(0), Fraction(9, 13), Fraction(4, 13)),
        (Fraction(3, 17), Fraction(14, 17), Fraction(0)),
    )
    assert mixed in exact_equilibria(result)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        found = list(nash.Game(np.array(A), np.array(B)).support_enumeration())
    assert len(found) < len(result.equilibria)
    assert not any(np.allclose(x, [float(p) for p in mixed[0]]) for x, _ in found)


def rounded(x: np.ndarray, y: np.ndarray) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Rounded (and -0.0 made 0.0) so that float noise does not change the sorted order."""
    return tuple(np.round(x, 9) + 0.0), tuple(np.round(y, 9) + 0.0)


@pytest.mark.parametrize("seed", range(8))
def test_nashpy_vertex_enumeration_agrees_on_nondegenerate_games(seed: int) -> None:
    import nashpy as nash
    rng = np.random.default_rng(seed)
    m, n = rng.integers(2, 6, size=2)
    A, B = rng.normal(size=(m, n)), rng.normal(size=(m, n))
    result = solve(A, B)
    assert not result.degenerate
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = sorted(rounded(x, y) for x, y in nash.Game(A, B).vertex_enumeration())
    ours = sorted(rounded(*e.strategies) for e in result.equilibria)
    assert len(ours) == len(theirs)
    for (x1, y1), (x2, y2) in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(x1, x2, atol=1e-9)
        np.testing.assert_allclose(y1, y2, atol=1e-9)


# ---------------------------------------------------------------------------------------
# the facade


def test_solve_result_fields() -> None:
    # Battle of the sexes (Osborne and Rubinstein 1994, example 15.3)
    result = solve([[2, 0], [0, 1]], [[1, 0], [0, 2]])
    assert result.method == "enumeration" and result.exact and result.tol == 1e-9
    assert result.shape == (2, 2)
    assert [e.support for e in result.equilibria] == [((0,), (0,)), ((1,), (1,)), ((0, 1), (0, 1))]
    assert [e.pure for e in result.equilibria] == [True, True, False]
    mixed = result.equilibria[2]
    np.testing.assert_allclose(mixed.strategies[0], [2 / 3, 1 / 3])
    np.testing.assert_allclose(mixed.strategies[1], [1 / 3, 2 / 3])
    assert mixed.exact_payoffs == (Fraction(2, 3), Fraction(2, 3))
    assert result.components == ((0,), (1,), (2,))
    assert result.pure == ((0, 0), (1, 1))
    assert result.pareto == ((0, 0), (1, 1))
    assert not result.degenerate
    assert result.dominance.steps == ()
    with pytest.raises(AttributeError):
        result.method = "other"  # type: ignore[misc]
    with pytest.raises(ValueError):
        mixed.strategies[0][0] = 1.0


def test_chicken_textbook_answer() -> None:
    # payoffs/SOURCES.md, domain_textbook: chicken has two pure equilibria and a mixed one
    # swerving with probability 3/4.
    A = [[0, -1], [1, -4]]
    result = solve(A, np.transpose(A))
    assert result.pure == ((0, 1), (1, 0))
    mixed = [e for e in result.equilibria if not e.pure]
    assert len(mixed) == 1
    assert mixed[0].exact_strategies == ((Fraction(3, 4), Fraction(1, 4)),) * 2


def test_a_continuum_of_equilibria_is_one_component() -> None:
    # Row 0 and row 1 tie against column 0: every mix of them with column 0 is an equilibrium.
    result = solve([[1, 0], [1, 0]], [[1, 0], [1, 0]])
    assert result.degenerate
    assert [e.exact_strategies for e in result.equilibria] == [
        ((Fraction(1), Fraction(0)), (Fraction(1), Fraction(0))),
        ((Fraction(0), Fraction(1)), (Fraction(1), Fraction(0))),
    ]
    assert result.components == ((0, 1),)


def test_equilibria_order_pure_first_then_by_support_then_probabilities() -> None:
    result = solve(np.eye(3), np.eye(3))  # 7 equilibria: every nonempty common support
    supports = [e.support for e in result.equilibria]
    assert supports == [
        ((0,), (0,)),
        ((1,), (1,)),
        ((2,), (2,)),
        ((0, 1), (0, 1)),
        ((0, 2), (0, 2)),
        ((1, 2), (1, 2)),
        ((0, 1, 2), (0, 1, 2)),
    ]


def test_solve_raises_rather_than_return_an_unverified_equilibrium(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    facade = importlib.import_module("model.solvers.whole_game")
    real = facade._enumerate

    def broken(A: np.ndarray, B: np.ndarray, tol: float) -> Any:
        found = real(A, B, tol)
        x = np.array([[1.0, 0.0]])
        object.__setattr__(found, "x", x)
        return found

    monkeypatch.setattr(facade, "_enumerate", broken)
    with pytest.raises(SolverError, match="failed verification"):
        solve([[3, 0], [5, 1]], [[3, 5], [0, 1]])


@pytest.mark.parametrize(
    ("A", "B", "message"),
    [
        ([1, 2], [1, 2], "2-D"),
        ([[1, 2]], [[1], [2]], "same shape"),
        ([[1, np.nan]], [[1, 2]], "non-finite"),
        ([[1, 2]], [[np.inf, 2]], "non-finite"),
        (np.zeros((0, 2)), np.zeros((0, 2)), "at least one row"),
        ([["a"]], [[1]], "real numbers"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(A: Any, B: Any, message: str) -> None:
    with pytest.raises(SolverError, match=message):
        solve(A, B)
    with pytest.raises(ValueError, match=message):
        enumerate_equilibria(A, B)


@pytest.mark.parametrize("tol", [0.0, -1e-9, float("nan"), float("inf"), "x"])
def test_bad_tolerance_is_refused(tol: Any) -> None:
    with pytest.raises(SolverError, match="tol"):
        solve([[1]], [[1]], tol=tol)


def test_unknown_method_is_refused() -> None:
    with pytest.raises(SolverError, match="unknown method 'lemke'"):
        solve([[1]], [[1]], method="lemke")


def test_one_by_one_game() -> None:
    result = solve([[5.0]], [[-2.0]])
    assert result.pure == ((0, 0),)
    assert [e.payoffs for e in result.equilibria] == [(5.0, -2.0)]
    assert not result.degenerate


# ---------------------------------------------------------------------------------------
# the other solvers


def test_best_replies_and_pure_equilibria() -> None:
    A = [[3, 0], [5, 1]]
    B = [[3, 5], [0, 1]]
    row_br, col_br = best_replies(A, B)
    assert row_br.tolist() == [[False, False], [True, True]]
    assert col_br.tolist() == [[False, True], [False, True]]
    assert pure_equilibria(A, B) == [(1, 1)]


def test_pure_best_replies_tie_within_tolerance() -> None:
    A = np.array([[1.0, 0.0], [1.0 + 1e-12, 0.0]])
    B = np.zeros((2, 2))
    row_br, _ = best_replies(A, B, tol=1e-9)
    assert row_br[:, 0].tolist() == [True, True]
    row_br, _ = best_replies(A, B, tol=1e-13)
    assert row_br[:, 0].tolist() == [False, True]


def test_pure_equilibria_batch_matches_one_by_one() -> None:
    rng = np.random.default_rng(3)
    A = rng.integers(0, 3, size=(50, 3, 4)).astype(float)
    B = rng.integers(0, 3, size=(50, 3, 4)).astype(float)
    A[7] *= 1e6  # tolerances are per game
    mask = pure_equilibria_batch(A, B)
    assert mask.shape == (50, 3, 4) and mask.dtype == bool
    for k in range(50):
        assert [tuple(p) for p in np.argwhere(mask[k])] == pure_equilibria(A[k], B[k])
    with pytest.raises(SolverError, match="3-D"):
        pure_equilibria_batch(A[0], B[0])


def test_pure_dominance_prisoners_dilemma() -> None:
    r = iterated_dominance([[3, 0], [5, 1]], [[3, 5], [0, 1]])
    assert [(s.player, s.action, s.dominated_by, s.kind) for s in r.steps] == [
        (0, 0, {1: 1.0}, "pure"),
        (1, 0, {1: 1.0}, "pure"),
    ]
    assert (r.rows, r.cols) == ((1,), (1,))
    assert all(s.margin == 1.0 for s in r.steps)


def test_mixed_dominance() -> None:
    # Row 2 is dominated by neither row 0 nor row 1 but by the half-half mix of them.
    A = [[3, 0], [0, 3], [1, 1]]
    B = [[1, 0], [0, 1], [1, 1]]
    r = iterated_dominance(A, B)
    assert len(r.steps) == 1
    step = r.steps[0]
    assert (step.player, step.action, step.kind) == (0, 2, "mixed")
    assert step.dominated_by == pytest.approx({0: 0.5, 1: 0.5})
    assert step.margin == pytest.approx(0.5)
    assert (r.rows, r.cols) == ((0, 1), (0, 1))
    assert iterated_dominance(A, B, mixed=False).steps == ()


def test_dominance_order_row_player_first_lowest_index() -> None:
    A = [[0, 0], [1, 1], [2, 2]]
    B = [[0, 1], [0, 1], [0, 1]]
    r = iterated_dominance(A, B)
    assert [(s.player, s.action, s.dominated_by) for s in r.steps] == [
        (0, 0, {2: 1.0}),  # row 0: dominated by row 2 (largest margin) before row 1
        (0, 1, {2: 1.0}),
        (1, 0, {1: 1.0}),
    ]


def test_weak_domination_is_not_removed() -> None:
    r = iterated_dominance([[1, 1], [1, 0]], [[1, 1], [1, 1]])
    assert r.steps == () and r.rows == (0, 1) and r.cols == (0, 1)


def test_pareto_optimal_profiles() -> None:
    # Prisoner's dilemma: mutual defection is the only profile that is not Pareto optimal.
    assert pareto_optimal_profiles([[3, 0], [5, 1]], [[3, 5], [0, 1]]) == [(0, 0), (0, 1), (1, 0)]
    # Equal payoff vectors do not dominate each other.
    assert pareto_optimal_profiles([[1, 1]], [[2, 2]]) == [(0, 0), (0, 1)]
    # A difference below the tolerance is no improvement.
    assert pareto_optimal_profiles([[1.0, 1.0 + 1e-12]], [[2, 2]]) == [(0, 0), (0, 1)]


def test_regrets_and_is_equilibrium() -> None:
    A = [[3, 0], [5, 1]]
    B = [[3, 5], [0, 1]]
    assert regrets(A, B, [1, 0], [1, 0]) == (2.0, 2.0)
    assert regrets(A, B, [0, 1], [0, 1]) == (0.0, 0.0)
    assert is_equilibrium(A, B, [0, 1], [0, 1])
    assert not is_equilibrium(A, B, [1, 0], [1, 0])
    assert not is_equilibrium(A, B, [0, 2], [0, 1])  # not a probability vector
    with pytest.raises(SolverError, match="shape"):
        regrets(A, B, [1, 0, 0], [1, 0])


def test_degeneracy_reasons() -> None:
    assert degeneracy([[3, 0], [5, 1]], [[3, 5], [0, 1]]) == (
        False,
        "no mixed strategy has more pure best replies than its support size",
    )
    is_deg, reason = degeneracy(
        [[1, 0], [0, 1]], [[1, 1], [0, 1]], row_labels=["open", "closed"], col_labels=["a", "b"]
    )
    assert is_deg
    assert reason == (
        "the column player has 2 best replies (column 0 ('a'), column 1 ('b')) "
        "to row action 0 ('open')"
    )
    # No pure strategy has a tie, but x = (1/2, 1/2, 0) makes all three columns tie.
    A = [[1, 0, 0], [0, 1, 0], [0, 0, 1]]
    B = [[2, 0, 1], [0, 2, 1], [3, 0, 0]]
    is_deg, reason = degeneracy(A, B)
    assert is_deg
    assert reason.startswith("the column player has 3 best replies (column 0, column 1, column 2)")
    assert "x = (1/2, 1/2, 0)" in reason


# ---------------------------------------------------------------------------------------
# size


def test_a_12x12_game_with_many_ties_is_quick() -> None:
    rng = np.random.default_rng(12)
    A, B = rng.integers(0, 3, size=(12, 12)), rng.integers(0, 3, size=(12, 12))
    start = time.perf_counter()
    result = solve(A, B)
    elapsed = time.perf_counter() - start
    assert result.degenerate and len(result.equilibria) > 0
    assert_verified(A, B, result)
    covered = {k for comp in result.components for k in comp}
    assert covered == set(range(len(result.equilibria)))
    assert elapsed < 20.0  # about 0.5 s on one core; generous for a loaded machine


def test_equilibrium_is_exported() -> None:
    assert Equilibrium.__name__ == "Equilibrium"


@pytest.mark.parametrize("seed", range(4))
def test_vertex_search_going_back_by_reverse_pivots_finds_the_same_vertices(seed: int) -> None:
    from model.solvers._polytope import enumerate_vertices

    rng = np.random.default_rng(seed)
    M = rng.integers(1, 4 if seed % 2 else 1000, size=(6, 7)).tolist()
    kept = enumerate_vertices(M)
    pivoted = enumerate_vertices(M, keep_entries=0)
    assert len(kept) == len(pivoted) > 1
    assert {(v.zeros, v.point) for v in kept} == {(v.zeros, v.point) for v in pivoted}
