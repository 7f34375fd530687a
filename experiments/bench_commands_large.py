"""Benchmark of the commands that do not find equilibria on games that chips make large:
``bargain`` (feasible set, disagreement points, solutions, --leverage), ``sequential``
(pure and mixed commitment), ``credibility`` and ``simulate``, at 48 x 48, 144 x 108 and
480 x 480 actions, against an older revision of the package.

Usage: python experiments/bench_commands_large.py [--old REV] [--cap SECONDS]
       [--sizes 48,144,480] [--only NAME,...] [--out DIR]

Games. Two kinds at each size:

* ``chips``: the baseline file (payoffs/baseline.yaml) with extra chips for both players,
  each with its own payoff terms and terms shared with a chip of the other side (random
  numbers drawn with a fixed seed), written to a temporary payoff file: payoffs are sums of
  per-chip terms, as a user who adds chips gets. 48 x 48 adds two 2-level chips a side,
  144 x 108 a 3- and a 4-level chip to the US and two 3-level chips to China, 480 x 480 a
  2-, a 4- and a 5-level chip a side.
* ``random``: payoff matrices of independent uniform numbers (seed 0), the hardest case for
  the linear programmes (no structure for the solver to use).

Each measurement runs in a fresh process (this script's hidden ``--worker`` mode) with the
package of this tree or of the revision ``--old`` (default: the revision before this work;
its ``model`` directory is extracted with ``git archive``), and prints its seconds; the old
one is stopped after ``--cap`` seconds (default 60), setting up included (the frontier
that threats and solutions start from is built from the undominated profiles alone, by the
package's ``pareto_frontier``). Pairwise Pareto code is not run on
more than 20,000 profiles (it would need P^2 bytes of memory). The commands that need the
simultaneous game's equilibria (``sequential``, ``credibility``, ``simulate``) get them
from a stand-in that returns the pure equilibria found from best replies, since finding all
equilibria of these games is not what is measured here; ``bargain`` uses
``--disagreement maxmin``, which needs none.

Prints a table of seconds per function (new, old, old / new) and writes
DIR/bench_commands_large.md (default experiments/results).
"""

from __future__ import annotations

import argparse
import importlib
import itertools
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]
OLD_REV = "7f6d2ed245614271a1bc1b2ffe76c4d87c2d6d32"

#: Extra chips (levels of each) per player and size: the baseline is 12 x 12.
EXTRA = {
    48: ([2, 2], [2, 2]),
    144: ([3, 4], [3, 3]),
    480: ([2, 4, 5], [2, 4, 5]),
}
SHAPES = {48: (48, 48), 144: (144, 108), 480: (480, 480)}

#: Functions measured: name -> (what it runs, the kinds of game it runs on).
FUNCTIONS = {
    "pareto_optimal_profiles": "model.solvers.pareto_optimal_profiles(A, B)",
    "pareto_batch": "model.solvers.batch.pareto_batch(A[None], B[None], 1e-9)",
    "feasible_set": "model.negotiation.bargaining.feasible.feasible_set(A, B)",
    "maxmin_point": "model.negotiation.bargaining.disagreement.maxmin_point(A, B)",
    "variable_threats": "model.negotiation.bargaining.threats.variable_threats(A, B, frontier)",
    "nash/ks/egalitarian/rubinstein": "the four solutions from the maxmin point",
    "pure_commitment": "stackelberg.pure_commitment(A, B), the row player leading",
    "mixed_commitment": "model.negotiation.stackelberg.mixed_commitment(A, B), leader-best",
    "mixed_commitment weak": "model.negotiation.stackelberg.mixed_commitment(A, B), follower-worst",
    "credibility, every deal profile": "repeated.credibility for each profile of 'deal'"
                                       " (minmax, 2 periods, a cost of 0.5)",
    "leverage bargain": "leverage bargain FILE --disagreement maxmin",
    "leverage bargain --leverage": "... --leverage us_re_dependence --points 3",
    "leverage sequential": "leverage sequential FILE --leader US",
    "leverage credibility": "leverage credibility FILE --deal deal --punishment minmax",
    "leverage simulate": "leverage simulate FILE --periods 5",
}
MATRIX_ONLY = {"pareto_optimal_profiles", "pareto_batch", "feasible_set", "maxmin_point",
               "variable_threats", "nash/ks/egalitarian/rubinstein", "pure_commitment",
               "mixed_commitment", "mixed_commitment weak"}
PAIRWISE_PARETO_LIMIT = 20_000


# ---------------------------------------------------------------------------- games
def chip_file(path: Path, row_levels: list[int], col_levels: list[int], seed: int = 0) -> None:
    """The baseline payoff file with extra chips: each level above the first gives its owner
    and the other side a payoff, and some pairs of an extra chip and a chip of the other side
    give both a payoff together."""
    rng = np.random.default_rng(seed)
    doc = yaml.safe_load((ROOT / "payoffs/baseline.yaml").read_text())
    doc["title"] = f"{doc['title']} with extra chips"
    players = doc["players"]
    for p, levels in ((0, row_levels), (1, col_levels)):
        for c, k in enumerate(levels):
            name = f"extra_{'us' if p == 0 else 'cn'}_{c}"
            players[p]["chips"][name] = {
                "description": f"An extra chip with {k} levels.",
                "levels": [f"level{x}" for x in range(k)],
                "status_quo": "level0",
            }
    terms = doc["payoffs"]
    owners = [pl["name"] for pl in players]
    for p, levels in ((0, row_levels), (1, col_levels)):
        me, other = owners[p], owners[1 - p]
        other_chips = list(players[1 - p]["chips"].items())
        for c, k in enumerate(levels):
            name = f"extra_{'us' if p == 0 else 'cn'}_{c}"
            for x in range(1, k):
                level = f"level{x}"
                for who, scale in ((me, 1.0), (other, 1.5)):
                    terms[who].append({"name": f"{name}_{level}_{who}", "when": {name: level},
                                       "value": f"{rng.normal() * scale:.4f}"})
                chip, info = other_chips[int(rng.integers(len(other_chips)))]
                their = info["levels"][int(rng.integers(len(info["levels"])))]
                for who in (me, other):
                    terms[who].append({"name": f"{name}_{level}_{chip}_{who}",
                                       "when": {name: level, chip: their},
                                       "value": f"{rng.normal() * 2:.4f}"})
    path.write_text(yaml.safe_dump(doc, sort_keys=False))


def random_game(size: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    m, n = SHAPES[size]
    rng = np.random.default_rng(seed)
    return rng.random((m, n)), rng.random((m, n))


# ---------------------------------------------------------------------------- the worker
def _stand_in_solve(model: Any) -> Callable[..., Any]:
    """``solve`` replaced by the pure equilibria found from best replies (the first profile
    if there is none), in the result type of the package at hand."""
    from model.solvers.results import Equilibrium, SolveResult

    def solve(A: Any, B: Any, tol: float = 1e-9, **_: Any) -> Any:
        A = np.asarray(A, dtype=float)
        B = np.asarray(B, dtype=float)
        eq = (A >= A.max(axis=0) - 1e-9 * np.abs(A).max()) & (
            B >= B.max(axis=1, keepdims=True) - 1e-9 * np.abs(B).max())
        pure = [tuple(map(int, p)) for p in np.argwhere(eq)] or [(0, 0)]
        eqs = []
        for i, j in pure:
            x = np.zeros(A.shape[0])
            y = np.zeros(A.shape[1])
            x[i] = y[j] = 1.0
            eqs.append(Equilibrium((x, y), (float(A[i, j]), float(B[i, j])), ((i,), (j,)),
                                   True, (0.0, 0.0)))
        return SolveResult("stand-in", tol, False, A.shape, tuple(eqs),
                           tuple((k,) for k in range(len(eqs))), False, "", tuple(pure), (),
                           (A, B))

    return solve


def worker(src: str, name: str, kind: str, size: int, file: str) -> float:
    sys.path.insert(0, src)
    import model
    import model.negotiation.bargaining.disagreement
    import model.negotiation.bargaining.feasible
    import model.negotiation.bargaining.solutions
    import model.negotiation.bargaining.threats
    import model.negotiation.repeated
    import model.negotiation.stackelberg
    import model.solvers.batch
    from model.cli.main import main

    assert Path(model.__file__).resolve().is_relative_to(Path(src).resolve())
    if kind == "random":
        A, B = random_game(size)
    else:
        game = model.load(file)
        A, B = game.matrices()
    bg = model.negotiation.bargaining
    setup: dict[str, Any] = {}
    if name in ("variable_threats", "nash/ks/egalitarian/rubinstein"):
        # the frontier from the undominated profiles only, so that the old code's feasible
        # set (timed on its own) does not count here
        a, b = A.ravel(), B.ravel()
        order = np.lexsort((-b, -a))
        ahead = np.maximum.accumulate(np.r_[-np.inf, b[order][:-1]])
        keep = order[b[order] > ahead]
        setup["frontier"] = bg.feasible.pareto_frontier(np.stack([a[keep], b[keep]], axis=1))
        setup["d"] = bg.disagreement.maxmin_point(A, B)[0]
    if name.startswith("leverage ") or name.startswith("credibility"):
        stand_in = _stand_in_solve(model)
        import model.cli.credibility as cc
        import model.cli.sequential as cs
        import model.dynamics.simulate as dyn

        cs.solve = cc.solve = dyn.solve = stand_in  # type: ignore[attr-defined]
        setup["stand_in"] = stand_in
    if name == "credibility, every deal profile":
        game = model.load(file)
        mask = next(o.mask for o in game.outcomes if o.name == "deal")
        setup["profiles"] = [(int(i), int(j)) for i, j in np.argwhere(mask)]
        setup["sim"] = setup["stand_in"](A, B)
    quiet = ["--out", os.devnull]

    def run() -> Any:
        if name == "pareto_optimal_profiles":
            return model.solvers.pareto_optimal_profiles(A, B)
        if name == "pareto_batch":
            return model.solvers.batch.pareto_batch(A[None], B[None], 1e-9)
        if name == "feasible_set":
            return bg.feasible.feasible_set(A, B)
        if name == "maxmin_point":
            return bg.disagreement.maxmin_point(A, B)
        if name == "variable_threats":
            return bg.threats.variable_threats(A, B, setup["frontier"])
        if name == "nash/ks/egalitarian/rubinstein":
            f, d = setup["frontier"], setup["d"]
            bg.solutions.nash_solution(f, d)
            bg.solutions.kalai_smorodinsky_solution(f, d)
            bg.solutions.egalitarian_solution(f, d)
            rub = importlib.import_module("model.negotiation.bargaining.rubinstein")
            return rub.rubinstein(f, d, (0.99, 0.99))
        if name == "pure_commitment":
            return model.negotiation.stackelberg.pure_commitment(A, B)
        if name == "mixed_commitment":
            return model.negotiation.stackelberg.mixed_commitment(A, B)
        if name == "mixed_commitment weak":
            return model.negotiation.stackelberg.mixed_commitment(A, B, tie_break="follower-worst")
        if name == "credibility, every deal profile":
            pun = "minmax"
            if hasattr(model.negotiation.repeated, "credibility_profiles"):
                return model.negotiation.repeated.credibility_profiles(
                    A, B, setup["profiles"], punishment=pun, discount=0.9, length=2,
                    cost=0.5, simultaneous=setup["sim"])
            return [model.negotiation.repeated.credibility(A, B, p, punishment=pun, discount=0.9,
                                               length=2, cost=0.5,
                                               simultaneous=setup["sim"])
                    for p in setup["profiles"]]
        if name == "leverage bargain":
            return main(["bargain", file, "--disagreement", "maxmin", *quiet])
        if name == "leverage bargain --leverage":
            return main(["bargain", file, "--disagreement", "maxmin", "--leverage",
                         "us_re_dependence", "--points", "3", *quiet])
        if name == "leverage sequential":
            return main(["sequential", file, "--leader", "US", *quiet])
        if name == "leverage credibility":
            return main(["credibility", file, "--deal", "deal", "--punishment", "minmax",
                         *quiet])
        if name == "leverage simulate":
            return main(["simulate", file, "--periods", "5", *quiet])
        raise SystemExit(f"unknown function {name!r}")

    if name in ("pareto_batch",):
        model.solvers.batch.pareto_batch(A[None, :2, :2], B[None, :2, :2], 1e-9)  # compile
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


# ---------------------------------------------------------------------------- the driver
def measure(src: Path, name: str, kind: str, size: int, file: Path, cap: float
            ) -> float | str:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", str(src), name, kind,
           str(size), str(file)]
    env = {**os.environ, "PYTHONPATH": str(src)}
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=cap, env=env,
                              cwd=str(ROOT))
    except subprocess.TimeoutExpired:
        return f"> {cap:g}"
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["failed"])[-1]
        return f"error: {last[:80]}"
    return float(json.loads(proc.stdout.strip().splitlines()[-1])["seconds"])


def old_tree(rev: str, where: Path) -> Path:
    where.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "model"],
                             capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(where)], input=archive.stdout, check=True)
    return where


def _cell(v: float | str) -> str:
    return f"{v:.3f}" if isinstance(v, float) else v


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--old", default=OLD_REV, help="revision to compare with")
    ap.add_argument("--cap", type=float, default=60.0, help="seconds allowed to the old code")
    ap.add_argument("--sizes", default="48,144,480")
    ap.add_argument("--only", default=None, help="comma-separated function names")
    ap.add_argument("--no-old", action="store_true", help="time this tree only")
    ap.add_argument("--out", default=str(ROOT / "experiments/results"))
    ap.add_argument("--worker", nargs=5, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        src, name, kind, size, file = args.worker
        print(json.dumps({"seconds": worker(src, name, kind, int(size), file)}))
        return 0
    sizes = [int(s) for s in args.sizes.split(",")]
    names = list(FUNCTIONS) if args.only is None else args.only.split(",")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        old = None if args.no_old else old_tree(args.old, tmpdir / "old")
        for size in sizes:
            file = tmpdir / f"chips_{size}.yaml"
            chip_file(file, *EXTRA[size])
            for name, kind in itertools.product(names, ("chips", "random")):
                if kind == "random" and name not in MATRIX_ONLY:
                    continue
                new = measure(ROOT, name, kind, size, file, 10 * args.cap)
                m, n = SHAPES[size]
                if old is None:
                    was: float | str = "-"
                elif name.startswith("pareto") and m * n > PAIRWISE_PARETO_LIMIT:
                    was = "not run (P^2 memory)" if name == "pareto_optimal_profiles" else (
                        measure(old, name, kind, size, file, args.cap))
                else:
                    was = measure(old, name, kind, size, file, args.cap)
                ratio = (f"{was / new:.1f}x" if isinstance(was, float) and isinstance(new, float)
                         and new > 0 else "")
                row = [f"{m}x{n}", kind, name, _cell(new), _cell(was), ratio]
                rows.append(row)
                print("  ".join(row), flush=True)
    header = ["size", "game", "function", "new (s)", "old (s)", "old / new"]
    lines = ["# Commands on large games", "",
             f"Seconds per call, each in a fresh process; old: revision {args.old[:10]}, "
             f"stopped after {args.cap:g} s. Generated by "
             "`python experiments/bench_commands_large.py`.", "",
             "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "bench_commands_large.md").write_text("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
