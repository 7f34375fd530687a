"""Time to find all equilibria: this project's solver against nashpy, Gambit and QuantEcon.

Usage: python experiments/bench_solvers.py [--seed 0] [--games N] [--quick] [--out DIR]

One run, the same games for every solver: random real-valued games (standard normal payoffs)
of each size in SIZES, and a batch of the baseline game (payoffs/baseline.yaml) over a grid
of two of its parameters' ranges. Timed per game, all equilibria each time: this project's
``solve`` (method "auto", and "exact") and ``solve_batch``, nashpy's
``vertex_enumeration``, pygambit's ``enummixed_solve(rational=False)`` and QuantEcon's
``support_enumeration``. Compile time (numba, for this project and QuantEcon) is excluded by
a warm-up call. Every peer's equilibria are compared with ours (the count, then one by one
within 1e-6) and disagreements are listed. Also: the throughput of
``pure_equilibria_batch`` on 8x8 games, in chunks. Slow solvers run on the first games only
(their counts are in the table; each ratio compares the same games); --quick leaves out
the slowest of those runs. Prints a table and writes it to DIR/bench_solvers.md.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import model  # noqa: E402
from model.io import atomic_write  # noqa: E402
from model.solvers import pure_equilibria_batch  # noqa: E402

# ----------------------------------------------------------------------------- settings
SIZES = (6, 8, 10)
GAMES = 40  # random games per size (--games)
LIMITS = {  # slow solvers: how many of the games they solve, by size
    "exact": {6: 40, 8: 15, 10: 6},
    "nashpy": {6: 5, 8: 2, 10: 1},
}
BASELINE = ROOT / "payoffs" / "baseline.yaml"
BATCH_PARAMETERS = ("spiral", "us_security_weight")
BATCH_GRID = 30  # points per parameter: 30 x 30 games
BATCH_LIMITS = {"one by one": 10_000, "exact": 60, "gambit": 100, "nashpy": 4, "quantecon": 2}
PURE_GAMES = 2_000_000  # 8x8 games for the pure-equilibrium throughput
PURE_CHUNK = 4_096
ATOL = 1e-6  # strategies agree when no probability differs by more
QUICK = {"games": 8, "grid": 8, "pure": 200_000, "scale": 0.25}
OUT = ROOT / "experiments" / "results"

Profile = tuple[np.ndarray, np.ndarray]


# ----------------------------------------------------------------------------- solvers
def ours(A: np.ndarray, B: np.ndarray) -> list[Profile]:
    return [e.strategies for e in model.solve(A, B).equilibria]


def ours_exact(A: np.ndarray, B: np.ndarray) -> list[Profile]:
    return [e.strategies for e in model.solve(A, B, method="exact").equilibria]


def nashpy_vertices(A: np.ndarray, B: np.ndarray) -> list[Profile]:
    import nashpy

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return list(nashpy.Game(A, B).vertex_enumeration())


def gambit_enummixed(A: np.ndarray, B: np.ndarray) -> Any:
    import pygambit

    game = pygambit.Game.from_arrays(A, B)
    return game, pygambit.nash.enummixed_solve(game, rational=False)


def gambit_profiles(found: Any) -> list[Profile]:
    game, result = found
    row, col = list(game.players)
    return [
        (
            np.array([float(eq[s]) for s in row.strategies]),
            np.array([float(eq[s]) for s in col.strategies]),
        )
        for eq in result.equilibria
    ]


def quantecon_support(A: np.ndarray, B: np.ndarray) -> list[Profile]:
    from quantecon.game_theory import NormalFormGame, Player, support_enumeration

    return list(support_enumeration(NormalFormGame((Player(A), Player(B.T)))))


SOLVERS: dict[str, tuple[Callable[[np.ndarray, np.ndarray], Any], Callable[[Any], Any]]] = {
    "this project, auto": (ours, list),
    "this project, exact": (ours_exact, list),
    "gambit enummixed (float)": (gambit_enummixed, gambit_profiles),
    "quantecon support_enumeration": (quantecon_support, list),
    "nashpy vertex_enumeration": (nashpy_vertices, list),
}
LIMIT_KEY = {
    "this project, exact": "exact",
    "nashpy vertex_enumeration": "nashpy",
}
BATCH_KEY = {
    "this project, exact": "exact",
    "gambit enummixed (float)": "gambit",
    "quantecon support_enumeration": "quantecon",
    "nashpy vertex_enumeration": "nashpy",
}


# ----------------------------------------------------------------------------- measuring
@dataclass
class Timing:
    solver: str
    seconds: list[float] = field(default_factory=list)  # per game, in order
    found: list[list[Profile]] = field(default_factory=list)


def time_each(name: str, games: list[tuple[np.ndarray, np.ndarray]]) -> Timing:
    solve, convert = SOLVERS[name]
    out = Timing(name)
    for A, B in games:
        start = time.perf_counter()
        raw = solve(A, B)
        out.seconds.append(time.perf_counter() - start)
        out.found.append(convert(raw))
    return out


def disagreement(ours_eqs: list[Profile], theirs: list[Profile]) -> str | None:
    """None when the sets agree: the same count, and each of ours matched by one of theirs
    with no probability more than ATOL apart."""
    if len(ours_eqs) != len(theirs):
        return f"{len(theirs)} equilibria against our {len(ours_eqs)}"
    left = [(np.asarray(x, float), np.asarray(y, float)) for x, y in theirs]
    for x, y in ours_eqs:
        hit = next(
            (
                k
                for k, (u, v) in enumerate(left)
                if u.shape == x.shape
                and v.shape == y.shape
                and max(np.abs(u - x).max(), np.abs(v - y).max()) <= ATOL
            ),
            None,
        )
        if hit is None:
            return f"ours x={np.round(x, 4).tolist()} y={np.round(y, 4).tolist()} unmatched"
        left.pop(hit)
    return None


def warm_up() -> None:
    """Import everything and compile the numba kernels (ours and QuantEcon's) on small games."""
    rng = np.random.default_rng(12345)
    A, B = rng.normal(size=(2, 5, 5))
    for name, (solve, convert) in SOLVERS.items():
        convert(solve(A, B))
        del name
    model.solve_batch(A[None], B[None])
    pure_equilibria_batch(A[None], B[None])


@dataclass
class Row:
    workload: str
    solver: str
    games: int
    ms: float
    ratio: float | None  # the peer's time over ours on the same games
    agree: str


def compare_rows(
    workload: str, timings: list[Timing], base: Timing, problems: list[str]
) -> list[Row]:
    rows = []
    for t in timings:
        k = len(t.seconds)
        ms = 1e3 * float(np.mean(t.seconds))
        ours_ms = 1e3 * float(np.mean(base.seconds[:k]))
        bad = []
        if t is not base:
            for g in range(k):
                why = disagreement(base.found[g], t.found[g])
                if why is not None:
                    bad.append(g)
                    problems.append(f"{workload}, game {g}, {t.solver}: {why}")
        agree = "-" if t is base else (f"{k - len(bad)}/{k}" if bad else f"all {k}")
        ratio = None if t is base else ms / ours_ms
        rows.append(Row(workload, t.solver, k, ms, ratio, agree))
    return rows


def random_games(rng: np.random.Generator, size: int, count: int) -> list[tuple[Any, Any]]:
    return [tuple(rng.normal(size=(2, size, size))) for _ in range(count)]


def bench_random(size: int, games: list[tuple[Any, Any]], scale: float, problems: list[str]):
    timings = []
    for name in SOLVERS:
        key = LIMIT_KEY.get(name)
        count = len(games) if key is None else int(LIMITS[key][size] * scale)
        if count < 1:  # --quick leaves out the slowest runs
            continue
        timings.append(time_each(name, games[: min(count, len(games))]))
    base = timings[0]
    # the batch entry point on the same games
    A = np.stack([a for a, _ in games])
    B = np.stack([b for _, b in games])
    start = time.perf_counter()
    batch = model.solve_batch(A, B)
    per_game = (time.perf_counter() - start) / len(games)
    batch_t = Timing("this project, solve_batch", [per_game] * len(games))
    batch_t.found = [[e.strategies for e in r.equilibria] for r in batch]
    timings.insert(1, batch_t)
    return compare_rows(f"random {size}x{size}", timings, base, problems)


def bench_baseline(grid: int, scale: float, problems: list[str]) -> tuple[list[Row], str]:
    game = model.load(BASELINE)
    p0, p1 = (game.parameters[name] for name in BATCH_PARAMETERS)
    g0, g1 = np.meshgrid(np.linspace(p0.low, p0.high, grid), np.linspace(p1.low, p1.high, grid))
    A, B = game.matrices_batch({p0.name: g0.ravel(), p1.name: g1.ravel()})
    N = A.shape[0]
    start = time.perf_counter()
    batch = model.solve_batch(A, B)
    per_game = (time.perf_counter() - start) / N
    base = Timing("this project, solve_batch", [per_game] * N)
    base.found = [[e.strategies for e in r.equilibria] for r in batch]
    games = list(zip(A, B, strict=True))
    timings = [base]
    one = time_each("this project, auto", games[: BATCH_LIMITS["one by one"]])
    one.solver = "this project, auto, one by one"
    timings.append(one)
    for name, key in BATCH_KEY.items():
        count = int(BATCH_LIMITS[key] * scale)
        if count < 1:
            continue
        timings.append(time_each(name, games[:count]))
    m, n = game.shape
    methods = sorted({r.method for r in batch})
    what = (
        f"baseline {m}x{n}, {grid}x{grid} grid of {BATCH_PARAMETERS[0]} and "
        f"{BATCH_PARAMETERS[1]} over their ranges ({N} games; methods used: {', '.join(methods)})"
    )
    return compare_rows(f"baseline batch ({N} games)", timings, base, problems), what


def bench_pure(total: int, rng: np.random.Generator) -> float:
    """8x8 games per second through pure_equilibria_batch, in chunks of PURE_CHUNK."""
    chunks = max(1, total // PURE_CHUNK)
    A = rng.normal(size=(PURE_CHUNK, 8, 8))
    B = rng.normal(size=(PURE_CHUNK, 8, 8))
    elapsed = 0.0
    for _ in range(chunks):
        start = time.perf_counter()
        pure_equilibria_batch(A, B)
        elapsed += time.perf_counter() - start
        A += rng.normal(size=(PURE_CHUNK, 8, 8))  # new games, generated outside the timing
        B += rng.normal(size=(PURE_CHUNK, 8, 8))
    return chunks * PURE_CHUNK / elapsed


# ----------------------------------------------------------------------------- output
def table(rows: list[Row]) -> list[str]:
    out = [
        "| workload | solver | games | ms per game | peer / ours | sets agree |",
        "| --- | --- | ---: | ---: | ---: | --- |",
    ]
    for r in rows:
        ratio = "-" if r.ratio is None else f"{r.ratio:,.1f}"
        out.append(f"| {r.workload} | {r.solver} | {r.games} | {r.ms:,.3f} | {ratio} | {r.agree} |")
    return out


def targets(rows: list[Row]) -> list[str]:
    out = []
    goals = (("gambit enummixed (float)", 20), ("quantecon support_enumeration", 2))
    for size in (8, 10):
        for peer, goal in goals:
            workload = f"random {size}x{size}"
            r = next((r for r in rows if r.workload == workload and r.solver == peer), None)
            if r is not None and r.ratio is not None:
                verdict = "met" if r.ratio >= goal else "NOT met"
                out.append(
                    f"- {size}x{size}: {peer} takes {r.ratio:,.1f} times our time "
                    f"(target {goal}x): {verdict}"
                )
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--games", type=int, default=None, help=f"random games per size ({GAMES})")
    ap.add_argument("--quick", action="store_true", help="few games, for a smoke test")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    games = int(args.games or (QUICK["games"] if args.quick else GAMES))
    grid = int(QUICK["grid"] if args.quick else BATCH_GRID)
    pure_total = int(QUICK["pure"] if args.quick else PURE_GAMES)
    scale = float(QUICK["scale"]) if args.quick else 1.0

    rng = np.random.default_rng(args.seed)
    warm_up()
    problems: list[str] = []
    rows: list[Row] = []
    for size in SIZES:
        rows += bench_random(size, random_games(rng, size, games), scale, problems)
        print(f"random {size}x{size} done", file=sys.stderr)
    batch_rows, batch_what = bench_baseline(grid, scale, problems)
    rows += batch_rows
    rate = bench_pure(pure_total, rng)

    given = argv if argv is not None else sys.argv[1:]
    command = " ".join(["python experiments/bench_solvers.py", *given])
    packages = ", ".join(
        f"{p} {version(p)}" for p in ("numpy", "numba", "nashpy", "pygambit", "quantecon")
    )
    lines = [
        "# Solver benchmark",
        "",
        f"Command: `{command.strip()}` (seed {args.seed}). Python {platform.python_version()}, "
        f"{packages}; {platform.machine()}, {_cores()} cores. Timing is wall-clock on a shared "
        "machine: compare ratios within this run, not across runs.",
        "",
        f"Random games: standard normal payoffs, {games} per size, the same games for every "
        f"solver (slow solvers take the first ones). Baseline batch: {batch_what}. "
        "`peer / ours` is the peer's time per game over this project's (method auto; for the "
        "batch, `solve_batch`) on the same games. Sets agree when the counts match and every "
        f"equilibrium is matched within {ATOL:g}.",
        "",
        *table(rows),
        "",
        "Targets:",
        "",
        *targets(rows),
        "",
        f"Pure equilibria: `pure_equilibria_batch` on 8x8 games, chunks of {PURE_CHUNK:,}: "
        f"{rate:,.0f} games per second ({pure_total:,} games; target 1,000,000): "
        f"{'met' if rate >= 1e6 else 'NOT met'}.",
        "",
        "Disagreements: " + ("none." if not problems else ""),
        *(f"- {p}" for p in problems),
        "",
    ]
    text = "\n".join(lines)
    print(text)
    atomic_write(args.out / "bench_solvers.md", text)
    return 0


def _cores() -> int:
    import os

    return os.cpu_count() or 1


if __name__ == "__main__":
    raise SystemExit(main())
