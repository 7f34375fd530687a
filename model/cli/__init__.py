"""The ``leverage`` command line: one module per command, each parsing its arguments, calling
the library and handing the result to :mod:`model.report`.

A command module defines ``register(subparsers) -> None``, adding its parser with
``set_defaults(func=...)``; :data:`model.cli.main.COMMANDS` lists them in the order of
``leverage --help``. A command's function takes the parsed arguments and returns an exit
status; it raises ``UsageError`` (exit 2) on bad input and ``PayoffFileError`` for a bad
payoff file. :func:`model.cli.main.main` turns every error into its message and exit status.
"""

from model.cli.main import main

__all__ = ["main"]
