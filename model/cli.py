"""The ``leverage`` command line.

Exit status: 0 on success, 2 on bad input (an invalid payoff file, an unknown scenario or
parameter, a malformed option), 1 if a solver fails its own verification.
"""

from __future__ import annotations

import argparse
import importlib
import math
import os
import pkgutil
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

from model import __version__, commands
from model.errors import LeverageError, PayoffFileError, UsageError
from model.game import Game
from model.io import atomic_write, dumps_json, os_reason
from model.limits import MAX_TIMEOUT, SolveTimeout

EXIT_OK, EXIT_FAIL, EXIT_INPUT, EXIT_TIMEOUT = 0, 1, 2, 3


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_INPUT)


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
    from model.loader import load

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
    """Write ``text`` to ``--out`` (atomically) or to standard output."""
    if getattr(args, "out", None):
        atomic_write(args.out, text)
        print(f"wrote {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(text)


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


def _cmd_solve(args: argparse.Namespace) -> int:
    from model.analysis import analyse
    from model.report import render

    game, overrides = load_setting(args)
    if args.timeout is not None and not 0 < args.timeout <= MAX_TIMEOUT:
        if args.timeout != math.inf:
            raise UsageError(f"--timeout must be a positive number of seconds, at most "
                             f"{MAX_TIMEOUT:,.0f} ('inf' for no limit), got "
                             f"'{args.timeout:g}'")
    try:
        an = analyse(game, overrides, args.scenario, tol=args.tol, method=args.method,
                     exact=args.exact, timeout=args.timeout)
    except SolveTimeout as exc:
        m, n = game.shape
        raise SolveTimeout(
            f"{exc}: the game is {m} x {n}. Try a longer --timeout, or --method lemke_howson "
            "for some equilibria quickly."
        ) from None
    if args.json:
        text = dumps_json(an.to_json(), indent=2) + "\n"
    else:
        text = render(an, width=shutil.get_terminal_size((120, 40)).columns)
    emit(args, text)
    return EXIT_OK


def _cmd_export(args: argparse.Namespace) -> int:
    from model.nfg import game_to_nfg

    game, overrides = load_setting(args)
    A, B = game.matrices(overrides, args.scenario)
    setting = f"scenario {args.scenario}" if args.scenario else "baseline"
    if overrides:
        setting += "; " + ", ".join(f"{k}={v:g}" for k, v in overrides.items())
    comment = f"Exported from {args.file} ({setting}); sha256 {game.sha256}"
    text = game_to_nfg(game, A, B, comment)
    emit(args, text)
    return EXIT_OK


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


def _cmd_schema(args: argparse.Namespace) -> int:
    from model.spec import json_schema_text

    text = json_schema_text()
    emit(args, text)
    return EXIT_OK


def _cmd_describe(args: argparse.Namespace) -> int:
    from model.loader import load
    from model.text import table

    game = load(args.file, include_dirs=include_dirs(args))
    print(game.title)
    print("=" * len(game.title))
    print(game.description.strip())
    print()
    for p in game.players:
        print(f"{p.name}: {len(p.actions)} actions from chips "
              + ", ".join(f"{c.name} [{' / '.join(c.levels)}]" for c in p.chips))
    print()
    if game.parameters:
        print("Parameters")
        print(table(
            ["name", "value", "range", "unit", "source"],
            [[p.name, f"{p.value:g}", f"[{p.low:g}, {p.high:g}]", p.unit, p.source]
             for p in game.parameters.values()],
            align="lrrll",
        ))
        print()
    if game.derived:
        values = game.derived_values()
        print("Derived quantities (formulas over the parameters)")
        print(table(
            ["name", "value", "unit", "formula"],
            [[d.name, f"{values[d.name]:.4g}", d.unit, d.formula.text.strip()]
             for d in game.derived],
            align="lrll",
        ))
        print()
    if game.scenarios:
        print("Scenarios")
        for s in game.scenarios.values():
            changes = ", ".join(f"{k}={v:g}" for k, v in s.changes.items())
            print(f"  {s.name}: {changes}  [{s.source}]")
            print(f"      {' '.join(s.description.split())}")
        print()
    if game.outcomes:
        print("Outcomes (first match wins): " + ", ".join(o.name for o in game.outcomes))
        print()
    if game.sources:
        print("Sources")
        for k, v in game.sources.items():
            print(f"  [{k}] {' '.join(v.split())}")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="leverage",
        description="Solve the US-China chips-for-rare-earths game and games like it.",
    )
    parser.add_argument("--version", action="version", version=f"leverage {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    p = sub.add_parser("solve", help="solve a payoff file: matrix, dominance, all equilibria")
    add_setting_arguments(p)
    p.add_argument("--tol", type=float, default=1e-9,
                   help="tolerance of best replies and of the equilibrium check (default 1e-9)")
    p.add_argument("--method", help="solver method (default: chosen by size; see model.solve)")
    p.add_argument("--exact", action="store_true",
                   help="exact rational arithmetic; JSON also gives fractions under 'exact'")
    p.add_argument("--timeout", type=float, metavar="SECONDS",
                   help="stop the solve cleanly after this many seconds (at most 1e6; "
                   "'inf': no limit); a game too large to enumerate is searched for most of "
                   "that time and the answer says it is not exhaustive (without --timeout the "
                   "search takes 20 s); exit status 3 if it runs out with no answer")
    p.set_defaults(func=_cmd_solve)

    p = sub.add_parser("export", help="write a game's payoff matrices in another format")
    add_setting_arguments(p, json_flag=False)
    p.add_argument("--to", choices=["nfg"], required=True, help="format: nfg (Gambit)")
    p.set_defaults(func=_cmd_export)

    p = sub.add_parser("check", help="validate payoff files (directories are searched for "
                       "*.yaml) and Gambit .nfg files")
    p.add_argument("files", nargs="+", help="payoff files or directories")
    add_include_argument(p)
    p.set_defaults(func=_cmd_check)

    p = sub.add_parser("describe", help="show a payoff file's chips, parameters and scenarios")
    p.add_argument("file")
    add_include_argument(p)
    p.set_defaults(func=_cmd_describe)

    p = sub.add_parser("schema", help="print the JSON Schema of payoff files")
    p.add_argument("--out", help="write to this file (atomically)")
    p.set_defaults(func=_cmd_schema)

    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{commands.__name__}.{info.name}")
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_INPUT
    tol = getattr(args, "tol", None)
    if tol is not None and not 0 < tol < 1:
        print("leverage: error: --tol must be between 0 and 1", file=sys.stderr)
        return EXIT_INPUT
    try:
        return int(args.func(args))
    except PayoffFileError as exc:
        print(exc.render(), file=sys.stderr)
        return EXIT_INPUT
    except UsageError as exc:
        print(f"leverage: error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except SolveTimeout as exc:  # the user's --timeout ran out
        print(f"leverage: {exc}", file=sys.stderr)
        return EXIT_TIMEOUT
    except LeverageError as exc:
        print(f"leverage: {exc}", file=sys.stderr)
        return EXIT_FAIL
    except BrokenPipeError:
        return EXIT_OK
    except MemoryError:
        print("leverage: out of memory: try a smaller game, grid or sample", file=sys.stderr)
        return EXIT_FAIL
    except OSError as exc:  # a file this command could not read or write
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"leverage: {where}{os_reason(exc)}", file=sys.stderr)
        return EXIT_FAIL


if __name__ == "__main__":
    raise SystemExit(main())
