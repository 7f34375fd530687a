"""Sweep benchmark: cost per point of the sweep engine as grids grow, its peak memory, its
answers and speed against pygambit and nashpy on the same points, and tipping points
against a grid of the same resolution.

Usage: python experiments/bench_sweep.py [--big] [--seed 0] [--sample 200]
       [--nashpy-sample 100] [--repeats 3] [--quick] [--out DIR]

1. Size. The baseline game (payoffs/baseline.yaml) over a grid of three of its parameters
   (GRID_PARAMETERS, each over its declared range), all equilibria at every point, of 10^3,
   10^4 and 10^5 points (and 10^6 with --big), run as a user runs it:
   ``sweep_to_file(game, grid, Setting(), out)`` writing .csv and .parquet, with the default
   local engine (every core) and with ``workers=1``; and the solving alone,
   ``solve_source``, both ways. Each figure is the best of --repeats runs (one at 10^6),
   the sizes in turn in each round, after a warm-up that loads the compiled kernel. The
   cost is linear when the time per point stays flat: the ratio of the largest size's time
   per point to the smallest's.
2. Memory. Each size in a fresh child process (this script's hidden ``--one N`` mode)
   running ``sweep_to_file`` with the default engine; this process polls the child's process
   tree (the child and its worker processes) with psutil and keeps the peak of the summed
   RSS and of the summed PSS (PSS shares pages that forked workers hold in common, so it
   does not count them twice), and the peak RSS of each process of the tree (the engine's
   workers start from a server process, which is in the tree too).
3. Peers. --sample points drawn with --seed from the 10^4 grid, each point's matrices from
   ``game.matrices_batch``: pygambit's ``enummixed_solve(rational=False)`` and nashpy's
   ``vertex_enumeration`` (on the first --nashpy-sample of them: it is slow on 12x12) in a
   loop, against ``solve_matrices`` on the same points. The sets of equilibria must be
   the same (counts, then strategies within 1e-6) at every point; the script exits with 1
   if any differs.
4. Tipping points. ``model.sensitivity.tipping.tipping_points`` on a few parameters (default
   tolerance), its number of solves against the points of an even grid of the same
   resolution, which is also solved to check that it finds the same changes.

Prints the tables and writes DIR/bench_sweep.md and DIR/bench_sweep.json.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import model  # noqa: E402
from model.game import Game  # noqa: E402
from model.io import atomic_write  # noqa: E402
from model.report.sweep_file import sweep_to_file  # noqa: E402
from model.sensitivity import table  # noqa: E402
from model.sensitivity.engine import Setting, chunk_size_for  # noqa: E402
from model.sensitivity.grid import Grid, make_axis  # noqa: E402
from model.sensitivity.points import PointSolutions, solve_matrices  # noqa: E402
from model.sensitivity.sweeps import solve_source  # noqa: E402

try:
    from model.sensitivity import tipping
except ImportError:  # the module is optional for this benchmark
    tipping = None  # type: ignore[assignment]

# ----------------------------------------------------------------------------- settings
BASELINE = ROOT / "payoffs" / "baseline.yaml"
GRID_PARAMETERS = ("us_security_weight", "us_re_dependence", "years_cn_eda_substitution")
SHAPES = {  # points -> points per axis, in the order of GRID_PARAMETERS
    100: (4, 5, 5),
    1_000: (10, 10, 10),
    10_000: (20, 25, 20),
    100_000: (50, 40, 50),
    1_000_000: (100, 100, 100),
}
SIZES = (1_000, 10_000, 100_000)
BIG = 1_000_000
SAMPLE_FROM = 10_000  # the grid the peers' sample is drawn from
SAMPLE = 200  # points for pygambit (--sample)
NASHPY_SAMPLE = 100  # of those, points for nashpy (--nashpy-sample)
REPEATS = 3  # best of, below BIG
TIPPING_PARAMETERS = ("us_security_weight", "us_re_dependence", "years_cn_eda_substitution",
                      "spiral", "patience", "cn_security_weight")
TIPPING_TARGET = 20  # grid points per tipping solve, at least
PEER_TARGET = 100  # pygambit time over ours, at least
FLAT_LIMIT = 1.5  # largest size's time per point over the smallest's, at most
MEMORY_TARGET = 1 << 30  # bytes, at BIG points
POLL = 0.02  # seconds between samples of the child's memory
ATOL = 1e-6  # strategies agree when no probability differs by more
QUICK = {"sizes": (100, 1_000), "sample_from": 1_000, "sample": 10, "nashpy": 2,
         "tipping": ("us_security_weight",)}
OUT = ROOT / "experiments" / "results"
FORMATS = (".csv", ".parquet")
RUNS = (  # key, label, what is timed
    ("csv_all", "sweep_to_file .csv, all cores"),
    ("csv_1", "sweep_to_file .csv, workers=1"),
    ("parquet_all", "sweep_to_file .parquet, all cores"),
    ("parquet_1", "sweep_to_file .parquet, workers=1"),
    ("solve_all", "solve_source, all cores"),
    ("solve_1", "solve_source, workers=1"),
)
MIB = 1 << 20

Profile = tuple[np.ndarray, np.ndarray]


def make_grid(game: Game, points: int) -> Grid:
    shape = SHAPES[points]
    return Grid(tuple(
        make_axis(game, name, game.parameters[name].low, game.parameters[name].high, k)
        for name, k in zip(GRID_PARAMETERS, shape, strict=True)
    ))


def chunks_of(game: Game, points: int) -> int:
    return math.ceil(points / chunk_size_for(game))


def cores() -> int:
    return os.cpu_count() or 1


# ----------------------------------------------------------------------------- 1. size
def time_run(game: Game, grid: Grid, key: str, work: Path) -> float:
    """Seconds of one run of ``key`` (see RUNS) on ``grid``."""
    what, cores_ = key.split("_")
    workers = 1 if cores_ == "1" else None
    start = time.perf_counter()
    if what == "solve":
        solve_source(game, grid, Setting(), workers=workers, progress=False)
    else:
        sweep_to_file(game, grid, Setting(), work / f"sweep-{grid.size}.{what}",
                      workers=workers, progress=False)
    return time.perf_counter() - start


def time_sizes(game: Game, sizes: list[int], repeats: int,
               work: Path) -> tuple[dict[int, dict[str, float]], dict[int, list[float]]]:
    """Best of ``repeats`` seconds per size and run (one run at BIG points and above), the
    sizes taken in turn in each round so that a busy spell of the machine weighs on all of
    them; and the 1-minute load averages seen around each size's runs."""
    best: dict[int, dict[str, float]] = {n: {} for n in sizes}
    load: dict[int, list[float]] = {n: [] for n in sizes}
    for r in range(repeats):
        for n in sizes:
            if r and n >= BIG:
                continue
            grid = make_grid(game, n)
            load[n].append(os.getloadavg()[0])
            for key, _ in RUNS:
                t = time_run(game, grid, key, work)
                best[n][key] = min(t, best[n].get(key, math.inf))
                print(f"  round {r + 1}, {n:,} points, {key}: {t:.3f} s", file=sys.stderr)
            load[n].append(os.getloadavg()[0])
            for fmt in FORMATS:
                remove_output(work / f"sweep-{n}{fmt}")
    return best, load


def remove_output(target: Path) -> None:
    """Delete a table sweep_to_file wrote, and its provenance."""
    for p in (target, Path(str(target) + ".provenance.json")):
        p.unlink(missing_ok=True)


def warm_up(game: Game, work: Path) -> None:
    """Load the compiled kernel (numba cache) in this process, so forked workers have it."""
    grid = make_grid(game, 100)
    solve_source(game, grid, Setting(), workers=1, progress=False)
    for fmt in FORMATS:
        target = work / f"warm{fmt}"
        sweep_to_file(game, grid, Setting(), target, workers=1, progress=False)
        remove_output(target)


def linear_fit(sizes: list[int], seconds: list[float]) -> tuple[float, float]:
    """(fixed seconds, seconds per point) of a least-squares line through the runs."""
    if len(sizes) < 2:
        return 0.0, seconds[0] / sizes[0]
    slope, intercept = np.polyfit(np.array(sizes, float), np.array(seconds, float), 1)
    return float(intercept), float(slope)


# ----------------------------------------------------------------------------- 2. memory
def one(points: int, fmt: str, workdir: Path) -> int:
    """The hidden --one mode: one sweep to a file in this fresh process; prints JSON."""
    game = model.load(BASELINE)
    grid = make_grid(game, points)
    target = workdir / f"one-{points}{fmt}"
    start = time.perf_counter()
    sweep_to_file(game, grid, Setting(), target, progress=False)
    seconds = time.perf_counter() - start
    size = target.stat().st_size
    remove_output(target)
    print(json.dumps({"points": points, "format": fmt, "seconds": seconds, "bytes": size,
                      "self_maxrss": own_peak()}))
    return 0


def own_peak() -> int:
    """Peak RSS of this process image in bytes: VmHWM, which exec starts afresh (ru_maxrss
    of RUSAGE_SELF keeps the peak of the process that was replaced, here a copy of the
    benchmark's own process)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def watch(points: int, fmt: str, workdir: Path) -> dict[str, Any]:
    """Run --one in a child process and poll its process tree's memory until it ends."""
    import psutil

    cmd = [sys.executable, str(Path(__file__).resolve()), "--one", str(points),
           "--format", fmt, "--workdir", str(workdir)]
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        child = subprocess.Popen(cmd, stdout=out, stderr=err, text=True)
        root = psutil.Process(child.pid)
        peak_rss = peak_pss = 0
        per_process: dict[int, int] = {}
        most = 0
        samples = 0
        while child.poll() is None:
            try:
                tree = [root, *root.children(recursive=True)]
            except psutil.NoSuchProcess:
                break
            rss = pss = 0
            alive = 0
            for p in tree:
                try:
                    one = p.memory_info().rss
                    rss += one
                    pss += p.memory_full_info().pss
                    per_process[p.pid] = max(per_process.get(p.pid, 0), one)
                    alive += 1
                except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
                    continue
            peak_rss = max(peak_rss, rss)
            peak_pss = max(peak_pss, pss)
            most = max(most, alive)
            samples += 1
            time.sleep(POLL)
        child.wait()
        out.seek(0)
        err.seek(0)
        text, errors = out.read(), err.read()
    if child.returncode != 0:
        raise RuntimeError(f"--one {points} {fmt} failed ({child.returncode}):\n{errors}")
    report = json.loads(text.strip().splitlines()[-1])
    chunks = chunks_of(model.load(BASELINE), points)
    workers = 0 if chunks <= 1 else min(cores(), chunks)
    report.update({
        "peak_rss_sum": peak_rss,
        "peak_pss_sum": peak_pss,
        "processes": most,
        "samples": samples,
        "workers": workers,
        "largest_other": max((v for k, v in per_process.items() if k != child.pid),
                             default=0),
    })
    return report


# ----------------------------------------------------------------------------- 3. peers
def gambit_solve(A: np.ndarray, B: np.ndarray) -> list[Profile]:
    import pygambit

    game = pygambit.Game.from_arrays(A, B)
    result = pygambit.nash.enummixed_solve(game, rational=False)
    row, col = list(game.players)
    return [
        (np.array([float(eq[s]) for s in row.strategies]),
         np.array([float(eq[s]) for s in col.strategies]))
        for eq in result.equilibria
    ]


def nashpy_solve(A: np.ndarray, B: np.ndarray) -> list[Profile]:
    import nashpy

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return [(np.asarray(x, float), np.asarray(y, float))
                for x, y in nashpy.Game(A, B).vertex_enumeration()]


PEERS: dict[str, Callable[[np.ndarray, np.ndarray], list[Profile]]] = {
    "pygambit enummixed_solve (float)": gambit_solve,
    "nashpy vertex_enumeration": nashpy_solve,
}


def disagreement(ours: list[Profile], theirs: list[Profile]) -> str | None:
    """None when the sets agree: the same count, and each of ours matched by one of theirs
    with no probability more than ATOL apart."""
    if len(ours) != len(theirs):
        return f"{len(theirs)} equilibria against our {len(ours)}"
    left = list(theirs)
    for x, y in ours:
        hit = next(
            (k for k, (u, v) in enumerate(left)
             if u.shape == x.shape and v.shape == y.shape
             and max(np.abs(u - x).max(), np.abs(v - y).max()) <= ATOL),
            None,
        )
        if hit is None:
            return f"ours x={np.round(x, 4).tolist()} y={np.round(y, 4).tolist()} unmatched"
        left.pop(hit)
    return None


def sample_points(game: Game, points: int, count: int,
                  seed: int) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    grid = make_grid(game, points)
    rng = np.random.default_rng(seed)
    idx = np.sort(rng.choice(grid.size, size=min(count, grid.size), replace=False))
    every = grid.points(0, grid.size)
    return idx, {name: values[idx] for name, values in every.items()}


def bench_peers(game: Game, points: int, sample: int, nashpy_sample: int, seed: int,
                problems: list[str]) -> dict[str, Any]:
    idx, params = sample_points(game, points, sample, seed)
    A, B = game.matrices_batch(params)
    N = A.shape[0]
    solve_matrices(A[:2], B[:2])  # warm
    start = time.perf_counter()
    sol = solve_matrices(A, B)
    ours_seconds = time.perf_counter() - start
    ours = [[(x, y) for x, y, _ in sol.of(k)] for k in range(N)]
    rows = []
    for name, solve in PEERS.items():
        count = N if name.startswith("pygambit") else min(N, nashpy_sample)
        if count < 1:
            continue
        solve(A[0], B[0])  # imports outside the timing
        seconds = 0.0
        bad = 0
        for k in range(count):
            t0 = time.perf_counter()
            found = solve(A[k], B[k])
            seconds += time.perf_counter() - t0
            why = disagreement(ours[k], found)
            if why is not None:
                bad += 1
                at = ", ".join(f"{n}={v[k]:.6g}" for n, v in params.items())
                problems.append(f"{name}, point {int(idx[k])} ({at}): {why}")
        rows.append({"peer": name, "points": count, "seconds_per_point": seconds / count,
                     "disagreements": bad})
    return {
        "grid_points": points,
        "sample": N,
        "seed": seed,
        "equilibria_per_point": np.bincount(sol.counts).tolist(),
        "ours_same_points_seconds_per_point": ours_seconds / N,
        "peers": rows,
    }


# ----------------------------------------------------------------------------- 4. tipping
def signatures(game: Game, sol: PointSolutions) -> list[tuple[tuple[int, int, int], ...]]:
    """Per point, its equilibria by outcome and supports (what tipping points follow)."""
    codes = table.outcome_codes(game, sol)
    bx = (sol.xs > 0) @ (1 << np.arange(sol.xs.shape[1], dtype=np.int64))
    by = (sol.ys > 0) @ (1 << np.arange(sol.ys.shape[1], dtype=np.int64))
    out: list[list[tuple[int, int, int]]] = [[] for _ in range(len(sol))]
    for e, k in enumerate(sol.owner.tolist()):
        out[k].append((int(codes[e]), int(bx[e]), int(by[e])))
    return [tuple(sorted(s)) for s in out]


def bench_tipping(game: Game, names: tuple[str, ...]) -> list[dict[str, Any]] | None:
    if tipping is None:
        return None
    rows = []
    for name in names:
        start = time.perf_counter()
        res = tipping.tipping_points(game, name)
        t_seconds = time.perf_counter() - start
        grid_n = res.grid_solves()
        lo, hi = res.range
        values = np.linspace(lo, hi, grid_n)
        start = time.perf_counter()
        A, B = game.matrices_batch({name: values})
        sol = solve_matrices(A, B)
        g_seconds = time.perf_counter() - start
        sig = signatures(game, sol)
        changes = [(float(values[k]), float(values[k + 1])) for k in range(grid_n - 1)
                   if sig[k] != sig[k + 1]]
        brackets = [(t.low, t.high) for t in res.tipping_points]

        def meets(a: tuple[float, float], b: tuple[float, float]) -> bool:
            return a[0] <= b[1] and b[0] <= a[1]

        missed = sum(not any(meets(c, b) for b in brackets) for c in changes)
        extra = sum(not any(meets(c, b) for c in changes) for b in brackets)
        rows.append({
            "parameter": name, "range": [lo, hi], "tol": res.tol,
            "tipping_points": len(brackets), "values": [t.value for t in res.tipping_points],
            "solves": res.solves, "grid_points": grid_n, "ratio": grid_n / res.solves,
            "tipping_seconds": t_seconds, "grid_seconds": g_seconds,
            "grid_changes": len(changes), "grid_changes_missed": missed,
            "tipping_points_not_on_grid": extra,
        })
        print(f"  tipping {name}: {res.solves} solves, grid {grid_n}", file=sys.stderr)
    return rows


# ----------------------------------------------------------------------------- output
def us(seconds: float, points: int) -> float:
    return 1e6 * seconds / points


def size_table(sizes: list[int], timing: dict[int, dict[str, float]],
               load: dict[int, list[float]], game: Game) -> list[str]:
    head = ("| points | grid | chunks | load | " + " | ".join(label for _, label in RUNS)
            + " |")
    out = [head, "| ---: | --- | ---: | --- |" + " ---: |" * len(RUNS)]
    for n in sizes:
        cells = " | ".join(f"{us(timing[n][k], n):,.2f}" for k, _ in RUNS)
        shape = "x".join(str(s) for s in SHAPES[n])
        seen = f"{min(load[n]):.1f}-{max(load[n]):.1f}"
        out.append(f"| {n:,} | {shape} | {chunks_of(game, n)} | {seen} | {cells} |")
    lo, hi = sizes[0], sizes[-1]
    ratios = " | ".join(
        f"{(timing[hi][k] / hi) / (timing[lo][k] / lo):.2f}" for k, _ in RUNS)
    out.append(f"| largest / smallest | | | | {ratios} |")
    if len(sizes) > 2:
        nx = sizes[-2]
        ratios = " | ".join(
            f"{(timing[hi][k] / hi) / (timing[nx][k] / nx):.2f}" for k, _ in RUNS)
        out.append(f"| largest / next | | | | {ratios} |")
    fits = [linear_fit(sizes, [timing[n][k] for n in sizes]) for k, _ in RUNS]
    out.append("| fit: fixed ms + us/pt | | | | " + " | ".join(
        f"{1e3 * a:,.0f} + {1e6 * b:,.2f}" for a, b in fits) + " |")
    return out


def memory_table(rows: list[dict[str, Any]]) -> list[str]:
    out = [
        "| points | format | workers | seconds (fresh process) | peak sum RSS MiB "
        "| peak sum PSS MiB | processes | peak main MiB | largest other process MiB |",
        "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        out.append(
            f"| {r['points']:,} | {r['format']} | {r['workers']} | {r['seconds']:.2f} "
            f"| {r['peak_rss_sum'] / MIB:,.0f} | {r['peak_pss_sum'] / MIB:,.0f} "
            f"| {r['processes']} | {r['self_maxrss'] / MIB:,.0f} "
            f"| {r['largest_other'] / MIB:,.0f} |"
        )
    return out


def peer_table(peers: dict[str, Any], ours: dict[str, float]) -> list[str]:
    same = peers["ours_same_points_seconds_per_point"]
    out = [
        "| solver | points | ms per point | / ours, same points | / ours, 1 core "
        "| / ours, all cores | / ours, end to end | sets agree |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
        f"| this project, solve_matrices | {peers['sample']} | {1e3 * same:,.4f} | - | - | - "
        "| - | - |",
    ]
    for r in peers["peers"]:
        t = r["seconds_per_point"]
        agree = f"all {r['points']}" if not r["disagreements"] else \
            f"{r['points'] - r['disagreements']}/{r['points']}"
        out.append(
            f"| {r['peer']} | {r['points']} | {1e3 * t:,.3f} | {t / same:,.0f} "
            f"| {t / ours['solve_1']:,.0f} | {t / ours['solve_all']:,.0f} "
            f"| {t / ours['csv_all']:,.0f} | {agree} |"
        )
    return out


def tipping_table(rows: list[dict[str, Any]]) -> list[str]:
    out = [
        "| parameter | range | tol | tipping points | solves | grid points, same resolution "
        "| grid / tipping | tipping s | grid s | changes on the grid | missed | not on grid |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        out.append(
            f"| {r['parameter']} | [{r['range'][0]:g}, {r['range'][1]:g}] | {r['tol']:.3g} "
            f"| {r['tipping_points']} | {r['solves']} | {r['grid_points']:,} "
            f"| {r['ratio']:,.1f} | {r['tipping_seconds']:.3f} | {r['grid_seconds']:.3f} "
            f"| {r['grid_changes']} | {r['grid_changes_missed']} "
            f"| {r['tipping_points_not_on_grid']} |"
        )
    return out


def _version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "absent"


def machine() -> dict[str, Any]:
    return {
        "cpu_count": cores(),
        "machine": platform.machine(),
        "python": platform.python_version(),
        **{p: _version(p) for p in ("numpy", "numba", "pandas", "pyarrow", "pygambit",
                                    "nashpy", "psutil")},
    }


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


# ----------------------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--big", action="store_true", help="add a grid of 10^6 points")
    ap.add_argument("--seed", type=int, default=0, help="seed of the peers' sample")
    ap.add_argument("--sample", type=int, default=None,
                    help=f"points for pygambit ({SAMPLE})")
    ap.add_argument("--nashpy-sample", type=int, default=None,
                    help=f"of those, points for nashpy ({NASHPY_SAMPLE})")
    ap.add_argument("--repeats", type=int, default=None,
                    help=f"runs per figure, the best kept ({REPEATS}; one at 10^6)")
    ap.add_argument("--quick", action="store_true", help="tiny sizes, for a smoke test")
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--one", type=int, default=None, help=argparse.SUPPRESS)
    ap.add_argument("--format", default=".csv", choices=FORMATS, help=argparse.SUPPRESS)
    ap.add_argument("--workdir", type=Path, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.one is not None:
        return one(args.one, args.format, args.workdir or Path(tempfile.gettempdir()))

    sizes = list(QUICK["sizes"] if args.quick else SIZES)
    if args.big and not args.quick:
        sizes.append(BIG)
    sample_from = int(QUICK["sample_from"] if args.quick else SAMPLE_FROM)
    sample = int(args.sample if args.sample is not None else
                 (QUICK["sample"] if args.quick else SAMPLE))
    nashpy_sample = int(args.nashpy_sample if args.nashpy_sample is not None else
                        (QUICK["nashpy"] if args.quick else NASHPY_SAMPLE))
    repeats = int(args.repeats or (1 if args.quick else REPEATS))
    tipping_names = tuple(QUICK["tipping"] if args.quick else TIPPING_PARAMETERS)

    game = model.load(BASELINE)
    problems: list[str] = []
    with tempfile.TemporaryDirectory(prefix="bench_sweep.") as tmp:
        work = Path(tmp)
        warm_up(game, work)
        timing, load = time_sizes(game, sizes, repeats, work)
        memory = []
        for n in sizes:
            for fmt in FORMATS:
                memory.append(watch(n, fmt, work))
                print(f"  memory {n:,} {fmt}: "
                      f"{memory[-1]['peak_rss_sum'] / MIB:,.0f} MiB", file=sys.stderr)
    peers = bench_peers(game, sample_from, sample, nashpy_sample, args.seed, problems)
    tips = bench_tipping(game, tipping_names)

    # ---- verdicts
    lo, hi = sizes[0], sizes[-1]
    flat = {k: (timing[hi][k] / hi) / (timing[lo][k] / lo) for k, _ in RUNS}
    ours = {k: timing[hi][k] / hi for k, _ in RUNS}
    gambit = next(r for r in peers["peers"] if r["peer"].startswith("pygambit"))
    gambit_1 = gambit["seconds_per_point"] / ours["solve_1"]
    gambit_all = gambit["seconds_per_point"] / ours["solve_all"]
    top = [r for r in memory if r["points"] == hi]
    worst = max(r["peak_rss_sum"] for r in top)
    worst_pss = max(r["peak_pss_sum"] for r in top)
    targets = [
        f"- Linear cost: time per point at {hi:,} points over that at {lo:,}, at most "
        f"{FLAT_LIMIT:g}: " + ", ".join(f"{k} {v:.2f}" for k, v in flat.items()) + ": "
        + verdict(all(v <= FLAT_LIMIT for v in flat.values())) + ".",
        f"- Memory under 1 GiB at {BIG:,} points: largest peak sum RSS at {hi:,} points "
        f"{worst / MIB:,.0f} MiB (PSS {worst_pss / MIB:,.0f} MiB): "
        + (verdict(worst < MEMORY_TARGET) if hi >= BIG else "not measured without --big")
        + ".",
        f"- pygambit at least {PEER_TARGET}x our time: {gambit_1:,.0f}x with one core, "
        f"{gambit_all:,.0f}x with all cores: "
        + verdict(min(gambit_1, gambit_all) >= PEER_TARGET) + ".",
    ]
    if tips is None:
        targets.append("- tipping: model.sensitivity.tipping not available.")
    else:
        least = min(r["ratio"] for r in tips)
        targets.append(
            f"- Tipping points at least {TIPPING_TARGET}x fewer solves than a grid of the "
            f"same resolution: at least {least:,.1f}x: {verdict(least >= TIPPING_TARGET)}.")

    given = argv if argv is not None else sys.argv[1:]
    command = " ".join(["python experiments/bench_sweep.py", *given]).strip()
    info = machine()
    chunk = chunk_size_for(game)
    m, n_ = game.shape
    lines = [
        "# Sweep benchmark",
        "",
        f"Command: `{command}`. Python {info['python']}, "
        + ", ".join(f"{p} {info[p]}" for p in ("numpy", "numba", "pandas", "pyarrow",
                                                 "pygambit", "nashpy", "psutil"))
        + f"; {info['machine']}, {info['cpu_count']} cores. Timing is wall-clock on a shared "
        "machine: compare ratios within this run, not across runs.",
        "",
        "## Cost per point",
        "",
        f"The baseline game ({m}x{n_}) over an even grid of {', '.join(GRID_PARAMETERS)}, each "
        "over its declared range, every equilibrium at every point, through "
        "`sweep_to_file(game, grid, Setting(), out)` (the table written to .csv or .parquet "
        "through a checkpoint directory) and `solve_source` (the solving alone, in memory). "
        f"Microseconds per point, best of {repeats} runs (one at {BIG:,}) after a warm-up, the "
        "sizes taken in turn in each round; 'load': the machine's 1-minute load average seen "
        "around each size's runs (every process on the machine counts, this one's too). "
        f"The engine cuts a grid into chunks of {chunk:,} points and solves a single chunk in "
        "the calling process, so 'all cores' uses more than one only from "
        f"{chunk + 1:,} points on. The last rows: the time per point of the largest size over "
        "the smallest's and over the next size's (flat is linear; below 1, fixed costs spread "
        "over more points), and a least-squares line through the runs (fixed cost, then cost "
        "per point).",
        "",
        *size_table(sizes, timing, load, game),
        "",
        "## Peak memory",
        "",
        "Each size in a fresh process running `sweep_to_file` with the default engine (every "
        f"core); its process tree (the process and its workers) polled every {POLL:g} s with "
        "psutil. Peak sum RSS: the largest sum of the tree's resident sets at one poll (it "
        "counts pages that forked workers share with their parent once per process, so it "
        "overstates); peak sum PSS: the same with proportional set sizes (shared pages "
        "divided among the processes sharing them, including processes outside the tree that "
        "map the same libraries, so it understates a little). Peak main: the exact peak RSS "
        "of the main process (VmHWM); largest other process: the highest RSS polled of any "
        "other process of the tree (a worker, the server the workers start from, or the "
        "resource tracker of multiprocessing).",
        "",
        *memory_table(memory),
        "",
        "## Against pygambit and nashpy",
        "",
        f"{peers['sample']} points drawn with seed {peers['seed']} from the "
        f"{peers['grid_points']:,}-point grid (equilibria per point: "
        + ", ".join(f"{c} at {k}" for k, c in enumerate(peers["equilibria_per_point"]) if c)
        + "); nashpy on the first "
        f"{min(nashpy_sample, peers['sample'])} of them. Each point's matrices from "
        "`game.matrices_batch`, built outside the peers' timing; each peer called once per "
        "point. Ours on the same points: `solve_matrices` on the sample, one call, one core. "
        f"'1 core' and 'all cores': `solve_source` per point on the {hi:,}-point grid "
        "(workers=1; every core); 'end to end': `sweep_to_file` to .csv with every core, "
        f"per point, on that grid. Sets agree when the counts match and every equilibrium is "
        f"matched within {ATOL:g}.",
        "",
        *peer_table(peers, ours),
        "",
        "## Tipping points",
        "",
    ]
    if tips is None:
        lines.append("tipping: model.sensitivity.tipping not available")
    else:
        lines += [
            "`tipping_points(game, name)` (its default tolerance, a ten-thousandth of the "
            "range) on each parameter: the points it solved, against the (high - low) / tol + 1 "
            "points of an even grid locating changes as finely. That grid is solved too: "
            "'changes on the grid' counts neighbours whose equilibria differ (by outcome and "
            "supports), 'missed' those no tipping point brackets, 'not on grid' tipping points "
            "with no change on the grid there.",
            "",
            *tipping_table(tips),
        ]
    lines += [
        "",
        "## Targets",
        "",
        *targets,
        "",
        "Disagreements: " + ("none." if not problems else f"{len(problems)}."),
        *(f"- {p}" for p in problems),
        "",
    ]
    text = "\n".join(lines)
    print(text)
    result = {
        "command": command,
        "machine": info,
        "grid_parameters": list(GRID_PARAMETERS),
        "chunk_points": chunk,
        "repeats": repeats,
        "sizes": [
            {"points": n, "shape": list(SHAPES[n]), "chunks": chunks_of(game, n),
             "seconds": timing[n], "load_average_1min": load[n],
             "us_per_point": {k: us(v, n) for k, v in timing[n].items()}}
            for n in sizes
        ],
        "flatness_largest_over_smallest": flat,
        "memory": memory,
        "peers": peers,
        "peer_ratios": {"pygambit_over_ours_1_core": gambit_1,
                        "pygambit_over_ours_all_cores": gambit_all},
        "tipping": tips,
        "disagreements": problems,
    }
    atomic_write(args.out / "bench_sweep.md", text)
    atomic_write(args.out / "bench_sweep.json", json.dumps(result, indent=2) + "\n")
    if problems:
        print(f"{len(problems)} disagreement(s) with the peers", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
