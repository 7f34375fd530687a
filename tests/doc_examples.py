"""Running the code examples of a Markdown page: the README and the documentation site share it.

A page's examples are its fenced blocks, in order:

- ``python`` blocks are executed, one after the other in one namespace per page;
- ``pycon`` blocks (``>>>`` prompts and the output they print) run as doctests in that same
  namespace, so a figure the page states is the figure the model gives;
- ``console`` and ``bash`` blocks: each line ``$ leverage ARGS`` (or ``leverage ARGS``) runs the
  command line in-process. The lines after it, up to the next ``$`` line, are its documented
  output: compared with what it printed with all runs of white space made one (so the width of
  the terminal does not matter), each stretch between lines ``...`` must appear, in order. A
  line ``$ echo $?`` followed by a number is the exit status the command before it must have;
  without one it must exit 0.
"""

from __future__ import annotations

import contextlib
import doctest
import io
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

FENCE = re.compile(r"^(?P<indent>[ \t]*)```(?P<lang>[\w-]*)[^\n]*\n(?P<body>.*?)^(?P=indent)```",
                   re.S | re.M)
SHELL = ("console", "bash", "sh", "shell")


@dataclass(frozen=True)
class Block:
    lang: str
    body: str
    line: int  # where the block's first line is on its page (1-based)


@dataclass
class Command:
    argv: list[str]
    line: int
    status: int = 0
    output: list[str] = field(default_factory=list)


def blocks(text: str) -> list[Block]:
    """Every fenced block of a Markdown text, in order, indentation removed."""
    found = []
    for m in FENCE.finditer(text):
        indent = len(m["indent"])
        body = "".join(line[indent:] if line[:indent].isspace() else line
                       for line in m["body"].splitlines(keepends=True))
        found.append(Block(m["lang"].lower(), body, text.count("\n", 0, m.start()) + 2))
    return found


def commands(block: Block) -> list[Command]:
    """The ``leverage`` commands of a console block, with their documented output and status."""
    found: list[Command] = []
    current: Command | None = None
    lines = block.body.splitlines()
    i = 0
    while i < len(lines):
        raw = lines[i]
        text = raw.strip()
        prompt = text.startswith("$ ")
        command = text[2:].strip() if prompt else text
        if command == "echo $?" and current is not None:
            current.status = int(lines[i + 1].strip())
            i += 2
            continue
        if prompt or (block.lang != "console" and command.startswith("leverage ")):
            current = None  # another program's command: shown, not run
            if command.startswith("leverage "):
                if any(c in command for c in "|;&><`"):
                    raise ValueError(f"line {block.line + i}: only plain commands run: "
                                     f"{command!r}")
                current = Command(shlex.split(command)[1:], block.line + i)
                found.append(current)
        elif current is not None:
            current.output.append(raw)
        i += 1
    return found


def _flat(text: str) -> str:
    return " ".join(text.split())


def missing_output(documented: list[str], printed: str) -> str | None:
    """The first stretch of ``documented`` (split at lines ``...``) not found, in order, in
    ``printed``; None if all are there."""
    stretches: list[list[str]] = [[]]
    for line in documented:
        if line.strip() == "...":
            stretches.append([])
        else:
            stretches[-1].append(line)
    haystack, at = _flat(printed), 0
    for stretch in stretches:
        needle = _flat("\n".join(stretch))
        if not needle:
            continue
        found = haystack.find(needle, at)
        if found < 0:
            return needle
        at = found + len(needle)
    return None


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    """``leverage ARGV`` in-process: its exit status, standard output and standard error."""
    from model.cli.main import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as stop:  # argparse's own errors
            code = stop.code if isinstance(stop.code, int) else 2
    return code, out.getvalue(), err.getvalue()


def run_page(text: str, name: str, *, shell_cwd: Path | None = None) -> dict[str, int]:
    """Run every example of one page (see the module's docstring); raise AssertionError at the
    first that fails. Python runs in the current directory, commands in ``shell_cwd`` if given.
    Returns how many examples of each kind ran."""
    import os

    namespace: dict[str, object] = {"__name__": "__docs__"}
    counts = {"python": 0, "pycon": 0, "console": 0}
    parser, runner = doctest.DocTestParser(), doctest.DocTestRunner(
        optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for block in blocks(text):
        where = f"{name}:{block.line}"
        if block.lang == "python":
            exec(compile(block.body, where, "exec"), namespace)  # the project's own pages
            counts["python"] += 1
        elif block.lang == "pycon":
            test = parser.get_doctest(block.body, namespace, where, name, block.line)
            report = io.StringIO()
            result = runner.run(test, out=report.write, clear_globs=False)
            namespace.update(test.globs)  # a DocTest works on a copy of its namespace
            assert not result.failed, f"{where}: a doctest failed\n{report.getvalue()}"
            counts["pycon"] += 1
        elif block.lang in SHELL:
            for cmd in commands(block):
                here = os.getcwd()
                if shell_cwd is not None:
                    os.chdir(shell_cwd)
                try:
                    code, out, err = run_cli(cmd.argv)
                finally:
                    os.chdir(here)
                shown = f"{name}:{cmd.line}: leverage {shlex.join(cmd.argv)}"
                assert code == cmd.status, (
                    f"{shown} exited {code}, the page says {cmd.status}\n{err[-2000:]}")
                gap = missing_output(cmd.output, out + err)
                assert gap is None, (f"{shown}: the page shows output it did not print:\n"
                                     f"{gap}\n--- it printed:\n{(out + err)[-3000:]}")
                counts["console"] += 1
    return counts
