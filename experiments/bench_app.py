"""Time the teaching app's redraw after a slider move on the baseline (target: 300 ms).

Runs the page headless with Streamlit's own tester (streamlit.testing.v1.AppTest), moves the
``us_re_dependence`` slider to a new value each time (so no solve comes from the cache), and
times the script's rerun: the solve, the matrix table and every widget of the page.

    python experiments/bench_app.py [--moves 30] [--view "Matrix and equilibria"]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
TARGET_S = 0.300


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--moves", type=int, default=30)
    ap.add_argument("--view", default="Matrix and equilibria")
    ap.add_argument("--parameter", default="us_re_dependence")
    args = ap.parse_args()
    os.environ["LEVERAGE_APP_FILE"] = str(ROOT / "payoffs" / "baseline.yaml")
    at = AppTest.from_file(str(ROOT / "model" / "app" / "main.py"), default_timeout=120)
    at.run()
    at.radio(key="view").set_value(args.view).run()
    (key,) = [s.key for s in at.slider if s.key.endswith(f":{args.parameter}")]
    lo, hi = at.slider(key=key).min, at.slider(key=key).max
    times = []
    for k in range(args.moves):
        value = round(lo + (hi - lo) * (k + 0.5) / args.moves, 3)
        start = time.perf_counter()
        at.slider(key=key).set_value(value).run()
        times.append(time.perf_counter() - start)
        assert not at.exception, [e.value for e in at.exception]
    med = statistics.median(times)
    print(f"view {args.view!r}: {args.moves} slider moves of {args.parameter}, each a new value")
    print(f"redraw median {med * 1000:.0f} ms (min {min(times) * 1000:.0f}, max "
          f"{max(times) * 1000:.0f}); {med / TARGET_S:.2f} x the 300 ms target")


if __name__ == "__main__":
    main()
