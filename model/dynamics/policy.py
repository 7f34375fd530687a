"""A policy: levels a side is made to hold for some periods
(``--force China=rare_earths=restricted:1-3``), parsed and checked against the game."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from model.errors import UsageError, did_you_mean, known
from model.game import Game


# ----------------------------------------------------------------------------- policies
@dataclass(frozen=True)
class Force:
    """Hold ``player`` (0: row, 1: column) to ``actions`` in periods ``first`` to ``last``
    (``last`` None: to the end). ``text`` says what is forced, for tables."""

    player: int
    actions: tuple[int, ...]
    first: int = 1
    last: int | None = None
    text: str = ""

    def active(self, period: int) -> bool:
        return self.first <= period and (self.last is None or period <= self.last)

    def periods_text(self) -> str:
        if self.last is None:
            return f"{self.first}-" if self.first > 1 else "every period"
        return str(self.first) if self.first == self.last else f"{self.first}-{self.last}"


def _player_index(game: Game, player: str | int) -> int:
    return game.player_index(player)


def _periods(text: str | int | tuple[int, int | None] | None) -> tuple[int, int | None]:
    """``None`` (every period), ``3``, ``(1, 3)``, ``"1-3"``, ``"4-"`` (4 to the end)."""
    if text is None:
        return 1, None
    if isinstance(text, tuple):
        first, last = text
    elif isinstance(text, int) and not isinstance(text, bool):
        first, last = text, text
    elif isinstance(text, str):
        a, dash, b = text.strip().partition("-")
        try:
            first = int(a)
            last = (int(b) if b.strip() else None) if dash else first
        except ValueError:
            raise UsageError(
                f"periods must look like 3, 1-3 or 4- (from 4 to the end), got '{text}'"
            ) from None
    else:
        raise UsageError(f"periods must be a number, a pair or text like 1-3, got {text!r}")
    if first < 1 or (last is not None and last < first):
        raise UsageError(
            f"periods must be counted from 1 and in order, got {first}-"
            f"{'' if last is None else last}"
        )
    return first, last


def force(
    game: Game,
    player: str | int,
    levels: str | Mapping[str, str],
    periods: str | int | tuple[int, int | None] | None = None,
) -> Force:
    """A :class:`Force` from readable names.

    ``levels`` is a mapping chip -> level, or text: an action label, or comma-separated
    ``chip=level`` items (a bare ``level`` names the one chip of the player that has it). Chips
    left out stay free: the forced player picks them too.
    """
    p = _player_index(game, player)
    info = game.players[p]
    chips = [c.name for c in info.chips]
    if isinstance(levels, str):
        items: dict[str, str] = {}
        for token in (t.strip() for t in levels.split(",")):
            if not token:
                raise UsageError(f"empty item in the levels '{levels}' of {info.name}")
            chip, eq, level = (s.strip() for s in token.partition("="))
            if not eq:
                level = chip
                owners = [c.name for c in info.chips if level in c.levels]
                if not owners:
                    all_levels = sorted({lv for c in info.chips for lv in c.levels})
                    raise UsageError(
                        f"'{level}' is not a level of any chip of {info.name}"
                        f"{did_you_mean(level, all_levels)} (write CHIP=LEVEL; "
                        f"chips: {known(chips)})"
                    )
                if len(owners) > 1:
                    raise UsageError(
                        f"'{level}' is a level of several chips of {info.name} "
                        f"({', '.join(owners)}); write CHIP=LEVEL"
                    )
                chip = owners[0]
            if chip in items:
                raise UsageError(f"chip '{chip}' of {info.name} is given twice")
            items[chip] = level
        wanted: Mapping[str, str] = items
    else:
        wanted = levels
    if not wanted:
        raise UsageError(f"name at least one chip of {info.name} to force")
    for chip, level in wanted.items():
        if chip not in chips:
            other = game.players[1 - p]
            mine = any(c.name == chip for c in other.chips)
            hint = f" (it is a chip of {other.name})" if mine else did_you_mean(chip, chips)
            raise UsageError(f"unknown chip '{chip}' of {info.name}{hint} (chips: {known(chips)})")
        lv = info.chips[info.chip_index(chip)].levels
        if level not in lv:
            raise UsageError(
                f"'{level}' is not a level of '{chip}'{did_you_mean(level, lv)} "
                f"(levels: {', '.join(lv)})"
            )
    idx = {
        info.chip_index(c): info.chips[info.chip_index(c)].levels.index(v)
        for c, v in wanted.items()
    }
    actions = tuple(
        a for a, combo in enumerate(info.actions) if all(combo[k] == v for k, v in idx.items())
    )
    if len(chips) > 1:
        text = ", ".join(f"{c}={v}" for c, v in wanted.items())
    else:
        text = next(iter(wanted.values()))
    if not actions:
        raise UsageError(f"no action of {info.name} has {text} (excluded in the file)")
    first, last = _periods(periods)
    return Force(p, actions, first, last, f"{info.name}: {text}")


def parse_force(game: Game, text: str) -> Force:
    """``PLAYER=LEVELS[:PERIODS]``, as given to ``leverage simulate --force``: for example
    ``China=rare_earths=restricted,traceability=enforced:1-3``."""
    player, eq, rest = text.partition("=")
    if not eq or not player.strip() or not rest.strip():
        raise UsageError(f"--force expects PLAYER=CHIP=LEVEL,...[:PERIODS], got '{text}'")
    periods: str | None = None
    if ":" in rest:
        rest, periods = rest.rsplit(":", 1)
        if not periods.strip():
            raise UsageError(f"--force '{text}': nothing after ':' (give periods like 1-3)")
    return force(game, player.strip(), rest, periods)


def _check_policy(policy: Sequence[Force], periods: int) -> None:
    for a, f in enumerate(policy):
        if f.first > periods:
            raise UsageError(
                f"force {f.text} starts in period {f.first}, after the last period ({periods})"
            )
        for g in policy[a + 1 :]:
            if g.player == f.player:
                last_f = f.last if f.last is not None else periods
                last_g = g.last if g.last is not None else periods
                if f.first <= last_g and g.first <= last_f:
                    raise UsageError(
                        f"two forces on the same player overlap: '{f.text}' in "
                        f"{f.periods_text()} and '{g.text}' in {g.periods_text()}"
                    )
