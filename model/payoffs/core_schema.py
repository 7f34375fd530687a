"""The YAML 1.2 core schema for the plain scalars of a payoff file, on PyYAML's ``SafeLoader``.

PyYAML resolves plain scalars by YAML 1.1; ``CoreLoader`` resolves them by the 1.2 core schema
instead, so ``yes``/``no``/``on``/``off`` stay text (a chip may well have levels ``[on, off]``),
dates stay text, ``1e5`` is a number and ``010`` is ten. A payoff file has no boolean or date
fields, so nothing valid is lost. Whole numbers may be written in octal (``0o17``) or hex
(``0xff``); numbers of more than ``MAX_NUMBER_LENGTH`` characters are refused before they are
read.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from model.limits import MAX_NUMBER_LENGTH

CORE = "tag:yaml.org,2002:"

_INT = re.compile(r"^(?:[-+]?[0-9][0-9_]*|0o[0-7_]+|0x[0-9a-fA-F_]+)$")
_FLOAT = re.compile(
    r"^(?:[-+]?(?:\.[0-9][0-9_]*|[0-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
)
_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")


class CoreLoader(yaml.SafeLoader):
    """SafeLoader with the YAML 1.2 core schema for plain scalars."""

    yaml_implicit_resolvers: dict[Any, Any] = {}  # noqa: RUF012 (PyYAML's own layout)


CoreLoader.add_implicit_resolver(CORE + "bool", _BOOL, list("tTfF"))
CoreLoader.add_implicit_resolver(CORE + "null", _NULL, ["~", "n", "N", ""])
CoreLoader.add_implicit_resolver(CORE + "int", _INT, list("-+0123456789"))
CoreLoader.add_implicit_resolver(CORE + "float", _FLOAT, list("-+.0123456789"))
CoreLoader.add_implicit_resolver(CORE + "merge", re.compile(r"^(?:<<)$"), ["<"])


def _construct_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    text = str(loader.construct_scalar(node)).replace("_", "")
    if len(text) > MAX_NUMBER_LENGTH:
        raise yaml.constructor.ConstructorError(None, None, "the number is too large")
    try:
        if text.startswith("0o"):
            return int(text[2:], 8)
        if text.startswith("0x"):
            return int(text[2:], 16)
        return int(text, 10)
    except ValueError:
        raise yaml.constructor.ConstructorError(
            None, None, f"'{node.value}' is not a whole number"
        ) from None


def _construct_float(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> float:
    text = str(loader.construct_scalar(node)).replace("_", "")
    if len(text) > MAX_NUMBER_LENGTH:
        raise yaml.constructor.ConstructorError(None, None, "the number is too long")
    low = text.lower()
    if low.endswith(".inf"):
        return float("-inf") if low.startswith("-") else float("inf")
    if low == ".nan":
        return float("nan")
    try:
        return float(text)
    except ValueError:
        raise yaml.constructor.ConstructorError(
            None, None, f"'{node.value}' is not a number"
        ) from None


CoreLoader.add_constructor(CORE + "int", _construct_int)
CoreLoader.add_constructor(CORE + "float", _construct_float)
