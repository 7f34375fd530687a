"""The lessons run top to bottom as scripts (as ``python lessons/X.py``) and print their
answers."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest
from optional import missing

ROOT = Path(__file__).resolve().parents[1]
LESSONS = sorted((ROOT / "lessons").glob("[0-9][0-9]_*.py"))

# lesson -> what it must print (its claims and its exercise's answer)
PRINTS = {
    "01_best_replies_and_nash.py": [
        "Pure equilibria by hand: [('defect', 'defect')]",
        "The solver: [('mutual_defection', (1.0, 1.0))]",
        "Matching pennies, pure equilibria by hand: []",
        "Answer: pure equilibria [('stag', 'stag'), ('hare', 'hare')] ; all equilibria: 3",
    ],
    "02_dominance_and_the_baseline.py": [
        "The solver's elimination leaves the same 2 x 2 game",
        "Equilibrium: china_concedes",
        "Equilibrium: us_concedes",
        "Answer: equilibria ['trade_war']",
    ],
    "03_bargaining_and_the_deal.py": [
        "Disagreement point (china_concedes): US -5.45, China -2.21",
        "holds at 0.9: True",
        "Answer: the Nash bargain moves from US -1.25, China 0.94 to US -0.58, China 0.44",
        "Answer: it is then 1.00 (R12, C12) deal",
    ],
    "04_tipping_points.py": [
        "us_re_dependence 0.70: us_concedes + china_concedes + (mixed)",
        "us_re_dependence 0.75: us_concedes",
        "tipping point at 0.7500",
        "Answer: tipping points at 0.206, 0.464",
        "Answer: below the first, the only equilibrium is ['trade_war']",
    ],
}


def test_every_lesson_is_checked() -> None:
    assert 3 <= len(LESSONS) <= 4
    assert {p.name for p in LESSONS} == set(PRINTS)


@pytest.mark.parametrize("lesson", [p.name for p in LESSONS])
def test_the_lesson_runs_and_prints_its_answers(lesson: str) -> None:
    if importlib.util.find_spec("marimo") is None:
        print("SKIP: marimo is not installed (pip install -e '.[lessons]')")
        missing("marimo is not installed (pip install -e '.[lessons]')")
    env = {**os.environ, "COLUMNS": "100"}
    r = subprocess.run([sys.executable, f"lessons/{lesson}"], cwd=ROOT, capture_output=True,
                       text=True, timeout=300, env=env)
    assert r.returncode == 0, r.stderr[-3000:]
    for line in PRINTS[lesson]:
        assert line in r.stdout, f"{lesson} did not print {line!r}:\n{r.stdout}"
    assert "Answer:" in r.stdout
