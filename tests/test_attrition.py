"""Wars of attrition against their known answers, and each equilibrium checked the way it is
defined: a side that mixes over when to concede must be indifferent between all the times it
uses (computed here by quadrature, independently of the module's closed forms).

References: Hendricks, Weiss and Wilson (1988), "The war of attrition in continuous time with
complete information", International Economic Review 29(4); Krishna, *Auction Theory*
(2nd ed.), the war of attrition (b(v) = -v - ln(1 - v) for uniform values); Abreu and Gul
(2000), "Bargaining and reputation", Econometrica 68(1), 85-117.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate

from model.errors import UsageError
from model.negotiation.attrition import (
    complete_information,
    private_values,
    private_values_uniform_stop,
    reputational,
)


# ---------------------------------------------------------------------------- complete info
def _concession_payoff(r, side: int, s: float, cost, value: float) -> float:
    """Side ``side``'s expected payoff of conceding at s when the other concedes at its
    equilibrium hazard: it wins ``value`` (less the costs paid) if the other gives in first."""
    other = 1 - side

    def H(t: float) -> float:
        return integrate.quad(lambda u: float(r.hazard[other](np.array(u))), 0, t)[0]

    def C(t: float) -> float:
        return integrate.quad(lambda u: float(cost(u)), 0, t)[0]

    def density(t: float) -> float:
        return float(r.hazard[other](np.array(t))) * math.exp(-H(t))

    win = integrate.quad(lambda t: (value - C(t)) * density(t), 0, s, limit=100)[0]
    return win - C(s) * math.exp(-H(s))


def test_symmetric_mean_time_to_the_first_concession_is_v_over_2c() -> None:
    # Hendricks, Weiss and Wilson (1988): hazard c/V each, mean time V/(2c)
    for V, c in [(4.0, 1.0), (10.0, 0.5), (1.0, 3.0)]:
        r = complete_information((V, V), (c, c))
        assert r.mean_time == pytest.approx(V / (2 * c))
        assert r.first == pytest.approx((0.5, 0.5))
        assert float(r.hazard[0](np.array(0.0))) == pytest.approx(c / V)


@given(V=st.tuples(st.floats(0.5, 20), st.floats(0.5, 20)),
       c=st.tuples(st.floats(0.1, 5), st.floats(0.1, 5)))
@settings(max_examples=25, deadline=None)
def test_each_side_concedes_at_the_hazard_that_leaves_the_other_indifferent(V, c) -> None:
    r = complete_information(V, c)
    for side in (0, 1):
        for s in (0.3, 1.0, 2.5):
            u = _concession_payoff(r, side, s, lambda t, side=side: c[side], V[side])
            assert abs(u) < 1e-6 * max(V)  # = conceding at once, worth 0
    h0, h1 = c[1] / V[1], c[0] / V[0]
    assert r.first == pytest.approx((h0 / (h0 + h1), h1 / (h0 + h1)))
    median = r.quantiles[1]
    assert math.exp(-(h0 + h1) * median) == pytest.approx(0.5)


def test_costs_that_fall_over_time_keep_the_other_side_indifferent() -> None:
    # the US's shortage cost falls as substitution comes on line; China's is constant
    def us_cost(t):
        return 2.0 * np.exp(-0.3 * np.asarray(t, dtype=float))

    r = complete_information((5.0, 3.0), (us_cost, 1.0))
    assert sum(r.first) == pytest.approx(1.0, abs=1e-6)
    for s in (0.5, 2.0, 4.0):
        assert abs(_concession_payoff(r, 0, s, us_cost, 5.0)) < 1e-5
        assert abs(_concession_payoff(r, 1, s, lambda t: 1.0, 3.0)) < 1e-5
    # China's hazard (keeping the US indifferent) falls with the US's cost
    assert float(r.hazard[1](np.array(5.0))) < float(r.hazard[1](np.array(0.0)))
    t = np.linspace(0, r.horizon, 4001)
    assert r.mean_time == pytest.approx(float(integrate.trapezoid(r.survival(t), t)),
                                        rel=1e-3)


def test_bad_inputs_are_refused() -> None:
    with pytest.raises(UsageError, match="positive"):
        complete_information((0.0, 1.0), (1.0, 1.0))
    with pytest.raises(UsageError, match="two sides"):
        complete_information((1.0,), (1.0,))
    with pytest.raises(UsageError, match="non-negative"):
        complete_information((1.0, 1.0), (lambda t: -np.ones_like(t), 1.0))


# ---------------------------------------------------------------------------- private values
def test_uniform_values_stop_at_minus_v_minus_log_one_minus_v() -> None:
    # Krishna, Auction Theory: b(v) = -v - ln(1 - v)
    v = np.array([0.1, 0.5, 0.9, 0.99])
    expected = -v - np.log(1 - v)
    assert np.allclose(private_values_uniform_stop(v), expected)
    got = private_values(lambda x: x, lambda x: 1.0, v)
    assert np.allclose(got, expected, rtol=1e-8)


def test_exponential_values_stop_at_half_v_squared() -> None:
    # F = 1 - exp(-x): x f / (1 - F) = x, so b(v) = v^2 / 2
    v = np.array([0.5, 1.0, 3.0])
    got = private_values(lambda x: 1 - math.exp(-x), lambda x: math.exp(-x), v)
    assert np.allclose(got, v ** 2 / 2, rtol=1e-8)


def test_no_type_gains_by_stopping_as_another_type_would() -> None:
    """Uniform values: a side of value v that stops at b(w) gets
    integral_0^w (v - b(x)) dx - (1 - w) b(w); the best w is v itself."""
    w = np.linspace(0.0, 0.98, 981)
    b = private_values_uniform_stop(w)
    spent = integrate.cumulative_trapezoid(b, w, initial=0.0)
    for v in (0.2, 0.5, 0.8):
        payoff = v * w - spent - (1 - w) * b
        assert w[int(np.argmax(payoff))] == pytest.approx(v, abs=2e-3)


# ---------------------------------------------------------------------------- reputations
def _rational_payoff(r, side: int, s: float) -> float:
    """A rational side's payoff of conceding at s (0 <= s <= T0), discounted at its rate: it
    gets its demand if the other concedes first, the other's complement if it concedes."""
    other = 1 - side
    a, rj = r.demands, r.discount_rates[side]
    mass0 = r.at_zero[other]
    lam = r.rates[other]
    c = 1 - mass0

    def density(t: float) -> float:
        return c * lam * math.exp(-lam * t)

    win = mass0 * a[side] + integrate.quad(lambda t: a[side] * math.exp(-rj * t) * density(t),
                                           0, s)[0]
    return win + (1 - float(r.conceded(other, s))) * (1 - a[other]) * math.exp(-rj * s)


@pytest.mark.parametrize("demands, z, rates", [
    ((0.6, 0.6), (0.1, 0.1), (0.05, 0.05)),     # symmetric: no mass at time 0
    ((0.7, 0.6), (0.05, 0.2), (0.1, 0.05)),
    ((0.55, 0.8), (0.3, 0.02), (0.02, 0.08)),
])
def test_abreu_gul_equilibrium(demands, z, rates) -> None:
    r = reputational(demands, z, rates)
    excess = demands[0] + demands[1] - 1
    # the rational types' concession rates (Abreu and Gul 2000)
    assert r.rates == pytest.approx((rates[1] * (1 - demands[0]) / excess,
                                     rates[0] * (1 - demands[1]) / excess))
    # both are known obstinate at T0: F_i(T0) = 1 - z_i
    for i in (0, 1):
        assert float(r.conceded(i, r.T0)) == pytest.approx(1 - z[i])
    # only the weaker side (the later T_i) concedes with a mass at time 0
    T = [-math.log(z[i]) / r.rates[i] for i in (0, 1)]
    weak = int(np.argmax(T))
    assert r.at_zero[1 - weak] == pytest.approx(0.0, abs=1e-12)
    if T[0] != T[1]:
        assert r.at_zero[weak] > 0
    # a rational side is indifferent between conceding at any time up to T0
    for side in (0, 1):
        u = [_rational_payoff(r, side, s) for s in np.linspace(0, r.T0, 6)]
        assert np.ptp(u) < 1e-9
    assert sum(r.first) + r.impasse == pytest.approx(1.0)
    t = np.linspace(0, r.T0, 20001)
    survival = (1 - r.conceded(0, t)) * (1 - r.conceded(1, t))
    assert r.mean_delay == pytest.approx(float(integrate.trapezoid(survival, t)), rel=1e-6)


def test_symmetric_reputations_reach_one_at_minus_log_z_over_lambda() -> None:
    r = reputational((0.6, 0.6), (0.1, 0.1), (0.05, 0.05))
    lam = 0.05 * 0.4 / 0.2
    assert r.rates == pytest.approx((lam, lam))
    assert r.T0 == pytest.approx(-math.log(0.1) / lam)
    assert r.at_zero == pytest.approx((0.0, 0.0))


def test_reputational_inputs_are_checked() -> None:
    with pytest.raises(UsageError, match="add to more than 1"):
        reputational((0.4, 0.5), (0.1, 0.1), (0.1, 0.1))
    with pytest.raises(UsageError, match="obstinate"):
        reputational((0.6, 0.6), (0.0, 0.1), (0.1, 0.1))


# ---------------------------------------------------------------------------- on a game
def test_the_front_door_writes_prizes_and_costs_over_the_files_parameters() -> None:
    import model

    game = model.load("payoffs/baseline.yaml")
    names = list(game.parameters)
    p, q = names[0], names[1]
    setting = model.Setting(params={p: game.parameters[p].low})
    r = model.attrition(game, setting, prizes=(f"1 + {p}", "2"), costs=("1", f"0.5 + {q}"))
    V = (1 + game.parameters[p].low, 2.0)
    c = (1.0, 0.5 + game.baseline()[q])
    assert r.values == pytest.approx(V)
    assert float(r.hazard[0](np.array(0.0))) == pytest.approx(c[1] / V[1])
    assert r.provenance["sha256"] == game.sha256 and r.provenance["set"] == setting.params
    # a cost that falls with time since both began to hold
    falling = model.attrition(game, prizes=("2", "2"), costs=("exp(-0.5 * t)", "1"))
    assert float(falling.hazard[1](np.array(4.0))) < float(falling.hazard[1](np.array(0.0)))
    assert sum(falling.first) == pytest.approx(1.0, abs=1e-6)


def test_the_front_door_says_what_is_wrong_with_a_formula() -> None:
    import model

    game = model.load("payoffs/baseline.yaml")
    with pytest.raises(UsageError, match="unknown name 'nope'"):
        model.attrition(game, prizes=("nope", "1"), costs=("1", "1"))
    with pytest.raises(UsageError, match="must be a positive number"):
        model.attrition(game, prizes=("1", "1"), costs=("0", "1"))
    with pytest.raises(UsageError, match="unknown name 't'"):
        model.attrition(game, prizes=("t", "1"), costs=("1", "1"))


# ---------------------------------------------------------------------------- the command
ARGS = ["attrition", "payoffs/baseline.yaml",
        "--prize", "US=us_re_output_at_risk * us_re_dependence",
        "--prize", "China=eda_china_revenue + cn_re_revenue_us",
        "--cost", "US=us_re_output_at_risk * us_re_dependence * re_cut_tight"
                  " * max(0, 1 - t / years_us_magnet_substitution)",
        "--cost", "China=cn_re_revenue_us * re_cut_tight"]


def test_the_command_prints_who_concedes_first_within_100_columns(capsys) -> None:
    from model.cli import main

    assert main(ARGS) == 0
    out = capsys.readouterr().out
    assert "concedes first with probability" in out
    assert max(len(line) for line in out.splitlines()) <= 100
    assert main([*ARGS, "--json"]) == 0
    import json

    doc = json.loads(capsys.readouterr().out)
    assert doc["players"] == ["US", "China"]
    assert sum(doc["first"]) == pytest.approx(1.0, abs=1e-6)
    assert doc["provenance"]["method"].startswith("the stationary mixed equilibrium")


@pytest.mark.parametrize("bad, words", [
    (["--prize", "Chna=1"], "did you mean 'China'"),
    (["--prize", "US"], "PLAYER=FORMULA"),
    (["--cost", "US=1"], "given twice"),
])
def test_the_command_refuses_bad_options_with_status_2(capsys, bad, words) -> None:
    from model.cli import main

    args = [*ARGS[:2], "--prize", "US=1", "--cost", "US=1", "--cost", "China=1", *bad]
    if "--prize" not in bad:
        args += ["--prize", "China=1"]
    assert main(args) == 2
    assert words in capsys.readouterr().err
