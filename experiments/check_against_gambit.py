"""Compare model.solve with Gambit's enummixed (exact arithmetic) on random games.

usage: python experiments/check_against_gambit.py [--games N] [--seed S] [--max-size K]
                                                  [--json PATH]

For each family (real-valued normal payoffs, small integers in {0, 1, 2} with many ties,
rectangular games) it draws N games of sizes 1..K x 1..K, solves each with both, and prints
how many agree on the set of extreme equilibria and the time per game of each. Gambit gets
exactly the rational payoffs that model.solve uses (model.solvers.snap_to_rationals).
Gambit sometimes lists an equilibrium of a degenerate game more than once; distinct sets
are compared. With --json the settings and the counts are written to PATH as well.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import numpy as np

GAMES = 30  # games per family
SEED = 0
MAX_SIZE = 6

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from model.solvers import snap_to_rationals  # noqa: E402
from model.solvers.equilibria import solve  # noqa: E402

Exact = tuple[tuple[Fraction, ...], tuple[Fraction, ...]]
Family = Callable[[np.random.Generator, int, int], tuple[np.ndarray, np.ndarray]]


def gambit_equilibria(A: np.ndarray, B: np.ndarray) -> set[Exact]:
    import pygambit as gbt

    A_obj = np.array(snap_to_rationals(A), dtype=object)
    B_obj = np.array(snap_to_rationals(B), dtype=object)
    game = gbt.Game.from_arrays(A_obj, B_obj)
    row, col = list(game.players)
    return {
        (
            tuple(Fraction(eq[s]) for s in row.strategies),
            tuple(Fraction(eq[s]) for s in col.strategies),
        )
        for eq in gbt.nash.enummixed_solve(game, rational=True).equilibria
    }


def ours(A: np.ndarray, B: np.ndarray) -> set[Exact]:
    out = set()
    for e in solve(A, B).equilibria:
        assert e.exact_strategies is not None
        out.add(e.exact_strategies)
    return out


FAMILIES: dict[str, Family] = {
    "normal": lambda rng, m, n: (rng.normal(size=(m, n)), rng.normal(size=(m, n))),
    "ints012": lambda rng, m, n: (
        rng.integers(0, 3, size=(m, n)).astype(float),
        rng.integers(0, 3, size=(m, n)).astype(float),
    ),
    "rectangular": lambda rng, m, n: (
        rng.integers(-3, 4, size=(m, max(1, 2 * n // 3))).astype(float),
        rng.normal(size=(m, max(1, 2 * n // 3))).round(2),
    ),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--games", type=int, default=GAMES, help="games per family")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--max-size", type=int, default=MAX_SIZE)
    parser.add_argument("--json", type=Path, default=None, help="also write the counts here")
    args = parser.parse_args(argv)
    settings = {"games": args.games, "seed": args.seed, "max_size": args.max_size}
    print("settings:", settings)
    rng = np.random.default_rng(args.seed)
    rows = []
    failures = 0
    for name, family in FAMILIES.items():
        agree = 0
        time_ours = time_gambit = 0.0
        for k in range(args.games):
            m, n = (int(v) for v in rng.integers(1, args.max_size + 1, size=2))
            A, B = family(rng, m, n)
            t0 = time.perf_counter()
            mine = ours(A, B)
            t1 = time.perf_counter()
            theirs = gambit_equilibria(A, B)
            t2 = time.perf_counter()
            time_ours += t1 - t0
            time_gambit += t2 - t1
            if mine == theirs:
                agree += 1
            else:
                failures += 1
                print(
                    f"  {name} game {k} ({A.shape[0]}x{A.shape[1]}): {len(mine)} vs {len(theirs)}"
                )
                print(f"    A = {A.tolist()}\n    B = {B.tolist()}")
        row = {
            "family": name,
            "games": args.games,
            "agree": agree,
            "ms_per_game_ours": 1000 * time_ours / max(args.games, 1),
            "ms_per_game_gambit": 1000 * time_gambit / max(args.games, 1),
        }
        rows.append(row)
        print(
            f"{name:12s} agree {agree}/{args.games}   "
            f"ours {row['ms_per_game_ours']:8.2f} ms/game   "
            f"gambit {row['ms_per_game_gambit']:8.2f} ms/game"
        )
    if args.json is not None:
        args.json.write_text(json.dumps({"settings": settings, "results": rows}, indent=2) + "\n")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
