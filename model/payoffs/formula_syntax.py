"""A payoff formula as Python's parser reads it: what its syntax tree and its errors mean here.

The formula parser (``model.payoffs.formula``) lets ``ast.parse`` read the text and converts
the tree. This module holds what that needs from Python's side: the tables of operators
accepted (and of those refused, with a message each), the refusal of the other kinds of
expression, character offsets of nodes (``ast`` counts UTF-8 bytes), the exact value of a number
as written, and the parser's syntax errors put into the words of a payoff file.
"""

from __future__ import annotations

import ast
import re
from fractions import Fraction

from model.limits import MAX_EXPONENT

BINOPS: dict[type, str] = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.Pow: "**",
}
CMPOPS: dict[type, str] = {
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.Eq: "==",
    ast.NotEq: "!=",
}
UNARYOPS: dict[type, str] = {
    ast.USub: "-",
    ast.UAdd: "+",
    ast.Not: "not",
}
REFUSED_BINOPS: dict[type, str] = {
    ast.BitXor: "'^' is not a power here; write a ** b",
    ast.FloorDiv: "'//' is not supported; use / (and clip or min/max if needed)",
    ast.Mod: "'%' is not supported",
    ast.MatMult: "'@' is not supported",
    ast.BitAnd: "'&' is not supported; use 'and'",
    ast.BitOr: "'|' is not supported; use 'or'",
    ast.LShift: "'<<' is not supported",
    ast.RShift: "'>>' is not supported",
}
_REFUSED_NODES: dict[type, str] = {
    ast.Attribute: "attributes ('.') are not allowed in formulas",
    ast.Subscript: "indexing ('[...]') is not allowed in formulas",
    ast.Lambda: "lambdas are not allowed in formulas",
}


def refusal(node: ast.AST) -> str:
    """Why a kind of expression that is not in the formula language is refused."""
    known = _REFUSED_NODES.get(type(node))
    if known is not None:
        return known
    kind = type(node).__name__.lower()
    return f"this kind of expression ({kind}) is not allowed in formulas"


SINGLE_EQUALS = "'=' is not allowed; use '==' to compare"
_LONE_EQUALS = re.compile(r"(?<![=<>!])=(?!=)")


def syntax_error(src: str, exc: SyntaxError, lead: int) -> tuple[str, int]:
    """A message and 0-based offset for a formula Python's parser refused."""
    msg = exc.msg or "invalid syntax"
    if not exc.offset:  # the parser ran out of text
        return "cannot parse formula: it ends too early (an operand is missing?)", len(src) + lead
    at = min(max(exc.offset - 1, 0), len(src))
    if msg.startswith("invalid syntax"):
        msg = "invalid syntax"
        if src[at : at + 1] == "=" and src[at : at + 2] != "==":
            msg = SINGLE_EQUALS
    elif "keyword argument" in msg:  # f(x = 1, 2): Python took "x = 1" for a named argument
        lone = _LONE_EQUALS.search(src)
        msg, at = SINGLE_EQUALS, (lone.start() if lone else at)
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


def char_offset(node: ast.AST, lead: int, encoded: bytes | None) -> int:
    """Character offset of a node in the formula (ast counts UTF-8 bytes)."""
    off = getattr(node, "col_offset", 0) or 0
    if encoded is not None:
        off = len(encoded[:off].decode("utf-8", errors="ignore"))
    return off + lead


_EXPONENT = re.compile(r"[eE]([+-]?\d+)$")


def literal(node: ast.Constant, value: float, source: bytes) -> Fraction | None:
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
