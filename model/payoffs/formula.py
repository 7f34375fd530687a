"""Payoff formulas: a small arithmetic language parsed into a safe tree, evaluated with numpy.

Grammar (Python's operator precedence): numbers, parameter names, ``+ - * / **``, unary minus,
parentheses, comparisons ``< <= > >= == !=`` (giving 1 or 0), ``and``/``or``/``not``, the
conditional ``a if cond else b`` and the functions listed in ``FUNCTIONS``.

The text is parsed by Python's parser (``ast.parse``, which only builds a syntax tree) and the
tree is converted node by node into this module's own classes; anything not on the list above
(attributes, subscripts, lambdas, calls of unknown names, strings, comprehensions...) is refused.
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
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from model.limits import EXACT_MAX_BITS, FORMULA_MAX_DEPTH, FORMULA_MAX_LENGTH, MAX_EXPONENT

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


def _clip(x: Array, lo: Array, hi: Array) -> Array:
    return np.minimum(np.maximum(x, lo), hi)


def _ifelse(cond: Array, a: Array, b: Array) -> Array:
    return np.where(cond != 0, a, b)


# name -> (minimum arity, maximum arity or None, implementation, one-line help)
FUNCTIONS: dict[str, tuple[int, int | None, Callable[..., Array], str]] = {
    "min": (2, None, lambda *a: _reduce(np.minimum, a), "smallest of two or more values"),
    "max": (2, None, lambda *a: _reduce(np.maximum, a), "largest of two or more values"),
    "abs": (1, 1, np.abs, "absolute value"),
    "exp": (1, 1, np.exp, "e to the power x"),
    "log": (1, 1, np.log, "natural logarithm"),
    "sqrt": (1, 1, np.sqrt, "square root"),
    "clip": (3, 3, _clip, "clip(x, lo, hi): x limited to [lo, hi]"),
    "ifelse": (3, 3, _ifelse, "ifelse(cond, a, b): a where cond holds, else b"),
}


def _reduce(fn: Callable[[Array, Array], Array], args: tuple[Array, ...]) -> Array:
    out = args[0]
    for a in args[1:]:
        out = fn(out, a)
    return out


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


_UNARY: dict[str, Callable[[Array], Array]] = {
    "-": np.negative,
    "+": np.positive,
    "not": lambda a: (a == 0).astype(float),
}

_BINARY: dict[str, Callable[[Array, Array], Array]] = {
    "+": np.add,
    "-": np.subtract,
    "*": np.multiply,
    "/": np.true_divide,
    "**": np.power,
    "<": lambda a, b: np.less(a, b).astype(float),
    "<=": lambda a, b: np.less_equal(a, b).astype(float),
    ">": lambda a, b: np.greater(a, b).astype(float),
    ">=": lambda a, b: np.greater_equal(a, b).astype(float),
    "==": lambda a, b: np.equal(a, b).astype(float),
    "!=": lambda a, b: np.not_equal(a, b).astype(float),
    "and": lambda a, b: ((a != 0) & (b != 0)).astype(float),
    "or": lambda a, b: ((a != 0) | (b != 0)).astype(float),
}


@dataclass(frozen=True)
class Unary(Node):
    op: str
    operand: Node
    offset: int

    def evaluate(self, env: Mapping[str, Array]) -> Array:
        return _UNARY[self.op](self.operand.evaluate(env))

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
        return _BINARY[self.op](self.left.evaluate(env), self.right.evaluate(env))

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


_BINOPS: dict[type, str] = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.Pow: "**",
}
_CMPOPS: dict[type, str] = {
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.Eq: "==",
    ast.NotEq: "!=",
}
_REFUSED_BINOPS: dict[type, str] = {
    ast.BitXor: "'^' is not a power here; write a ** b",
    ast.FloorDiv: "'//' is not supported; use / (and clip or min/max if needed)",
    ast.Mod: "'%' is not supported",
    ast.MatMult: "'@' is not supported",
    ast.BitAnd: "'&' is not supported; use 'and'",
    ast.BitOr: "'|' is not supported; use 'or'",
    ast.LShift: "'<<' is not supported",
    ast.RShift: "'>>' is not supported",
}


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
        raise FormulaError(*_syntax_error(src, exc, lead)) from None
    except (RecursionError, MemoryError, ValueError):
        raise FormulaError("formula is nested too deeply or cannot be parsed") from None
    # ast column offsets count UTF-8 bytes; messages need characters
    encoded = src.encode("utf-8")
    chars = None if len(encoded) == len(src) else encoded
    root = _convert(tree.body, lead, 0, chars, encoded)
    _check_constants(root)
    return Formula(text, root)


_SINGLE_EQUALS = "'=' is not allowed; use '==' to compare"
_LONE_EQUALS = re.compile(r"(?<![=<>!])=(?!=)")


def _syntax_error(src: str, exc: SyntaxError, lead: int) -> tuple[str, int]:
    """A message and 0-based offset for a formula Python's parser refused."""
    msg = exc.msg or "invalid syntax"
    if not exc.offset:  # the parser ran out of text
        return "cannot parse formula: it ends too early (an operand is missing?)", len(src) + lead
    at = min(max(exc.offset - 1, 0), len(src))
    if msg.startswith("invalid syntax"):
        msg = "invalid syntax"
        if src[at : at + 1] == "=" and src[at : at + 2] != "==":
            msg = _SINGLE_EQUALS
    elif "keyword argument" in msg:  # f(x = 1, 2): Python took "x = 1" for a named argument
        lone = _LONE_EQUALS.search(src)
        msg, at = _SINGLE_EQUALS, (lone.start() if lone else at)
    elif msg == "invalid decimal literal":
        msg = "invalid number (write a product as 3 * x)"
    elif "line continuation" in msg:
        msg = "a backslash (\\) cannot be used in a formula"
        at = max(src.find("\\"), 0)
    elif msg.startswith("unterminated string"):
        msg = "a quote is not closed (and text in quotes cannot be used in a formula anyway)"
    elif msg.startswith("leading zeros"):
        msg = "a number cannot start with 0 (write 7, not 07)"
    msg = re.sub(r"\s*\(detected at line \d+\)", "", msg)
    return f"cannot parse formula: {msg}", at + lead


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


def _offset(node: ast.AST, lead: int, encoded: bytes | None) -> int:
    """Character offset of a node in the formula (ast counts UTF-8 bytes)."""
    off = getattr(node, "col_offset", 0) or 0
    if encoded is not None:
        off = len(encoded[:off].decode("utf-8", errors="ignore"))
    return off + lead


def _convert(
    node: ast.AST, lead: int, depth: int, encoded: bytes | None = None, source: bytes = b""
) -> Node:
    off = _offset(node, lead, encoded)
    if depth > MAX_DEPTH:
        raise FormulaError(f"formula is nested too deeply (more than {MAX_DEPTH} levels)", off)
    d = depth + 1

    def sub(child: ast.AST) -> Node:
        return _convert(child, lead, d, encoded, source)

    if isinstance(node, ast.Constant):
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
        return Num(number, off, _literal(node, value, source))
    if isinstance(node, ast.Name):
        if node.id.startswith("_"):
            raise FormulaError(f"name '{node.id}' is not allowed (names cannot start with _)", off)
        if node.id in FUNCTIONS:
            raise FormulaError(f"'{node.id}' is a function: write {node.id}(...)", off)
        return Name(node.id, off)
    if isinstance(node, ast.UnaryOp):
        if isinstance(node.op, ast.USub):
            return Unary("-", sub(node.operand), off)
        if isinstance(node.op, ast.UAdd):
            return Unary("+", sub(node.operand), off)
        if isinstance(node.op, ast.Not):
            return Unary("not", sub(node.operand), off)
        raise FormulaError("'~' is not supported", off)
    if isinstance(node, ast.BinOp):
        op = _BINOPS.get(type(node.op))
        if op is None:
            raise FormulaError(_REFUSED_BINOPS.get(type(node.op), "operator not supported"), off)
        return Binary(op, sub(node.left), sub(node.right), off)
    if isinstance(node, ast.Compare):
        left = sub(node.left)
        result: Node | None = None
        for cmp, right_node in zip(node.ops, node.comparators, strict=True):
            cop = _CMPOPS.get(type(cmp))
            if cop is None:
                raise FormulaError("only < <= > >= == != comparisons are supported", off)
            right = sub(right_node)
            part = Binary(cop, left, right, off)
            result = part if result is None else Binary("and", result, part, off)
            left = right
        assert result is not None
        return result
    if isinstance(node, ast.BoolOp):
        op = "and" if isinstance(node.op, ast.And) else "or"
        values = [sub(v) for v in node.values]
        out = values[0]
        for v in values[1:]:
            out = Binary(op, out, v, off)
        return out
    if isinstance(node, ast.IfExp):
        return Call(
            "ifelse",
            (
                sub(node.test),
                sub(node.body),
                sub(node.orelse),
            ),
            off,
        )
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name):
            raise FormulaError("only the listed functions can be called: " + _fn_list(), off)
        name = node.func.id
        if name not in FUNCTIONS:
            from model.errors import did_you_mean

            raise FormulaError(
                f"unknown function '{name}'{did_you_mean(name, FUNCTIONS)} "
                f"(functions: {_fn_list()})",
                off,
            )
        if node.keywords:
            # Python read "x = 1" inside the call as a named argument
            raise FormulaError(
                f"{_SINGLE_EQUALS} ({name}() takes no named arguments)",
                _offset(node.keywords[0], lead, encoded),
            )
        if any(isinstance(a, ast.Starred) for a in node.args):
            raise FormulaError(f"{name}() cannot take *arguments", off)
        lo, hi, _, _ = FUNCTIONS[name]
        n = len(node.args)
        if n < lo or (hi is not None and n > hi):
            want = f"{lo}" if lo == hi else (f"at least {lo}" if hi is None else f"{lo} to {hi}")
            raise FormulaError(f"{name}() takes {want} arguments, got {n}", off)
        return Call(name, tuple(sub(a) for a in node.args), off)
    if isinstance(node, ast.Attribute):
        raise FormulaError("attributes ('.') are not allowed in formulas", off)
    if isinstance(node, ast.Subscript):
        raise FormulaError("indexing ('[...]') is not allowed in formulas", off)
    if isinstance(node, ast.Lambda):
        raise FormulaError("lambdas are not allowed in formulas", off)
    kind = type(node).__name__.lower()
    raise FormulaError(f"this kind of expression ({kind}) is not allowed in formulas", off)


_EXPONENT = re.compile(r"[eE]([+-]?\d+)$")


def _literal(node: ast.Constant, value: float, source: bytes) -> Fraction | None:
    """The exact value of a number as written in the formula (None if its exponent is beyond
    MAX_EXPONENT, where reading it exactly could take unbounded time)."""
    if isinstance(value, int):
        return Fraction(value)
    start, end = node.col_offset, node.end_col_offset
    text = source[start:end].decode("utf-8", errors="replace") if end is not None else ""
    text = text.replace("_", "")
    exponent = _EXPONENT.search(text)
    if exponent is not None and abs(int(exponent.group(1))) > MAX_EXPONENT:
        return None
    try:
        return Fraction(text)
    except (ValueError, ZeroDivisionError):
        return None


def _fn_list() -> str:
    return ", ".join(FUNCTIONS)
