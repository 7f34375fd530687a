"""What the commands share: the setting arguments, loading the game, writing the output, and
the exit statuses."""

from __future__ import annotations

import argparse
import functools
import math
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from model.errors import UsageError
from model.game import Game
from model.io import atomic_write

if TYPE_CHECKING:
    from model.sensitivity.grid import Axis

EXIT_OK, EXIT_FAIL, EXIT_INPUT, EXIT_TIMEOUT = 0, 1, 2, 3



def parse_set(items: Sequence[str]) -> dict[str, float]:
    out: dict[str, float] = {}
    for item in items:
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise UsageError(f"--set expects NAME=VALUE, got '{item}'")
        try:
            v = float(value)
        except ValueError:
            raise UsageError(f"--set {name}: '{value}' is not a number") from None
        if not math.isfinite(v):
            raise UsageError(f"--set {name}: value must be finite, got '{value}'")
        if name in out:
            raise UsageError(f"--set {name} is given twice")
        out[name] = v
    return out


def include_dirs(args: argparse.Namespace) -> tuple[Path, ...]:
    """The folders given with ``--include-dir``, each checked to be a folder."""
    out = []
    for d in getattr(args, "include_dir", None) or []:
        p = Path(d)
        if not p.is_dir():
            raise UsageError(f"--include-dir {d}: not a folder")
        out.append(p)
    return tuple(out)


def load_any(path: str, include: Sequence[Path] = ()) -> Game:
    """A payoff file, or a Gambit .nfg file (by its suffix)."""
    if path.lower().endswith(".nfg"):
        from model.nfg import game_from_nfg

        return game_from_nfg(path)
    from model.load import load

    return load(path, include_dirs=include)


def load_setting(args: argparse.Namespace) -> tuple[Game, dict[str, float]]:
    """The game named by ``args.file`` and the ``--set`` overrides, warning on stderr about a
    value outside its parameter's plausible range."""
    game = load_any(args.file, include_dirs(args))
    overrides = parse_set(args.set or [])
    for name, v in overrides.items():
        p = game.parameters.get(name)
        if p is not None and not p.low <= v <= p.high:
            print(
                f"warning: {name}={v:g} is outside its plausible range [{p.low:g}, {p.high:g}]",
                file=sys.stderr,
            )
    return game, overrides


def emit(args: argparse.Namespace, text: str) -> None:
    """Write ``text`` to ``--out`` (atomically) or to standard output; a text report of a
    command with ``--wide`` has its long lines wrapped to 100 columns unless it is given."""
    if getattr(args, "wide", None) is False and not getattr(args, "json", False):
        from model.text import fit

        text = fit(text)
    if getattr(args, "out", None):
        atomic_write(args.out, text)
        print(f"wrote {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(text)


def add_wide_argument(p: argparse.ArgumentParser) -> None:
    """``--wide``: the report at its full width, every table and matrix on one line a row."""
    p.add_argument("--wide", action="store_true",
                   help="print tables and matrices at their full width (by default the text "
                   "fits 100 columns: long lines wrapped, a wide matrix or table in blocks "
                   "of columns)")


def fitted(command: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """``command`` run with tables fitting 100 columns, or at their full width with --wide."""

    @functools.wraps(command)
    def run(args: argparse.Namespace) -> int:
        from model.text import WIDTH, fitting

        with fitting(None if getattr(args, "wide", False) else WIDTH):
            return command(args)

    return run


def add_include_argument(p: argparse.ArgumentParser) -> None:
    p.add_argument("--include-dir", action="append", metavar="DIR",
                   help="a folder where 'extends' may also find base files (besides the folder "
                   "of the file that names one, and the folders below it); repeatable")


def add_setting_arguments(p: argparse.ArgumentParser, *, json_flag: bool = True) -> None:
    """The arguments every command on a game shares: the file, the setting, the output."""
    p.add_argument("file", help="payoff file (YAML) or Gambit strategic-form file (.nfg)")
    add_include_argument(p)
    p.add_argument("--scenario", help="a scenario named in the file")
    p.add_argument("--set", action="append", metavar="NAME=VALUE",
                   help="set a parameter (after the scenario); repeatable")
    if json_flag:
        p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--out", help="write to this file (atomically) instead of standard output")


def add_grid_arguments(p: argparse.ArgumentParser, axes: str) -> None:
    """The arguments of a command over a grid of parameter values: the setting (without
    --json) and the --vary axes; ``axes`` ends the help of --vary, saying how many to give."""
    add_setting_arguments(p, json_flag=False)
    p.add_argument("--vary", action="append", required=True, metavar="NAME=LO:HI:N",
                   help="a parameter axis of N evenly spaced values (NAME=LO:HI:N:log for "
                   f"geometric spacing); {axes}")


def grid_axes(game: Game, args: argparse.Namespace) -> list[Axis]:
    """The --vary axes on ``game``, once the --scenario is known to be one of its own."""
    from model.sensitivity.grid import parse_vary

    if args.scenario is not None:
        game.scenario(args.scenario)
    return [parse_vary(game, v, allow_outside=args.allow_outside) for v in args.vary]
