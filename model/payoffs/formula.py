"""Payoff formulas: a small arithmetic language parsed into a safe tree, evaluated with numpy.

Grammar (Python's operator precedence): numbers, parameter names, ``+ - * / **``, unary minus,
parentheses, comparisons ``< <= > >= == !=`` (giving 1 or 0), ``and``/``or``/``not``, the
conditional ``a if cond else b`` and the functions listed in ``FUNCTIONS``
(``model.payoffs.formula_functions``, with the operators' numpy implementations).

The text is parsed by Python's parser (``ast.parse``, which only builds a syntax tree) and the
tree is converted node by node into this module's own classes; anything not on the list above
(attributes, subscripts, lambdas, calls of unknown names, strings, comprehensions...) is refused
(``model.payoffs.formula_syntax`` holds the tables and messages of Python's side).
Nothing is ever passed to ``eval``/``exec``. Evaluation works on numpy arrays of parameter values,
so one call evaluates a formula at a whole batch of parameter points.

:meth:`Formula.exact` evaluates the same tree in rational arithmetic, for the exact solver:
numbers are read as written (``0.1`` is 1/10), and ``+ - * /``, powers with a whole-number
exponent, ``min``, ``max``, ``abs`` and ``clip`` are exact on rationals. The functions ``exp``,
``log`` and ``sqrt``, powers with another exponent, and comparisons and conditions (whose
branch floating point may decide otherwise than exact arithmetic at a tie) have no exact value
here; :class:`InexactError` says which part of the formula is the reason.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from model.limits import EXACT_MAX_BITS, FORMULA_MAX_DEPTH, FORMULA_MAX_LENGTH, MAX_EXPONENT
from model.payoffs.formula_functions import BINARY_OPS, FUNCTIONS, UNARY_OPS, function_list
from model.payoffs.formula_syntax import (
    BINOPS,
    CMPOPS,
    REFUSED_BINOPS,
    SINGLE_EQUALS,
    UNARYOPS,
    char_offset,
    literal,
    refusal,
    syntax_error,
)

Array = np.ndarray
MAX_LENGTH = FORMULA_MAX_LENGTH
MAX_DEPTH = FORMULA_MAX_DEPTH


class InexactError(ValueError):
    """A formula has no exact rational value: ``message`` says why, ``offset`` (0-based)
    where in the formula; ``name`` is set when the reason is a name without an exact value."""

    def __init__(self, message: str, offset: int = 0, name: str | None = None):
        super().__init__(message)
        self.message = message
        self.offset = offset
        self.name = name


ExactEnv = Mapping[str, Fraction]


def _checked(value: Fraction, offset: int) -> Fraction:
    """``value``, unless its numerator or denominator has more than EXACT_MAX_BITS bits."""
    if max(value.numerator.bit_length(), value.denominator.bit_length()) > EXACT_MAX_BITS:
        raise InexactError(f"its exact value needs more than {EXACT_MAX_BITS} bits", offset)
    return value


class FormulaError(ValueError):
    """A formula cannot be parsed or refers to something unknown. ``offset`` is 0-based."""

    def __init__(self, message: str, offset: int = 0):
        super().__init__(message)
        self.message = message
        self.offset = offset


class Node:
    offset: int

    def evaluate(self, env: Mapping[str, Array]) -> Array:
        raise NotImplementedError

    def exact(self, env: ExactEnv) -> Fraction:
        """The value in rational arithmetic; raises InexactError if there is none here."""
        raise NotImplementedError

    def names(self) -> list[tuple[str, int]]:
        return []


@dataclass(frozen=True)
class Num(Node):
    """A number; ``exact_value`` is its value as written (None if it is not read exactly)."""

    value: float
    offset: int
    exact_value: Fraction | None = None

    def evaluate(self, env: Mapping[str, Array]) -> Array:
        return np.asarray(self.value, dtype=float)

    def exact(self, env: ExactEnv) -> Fraction:
        if self.exact_value is None:
            raise InexactError(f"a number written with an exponent beyond {MAX_EXPONENT} is "
                               "not read exactly", self.offset)
        return self.exact_value


@dataclass(frozen=True)
class Name(Node):
    name: str
    offset: int

    def evaluate(self, env: Mapping[str, Array]) -> Array:
        return env[self.name]

    def exact(self, env: ExactEnv) -> Fraction:
        if self.name not in env:
            raise InexactError(f"'{self.name}' has no exact value", self.offset, self.name)
        return env[self.name]

    def names(self) -> list[tuple[str, int]]:
        return [(self.name, self.offset)]


@dataclass(frozen=True)
class Unary(Node):
    op: str
    operand: Node
    offset: int

    def evaluate(self, env: Mapping[str, Array]) -> Array:
        return UNARY_OPS[self.op](self.operand.evaluate(env))

    def exact(self, env: ExactEnv) -> Fraction:
        if self.op == "not":
            raise InexactError(_CONDITION, self.offset)
        value = self.operand.exact(env)
        return -value if self.op == "-" else value

    def names(self) -> list[tuple[str, int]]:
        return self.operand.names()


@dataclass(frozen=True)
class Binary(Node):
    op: str
    left: Node
    right: Node
    offset: int

    def evaluate(self, env: Mapping[str, Array]) -> Array:
        return BINARY_OPS[self.op](self.left.evaluate(env), self.right.evaluate(env))

    def exact(self, env: ExactEnv) -> Fraction:
        if self.op not in ("+", "-", "*", "/", "**"):
            raise InexactError(_CONDITION, self.offset)
        a = self.left.exact(env)
        b = self.right.exact(env)
        if self.op == "+":
            return _checked(a + b, self.offset)
        if self.op == "-":
            return _checked(a - b, self.offset)
        if self.op == "*":
            return _checked(a * b, self.offset)
        if self.op == "/":
            if b == 0:
                raise InexactError("it divides by zero in exact arithmetic", self.offset)
            return _checked(a / b, self.offset)
        if b.denominator != 1:
            raise InexactError(f"the power ** {float(b):g} has an exponent that is not a whole "
                               "number, so its value is not rational", self.offset)
        k = b.numerator
        if a == 0:
            if k < 0:
                raise InexactError("it divides by zero in exact arithmetic", self.offset)
            return Fraction(int(k == 0))
        size = max(a.numerator.bit_length(), a.denominator.bit_length(), 1)
        if abs(a) != 1 and abs(k) * (size - 1) > EXACT_MAX_BITS:
            raise InexactError(f"its exact value needs more than {EXACT_MAX_BITS} bits",
                               self.offset)
        return _checked(a**k, self.offset)

    def names(self) -> list[tuple[str, int]]:
        return self.left.names() + self.right.names()


@dataclass(frozen=True)
class Call(Node):
    function: str
    args: tuple[Node, ...]
    offset: int

    def evaluate(self, env: Mapping[str, Array]) -> Array:
        impl = FUNCTIONS[self.function][2]
        return impl(*(a.evaluate(env) for a in self.args))

    def exact(self, env: ExactEnv) -> Fraction:
        f = self.function
        if f not in ("min", "max", "abs", "clip"):
            why = _CONDITION if f == "ifelse" else f"{f}() is not a rational operation"
            raise InexactError(why, self.offset)
        args = [a.exact(env) for a in self.args]
        if f == "min":
            return min(args)
        if f == "max":
            return max(args)
        if f == "abs":
            return abs(args[0])
        return min(max(args[0], args[1]), args[2])  # clip, as np.minimum(np.maximum(...))

    def names(self) -> list[tuple[str, int]]:
        return [n for a in self.args for n in a.names()]


@dataclass(frozen=True)
class Formula:
    """A parsed formula: its source text and its tree."""

    text: str
    tree: Node

    def names(self) -> list[tuple[str, int]]:
        """Parameter names used, with their offsets in the text, in order of appearance."""
        return self.tree.names()

    def evaluate(self, env: Mapping[str, Array]) -> Array:
        """Evaluate over arrays of parameter values (broadcast together). Non-finite results
        are returned as they are; callers decide what to do with them."""
        with np.errstate(all="ignore"):
            return np.asarray(self.tree.evaluate(env), dtype=float)

    def exact(self, env: ExactEnv) -> Fraction:
        """The value in rational arithmetic for exact parameter values ``env``; raises
        :class:`InexactError` when the formula has none (see the module text)."""
        return self.tree.exact(env)


_CONDITION = ("comparisons and conditions are evaluated in floating point (at a tie its "
              "rounding may decide the branch)")


def exact_number(value: float) -> Fraction:
    """The exact value of a parameter given as a float: the shortest decimal that reads back
    as the same float (``0.1`` is 1/10), which is the number as written whenever it was
    written with at most 15 significant digits."""
    return Fraction(repr(float(value)))


def parse(text: str) -> Formula:
    """Parse a formula. Raises FormulaError with a 0-based offset into ``text``."""
    if not isinstance(text, str):
        raise FormulaError("a formula must be text or a number")
    if len(text) > MAX_LENGTH:
        raise FormulaError(f"formula is too long ({len(text)} characters; at most {MAX_LENGTH})")
    if "\n" in text.strip():
        raise FormulaError(
            "a formula must fit on one line (or be folded with '>-', every line indented alike)"
        )
    src = text.strip()
    lead = len(text) - len(text.lstrip())
    if not src:
        raise FormulaError("empty formula")
    try:
        tree = ast.parse(src, mode="eval")
    except SyntaxError as exc:
        raise FormulaError(*syntax_error(src, exc, lead)) from None
    except (RecursionError, MemoryError, ValueError):
        raise FormulaError("formula is nested too deeply or cannot be parsed") from None
    # ast column offsets count UTF-8 bytes; messages need characters
    encoded = src.encode("utf-8")
    chars = None if len(encoded) == len(src) else encoded
    root = _Converter(lead, chars, encoded).convert(tree.body, 0)
    _check_constants(root)
    return Formula(text, root)


def _check_constants(node: Node) -> float | None:
    """Refuse any part of a formula made of numbers only whose value is not finite (``1/0``,
    ``9**9**9**9``, ``log(0)``...). Returns the node's value if it is constant."""
    if isinstance(node, Num):
        return node.value
    if isinstance(node, Name):
        return None
    if isinstance(node, Unary):
        parts = [node.operand]
    elif isinstance(node, Binary):
        parts = [node.left, node.right]
    elif isinstance(node, Call):
        parts = list(node.args)
    else:  # pragma: no cover - every node class is listed above
        return None
    values = [_check_constants(p) for p in parts]
    if any(v is None for v in values):
        return None
    with np.errstate(all="ignore"):
        value = float(node.evaluate({}))
    if math.isfinite(value):
        return value
    if isinstance(node, Binary) and node.op == "/" and values[1] == 0:
        raise FormulaError("division by zero", node.offset)
    if isinstance(node, Binary) and node.op == "**" and math.isinf(value):
        raise FormulaError("this power is too large to be a number", node.offset)
    raise FormulaError(f"this part of the formula is {value}, not a finite number", node.offset)


class _Converter:
    """Python's syntax tree of one formula, turned node by node into this module's nodes."""

    def __init__(self, lead: int, encoded: bytes | None, source: bytes):
        self.lead = lead  # characters before the stripped text that was parsed
        self.encoded = encoded  # that text in UTF-8 when it is not ASCII (ast counts bytes)
        self.source = source  # that text in UTF-8, for numbers as written

    def convert(self, node: ast.AST, depth: int) -> Node:
        """The formula node for ``node`` at nesting ``depth``; FormulaError if not allowed."""
        off = char_offset(node, self.lead, self.encoded)
        if depth > MAX_DEPTH:
            raise FormulaError(f"formula is nested too deeply (more than {MAX_DEPTH} levels)", off)
        kind = _KINDS.get(type(node))
        if kind is None:
            raise FormulaError(refusal(node), off)
        return kind(self, node, off, depth + 1)

    # Each method below converts one kind of node at offset ``off``; ``depth`` is the nesting
    # depth of its operands.
    def _constant(self, node: ast.Constant, off: int, depth: int) -> Node:
        """A number; text, booleans, complex numbers and numbers too large are refused."""
        value = node.value
        if isinstance(value, str):
            raise FormulaError(
                f"text in quotes ({value!r}) cannot be used in a formula; write numbers and "
                "parameter names without quotes",
                off,
            )
        if isinstance(value, bool):
            raise FormulaError(f"{value} is not a number here; write 1 or 0", off)
        if isinstance(value, complex):
            raise FormulaError(f"{value!r}: complex numbers are not supported", off)
        if not isinstance(value, (int, float)):
            raise FormulaError(f"{value!r} is not a number", off)
        try:
            number = float(value)
        except OverflowError:
            raise FormulaError("number is too large", off) from None
        if not math.isfinite(number):
            raise FormulaError("number is too large (not finite)", off)
        return Num(number, off, literal(node, value, self.source))

    def _name(self, node: ast.Name, off: int, depth: int) -> Node:
        """A parameter name: not a function's, and not starting with _."""
        if node.id.startswith("_"):
            raise FormulaError(f"name '{node.id}' is not allowed (names cannot start with _)", off)
        if node.id in FUNCTIONS:
            raise FormulaError(f"'{node.id}' is a function: write {node.id}(...)", off)
        return Name(node.id, off)

    def _unary(self, node: ast.UnaryOp, off: int, depth: int) -> Node:
        """Unary minus and plus, and ``not``; ``~`` is refused."""
        op = UNARYOPS.get(type(node.op))
        if op is None:
            raise FormulaError("'~' is not supported", off)
        return Unary(op, self.convert(node.operand, depth), off)

    def _binary(self, node: ast.BinOp, off: int, depth: int) -> Node:
        """``+ - * / **``; the other operators are refused, most with a hint."""
        op = BINOPS.get(type(node.op))
        if op is None:
            raise FormulaError(REFUSED_BINOPS.get(type(node.op), "operator not supported"), off)
        return Binary(op, self.convert(node.left, depth), self.convert(node.right, depth), off)

    def _compare(self, node: ast.Compare, off: int, depth: int) -> Node:
        """A comparison; a chain ``a < b <= c`` becomes ``a < b and b <= c``."""
        left = self.convert(node.left, depth)
        result: Node | None = None
        for cmp, right_node in zip(node.ops, node.comparators, strict=True):
            cop = CMPOPS.get(type(cmp))
            if cop is None:
                raise FormulaError("only < <= > >= == != comparisons are supported", off)
            right = self.convert(right_node, depth)
            part = Binary(cop, left, right, off)
            result = part if result is None else Binary("and", result, part, off)
            left = right
        assert result is not None
        return result

    def _boolean(self, node: ast.BoolOp, off: int, depth: int) -> Node:
        """``and``/``or`` of two or more operands, grouped from the left."""
        op = "and" if isinstance(node.op, ast.And) else "or"
        values = [self.convert(v, depth) for v in node.values]
        out = values[0]
        for v in values[1:]:
            out = Binary(op, out, v, off)
        return out

    def _conditional(self, node: ast.IfExp, off: int, depth: int) -> Node:
        """``a if cond else b``, which is ``ifelse(cond, a, b)``."""
        parts = (node.test, node.body, node.orelse)
        return Call("ifelse", tuple(self.convert(p, depth) for p in parts), off)

    def _call(self, node: ast.Call, off: int, depth: int) -> Node:
        """A call of one of the listed functions, with positional arguments only."""
        name = self._function(node, off)
        return Call(name, tuple(self.convert(a, depth) for a in node.args), off)

    def _function(self, node: ast.Call, off: int) -> str:
        """The name of the function ``node`` calls, once the call is checked against it."""
        if not isinstance(node.func, ast.Name):
            raise FormulaError("only the listed functions can be called: " + function_list(), off)
        name = node.func.id
        if name not in FUNCTIONS:
            from model.errors import did_you_mean

            raise FormulaError(
                f"unknown function '{name}'{did_you_mean(name, FUNCTIONS)} "
                f"(functions: {function_list()})",
                off,
            )
        if node.keywords:
            # Python read "x = 1" inside the call as a named argument
            raise FormulaError(
                f"{SINGLE_EQUALS} ({name}() takes no named arguments)",
                char_offset(node.keywords[0], self.lead, self.encoded),
            )
        if any(isinstance(a, ast.Starred) for a in node.args):
            raise FormulaError(f"{name}() cannot take *arguments", off)
        lo, hi, _, _ = FUNCTIONS[name]
        n = len(node.args)
        if n < lo or (hi is not None and n > hi):
            want = f"{lo}" if lo == hi else (f"at least {lo}" if hi is None else f"{lo} to {hi}")
            raise FormulaError(f"{name}() takes {want} arguments, got {n}", off)
        return name


# the kinds of node a formula may hold, each with its conversion
_KINDS: dict[type, Callable[[_Converter, Any, int, int], Node]] = {
    ast.Constant: _Converter._constant,
    ast.Name: _Converter._name,
    ast.UnaryOp: _Converter._unary,
    ast.BinOp: _Converter._binary,
    ast.Compare: _Converter._compare,
    ast.BoolOp: _Converter._boolean,
    ast.IfExp: _Converter._conditional,
    ast.Call: _Converter._call,
}
