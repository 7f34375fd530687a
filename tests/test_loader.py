"""Loading and compiling payoff files: extends, parameters and scenarios, and batched matrices."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

import model
from model.errors import PayoffFileError, UsageError
from model.game import NonFiniteError
from model.load import load
from model.payoffs.formula import Formula

FIXTURES = Path(__file__).resolve().parent / "fixtures"
BASE = FIXTURES / "base_game.yaml"
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def base(tmp_path: Path) -> Path:
    target = tmp_path / "base.yaml"
    shutil.copy(BASE, target)
    return target


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def error(path: Path) -> PayoffFileError:
    with pytest.raises(PayoffFileError) as info:
        load(path)
    return info.value


# ------------------------------------------------------------------------- the base game
def test_the_base_game_compiles_to_the_expected_matrices() -> None:
    game = load(BASE)
    assert game.actions == (("ban", "allow"), ("restrict", "license"))
    assert game.player_names == ("US", "China")
    A, B = game.matrices()
    # US: 10*dependence where China licenses, -2 where the US allows chips
    np.testing.assert_allclose(A, [[0, 5], [-2, 3]])
    # China: chip_value where the US allows, -1/dependence where China restricts
    np.testing.assert_allclose(B, [[-2, 0], [2, 4]])
    assert model.check(BASE) == []
    assert game.players[0].status_quo == 0 and game.players[1].status_quo == 0
    assert [o.name for o in game.outcomes] == ["deal"]
    assert game.outcome_of(1, 1) == "deal" and game.outcome_of(0, 0) is None


def test_yaml_is_read_as_yaml_1_2(tmp_path: Path) -> None:
    text = BASE.read_text(encoding="utf-8")
    text = text.replace("levels: [ban, allow]", "levels: [on, off]").replace(
        "status_quo: ban", "status_quo: on").replace("chips_export: allow", "chips_export: off")
    text = text.replace("value: 4\n", "value: 4e0\n").replace("range: [1, 8]", "range: [1, 008]")
    game = load(write(tmp_path / "g.yaml", text))
    assert game.actions[0] == ("on", "off")  # not booleans
    assert game.parameters["chip_value"].value == 4.0  # 4e0 is a number
    assert game.parameters["chip_value"].high == 8.0  # 008 is eight, not octal


# ------------------------------------------------------------------------- extends
def test_a_named_term_is_updated_key_by_key(base: Path) -> None:
    child = write(base.parent / "child.yaml", """\
extends: base.yaml
title: Child
payoffs:
  US:
    - name: supply
      override: true
      value: 20 * dependence
""")
    game = load(child)
    A, _ = game.matrices()
    # the base term's `when` (China licenses) is kept; only the value changed
    np.testing.assert_allclose(A, [[0, 10], [-2, 8]])
    assert game.title == "Child"
    assert len([t for t in game.terms if t.player == 0]) == 2


def test_a_term_with_a_new_name_or_no_name_is_appended(base: Path) -> None:
    child = write(base.parent / "child.yaml", """\
extends: base.yaml
payoffs:
  US:
    - name: reputation
      when: {chips_export: ban}
      value: 1
    - value: 0.5
""")
    game = load(child)
    names = [t.name for t in game.terms if t.player == 0]
    assert names == ["supply", "leak", "reputation", None]
    A, _ = game.matrices()
    np.testing.assert_allclose(A, [[1.5, 6.5], [-1.5, 3.5]])


def test_a_chip_is_added_without_restating_the_others(base: Path) -> None:
    child = write(base.parent / "child.yaml", """\
extends: base.yaml
players:
  - name: China
    chips:
      gallium:
        description: Gallium export ban.
        levels: [banned, open]
payoffs:
  China:
    - name: gallium_cost
      when: {gallium: banned}
      value: -1
""")
    game = load(child)
    assert game.player_names == ("US", "China")  # the base's order is kept
    assert [c.name for c in game.players[1].chips] == ["rare_earths", "gallium"]
    assert game.players[1].chips[0].status_quo == "restrict"  # the base chip is untouched
    assert game.actions[1] == (
        "rare_earths=restrict, gallium=banned", "rare_earths=restrict, gallium=open",
        "rare_earths=license, gallium=banned", "rare_earths=license, gallium=open",
    )
    assert game.actions[0] == ("ban", "allow")
    _, B = game.matrices()
    np.testing.assert_allclose(B, [[-3, -2, -1, 0], [1, 2, 3, 4]])


def test_a_chip_overridden_with_override_true_keeps_the_keys_it_does_not_give(base: Path) -> None:
    child = write(base.parent / "child.yaml", """\
extends: base.yaml
players:
  - name: US
    chips:
      chips_export:
        override: true
        levels: [ban, partial, allow]
""")
    game = load(child)
    chip = game.players[0].chips[0]
    assert chip.levels == ("ban", "partial", "allow")
    assert chip.description == "Export controls on AI chips." and chip.status_quo == "ban"
    assert game.shape == (3, 2)
    assert game.actions[1] == ("restrict", "license")  # China is the base's


def test_overriding_a_chip_without_override_names_both_places(base: Path) -> None:
    child = write(base.parent / "child.yaml", """\
extends: base.yaml
players:
  - name: US
    chips:
      chips_export:
        levels: [ban, partial, allow]
""")
    [p] = error(child).problems
    assert Path(p.file).resolve() == child.resolve()
    assert (p.line, p.col, p.field) == (5, 7, "players[0].chips.chips_export")
    assert p.message.startswith(f"'chips_export' is already a chip of US in {base}:8:7; ")
    assert "add 'override: true'" in p.message
    assert base.read_text().splitlines()[7].strip() == "chips_export:"


def test_overriding_a_parameter_or_a_term_without_override_is_an_error(base: Path) -> None:
    child = write(base.parent / "child.yaml", """\
extends: base.yaml
parameters:
  dependence: {value: 0.7}
payoffs:
  China:
    - name: lost_sales
      value: -2 / dependence
scenarios:
  squeeze: {description: Tighter., source: est, set: {dependence: 0.9}}
""")
    problems = error(child).problems
    got = [(p.line, p.col, p.field, p.message.split(";")[0]) for p in problems]
    assert got == [
        (3, 3, "parameters.dependence", f"'dependence' is already a parameter in {base}:19:3"),
        (6, 13, "payoffs.China[0].name",
         f"'lost_sales' is already a term of China in {base}:43:13"),
        (9, 3, "scenarios.squeeze", f"'squeeze' is already a scenario in {base}:47:3"),
    ]
    assert all(Path(p.file).resolve() == child.resolve() for p in problems)


def test_parameters_scenarios_and_outcomes_merge_by_name(base: Path) -> None:
    child = write(base.parent / "child.yaml", """\
extends: base.yaml
parameters:
  dependence: {value: 0.7, override: true}
  new_one: {value: 1, unit: u, source: est, description: Added., range: [0, 2]}
scenarios:
  relief: {description: Less dependence., source: est, set: {dependence: 0.2}}
  squeeze: {override: true, set: {dependence: 0.9}}
outcomes:
  stand_off:
    description: Both restrict.
    when: {chips_export: ban, rare_earths: restrict}
sources:
  est: Round numbers chosen for the tests.
  more: Another source.
""")
    game = load(child)
    dep = game.parameters["dependence"]
    assert (dep.value, dep.unit, dep.low, dep.high) == (0.7, "share", 0.1, 0.9)
    assert list(game.parameters) == ["dependence", "chip_value", "new_one"]
    assert list(game.scenarios) == ["squeeze", "relief"]
    squeeze = game.scenarios["squeeze"]
    assert squeeze.changes == {"dependence": 0.9}
    assert squeeze.description == "The US depends more on Chinese rare earths."
    assert [o.name for o in game.outcomes] == ["deal", "stand_off"]
    assert list(game.sources) == ["est", "more"]


def test_a_source_given_another_citation_is_an_error(base: Path) -> None:
    child = write(base.parent / "child.yaml", "extends: base.yaml\nsources:\n  est: Other.\n")
    [p] = error(child).problems
    assert (p.line, p.col, p.field) == (3, 3, "sources.est")
    assert f"source 'est' is already in {base}:4:3 with another citation" in p.message


def test_override_true_where_the_base_has_no_such_entry_is_an_error(base: Path) -> None:
    child = write(base.parent / "child.yaml", """\
extends: base.yaml
parameters:
  dependance: {value: 0.7, override: true}
payoffs:
  US:
    - name: suply
      override: true
      value: 1
    - override: true
      value: 2
""")
    problems = error(child).problems
    assert [(p.line, p.col, p.field) for p in problems] == [
        (3, 28, "parameters.dependance.override"),
        (7, 7, "payoffs.US[0].override"),
        (9, 7, "payoffs.US[1].override"),
    ]
    assert problems[0].message == (
        f"'override: true', but {base} has no parameter 'dependance' (did you mean "
        "'dependence'?); without 'override' it would be added as a new parameter")
    assert "has no term 'suply' of US (did you mean 'supply'?)" in problems[1].message
    assert "needs the 'name' of the base term" in problems[2].message


def test_override_in_a_file_that_extends_nothing_is_an_error(base: Path) -> None:
    text = base.read_text().replace("    value: 0.5\n", "    value: 0.5\n    override: true\n", 1)
    [p] = error(write(base, text)).problems
    assert (p.line, p.col, p.field) == (21, 5, "parameters.dependence.override")
    assert "this file extends no other, so there is nothing to override" in p.message


def test_override_must_be_true_or_false(base: Path) -> None:
    child = write(base.parent / "child.yaml",
                  "extends: base.yaml\nparameters:\n  dependence: {value: 0.7, override: yes}\n")
    [p] = error(child).problems
    assert (p.line, p.col, p.field) == (3, 38, "parameters.dependence.override")
    assert p.message == "expected true or false, got text"


def test_a_misspelt_player_name_is_an_error_with_a_suggestion(base: Path) -> None:
    child = write(base.parent / "child.yaml", """\
extends: base.yaml
players:
  - name: Chna
    chips:
      gallium: {description: Gallium., levels: [banned, open]}
  - chips:
      other: {description: Other., levels: [a, b]}
""")
    problems = error(child).problems
    assert [(p.line, p.col, p.field) for p in problems] == [
        (3, 11, "players[0].name"), (6, 5, "players[1]"),
    ]
    assert problems[0].message.startswith(
        "unknown player 'Chna'; did you mean 'China'? (players of ")
    assert "cannot add or rename one" in problems[0].message
    assert "gives the name of the base player it changes ('name: US')" in problems[1].message


def test_exclude_conditions_of_a_child_are_added_to_the_base_ones(base: Path) -> None:
    write(base, base.read_text().replace(
        "        status_quo: ban\n",
        "        status_quo: ban\n      chips_level:\n        description: Volume.\n"
        "        levels: [low, high]\n"
        "    exclude:\n      - {chips_export: ban, chips_level: high}\n"))
    child = write(base.parent / "child.yaml", """\
extends: base.yaml
players:
  - name: US
    exclude:
      - {chips_export: allow, chips_level: low}
""")
    assert load(base).actions[0] == (
        "chips_export=ban, chips_level=low", "chips_export=allow, chips_level=low",
        "chips_export=allow, chips_level=high")
    assert load(child).actions[0] == ("chips_export=ban, chips_level=low",
                                      "chips_export=allow, chips_level=high")


def test_a_chain_of_files_and_the_files_it_read(base: Path) -> None:
    sub = base.parent / "sub"
    sub.mkdir()
    mid = write(sub / "mid.yaml", "extends: ../base.yaml\ntitle: Middle\n")
    top = write(base.parent / "top.yaml", "extends: sub/mid.yaml\ndescription: Top of the chain.\n")
    # the middle file climbs out of its folder: allowed only with include_dirs
    assert "leads outside the folder of this file" in error(top).problems[0].message
    game = load(top, include_dirs=[base.parent])
    assert game.title == "Middle" and game.description == "Top of the chain."
    assert game.files == (top.resolve(), mid.resolve(), base.resolve())
    before = game.sha256
    base.write_text(base.read_text().replace("value: -2", "value: -3"), encoding="utf-8")
    changed = load(top, include_dirs=[base.parent])
    assert changed.sha256 != before  # the digest covers every file of the chain
    assert changed.matrices()[0][1, 0] == -3


def test_an_error_inherited_from_the_base_points_into_the_base(base: Path) -> None:
    child = write(base.parent / "child.yaml", """\
extends: base.yaml
parameters:
  dependence: {range: [0, 1], override: true}
""")
    first = error(child).problems[0]
    assert Path(first.file).resolve() == base.resolve()
    line = base.read_text().splitlines()[first.line - 1]
    assert line[first.col - 1:].startswith("-1 / dependence")
    assert first.field == "payoffs.China[1].value"
    assert "dependence=0 (dependence at the low end of its range)" in first.message


def test_an_error_in_the_child_points_into_the_child(base: Path) -> None:
    child = write(base.parent / "child.yaml", """\
extends: base.yaml
payoffs:
  US:
    - name: supply
      when: {rare_earths: licenced}
      override: true
""")
    first = error(child).problems[0]
    assert Path(first.file).resolve() == child.resolve()
    assert (first.line, first.col) == (5, 27)
    assert first.field == "payoffs.US[0].when.rare_earths"
    assert "did you mean 'license'?" in first.message


def test_errors_in_an_added_chip_and_in_the_base_chip_it_breaks(base: Path) -> None:
    child = write(base.parent / "child.yaml", """\
extends: base.yaml
players:
  - name: China
    chips:
      rare_earths: {override: true, levels: [restrict, licence]}
      gallium: {description: Gallium., levels: [banned, banned]}
""")
    problems = error(child).problems
    got = [(Path(p.file).name, p.line, p.col, p.field) for p in problems]
    assert got == [("child.yaml", 6, 57, "players[1].chips.gallium.levels[1]")]
    assert "level 'banned' is listed twice" in problems[0].message
    write(child, child.read_text().replace("[banned, banned]", "[banned, open]"))
    problems = error(child).problems
    got = [(Path(p.file).name, p.line, p.col, p.field) for p in problems]
    # the base's term still names the old level: reported where it is written, in the base
    assert got[0] == ("base.yaml", 34, 27, "payoffs.US[0].when.rare_earths")
    message = problems[0].message
    assert "'license' is not a level of 'rare_earths'; did you mean 'licence'?" in message


def test_problems_are_ordered_file_by_file(base: Path) -> None:
    child = write(base.parent / "child.yaml", """\
extends: base.yaml
title: ''
parameters:
  dependence: {unit: '', override: true}
""")
    problems = error(child).problems
    assert [(Path(p.file).name, p.line) for p in problems] == [("child.yaml", 2), ("child.yaml", 4)]


def test_extends_cycles_and_missing_files(base: Path) -> None:
    a = write(base.parent / "a.yaml", "extends: b.yaml\ntitle: A\n")
    write(base.parent / "b.yaml", "extends: a.yaml\ntitle: B\n")
    first = error(a).problems[0]
    assert "cycle of extends: a.yaml -> b.yaml -> a.yaml" in first.message
    assert first.field == "extends"
    lost = write(base.parent / "lost.yaml", "extends: nowhere/base.yaml\ntitle: Lost\n")
    assert "file not found: nowhere/base.yaml" in error(lost).problems[0].message


def test_the_shipped_variant_loads_and_differs_from_its_base() -> None:
    variant = ROOT / "payoffs" / "high_dependence.yaml"
    game = load(variant)
    assert len(game.files) == 2
    assert game.files[1].name == "baseline.yaml"
    baseline = load(ROOT / "payoffs" / "baseline.yaml")
    assert game.parameters["us_re_dependence"].value == 0.94
    assert game.parameters["us_re_dependence"].unit == baseline.parameters["us_re_dependence"].unit
    assert game.actions == baseline.actions
    assert not np.array_equal(game.matrices()[0], baseline.matrices()[0])


# ------------------------------------------------------------------------- parameters
def test_a_scenario_changes_only_what_it_names() -> None:
    game = load(BASE)
    base = game.baseline()
    moved = game.resolve(scenario="squeeze")
    assert moved == {**base, "dependence": 0.8}
    for a, b in zip(game.matrices(scenario="squeeze"), game.matrices({"dependence": 0.8}),
                    strict=True):
        np.testing.assert_array_equal(a, b)
    # explicit values win over the scenario's
    assert game.resolve({"dependence": 0.3}, scenario="squeeze")["dependence"] == 0.3


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda g: g.resolve({"dependance": 0.5}), "unknown parameter 'dependance'; did you "
         "mean 'dependence'?"),
        (lambda g: g.resolve(scenario="squeez"), "unknown scenario 'squeez'; did you mean "
         "'squeeze'?"),
        (lambda g: g.matrices({"chipvalue": 1}), "did you mean 'chip_value'?"),
        (lambda g: g.resolve({"dependence": "high"}), "expected a number, got 'high'"),
        (lambda g: g.resolve({"dependence": float("nan")}), "value must be finite"),
        (lambda g: g.resolve({"dependence": True}), "expected a number"),
        (lambda g: g.matrices_batch({"dependence": [0.1, "x"]}), "expected numbers"),
        (lambda g: g.matrices_batch({"dependence": [0.1, np.inf]}), "at index 1"),
        (lambda g: g.matrices_batch({"dependence": [[0.1]]}), "expected a 1-D array"),
        (lambda g: g.matrices_batch({"dependence": [0.1, 0.2], "chip_value": [1, 2, 3]}),
         "differ in length"),
        (lambda g: g.matrices_batch({"nope": [1]}), "unknown parameter 'nope'"),
    ],
)
def test_bad_names_and_values_raise_usage_errors(call, message: str) -> None:
    game = load(BASE)
    with pytest.raises(UsageError) as info:
        call(game)
    assert message in str(info.value)


def test_a_non_finite_payoff_at_a_requested_point_names_term_and_profile() -> None:
    game = load(BASE)
    with pytest.raises(NonFiniteError) as info:
        game.matrices({"dependence": 0.0})  # outside the range, so never checked at load
    err = info.value
    assert err.where.endswith("payoffs.China[1].value")
    assert "yields -inf at profile (US: ban / China: restrict) with dependence=0" in err.message


# ------------------------------------------------------------------------- batches
def test_a_batch_equals_one_call_per_point() -> None:
    game = load(BASE)
    rng = np.random.default_rng(7)
    dep = rng.uniform(0.1, 0.9, size=40)
    chip = rng.uniform(1, 8, size=40)
    for scenario in (None, "squeeze"):
        A, B = game.matrices_batch({"dependence": dep, "chip_value": chip}, scenario=scenario)
        assert A.shape == B.shape == (40, 2, 2)
        for k in range(40):
            a, b = game.matrices({"dependence": dep[k], "chip_value": chip[k]}, scenario)
            np.testing.assert_allclose(A[k], a, rtol=0, atol=1e-12)
            np.testing.assert_allclose(B[k], b, rtol=0, atol=1e-12)
    # parameters not given keep their baseline (or scenario) value
    A, _ = game.matrices_batch({"chip_value": chip[:3]}, scenario="squeeze")
    np.testing.assert_allclose(A[:, 0, 1], 8.0)


def test_a_batch_evaluates_each_term_once_however_many_points(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    game = load(BASE)
    calls = []
    original = Formula.evaluate

    def counting(self: Formula, env):  # type: ignore[no-untyped-def]
        calls.append(self.text)
        return original(self, env)

    monkeypatch.setattr(Formula, "evaluate", counting)
    n = 100_000
    dep = np.linspace(0.1, 0.9, n)
    A, B = game.matrices_batch({"dependence": dep})
    assert len(calls) == len(game.terms)  # not len(game.terms) * n
    assert A.shape == B.shape == (n, 2, 2)
    np.testing.assert_allclose(A[:, 0, 1], 10 * dep)
    np.testing.assert_allclose(B[:, 0, 0], -1 / dep)
    np.testing.assert_allclose(B[:, 1, 1], 4.0)


def test_a_batch_of_scalars_is_one_point() -> None:
    game = load(BASE)
    A, B = game.matrices_batch({"dependence": 0.3})
    assert A.shape == B.shape == (1, 2, 2)
    np.testing.assert_allclose(A[0], game.matrices({"dependence": 0.3})[0])


def test_an_unknown_key_does_not_hide_other_mistakes(tmp_path: Path) -> None:
    """One run reports the misspelt level, the unknown key and the broken formula together."""
    f = tmp_path / "three.yaml"
    f.write_text(
        "title: t\ndescription: d\nplayers:\n"
        "  - name: A\n    chips:\n      eda: {description: x, levels: [banned, open]}\n"
        "  - name: B\n    chips:\n      re: {description: x, levels: [tight, loose]}\n"
        "payoffs:\n  A:\n    - when: {eda: baned}\n      colour: red\n      value: 2 *\n"
        "  B:\n    - value: 1\n"
    )
    with pytest.raises(PayoffFileError) as info:
        model.load(f)
    found = [(p.line, p.field) for p in info.value.problems]
    assert found == [
        (12, "payoffs.A[0].when.eda"),
        (13, "payoffs.A[0].colour"),
        (14, "payoffs.A[0].value"),
    ]


def test_derived_quantities_are_evaluated_in_order_and_vectorised(tmp_path: Path) -> None:
    base = (Path(__file__).parent / "fixtures" / "base_game.yaml").read_text()
    text = base.replace("value: 10 * dependence\n", "value: double / 2\n", 1).replace(
        "payoffs:\n",
        "derived:\n"
        "  supply_value:\n    description: Worth of licensed supply.\n"
        "    value: 10 * dependence\n"
        "  double:\n    description: Twice that.\n    value: 2 * supply_value\n"
        "payoffs:\n",
        1,
    )
    f = tmp_path / "derived.yaml"
    f.write_text(text)
    game = model.load(f)
    plain = model.load(Path(__file__).parent / "fixtures" / "base_game.yaml")
    np.testing.assert_allclose(game.matrices()[0], plain.matrices()[0])
    grid = {"dependence": np.linspace(0.1, 0.9, 7)}
    np.testing.assert_allclose(game.matrices_batch(grid)[0], plain.matrices_batch(grid)[0])
    assert game.derived_values(scenario="squeeze") == {"supply_value": 8.0, "double": 16.0}
