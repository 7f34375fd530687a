"""Problems of a payoff file, each at its file, line, column and field: the context that
collects them, and the translation of the shape check's (pydantic's) errors into sentences."""

from __future__ import annotations

import copy
import math
import types
import typing
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ValidationError

from model.errors import PayoffFileError, Problem, closest
from model.payoffs import spec as S
from model.payoffs.source import Located, Mark, PathKey, field_path


# ---------------------------------------------------------------------------- pydantic
class Context:
    """Positions of one (merged) file and the problems found so far."""

    def __init__(self, doc: Located):
        self.doc = doc
        self.problems: list[Problem] = []

    def where(self, path: PathKey, key: bool = False) -> Mark:
        table = self.doc.keys if key else self.doc.values
        if key and path in table:
            return table[path]
        p = path
        while p:
            if p in self.doc.values:
                return self.doc.values[p]
            p = p[:-1]
        return self.doc.values.get((), Mark(self.doc.file, 1, 1))

    def add(
        self, path: PathKey, message: str, key: bool = False, offset: int | None = None
    ) -> None:
        """Record a problem at the value (or key) at ``path``; ``offset`` is a position inside
        a formula's text, used when the text sits on one line of the source."""
        m = self.where(path, key)
        inside = self.doc.position(path, offset) if offset is not None else None
        if inside is not None:
            m = inside
        self.problems.append(Problem(m.file, m.line, m.col, field_path(path), message))


def _unwrap(tp: Any) -> Any:
    """Strip Annotated and Optional from a type annotation."""
    while True:
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            tp = typing.get_args(tp)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(tp) if a is not type(None)]
            tp = args[0] if len(args) == 1 else tp
            if len(args) != 1:
                return tp
        else:
            return tp


def _model_at(path: PathKey) -> type[BaseModel] | None:
    """The pydantic model that describes the mapping at ``path`` (None if not a model)."""
    tp: Any = S.GameSpec
    for part in path:
        tp = _unwrap(tp)
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            if not isinstance(part, str) or part not in tp.model_fields:
                return None
            tp = tp.model_fields[part].annotation
            continue
        origin = typing.get_origin(tp)
        if origin in (list, dict):
            tp = typing.get_args(tp)[-1]
            continue
        return None
    tp = _unwrap(tp)
    return tp if isinstance(tp, type) and issubclass(tp, BaseModel) else None


_TYPE_WORDS = {
    "float_type": "a number",
    "float_parsing": "a number",
    "int_type": "a whole number",
    "string_type": "text",
    "dict_type": "a mapping (key: value)",
    "list_type": "a list",
    "model_type": "a mapping (key: value)",
    "model_attributes_type": "a mapping (key: value)",
    "bool_type": "true or false",
}


_NAME_RULES = {
    S.NAME: "letters, digits and _, starting with a letter",
    S.LEVEL: "letters, digits, _ and -, starting with a letter or digit",
    S.PLAYER: "letters, digits, _ and -, starting with a letter",
}


def _kind(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, (int, float)):
        text = f"{value}"
        return f"a number ({text if len(text) <= 24 else text[:20] + '...'})"
    if isinstance(value, str):
        return f"text '{value}'" if len(value) < 40 else "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def _too_large(value: Any) -> bool:
    if isinstance(value, int) and not isinstance(value, bool):
        try:
            float(value)
        except OverflowError:
            return True
    return False


def _in_distribution(loc: PathKey) -> bool:
    """Whether an error lies in a parameter's ``distribution``."""
    return len(loc) >= 3 and loc[0] == "parameters" and loc[2] == "distribution"


_DISTRIBUTION_FORMS = "uniform, triangular, loguniform or {normal: SD}"


def _distribution_hint(name: str) -> str:
    near = closest(name, S.DISTRIBUTIONS)
    if near == "normal":
        return "; did you mean {normal: SD}?"
    return f"; did you mean '{near}'?" if near is not None else ""


def _distribution_problem(ctx: Context, path: PathKey, raw: Any) -> None:
    """One message for a bad ``distribution``, worked out from the value written (pydantic
    reports a tagged union's errors under the tag, which is no place in the file)."""
    if isinstance(raw, str):
        if raw == "normal":
            ctx.add(path, "a normal distribution needs its standard deviation: write "
                    "{normal: SD}, with SD in the parameter's unit")
        else:
            ctx.add(path, f"unknown distribution '{raw}'{_distribution_hint(raw)} "
                    f"(distributions: {_DISTRIBUTION_FORMS})")
        return
    if isinstance(raw, dict) and raw:
        others = [key for key in raw if key != "normal"]
        if others:
            key = others[0]
            if "normal" in raw:
                msg = (f"{{normal: SD}} has only the key 'normal' (the mean is the parameter's "
                       f"value, the truncation its range); remove '{key}'")
            elif key in S.DISTRIBUTION_NAMES:
                msg = f"'{key}' takes no parameters: write 'distribution: {key}'"
            else:
                msg = (f"unknown distribution '{key}'{_distribution_hint(str(key))} "
                       f"(distributions: {_DISTRIBUTION_FORMS})")
            ctx.add((*path, key), msg, key=True)
            return
        sd = raw["normal"]
        if isinstance(sd, bool) or not isinstance(sd, (int, float)):
            msg = f"the standard deviation must be a positive number, got {_kind(sd)}"
        elif _too_large(sd):
            msg = "the standard deviation is too large (beyond about 1.8e308)"
        elif not math.isfinite(sd):
            msg = f"the standard deviation must be a positive finite number, got {sd}"
        elif sd <= 0:
            msg = f"the standard deviation must be greater than 0, got {sd:g}"
        else:
            msg = "expected {normal: SD} with SD a positive number"
        ctx.add((*path, "normal"), msg)
        return
    hint = ""
    if isinstance(raw, (int, float)) and not isinstance(raw, bool) and not _too_large(raw):
        hint = f"; for a normal distribution with this standard deviation write {{normal: {raw}}}"
    got = "an empty mapping" if raw == {} else _kind(raw)
    ctx.add(path, f"expected a distribution: {_DISTRIBUTION_FORMS}, got {got}{hint}")


def _pydantic_problems(ctx: Context, exc: ValidationError) -> None:
    """Record the problems of the shape check's errors, each once and in the file's words."""
    errors = _other_than_distributions(ctx, exc)
    missing, explained = _misspelt(errors)
    seen: set[PathKey] = set()
    for err in errors:
        loc: PathKey = tuple(err["loc"])
        on_key = False
        if loc and loc[-1] == "[key]":  # a mapping key (not its value) is wrong
            loc, on_key = loc[:-1], True
        if loc in seen or loc in explained:
            continue
        seen.add(loc)
        _shape_problem(ctx, err, loc, on_key, missing)


def _other_than_distributions(ctx: Context, exc: ValidationError) -> list[Any]:
    """Record one problem per bad ``distribution``; return the errors that are elsewhere."""
    errors = []
    reported: set[PathKey] = set()
    for err in exc.errors():
        at: PathKey = tuple(err["loc"])
        if not _in_distribution(at):
            errors.append(err)
        elif at[:3] not in reported:
            reported.add(at[:3])
            _distribution_problem(ctx, at[:3], _walk(ctx.doc.data, at[:3]))
    return errors


def _misspelt(errors: list[Any]) -> tuple[dict[PathKey, set[str]], set[PathKey]]:
    """The required keys missing in each mapping, and those explained by a misspelt key.

    A misspelt key shows up twice: as unknown, and as the required key it should have been; it
    is reported once, as the unknown key with the required one suggested."""
    missing: dict[PathKey, set[str]] = {}
    for err in errors:
        if err["type"] == "missing":
            missing.setdefault(tuple(err["loc"][:-1]), set()).add(str(err["loc"][-1]))
    explained: set[PathKey] = set()
    for err in errors:
        if err["type"] == "extra_forbidden":
            extra: PathKey = tuple(err["loc"])
            near = closest(str(extra[-1]), missing.get(extra[:-1], ()))
            if near is not None:
                explained.add((*extra[:-1], near))
    return missing, explained


# kinds of error whose message goes on the mapping key, when it is the key that is wrong
_ON_KEY = frozenset({"string_pattern_mismatch", "string_too_long"})


def _shape_problem(
    ctx: Context, err: Any, loc: PathKey, on_key: bool, missing: dict[PathKey, set[str]]
) -> None:
    """Record the problem of one shape error, at ``loc`` (or at its key, if ``on_key``)."""
    kind = err["type"]
    if kind == "extra_forbidden":
        _unknown_key(ctx, loc, missing)
        return
    if kind == "missing":
        # point at the mapping that lacks the key
        m = ctx.where(loc[:-1])
        last = loc[-1] if loc else ""
        ctx.problems.append(
            Problem(m.file, m.line, m.col, field_path(loc), f"required key '{last}' is missing")
        )
        return
    word = _MESSAGES.get(kind)
    message = word(err, loc, err.get("input")) if word is not None else None
    if message is None:
        ctx.add(loc, err["msg"], key=on_key)
    else:
        ctx.add(loc, message, key=on_key and kind in _ON_KEY)


def _unknown_key(ctx: Context, loc: PathKey, missing: dict[PathKey, set[str]]) -> None:
    """Record an unknown key, with the nearest allowed key (a missing required one first)."""
    name = str(loc[-1] if loc else "")
    model = _model_at(loc[:-1])
    allowed = list(model.model_fields) if model else []
    near = closest(name, allowed)
    hint = f"; did you mean '{near}'?" if near else ""
    if near is not None and near in missing.get(loc[:-1], ()):
        hint = f"; did you mean '{near}' (which is required)?"
    ctx.add(
        loc,
        f"unknown key '{name}'{hint}"
        + (f" (allowed here: {', '.join(allowed)})" if allowed else ""),
        key=True,
    )


# The message for one kind of shape error, from the error, its place and the value written;
# None leaves pydantic's own message.
def _type_message(err: Any, loc: PathKey, value: Any) -> str | None:
    """A value of the wrong type: what was expected and what was given."""
    return f"expected {_TYPE_WORDS[err['type']]}, got {_kind(value)}"


def _number_message(err: Any, loc: PathKey, value: Any) -> str | None:
    """A number expected: a whole number too large for a float is said so."""
    if _too_large(value):
        return "the number is too large (beyond about 1.8e308)"
    return _type_message(err, loc, value)


def _list_message(err: Any, loc: PathKey, value: Any) -> str | None:
    """A list expected: for ``matrices``, a list of rows or a row."""
    if len(loc) == 3 and loc[0] == "matrices":
        return f"expected a row (a list of entries), got {_kind(value)}"
    if len(loc) == 2 and loc[0] == "matrices":
        return f"expected a list of rows, got {_kind(value)}"
    return _type_message(err, loc, value)


def _text_message(err: Any, loc: PathKey, value: Any) -> str | None:
    """Text expected: a number or boolean given is told how to become text."""
    if isinstance(value, (bool, int, float)):
        return f"expected text, got {_kind(value)}; put it in quotes to use it as text"
    return _type_message(err, loc, value)


def _finite_message(err: Any, loc: PathKey, value: Any) -> str | None:
    """A number that is infinite or not a number."""
    return f"must be a finite number, got {value}"


def _name_message(err: Any, loc: PathKey, value: Any) -> str | None:
    """A name that does not follow the rule for its kind of name."""
    pattern = err.get("ctx", {}).get("pattern", "")
    rule = _NAME_RULES.get(pattern, f"pattern {pattern}")
    return f"'{value}' is not a valid name ({rule})"


def _too_short_message(err: Any, loc: PathKey, value: Any) -> str | None:
    """Too few chip levels, chips, range ends, scenario changes or rules."""
    last = loc[-1] if loc else ""
    n = len(value) if isinstance(value, list) else 0
    if last == "levels":
        return f"a chip needs at least two levels, found {n}"
    if last == "chips":
        return "a player needs at least one chip"
    if last == "range":
        return f"range must be [low, high]: two numbers, found {n}"
    if last == "set":
        return "a scenario must change at least one parameter"
    if last == "rules":
        return "a dynamics section needs at least one rule"
    return None


def _too_long_message(err: Any, loc: PathKey, value: Any) -> str | None:
    """A range of more than two numbers."""
    if loc and loc[-1] == "range":
        n = len(value) if isinstance(value, list) else 0
        return f"range must be [low, high]: two numbers, found {n}"
    return None


def _greater_than_message(err: Any, loc: PathKey, value: Any) -> str | None:
    """A number at or below its lower bound."""
    limit = err.get("ctx", {}).get("gt", 0)
    return f"must be greater than {limit:g}, got {value}"


def _empty_message(err: Any, loc: PathKey, value: Any) -> str | None:
    """Empty text."""
    return "must not be empty"


def _long_text_message(err: Any, loc: PathKey, value: Any) -> str | None:
    """Text longer than a name may be."""
    return "is too long (at most 64 characters)"


_MESSAGES: dict[str, Callable[[Any, PathKey, Any], str | None]] = {
    **{kind: _type_message for kind in _TYPE_WORDS},
    "float_type": _number_message,
    "float_parsing": _number_message,
    "list_type": _list_message,
    "string_type": _text_message,
    "finite_number": _finite_message,
    "string_pattern_mismatch": _name_message,
    "too_short": _too_short_message,
    "too_long": _too_long_message,
    "greater_than": _greater_than_message,
    "string_too_short": _empty_message,
    "string_too_long": _long_text_message,
}


def validate_shape(ctx: Context, data: Any) -> S.GameSpec:
    """Validate the shape. Unknown keys are recorded and dropped so that the checks after
    this one still run; any other shape problem stops here."""
    work = data
    for _ in range(8):
        try:
            g = S.GameSpec.model_validate(work)
        except ValidationError as exc:
            _pydantic_problems(ctx, exc)
            errors = exc.errors()
            extras = [
                tuple(e["loc"]) for e in errors
                if e["type"] == "extra_forbidden" and not _in_distribution(tuple(e["loc"]))
            ]
            if len(extras) != len(errors) or (ctx.problems and len(extras) == 0):
                raise PayoffFileError(ctx.problems) from None
            work = copy.deepcopy(work)
            for loc in extras:
                parent = _walk(work, loc[:-1])
                if isinstance(parent, dict):
                    parent.pop(loc[-1], None)
            continue
        if ctx.problems and not all(
            "unknown key" in p.message for p in ctx.problems
        ):
            raise PayoffFileError(ctx.problems)
        return g
    raise PayoffFileError(ctx.problems)


def _walk(data: Any, loc: PathKey) -> Any:
    for part in loc:
        if isinstance(data, dict) and part in data:
            data = data[part]
        elif isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
            data = data[part]
        else:
            return None
    return data


def located(ctx: Context, path: PathKey) -> str:
    m = ctx.where(path)
    return f"{m.file}:{m.line}:{m.col}: {field_path(path)}"
