"""Simulations over time: the ``dynamics`` section, ``model.simulate`` and ``leverage simulate``.

The small games here are written so that every number can be worked out by hand; each test says
how.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from pathlib import Path

import numpy as np
import pytest

import model
from model.cli.main import main
from model.dynamics.compare import compare_restriction_lengths
from model.dynamics.policy import Force, force, parse_force
from model.dynamics.simulate import SELECTIONS, simulate
from model.errors import PayoffFileError, UsageError

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "payoffs" / "baseline.yaml"
TEXTBOOK = sorted((ROOT / "payoffs" / "textbook").glob("*.yaml"))
CHICKEN = ROOT / "payoffs" / "textbook" / "chicken.yaml"

# Row sets a tariff, Column sells or restricts ore. Row: 1 for a high tariff, minus the stock
# while ore is restricted. Column: stock - 1.5 from restricting, 0 from selling. Restricting
# draws the stock down by one each period, so Column restricts while the stock is above 1.5.
STOCK_GAME = """\
title: Ore stock
description: Restricting ore draws down a stock; the restrictor stops when it no longer pays.
sources:
  hand: Numbers chosen so that the path can be computed by hand.
players:
  - name: Row
    chips:
      tariff: {description: Row's tariff., levels: [high, low], status_quo: low}
  - name: Column
    chips:
      ore: {description: Column's ore exports., levels: [restrict, sell], status_quo: sell}
parameters:
  stock:
    value: 4
    unit: units
    source: hand
    description: What restricting ore is worth to Column.
    range: [@LOW@, 10]
payoffs:
  Row:
    - {name: tariff, when: {tariff: high}, value: 1}
    - {name: shortage, when: {ore: restrict}, value: -stock}
  Column:
    - {name: restriction, when: {ore: restrict}, value: stock - 1.5}
outcomes:
  restricted: {description: Ore is restricted., when: {ore: restrict}}
  open: {description: Ore is sold., when: {ore: sell}}
dynamics:
  period: {length: 1, unit: year}
  discount: 0.5
  rules:
    - parameter: stock
      description: Restriction draws the stock down.
      source: hand
      when: {ore: restrict}
@RULE@
"""
CHANGE = "      change: -1"
TOWARD = "      target: 0\n      rate: 0.5"

# Chicken with a wearing card: Row bans or opens, Column restricts or sells. Against a
# restriction Row opens (-lev beats -4); against selling Row bans (2 beats 0). Against a ban
# Column sells (-0.5 beats -3); against an open Row it restricts while lev > 1. Each period of
# restriction takes 1.2 off lev.
CARD_GAME = """\
title: A card that wears out
description: Holding the card wins concessions while it lasts, but using it wears it out.
sources:
  hand: Numbers chosen so that the comparison can be computed by hand.
players:
  - name: Row
    chips:
      eda: {description: Row's card., levels: [ban, open]}
  - name: Column
    chips:
      ore: {description: Column's card., levels: [restrict, sell]}
parameters:
  lev:
    value: 3
    unit: USD
    source: hand
    description: The damage Column's restriction does to Row.
    range: [-5, 5]
  decay:
    value: 1.2
    unit: USD per period
    source: hand
    description: How much of the card each period of restriction uses up.
    range: [0, 3]
payoffs:
  Row:
    - {name: spiral, when: {eda: ban, ore: restrict}, value: -4}
    - {name: ban, when: {eda: ban, ore: sell}, value: 2}
    - {name: damage, when: {eda: open, ore: restrict}, value: -lev}
  Column:
    - {name: spiral, when: {eda: ban, ore: restrict}, value: -3}
    - {name: ban, when: {eda: ban, ore: sell}, value: -0.5}
    - {name: gain, when: {eda: open, ore: restrict}, value: lev - 1}
outcomes:
  war: {description: Both hold., when: {eda: ban, ore: restrict}}
  row_holds: {description: Row bans and Column sells., when: {eda: ban, ore: sell}}
  column_holds: {description: Column restricts and Row opens., when: {eda: open, ore: restrict}}
  peace: {description: Both open., when: {eda: open, ore: sell}}
dynamics:
  rules:
    - parameter: lev
      description: Each period of restriction uses the card up.
      source: hand
      when: {ore: restrict}
      change: -decay
"""

# Matching pennies with a counter that moves while Row plays heads.
PENNIES = """\
title: Pennies with a counter
description: Matching pennies; x counts the periods in which Row plays heads.
sources:
  hand: A counter.
players:
  - name: Row
    chips:
      coin_r: {description: Row's coin., levels: [heads, tails]}
  - name: Column
    chips:
      coin_c: {description: Column's coin., levels: [heads, tails]}
parameters:
  x: {value: 0, unit: periods, source: hand, description: The counter., range: [0, 10]}
payoffs:
  Row:
    - {name: match, when: [{coin_r: heads, coin_c: heads}, {coin_r: tails, coin_c: tails}],
       value: 1}
    - {name: miss, when: [{coin_r: heads, coin_c: tails}, {coin_r: tails, coin_c: heads}],
       value: -1}
  Column:
    - {name: match, when: [{coin_r: heads, coin_c: heads}, {coin_r: tails, coin_c: tails}],
       value: -1}
    - {name: miss, when: [{coin_r: heads, coin_c: tails}, {coin_r: tails, coin_c: heads}],
       value: 1}
dynamics:
  rules:
    - {parameter: x, description: Counts heads., source: hand, when: {coin_r: heads}, change: 1}
"""


@pytest.fixture(scope="module")
def baseline() -> model.Game:
    return model.load(BASELINE)


def write(tmp_path: Path, text: str, name: str = "game.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def stock_game(tmp_path: Path, low: float = 0, rule: str = CHANGE) -> model.Game:
    return model.load(write(tmp_path, stock_text(low, rule)))


def stock_text(low: float = 0, rule: str = CHANGE) -> str:
    return STOCK_GAME.replace("@LOW@", str(low)).replace("@RULE@", rule)


# ------------------------------------------------------------------------- the format
def test_the_dynamics_section_is_compiled(tmp_path: Path) -> None:
    game = stock_game(tmp_path)
    d = game.dynamics
    assert d is not None
    assert (d.period_length, d.period_unit, d.parameters) == (1.0, "year", ("stock",))
    (rule,) = d.rules
    assert rule.parameter == "stock" and rule.source == "hand"
    assert rule.when_text == "ore=restrict"
    np.testing.assert_array_equal(rule.mask, [[True, False], [True, False]])
    assert rule.where.endswith("dynamics.rules[0].change")


def test_a_file_without_dynamics_has_none() -> None:
    assert model.load(CHICKEN).dynamics is None


def test_the_baseline_has_sourced_dynamics(baseline: model.Game) -> None:
    game = baseline
    assert game.dynamics is not None
    assert set(game.dynamics.parameters) >= {"years_cn_eda_substitution",
                                             "years_us_magnet_substitution", "us_re_dependence"}
    for rule in game.dynamics.rules:
        assert rule.source in game.sources and rule.description


def test_a_derived_quantity_cannot_be_moved(tmp_path: Path) -> None:
    text = stock_text().replace(
        "payoffs:", "derived:\n  half: {description: Half the stock., value: stock / 2}\n"
        "payoffs:").replace("- parameter: stock", "- parameter: half")
    with pytest.raises(PayoffFileError) as info:
        model.load(write(tmp_path, text))
    problem = info.value.problems[0]
    assert problem.field == "dynamics.rules[0].parameter"
    assert "derived quantity, not a parameter" in problem.message


def test_a_child_file_can_change_the_discount(tmp_path: Path) -> None:
    write(tmp_path, stock_text(), "base.yaml")
    child = write(tmp_path, "extends: base.yaml\ndynamics:\n  discount: 0.25\n", "child.yaml")
    game = model.load(child)
    assert game.dynamics is not None and len(game.dynamics.rules) == 1
    assert simulate(game, 2).periods[1].weight == 0.25


# ------------------------------------------------------------------------- no dynamics
@pytest.mark.parametrize("path", TEXTBOOK, ids=[p.stem for p in TEXTBOOK])
@pytest.mark.parametrize("selection", ["pareto", "row-best", "col-best", "first", "inertia"])
def test_without_dynamics_every_period_repeats_the_one_shot_answer(
    path: Path, selection: str
) -> None:
    game = model.load(path)
    A, B = game.matrices()
    found = model.solve(A, B)
    result = simulate(game, 4, selection=selection, discount=0.5)
    first = result.periods[0]
    x, y = (np.array(s) for s in first.strategies)
    assert any(np.allclose(x, e.strategies[0]) and np.allclose(y, e.strategies[1])
               for e in found.equilibria)
    if selection == "pareto":
        assert first.payoffs[0] + first.payoffs[1] == pytest.approx(
            max(sum(e.payoffs) for e in found.equilibria))
    for r in result.periods:
        assert r.strategies == first.strategies
        assert r.payoffs == first.payoffs
        assert r.equilibria == len(found.equilibria)
    # a geometric sum: u (1 + 1/2 + 1/4 + 1/8)
    assert result.cumulative[0] == pytest.approx(first.payoffs[0] * 1.875)
    assert result.cumulative[1] == pytest.approx(first.payoffs[1] * 1.875)


def test_the_baseline_without_its_dynamics_repeats_its_one_shot_answer(
    baseline: model.Game,
) -> None:
    game = dataclasses.replace(baseline, dynamics=None)
    A, B = game.matrices()
    best = max(model.solve(A, B).equilibria, key=lambda e: sum(e.payoffs))
    result = simulate(game, 3)
    assert result.tracked == ()
    for r in result.periods:
        assert r.payoffs == pytest.approx(best.payoffs)
        assert np.allclose(r.strategies[0], best.strategies[0])


# ------------------------------------------------------------------------- hand-computed paths
def test_one_rule_on_a_two_by_two_game_by_hand(tmp_path: Path) -> None:
    result = simulate(stock_game(tmp_path), 5)
    # stock 4, 3, 2: Column restricts (2.5, 1.5, 0.5 > 0); at 1 selling pays more (0 > -0.5)
    assert [r.parameters["stock"] for r in result.periods] == [4, 3, 2, 1, 1]
    assert [r.actions for r in result.periods] == [("high", "restrict")] * 3 + [
        ("high", "sell")] * 2
    assert [r.outcome for r in result.periods] == ["restricted"] * 3 + ["open"] * 2
    assert [r.payoffs for r in result.periods] == [(-3, 2.5), (-2, 1.5), (-1, 0.5), (1, 0),
                                                   (1, 0)]
    assert [r.weight for r in result.periods] == [1, 0.5, 0.25, 0.125, 0.0625]
    # Column: 2.5 + 1.5/2 + 0.5/4; Row: -3 - 2/2 - 1/4 + 1/8 + 1/16
    assert result.cumulative == pytest.approx((-4.0625, 3.375))
    assert result.notes == ()


def test_target_and_rate_move_part_of_the_way(tmp_path: Path) -> None:
    result = simulate(stock_game(tmp_path, rule=TOWARD), 4)
    # half the way to 0 each restricted period: 4, 2, 1; at 1 Column sells and the stock stays
    assert [r.parameters["stock"] for r in result.periods] == [4, 2, 1, 1]
    assert [r.actions[1] for r in result.periods] == ["restrict", "restrict", "sell", "sell"]


def test_values_are_clipped_to_the_range_and_the_clipping_is_reported(tmp_path: Path) -> None:
    result = simulate(stock_game(tmp_path, low=2.5), 5)
    # 4 -> 3 -> 2, clipped to 2.5; at 2.5 restricting still pays (1 > 0), so it stays there
    assert [r.parameters["stock"] for r in result.periods] == [4, 3, 2.5, 2.5, 2.5]
    assert [r.clipped for r in result.periods] == [(), ("stock",), ("stock",), ("stock",),
                                                   ("stock",)]
    assert result.notes == ("stock was clipped to 2.5, the low end of its range, after "
                            "periods 2-5",)


def test_a_mixed_equilibrium_moves_parameters_by_the_expected_change(tmp_path: Path) -> None:
    result = simulate(model.load(write(tmp_path, PENNIES)), 3)
    # Row plays heads with probability 1/2, so the counter moves by 1/2 a period
    assert [r.parameters["x"] for r in result.periods] == pytest.approx([0, 0.5, 1.0])
    assert not result.periods[0].pure
    assert result.periods[0].strategies[0] == pytest.approx((0.5, 0.5))


# ------------------------------------------------------------------------- policies
def test_forcing_one_side_makes_the_other_best_respond(tmp_path: Path) -> None:
    game = model.load(write(tmp_path, CARD_GAME))
    free = simulate(game, 1)
    assert free.periods[0].actions == ("ban", "sell")  # the higher sum: 1.5 against -1
    forced = simulate(game, 2, policy=["Column=restrict:1"])
    assert forced.periods[0].actions == ("open", "restrict")
    assert forced.periods[0].forced == ("Column: restrict",)
    assert forced.periods[1].forced == ()
    assert forced.periods[1].parameters["lev"] == pytest.approx(1.8)


def test_restriction_lengths_compared_by_hand(tmp_path: Path) -> None:
    game = model.load(write(tmp_path, CARD_GAME))
    comparison = compare_restriction_lengths(game, "Column", "restrict", [0, 1, 2, 3, 4], 4)
    got = comparison.cumulative()
    # lev is 3, 1.8, 0.6, -0.6 in successive restricted periods; Column gets lev - 1 while it
    # restricts and Row opens, and -0.5 once free play returns to (ban, sell)
    want_column = {0: -2.0, 1: 2 - 1.5, 2: 2 + 0.8 - 1.0, 3: 2 + 0.8 - 0.4 - 0.5,
                   4: 2 + 0.8 - 0.4 - 1.6}
    want_row = {0: 8.0, 1: -3 + 6, 2: -3 - 1.8 + 4, 3: -3 - 1.8 - 0.6 + 2,
                4: -3 - 1.8 - 0.6 + 0.6}
    for k in want_column:
        assert got[k] == pytest.approx((want_row[k], want_column[k])), k
    assert comparison.best_length() == 3  # temporary beats both never and always
    assert comparison.side == "Column"


def test_force_reads_labels_pairs_and_bare_levels(baseline: model.Game) -> None:
    game = baseline
    china = game.players[1]
    full = force(game, "China", "rare_earths=restricted, traceability=enforced, minerals=banned")
    assert [china.labels[a] for a in full.actions] == [
        "rare_earths=restricted, traceability=enforced, minerals=banned"]
    bare = force(game, "China", "restricted,enforced,banned")
    assert bare.actions == full.actions
    partial = force(game, 1, {"rare_earths": "restricted"}, "2-")
    assert len(partial.actions) == 4 and (partial.first, partial.last) == (2, None)
    parsed = parse_force(game, "China=rare_earths=restricted:1-3")
    assert (parsed.player, parsed.first, parsed.last) == (1, 1, 3)
    assert parse_force(game, "US=eda=licensed:4").periods_text() == "4"


@pytest.mark.parametrize(("text", "message"), [
    ("China", "expects PLAYER=CHIP=LEVEL"),
    ("Chna=rare_earths=restricted", "did you mean 'China'"),
    ("China=rare_earth=restricted", "did you mean 'rare_earths'"),
    ("China=eda=banned", "it is a chip of US"),
    ("China=rare_earths=banned", "not a level of 'rare_earths'"),
    ("China=licensd", "did you mean 'licensed'"),
    ("China=rare_earths=restricted:3-1", "in order"),
    ("China=rare_earths=restricted:x", "periods must look like"),
    ("China=rare_earths=restricted:", "nothing after ':'"),
    ("China=rare_earths=restricted,rare_earths=open", "given twice"),
])
def test_malformed_forces_are_refused(text: str, message: str, baseline: model.Game) -> None:
    game = baseline
    with pytest.raises(UsageError, match=message):
        parse_force(game, text)


def test_bare_levels_shared_by_two_chips_are_ambiguous(baseline: model.Game) -> None:
    game = baseline
    with pytest.raises(UsageError, match="several chips"):
        parse_force(game, "China=licensed")  # rare_earths and minerals both have it


def test_overlapping_forces_on_one_player_are_refused(baseline: model.Game) -> None:
    game = baseline
    with pytest.raises(UsageError, match="overlap"):
        simulate(game, 5, policy=["China=rare_earths=restricted:1-3",
                                  "China=rare_earths=open:3-"])
    with pytest.raises(UsageError, match="after the last period"):
        simulate(game, 2, policy=[Force(1, (0,), 3, 4, "late")])


# ------------------------------------------------------------------------- selection
def test_selection_rules_on_chicken() -> None:
    game = model.load(CHICKEN)
    picks = {rule: simulate(game, 1, selection=rule).periods[0].actions
             for rule in ("row-best", "col-best", "first")}
    assert picks["row-best"] == ("straight", "swerve")
    assert picks["col-best"] == ("swerve", "straight")
    A, B = game.matrices()
    first = model.solve(A, B).equilibria[0]
    x = simulate(game, 1, selection="first").periods[0].strategies[0]
    assert np.allclose(x, first.strategies[0])


def test_status_quo_nearest_changes_fewest_chips(tmp_path: Path) -> None:
    game = stock_game(tmp_path)
    # status quo (low, sell); the only equilibrium is (high, restrict)
    r = simulate(game, 1, selection="status-quo-nearest")
    assert r.periods[0].actions == ("high", "restrict")
    with pytest.raises(UsageError, match="needs a status quo"):
        simulate(model.load(CHICKEN), 1, selection="status-quo-nearest")


def test_inertia_keeps_the_previous_play_when_it_is_still_an_equilibrium(tmp_path: Path) -> None:
    game = model.load(write(tmp_path, CARD_GAME.replace("value: 3\n", "value: 3.5\n").replace(
        "value: 1.2\n", "value: 0.1\n")))
    # after a forced restriction (open, restrict) is still an equilibrium: inertia keeps it,
    # pareto goes back to (ban, sell)
    policy = ["Column=restrict:1"]
    assert simulate(game, 2, policy=policy, selection="inertia").periods[1].actions == (
        "open", "restrict")
    assert simulate(game, 2, policy=policy, selection="pareto").periods[1].actions == (
        "ban", "sell")


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"periods": 0}, "between 1 and"),
    ({"periods": 2.5}, "whole number"),
    ({"periods": 2, "selection": "paretto"}, "did you mean 'pareto'"),
    ({"periods": 2, "discount": 0}, r"in \(0, 1\]"),
    ({"periods": 2, "discount": 1.5}, r"in \(0, 1\]"),
    ({"periods": 2, "scenario": "nope"}, "unknown scenario"),
    ({"periods": 2, "params": {"patiense": 0.9}}, "did you mean 'patience'"),
])
def test_bad_arguments_are_usage_errors(
    kwargs: dict[str, object], message: str, baseline: model.Game
) -> None:
    rest = dict(kwargs)
    periods = rest.pop("periods")
    with pytest.raises(UsageError, match=message):
        simulate(baseline, periods, **rest)  # type: ignore[arg-type]


def test_every_selection_rule_is_documented() -> None:
    assert set(SELECTIONS) == {"pareto", "row-best", "col-best", "status-quo-nearest",
                               "inertia", "first"}


# ------------------------------------------------------------------------- the baseline
def test_baseline_temporary_restriction_beats_sustained_for_china(baseline: model.Game) -> None:
    """What payoffs/README.md reports: over 10 years, a restriction held a few years gives China
    more than one held throughout, and more than none, whatever the selection rule."""
    game = baseline
    profile = "rare_earths=restricted,traceability=enforced,minerals=banned"
    for selection in ("pareto", "inertia"):
        c = compare_restriction_lengths(game, "China", profile, range(11), 10,
                                        selection=selection)
        got = c.cumulative()
        assert 0 < c.best_length() < 10, selection
        assert got[10][1] < got[0][1] < got[c.best_length()][1], selection


# ------------------------------------------------------------------------- the command line
def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_prints_the_path(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = write(tmp_path, stock_text(2.5))
    code, out, err = run(capsys, "simulate", str(path), "--periods", "5")
    assert code == 0, err
    assert "Selection: pareto" in out
    assert "Discount factor per period: 0.5" in out
    assert "Cumulative discounted payoff: Row -" in out
    assert "stock was clipped to 2.5" in out
    lines = out.splitlines()
    header = next(k for k, line in enumerate(lines) if line.lstrip().startswith("period"))
    body = lines[header + 2:]
    body = body[:body.index("")] if "" in body else body
    assert len([line for line in body if line.split()[0].rstrip("*").isdigit()]) == 5


def test_cli_json_csv_and_png(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    csv_path, png_path = tmp_path / "path.csv", tmp_path / "out" / "path.png"
    code, out, err = run(capsys, "simulate", str(BASELINE), "--periods", "4", "--json",
                         "--csv", str(csv_path), "--plot", str(png_path),
                         "--force", "China=rare_earths=restricted:1-2", "--select", "inertia")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["selection"] == "inertia" and len(doc["periods"]) == 4
    assert doc["policy"][0] == {"player": "China", "forced": "China: rare_earths=restricted",
                                "first": 1, "last": 2}
    assert doc["periods"][0]["forced"] and not doc["periods"][2]["forced"]
    assert set(doc["periods"][0]["parameters"]) == set(doc["tracked"])
    rows = list(csv.reader(io.StringIO(csv_path.read_text(encoding="utf-8"))))
    assert len(rows) == 5 and rows[0][0] == "period"
    assert float(rows[-1][rows[0].index("China_cumulative")]) == pytest.approx(
        doc["cumulative"][1])
    assert png_path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_cli_compares_restriction_lengths(capsys: pytest.CaptureFixture[str],
                                          tmp_path: Path) -> None:
    path = write(tmp_path, CARD_GAME)
    png = tmp_path / "cmp.png"
    code, out, err = run(capsys, "simulate", str(path), "--periods", "4", "--force",
                         "Column=restrict", "--compare-lengths", "0,1,2,3,T", "--plot", str(png))
    assert code == 0, err
    assert "Best length for Column: 3" in out
    assert png.read_bytes()[:4] == b"\x89PNG"
    code, out, err = run(capsys, "simulate", str(path), "--periods", "4", "--force",
                         "Column=restrict", "--compare-lengths", "0,T", "--json")
    doc = json.loads(out)
    assert doc["lengths"] == [0, 4] and doc["cumulative"]["4"][1] == pytest.approx(0.8)


def test_cli_writes_text_to_out(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    target = tmp_path / "path.txt"
    code, out, err = run(capsys, "simulate", str(CHICKEN), "--periods", "2", "--out",
                         str(target))
    assert code == 0 and out == "", err
    assert "The file has no dynamics" in target.read_text(encoding="utf-8")


@pytest.mark.parametrize(("argv", "message"), [
    (["--periods", "0"], "--periods must be at least 1"),
    (["--periods", "3", "--select", "best"], "unknown selection rule 'best'"),
    (["--periods", "3", "--force", "China"], "expects PLAYER=CHIP=LEVEL"),
    (["--periods", "3", "--force", "China=rare_earths=stopped"], "not a level"),
    (["--periods", "3", "--compare-lengths", "0,1"], "needs exactly one --force"),
    (["--periods", "3", "--force", "China=restricted:1-2", "--compare-lengths", "0,1"],
     "without periods"),
    (["--periods", "3", "--force", "China=restricted", "--compare-lengths", "0,x"],
     "whole numbers or T"),
    (["--periods", "3", "--force", "China=restricted", "--compare-lengths", "0,5"],
     "outside 0 to 3"),
    (["--periods", "3", "--discount", "2"], r"in (0, 1]"),
    (["--periods", "3", "--set", "spiral"], "NAME=VALUE"),
])
def test_cli_bad_input_exits_2(capsys: pytest.CaptureFixture[str], argv: list[str],
                               message: str) -> None:
    code, out, err = run(capsys, "simulate", str(BASELINE), *argv)
    assert code == 2
    assert out == ""
    assert message in err
    assert "Traceback" not in err
