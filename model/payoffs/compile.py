"""From a payoff file to a compiled game, with every mistake reported as FILE:LINE:COL: field.

Stages: YAML with positions (``source``) -> ``extends`` resolved by merging (``merge``: where a
base may be; ``merge_rules``: how players, chips, terms and the other named entries merge) ->
shape checked by pydantic (``spec``, ``problems``) -> names, sources, ranges, conditions and
formulas checked (``checks``) -> compiled ``Game`` -> payoffs checked finite at the baseline,
every scenario and each parameter's range ends.
"""

from __future__ import annotations

import hashlib
import keyword
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from model.errors import PayoffFileError, closest, did_you_mean, known
from model.limits import MAX_ACTIONS, MAX_PROFILES, MAX_STATES
from model.payoffs import spec as S
from model.payoffs.checks import Checker, condition_text, labels_text
from model.payoffs.compiled import (
    Chip,
    Condition,
    DerivedInfo,
    DynamicsInfo,
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
from model.payoffs.formula import Formula
from model.payoffs.formula_functions import FUNCTIONS
from model.payoffs.merge import resolve
from model.payoffs.problems import Context, located, validate_shape
from model.payoffs.source import Located, PathKey, field_path


# ---------------------------------------------------------------------------- public entry
def compile_file(path: str | Path, *, include_dirs: Sequence[str | Path] = ()) -> dict[str, Any]:
    """Read, check and compile a payoff file: the keyword arguments of :class:`model.game.Game`.
    Raises PayoffFileError listing every problem.

    ``extends`` may name files in the folder of the file that names it (or below it) and in
    ``include_dirs``."""
    p = Path(path)
    resolved = resolve(p, str(path), tuple(Path(d) for d in include_dirs))
    return _build(resolved.doc, p, resolved.files, resolved.contents)


# ---------------------------------------------------------------------------- build
def _build(
    doc: Located, path: Path, files: tuple[Path, ...], contents: tuple[bytes, ...]
) -> dict[str, Any]:
    ctx = Context(doc)
    data = doc.data
    players_raw = data.get("players") if isinstance(data, dict) else None
    if isinstance(players_raw, list) and len(players_raw) != 2:
        ctx.add(("players",), f"a game has exactly two players (row player first), "
                f"found {len(players_raw)}")
    g = validate_shape(ctx, data)
    early = list(ctx.problems)  # unknown keys, reported with whatever else is wrong
    ctx.problems.clear()
    try:
        fields = _compile(ctx, g, path, files, contents)
    except PayoffFileError as exc:
        raise PayoffFileError(early + list(exc.problems)) from None
    if early:
        raise PayoffFileError(early)
    return fields


def _compile(
    ctx: Context, g: S.GameSpec, path: Path, files: tuple[Path, ...], contents: tuple[bytes, ...]
) -> dict[str, Any]:
    checker = Checker(ctx, g)
    excluded = checker.run()
    if excluded is None:
        raise PayoffFileError(ctx.problems)

    players = [_player(ctx, pi, p, excluded[pi]) for pi, p in enumerate(g.players)]
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
    outcomes = _outcomes(ctx, checker, g, pair)
    dynamics = _dynamics(ctx, checker, g, pair)
    if ctx.problems:
        raise PayoffFileError(ctx.problems)

    digest = hashlib.sha256()
    for raw in contents:
        digest.update(raw)
    return dict(
        path=path,
        title=g.title,
        description=g.description,
        sources=frozen_mapping(g.sources),
        players=pair,
        parameters=frozen_mapping({
            name: ParameterInfo(name, p.value, p.unit, p.source, p.description, p.range[0],
                                p.range[1], *S.distribution_of(p))
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


def _player(
    ctx: Context, pi: int, p: S.Player, excluded: list[Condition | None]
) -> PlayerInfo:
    """Player ``pi`` with its actions enumerated, its ``exclude`` conditions applied; a problem
    if they exclude every action, leave too many, or exclude the status quo."""
    chips = tuple(
        Chip(name, c.description, tuple(c.levels), c.status_quo) for name, c in p.chips.items()
    )
    clauses = [cl for cond in excluded if cond for cl in cond]
    actions, labels = enumerate_actions(chips, clauses)
    info = PlayerInfo(p.name, p.description, chips, actions, labels)
    if not actions:
        ctx.add(("players", pi, "exclude"), f"excludes every action of {p.name}")
    elif len(actions) > MAX_ACTIONS:
        ctx.add(("players", pi, "chips"), f"{p.name} has {len(actions)} actions: too large "
                f"to enumerate (at most {MAX_ACTIONS} per player)")
    elif all(c.status_quo is not None for c in chips) and info.status_quo is None:
        quo = tuple(c.levels.index(c.status_quo) for c in chips if c.status_quo)
        for k, cond in enumerate(excluded):
            if cond and any(all(quo[info.chip_index(ch)] in allowed
                                for ch, allowed in cl.items()) for cl in cond):
                ctx.add(("players", pi, "exclude", k),
                        f"excludes the status quo of {p.name} ({action_label(chips, quo)})")
                break
    return info


def _outcomes(
    ctx: Context, checker: Checker, g: S.GameSpec, pair: tuple[PlayerInfo, PlayerInfo]
) -> list[OutcomeInfo]:
    """The named outcomes, each with the action profiles where its condition holds."""
    outcomes = []
    for name, o in g.outcomes.items():
        cond = checker.condition(o.when, ("outcomes", name, "when"))
        if cond is not None:
            mask = condition_mask(cond, pair)
            if not mask.any():
                ctx.add(("outcomes", name, "when"),
                        "matches no action profile (are the levels it names excluded?)")
            outcomes.append(OutcomeInfo(name, o.description, mask))
    return outcomes


def _dynamics(
    ctx: Context, checker: Checker, g: S.GameSpec, pair: tuple[PlayerInfo, PlayerInfo]
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
        rule = _rule(ctx, checker, g, pair, k, r)
        if rule is not None:
            rules.append(rule)
    return DynamicsInfo(
        d.period.length,
        d.period.unit,
        discount,
        tuple(rules),
        located(ctx, ("dynamics", "discount")) if discount is not None else "",
        d.payoff_unit,
        _grid(ctx, g, rules),
        located(ctx, ("dynamics", "grid")) if d.grid else "",
    )


def _grid(ctx: Context, g: S.GameSpec, rules: list[RuleInfo]) -> tuple[tuple[str, int], ...]:
    """The ``dynamics.grid`` entries, checked: each names a parameter some rule moves,
    with a range to spread its points over; every parameter a rule moves has one."""
    assert g.dynamics is not None
    grid = g.dynamics.grid
    if not grid:
        return ()
    moved = list(dict.fromkeys(r.parameter for r in rules))
    for name, _points in grid.items():
        path: PathKey = ("dynamics", "grid", name)
        if name not in g.parameters:
            ctx.add(path, f"'{name}' is not a parameter"
                    + did_you_mean(name, list(g.parameters)), key=True)
        elif name not in moved:
            ctx.add(path, f"no rule moves '{name}', so it would stay where it starts: leave "
                    "it out of the grid (rules move " + ", ".join(moved) + ")", key=True)
        else:
            low, high = g.parameters[name].range
            if not low < high:
                ctx.add(path, f"'{name}' has the range [{low:g}, {high:g}]: the grid needs "
                        "low < high to spread its points over")
    missing = [p for p in moved if p not in grid]
    if missing:
        ctx.add(("dynamics", "grid"), "every parameter a rule moves needs grid points; "
                "missing: " + ", ".join(missing))
    total = math.prod(grid.values())
    if total > MAX_STATES:
        ctx.add(("dynamics", "grid"), f"the grid has {total:,} states, more than the "
                f"{MAX_STATES:,} allowed: give fewer points")
    return tuple(grid.items())


def _rule(
    ctx: Context,
    checker: Checker,
    g: S.GameSpec,
    pair: tuple[PlayerInfo, PlayerInfo],
    k: int,
    r: S.Rule,
) -> RuleInfo | None:
    """The ``k``-th rule of ``dynamics`` compiled; None (with problems recorded) if it is bad
    or never applies."""
    path: PathKey = ("dynamics", "rules", k)
    ok = _rule_parameter(ctx, checker, g, r, path)
    checker._source(r.source, (*path, "source"))
    raw_rule = ctx.doc.data["dynamics"]["rules"][k]
    when_ok, cond = _rule_condition(ctx, checker, r, raw_rule, path)
    motion = _rule_motion(ctx, checker, r, raw_rule, path)
    if not (ok and when_ok) or motion is None:
        return None
    change, target, rate = motion
    mask = condition_mask(cond, pair)
    if not mask.any():
        ctx.add(
            (*path, "when"),
            "matches no action profile, so this rule never applies "
            "(are the levels it names excluded?)",
        )
        return None
    return RuleInfo(
        parameter=r.parameter,
        description=r.description,
        source=r.source,
        mask=mask,
        where=located(ctx, (*path, "change" if change is not None else "target")),
        change=change,
        target=target,
        rate=rate,
        when_text=condition_text(r.when),
        rate_where=located(ctx, (*path, "rate")) if rate is not None else "",
    )


def _rule_parameter(
    ctx: Context, checker: Checker, g: S.GameSpec, r: S.Rule, path: PathKey
) -> bool:
    """Whether a rule's ``parameter`` is a parameter; if not, a problem says what it is."""
    if r.parameter in g.parameters:
        return True
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
    return False


def _rule_condition(
    ctx: Context, checker: Checker, r: S.Rule, raw_rule: Any, path: PathKey
) -> tuple[bool, Condition | None]:
    """A rule's ``when``: whether it is good, and its condition (None: every period)."""
    if "when" in raw_rule and r.when is None:
        ctx.add(
            (*path, "when"),
            "'when' is empty; give a condition, or remove 'when' to "
            "apply the rule every period",
        )
        return False, None
    if r.when is not None:
        cond = checker.condition(r.when, (*path, "when"))
        return cond is not None, cond
    return True, None


def _rule_motion(
    ctx: Context, checker: Checker, r: S.Rule, raw_rule: Any, path: PathKey
) -> tuple[Formula | None, Formula | None, Formula | None] | None:
    """How a rule moves its parameter: ``(change, target, rate)``, either ``change`` alone or
    ``target`` with ``rate``; None (with a problem recorded) if the rule gives no good form."""
    forms = [key for key in ("change", "target", "rate") if key in raw_rule]
    if "change" in forms and len(forms) > 1:
        other = next(key for key in forms if key != "change")
        ctx.add(
            (*path, other),
            f"give either 'change' or 'target' with 'rate', not both ('{other}' and 'change')",
            key=True,
        )
        return None
    if not forms and set(raw_rule) <= set(S.Rule.model_fields):
        ctx.add(
            path,
            "a rule needs 'change' (added each period), or 'target' and 'rate' "
            "(moved toward each period)",
        )
        return None
    if not forms:
        return None  # a misspelt key, reported as unknown
    if forms == ["change"]:
        change = checker.formula(r.change, (*path, "change"))
        return None if change is None else (change, None, None)
    if len(forms) == 1:
        missing = "rate" if forms == ["target"] else "target"
        ctx.add(
            path,
            f"'{forms[0]}' needs '{missing}' too: the rule moves the parameter a "
            "share 'rate' of the way to 'target' each period",
        )
        return None
    target = checker.formula(r.target, (*path, "target"))
    rate = checker.formula(r.rate, (*path, "rate"))
    return None if target is None or rate is None else (None, target, rate)


def _derived(ctx: Context, checker: Checker, g: S.GameSpec) -> list[DerivedInfo]:
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
            out.append(DerivedInfo(name, f, d.unit, d.description, located(ctx, (*path, "value"))))
    return out


def _terms(
    ctx: Context, checker: Checker, g: S.GameSpec, pair: tuple[PlayerInfo, PlayerInfo]
) -> list[TermInfo]:
    """The payoff terms: from ``payoffs`` (formulas, each with its condition) or from
    ``matrices`` (one formula per cell)."""
    section = _payoff_section(ctx, g, [p.name for p in pair])
    if section is None or ctx.problems:
        return []
    if g.payoffs is not None:
        return _formula_terms(ctx, checker, g.payoffs, pair)
    assert g.matrices is not None
    return _matrix_terms(ctx, checker, g.matrices, pair)


def _payoff_section(ctx: Context, g: S.GameSpec, names: list[str]) -> str | None:
    """Which section gives the payoffs, ``payoffs`` or ``matrices``, with its keys checked to
    be the players; None (with a problem recorded) if the file gives both or neither."""
    if g.payoffs is not None and g.matrices is not None:
        ctx.add(("matrices",), "give either 'payoffs' (terms) or 'matrices' (literal), not both",
                key=True)
        return None
    if g.payoffs is None and g.matrices is None:
        ctx.add(("payoffs",), "required key 'payoffs' (or 'matrices') is missing")
        return None
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
    return section


def _formula_terms(
    ctx: Context,
    checker: Checker,
    payoffs: Mapping[str, list[S.Term]],
    pair: tuple[PlayerInfo, PlayerInfo],
) -> list[TermInfo]:
    """The terms of ``payoffs``, player by player; a term name may be used once per player."""
    terms: list[TermInfo] = []
    raw_section = ctx.doc.data.get("payoffs", {})
    for pi, pname in enumerate(p.name for p in pair):
        seen: dict[str, int] = {}
        for k, term in enumerate(payoffs[pname]):
            path: PathKey = ("payoffs", pname, k)
            if term.name is not None:
                if term.name in seen:
                    ctx.add((*path, "name"), f"term name '{term.name}' is used twice "
                            f"(also at {field_path(('payoffs', pname, seen[term.name]))})")
                seen[term.name] = k
            info = _term(ctx, checker, pair, pi, path, term, raw_section[pname][k])
            if info is not None:
                terms.append(info)
    return terms


def _term(
    ctx: Context,
    checker: Checker,
    pair: tuple[PlayerInfo, PlayerInfo],
    pi: int,
    path: PathKey,
    term: S.Term,
    raw_term: Any,
) -> TermInfo | None:
    """One term of player ``pi`` compiled; None (with problems recorded) if it is bad or never
    applies."""
    cond = None
    if "when" in raw_term and term.when is None:
        ctx.add((*path, "when"), "'when' is empty; give a condition, or remove "
                "'when' to apply the term to every profile")
        return None
    bad_when = False
    if term.when is not None:
        cond = checker.condition(term.when, (*path, "when"))
        bad_when = cond is None
    f = checker.formula(term.value, (*path, "value"))
    if f is None or bad_when:
        return None
    mask = condition_mask(cond, pair)
    if not mask.any():
        ctx.add((*path, "when"), "matches no action profile, so this term never "
                "applies (are the levels it names excluded?)")
        return None
    return TermInfo(pi, f, mask, located(ctx, (*path, "value")), term.name, term.description)


def _matrix_terms(
    ctx: Context,
    checker: Checker,
    matrices: Mapping[str, list[list[Any]]],
    pair: tuple[PlayerInfo, PlayerInfo],
) -> list[TermInfo]:
    """The cells of ``matrices``, one term each, once each matrix is checked to be m x n."""
    names = [p.name for p in pair]
    m, n = len(pair[0].actions), len(pair[1].actions)
    terms: list[TermInfo] = []
    for pi, pname in enumerate(names):
        rows = matrices[pname]
        path: PathKey = ("matrices", pname)
        if len(rows) != m:
            ctx.add(path, f"expected {m} rows (one per action of {names[0]}: "
                    f"{labels_text(pair[0])}), found {len(rows)}")
            continue
        for i, row in enumerate(rows):
            if len(row) != n:
                split = any(isinstance(c, str) and c.count("(") != c.count(")") for c in row)
                hint = "; a formula with a comma must be quoted inside [ ]" if split else ""
                ctx.add((*path, i), f"expected {n} entries (one per action of {names[1]}: "
                        f"{labels_text(pair[1])}), found {len(row)}{hint}")
                continue
            for j, cell in enumerate(row):
                f = checker.formula(cell, (*path, i, j))
                if f is None:
                    continue
                mask = np.zeros((m, n), dtype=bool)
                mask[i, j] = True
                terms.append(TermInfo(pi, f, mask, located(ctx, (*path, i, j))))
    return terms
