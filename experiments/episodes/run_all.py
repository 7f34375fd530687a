"""Replay every episode and regenerate the report.

Usage: python experiments/episodes/run_all.py [--out experiments/results]

Runs each episode script of this folder (writing <out>/episodes/<episode>.json), then the table
(<out>/episodes.md). Exits with the first non-zero status.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import model
from model.episodes import DEFAULT_FILE

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
NOT_EPISODES = {"run_all", "table"}


def load(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"episode_{path.stem}", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def scripts() -> list[ModuleType]:
    """The episode scripts, each with its EPISODE, in the order of the episodes."""
    found = [load(p) for p in sorted(HERE.glob("*.py"))
             if p.stem not in NOT_EPISODES and not p.stem.startswith("_")]
    return sorted(found, key=lambda m: m.EPISODE.start)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "experiments" / "results")
    args = ap.parse_args(argv)
    folder = args.out / "episodes"
    game = model.load(DEFAULT_FILE)
    for m in scripts():
        code = m.main(m.EPISODE, ["--out", str(folder)], doc=m.__doc__, game=game)
        if code:
            return int(code)
        print()
    return int(load(HERE / "table.py").main(["--results", str(folder),
                                              "--out", str(args.out / "episodes.md")]))


if __name__ == "__main__":
    sys.exit(main())
