"""Loading and compiling payoff files: extends, parameters and scenarios, and batched matrices."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

import model
from model.errors import PayoffFileError, UsageError
from model.formula import Formula
from model.game import NonFiniteError
from model.loader import load

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


def test_mappings_merge_key_by_key_and_lists_are_replaced(base: Path) -> None:
    child = write(base.parent / "child.yaml", """\
extends: base.yaml
parameters:
  dependence: {value: 0.7}
  new_one: {value: 1, unit: u, source: est, description: Added., range: [0, 2]}
scenarios:
  relief: {description: Less dependence., source: est, set: {dependence: 0.2}}
players:
  - name: US
    chips:
      chips_export: {description: Export controls., levels: [ban, partial, allow]}
  - name: China
    chips:
      rare_earths: {description: Licensing., levels: [restrict, license]}
""")
    game = load(child)
    dep = game.parameters["dependence"]
    assert (dep.value, dep.unit, dep.low, dep.high) == (0.7, "share", 0.1, 0.9)
    assert set(game.parameters) == {"dependence", "chip_value", "new_one"}
    assert list(game.scenarios) == ["squeeze", "relief"]
    assert game.actions[0] == ("ban", "partial", "allow")  # the players list was replaced
    assert game.players[0].status_quo is None  # and with it the status quo
    assert game.shape == (3, 2)


def test_a_chain_of_files_and_the_files_it_read(base: Path) -> None:
    mid = write(base.parent / "mid.yaml", "extends: base.yaml\ntitle: Middle\n")
    sub = base.parent / "sub"
    sub.mkdir()
    top = write(sub / "top.yaml", "extends: ../mid.yaml\ndescription: Top of the chain.\n")
    game = load(top)
    assert game.title == "Middle" and game.description == "Top of the chain."
    assert game.files == (top.resolve(), mid.resolve(), base.resolve())
    before = game.sha256
    base.write_text(base.read_text().replace("value: -2", "value: -3"), encoding="utf-8")
    changed = load(top)
    assert changed.sha256 != before  # the digest covers every file of the chain
    assert changed.matrices()[0][1, 0] == -3


def test_an_error_inherited_from_the_base_points_into_the_base(base: Path) -> None:
    child = write(base.parent / "child.yaml", """\
extends: base.yaml
parameters:
  dependence: {range: [0, 1]}
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
""")
    first = error(child).problems[0]
    assert Path(first.file).resolve() == child.resolve()
    assert (first.line, first.col) == (5, 27)
    assert first.field == "payoffs.US[0].when.rare_earths"
    assert "did you mean 'license'?" in first.message


def test_problems_are_ordered_file_by_file(base: Path) -> None:
    child = write(base.parent / "child.yaml", """\
extends: base.yaml
title: ''
parameters:
  dependence: {unit: ''}
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
    variant = ROOT / "payoffs" / "variants" / "high_dependence.yaml"
    game = load(variant)
    assert len(game.files) == 2
    assert game.files[1].name == "baseline.yaml"


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
