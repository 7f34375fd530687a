"""Every command on the ladder of grown games (payoffs/chips_*.yaml), timed as a user runs it.

Each command runs as its own process (``python -m model ...``); the table gives its wall-clock
seconds and the peak resident memory of its process tree (the process and its workers, polled
every 20 ms with psutil), its exit status and, on failure, the first line it printed on stderr.
A second table compares a sweep of the 48 x 48 rung with the same sweep of the baseline, both
measured in this run.

    python experiments/bench_chips.py            # every rung and command (about 5 minutes)
    python experiments/bench_chips.py --quick    # the 48 x 48 and 480 x 480 rungs only

Writes experiments/results/bench_chips.md and .json.
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "experiments" / "results"

COMMANDS = {
    "solve": ["solve", "{file}"],
    "solve --json": ["solve", "{file}", "--json"],
    "solve --exact": ["solve", "{file}", "--exact"],
    "bargain": ["bargain", "{file}"],
    "sequential": ["sequential", "{file}", "--leader", "US"],
    "credibility": ["credibility", "{file}", "--deal", "deal"],
    "simulate": ["simulate", "{file}", "--periods", "5"],
    "sweep 1,000": ["sweep", "{file}", "--vary", "us_re_dependence=0.5:0.95:40",
                    "--vary", "spiral=0:2:25", "--out", "{tmp}/sweep.parquet"],
    "tipping": ["tipping", "{file}", "--vary", "us_re_dependence"],
    "map 20 x 20": ["map", "{file}", "--vary", "us_re_dependence=0.5:0.95:20",
                    "--vary", "spiral=0:2:20", "--out", "{tmp}/map.png"],
    "robustness 2,000": ["robustness", "{file}", "--samples", "2000", "--seed", "1"],
}


def run(args: list[str], limit: float) -> dict:
    """Seconds, peak MiB of the process tree, exit status and first stderr line of a command."""
    with tempfile.TemporaryDirectory() as tmp:
        argv = [sys.executable, "-m", "model", *(a.replace("{tmp}", tmp) for a in args)]
        start = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True)
        ps = psutil.Process(proc.pid)
        peak = 0
        status = None
        while status is None:
            try:
                rss = ps.memory_info().rss
                for child in ps.children(recursive=True):
                    try:
                        rss += child.memory_info().rss
                    except psutil.Error:
                        pass
                peak = max(peak, rss)
            except psutil.Error:
                pass
            if time.perf_counter() - start > limit:
                for child in ps.children(recursive=True):
                    child.kill()
                proc.kill()
                proc.wait()
                return {"seconds": limit, "peak_mib": peak / 2**20, "status": "timeout",
                        "error": f"still running after {limit:g} s"}
            status = proc.poll()
            time.sleep(0.02)
        seconds = time.perf_counter() - start
        err = proc.stderr.read() if proc.stderr else ""
    first = next((line for line in err.splitlines() if line.startswith("leverage")), "")
    return {"seconds": seconds, "peak_mib": peak / 2**20, "status": status, "error": first}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="the 48 x 48 and 480 x 480 rungs only")
    ap.add_argument("--limit", type=float, default=120.0, help="seconds per command (120)")
    ap.add_argument("--commands", nargs="*", default=list(COMMANDS), help="which commands")
    ap.add_argument("--sweep-points", type=int, default=100_000,
                    help="points of the sweep comparison (100,000)")
    args = ap.parse_args()
    files = sorted((ROOT / "payoffs").glob("chips_*.yaml"),
                   key=lambda p: [int(v) for v in re.findall(r"\d+", p.stem)])
    if args.quick:
        files = [f for f in files if f.stem in ("chips_48x48", "chips_480x480")]
    rows = []
    for f in files:
        rel = f.relative_to(ROOT).as_posix()
        size = f.stem.removeprefix("chips_").replace("x", " x ")
        for name in args.commands:
            r = run([a.replace("{file}", rel) for a in COMMANDS[name]], args.limit)
            r.update(size=size, file=rel, command=name)
            rows.append(r)
            print(f"{size:>9}  {name:<17} {r['seconds']:7.2f} s {r['peak_mib']:7.0f} MiB  "
                  f"{r['status']} {r['error']}", flush=True)
    # the sweep comparison: the same grid on the baseline and on the 48 x 48 rung
    side = round(args.sweep_points ** 0.5)
    grid = ["--vary", f"us_re_dependence=0.5:0.95:{side}", "--vary", f"spiral=0:2:{side}"]
    compare = {}
    for label, path in (("baseline 12 x 12", "payoffs/baseline.yaml"),
                        ("chips 48 x 48", "payoffs/chips_48x48.yaml")):
        r = run(["sweep", path, *grid, "--out", "{tmp}/s.parquet"], 20 * args.limit)
        compare[label] = r
        print(f"sweep of {side * side:,} points, {label}: {r['seconds']:.1f} s, "
              f"{r['peak_mib']:.0f} MiB, status {r['status']}", flush=True)
    ratio = compare["chips 48 x 48"]["seconds"] / compare["baseline 12 x 12"]["seconds"]
    write(rows, compare, ratio, side * side)
    return 0


def write(rows: list[dict], compare: dict, ratio: float, points: int) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    machine = (f"{platform.machine()}, {psutil.cpu_count()} cores, "
               f"Python {platform.python_version()}")
    lines = [
        "# Every command on the ladder of grown games",
        "",
        f"`python experiments/bench_chips.py` on {machine}. Each command is its own process "
        "(start-up and loading included); peak MiB is the resident memory of its process tree.",
        "",
        "| size | command | seconds | peak MiB | status |",
        "|---|---|---|---|---|",
    ]
    for r in rows:
        status = "ok" if r["status"] == 0 else f"{r['status']}: {r['error']}"
        lines.append(f"| {r['size']} | {r['command']} | {r['seconds']:.2f} | "
                     f"{r['peak_mib']:.0f} | {status} |")
    lines += ["", f"Sweep of {points:,} points (two cores), measured in the same run:", "",
              "| game | seconds | peak MiB |", "|---|---|---|"]
    for label, r in compare.items():
        lines.append(f"| {label} | {r['seconds']:.1f} | {r['peak_mib']:.0f} |")
    lines += ["", f"The 48 x 48 sweep takes {ratio:.2f} times the baseline's.", ""]
    (RESULTS / "bench_chips.md").write_text("\n".join(lines))
    (RESULTS / "bench_chips.json").write_text(json.dumps(
        {"rows": rows, "sweep": compare, "ratio": ratio, "points": points}, indent=2) + "\n")


if __name__ == "__main__":
    raise SystemExit(main())
