"""``leverage check``: validate payoff files and Gambit files; warn about games slow to solve."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from model.cli.common import (
    EXIT_INPUT,
    EXIT_OK,
    add_include_argument,
    include_dirs,
    load_any,
)
from model.errors import PayoffFileError, UsageError
from model.game import Game


def _payoff_files(paths: Sequence[str], include: Sequence[Path] = ()) -> list[tuple[Path, str]]:
    """The files to check, each with the reason it is not read ("" if it is). Below a folder,
    a symbolic link to a file outside it (and outside ``include``) is not read."""
    files: list[tuple[Path, str]] = []
    for p in map(Path, paths):
        if not p.is_dir():
            files.append((p, ""))
            continue
        roots = [Path(os.path.realpath(d)) for d in (p, *include)]
        for f in sorted(f for f in p.rglob("*.yaml") if f.is_file()):
            real = Path(os.path.realpath(f))
            inside = any(real == r or real.is_relative_to(r) for r in roots)
            files.append((f, "" if inside else f"a symbolic link to a file outside {p}; not read "
                          "(give its folder with --include-dir to check it)"))
    return files


LARGE_GAME = 2_000  # profiles: above this, check says how large the game is


def _large_game_warning(game: Game) -> str | None:
    """For a game of more than LARGE_GAME profiles, its size and the size that iterated strict
    dominance at the baseline leaves (what a solve then works on)."""
    m, n = game.shape
    if m * n <= LARGE_GAME:
        return None
    from model.solvers.structure import reduce_game

    A, B = game.matrices()
    red = reduce_game(A, B, tol=1e-9, chips=game.chip_layout)
    r, c = red.reduced_shape
    how = "chip-level and iterated strict dominance"
    parts = (f", in {len(red.parts)} independent parts" if red.separable else "")
    return (f"warning: {game.path}: a large game, {m} x {n} = {m * n:,} action profiles; "
            f"{how} at the baseline leaves {r} x {c} = {r * c:,}{parts}. A solve may take long "
            "where less is dominated (other scenarios, --set values, sweeps)")


def _cmd_check(args: argparse.Namespace) -> int:
    include = include_dirs(args)
    files = _payoff_files(args.files, include)
    if not files:
        raise UsageError("no payoff files found")
    bad = 0
    for f, refused in files:
        if refused:
            bad += 1
            print(f"{f}:1:1: {refused}", file=sys.stderr)
            continue
        try:
            game = load_any(str(f), include)
        except PayoffFileError as exc:
            bad += 1
            print(exc.render(), file=sys.stderr)
            continue
        m, n = game.shape
        print(f"ok  {f}  ({game.title}: {m} x {n}, {len(game.parameters)} parameters, "
              f"{len(game.scenarios)} scenarios)")
        warning = _large_game_warning(game)
        if warning is not None:
            print(warning, file=sys.stderr)
    if bad:
        print(f"{bad} of {len(files)} file{'s' if len(files) > 1 else ''} invalid",
              file=sys.stderr)
        return EXIT_INPUT
    return EXIT_OK


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("check", help="validate payoff files (directories are searched for "
                       "*.yaml) and Gambit .nfg files")
    p.add_argument("files", nargs="+", help="payoff files or directories")
    add_include_argument(p)
    p.set_defaults(func=_cmd_check)
