"""The dynamic game of a payoff file: the state grid, its transitions, the solvers on it, and
``leverage dynamic``; with a published stochastic game's equilibrium as the known answer.

Known answer: the discounted Big Match (Gillette 1957; Blackwell and Ferguson 1968, Annals of
Mathematical Statistics 39). Row plays T (absorbing) or B; column plays L or R. T L ends the
game with 1 a period for ever, T R with 0 for ever; B L pays 0, B R pays 1, and play goes on.
With discount d, the value V of the game (unnormalised) solves V = val [[1/(1-d), 0],
[d V, 1 + d V]]; the 2x2 formula gives V = 1/(2(1-d)) (the normalised value 1/2 for every d),
row plays T with probability (1-d)/(2-d) and column plays L with probability 1/2 (each leaves
the other indifferent). The game is zero-sum, so its Markov perfect equilibria are its optimal
stationary strategies (Shapley 1953) and the value is unique.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import model
from model.dynamics.state_grid import StateGrid, build
from model.errors import PayoffFileError, UsageError
from model.negotiation.stochastic import StochasticGame, backward_induction, markov_perfect

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "payoffs" / "baseline.yaml"
SMALL = {"years_cn_eda_substitution": 4, "eda_us_share": 2, "years_us_magnet_substitution": 4,
         "us_re_dependence": 3}


def _big_match(d: float) -> StochasticGame:
    # states: 0 playing, 1 absorbed paying 1, 2 absorbed paying 0; actions T/B, L/R
    A = np.zeros((3, 2, 2))
    A[0] = [[1.0, 0.0], [0.0, 1.0]]
    A[1] = 1.0
    P = np.zeros((3, 2, 2, 3))
    P[0, 0, 0, 1] = P[0, 0, 1, 2] = 1.0
    P[0, 1, :, 0] = 1.0
    P[1, :, :, 1] = P[2, :, :, 2] = 1.0
    return StochasticGame(A, -A, P, d)


@pytest.mark.parametrize("d", [0.5, 0.8, 0.95])
def test_the_discounted_big_match_has_its_published_value_and_strategies(d: float) -> None:
    r = markov_perfect(_big_match(d))
    assert r.verified
    assert r.values[0, 0] == pytest.approx(1 / (2 * (1 - d)), rel=1e-7)
    assert r.values[0, 0] * (1 - d) == pytest.approx(0.5, rel=1e-7)  # normalised: 1/2
    assert r.X[0, 0] == pytest.approx((1 - d) / (2 - d), abs=1e-7)
    assert r.Y[0, 0] == pytest.approx(0.5, abs=1e-7)


@given(seed=st.integers(0, 10_000))
@settings(max_examples=25, deadline=None)
def test_a_grid_lottery_has_the_point_as_its_expectation(seed: int) -> None:
    rng = np.random.default_rng(seed)
    d = int(rng.integers(1, 4))
    grid = StateGrid(tuple(f"p{k}" for k in range(d)),
                     tuple(np.linspace(rng.uniform(-5, 0), rng.uniform(1, 5),
                                       int(rng.integers(2, 6))) for _ in range(d)))
    pts = {n: rng.uniform(p[0], p[-1], 7) for n, p in zip(grid.names, grid.points, strict=True)}
    idx, w = grid.locate(pts)
    assert np.all(w >= -1e-15) and np.allclose(w.sum(axis=1), 1.0)
    values = grid.values()
    for n in grid.names:
        assert np.allclose((w * values[n][idx]).sum(axis=1), pts[n])


def test_sparse_and_dense_transitions_give_the_same_equilibrium() -> None:
    rng = np.random.default_rng(3)
    S, m, n, K = 6, 3, 2, 2
    A, B = rng.normal(size=(S, m, n)), rng.normal(size=(S, m, n))
    nxt = rng.integers(0, S, (S, m, n, K))
    w = rng.dirichlet(np.ones(K), (S, m, n))
    P = np.zeros((S, m, n, S))
    for s, i, j, k in np.ndindex(S, m, n, K):
        P[s, i, j, nxt[s, i, j, k]] += w[s, i, j, k]
    sparse = StochasticGame.from_sparse(A, B, nxt, w, 0.8)
    dense = StochasticGame(A, B, P, 0.8)
    V = rng.normal(size=(S, 2))
    assert all(np.allclose(u, v) for u, v in zip(sparse.continuation_all(V),
                                                 dense.continuation_all(V), strict=True))
    s1, s2 = backward_induction(sparse, 4), backward_induction(dense, 4)
    assert np.allclose(s1.values, s2.values)


def test_the_baseline_grid_moves_the_state_as_the_rules_say() -> None:
    game = model.load(BASELINE)
    built = build(game, model.Setting(), grid=SMALL)
    sg = built.game
    assert sg.A.shape == (4 * 2 * 4 * 3, *game.shape)
    # the stage games are the file's payoffs at each state's values
    values = built.grid.values()
    s = 17
    point = {k: float(v[s]) for k, v in values.items()}
    A, B = game.matrices(point)
    assert np.allclose(sg.A[s], A) and np.allclose(sg.B[s], B)
    # the expected next state is the simulate rule's move (inside the ranges)
    from model.dynamics.simulate import _moved
    from model.rules import _env

    i, j = 3, 5
    x, y = np.eye(game.shape[0])[i], np.eye(game.shape[1])[j]
    full = game.resolve(point)
    moved, _ = _moved(game, full, _env(game, full), x, y)
    row = sg.T[(s * game.shape[0] + i) * game.shape[1] + j].toarray().ravel()
    for name in built.grid.names:
        assert row @ values[name] == pytest.approx(moved[name])


def test_the_baseline_markov_perfect_equilibrium_is_verified() -> None:
    r = model.dynamic(model.load(BASELINE), grid=SMALL, periods=5)
    assert r.verified and r.converged and r.regret <= 1e-7 * 100
    assert len(r.path) == 5 and r.provenance["method"].startswith("the dynamic game")
    assert 0 <= r.pure_states <= 1 and r.whole_complete  # says what its choice covered
    for p in r.path:
        for side in p.cards:
            for levels in side.values():
                assert sum(levels.values()) == pytest.approx(1.0)
    json.dumps(r.to_json(), allow_nan=False)
    assert set(r.to_frame().columns) >= {"period", "player", "chip", "level", "probability"}


def test_finite_horizon_last_period_is_the_one_shot_game() -> None:
    game = model.load(BASELINE)
    built = build(game, model.Setting(), grid=SMALL)
    r = backward_induction(built.game, 3)
    # in the last period nothing follows: each state's profile is an equilibrium of its stage game
    A, B = built.game.A, built.game.B
    X, Y = r.X[-1], r.Y[-1]
    gain_row = np.einsum("sij,sj->si", A, Y).max(1) - np.einsum("si,sij,sj->s", X, A, Y)
    gain_col = np.einsum("si,sij->sj", X, B).max(1) - np.einsum("si,sij,sj->s", X, B, Y)
    assert gain_row.max() <= 1e-9 * 100 and gain_col.max() <= 1e-9 * 100


def _edited(tmp_path: Path, old: str, new: str) -> Path:
    text = BASELINE.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "edited.yaml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


@pytest.mark.parametrize("old, new, words", [
    ("    eda_us_share: 3\n", "    eda_share: 3\n", "'eda_share' is not a parameter"),
    ("    eda_us_share: 3\n", "    patience: 3\n", "no rule moves 'patience'"),
    ("    eda_us_share: 3\n", "", "missing: eda_us_share"),
    ("    eda_us_share: 3\n", "    eda_us_share: 1\n", "greater than or equal to 2"),
    ("    eda_us_share: 3\n", "    eda_us_share: 100\n", "more than the 100,000 allowed"),
])
def test_a_bad_grid_is_refused_at_its_line(tmp_path: Path, old: str, new: str,
                                           words: str) -> None:
    path = _edited(tmp_path, old, new)
    with pytest.raises(PayoffFileError) as info:
        model.load(path)
    text = str(info.value)
    assert words in text and f"{path}:" in text
    line = int(text.split(f"{path}:")[1].split(":")[0])
    assert "grid" in path.read_text().splitlines()[line - 1] or line > 800


def test_bad_arguments_are_refused() -> None:
    game = model.load(BASELINE)
    with pytest.raises(UsageError, match="not a parameter the dynamics rules move"):
        model.dynamic(game, grid={"patience": 3})
    with pytest.raises(UsageError, match="horizon"):
        model.dynamic(game, grid=SMALL, horizon=0)
    with pytest.raises(UsageError, match="no dynamics section"):
        model.dynamic(model.load(ROOT / "payoffs" / "textbook" / "chicken.yaml"))


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "model", "dynamic", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


def test_the_command_prints_a_verified_path_and_json() -> None:
    grid = [a for k, v in SMALL.items() for a in ("--grid", f"{k}={v}")]
    out = _cli("payoffs/baseline.yaml", *grid, "--periods", "4")
    assert out.returncode == 0, out.stderr
    assert "Verified" in out.stdout and "Markov perfect" in out.stdout
    assert max(len(line) for line in out.stdout.splitlines()) <= 100
    doc = json.loads(_cli("payoffs/baseline.yaml", *grid, "--horizon", "3", "--json").stdout)
    assert doc["kind"].startswith("subgame-perfect") and len(doc["path"]) == 3
    assert {"pure_states", "whole_states", "whole_complete"} <= set(doc)
    bad = _cli("payoffs/textbook/chicken.yaml")
    assert bad.returncode == 2 and "no dynamics section" in bad.stderr
    two = [a for k in SMALL for a in ("--grid", f"{k}=2")]
    bad = _cli("tests/data/plus_two_chips.yaml", "--include-dir", "payoffs", *two)
    assert bad.returncode == 2 and "even the smallest grid is too large" in bad.stderr
    bad = _cli("payoffs/baseline.yaml", "--grid", "us_re_dependence=x")
    assert bad.returncode == 2 and "NAME=POINTS" in bad.stderr
