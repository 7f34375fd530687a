"""Put the model's predictions and history side by side for every replayed episode.

Usage: python experiments/episodes/table.py [--results FOLDER] [--out REPORT]

--results defaults to experiments/results/episodes, --out to experiments/results/episodes.md.

Reads every <episode>.json the episode scripts wrote and writes one Markdown report: a table of
predictions per episode, and a table with one row per stage of history, its verdict (agrees,
partly, disagrees) and why.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from model.io import atomic_write
from model.report.episodes import table

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "experiments" / "results" / "episodes"
OUT = ROOT / "experiments" / "results" / "episodes.md"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--results", type=Path, default=RESULTS,
                    help="folder of the episode scripts' JSON files")
    ap.add_argument("--out", type=Path, default=OUT, help="the Markdown report")
    args = ap.parse_args(argv)
    files = sorted(args.results.glob("*.json"))
    if not files:
        print(f"error: no episode results in {args.results}; run the episode scripts first")
        return 2
    results = [json.loads(f.read_text()) for f in files]
    atomic_write(args.out, table(results))
    stages = sum(len(r["history"]) for r in results)
    print(f"wrote {args.out} ({len(results)} episodes, {stages} stages)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
