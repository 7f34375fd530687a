"""Whether a deal holds in the repeated game: known thresholds, punishments, the command."""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import model
from model.cli.main import main
from model.errors import UsageError
from model.negotiation.repeated import (
    credibility,
    deal_profile,
    finite_threshold,
    first_holding,
    grim_threshold,
    minmax,
    punisher_condition,
)

ROOT = Path(__file__).resolve().parents[1]
PD = str(ROOT / "payoffs/textbook/prisoners_dilemma.yaml")
BASELINE = str(ROOT / "payoffs/baseline.yaml")

# payoffs/SOURCES.md, domain_textbook: A=[[3,0],[5,1]], B=[[3,5],[0,1]]; T=5, R=3, P=1, S=0
PD_A = [[3, 0], [5, 1]]
PD_B = [[3, 5], [0, 1]]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# ---------------------------------------------------------------------------- known answers
def test_prisoners_dilemma_grim_trigger_threshold_is_one_half() -> None:
    r = credibility(PD_A, PD_B, (0, 0), discount=0.6)
    assert r.payoffs == (3.0, 3.0)
    for s in r.sides:
        assert s.gain == 2.0
        assert s.punishment.deviator_payoff == 1.0 and s.punishment.stage_equilibrium
        assert s.grim == pytest.approx((5 - 3) / (5 - 1))  # (T - R) / (T - P)
        assert s.threshold == pytest.approx(0.5)
        assert s.holds
    assert r.holds
    assert credibility(PD_A, PD_B, (0, 0), discount=0.49).holds is False
    assert credibility(PD_A, PD_B, (0, 0)).holds is None  # no discount factor: no verdict


def test_grim_threshold_is_where_keeping_and_reneging_are_worth_the_same() -> None:
    g, d, p = 2.0, 3.0, 1.0
    delta = grim_threshold(g, d, p)
    keep = d / (1 - delta)
    renege = d + g + delta * p / (1 - delta)
    assert keep == pytest.approx(renege)
    assert grim_threshold(0.0, d, p) == 0.0  # nothing to gain: any patience
    assert math.isinf(grim_threshold(1.0, 1.0, 2.0))  # punishment better than the deal


def test_finite_punishment_needs_more_patience_and_tends_to_grim() -> None:
    grim = grim_threshold(2, 3, 1)
    assert math.isinf(finite_threshold(2, 3, 1, 1))  # one period: 2 <= 2 delta needs delta = 1
    # two periods: 2 <= 2 (delta + delta**2), the golden ratio conjugate
    assert finite_threshold(2, 3, 1, 2) == pytest.approx((math.sqrt(5) - 1) / 2, abs=1e-12)
    values = [finite_threshold(2, 3, 1, L) for L in (2, 3, 5, 10, 20, 60)]
    assert all(a > b for a, b in itertools.pairwise(values))
    assert all(v > grim for v in values[:-1]) and values[-1] >= grim
    assert values[-1] == pytest.approx(grim, abs=1e-9)
    # exact at the root: the inequality binds
    d3 = finite_threshold(2, 3, 1, 3)
    assert 2 * (d3 + d3**2 + d3**3) == pytest.approx(2.0, abs=1e-12)


def test_finite_punishment_through_credibility() -> None:
    r = credibility(PD_A, PD_B, (0, 0), discount=0.6, length=3)
    for s in r.sides:
        assert s.finite == pytest.approx(finite_threshold(2, 3, 1, 3))
        assert s.grim == pytest.approx(0.5)
        assert s.threshold == pytest.approx(s.finite)
    assert r.holds  # 0.6 > 0.5437
    assert not credibility(PD_A, PD_B, (0, 0), discount=0.52, length=3).holds


@settings(max_examples=100, deadline=None)
@given(st.floats(0.01, 10), st.floats(0.01, 10), st.integers(1, 40))
def test_finite_threshold_is_the_root_of_the_polynomial(gain: float, loss: float,
                                                       length: int) -> None:
    delta = finite_threshold(gain, loss, 0.0, length)
    if math.isinf(delta):
        assert gain >= length * loss
        return
    total = sum(delta**t for t in range(1, length + 1))
    assert loss * total >= gain * (1 - 1e-12)
    below = max(delta - 1e-9, 0.0)
    assert loss * sum(below**t for t in range(1, length + 1)) <= gain * (1 + 1e-12)
    assert delta >= grim_threshold(gain, loss, 0.0) - 1e-12


# ---------------------------------------------------------------------------- minmax
# Row: C, D; column: c, d and a costly punishment p. D dominates C for the row player, so
# its minmax is min over y of (5, 1, -1).y = -1 (column plays p). The column player's p is
# strictly dominated, so the only Nash equilibrium is (D, d), payoffs (1, 1); the column
# player's minmax is min over q of max(3q, 1 + 4q, -5) = 1.
FOLK_A = [[3, 0, -2], [5, 1, -1]]
FOLK_B = [[3, 5, -5], [0, 1, -5]]


def test_minmax_values_by_linear_programming() -> None:
    v, held = minmax(FOLK_A, FOLK_B, 0)
    assert v == pytest.approx(-1.0) and held == pytest.approx([0, 0, 1])
    v, held = minmax(FOLK_A, FOLK_B, 1)
    assert v == pytest.approx(1.0) and held == pytest.approx([0, 1])
    v, _ = minmax(PD_A, PD_B, 1)
    assert v == pytest.approx(1.0)
    # matching pennies: each side can be held to 0 by the other's 1/2-1/2 mix
    v, held = minmax([[1, -1], [-1, 1]], [[-1, 1], [1, -1]], 0)
    assert v == pytest.approx(0.0, abs=1e-9) and held == pytest.approx([0.5, 0.5])


def test_minmax_punishment_gives_the_folk_theorem_threshold() -> None:
    nash = credibility(FOLK_A, FOLK_B, (0, 0), discount=0.45, punishment="equilibrium")
    folk = credibility(FOLK_A, FOLK_B, (0, 0), discount=0.45, punishment="minmax")
    row_n, row_f = nash.sides[0], folk.sides[0]
    assert row_n.grim == pytest.approx(2 / (2 + 3 - 1))  # Nash reversion: payoff 1
    assert row_f.grim == pytest.approx(2 / (2 + 3 - (-1)))  # minmax -1: g / (g + d - v)
    assert row_f.grim < row_n.grim
    assert folk.sides[1].grim == pytest.approx(0.5)  # the column player's minmax is its Nash
    # holding the row player at -1 costs the column player 5 a period: not a stage equilibrium,
    # and worse for it than letting the row player renege (payoff 0), so not credible for good
    assert not row_f.punishment.stage_equilibrium
    assert row_f.punishment.punisher_payoff == pytest.approx(-5.0)
    assert row_f.acquiesce_payoff == pytest.approx(0.0)
    assert math.isinf(row_f.credibility) and row_f.holds is False


def test_minmax_never_above_the_worst_equilibrium_payoff() -> None:
    rng = np.random.default_rng(3)
    for _ in range(20):
        A = rng.integers(-5, 6, (3, 3)).astype(float)
        B = rng.integers(-5, 6, (3, 3)).astype(float)
        n = credibility(A, B, (0, 0), punishment="equilibrium")
        f = credibility(A, B, (0, 0), punishment="minmax")
        for sn, sf in zip(n.sides, f.sides, strict=True):
            assert sf.punishment.deviator_payoff <= sn.punishment.deviator_payoff + 1e-9
            assert sf.grim <= sn.grim + 1e-12


# ---------------------------------------------------------------------------- the cost
def test_reimpose_cost_raises_the_threshold_through_the_punisher() -> None:
    # Column punishes Row: it gets P = 1 a period instead of S = 0 if it let Row renege, so
    # a one-off cost C is worth paying when C (1 - delta) <= 1: delta >= 1 - 1/C.
    r = credibility(PD_A, PD_B, (0, 0), discount=0.7, cost=(0.0, 4.0))
    row, col = r.sides
    assert row.cost == 4.0 and col.cost == 0.0
    assert row.credibility == pytest.approx(0.75)
    assert row.threshold == pytest.approx(0.75)
    assert not row.holds and not row.punishment_worth_it
    assert col.threshold == pytest.approx(0.5) and col.holds
    assert credibility(PD_A, PD_B, (0, 0), discount=0.8, cost=(0.0, 4.0)).holds
    # a cheap re-imposition changes nothing
    assert credibility(PD_A, PD_B, (0, 0), cost=0.5).sides[0].credibility == 0.0


def test_reimpose_cost_with_a_finite_punishment() -> None:
    r = credibility(PD_A, PD_B, (0, 0), discount=0.9, length=2, cost=3.0)
    s = r.sides[0]

    def worth(delta: float) -> float:
        return punisher_condition(delta, 3.0, 1.0, 3.0, 0.0, 2)

    assert worth(s.credibility) == pytest.approx(0.0, abs=1e-9)
    grid = np.linspace(s.credibility + 1e-6, 0.999, 50)
    assert all(worth(float(d)) >= 0 for d in grid)
    assert first_holding(lambda d: d - 0.3) == pytest.approx(0.3, abs=1e-12)
    assert first_holding(lambda d: 1.0) == 0.0
    assert math.isinf(first_holding(lambda d: -1.0))


# ---------------------------------------------------------------------------- deal names
def test_deal_profiles_by_outcome_index_code_and_labels() -> None:
    game = model.load(PD)
    A, B = game.matrices()
    assert deal_profile(game, A, B, "mutual_cooperation") == (0, 0)
    assert deal_profile(game, A, B, "Mutual_Defection") == (1, 1)
    assert deal_profile(game, A, B, "profile:0,1") == (0, 1)
    assert deal_profile(game, A, B, "profile:R2,C1") == (1, 0)
    assert deal_profile(game, A, B, "cooperate / defect") == (0, 1)
    with pytest.raises(UsageError, match="unknown deal"):
        deal_profile(game, A, B, "mutual_cooperatoin")
    with pytest.raises(UsageError, match="profile"):
        deal_profile(game, A, B, "profile:2,0")


def test_baseline_deal_profile_has_the_largest_total_payoff_of_its_outcome() -> None:
    game = model.load(BASELINE)
    A, B = game.matrices()
    i, j = deal_profile(game, A, B, "deal")
    assert game.outcome_of(i, j) == "deal"
    mask = next(o.mask for o in game.outcomes if o.name == "deal")
    assert A[i, j] + B[i, j] == pytest.approx((A + B)[mask].max())


# ---------------------------------------------------------------------------- the command
def test_cli_prisoners_dilemma_json(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out_file = tmp_path / "cred.json"
    code, out, err = run(capsys, "credibility", PD, "--deal", "mutual_cooperation",
                         "--discount", "0.6", "--json", "--out", str(out_file))
    assert code == 0, err
    assert out == ""
    doc = json.loads(out_file.read_text())
    assert doc["deal"]["profile"] == [0, 0] and doc["deal"]["payoffs"] == [3.0, 3.0]
    assert doc["discount"] == {"value": 0.6, "source": "0.6"}
    assert doc["critical_discount"] == pytest.approx(0.5)
    assert doc["holds"] is True
    for side in doc["sides"]:
        assert side["gain"] == 2.0
        assert side["critical_discount_grim"] == pytest.approx(0.5)
        assert side["punishment"]["equilibrium"] == "E1"


def test_cli_text_says_it_in_sentences(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "credibility", BASELINE, "--deal", "deal")
    assert code == 0, err
    out = " ".join(out.split())  # sentences are wrapped
    assert "tomorrow they might want to take it back" in out
    assert "a year by reneging" in out
    assert "values next year's payoff at more than" in out
    assert "(patience 0.90: it" in out
    assert "Verdict:" in out


def test_cli_scenarios_formulas_and_costs(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "credibility", BASELINE, "--deal", "deal", "--scenario",
                         "dec_2024", "--discount", "patience ** 2", "--punishment", "minmax",
                         "--punishment-length", "4", "--reimpose-cost", "China=1.5",
                         "--reimpose-cost", "US=eda_china_revenue", "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["discount"]["value"] == pytest.approx(doc["parameters"]["patience"] ** 2)
    assert doc["punishment"] == {"kind": "minmax", "length": 4}
    us, china = doc["sides"]
    assert china["punisher"]["reimpose_cost"] == pytest.approx(
        doc["parameters"]["eda_china_revenue"])  # the US punishes China
    assert us["punisher"]["reimpose_cost"] == 1.5
    assert isinstance(doc["holds"], bool)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--deal", "no_such_deal"], "unknown deal"),
        (["--deal", "mutual_cooperation", "--discount", "1.2"], "strictly between 0 and 1"),
        (["--deal", "mutual_cooperation", "--discount", "0"], "strictly between 0 and 1"),
        (["--deal", "mutual_cooperation", "--discount", "patience"], "unknown name"),
        (["--deal", "mutual_cooperation", "--punishment", "revenge"], "unknown punishment"),
        (["--deal", "mutual_cooperation", "--punishment", "equilibrium:7"], "from 1 to 1"),
        (["--deal", "mutual_cooperation", "--punishment-length", "0"], "at least 1"),
        (["--deal", "mutual_cooperation", "--reimpose-cost", "-1"], ">= 0"),
    ],
)
def test_cli_bad_input_exits_2(capsys: pytest.CaptureFixture[str], args: list[str],
                               message: str) -> None:
    code, _, err = run(capsys, "credibility", PD, *args)
    assert code == 2
    assert message in err
