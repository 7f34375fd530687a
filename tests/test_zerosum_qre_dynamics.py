"""Zero-sum values by linear programming, logit QRE paths, fictitious play and replicator
dynamics, checked against hand-worked answers and the enumeration engine."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from model.solvers import (
    SolverError,
    enumerate_equilibria,
    fictitious_play,
    is_equilibrium,
    logit_qre,
    logit_qre_path,
    replicator_dynamics,
    zero_sum_value,
)

KNOWN = Path(__file__).resolve().parent / "data" / "games" / "known_equilibria.json"
GAMES = {g["name"]: g for g in json.loads(KNOWN.read_text())["games"]}

PENNIES = np.array([[1.0, -1.0], [-1.0, 1.0]])
RPS = np.array([[0.0, -1.0, 1.0], [1.0, 0.0, -1.0], [-1.0, 1.0, 0.0]])
PD_A = np.array([[3.0, 0.0], [5.0, 1.0]])  # (Cooperate, Defect)
PD_B = PD_A.T.copy()


def game(name: str) -> tuple[np.ndarray, np.ndarray]:
    g = GAMES[name]
    return np.array(g["A"], dtype=float), np.array(g["B"], dtype=float)


def distance_to_equilibria(A: Any, B: Any, x: np.ndarray, y: np.ndarray) -> float:
    r = enumerate_equilibria(A, B)
    return min(
        max(float(np.abs(x - r.x[k]).max()), float(np.abs(y - r.y[k]).max())) for k in range(len(r))
    )


# ---------------------------------------------------------------------------------------
# zero-sum games


def test_matching_pennies_value() -> None:
    value, x, y = zero_sum_value(PENNIES)
    assert abs(value) <= 1e-12
    assert np.allclose(x, [0.5, 0.5], atol=1e-12) and np.allclose(y, [0.5, 0.5], atol=1e-12)
    assert not x.flags.writeable and not y.flags.writeable


def test_rock_paper_scissors_value() -> None:
    value, x, y = zero_sum_value(RPS)
    assert abs(value) <= 1e-12
    assert np.allclose(x, 1 / 3, atol=1e-12) and np.allclose(y, 1 / 3, atol=1e-12)
    # Shifting every payoff shifts the value and leaves the strategies.
    value2, x2, y2 = zero_sum_value(RPS + 2.5)
    assert abs(value2 - 2.5) <= 1e-12 and np.allclose(x2, x) and np.allclose(y2, y)


def test_saddle_point_and_hand_worked_mixed_value() -> None:
    value, x, y = zero_sum_value([[3.0, 1.0], [4.0, 2.0]])  # saddle point at (1, 1)
    assert abs(value - 2.0) <= 1e-12 and np.allclose(x, [0, 1]) and np.allclose(y, [0, 1])
    # [[2, -1], [-1, 1]]: x = (2/5, 3/5), y = (2/5, 3/5), value 1/5.
    value, x, y = zero_sum_value([[2.0, -1.0], [-1.0, 1.0]])
    assert abs(value - 0.2) <= 1e-12
    assert np.allclose(x, [0.4, 0.6], atol=1e-12) and np.allclose(y, [0.4, 0.6], atol=1e-12)


def test_random_games_against_enumeration_and_minimax() -> None:
    rng = np.random.default_rng(7)
    for _ in range(15):
        m, n = (int(v) for v in rng.integers(1, 6, size=2))
        A = rng.normal(size=(m, n)) * 10.0
        tol = 1e-9
        value, x, y = zero_sum_value(A, tol=tol)
        limit = tol * np.abs(A).max()
        # Minimax: what x guarantees (max-min) and what y concedes (min-max) agree.
        maxmin = float((x @ A).min())
        minmax = float((A @ y).max())
        assert maxmin <= value + limit and value <= minmax + limit
        assert minmax - maxmin <= limit
        # The optimal pair is an equilibrium of (A, -A), and every equilibrium of that
        # game pays the row player the value.
        assert is_equilibrium(A, -A, x, y, tol=tol)
        r = enumerate_equilibria(A, -A)
        for pay_row, pay_col in r.payoffs_exact:
            assert abs(float(pay_row) - value) <= 1e-9 * np.abs(A).max()
            assert abs(float(pay_col) + value) <= 1e-9 * np.abs(A).max()


def test_zero_sum_known_games() -> None:
    # Matching pennies, rock-paper-scissors and the 5x5 hide-and-seek game in the
    # reference file: the LP strategies are the (unique) known equilibrium.
    for name in ("matching_pennies", "rock_paper_scissors", "hide_and_seek_5x5"):
        A, B = game(name)
        assert np.array_equal(B, -A)
        _, x, y = zero_sum_value(A)
        assert distance_to_equilibria(A, B, x, y) <= 1e-9


def test_zero_sum_bad_input() -> None:
    with pytest.raises(SolverError, match="2-D"):
        zero_sum_value([1.0, 2.0])
    with pytest.raises(SolverError, match="non-finite"):
        zero_sum_value([[1.0, np.inf]])
    with pytest.raises(SolverError, match="tol"):
        zero_sum_value([[1.0]], tol=-1.0)


# ---------------------------------------------------------------------------------------
# logit QRE


def logit_residual(A: Any, B: Any, lam: float, x: np.ndarray, y: np.ndarray) -> float:
    """How far (x, y) is from being a logit response to itself at precision lam."""
    u = lam * (np.asarray(A) @ y)
    v = lam * (x @ np.asarray(B))
    bx = np.exp(u - u.max())
    by = np.exp(v - v.max())
    return max(float(np.abs(bx / bx.sum() - x).max()), float(np.abs(by / by.sum() - y).max()))


@pytest.mark.parametrize("name", ["prisoners_dilemma", "coordination_3x3", "gambit_todd1"])
def test_qre_at_zero_is_uniform(name: str) -> None:
    A, B = game(name)
    m, n = A.shape
    x, y = logit_qre(A, B, 0.0)
    assert np.allclose(x, 1 / m, atol=1e-15) and np.allclose(y, 1 / n, atol=1e-15)
    path = logit_qre_path(A, B, max_lambda=1.0)
    assert path.lambdas[0] == 0.0 and path.lambdas[-1] == 1.0
    assert np.allclose(path.x[0], 1 / m) and np.allclose(path.y[0], 1 / n)


def test_matching_pennies_qre_is_uniform_at_every_lambda() -> None:
    lambdas = np.array([0.0, 0.1, 1.0, 10.0, 100.0, 1e4])
    path = logit_qre_path(PENNIES, -PENNIES, lambdas=lambdas)
    assert np.array_equal(path.lambdas, lambdas)
    assert np.allclose(path.x, 0.5, atol=1e-12) and np.allclose(path.y, 0.5, atol=1e-12)


def test_prisoners_dilemma_qre_converges_to_defection() -> None:
    lambdas = np.array([0.5, 1.0, 2.0, 5.0, 20.0])
    path = logit_qre_path(PD_A, PD_B, lambdas=lambdas)
    defect = path.x[:, 1]
    assert np.all(np.diff(defect) > 0)  # ever more likely
    assert defect[-1] > 1 - 1e-8 and path.y[-1, 1] > 1 - 1e-8
    for k, lam in enumerate(lambdas):
        assert logit_residual(PD_A, PD_B, lam, path.x[k], path.y[k]) <= 1e-9


@pytest.mark.parametrize(
    "name",
    [
        "matching_pennies",
        "prisoners_dilemma",
        "battle_of_the_sexes",
        "rock_paper_scissors",
        "shapley_1964_3x3",
        "coordination_3x3",
        "vonstengel2007_agt_3x2",
        "gambit_todd1",
    ],
)
def test_qre_approaches_a_nash_equilibrium(name: str) -> None:
    A, B = game(name)
    path = logit_qre_path(A, B)  # up to lambda * max|payoff| = 1e4
    assert distance_to_equilibria(A, B, path.x[-1], path.y[-1]) <= 1e-3
    assert path.x.min() >= 0.0 and path.y.min() >= 0.0
    assert np.allclose(path.x.sum(axis=1), 1.0) and np.allclose(path.y.sum(axis=1), 1.0)


def test_every_reported_point_is_a_qre() -> None:
    A, B = game("gambit_todd1")
    path = logit_qre_path(A, B, max_lambda=3.0)
    assert len(path) >= 3
    for lam, x, y in zip(path.lambdas, path.x, path.y, strict=True):
        assert logit_residual(A, B, lam, x, y) <= 1e-8


def test_branch_that_bends_back() -> None:
    # On Todd's second game the principal branch turns back near lambda = 0.5827, again
    # near lambda = 0.3555, then goes on up (Gambit's logit tracer finds the same turning
    # points). So there are three QREs on the branch at lambda = 0.5, and the one reported
    # is where the branch first reaches it.
    A, B = game("gambit_todd3_inaccessible")
    full = logit_qre_path(A, B, max_lambda=2.0)
    lam = full.lambdas
    assert lam[-1] == 2.0
    first_turn = int(np.argmax(np.diff(lam) < 0))
    assert 0.58 < lam[first_turn] < 0.5828
    later = lam[first_turn:]
    low = int(np.argmin(later))
    assert 0.3554 < later[low] < 0.36
    assert np.all(np.diff(later[low:]) > 0)
    crossings = np.flatnonzero(np.diff(np.sign(lam - 0.5)) != 0)
    assert len(crossings) == 3
    x = logit_qre(A, B, 0.5)[0]
    first = crossings[0]
    lo = np.minimum(full.x[first], full.x[first + 1])
    hi = np.maximum(full.x[first], full.x[first + 1])
    assert np.all(x >= lo - 1e-2) and np.all(x <= hi + 1e-2)
    for c in crossings[1:]:  # the other two are elsewhere
        assert np.abs(full.x[c] - x).max() > 0.3
    for value in (0.4, 0.5):
        xs, ys = logit_qre(A, B, value)
        assert logit_residual(A, B, value, xs, ys) <= 1e-8


def test_qre_agrees_with_gambit_on_random_games() -> None:
    import pygambit as gbt
    rng = np.random.default_rng(11)
    lambdas = [0.05, 0.5, 2.0]
    for _ in range(5):
        m, n = (int(v) for v in rng.integers(2, 5, size=2))
        A = rng.integers(-9, 10, size=(m, n)).astype(float)
        B = rng.integers(-9, 10, size=(m, n)).astype(float)
        g = gbt.Game.from_arrays(A, B)
        theirs = gbt.qre.logit_solve_lambda(g, lambdas, use_strategic=True)
        ours = logit_qre_path(A, B, lambdas=lambdas)
        row, col = list(g.players)
        for k, profile in enumerate(theirs):
            if abs(profile.lam - lambdas[k]) > 1e-6:
                continue  # Gambit reports the nearest point it stopped at
            gx = [float(profile.profile[s]) for s in row.strategies]
            gy = [float(profile.profile[s]) for s in col.strategies]
            assert np.allclose(ours.x[k], gx, atol=1e-7)
            assert np.allclose(ours.y[k], gy, atol=1e-7)


def test_qre_scales_with_payoffs() -> None:
    # Multiplying payoffs by c is the same as multiplying lambda by c.
    A, B = game("vonstengel2007_agt_3x2")
    x1, y1 = logit_qre(A, B, 2.0)
    x2, y2 = logit_qre(10.0 * A, 10.0 * B, 0.2)
    assert np.allclose(x1, x2, atol=1e-10) and np.allclose(y1, y2, atol=1e-10)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"lambdas": [1.0, 0.5]}, "nondecreasing"),
        ({"lambdas": [-1.0]}, "nonnegative"),
        ({"lambdas": []}, "nonempty"),
        ({"lambdas": [[1.0]]}, "1-D"),
        ({"max_lambda": 0.0}, "max_lambda"),
        ({"lambdas": [1.0], "max_lambda": 2.0}, "not both"),
        ({"tol": 0.0}, "tol"),
    ],
)
def test_qre_bad_arguments(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(SolverError, match=message):
        logit_qre_path(PD_A, PD_B, **kwargs)


def test_logit_qre_bad_lambda() -> None:
    with pytest.raises(SolverError, match="lam"):
        logit_qre(PD_A, PD_B, -0.1)
    with pytest.raises(SolverError, match="lam"):
        logit_qre(PD_A, PD_B, float("nan"))


# ---------------------------------------------------------------------------------------
# fictitious play


def test_fictitious_play_in_matching_pennies() -> None:
    run = fictitious_play(PENNIES, -PENNIES, iterations=2000, seed=3)
    assert len(run) == 2000
    assert run.x.shape == (2000, 2) and run.row_counts.shape == (2001, 2)
    assert np.allclose(run.x[-1], 0.5, atol=0.05) and np.allclose(run.y[-1], 0.5, atol=0.05)
    # Frequencies are counts over rounds, and play is a best reply to the past.
    assert np.allclose(run.x * np.arange(1, 2001)[:, None], run.row_counts[1:])
    assert not run.x.flags.writeable


def test_fictitious_play_in_a_dominance_solvable_game() -> None:
    # Row's action 1 strictly dominates action 0; then column's action 1 is the only best
    # reply. After a random first round, play is (1, 1) from the second round on.
    run = fictitious_play(PD_A, PD_B, iterations=200, seed=0)
    assert np.all(run.plays[1:] == 1)
    assert run.x[-1, 1] >= 0.99 and run.y[-1, 1] >= 0.99
    A3 = np.array([[3.0, 2.0, 4.0], [1.0, 0.0, 2.0], [2.0, 1.0, 3.0]])  # row 0 dominates
    B3 = np.array([[1.0, 3.0, 0.0], [2.0, 1.0, 0.0], [0.0, 2.0, 1.0]])
    run = fictitious_play(A3, B3, iterations=300, seed=1)
    assert run.x[-1, 0] >= 0.99 and run.y[-1, 1] >= 0.99


def test_fictitious_play_is_reproducible_and_leaves_the_global_generator() -> None:
    np.random.seed(123)
    before = np.random.random(3)
    np.random.seed(123)
    one = fictitious_play(RPS, -RPS, iterations=100, seed=5)
    assert np.array_equal(np.random.random(3), before)
    two = fictitious_play(RPS, -RPS, iterations=100, seed=5)
    assert np.array_equal(one.plays, two.plays)


def test_fictitious_play_bad_arguments() -> None:
    with pytest.raises(SolverError, match="iterations"):
        fictitious_play(PD_A, PD_B, iterations=0)
    with pytest.raises(SolverError, match="iterations"):
        fictitious_play(PD_A, PD_B, iterations=2.5)  # type: ignore[arg-type]
    with pytest.raises(SolverError, match="seed"):
        fictitious_play(PD_A, PD_B, iterations=3, seed="x")  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------
# replicator dynamics


def test_replicator_dynamics_in_the_prisoners_dilemma() -> None:
    times = np.linspace(0.0, 30.0, 301)
    path = replicator_dynamics(PD_A, PD_B, x0=[0.9, 0.1], y0=[0.6, 0.4], timepoints=times)
    assert len(path) == 301 and np.array_equal(path.t, times)
    assert path.x[0].tolist() == [0.9, 0.1] and path.y[0].tolist() == [0.6, 0.4]
    # On the simplex (up to the integration error) ...
    assert np.allclose(path.x.sum(axis=1), 1.0, atol=1e-6)
    assert np.allclose(path.y.sum(axis=1), 1.0, atol=1e-6)
    assert path.x.min() >= -1e-6 and path.y.min() >= -1e-6
    # ... and defection takes over, monotonically.
    assert np.all(np.diff(path.x[:, 1]) >= -1e-9)
    assert path.x[-1, 1] > 0.999 and path.y[-1, 1] > 0.999


def test_replicator_dynamics_in_matching_pennies_stays_on_the_simplex() -> None:
    # Interior orbits circle the mixed equilibrium; they neither converge nor leave.
    path = replicator_dynamics(PENNIES, -PENNIES, x0=[0.7, 0.3])
    assert path.t.shape == (1000,) and path.t[-1] == 10.0  # nashpy's default times
    assert np.allclose(path.x.sum(axis=1), 1.0, atol=1e-6)
    assert 0.0 < path.x[:, 0].min() < 0.5 < path.x[:, 0].max() < 1.0


def test_replicator_absent_actions_stay_absent() -> None:
    path = replicator_dynamics(RPS, -RPS, x0=[0.5, 0.5, 0.0], timepoints=[0.0, 1.0, 5.0])
    assert np.all(path.x[:, 2] == 0.0)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"x0": [0.5, 0.6]}, "sum to 1"),
        ({"x0": [1.5, -0.5]}, "nonnegative"),
        ({"y0": [1.0]}, "shape"),
        ({"timepoints": [0.0]}, "at least 2"),
        ({"timepoints": [0.0, 2.0, 1.0]}, "increasing"),
    ],
)
def test_replicator_bad_arguments(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(SolverError, match=message):
        replicator_dynamics(PD_A, PD_B, **kwargs)
