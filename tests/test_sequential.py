"""Leadership (Stackelberg) games: known answers, properties on random games, the command."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from model.cli.main import main
from model.negotiation.commitment_lp import LP_TOL
from model.negotiation.stackelberg import mixed_commitment, pure_commitment, stackelberg
from model.solvers.equilibria import solve

ROOT = Path(__file__).resolve().parents[1]
PD = str(ROOT / "payoffs/textbook/prisoners_dilemma.yaml")
BOS = str(ROOT / "payoffs/textbook/battle_of_the_sexes.yaml")
BASELINE = str(ROOT / "payoffs/baseline.yaml")

# von Stengel and Zamir (2010), "Leadership games with convex strategy sets", GEB 69(2): the
# introductory 2x2 game in which committing to a mix beats committing to an action. Leader
# (rows T, B) payoffs and follower (columns l, r) payoffs:
VSZ_A = [[2, 4], [1, 3]]
VSZ_B = [[1, 0], [0, 1]]
# By hand: T strictly dominates B for the leader, so the only Nash equilibrium is (T, l) with
# payoffs (2, 1). Committing to B makes r the follower's reply: 3. Committing to T with
# probability p, the follower plays r while p <= 1/2 (ties for the leader), giving 3 + p: the
# best mix is p = 1/2 with payoff 3.5 to the leader and 1/2 to the follower.


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# ---------------------------------------------------------------------------- known answers
def test_mixed_commitment_beats_pure_commitment_von_stengel_zamir() -> None:
    r = stackelberg(VSZ_A, VSZ_B, leader=0)
    assert r.nash_best.payoffs == pytest.approx((2.0, 1.0))
    assert r.nash_worst.payoffs == pytest.approx((2.0, 1.0))
    assert r.pure.strategy.tolist() == [0.0, 1.0] and r.pure.reply == 1
    assert r.pure.payoffs == pytest.approx((3.0, 1.0))
    assert r.mixed.strategy == pytest.approx([0.5, 0.5], abs=1e-9)
    assert r.mixed.reply == 1
    assert r.mixed.payoffs == pytest.approx((3.5, 0.5), abs=1e-9)
    assert set(r.mixed.best_replies) == {0, 1}  # the follower is indifferent at the optimum
    assert r.value_pure == pytest.approx((1.0, 1.0))
    assert r.value_mixed == pytest.approx((1.5, 1.5), abs=1e-9)


def test_weak_mixed_commitment_is_a_supremum_approached_from_inside() -> None:
    r = stackelberg(VSZ_A, VSZ_B, leader=0, tie_break="follower-worst")
    assert r.tie_break == "follower-worst"
    assert r.mixed.payoffs[0] == pytest.approx(3.5, abs=1e-9)
    assert not r.mixed.attained
    assert r.mixed.approach is not None
    L, F = np.array(VSZ_A, float), np.array(VSZ_B, float)
    for e in (1e-1, 1e-3, 1e-6):
        x = (1 - e) * r.mixed.strategy + e * r.mixed.approach
        u = x @ F
        assert u[1] > u[0]  # the reply is unique there ...
        assert x @ L[:, 1] > 3.5 - 2 * e  # ... and the leader gets close to the supremum
    # pure commitments need no supremum: B against r is strict
    assert r.pure.payoffs == pytest.approx((3.0, 1.0)) and r.pure.attained


def test_prisoners_dilemma_leadership_is_worth_nothing() -> None:
    A, B = [[3, 0], [5, 1]], [[3, 5], [0, 1]]
    for leader in (0, 1):
        r = stackelberg(A, B, leader)
        assert r.pure.payoffs == pytest.approx((1.0, 1.0))
        assert r.mixed.payoffs == pytest.approx((1.0, 1.0), abs=1e-9)
        assert r.value_pure == pytest.approx((0.0, 0.0))
        assert r.value_mixed == pytest.approx((0.0, 0.0), abs=1e-9)


@pytest.mark.parametrize(("leader", "action"), [(0, 0), (1, 1)])
def test_battle_of_the_sexes_leader_gets_its_preferred_equilibrium(leader: int,
                                                                  action: int) -> None:
    A, B = [[2, 0], [0, 1]], [[1, 0], [0, 2]]
    r = stackelberg(A, B, leader)
    assert r.pure.strategy[action] == 1 and r.pure.reply == action
    assert r.pure.payoffs == pytest.approx((2.0, 1.0))
    assert r.mixed.payoffs[0] == pytest.approx(2.0, abs=1e-9)
    # against the mixed equilibrium (2/3 each) moving first is worth 4/3; against its own
    # preferred equilibrium nothing
    assert r.nash_worst.payoffs[0] == pytest.approx(2 / 3)
    assert r.value_pure == pytest.approx((0.0, 4 / 3))


def test_tie_break_decides_the_pure_commitment() -> None:
    # leader rows: row 0 leaves the follower indifferent between a reply worth 3 and one
    # worth 0 to the leader; row 1 gives 1 for sure
    L = [[3, 0], [1, 1]]
    F = [[1, 1], [0, 1]]
    strong = pure_commitment(L, F)
    weak = pure_commitment(L, F, tie_break="follower-worst")
    assert strong.strategy.tolist() == [1.0, 0.0] and strong.payoffs[0] == 3
    assert strong.best_replies == (0, 1)
    assert weak.strategy.tolist() == [0.0, 1.0] and weak.payoffs[0] == 1


def test_column_leader_is_the_row_leader_of_the_transposed_game() -> None:
    rng = np.random.default_rng(7)
    A, B = rng.integers(-5, 6, (3, 4)).astype(float), rng.integers(-5, 6, (3, 4)).astype(float)
    col = stackelberg(A, B, 1)
    row = stackelberg(B.T, A.T, 0)
    assert col.pure.payoffs == pytest.approx(row.pure.payoffs)
    assert col.mixed.payoffs == pytest.approx(row.mixed.payoffs, abs=1e-8)
    assert col.nash_best.payoffs == pytest.approx(row.nash_best.payoffs)


def test_bad_arguments_are_refused() -> None:
    from model.solvers._common import SolverError

    with pytest.raises(SolverError, match="leader"):
        stackelberg(VSZ_A, VSZ_B, leader=2)
    with pytest.raises(SolverError, match="tie_break"):
        stackelberg(VSZ_A, VSZ_B, tie_break="nice")


# ---------------------------------------------------------------------------- properties
games = st.integers(2, 4).flatmap(
    lambda m: st.integers(2, 4).flatmap(
        lambda n: st.tuples(
            st.lists(st.lists(st.integers(-6, 6), min_size=n, max_size=n), min_size=m,
                     max_size=m),
            st.lists(st.lists(st.integers(-6, 6), min_size=n, max_size=n), min_size=m,
                     max_size=m),
        )
    )
)


@settings(max_examples=60, deadline=None)
@given(games, st.integers(0, 1))
def test_mixed_commitment_is_at_least_pure_commitment_and_every_nash_payoff(
    game: tuple[list[list[int]], list[list[int]]], leader: int
) -> None:
    A, B = np.array(game[0], float), np.array(game[1], float)
    r = stackelberg(A, B, leader)
    slack = 1e-7 * max(1.0, float(np.abs(A).max()), float(np.abs(B).max()))
    assert r.mixed.payoffs[0] >= r.pure.payoffs[0] - slack
    assert r.mixed.payoffs[0] >= r.nash_best.payoffs[0] - slack  # von Stengel and Zamir 2010
    # the reply is a best reply to the commitment, and the payoffs are what it gives
    L, F = (A, B) if leader == 0 else (B.T, A.T)
    x, j = r.mixed.strategy, r.mixed.reply
    assert np.isclose(x.sum(), 1) and (x >= 0).all()
    assert x @ F[:, j] >= (x @ F).max() - LP_TOL * max(1.0, float(np.abs(F).max()))
    assert r.mixed.payoffs[0] == pytest.approx(float(x @ L[:, j]))
    # weak values never exceed strong ones; the weak supremum is at least the weak pure value
    weak = stackelberg(A, B, leader, tie_break="follower-worst", simultaneous=r.simultaneous)
    assert weak.pure.payoffs[0] <= r.pure.payoffs[0] + slack
    assert weak.mixed.payoffs[0] <= r.mixed.payoffs[0] + slack
    assert weak.mixed.payoffs[0] >= weak.pure.payoffs[0] - slack


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(-6, 6), min_size=6, max_size=6),
       st.lists(st.integers(-6, 6), min_size=6, max_size=6))
def test_mixed_commitment_matches_a_grid_search_on_two_actions(l_: list[int],
                                                               f: list[int]) -> None:
    L, F = np.array(l_, float).reshape(2, 3), np.array(f, float).reshape(2, 3)
    c = mixed_commitment(L, F)
    best = -np.inf
    for p in np.linspace(0, 1, 2001):
        x = np.array([p, 1 - p])
        u = x @ F
        br = np.flatnonzero(u >= u.max() - 1e-12)
        best = max(best, float(max(x @ L[:, k] for k in br)))
    assert best <= c.payoffs[0] + 1e-7
    assert c.payoffs[0] <= best + 0.01  # the grid is 1/2000 apart; payoffs are at most 6


# ---------------------------------------------------------------------------- the command
def test_cli_baseline_with_each_leader(capsys: pytest.CaptureFixture[str]) -> None:
    for leader in ("US", "china"):
        code, out, err = run(capsys, "sequential", BASELINE, "--leader", leader)
        assert code == 0, err
        assert "pure commitment" in out and "mixed commitment" in out
        assert "Value of moving first" in out
        assert "strong Stackelberg" in out


def test_cli_json(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out_file = tmp_path / "seq.json"
    code, out, err = run(capsys, "sequential", BOS, "--leader", "row", "--json",
                         "--out", str(out_file))
    assert code == 0, err
    assert out == ""
    doc = json.loads(out_file.read_text())
    assert doc["leader"] == "Row" and doc["follower"] == "Column"
    assert doc["tie_break"] == "leader-best"
    assert doc["pure"]["leader_actions"] == {"bach": 1.0}
    assert doc["pure"]["follower_reply"] == "bach"
    assert doc["pure"]["payoffs"] == [2.0, 1.0]
    assert doc["pure"]["outcome"] == "together_bach"
    assert doc["pure"]["simultaneous_equilibrium"] == "E1"
    v = doc["value_of_moving_first"]
    assert v["Row"]["value_pure"]["vs_worst"] == pytest.approx(4 / 3)
    assert v["Column"]["leading"]["pure"] == 2.0
    assert doc["simultaneous"]["worst_for_leader"]["payoffs"][0] == pytest.approx(2 / 3)


def test_cli_weak_tie_break_on_the_prisoners_dilemma(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "sequential", PD, "--leader", "Column", "--tie-break",
                         "follower-worst", "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["tie_break"] == "follower-worst"
    assert doc["mixed"]["payoffs"] == pytest.approx([1.0, 1.0])
    assert doc["value_of_moving_first"]["Column"]["value_mixed"]["vs_best"] == pytest.approx(
        0.0, abs=1e-9)


def test_cli_unknown_leader_exits_2_naming_the_players(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = run(capsys, "sequential", BASELINE, "--leader", "EU")
    assert code == 2
    assert "unknown leader 'EU'" in err and "US" in err and "China" in err


def test_solve_is_consistent_with_the_simultaneous_part() -> None:
    A, B = [[2, 0], [0, 1]], [[1, 0], [0, 2]]
    r = stackelberg(A, B, 0)
    assert len(r.simultaneous.equilibria) == len(solve(A, B).equilibria) == 3
