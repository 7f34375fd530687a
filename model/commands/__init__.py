"""Subcommands of ``leverage`` beyond solving: each module here defines
``register(subparsers) -> None``, adding its parser with ``set_defaults(func=...)``; the command
line finds them by listing this package, so a new command is one new module.

A command's function takes the parsed arguments and returns an exit status; it raises
``UsageError`` (exit 2) on bad input and ``PayoffFileError`` for a bad payoff file.
"""
