"""Payoff files for the app: the shipped ones, and games from edited or uploaded text.

An edited text is written to a fresh temporary folder and loaded from there, under the name of
the file it came from. The loader lets ``extends`` reach only the file's own folder and the
folders given as include folders, so the original file's folder is given as one: an edited
file that extends ``baseline.yaml`` still finds it, and nothing else on the machine is read.

>>> from model.app.files import load_text, shipped_files
>>> text = open("payoffs/textbook/chicken.yaml").read()
>>> load_text(text, "payoffs/textbook/chicken.yaml").game.shape
(2, 2)
>>> bad = load_text(text.replace("players:", "player:"), "payoffs/textbook/chicken.yaml")
>>> bad.game is None, bad.problems[0].startswith("payoffs/textbook/chicken.yaml:")
(True, True)
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from model.errors import PayoffFileError, UsageError
from model.game import Game
from model.load import load

#: The folder of the shipped payoff files (next to the package in a checkout).
PAYOFFS = Path(__file__).resolve().parents[2] / "payoffs"
#: Games with more profiles than this are too large to show as a table in the app.
MAX_APP_PROFILES = 2_500


def default_file() -> Path:
    """``payoffs/baseline.yaml`` of the working folder if there is one, else the shipped one."""
    here = Path("payoffs/baseline.yaml")
    return here if here.is_file() else PAYOFFS / "baseline.yaml"


def shipped_files(root: Path = PAYOFFS) -> list[Path]:
    """The payoff files under ``root`` (the textbook games included), baseline first."""
    if not root.is_dir():
        return []
    files = sorted(p for p in root.rglob("*.yaml") if p.is_file())
    return sorted(files, key=lambda p: (p.name != "baseline.yaml", len(p.parts), str(p)))


def digest(text: str) -> str:
    """The SHA-256 of a text, as the caches' key."""
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Loaded:
    """A game loaded from text, or the located problems that stopped it (one line each, as
    ``leverage check`` prints them)."""

    game: Game | None
    problems: tuple[str, ...] = ()
    lines: tuple[int, ...] = field(default=())


def load_text(text: str, name: str | Path, include_dirs: tuple[str | Path, ...] = ()) -> Loaded:
    """Load ``text`` as if it were the file ``name``: from a temporary copy, with ``name``'s
    folder (and ``include_dirs``) as the folders ``extends`` may reach. Problems are reported
    against ``name``, so they read as ``leverage check name`` would print them."""
    name = Path(name)
    folder = name.parent if str(name.parent) else Path(".")
    includes = [folder, *map(Path, include_dirs)]
    with tempfile.TemporaryDirectory(prefix="leverage-app-") as tmp:
        path = Path(tmp) / (name.name if name.suffix in (".yaml", ".yml") else "edited.yaml")
        path.write_text(text, encoding="utf-8")
        try:
            game = load(path, include_dirs=[d for d in includes if d.is_dir()])
        except PayoffFileError as exc:
            real = os.path.realpath(path)
            shown = []
            for p in exc.problems:
                file = str(name) if p.file in (str(path), real) else p.file
                shown.append(str(type(p)(file, p.line, p.col, p.field, p.message)))
            lines = tuple(p.line for p in exc.problems if p.file in (str(path), real))
            return Loaded(None, tuple(shown), lines)
        except UsageError as exc:
            return Loaded(None, (f"{name}:1:1: {exc}",), (1,))
    return Loaded(game)
