"""Exact means exact: payoffs that are rational as written reach the exact engine as fractions,
the rest is rounded to a grid and the output says so; payoffs too large or too small for
floating point are refused with a message instead of overflowing."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
import yaml

import model
from model.cli.main import main
from model.payoffs.formula import InexactError, exact_number, parse
from model.solvers._common import PayoffRangeError, SolverError, snap_grid

ROOT = Path(__file__).resolve().parents[1]
CHICKEN = ROOT / "payoffs" / "textbook" / "chicken.yaml"


def _game(tmp_path: Path, row: list[list[object]], col: list[list[object]],
          parameters: dict[str, float] | None = None) -> Path:
    """The chicken file with other matrices (and parameters)."""
    doc = yaml.safe_load(CHICKEN.read_text())
    doc["matrices"] = {"Row": row, "Column": col}
    if parameters:
        doc["parameters"] = {
            name: {"value": v, "unit": "share", "source": "osborne_2004",
                   "description": "a test parameter", "range": [0, 10]}
            for name, v in parameters.items()
        }
    path = tmp_path / "game.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def _solve_json(path: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> dict:
    assert main(["solve", str(path), "--json", *extra]) == 0
    return json.loads(capsys.readouterr().out)


# ------------------------------------------------------------------ formulas, exactly
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1/3", Fraction(1, 3)),
        ("0.1 + 0.2 - 0.3", Fraction(0)),
        ("2 ** -3 * 1e-2", Fraction(1, 800)),
        ("x ** 2 - y", Fraction(1, 100) - Fraction(7, 10)),
        ("min(x, 0.05) + max(y, 1) + abs(-x) + clip(y, 0, 0.5)", Fraction(33, 20)),
        ("1_000.5 / 5.", Fraction(2001, 10)),
    ],
)
def test_rational_formulas_are_exact(text: str, expected: Fraction) -> None:
    env = {"x": exact_number(0.1), "y": exact_number(0.7)}
    assert parse(text).exact(env) == expected


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("exp(x)", "exp() is not a rational operation"),
        ("x ** 0.5", "not a whole number"),
        ("x ** y", "not a whole number"),
        ("ifelse(x > 0, 1, 2)", "comparisons and conditions"),
        ("1e-400 + x", "exponent beyond 300"),
        ("0.9 ** 100000", "more than 1024 bits"),
        ("z + 1", "'z' has no exact value"),
    ],
)
def test_other_formulas_say_why_they_are_not_exact(text: str, why: str) -> None:
    with pytest.raises(InexactError) as info:
        parse(text).exact({"x": Fraction(1, 10), "y": Fraction(7, 10)})
    assert why in info.value.message


def test_parameter_values_are_the_decimals_written() -> None:
    assert exact_number(0.1) == Fraction(1, 10)
    assert exact_number(157.0) == 157
    assert exact_number(-2.5e-7) == Fraction(-1, 4_000_000)


# ------------------------------------------------------------------ YAML files
def test_a_literal_third_is_exact(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Battle of the sexes with payoffs 1/3 and 2/3: the mixed equilibrium pays exactly 2/9
    (with the payoffs rounded to 12 digits it would pay 222222222222/10**12)."""
    path = _game(tmp_path, [["1/3", 0], [0, "2/3"]], [["2/3", 0], [0, "1/3"]])
    doc = _solve_json(path, capsys, "--exact")
    assert doc["solver"]["payoffs"] == "exact"
    assert doc["solver"]["grid"] is None and doc["solver"]["rounded_because"] is None
    mixed = [e for e in doc["equilibria"] if not e["pure"]]
    assert mixed[0]["exact"]["strategies"] == [["1/3", "2/3"], ["2/3", "1/3"]]
    assert mixed[0]["exact"]["payoffs"] == ["2/9", "2/9"]
    assert main(["solve", str(path), "--exact"]) == 0
    assert "Payoffs: exact, as written" in capsys.readouterr().out


def test_decimal_parameters_are_exact(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _game(tmp_path, [["3 * p - 0.3 + 1/3", 0], [0, "2/3"]],
                 [["2/3", 0], [0, "1/3"]], {"p": 0.1})
    doc = _solve_json(path, capsys, "--exact")
    assert doc["solver"]["payoffs"] == "exact"
    mixed = [e for e in doc["equilibria"] if not e["pure"]]
    assert mixed[0]["exact"]["payoffs"] == ["2/9", "2/9"]
    # --set values are read as written too
    doc = _solve_json(path, capsys, "--exact", "--set", "p=0.2")
    mixed = [e for e in doc["equilibria"] if not e["pure"]]
    a = Fraction(19, 30)  # 3 * 0.2 - 0.3 + 1/3
    assert mixed[0]["exact"]["payoffs"][0] == str(a * Fraction(2, 3) / (a + Fraction(2, 3)))


def test_a_non_rational_formula_is_rounded_and_says_where(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _game(tmp_path, [["exp(p)", 0], [0, "2/3"]], [["2/3", 0], [0, "1/3"]], {"p": 0.1})
    doc = _solve_json(path, capsys, "--exact")
    solver = doc["solver"]
    assert solver["exact"] is True and solver["payoffs"] == "rounded"
    assert solver["grid"] == ["1e-12", "1e-13"]  # largest |payoff| exp(0.1) and 2/3
    assert solver["rounded_because"].startswith(f"{path}:")
    assert "matrices.Row[0][0]: exp() is not a rational operation" in solver["rounded_because"]
    assert main(["solve", str(path), "--exact"]) == 0
    text = capsys.readouterr().out
    assert "Payoffs: rounded to multiples of 1e-12 (Row) and 1e-13 (Column)" in text
    assert "exp() is not a rational operation" in text


def test_without_exact_the_json_says_the_payoffs_were_rounded(
    capsys: pytest.CaptureFixture[str]
) -> None:
    doc = _solve_json(CHICKEN, capsys)
    assert doc["solver"]["payoffs"] == "rounded"
    assert doc["solver"]["grid"] == ["1e-12", "1e-12"]
    assert "--exact" in doc["solver"]["rounded_because"]


def test_tiny_payoffs_in_a_file_exit_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _game(tmp_path, [[1e-320, 0], [0, 1e-320]], [[0, 1], [1, 0]])
    assert main(["solve", str(path), "--exact"]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "below 1e-300" in err


# ------------------------------------------------------------------ the solver API
def test_solve_takes_exact_payoffs() -> None:
    third = Fraction(1, 3)
    A_exact = [[third, 0], [0, 2 * third]]
    B_exact = [[2 * third, 0], [0, third]]
    A = np.array(A_exact, dtype=float)
    B = np.array(B_exact, dtype=float)
    rounded = model.solve(A, B, exact=True)
    exact = model.solve(A, B, exact=True, exact_payoffs=(A_exact, B_exact))
    assert exact.equilibria[-1].exact_payoffs == (Fraction(2, 9), Fraction(2, 9))
    assert rounded.equilibria[-1].exact_payoffs != (Fraction(2, 9), Fraction(2, 9))
    with pytest.raises(SolverError, match="exact=True"):
        model.solve(A, B, exact_payoffs=(A_exact, B_exact))
    with pytest.raises(SolverError, match="differ from A"):
        model.solve(A, B, exact=True, exact_payoffs=([[third, 1], [0, 2 * third]], B_exact))
    with pytest.raises(SolverError, match="ints or Fractions"):
        model.solve(A, B, exact=True, exact_payoffs=([[0.5, 0], [0, 1]], B_exact))
    with pytest.raises(SolverError, match="shape"):
        model.solve(A, B, exact=True, exact_payoffs=([[third, 0]], B_exact))


@pytest.mark.parametrize("payoff", [1e308, -1e308, 1e101])
def test_payoffs_beyond_1e100_are_refused_not_overflowed(payoff: float) -> None:
    A = np.array([[payoff, 0.0], [0.0, 1.0]])
    B = np.array([[0.0, 1.0], [1.0, 0.0]])
    for kwargs in ({}, {"exact": True}):
        with pytest.raises(PayoffRangeError, match="beyond 1e\\+100"):
            model.solve(A, B, **kwargs)
    with pytest.raises(PayoffRangeError):
        model.solve_batch(A[None], B[None])


@pytest.mark.parametrize("scale", [1e-320, 5e-310])
def test_payoffs_too_small_for_a_tolerance_are_refused(scale: float) -> None:
    A = np.array([[1.0, 0.0], [0.0, 1.0]]) * scale
    with pytest.raises(PayoffRangeError, match="below 1e-300"):
        model.solve(A, -A, exact=True)


@pytest.mark.parametrize("scale", [1e100 / 3, 2.0**330, 1e-300, 2.0**-990])
def test_payoffs_at_the_limits_give_the_scaled_answer(scale: float) -> None:
    """Equilibria, dominance (a mixed dominator, found by a linear program on payoffs of any
    scale) and payoffs are those of the unscaled game (to rounding: the grid is decimal)."""
    rng = np.random.default_rng(3)
    A = rng.random((6, 4)) + 1
    B = rng.random((6, 4)) + 1
    A[:2, :] = [[3, 0, 3, 0], [0, 3, 0, 3]]
    A[5] = 1.0  # dominated by the mix of rows 0 and 1 only
    base = model.solve(A, B, exact=True)
    assert any(s.kind == "mixed" for s in base.dominance.steps)
    for kwargs in ({}, {"exact": True}):
        r = model.solve(A * scale, B * scale, **kwargs)
        assert [e.support for e in r.equilibria] == [e.support for e in base.equilibria]
        for e, b in zip(r.equilibria, base.equilibria, strict=True):
            for s, t in zip(e.strategies, b.strategies, strict=True):
                np.testing.assert_allclose(s, t, rtol=1e-9, atol=1e-12)
            np.testing.assert_allclose(e.payoffs, np.array(b.payoffs) * scale, rtol=1e-9)
        steps = [(s.player, s.action, s.kind) for s in r.dominance.steps]
        assert steps == [(s.player, s.action, s.kind) for s in base.dominance.steps]


def test_the_grid_of_tiny_payoffs_does_not_underflow() -> None:
    """The product 1e-3 * tol * scale underflows to 0 for a tiny tol: the grid is still the
    power of ten below it (it was a math domain error)."""
    M = np.array([[1e-300, 0.0]])
    assert snap_grid(M, 1e-30) == Fraction(1, 10**333)
    assert snap_grid(np.array([[1.0]]), 1e-9) == Fraction(1, 10**12)
