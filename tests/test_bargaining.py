"""Bargaining solutions: known answers worked by hand, properties, and the pipeline on the
payoff files."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import model
from model.errors import UsageError
from model.negotiation.bargaining import (
    NoBargainError,
    bargain,
    egalitarian_solution,
    feasible_set,
    first_proposer_share,
    kalai_smorodinsky_solution,
    nash_solution,
    pareto_frontier,
    rubinstein,
    variable_threats,
)
from model.negotiation.bargaining.disagreement import (
    maxmin_point,
    parse_profile,
    select_equilibrium,
)
from model.negotiation.bargaining.leverage import leverage, round_step
from model.negotiation.bargaining.pipeline import BargainOptions
from model.negotiation.bargaining.solutions import nash_product

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "payoffs/baseline.yaml"
TEXTBOOK = ROOT / "payoffs/textbook"

# The two sets of Kalai and Smorodinsky's (1975) example against the Nash solution's
# monotonicity: T adds to S agreements better for the row player and moves the Nash solution
# against the column player, whose best payoff has not changed.
KS_S = [(0, 0), (0, 1), (0.75, 0.75), (1, 0)]
KS_T = [(0, 0), (0, 1), (1, 0.7), (1, 0)]
# The triangle (0,0), (1,0), (0,2): frontier u + v/2 = 1.
TRIANGLE = [(0, 0), (1, 0), (0, 2)]


def close(a, b, tol=1e-9):
    return np.allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float), atol=tol, rtol=0)


# ------------------------------------------------------------------ feasible set and frontier
def test_frontier_of_the_prisoners_dilemma() -> None:
    fs = feasible_set([[3, 0], [5, 1]], [[3, 5], [0, 1]])
    assert [v.payoffs for v in fs.frontier.vertices] == [(0, 5), (3, 3), (5, 0)]
    assert [v.profiles for v in fs.frontier.vertices] == [((0, 1),), ((0, 0),), ((1, 0),)]
    assert len(fs.hull) == 4


@pytest.mark.parametrize(
    ("points", "frontier"),
    [
        pytest.param([(1, 1)], [(1, 1)], id="one-point"),
        pytest.param([(1, 1), (1, 1), (0, 0)], [(1, 1)], id="dominating-duplicate"),
        pytest.param([(0, 2), (1, 1), (2, 0)], [(0, 2), (1, 1), (2, 0)], id="collinear-kept"),
        pytest.param([(0, 0), (1, 1), (2, 2)], [(2, 2)], id="diagonal-line"),
        pytest.param([(0, 1), (1, 1), (1, 0)], [(1, 1)], id="corner-dominates"),
        pytest.param([(0, 3), (1, 1), (3, 0)], [(0, 3), (3, 0)], id="inside-point-dropped"),
        pytest.param([(0, 3), (0, 1), (2, 3), (3, 0)], [(2, 3), (3, 0)], id="weak-edge-dropped"),
    ],
)
def test_frontier_of_small_sets(points, frontier) -> None:
    f = pareto_frontier(points)
    assert [v.payoffs for v in f.vertices] == [tuple(map(float, p)) for p in frontier]


def test_hull_of_degenerate_sets() -> None:
    assert len(feasible_set([[1, 1]], [[1, 1]]).hull) == 1
    line = feasible_set([[0, 1, 2]], [[2, 1, 0]])
    assert sorted(v.payoffs for v in line.hull) == [(0, 2), (2, 0)]


def test_a_frontier_point_is_a_lottery_over_two_adjacent_vertices() -> None:
    f = pareto_frontier([(0, 3), (2, 2), (3, 0), (1, 1)])
    assert len(f.vertices) == 3
    terms = f.locate((2.5, 1))
    assert [k for _, k in terms] == [1, 2]
    assert close([p for p, _ in terms], [0.5, 0.5])
    assert f.locate((2, 2)) == [(1.0, 1)]


# ------------------------------------------------------------------ Nash, KS, egalitarian
@pytest.mark.parametrize("a", [0.1, 0.25, 0.5, 0.6, 0.9])
def test_nash_with_powers_on_the_unit_line(a: float) -> None:
    """On u + v = 1 from (0, 0) the Nash solution with powers (a, 1 - a) is (a, 1 - a)."""
    assert close(nash_solution([(0, 1), (1, 0)], (0, 0), a), (a, 1 - a))


def test_nash_solution_on_a_symmetric_set_is_symmetric() -> None:
    assert close(nash_solution(KS_S, (0, 0)), (0.75, 0.75))


def test_kalai_smorodinsky_example() -> None:
    """On T the Nash solution gives the column player 0.7, less than its 0.75 on S although
    its best payoff is 1 on both; Kalai-Smorodinsky gives both 10/13 on T (the line u = v
    meets v = 1 - 0.3 u at u = 1/1.3)."""
    assert close(nash_solution(KS_T, (0, 0)), (1, 0.7))
    assert close(kalai_smorodinsky_solution(KS_S, (0, 0)), (0.75, 0.75))
    assert close(kalai_smorodinsky_solution(KS_T, (0, 0)), (10 / 13, 10 / 13))


def test_the_triangle_by_hand() -> None:
    """Frontier u + v/2 = 1, ideal point (1, 2): KS on v = 2u is (1/2, 1); Nash maximises
    u (2 - 2u), at u = 1/2; egalitarian has u = v = 2/3."""
    assert close(kalai_smorodinsky_solution(TRIANGLE, (0, 0)), (0.5, 1))
    assert close(nash_solution(TRIANGLE, (0, 0)), (0.5, 1))
    assert close(egalitarian_solution(TRIANGLE, (0, 0)), (2 / 3, 2 / 3))


def test_solutions_from_an_inner_disagreement_point() -> None:
    """From d = (0.5, 0) on the triangle the ideal point is (1, 1): KS has 2(u - 1/2) = v on
    v = 2 - 2u, so u = 3/4; Nash maximises (u - 1/2)(2 - 2u), at u = 3/4; egalitarian
    u - 1/2 = 2 - 2u, so u = 5/6."""
    d = (0.5, 0)
    assert close(kalai_smorodinsky_solution(TRIANGLE, d), (0.75, 0.5))
    assert close(nash_solution(TRIANGLE, d), (0.75, 0.5))
    assert close(egalitarian_solution(TRIANGLE, d), (5 / 6, 1 / 3))


def test_egalitarian_without_equal_gains_takes_the_largest_smaller_gain() -> None:
    assert close(egalitarian_solution([(5, 1), (6, 0)], (0, 0)), (5, 1))
    assert close(egalitarian_solution([(0, 6), (1, 5)], (0, 0)), (1, 5))


def test_a_disagreement_point_on_the_frontier_is_the_bargain() -> None:
    for solve in (nash_solution, kalai_smorodinsky_solution, egalitarian_solution):
        assert close(solve([(0, 1), (1, 0)], (0.25, 0.75)), (0.25, 0.75))


def test_no_bargain_above_the_disagreement_point() -> None:
    with pytest.raises(NoBargainError, match="empty"):
        nash_solution([(0, 1), (1, 0)], (0.6, 0.6))
    with pytest.raises(UsageError, match="between 0 and 1"):
        nash_solution([(0, 1), (1, 0)], (0, 0), 1.0)


# ------------------------------------------------------------------ properties of Nash
coordinate = st.integers(-20, 20).map(float)
point_sets = st.lists(st.tuples(coordinate, coordinate), min_size=1, max_size=8)


def _inner_point(points, weights):
    P = np.asarray(points, dtype=float)
    w = np.asarray(weights[: len(P)] + [1.0] * (len(P) - len(weights)), dtype=float)
    return tuple(w @ P / w.sum())


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(point_sets, st.lists(st.floats(0.01, 1), min_size=8, max_size=8),
       st.floats(0.05, 0.95))
def test_nash_is_pareto_optimal_and_individually_rational(points, weights, a) -> None:
    d = _inner_point(points, weights)
    s = nash_solution(points, d, a)
    eps = 1e-7 * max(1.0, *np.abs(points).ravel())
    assert s[0] >= d[0] - eps and s[1] >= d[1] - eps
    for p in points:  # no pure profile (hence no lottery) dominates it
        assert not (p[0] >= s[0] + eps and p[1] >= s[1] + eps)
    # it maximises the Nash product: compare with a fine grid of the frontier
    f = pareto_frontier(points)
    best = nash_product(s, d, a)
    if math.isfinite(best):
        for k in range(len(f.vertices) - 1):
            (u0, v0), (u1, v1) = f.vertices[k].payoffs, f.vertices[k + 1].payoffs
            for t in np.linspace(0, 1, 41):
                q = (u0 + t * (u1 - u0), v0 + t * (v1 - v0))
                assert nash_product(q, d, a) <= best + 1e-9


@settings(max_examples=100, deadline=None)
@given(point_sets, st.lists(st.floats(0.01, 1), min_size=8, max_size=8),
       st.floats(0.1, 10), st.floats(-10, 10), st.floats(0.05, 0.95))
def test_nash_is_invariant_to_rescaling_one_side(points, weights, scale, shift, a) -> None:
    d = _inner_point(points, weights)
    s = nash_solution(points, d, a)
    moved = [(scale * u + shift, v) for u, v in points]
    s2 = nash_solution(moved, (scale * d[0] + shift, d[1]), a)
    tol = 1e-6 * max(1.0, scale, abs(shift), *np.abs(points).ravel())
    assert close(s2, (scale * s[0] + shift, s[1]), tol)


@settings(max_examples=100, deadline=None)
@given(point_sets, st.floats(-20, 20))
def test_symmetric_sets_give_symmetric_solutions(points, c) -> None:
    sym = points + [(v, u) for u, v in points]
    d = (min(min(p) for p in sym) - 1,) * 2
    for solve in (nash_solution, kalai_smorodinsky_solution, egalitarian_solution):
        u, v = solve(sym, d)
        assert abs(u - v) <= 1e-7 * max(1.0, abs(u))


# ------------------------------------------------------------------ Rubinstein
@pytest.mark.parametrize(("d1", "d2"), [(0.9, 0.9), (0.5, 0.8), (0.99, 0.9), (0.3, 0.95)])
def test_rubinstein_shares_on_the_unit_line(d1: float, d2: float) -> None:
    """The first proposer gets (1 - d2) / (1 - d1 d2) (Rubinstein 1982; payoffs/SOURCES.md)."""
    r = rubinstein([(0, 1), (1, 0)], (0, 0), (d1, d2), first=0)
    assert close(r.agreement[0], (1 - d2) / (1 - d1 * d2))
    assert close(r.agreement[0], first_proposer_share(d1, d2))
    second = rubinstein([(0, 1), (1, 0)], (0, 0), (d1, d2), first=1)
    assert close(second.agreement[1], (1 - d1) / (1 - d1 * d2))


@pytest.mark.parametrize("delta", [0.5, 0.8, 0.95])
def test_rubinstein_equal_patience(delta: float) -> None:
    assert close(first_proposer_share(delta, delta), 1 / (1 + delta))


def test_rubinstein_on_a_kinked_symmetric_frontier_mirrors_the_offers() -> None:
    r = rubinstein(KS_S, (0, 0), (0.9, 0.9))
    (x1, x2), (y1, y2) = r.offers
    assert close((x1, x2), (y2, y1))
    assert x1 > 0.75 > x2  # the proposer's advantage
    # the column player is indifferent between accepting and waiting a round for its offer
    assert close(x2, 0.9 * y2)


def test_rubinstein_tends_to_the_nash_solution_as_rounds_shrink() -> None:
    """delta_i = exp(-r_i T): as T -> 0 the offers tend to the Nash solution with the row
    player's power r2 / (r1 + r2) (Binmore, Rubinstein and Wolinsky 1986)."""
    r1, r2 = 0.1, 0.3
    for points, d in ((KS_T, (0, 0)), (TRIANGLE, (0.2, 0.1))):
        target = nash_solution(points, d, r2 / (r1 + r2))
        r = rubinstein(points, d, (math.exp(-r1 * 1e-4), math.exp(-r2 * 1e-4)))
        assert close(r.limit, target)
        assert close(r.offers[0], target, 1e-3) and close(r.offers[1], target, 1e-3)


def test_rubinstein_refuses_discounts_outside_the_unit_interval() -> None:
    for bad in (0.0, 1.0, 1.5, -0.2):
        with pytest.raises(UsageError, match="strictly between 0 and 1"):
            rubinstein([(0, 1), (1, 0)], (0, 0), (bad, 0.9))


# ------------------------------------------------------------------ variable threats
def test_variable_threats_textbook_tu_game() -> None:
    """Every Pareto-optimal profile has u + v = 10, so the threat game is the zero-sum game
    A - B = [[0, 2, -3], [5, -4, 0]] (Nash 1953). By hand: the row player mixes 4/9, 5/9, the
    column player plays its second and third columns 1/3, 2/3, the value is -4/3; the threat
    point is (3, 13/3) and the bargain splits the remaining 8/3 equally: (13/3, 17/3)."""
    A = [[0, 6, -1], [4, 3, 5]]
    B = [[0, 4, 2], [-1, 7, 5]]
    r = variable_threats(A, B)
    assert close(r.agreement, (13 / 3, 17 / 3))
    assert close(r.strategies[0], (4 / 9, 5 / 9), 1e-8)
    assert close(r.strategies[1], (0, 1 / 3, 2 / 3), 1e-8)
    assert close(r.threat_point, (3, 13 / 3), 1e-8)
    assert r.consistent


def test_variable_threats_split_or_steal() -> None:
    """Split or steal: claiming weakly dominates in A - B, the threat point is (0, 0) and the
    bargain is the even split."""
    A = [[0.5, 0], [1, 0]]
    B = [[0.5, 1], [0, 0]]
    r = variable_threats(A, B)
    assert close(r.agreement, (0.5, 0.5))
    assert close(r.threat_point, (0, 0))


game_sizes = st.tuples(st.integers(1, 4), st.integers(1, 4))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(game_sizes.flatmap(lambda mn: st.tuples(
    st.lists(st.lists(st.integers(-9, 9), min_size=mn[1], max_size=mn[1]),
             min_size=mn[0], max_size=mn[0]),
    st.lists(st.lists(st.integers(-9, 9), min_size=mn[1], max_size=mn[1]),
             min_size=mn[0], max_size=mn[0]),
)), st.sampled_from([0.3, 0.5, 0.7]))
def test_optimal_threats_cannot_be_improved_on(game, a) -> None:
    """No side gains from another threat: against the other's optimal threat, every pure
    threat (and so every mixed one, the condition being linear in it) leads to a bargain no
    better for it."""
    A = np.array(game[0], dtype=float)
    B = np.array(game[1], dtype=float)
    r = variable_threats(A, B, power=a)
    f = pareto_frontier(np.stack([A.ravel(), B.ravel()], axis=1))
    x, y = r.strategies
    assert close(nash_solution(f, r.threat_point, a), r.agreement, 1e-6)
    for i in range(A.shape[0]):
        d = (A[i] @ y, B[i] @ y)
        assert nash_solution(f, d, a)[0] <= r.agreement[0] + 1e-6
    for j in range(A.shape[1]):
        d = (x @ A[:, j], x @ B[:, j])
        assert nash_solution(f, d, a)[1] <= r.agreement[1] + 1e-6


# ------------------------------------------------------------------ disagreement points
def test_maxmin_of_matching_pennies_and_the_dilemma() -> None:
    (v1, v2), (x, y) = maxmin_point([[1, -1], [-1, 1]], [[-1, 1], [1, -1]])
    assert close((v1, v2), (0, 0)) and close(x, (0.5, 0.5)) and close(y, (0.5, 0.5))
    (v1, v2), _ = maxmin_point([[3, 0], [5, 1]], [[3, 5], [0, 1]])
    assert close((v1, v2), (1, 1))


def test_equilibrium_rules() -> None:
    pays = [(-1.0, 1.0), (1.0, -1.0), (-0.25, -0.25)]  # chicken's three equilibria
    assert select_equilibrium(pays, "payoff-dominant") == 0  # tie: the first
    assert select_equilibrium(pays, "lowest-sum") == 2
    names = {"Row": 0, "Column": 1}
    assert select_equilibrium(pays, "best-for:Row", names.__getitem__) == 1
    assert select_equilibrium(pays, "worst-for:Row", names.__getitem__) == 0
    with pytest.raises(UsageError, match="unknown rule"):
        select_equilibrium(pays, "risk-dominant")


def test_profiles_as_codes_or_indices() -> None:
    assert parse_profile("R08,C01", (12, 12)) == (7, 0)
    assert parse_profile("7, 0", (12, 12)) == (7, 0)
    for bad in ("R13,C01", "R8", "x,y", "12,0"):
        with pytest.raises(UsageError):
            parse_profile(bad, (12, 12))


# ------------------------------------------------------------------ the pipeline
@pytest.fixture(scope="module")
def baseline_game() -> model.Game:
    return model.load(BASELINE)


@pytest.fixture(scope="module")
def baseline_bargain(baseline_game):
    return bargain(baseline_game)


def test_baseline_bargains_are_lotteries_on_the_frontier(baseline_bargain) -> None:
    b = baseline_bargain
    d = np.array(b.disagreement.payoffs)
    assert b.disagreement.equilibrium == 1 and b.disagreement.outcome == "china_concedes"
    assert [s.key for s in b.solutions] == ["nash", "kalai-smorodinsky", "egalitarian",
                                           "threats", "rubinstein"]
    for s in b.solutions:
        probs = [t.probability for t in s.deal]
        assert 1 <= len(s.deal) <= 2 and close(sum(probs), 1)
        mix = sum(t.probability * np.array(t.payoffs) for t in s.deal)
        assert close(mix, s.payoffs, 1e-8)
        assert close(np.array(s.payoffs) - d, s.gains)
        for t in s.deal:
            i, j = t.profile
            assert t.actions == (b.game.actions[0][i], b.game.actions[1][j])
    for key in ("nash", "kalai-smorodinsky", "egalitarian", "rubinstein"):
        assert min(b.solution(key).gains) > 0  # both gain from bargaining
    assert {t.outcome for t in b.solution("nash").deal} == {"deal"}


def test_baseline_monthly_discounts(baseline_game) -> None:
    """The derived discount factors: patience ** (1/12) = 0.99126 a month; the US's stake
    lasts 5 years, China's 8, so the US is less patient: (0.99126 - 0.9**5) / (1 - 0.9**5)
    = 0.97865 and (0.99126 - 0.9**8) / (1 - 0.9**8) = 0.98465."""
    values = baseline_game.derived_values()
    assert values["month_discount"] == pytest.approx(0.9 ** (1 / 12))
    assert values["us_monthly_discount"] == pytest.approx(0.978653, abs=1e-6)
    assert values["cn_monthly_discount"] == pytest.approx(0.984651, abs=1e-6)
    for name, p in baseline_game.parameters.items():
        if name in ("patience", "years_us_magnet_substitution", "years_cn_eda_substitution"):
            for end in (p.low, p.high):
                v = baseline_game.derived_values({name: end})
                assert 0 < v["us_monthly_discount"] < 1 and 0 < v["cn_monthly_discount"] < 1


def test_discounts_and_powers_as_names_and_formulas(baseline_game) -> None:
    b = bargain(baseline_game, disagreement="maxmin",
                discounts={"US": "us_monthly_discount", "China": "cn_monthly_discount"},
                powers={"China": "1 - 0.4"}, first="China")
    r = b.solution("rubinstein").detail
    assert r["discounts"]["US"] == pytest.approx(0.978653, abs=1e-6)
    assert r["first"] == "China"
    assert b.power == pytest.approx(0.4)
    assert r["limit_power"] == pytest.approx(
        math.log(0.984651) / (math.log(0.978653) + math.log(0.984651)), abs=1e-4)


def test_deals_restrict_the_feasible_set(baseline_game) -> None:
    b = bargain(baseline_game, deals=["deal"], disagreement="status-quo")
    for s in b.solutions:
        assert all(t.outcome == "deal" for t in s.deal)
    assert b.disagreement.profile == (0, 0)  # every chip restricted on 1 June 2025


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"deals": ["dael"]}, "unknown outcome 'dael'; did you mean 'deal'"),
        ({"powers": {"EU": 0.5}}, "unknown player 'EU'"),
        ({"discounts": {"US": 1.2}}, "strictly between 0 and 1"),
        ({"discounts": {"China": "not_a_parameter"}}, "unknown name 'not_a_parameter'"),
        ({"powers": {"US": 0}}, "strictly between 0 and 1"),
        ({"powers": {"US": "0.5 +"}}, "--power US"),
        ({"disagreement": "equilibrium:9"}, "has 3 equilibria"),
        ({"disagreement": "equilibrium:deal"}, "no equilibrium lies in 'deal'"),
        ({"disagreement": "equilibrium:peace"}, "unknown outcome 'peace'"),
        ({"disagreement": "nash"}, "is not one of"),
        ({"disagreement": "profile:R12,C12", "deals": ["trade_war"]}, "empty"),
        ({"rule": "best-for:EU"}, "unknown player 'EU'"),
        ({"colour": "red"}, "unknown bargaining setting"),
    ],
)
def test_bad_settings(baseline_game, options, message) -> None:
    with pytest.raises(UsageError, match=message):
        bargain(baseline_game, **options)


def test_scenarios_bargain(baseline_game) -> None:
    """In substitution_2028 the only equilibrium is already a Pareto-optimal deal, so the
    axiomatic solutions leave it where it is."""
    b = bargain(baseline_game, scenario="substitution_2028")
    assert b.disagreement.outcome == "deal"
    assert close(b.solution("nash").gains, (0, 0))


def test_leverage_of_a_parameter() -> None:
    """Hawk-dove from its mixed equilibrium (hawk with probability V/C, payoff
    d = V(C - V)/(2C) each, flat in V at V = 2, C = 4) to the frontier u + v = V: the axiomatic
    solutions split V equally, so each side's payoff moves by 1/2 per unit of V; Rubinstein's
    first proposer gets d + (V - 2d)/(1 + delta), moving by 1/1.99."""
    game = model.load(TEXTBOOK / "hawk_dove.yaml")
    lv = leverage(game, "V", settings=BargainOptions(disagreement="equilibrium:3"), points=3)
    assert close(lv.derivatives["disagreement"], (0, 0), 1e-5)
    for key in ("nash", "kalai-smorodinsky", "egalitarian"):
        assert close(lv.derivatives[key], (0.5, 0.5), 1e-5)
    assert close(lv.derivatives["rubinstein"], (1 / 1.99, 1 - 1 / 1.99), 1e-5)
    assert lv.step == 1.0
    assert any("raises both payoffs in the Nash bargain: Row +0.5, Column +0.5" in s
               for s in lv.sentences)
    assert [r.value for r in lv.sweep] == [0.5, 5.25, 10.0]
    assert lv.sweep[-1].note is not None  # V > C: the mixed equilibrium is gone


def test_leverage_refuses_unknown_or_derived_names(baseline_game) -> None:
    with pytest.raises(UsageError, match="did you mean 'us_re_dependence'"):
        leverage(baseline_game, "us_re_dependance")
    with pytest.raises(UsageError, match="derived quantity"):
        leverage(baseline_game, "re_damage_full")


def test_round_steps() -> None:
    assert round_step(0.45) == 0.05
    assert round_step(0.27) == 0.02
    assert round_step(299) == 20


@pytest.mark.parametrize("name", ["feasible", "solutions", "rubinstein", "threats",
                                  "disagreement", "leverage", "pipeline"])
def test_docstring_examples(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import doctest
    import importlib

    monkeypatch.chdir(ROOT)
    module = importlib.import_module(f"model.negotiation.bargaining.{name}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
