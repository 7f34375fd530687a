"""From a payoff file to a compiled game, with every mistake reported as FILE:LINE:COL: field.

Stages: YAML with positions (``yamlsource``) -> ``extends`` resolved by merging (``extends``:
where a base may be, and how players, chips, terms and the other named entries merge) -> shape
checked by pydantic (``spec``) -> names, sources, ranges and formulas checked here -> compiled
``Game`` -> payoffs checked finite at the baseline, every scenario and each parameter's range
ends.
"""

from __future__ import annotations

import copy
import hashlib
import keyword
import math
import types
import typing
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ValidationError

from model.errors import PayoffFileError, Problem, closest, did_you_mean, known
from model.game import (
    Chip,
    Clause,
    Condition,
    DerivedInfo,
    DynamicsInfo,
    Game,
    NonFiniteError,
    OutcomeInfo,
    ParameterInfo,
    PlayerInfo,
    RuleInfo,
    ScenarioInfo,
    TermInfo,
    action_label,
    condition_mask,
    enumerate_actions,
    frozen_mapping,
)
from model.limits import MAX_ACTIONS, MAX_PROFILES
from model.payoffs import spec as S
from model.payoffs.formula import FUNCTIONS, Formula, FormulaError, parse
from model.payoffs.merge import resolve
from model.payoffs.source import Located, Mark, PathKey, field_path


# ---------------------------------------------------------------------------- public entry
def load(path: str | Path, *, include_dirs: Sequence[str | Path] = ()) -> Game:
    """Load, check and compile a payoff file. Raises PayoffFileError listing every problem.

    ``extends`` may name files in the folder of the file that names it (or below it) and in
    ``include_dirs``."""
    p = Path(path)
    resolved = resolve(p, str(path), tuple(Path(d) for d in include_dirs))
    return _build(resolved.doc, p, resolved.files, resolved.contents)


def check(path: str | Path, *, include_dirs: Sequence[str | Path] = ()) -> list[Problem]:
    """Every problem of a payoff file (empty if it is valid)."""
    try:
        load(path, include_dirs=include_dirs)
    except PayoffFileError as exc:
        return list(exc.problems)
    return []


# ---------------------------------------------------------------------------- pydantic
class _Ctx:
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


def _distribution_problem(ctx: _Ctx, path: PathKey, raw: Any) -> None:
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


def _pydantic_problems(ctx: _Ctx, exc: ValidationError) -> None:
    errors = []
    reported: set[PathKey] = set()
    for err in exc.errors():
        at: PathKey = tuple(err["loc"])
        if not _in_distribution(at):
            errors.append(err)
        elif at[:3] not in reported:
            reported.add(at[:3])
            _distribution_problem(ctx, at[:3], _walk(ctx.doc.data, at[:3]))
    # a misspelt key shows up twice: as unknown, and as the required key it should have been;
    # report it once, as the unknown key with the required one suggested
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

    seen: set[PathKey] = set()
    for err in errors:
        loc: PathKey = tuple(err["loc"])
        kind = err["type"]
        on_key = False
        if loc and loc[-1] == "[key]":  # a mapping key (not its value) is wrong
            loc, on_key = loc[:-1], True
        if loc in seen or loc in explained:
            continue
        seen.add(loc)
        value = err.get("input")
        last = loc[-1] if loc else ""
        if kind == "extra_forbidden":
            name = str(last)
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
        elif kind == "missing":
            # point at the mapping that lacks the key
            m = ctx.where(loc[:-1])
            ctx.problems.append(
                Problem(m.file, m.line, m.col, field_path(loc), f"required key '{last}' is missing")
            )
        elif kind in ("float_type", "float_parsing") and _too_large(value):
            ctx.add(loc, "the number is too large (beyond about 1.8e308)")
        elif kind == "list_type" and len(loc) == 3 and loc[0] == "matrices":
            ctx.add(loc, f"expected a row (a list of entries), got {_kind(value)}")
        elif kind == "list_type" and len(loc) == 2 and loc[0] == "matrices":
            ctx.add(loc, f"expected a list of rows, got {_kind(value)}")
        elif kind == "string_type" and isinstance(value, (bool, int, float)):
            ctx.add(loc, f"expected text, got {_kind(value)}; put it in quotes to use it as text")
        elif kind in _TYPE_WORDS:
            ctx.add(loc, f"expected {_TYPE_WORDS[kind]}, got {_kind(value)}")
        elif kind == "finite_number":
            ctx.add(loc, f"must be a finite number, got {value}")
        elif kind == "string_pattern_mismatch":
            pattern = err.get("ctx", {}).get("pattern", "")
            rule = _NAME_RULES.get(pattern, f"pattern {pattern}")
            ctx.add(loc, f"'{value}' is not a valid name ({rule})", key=on_key)
        elif kind == "too_short" and last == "levels":
            n = len(value) if isinstance(value, list) else 0
            ctx.add(loc, f"a chip needs at least two levels, found {n}")
        elif kind == "too_short" and last == "chips":
            ctx.add(loc, "a player needs at least one chip")
        elif kind in ("too_short", "too_long") and last == "range":
            n = len(value) if isinstance(value, list) else 0
            ctx.add(loc, f"range must be [low, high]: two numbers, found {n}")
        elif kind == "too_short" and last == "set":
            ctx.add(loc, "a scenario must change at least one parameter")
        elif kind == "too_short" and last == "rules":
            ctx.add(loc, "a dynamics section needs at least one rule")
        elif kind == "greater_than":
            limit = err.get("ctx", {}).get("gt", 0)
            ctx.add(loc, f"must be greater than {limit:g}, got {value}")
        elif kind == "string_too_short":
            ctx.add(loc, "must not be empty")
        elif kind == "string_too_long":
            ctx.add(loc, "is too long (at most 64 characters)", key=on_key)
        else:
            ctx.add(loc, err["msg"], key=on_key)


# ---------------------------------------------------------------------------- semantic checks
class _Checker:
    def __init__(self, ctx: _Ctx, g: S.GameSpec):
        self.ctx = ctx
        self.g = g
        self.chip_owner: dict[str, int] = {}
        self.chips: dict[str, S.Chip] = {}

    def run(self) -> list[list[Condition | None]] | None:
        """Check names, sources and ranges; return each player's ``exclude`` conditions."""
        g, ctx = self.g, self.ctx
        self._stray_overrides()
        names = [p.name for p in g.players]
        if names[0] == names[1]:
            ctx.add(("players", 1, "name"), f"both players are called '{names[0]}'")
        for pi, player in enumerate(g.players):
            for cname, chip in player.chips.items():
                path: PathKey = ("players", pi, "chips", cname)
                if cname in self.chip_owner:
                    other = names[self.chip_owner[cname]]
                    ctx.add(path, f"'{cname}' is also a chip of {other}; chip names must "
                            "differ between players", key=True)
                self.chip_owner[cname] = pi
                self.chips[cname] = chip
                seen: set[str] = set()
                for li, level in enumerate(chip.levels):
                    if level in seen:
                        ctx.add((*path, "levels", li), f"level '{level}' is listed twice")
                    seen.add(level)
                if chip.status_quo is not None and chip.status_quo not in chip.levels:
                    ctx.add((*path, "status_quo"), f"'{chip.status_quo}' is not a level of "
                            f"'{cname}'{did_you_mean(chip.status_quo, chip.levels)} "
                            f"(levels: {', '.join(chip.levels)})")
        for name, par in g.parameters.items():
            path = ("parameters", name)
            if name in FUNCTIONS:
                ctx.add(path, f"'{name}' is the name of a function in formulas; give the "
                        "parameter another name", key=True)
            elif keyword.iskeyword(name):
                ctx.add(path, f"'{name}' is a reserved word in formulas; give the parameter "
                        "another name", key=True)
            self._source(par.source, (*path, "source"))
            lo, hi = par.range
            if not lo < hi:
                ctx.add((*path, "range"),
                        f"range must be [low, high] with low < high, got [{lo:g}, {hi:g}]")
            elif not lo <= par.value <= hi:
                role = {
                    "triangular": " (it is also the mode of the triangular distribution)",
                    "normal": " (it is also the mean of the normal distribution)",
                }.get(_distribution(par)[0], "")
                ctx.add((*path, "value"),
                        f"value {par.value:g} is outside its range [{lo:g}, {hi:g}]{role}")
            elif par.distribution == "loguniform" and lo <= 0:
                ctx.add((*path, "distribution"),
                        f"a log-uniform distribution needs a range above 0, got [{lo:g}, "
                        f"{hi:g}]; raise the low end, or use another distribution")
        for name, sc in g.scenarios.items():
            path = ("scenarios", name)
            self._source(sc.source, (*path, "source"))
            for pname, v in sc.set.items():
                if pname not in g.parameters:
                    ctx.add((*path, "set", pname), f"unknown parameter '{pname}'"
                            f"{did_you_mean(pname, g.parameters)} "
                            f"(parameters: {known(g.parameters)})", key=True)
                    continue
                lo, hi = g.parameters[pname].range
                if not lo <= v <= hi:
                    ctx.add((*path, "set", pname),
                            f"{v:g} is outside the range of '{pname}' [{lo:g}, {hi:g}]; widen the "
                            "range if this value is plausible")
        if ctx.problems:
            return None
        excluded = [
            [self.condition(c, ("players", pi, "exclude", k), only=pi)
             for k, c in enumerate(player.exclude)]
            for pi, player in enumerate(g.players)
        ]
        # size before enumerating
        for pi, player in enumerate(g.players):
            count = 1
            for chip in player.chips.values():
                count *= len(chip.levels)
            if count > MAX_ACTIONS * 64:
                ctx.add(("players", pi, "chips"),
                        f"{player.name} has {count} chip combinations: too large to enumerate "
                        f"(at most {MAX_ACTIONS} actions per player)")
        if ctx.problems:
            return None
        return excluded

    def _stray_overrides(self) -> None:
        """``override: true`` in a file that extends no other (an extending file's are used up
        when it is merged over its base)."""
        g = self.g
        entries: list[tuple[PathKey, Any]] = []
        for pi, player in enumerate(g.players):
            entries += [(("players", pi, "chips", c), chip) for c, chip in player.chips.items()]
        for section in ("parameters", "derived", "scenarios", "outcomes"):
            entries += [((section, name), e) for name, e in getattr(g, section).items()]
        for pname, terms in (g.payoffs or {}).items():
            entries += [(("payoffs", pname, k), t) for k, t in enumerate(terms)]
        for path, entry in entries:
            if entry.override:
                self.ctx.add((*path, "override"), "'override: true', but this file extends no "
                             "other, so there is nothing to override; remove it", key=True)

    def _source(self, key: str, path: PathKey) -> None:
        if key not in self.g.sources:
            self.ctx.add(path, f"unknown source '{key}'{did_you_mean(key, self.g.sources)} "
                         f"(sources: {known(self.g.sources)})")

    def condition(self, raw: Any, path: PathKey, only: int | None = None) -> Condition | None:
        """Check a ``when``/``exclude`` condition; None (with a problem recorded) if bad."""
        clauses_raw = raw if isinstance(raw, list) else [raw]
        if isinstance(raw, list) and not raw:
            self.ctx.add(path, "an empty list of conditions never holds; remove it instead")
            return None
        out: list[Clause] = []
        ok = True
        for k, clause in enumerate(clauses_raw):
            cpath = (*path, k) if isinstance(raw, list) else path
            if not isinstance(clause, dict):
                hint = ""
                if isinstance(clause, str) and clause in self.chips:
                    hint = f" (write {{{clause}: LEVEL}})"
                self.ctx.add(cpath, "a condition must be a mapping chip: level, got "
                             f"{_kind(clause)}{hint}")
                ok = False
                continue
            if not clause:
                self.ctx.add(cpath, "empty condition (name at least one chip)")
                ok = False
                continue
            parsed: dict[str, frozenset[int]] = {}
            pool = (
                [c for c, owner in self.chip_owner.items() if owner == only]
                if only is not None else list(self.chips)
            )
            for chip, levels in clause.items():
                lpath = (*cpath, chip)
                if chip not in pool:
                    if only is not None and chip in self.chips:
                        owner = self.g.players[self.chip_owner[chip]].name
                        mine = self.g.players[only].name
                        msg = (f"'{chip}' is a chip of {owner}; the exclude list of {mine} can "
                               f"only name chips of {mine} (chips: {known(pool)})")
                    else:
                        msg = (f"unknown chip '{chip}'{did_you_mean(chip, pool)} "
                               f"(chips: {known(pool)})")
                    self.ctx.add(lpath, msg, key=True)
                    ok = False
                    continue
                wanted = levels if isinstance(levels, list) else [levels]
                if not wanted:
                    self.ctx.add(lpath, "an empty list of levels never matches")
                    ok = False
                    continue
                allowed: set[int] = set()
                chip_levels = self.chips[chip].levels
                for li, level in enumerate(wanted):
                    lp = (*lpath, li) if isinstance(levels, list) else lpath
                    if isinstance(level, bool) or not isinstance(level, (str, int, float)):
                        self.ctx.add(lp, f"expected a level of '{chip}', got {_kind(level)} "
                                     f"(levels: {', '.join(chip_levels)})")
                        ok = False
                        continue
                    level = str(level)
                    if level not in chip_levels:
                        self.ctx.add(lp, f"'{level}' is not a level of '{chip}'"
                                     f"{did_you_mean(level, chip_levels)} "
                                     f"(levels: {', '.join(chip_levels)})")
                        ok = False
                        continue
                    allowed.add(chip_levels.index(level))
                parsed[chip] = frozenset(allowed)
            out.append(parsed)
        return tuple(out) if ok else None

    def formula(
        self, raw: Any, path: PathKey, upto: str | None = None
    ) -> Formula | None:
        """Check a number or formula. Names may be parameters or derived quantities; inside
        ``derived``, ``upto`` is the quantity being defined (only those above it count)."""
        if isinstance(raw, bool) or raw is None or not isinstance(raw, (int, float, str)):
            self.ctx.add(path, f"expected a number or a formula (text), got {_kind(raw)}")
            return None
        if isinstance(raw, (int, float)):
            try:
                number = float(raw)
            except OverflowError:
                self.ctx.add(path, "the number is too large (beyond about 1.8e308)")
                return None
            if not np.isfinite(number):
                self.ctx.add(path, f"must be a finite number, got {raw}")
                return None
            return parse(repr(number))
        try:
            f = parse(raw)
        except FormulaError as exc:
            self.ctx.add(path, exc.message, offset=exc.offset)
            return None
        ok = True
        derived = list(self.g.derived)
        earlier = derived[: derived.index(upto)] if upto is not None else derived
        for name, offset in f.names():
            if name in self.g.parameters or name in earlier:
                continue
            if name in derived:
                msg = (f"'{name}' is defined further down in 'derived' (or is this quantity "
                       "itself); a derived quantity can only use parameters and those above it")
            elif name in self.chips:
                msg = (f"'{name}' is a chip, not a parameter; a formula can only use parameters "
                       "(make the term depend on chip levels with 'when')")
            else:
                hint = did_you_mean(name, [*self.g.parameters, *earlier])
                msg = f"unknown parameter '{name}' in formula{hint}"
                if not hint and self.g.parameters:
                    msg += f" (parameters: {known(self.g.parameters)})"
                elif not hint:
                    msg += " (this file defines no parameters)"
            self.ctx.add(path, msg, offset=offset)
            ok = False
        return f if ok else None


# ---------------------------------------------------------------------------- build
def _build(
    doc: Located, path: Path, files: tuple[Path, ...], contents: tuple[bytes, ...]
) -> Game:
    ctx = _Ctx(doc)
    data = doc.data
    players_raw = data.get("players") if isinstance(data, dict) else None
    if isinstance(players_raw, list) and len(players_raw) != 2:
        ctx.add(("players",), f"a game has exactly two players (row player first), "
                f"found {len(players_raw)}")
    g = _validate(ctx, data)
    early = list(ctx.problems)  # unknown keys, reported with whatever else is wrong
    ctx.problems.clear()
    try:
        game = _compile(ctx, g, path, files, contents)
    except PayoffFileError as exc:
        raise PayoffFileError(early + list(exc.problems)) from None
    if early:
        raise PayoffFileError(early)
    return game


def _validate(ctx: _Ctx, data: Any) -> S.GameSpec:
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


def _compile(
    ctx: _Ctx, g: S.GameSpec, path: Path, files: tuple[Path, ...], contents: tuple[bytes, ...]
) -> Game:
    checker = _Checker(ctx, g)
    excluded = checker.run()
    if excluded is None:
        raise PayoffFileError(ctx.problems)

    players = []
    for pi, p in enumerate(g.players):
        chips = tuple(
            Chip(name, c.description, tuple(c.levels), c.status_quo) for name, c in p.chips.items()
        )
        clauses = [cl for cond in excluded[pi] if cond for cl in cond]
        actions, labels = enumerate_actions(chips, clauses)
        info = PlayerInfo(p.name, p.description, chips, actions, labels)
        if not actions:
            ctx.add(("players", pi, "exclude"), f"excludes every action of {p.name}")
        elif len(actions) > MAX_ACTIONS:
            ctx.add(("players", pi, "chips"), f"{p.name} has {len(actions)} actions: too large "
                    f"to enumerate (at most {MAX_ACTIONS} per player)")
        elif all(c.status_quo is not None for c in chips) and info.status_quo is None:
            quo = tuple(c.levels.index(c.status_quo) for c in chips if c.status_quo)
            for k, cond in enumerate(excluded[pi]):
                if cond and any(all(quo[info.chip_index(ch)] in allowed
                                    for ch, allowed in cl.items()) for cl in cond):
                    ctx.add(("players", pi, "exclude", k),
                            f"excludes the status quo of {p.name} ({action_label(chips, quo)})")
                    break
        players.append(info)
    if ctx.problems:
        raise PayoffFileError(ctx.problems)
    pair = (players[0], players[1])
    m, n = len(pair[0].actions), len(pair[1].actions)
    if m * n > MAX_PROFILES:
        ctx.add(("players",), f"the game has {m} x {n} = {m * n} action profiles: too large "
                f"(at most {MAX_PROFILES})")
        raise PayoffFileError(ctx.problems)

    derived = _derived(ctx, checker, g)
    terms = _terms(ctx, checker, g, pair)
    outcomes = []
    for name, o in g.outcomes.items():
        cond = checker.condition(o.when, ("outcomes", name, "when"))
        if cond is not None:
            mask = condition_mask(cond, pair)
            if not mask.any():
                ctx.add(("outcomes", name, "when"),
                        "matches no action profile (are the levels it names excluded?)")
            outcomes.append(OutcomeInfo(name, o.description, mask))
    dynamics = _dynamics(ctx, checker, g, pair)
    if ctx.problems:
        raise PayoffFileError(ctx.problems)

    digest = hashlib.sha256()
    for raw in contents:
        digest.update(raw)
    game = Game(
        path=path,
        title=g.title,
        description=g.description,
        sources=frozen_mapping(g.sources),
        players=pair,
        parameters=frozen_mapping({
            name: ParameterInfo(name, p.value, p.unit, p.source, p.description, p.range[0],
                                p.range[1], *_distribution(p))
            for name, p in g.parameters.items()
        }),
        scenarios=frozen_mapping({
            name: ScenarioInfo(name, s.description, s.source, frozen_mapping(s.set))
            for name, s in g.scenarios.items()
        }),
        outcomes=tuple(outcomes),
        terms=tuple(terms),
        sha256=digest.hexdigest(),
        files=files,
        derived=tuple(derived),
        dynamics=dynamics,
    )
    _check_finite_everywhere(ctx, game)
    return game


def _distribution(p: S.Parameter) -> tuple[str, float | None]:
    """A parameter's distribution as (name, standard deviation or None)."""
    if isinstance(p.distribution, S.Normal):
        return "normal", p.distribution.normal
    return p.distribution, None


def _dynamics(
    ctx: _Ctx, checker: _Checker, g: S.GameSpec, pair: tuple[PlayerInfo, PlayerInfo]
) -> DynamicsInfo | None:
    """Check the ``dynamics`` section: each rule names a parameter, a source, a condition on
    chips and either ``change`` or ``target`` with ``rate``."""
    d = g.dynamics
    if d is None:
        return None
    discount = None
    if d.discount is not None:
        discount = checker.formula(d.discount, ("dynamics", "discount"))
    rules: list[RuleInfo] = []
    for k, r in enumerate(d.rules):
        path: PathKey = ("dynamics", "rules", k)
        ok = True
        if r.parameter not in g.parameters:
            if r.parameter in g.derived:
                msg = (
                    f"'{r.parameter}' is a derived quantity, not a parameter; a rule moves "
                    "parameters and the derived quantities follow"
                )
            elif r.parameter in checker.chips:
                msg = (
                    f"'{r.parameter}' is a chip, not a parameter; a rule moves a parameter, "
                    "and 'when' says for which chip levels"
                )
            else:
                msg = (
                    f"unknown parameter '{r.parameter}'{did_you_mean(r.parameter, g.parameters)}"
                    f" (parameters: {known(g.parameters)})"
                )
            ctx.add((*path, "parameter"), msg)
            ok = False
        checker._source(r.source, (*path, "source"))
        raw_rule = ctx.doc.data["dynamics"]["rules"][k]
        cond = None
        if "when" in raw_rule and r.when is None:
            ctx.add(
                (*path, "when"),
                "'when' is empty; give a condition, or remove 'when' to "
                "apply the rule every period",
            )
            ok = False
        elif r.when is not None:
            cond = checker.condition(r.when, (*path, "when"))
            ok = ok and cond is not None
        forms = [key for key in ("change", "target", "rate") if key in raw_rule]
        change = target = rate = None
        if "change" in forms and len(forms) > 1:
            other = next(key for key in forms if key != "change")
            ctx.add(
                (*path, other),
                f"give either 'change' or 'target' with 'rate', not both ('{other}' and 'change')",
                key=True,
            )
            ok = False
        elif not forms and set(raw_rule) <= set(S.Rule.model_fields):
            ctx.add(
                path,
                "a rule needs 'change' (added each period), or 'target' and 'rate' "
                "(moved toward each period)",
            )
            ok = False
        elif not forms:
            ok = False  # a misspelt key, reported as unknown
        elif forms == ["change"]:
            change = checker.formula(r.change, (*path, "change"))
            ok = ok and change is not None
        elif len(forms) == 1:
            missing = "rate" if forms == ["target"] else "target"
            ctx.add(
                path,
                f"'{forms[0]}' needs '{missing}' too: the rule moves the parameter a "
                "share 'rate' of the way to 'target' each period",
            )
            ok = False
        else:
            target = checker.formula(r.target, (*path, "target"))
            rate = checker.formula(r.rate, (*path, "rate"))
            ok = ok and target is not None and rate is not None
        if not ok:
            continue
        mask = condition_mask(cond, pair)
        if not mask.any():
            ctx.add(
                (*path, "when"),
                "matches no action profile, so this rule never applies "
                "(are the levels it names excluded?)",
            )
            continue
        rules.append(
            RuleInfo(
                parameter=r.parameter,
                description=r.description,
                source=r.source,
                mask=mask,
                where=_where(ctx, (*path, "change" if change is not None else "target")),
                change=change,
                target=target,
                rate=rate,
                when_text=_condition_text(r.when),
                rate_where=_where(ctx, (*path, "rate")) if rate is not None else "",
            )
        )
    return DynamicsInfo(
        d.period.length,
        d.period.unit,
        discount,
        tuple(rules),
        _where(ctx, ("dynamics", "discount")) if discount is not None else "",
        d.payoff_unit,
    )


def _condition_text(raw: Any) -> str:
    """A condition as short text, for tables: ``eda=banned`` or ``eda=banned | rare_earths=...``."""
    if raw is None:
        return "always"
    clauses = raw if isinstance(raw, list) else [raw]
    parts = []
    for clause in clauses:
        items = []
        for chip, levels in clause.items():
            shown = "/".join(map(str, levels)) if isinstance(levels, list) else str(levels)
            items.append(f"{chip}={shown}")
        parts.append(", ".join(items))
    return " | ".join(parts)


def _derived(ctx: _Ctx, checker: _Checker, g: S.GameSpec) -> list[DerivedInfo]:
    out = []
    for name, d in g.derived.items():
        path: PathKey = ("derived", name)
        if name in g.parameters:
            ctx.add(path, f"'{name}' is already a parameter; give the derived quantity another "
                    "name", key=True)
            continue
        if name in FUNCTIONS or keyword.iskeyword(name):
            ctx.add(path, f"'{name}' cannot name a derived quantity (it is a function or a "
                    "keyword in formulas)", key=True)
            continue
        f = checker.formula(d.value, (*path, "value"), upto=name)
        if f is not None:
            out.append(DerivedInfo(name, f, d.unit, d.description, _where(ctx, (*path, "value"))))
    return out


def _terms(
    ctx: _Ctx, checker: _Checker, g: S.GameSpec, pair: tuple[PlayerInfo, PlayerInfo]
) -> list[TermInfo]:
    names = [p.name for p in pair]
    terms: list[TermInfo] = []
    m, n = len(pair[0].actions), len(pair[1].actions)
    if g.payoffs is not None and g.matrices is not None:
        ctx.add(("matrices",), "give either 'payoffs' (terms) or 'matrices' (literal), not both",
                key=True)
        return terms
    if g.payoffs is None and g.matrices is None:
        ctx.add(("payoffs",), "required key 'payoffs' (or 'matrices') is missing")
        return terms
    table: Mapping[str, Any] = g.payoffs if g.payoffs is not None else g.matrices  # type: ignore[assignment]
    section = "payoffs" if g.payoffs is not None else "matrices"
    absent = [pname for pname in names if pname not in table]
    unknown = [key for key in table if key not in names]
    for key in unknown:
        near = closest(key, absent) or closest(key, names)
        if near is None and len(unknown) == 1 and len(absent) == 1:
            near = absent[0]  # the one player left without payoffs
        hint = f"; did you mean '{near}'?" if near else ""
        ctx.add((section, key), f"unknown player '{key}'{hint} (players: {', '.join(names)})",
                key=True)
    if not unknown:
        for pname in absent:
            ctx.add((section,), f"no {section} for player '{pname}' (players: "
                    f"{', '.join(names)})")
    if ctx.problems:
        return terms
    raw_section = ctx.doc.data.get(section, {})
    if g.payoffs is not None:
        for pi, pname in enumerate(names):
            seen: dict[str, int] = {}
            for k, term in enumerate(g.payoffs[pname]):
                path: PathKey = ("payoffs", pname, k)
                if term.name is not None:
                    if term.name in seen:
                        ctx.add((*path, "name"), f"term name '{term.name}' is used twice "
                                f"(also at {field_path(('payoffs', pname, seen[term.name]))})")
                    seen[term.name] = k
                cond = None
                raw_term = raw_section[pname][k]
                if "when" in raw_term and term.when is None:
                    ctx.add((*path, "when"), "'when' is empty; give a condition, or remove "
                            "'when' to apply the term to every profile")
                    continue
                bad_when = False
                if term.when is not None:
                    cond = checker.condition(term.when, (*path, "when"))
                    bad_when = cond is None
                f = checker.formula(term.value, (*path, "value"))
                if f is None or bad_when:
                    continue
                mask = condition_mask(cond, pair)
                if not mask.any():
                    ctx.add((*path, "when"), "matches no action profile, so this term never "
                            "applies (are the levels it names excluded?)")
                    continue
                terms.append(TermInfo(pi, f, mask, _where(ctx, (*path, "value")),
                                      term.name, term.description))
    else:
        assert g.matrices is not None
        for pi, pname in enumerate(names):
            rows = g.matrices[pname]
            path = ("matrices", pname)
            if len(rows) != m:
                ctx.add(path, f"expected {m} rows (one per action of {names[0]}: "
                        f"{_labels(pair[0])}), found {len(rows)}")
                continue
            for i, row in enumerate(rows):
                if len(row) != n:
                    split = any(isinstance(c, str) and c.count("(") != c.count(")") for c in row)
                    hint = "; a formula with a comma must be quoted inside [ ]" if split else ""
                    ctx.add((*path, i), f"expected {n} entries (one per action of {names[1]}: "
                            f"{_labels(pair[1])}), found {len(row)}{hint}")
                    continue
                for j, cell in enumerate(row):
                    f = checker.formula(cell, (*path, i, j))
                    if f is None:
                        continue
                    mask = np.zeros((m, n), dtype=bool)
                    mask[i, j] = True
                    terms.append(TermInfo(pi, f, mask, _where(ctx, (*path, i, j))))
    return terms


def _labels(player: PlayerInfo, limit: int = 6) -> str:
    shown = ", ".join(player.labels[:limit])
    return shown + (", ..." if len(player.labels) > limit else "")


def _where(ctx: _Ctx, path: PathKey) -> str:
    m = ctx.where(path)
    return f"{m.file}:{m.line}:{m.col}: {field_path(path)}"


def _check_finite_everywhere(ctx: _Ctx, game: Game) -> None:
    """Payoffs must be finite at the baseline, each scenario and each range end.

    A payoff is a sum of term values, and a term's value depends on the parameters only, so the
    (points x terms) array of term values says it all without building any matrix: finite terms
    give a finite payoff unless their sum overflows, which cannot happen where the sum of their
    absolute values is below half the largest float. A point that fails either test is built
    in full, which raises the same message a solve would (or passes: a sum that came near the
    limit without reaching it)."""
    points: list[tuple[str, dict[str, float]]] = [("the baseline", game.baseline())]
    for name in game.scenarios:
        points.append((f"scenario '{name}'", game.resolve(scenario=name)))
    for name, p in game.parameters.items():
        for end, v in (("low", p.low), ("high", p.high)):
            values = game.baseline()
            values[name] = v
            points.append((f"{name} at the {end} end of its range", values))
    suspect = _suspect_points(game, [values for _, values in points])
    for k, (label, values) in enumerate(points):
        try:
            if suspect[k]:
                game.matrices(values)
            if game.dynamics is not None:
                from model.dynamics.simulate import rule_values

                rule_values(game, values)
        except NonFiniteError as exc:
            loc, _, field = exc.where.partition(": ")
            file, line, col = _split_loc(loc) if loc else (str(game.path), 1, 1)
            ctx.problems.append(Problem(file, line, col, field, f"{exc.message} ({label})"))
            raise PayoffFileError(ctx.problems) from None


def _suspect_points(game: Game, points: list[dict[str, float]]) -> np.ndarray:
    """Which points may give a non-finite payoff: a derived quantity or a term is not finite
    there, or a player's terms could add up beyond the largest float."""
    N = len(points)
    env = {name: np.array([v[name] for v in points], dtype=float) for name in game.parameters}
    bad = np.zeros(N, dtype=bool)
    with np.errstate(all="ignore"):
        for d in game.derived:
            value = np.broadcast_to(d.formula.evaluate(env), (N,))
            bad |= ~np.isfinite(value)
            env[d.name] = value
        values = game.term_values(env, N)  # (N, T)
        bad |= ~np.isfinite(values).all(axis=1)
        size = np.abs(values)
        for player in (0, 1):
            mine = np.array([t.player == player for t in game.terms], dtype=bool)
            bad |= ~(size[:, mine].sum(axis=1) < np.finfo(float).max / 2)
    return bad


def _split_loc(loc: str) -> tuple[str, int, int]:
    file, line, col = loc.rsplit(":", 2)
    return file, int(line), int(col)
