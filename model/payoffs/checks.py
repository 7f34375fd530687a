"""The checks of a payoff file beyond its shape: names that exist, sources cited, conditions on
chips, formulas that parse and use only known names, overrides of the scenarios."""

from __future__ import annotations

import keyword
from typing import Any

import numpy as np

from model.errors import did_you_mean, known
from model.limits import MAX_ACTIONS
from model.payoffs import spec as S
from model.payoffs.compiled import (
    Clause,
    Condition,
    PlayerInfo,
)
from model.payoffs.formula import Formula, FormulaError, parse
from model.payoffs.formula_functions import FUNCTIONS
from model.payoffs.problems import Context, _kind
from model.payoffs.source import PathKey


# ---------------------------------------------------------------------------- semantic checks
class Checker:
    def __init__(self, ctx: Context, g: S.GameSpec):
        self.ctx = ctx
        self.g = g
        self.chip_owner: dict[str, int] = {}
        self.chips: dict[str, S.Chip] = {}

    def run(self) -> list[list[Condition | None]] | None:
        """Check names, sources and ranges; return each player's ``exclude`` conditions."""
        self._stray_overrides()
        self._players()
        self._parameters()
        self._scenarios()
        if self.ctx.problems:
            return None
        excluded = [
            [self.condition(c, ("players", pi, "exclude", k), only=pi)
             for k, c in enumerate(player.exclude)]
            for pi, player in enumerate(self.g.players)
        ]
        self._sizes()
        if self.ctx.problems:
            return None
        return excluded

    def _players(self) -> None:
        """Players named apart, and their chips: names apart, levels listed once, the status
        quo one of them."""
        g, ctx = self.g, self.ctx
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

    def _parameters(self) -> None:
        """Parameters: names free in formulas, sources cited, values inside their ranges."""
        g, ctx = self.g, self.ctx
        for name, par in g.parameters.items():
            path: PathKey = ("parameters", name)
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
                }.get(S.distribution_of(par)[0], "")
                ctx.add((*path, "value"),
                        f"value {par.value:g} is outside its range [{lo:g}, {hi:g}]{role}")
            elif par.distribution == "loguniform" and lo <= 0:
                ctx.add((*path, "distribution"),
                        f"a log-uniform distribution needs a range above 0, got [{lo:g}, "
                        f"{hi:g}]; raise the low end, or use another distribution")

    def _scenarios(self) -> None:
        """Scenarios: sources cited, and known parameters set inside their ranges."""
        g, ctx = self.g, self.ctx
        for name, sc in g.scenarios.items():
            path: PathKey = ("scenarios", name)
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

    def _sizes(self) -> None:
        """Each player's chip combinations few enough to enumerate (counted before they are)."""
        for pi, player in enumerate(self.g.players):
            count = 1
            for chip in player.chips.values():
                count *= len(chip.levels)
            if count > MAX_ACTIONS * 64:
                self.ctx.add(("players", pi, "chips"),
                             f"{player.name} has {count} chip combinations: too large to "
                             f"enumerate (at most {MAX_ACTIONS} actions per player)")

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


def condition_text(raw: Any) -> str:
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


def labels_text(player: PlayerInfo, limit: int = 6) -> str:
    shown = ", ".join(player.labels[:limit])
    return shown + (", ..." if len(player.labels) > limit else "")
