"""The ladder of games a user gets by adding chips to the baseline (payoffs/chips_*.yaml, each
extending the one below): every file loads at the size its name says, and every command answers
on it, honestly."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import model
from model.solvers.equilibria import solve

ROOT = Path(__file__).resolve().parents[1]
LADDER = sorted((ROOT / "payoffs").glob("chips_*.yaml"))


def _shape(path: Path) -> tuple[int, int]:
    m = re.search(r"chips_(\d+)x(\d+)\.yaml$", path.name)
    assert m, path
    return int(m.group(1)), int(m.group(2))


def test_the_ladder_reaches_six_or_seven_chips_a_side() -> None:
    shapes = [_shape(p) for p in LADDER]
    assert (24, 24) in shapes and (480, 480) in shapes
    big = model.load(ROOT / "payoffs" / "chips_480x480.yaml")
    assert {len(p.chips) for p in big.players} == {7}


@pytest.mark.parametrize("path", LADDER, ids=lambda p: p.stem)
def test_every_rung_solves_completely_and_verified(path: Path) -> None:
    game = model.load(path)
    assert game.shape == _shape(path)
    A, B = game.matrices()
    r = solve(A, B, chips=game.chip_layout)
    assert r.complete and r.structure is not None
    assert r.guarantee.startswith("all equilibria")
    for e in r.equilibria:
        x, y = e.strategies
        assert (A @ y).max() - x @ A @ y <= 1e-9 * np.abs(A).max()
        assert (x @ B).max() - x @ B @ y <= 1e-9 * np.abs(B).max()


def _run(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "model", *args], capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT)


def test_solve_json_on_the_largest_rung_says_it_is_complete() -> None:
    p = _run("solve", "payoffs/chips_480x480.yaml", "--json")
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert out["complete"] is True
    assert out["structure"]["separable"] is True
    assert len(out["payoffs"]["row"]) == 480


@pytest.mark.parametrize("command", [
    ["bargain"],
    ["sequential", "--leader", "US"],
    ["simulate", "--periods", "3"],
])
def test_the_negotiation_commands_answer_on_a_large_rung(command: list[str]) -> None:
    p = _run(command[0], "payoffs/chips_288x288.yaml", *command[1:])
    assert p.returncode == 0, p.stderr[-2000:]
    assert "Traceback" not in p.stderr


def test_a_sweep_of_the_largest_rung_goes_through(tmp_path: Path) -> None:
    out = tmp_path / "s.csv"
    p = _run("sweep", "payoffs/chips_480x480.yaml", "--vary", "us_re_dependence=0.5:0.95:12",
             "--out", str(out), "--workers", "1")
    assert p.returncode == 0, p.stderr[-2000:]
    import pandas as pd

    df = pd.read_csv(out)
    assert len(df) == 12 and df["complete"].all()
    assert (df["n_equilibria"] >= 1).all()
