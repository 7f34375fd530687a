"""The formula language: what it computes, over arrays, and everything it refuses (with where)."""

from __future__ import annotations

import ast
import math
from pathlib import Path

import numpy as np
import pytest

from model.payoffs.formula import MAX_DEPTH, MAX_LENGTH, FormulaError, parse
from model.payoffs.formula_functions import FUNCTIONS

MODEL = Path(__file__).resolve().parents[1] / "model"


def value(text: str, **env: float) -> float:
    return float(parse(text).evaluate({k: np.asarray(v, dtype=float) for k, v in env.items()}))


def refusal(text: str) -> FormulaError:
    with pytest.raises(FormulaError) as info:
        parse(text)
    return info.value


# ------------------------------------------------------------------------- what it computes
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2 + 3 * 4", 14),
        ("(2 + 3) * 4", 20),
        ("1 - 2 - 3", -4),  # left to right
        ("12 / 4 / 3", 1),
        ("2 ** 3 ** 2", 512),  # power is right-associative
        ("-2 ** 2", -4),  # power binds tighter than unary minus
        ("2 * -3", -6),
        ("+5", 5),
        ("10 / 4", 2.5),
        ("1e3 + .5", 1000.5),
        ("1 + 2 < 4", 1),  # arithmetic before comparison
        ("3 > 4", 0),
        ("2 <= 2", 1),
        ("2 >= 3", 0),
        ("2 == 2.0", 1),
        ("2 != 2", 0),
        ("1 < 2 < 3", 1),  # chained comparisons hold together
        ("1 < 3 < 2", 0),
        ("1 and 0", 0),
        ("1 or 0", 1),
        ("not 0", 1),
        ("not 2", 0),
        ("1 < 2 and 3 < 2 or 1", 1),  # and binds tighter than or
        ("5 if 1 > 0 else 7", 5),
        ("5 if 1 < 0 else 7", 7),
        ("min(3, 1, 2)", 1),
        ("max(3, 1, 2)", 3),
        ("abs(-2.5)", 2.5),
        ("exp(0)", 1),
        ("log(exp(2))", 2),
        ("sqrt(16)", 4),
        ("clip(5, 0, 3)", 3),
        ("clip(-1, 0, 3)", 0),
        ("ifelse(0, 1, 2)", 2),
        ("ifelse(2 > 1, 1, 2)", 1),
    ],
)
def test_arithmetic_follows_the_usual_rules(text: str, expected: float) -> None:
    assert value(text) == pytest.approx(expected)


def test_parameters_are_looked_up_by_name() -> None:
    assert value("a * b + c", a=2, b=3, c=1) == 7
    assert value("ifelse(x > 0.5, x, 1 - x)", x=0.2) == pytest.approx(0.8)


def test_a_formula_is_evaluated_over_whole_arrays_at_once() -> None:
    f = parse("ifelse(x > 1, x ** 2, -x) + y")
    x = np.array([0.0, 1.0, 2.0, 3.0])
    out = f.evaluate({"x": x, "y": np.asarray(10.0)})  # a scalar broadcasts
    assert out.shape == (4,)
    assert out.tolist() == [10.0, 9.0, 14.0, 19.0]
    assert parse("min(x, 1.5)").evaluate({"x": x}).tolist() == [0.0, 1.0, 1.5, 1.5]
    assert parse("x < 2").evaluate({"x": x}).tolist() == [1.0, 1.0, 0.0, 0.0]


def test_an_unchosen_branch_does_not_spoil_the_result() -> None:
    out = parse("ifelse(x > 0, 1 / x, 0)").evaluate({"x": np.array([0.0, 2.0])})
    assert out.tolist() == [0.0, 0.5]


def test_non_finite_results_are_returned_for_the_caller_to_judge() -> None:
    out = parse("1 / x").evaluate({"x": np.array([0.0, 1.0])})
    assert math.isinf(out[0]) and out[1] == 1.0


def test_names_are_listed_with_their_offsets() -> None:
    text = "  alpha * max(beta, alpha)"
    assert parse(text).names() == [("alpha", 2), ("beta", 14), ("alpha", 20)]
    assert parse("é + zeta").names() == [("é", 0), ("zeta", 4)]  # characters, not bytes


def test_every_function_is_documented_and_callable() -> None:
    for name, (lo, _hi, impl, doc) in FUNCTIONS.items():
        assert doc and callable(impl)
        args = ", ".join(["1"] * lo)
        assert math.isfinite(value(f"{name}({args})"))


# ------------------------------------------------------------------------- what it refuses
@pytest.mark.parametrize(
    ("text", "message", "offset"),
    [
        # reaching into Python
        ("__import__('os')", "unknown function '__import__'", 0),
        ("__import__('os').system('ls')", "only the listed functions can be called", 0),
        ("x.__class__", "attributes ('.') are not allowed", 0),
        ("().__class__.__bases__[0]", "indexing ('[...]') is not allowed", 0),
        ("__builtins__", "names cannot start with _", 0),
        ("1 + _secret", "names cannot start with _", 4),
        ("(lambda: 1)()", "only the listed functions can be called", 0),
        ("lambda: 1", "lambdas are not allowed", 0),
        ("x[0]", "indexing ('[...]') is not allowed", 0),
        ("[y for y in x]", "(listcomp) is not allowed", 0),
        ("sum(y for y in x)", "unknown function 'sum'", 0),
        ("open('f')", "unknown function 'open'", 0),
        ("eval('1')", "unknown function 'eval'", 0),
        ("(y := 1)", "(namedexpr) is not allowed", 1),
        ("f'{x}'", "(joinedstr) is not allowed", 0),
        ("{1: 2}", "(dict) is not allowed", 0),
        ("[1, 2]", "(list) is not allowed", 0),
        ("1, 2", "(tuple) is not allowed", 0),
        ("...", "Ellipsis is not a number", 0),
        # huge numbers
        ("9**9**9**9", "this power is too large to be a number", 3),
        ("10 ** 400", "this power is too large to be a number", 0),
        ("1e400", "number is too large", 0),
        ("1" + "0" * 400, "number is too large", 0),
        ("x + 1/0", "division by zero", 4),
        ("log(0) + x", "this part of the formula is -inf", 0),
        ("x * (-8) ** 0.5", "this part of the formula is nan", 4),
        ("exp(1000)", "this part of the formula is inf", 0),
        # not numbers
        ("'abc'", "text in quotes ('abc') cannot be used", 0),
        ("x + True", "True is not a number here; write 1 or 0", 4),
        ("None", "None is not a number", 0),
        ("2j", "complex numbers are not supported", 0),
        # operators and calls
        ("x ^ 2", "'^' is not a power here; write a ** b", 0),
        ("x // 2", "'//' is not supported", 0),
        ("x % 2", "'%' is not supported", 0),
        ("x & y", "'&' is not supported; use 'and'", 0),
        ("~x", "'~' is not supported", 0),
        ("x is y", "only < <= > >= == != comparisons", 0),
        ("x in y", "only < <= > >= == != comparisons", 0),
        ("lg(x)", "unknown function 'lg'; did you mean 'log'?", 0),
        ("clip(x, 0)", "clip() takes 3 arguments, got 2", 0),
        ("max(x)", "max() takes at least 2 arguments, got 1", 0),
        ("abs(x, y)", "abs() takes 1 arguments, got 2", 0),
        ("max(*x)", "max() cannot take *arguments", 0),
        ("max(x, key=y)", "'=' is not allowed; use '==' to compare", 7),
        ("1 + sqrt", "'sqrt' is a function: write sqrt(...)", 4),
        # syntax, with the place
        ("x +", "it ends too early", 3),
        ("x * * y", "invalid syntax", 4),
        ("(x + 1", "'(' was never closed", 0),
        ("x = 1", "'=' is not allowed; use '==' to compare", 2),
        ("ifelse(x = 1, 2, 3)", "'=' is not allowed; use '==' to compare", 9),
        ("3x", "invalid number (write a product as 3 * x)", 0),
        ("x \\ 2", "a backslash", 2),
        ("x + 'abc", "a quote is not closed", 4),
        ("1 if x", "expected 'else' after 'if' expression", 0),
        ("", "empty formula", 0),
        ("   ", "empty formula", 0),
        ("1 +\n2", "must fit on one line", 0),
    ],
)
def test_refusals_say_what_and_where(text: str, message: str, offset: int) -> None:
    err = refusal(text)
    assert message in err.message
    assert err.offset == offset


def test_the_offset_counts_leading_spaces() -> None:
    assert refusal("   x.y").offset == 3
    assert refusal("  (x").offset == 2


def test_very_long_input_is_refused_before_parsing() -> None:
    err = refusal("x + " * 10_000 + "x")
    assert f"at most {MAX_LENGTH}" in err.message
    parse(" + ".join(["x"] * 150))  # long but within the limit


@pytest.mark.parametrize(
    "text",
    [
        "-" * 1999 + "1",
        "not " * 499 + "1",
        "(" * 500 + "1" + ")" * 500,
        "x" + "**x" * 600,
        "max(" * 300 + "1" + ", 1)" * 300,
        "x" + "+x" * 900,
        "[" * 1000,
    ],
)
def test_deeply_nested_input_is_refused(text: str) -> None:
    err = refusal(text)
    assert "nested too deeply" in err.message or "too long" in err.message \
        or "nested parentheses" in err.message


def test_nesting_within_the_limit_is_fine() -> None:
    depth = MAX_DEPTH // 2
    assert value("(" * 150 + "1" + ")" * 150) == 1  # parentheses alone add no depth
    assert value("-" * depth + "1") == (-1) ** depth
    assert value(" + ".join(["1"] * depth)) == depth


def test_the_package_never_calls_eval_or_exec() -> None:
    calls = []
    for path in sorted(MODEL.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            fn = node.func
            name = fn.id if isinstance(fn, ast.Name) else fn.attr if isinstance(
                fn, ast.Attribute) else None
            if name in ("eval", "exec", "__import__"):
                calls.append(f"{path.name}:{node.lineno}: {name}(")
    assert not calls, calls
    source = (MODEL / "payoffs" / "formula.py").read_text(encoding="utf-8")
    assert "eval(" not in source.replace(".evaluate(", "").replace("def evaluate(", "")
    assert "exec(" not in source
