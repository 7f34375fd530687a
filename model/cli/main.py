"""The ``leverage`` command line.

Exit status: 0 on success, 2 on bad input (an invalid payoff file, an unknown scenario or
parameter, a malformed option), 1 if a solver fails its own verification.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from model._version import __version__
from model.cli.common import (
    EXIT_FAIL,
    EXIT_INPUT,
    EXIT_OK,
    EXIT_TIMEOUT,
)
from model.errors import LeverageError, PayoffFileError, UsageError
from model.io import os_reason
from model.limits import SolveTimeout

# the commands in the order ``leverage --help`` lists them; each module has ``register(sub)``
COMMANDS = ("solve", "export", "check", "describe", "schema", "bargain", "credibility", "map",
            "attrition", "dynamic", "robustness", "sequential", "simulate", "sweep", "tipping",
            "app")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_INPUT)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="leverage",
        description="Solve the US-China chips-for-rare-earths game and games like it.",
    )
    parser.add_argument("--version", action="version", version=f"leverage {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    for name in COMMANDS:
        importlib.import_module(f"model.cli.{name}").register(sub)
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
