"""Edge cases of the sensitivity commands: ties that only float noise breaks, checkpoints in
directories that hold other files, tipping points that fall on a solved point, and bad input
to tipping and to the Python API."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import model
from model.errors import UsageError
from model.sensitivity import solve_matrices, sweep, tipping_points

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "payoffs" / "baseline.yaml"
HAWK_DOVE = ROOT / "payoffs" / "textbook" / "hawk_dove.yaml"

TWO_BY_TWO = """\
title: {title}
description: A two-by-two game for a test.
sources:
  j: "judgement"
players:
  - name: Row
    chips: {{r: {{description: Row's move, levels: [up, down]}}}}
  - name: Column
    chips: {{c: {{description: Column's move, levels: [left, right]}}}}
parameters:
{parameters}
matrices:
  Row:
    - [{a00}, {a01}]
    - [{a10}, {a11}]
  Column:
    - [{b00}, {b01}]
    - [{b10}, {b11}]
outcomes:
  one_takes_all:
    description: the players differ
    when: [{{r: up, c: right}}, {{r: down, c: left}}]
  same:
    description: the players match
    when: [{{r: up, c: left}}, {{r: down, c: right}}]
"""


def _param(name: str, value: float, low: float, high: float) -> str:
    return (f"  {name}: {{value: {value}, unit: utils, source: j, description: {name}, "
            f"range: [{low}, {high}]}}")


def _game(tmp_path: Path, name: str, **cells: str) -> Path:
    params = cells.pop("parameters")
    path = tmp_path / f"{name}.yaml"
    path.write_text(TWO_BY_TWO.format(title=name, parameters=params, **cells))
    return path


def _leverage(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "model", *args], capture_output=True,
                          text=True)


# ---------------------------------------------------------------------------- ties
def test_a_tie_left_by_float_noise_after_dominance_is_still_a_tie() -> None:
    """Right strictly dominates for Column; Row's payoffs against it are 0 and
    0.1 + 0.2 - 0.3 (5.6e-17 in floating point, 0 in exact arithmetic): both rows are best
    replies, and (up, right)-(down, right) is a segment of equilibria, as ``solve`` says.
    Scaled to what dominance leaves (largest payoff 5.6e-17), the noise would look strict."""
    A = np.array([[[1.0, 0.0], [0.0, 0.1 + 0.2 - 0.3]]])
    B = np.array([[[0.0, 1.0], [0.0, 1.0]]])
    s = solve_matrices(A, B)
    r = model.solve(A[0], B[0])
    assert s.counts.tolist() == [len(r.equilibria)] == [2]
    assert s.continuum.tolist() == [True]


def test_sweep_of_a_game_tied_across_its_whole_range(tmp_path: Path) -> None:
    path = _game(tmp_path, "noise", parameters=_param("a", 0.1, 0, 1) + "\n"
                 + _param("b", 0.2, 0, 1), a00="1", a01="0", a10="0",
                 a11="a + b - (a + b)", b00="0", b01="1", b10="0", b11="1")
    game = model.load(path)
    df = sweep(game, {"a": (0.05, 0.95, 7)}, workers=1)
    assert df["n_equilibria"].tolist() == [2] * 7
    assert df["continuum"].all()


# ---------------------------------------------------------------------------- checkpoints
def test_a_checkpoint_directory_keeps_files_it_did_not_write(tmp_path: Path) -> None:
    ck = tmp_path / "ck"
    ck.mkdir()
    mine = [ck / "chunk-mydata.npz", ck / "chunk-7.npz", ck / "notes.txt"]
    for f in mine:
        f.write_text("the user's own")
    r = _leverage("sweep", str(HAWK_DOVE), "--vary", "C=1:10:50", "--chunk", "10",
                  "--workers", "1", "--checkpoint", str(ck), "--out", str(tmp_path / "o.csv"))
    assert r.returncode == 0, r.stderr
    assert all(f.read_text() == "the user's own" for f in mine)
    assert sorted(p.name for p in ck.iterdir()) == sorted(f.name for f in mine)


def test_bad_checkpoint_paths_are_one_line_errors(tmp_path: Path) -> None:
    afile = tmp_path / "afile"
    afile.write_text("x")
    r = _leverage("sweep", str(HAWK_DOVE), "--vary", "C=1:10:5", "--checkpoint", str(afile),
                  "--out", str(tmp_path / "o.csv"))
    assert r.returncode == 2 and "checkpoint directory" in r.stderr, r.stderr
    assert "Traceback" not in r.stderr
    ck = tmp_path / "ck"
    ck.mkdir()
    (ck / "leverage-checkpoint.json").write_text("not json")
    r = _leverage("sweep", str(HAWK_DOVE), "--vary", "C=1:10:5", "--checkpoint", str(ck),
                  "--resume", "--out", str(tmp_path / "o.csv"))
    assert r.returncode == 2 and "is not a checkpoint this program wrote" in r.stderr
    assert "Traceback" not in r.stderr


# ---------------------------------------------------------------------------- tipping
def test_a_change_on_a_solved_point_is_one_tipping_point() -> None:
    """V from 0.5 to 8.5: the first grid (64 intervals of 0.125) has V = 4 = C as a point,
    where the game is degenerate; the change into it and out of it is one tipping point."""
    r = tipping_points(model.load(HAWK_DOVE), "V", 0.5, 8.5)
    (t,) = r.tipping_points
    assert t.value == 4.0
    assert {d.outcome for d in t.after} == {"fight"}


def test_a_knife_edge_is_one_tipping_point_that_says_so(tmp_path: Path) -> None:
    """Row is indifferent everywhere; Column's left pays -(a - 1)^2, below right's 0 except
    at a = 1, where Column too is indifferent: the game is degenerate there alone, and on
    both sides the equilibria (Row anything against right) are the same."""
    path = _game(tmp_path, "edge", parameters=_param("a", 0.5, 0, 2) + "\n"
                 + _param("z", 1, 0, 2), a00="0", a01="0", a10="0", a11="0",
                 b00="-(a - 1)**2", b01="0", b10="-(a - 1)**2", b11="0")
    r = tipping_points(model.load(path), "a", 0, 2)
    (t,) = r.tipping_points
    assert t.value == 1.0
    assert "alone the game is degenerate" in t.sentence
    assert "on both sides the equilibria are the same" in t.sentence


def test_two_equilibria_with_one_outcome_are_told_apart(tmp_path: Path) -> None:
    """Hawk-dove (hawk = up, left) with a value W for Column: above W = C = 4 Column's hawk
    beats dove against a hawk, so of the two 'one takes all' equilibria (hawk, dove) goes,
    with the mixed one, and (dove, hawk) stays."""
    path = _game(tmp_path, "asym", parameters=_param("W", 2, 0.5, 10) + "\n"
                 + _param("C", 4, 0.5, 20), a00="(2 - C) / 2", a01="2", a10="0", a11="1",
                 b00="(W - C) / 2", b01="0", b10="W", b11="W / 2")
    r = tipping_points(model.load(path), "W")
    (t,) = r.tipping_points
    assert "(Row: up; Column: right)" in t.sentence  # hawk against dove goes
    assert "(Row: down; Column: left)" not in t.sentence  # dove against hawk stays
    assert "a mixed equilibrium" in t.sentence
    assert "(3 equilibria before, 1 after)" in t.sentence


@pytest.mark.parametrize("args, words", [
    (["--vary", "spiral=0:2:5"], "the points are chosen by bisection"),
    (["--vary", "spiral=0.1:2:log"], "searched on a linear scale"),
    (["--vary", "spiral", "--tol", "5"], "must be smaller than the range"),
    (["--vary", "spiral", "--tol", "1e-20"], "finer than floating point can locate"),
    (["--vary", "spirl"], "unknown parameter 'spirl'; did you mean 'spiral'"),
])
def test_bad_tipping_input_exits_2(args: list[str], words: str) -> None:
    r = _leverage("tipping", str(BASELINE), *args)
    assert r.returncode == 2 and words in r.stderr, r.stderr
    assert "spirl=0:0" not in r.stderr


def test_a_file_without_parameters_says_so(tmp_path: Path) -> None:
    nfg = ROOT / "tests" / "data" / "games" / "nfg" / "contrib_games_2x2.nfg"
    for path in (nfg, ROOT / "payoffs" / "textbook" / "chicken.yaml"):
        r = _leverage("sweep", str(path), "--vary", "x=0:1:3", "--out", str(tmp_path / "o.csv"))
        assert r.returncode == 2 and "has no parameters to vary" in r.stderr, r.stderr


# ---------------------------------------------------------------------------- the API
@pytest.mark.parametrize("vary, words", [
    ({"V": (1, 3, 2.7)}, "must be a whole number"),
    ({"V": (1, 3, 3.0)}, "must be a whole number"),
    ({"V": [1.0, float("nan")]}, "values must be finite"),
    ({"V": [3.0, 1.0]}, "values must increase"),
])
def test_api_refuses_bad_axes(vary: dict, words: str) -> None:
    with pytest.raises(UsageError, match=words):
        sweep(model.load(HAWK_DOVE), vary, workers=1)
