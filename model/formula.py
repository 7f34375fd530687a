"""Payoff formulas: a small arithmetic language parsed into a safe tree, evaluated with numpy.

Grammar (Python's operator precedence): numbers, parameter names, ``+ - * / **``, unary minus,
parentheses, comparisons ``< <= > >= == !=`` (giving 1 or 0), ``and``/``or``/``not``, the
conditional ``a if cond else b`` and the functions listed in ``FUNCTIONS``.

The text is parsed by Python's parser (``ast.parse``, which only builds a syntax tree) and the
tree is converted node by node into this module's own classes; anything not on the list above
(attributes, subscripts, lambdas, calls of unknown names, strings, comprehensions...) is refused.
Nothing is ever passed to ``eval``/``exec``. Evaluation works on numpy arrays of parameter values,
so one call evaluates a formula at a whole batch of parameter points.
"""

from __future__ import annotations

import ast
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

Array = np.ndarray
MAX_LENGTH = 2000
MAX_DEPTH = 200


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

    def names(self) -> list[tuple[str, int]]:
        return []


@dataclass(frozen=True)
class Num(Node):
    value: float
    offset: int

    def evaluate(self, env: Mapping[str, Array]) -> Array:
        return np.asarray(self.value, dtype=float)


@dataclass(frozen=True)
class Name(Node):
    name: str
    offset: int

    def evaluate(self, env: Mapping[str, Array]) -> Array:
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
    root = _convert(tree.body, lead, 0, chars)
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


def _convert(node: ast.AST, lead: int, depth: int, encoded: bytes | None = None) -> Node:
    off = _offset(node, lead, encoded)
    if depth > MAX_DEPTH:
        raise FormulaError(f"formula is nested too deeply (more than {MAX_DEPTH} levels)", off)
    d = depth + 1

    def sub(child: ast.AST) -> Node:
        return _convert(child, lead, d, encoded)

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
        return Num(number, off)
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
            from .errors import did_you_mean

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


def _fn_list() -> str:
    return ", ".join(FUNCTIONS)
