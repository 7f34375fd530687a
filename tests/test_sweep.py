"""Sweeps: the compiled point solver against the single-game solver, sweeps against single
solves, tipping points against a fine grid, resume after a kill, Dask against local, and the
errors of bad --vary input."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import model
from model.errors import UsageError
from model.report.sweep_file import sweep_to_file
from model.sensitivity import Setting, solve_matrices, sweep, tipping_points
from model.sensitivity.grid import Grid, make_axis, parse_vary
from model.sensitivity.table import outcome_codes, outcome_names

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "payoffs" / "baseline.yaml"
HAWK_DOVE = ROOT / "payoffs" / "textbook" / "hawk_dove.yaml"
GAMES = json.loads((ROOT / "tests" / "data" / "games" / "known_equilibria.json").read_text())


def _frac(v: str) -> float:
    return float(Fraction(v))


def _set_of(xs: np.ndarray, ys: np.ndarray, digits: int = 7) -> list[tuple[tuple, tuple]]:
    return sorted(
        (tuple(np.round(x, digits) + 0.0), tuple(np.round(y, digits) + 0.0))
        for x, y in zip(xs, ys, strict=True)
    )


def _solve_set(A: np.ndarray, B: np.ndarray) -> list[tuple[tuple, tuple]]:
    r = model.solve(A, B)
    return _set_of(np.array([e.strategies[0] for e in r.equilibria]),
                   np.array([e.strategies[1] for e in r.equilibria]))


# ---------------------------------------------------------------------------- point solver
@pytest.mark.parametrize("g", GAMES["games"], ids=[g["name"] for g in GAMES["games"]])
def test_point_solver_matches_every_known_game(g: dict) -> None:
    """Source: tests/data/games/known_equilibria.json (Gambit enummixed in exact arithmetic,
    cross-checked against published lists), degenerate games included."""
    A = np.array([[_frac(v) for v in row] for row in g["A"]])
    B = np.array([[_frac(v) for v in row] for row in g["B"]])
    s = solve_matrices(A[None], B[None])
    want = sorted(
        (tuple(round(_frac(v), 7) + 0.0 for v in e[0] if True),
         tuple(round(_frac(v), 7) + 0.0 for v in e[1]))
        if isinstance(e, list) else
        (tuple(round(_frac(v), 7) + 0.0 for v in e["x"]),
         tuple(round(_frac(v), 7) + 0.0 for v in e["y"]))
        for e in g["equilibria"]
    )
    assert _set_of(s.xs, s.ys) == want
    assert s.counts.tolist() == [len(want)]


def test_point_solver_matches_solve_batch_on_random_games() -> None:
    rng = np.random.default_rng(11)
    for m, n in ((2, 2), (3, 3), (2, 5), (4, 4), (5, 5), (7, 6)):
        A = rng.normal(size=(40, m, n))
        B = rng.normal(size=(40, m, n))
        A[:10] = rng.integers(-2, 3, size=(10, m, n))  # ties: degenerate, mostly
        B[:10] = rng.integers(-2, 3, size=(10, m, n))
        s = solve_matrices(A, B)
        for k, r in enumerate(model.solve_batch(A, B)):
            e = np.flatnonzero(s.owner == k)
            want = _set_of(np.array([q.strategies[0] for q in r.equilibria]),
                           np.array([q.strategies[1] for q in r.equilibria]))
            assert _set_of(s.xs[e], s.ys[e]) == want, (m, n, k)
            for q in e:  # payoffs are x A y and x B y
                assert s.payoffs[q, 0] == pytest.approx(s.xs[q] @ A[k] @ s.ys[q])
                assert s.payoffs[q, 1] == pytest.approx(s.xs[q] @ B[k] @ s.ys[q])


@settings(max_examples=60, deadline=None)
@given(
    st.integers(1, 4), st.integers(1, 4), st.integers(0, 2**32 - 1),
    st.sampled_from([2, 3, 100]),
)
def test_point_solver_equals_solve_on_small_integer_games(m: int, n: int, seed: int,
                                                         values: int) -> None:
    """Few distinct payoffs make ties, so degenerate games, common."""
    rng = np.random.default_rng(seed)
    A = rng.integers(0, values, size=(m, n)).astype(float)
    B = rng.integers(0, values, size=(m, n)).astype(float)
    s = solve_matrices(A[None], B[None])
    assert _set_of(s.xs, s.ys) == _solve_set(A, B)


def test_a_continuum_of_equilibria_is_flagged() -> None:
    """At the tipping point of hawk-dove, V = C = 4, a fight pays (V - C) / 2 = 0, as much as
    yielding: hawk weakly dominates dove, and (hawk, any mix) and (any mix, hawk) are all
    equilibria, two segments whose extreme points are (H, H), (H, D) and (D, H)."""
    game = model.load(HAWK_DOVE)
    df = sweep(game, {"V": [2.0, 4.0, 6.0]}, workers=1)
    assert df["continuum"].tolist() == [False, True, False]
    assert df.loc[1, "n_equilibria"] == 3
    assert sorted(zip(df.loc[1, ["eq1_Row_actions", "eq2_Row_actions", "eq3_Row_actions"]],
                      df.loc[1, ["eq1_Column_actions", "eq2_Column_actions",
                                 "eq3_Column_actions"]], strict=True)) == [
        ("dove", "hawk"), ("hawk", "dove"), ("hawk", "hawk")]


def test_equilibria_come_in_a_fixed_order() -> None:
    A = np.array([[[2, 0], [0, 1]]], float)
    B = np.array([[[1, 0], [0, 2]]], float)
    s = solve_matrices(A, B)
    assert s.pure.tolist() == [True, True, False]
    assert s.xs[:2].argmax(axis=1).tolist() == [0, 1]


# ---------------------------------------------------------------------------- sweeps
def test_sweep_agrees_point_by_point_with_single_solves() -> None:
    game = model.load(BASELINE)
    df = sweep(game, {"us_re_dependence": (0.5, 0.95, 7),
                      "years_cn_eda_substitution": (3, 15, 6)},
               scenario="dec_2024", params={"us_security_weight": 1.2}, workers=1)
    assert len(df) == 42
    assert list(df.columns[:5]) == ["us_re_dependence", "years_cn_eda_substitution",
                                    "n_equilibria", "continuum", "outcomes"]
    for _, row in df.iterrows():
        params = {"us_re_dependence": row["us_re_dependence"],
                  "years_cn_eda_substitution": row["years_cn_eda_substitution"],
                  "us_security_weight": 1.2}
        A, B = game.matrices(params, "dec_2024")
        r = model.solve(A, B)
        assert row["n_equilibria"] == len(r.equilibria)
        assert row["continuum"] == any(len(c) > 1 for c in r.components)
        got = []
        for k in range(1, row["n_equilibria"] + 1):
            got.append((row[f"eq{k}_US_actions"], row[f"eq{k}_China_actions"],
                        round(row[f"eq{k}_US_payoff"], 6), round(row[f"eq{k}_China_payoff"], 6)))
        want = []
        rows, cols = game.actions
        for e in r.equilibria:
            x, y = e.strategies
            want.append(("; ".join(rows[i] for i in np.flatnonzero(x > 0)),
                         "; ".join(cols[j] for j in np.flatnonzero(y > 0)),
                         round(e.payoffs[0], 6), round(e.payoffs[1], 6)))
        assert sorted(got) == sorted(want)


def test_outcomes_of_mixed_equilibria() -> None:
    game = model.load(HAWK_DOVE)
    df = sweep(game, {"V": [2.0, 6.0]}, workers=1)
    assert df["n_equilibria"].tolist() == [3, 1]
    mixed = df.iloc[0]
    assert mixed["eq3_outcome"] == "(mixed)"
    assert mixed["eq3_Row_probs"] == "0.5; 0.5"  # V/C = 2/4: hawk with probability 1/2
    assert mixed["outcomes"] == "one_takes_all + (mixed)"
    assert pd.isna(df.iloc[1]["eq2_outcome"])


def test_sweep_file_csv_and_parquet_agree_and_carry_provenance(tmp_path: Path) -> None:
    game = model.load(BASELINE)
    grid = Grid((make_axis(game, "us_re_dependence", 0.5, 0.95, 9),
                 make_axis(game, "us_security_weight", 0, 3, 8)))
    setting = Setting("oct_2025", {}, 1e-9)
    done = sweep_to_file(game, grid, setting, tmp_path / "s.csv", workers=1, chunk=10)
    prov = done.provenance
    sweep_to_file(game, grid, setting, tmp_path / "s.parquet", workers=2, chunk=7)
    b = pd.read_parquet(tmp_path / "s.parquet")
    text = [c for c in b.columns if pd.api.types.is_string_dtype(b[c])]
    a = pd.read_csv(tmp_path / "s.csv", dtype={c: b[c].dtype for c in text})
    assert a.shape == b.shape == (72, a.shape[1])
    assert list(a.columns) == list(b.columns)
    pd.testing.assert_frame_equal(a, b, check_dtype=False, check_exact=False, rtol=1e-12)
    on_disk = json.loads((tmp_path / "s.csv.provenance.json").read_text())
    assert on_disk == prov
    assert prov["sha256"] == game.sha256 and prov["scenario"] == "oct_2025"
    assert prov["tol"] == 1e-9 and prov["points"] == 72
    import pyarrow.parquet as pq

    meta = pq.read_schema(tmp_path / "s.parquet").metadata[b"leverage"]
    assert json.loads(meta)["sha256"] == game.sha256
    assert not (tmp_path / "s.csv.partial").exists()
    assert done.outcome_sets == a["outcomes"].value_counts().to_dict()
    assert done.continuum == int(a["continuum"].sum()) and done.points == 72


def test_chunking_and_workers_do_not_change_the_file(tmp_path: Path) -> None:
    game = model.load(BASELINE)
    grid = Grid((make_axis(game, "us_re_dependence", 0.5, 0.95, 30),
                 make_axis(game, "years_cn_eda_substitution", 3, 15, 10)))
    setting = Setting(None, {}, 1e-9)
    sweep_to_file(game, grid, setting, tmp_path / "a.csv", workers=1)
    sweep_to_file(game, grid, setting, tmp_path / "b.csv", workers=2, chunk=17)
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    sweep_to_file(game, grid, setting, tmp_path / "c.csv", workers=2, chunk=1)
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "c.csv").read_bytes()


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 97), st.integers(0, 2**32 - 1))
def test_a_points_payoffs_do_not_depend_on_its_batch(size: int, seed: int) -> None:
    """The payoff matrices of a point are the same bits whether it is built alone, in a batch
    of any (odd) size or in the whole grid: the sweep's file cannot depend on the chunking."""
    game = model.load(BASELINE)
    rng = np.random.default_rng(seed)
    names = [n for n, p in game.parameters.items() if p.high > p.low][:4]
    full = {n: rng.uniform(game.parameters[n].low, game.parameters[n].high, 211) for n in names}
    A, B = game.matrices_batch(full)
    for start in range(0, 211, size):
        part = {n: v[start:start + size] for n, v in full.items()}
        a, b = game.matrices_batch(part)
        assert a.tobytes() == A[start:start + size].tobytes()
        assert b.tobytes() == B[start:start + size].tobytes()


# ---------------------------------------------------------------------------- tipping
def test_hawk_dove_tips_where_the_prize_equals_the_cost() -> None:
    """Maynard Smith (1982): hawk is an ESS, and (hawk, hawk) the unique equilibrium, once
    the value V exceeds the cost C; below, hawk is played with probability V/C."""
    game = model.load(HAWK_DOVE)
    r = tipping_points(game, "V", tol=1e-7)
    assert len(r.tipping_points) == 1
    t = r.tipping_points[0]
    assert t.low <= 4.0 <= t.high and t.high - t.low <= 1e-7
    assert "fight" in t.sentence and t.sentence.startswith("Above 4.0000000 V")
    assert {d.outcome for d in t.before} == {"one_takes_all", "(mixed)"}
    assert {d.outcome for d in t.after} == {"fight"}


@pytest.mark.parametrize("name", ["us_re_dependence", "us_security_weight",
                                  "years_cn_eda_substitution"])
def test_tipping_points_agree_with_a_fine_grid(name: str) -> None:
    game = model.load(BASELINE)
    info = game.parameters[name]
    tol = (info.high - info.low) * 1e-4
    r = tipping_points(game, name, tol=tol)
    grid = np.linspace(info.low, info.high, 4001)
    A, B = game.matrices_batch({name: grid})
    s = solve_matrices(A, B)
    codes = outcome_codes(game, s)
    sig = [tuple(sorted(
        (int(codes[e]), tuple(np.flatnonzero(s.xs[e])), tuple(np.flatnonzero(s.ys[e])))
        for e in np.flatnonzero(s.owner == k))) for k in range(len(grid))]
    changes = [k for k in range(len(grid) - 1) if sig[k] != sig[k + 1]]
    assert len(changes) == len(r.tipping_points)
    step = grid[1] - grid[0]
    for k, t in zip(changes, r.tipping_points, strict=True):
        assert grid[k] - tol <= t.value <= grid[k + 1] + tol
        assert t.high - t.low <= tol + step * 1e-9
    assert r.solves * 20 <= r.grid_solves()


def test_tipping_frame() -> None:
    r = tipping_points(model.load(HAWK_DOVE), "V", tol=1e-6)
    df = r.frame()
    assert df.shape[0] == 1
    assert df.loc[0, "before"] == "(mixed) + one_takes_all" and df.loc[0, "after"] == "fight"
    assert (df.loc[0, "n_before"], df.loc[0, "n_after"]) == (3, 1)


def test_tipping_json_contract() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "model", "tipping", str(HAWK_DOVE), "--vary", "V=1:8",
         "--tol", "1e-6", "--json"], capture_output=True, text=True, check=True)
    data = json.loads(out.stdout)
    assert data["parameter"] == "V" and data["range"] == [1.0, 8.0]
    (t,) = data["tipping_points"]
    assert set(t) >= {"value", "before", "after", "sentence"}
    assert abs(t["value"] - 4.0) <= 1e-6
    assert [e["outcome"] for e in t["after"]] == ["fight"]


# ---------------------------------------------------------------------------- command line
def _leverage(*args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "model", *args], capture_output=True,
                          text=True, **kw)


@pytest.mark.parametrize("vary, words", [
    ("us_re_dependance=0.5:0.9:5", "unknown parameter 'us_re_dependance'; did you mean "
                                   "'us_re_dependence'"),
    ("us_re_dependence=0.9:0.5:5", "LO must be below HI"),
    ("us_re_dependence=0.5:0.9:1", "N must be at least 2"),
    ("us_re_dependence=0.1:0.9:5", "outside the declared range"),
    ("us_re_dependence=0.5:0.9", "expected NAME=LO:HI:N"),
    ("us_re_dependence=0.5:x:5", "HI 'x' is not a number"),
    ("us_re_dependence=0.5:0.9:2.5", "N '2.5' is not a whole number"),
    ("us_re_dependence=0.5:inf:5", "HI must be finite"),
])
def test_bad_vary_exits_2_with_a_clear_message(tmp_path: Path, vary: str, words: str) -> None:
    r = _leverage("sweep", str(BASELINE), "--vary", vary, "--out", str(tmp_path / "o.csv"))
    assert r.returncode == 2, r.stderr
    assert words.replace("expected", "expects") in r.stderr or words in r.stderr, r.stderr
    assert "Traceback" not in r.stderr
    assert not (tmp_path / "o.csv").exists()


def test_outside_the_range_is_allowed_when_asked(tmp_path: Path) -> None:
    r = _leverage("sweep", str(BASELINE), "--vary", "us_re_dependence=0.1:0.99:3",
                  "--allow-outside", "--workers", "1", "--out", str(tmp_path / "o.csv"))
    assert r.returncode == 0, r.stderr
    assert len(pd.read_csv(tmp_path / "o.csv")) == 3


@pytest.mark.parametrize("args, words", [
    (["--vary", "us_re_dependence=0.5:0.9:3", "--vary", "us_re_dependence=0.6:0.9:3"],
     "given twice"),
    (["--vary", "us_re_dependence=0.5:0.9:3", "--set", "us_re_dependence=0.6"],
     "both varied (--vary) and fixed (--set)"),
    (["--vary", "us_re_dependence=0.5:0.9:3", "--scenario", "dec_2042"],
     "unknown scenario 'dec_2042'"),
])
def test_other_bad_sweeps_exit_2(tmp_path: Path, args: list[str], words: str) -> None:
    r = _leverage("sweep", str(BASELINE), *args, "--out", str(tmp_path / "o.csv"))
    assert r.returncode == 2 and words in r.stderr, r.stderr


def test_bad_output_suffix_and_tipping_vary(tmp_path: Path) -> None:
    r = _leverage("sweep", str(BASELINE), "--vary", "us_re_dependence=0.5:0.9:3",
                  "--out", str(tmp_path / "o.xlsx"))
    assert r.returncode == 2 and "must end in .csv or .parquet" in r.stderr
    r = _leverage("tipping", str(BASELINE), "--vary", "us_re_dependence=0.9:0.5")
    assert r.returncode == 2 and "LO must be below HI" in r.stderr
    r = _leverage("tipping", str(BASELINE), "--vary", "nonsense")
    assert r.returncode == 2 and "unknown parameter 'nonsense'" in r.stderr


POLE = """\
title: Pole
description: A payoff with a pole inside the range of its parameter.
sources:
  j: "judgement"
players:
  - name: A
    chips: {c: {description: a card, levels: ["off", "on"], status_quo: "off"}}
  - name: B
    chips: {d: {description: a card, levels: ["off", "on"], status_quo: "off"}}
parameters:
  x: {value: 0.5, unit: share, source: j, description: a share, range: [0, 2]}
payoffs:
  A:
    - when: {c: "on"}
      value: 1 / (x - 1)
  B:
    - when: {d: "on"}
      value: x
"""


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_payoff_that_is_not_finite_at_a_point_is_a_clear_error(tmp_path: Path,
                                                                 workers: str) -> None:
    """Only the ends of a range are checked when a file is read; a pole inside it is met by
    a worker, whose error must come back whole, not as a broken pool."""
    path = tmp_path / "pole.yaml"
    path.write_text(POLE)
    r = _leverage("sweep", str(path), "--vary", "x=0:2:20001", "--chunk", "1000",
                  "--workers", workers, "--out", str(tmp_path / "o.csv"))
    assert r.returncode == 2, r.stderr
    assert "pole.yaml:15:14: payoffs.A[0].value: yields inf" in r.stderr
    assert "with x=1" in r.stderr and "Traceback" not in r.stderr


def test_tipping_tolerance_is_in_the_parameters_units() -> None:
    """--tol of tipping is a width along the parameter, so it may well exceed 1."""
    r = _leverage("tipping", str(BASELINE), "--vary", "us_re_output_at_risk", "--tol", "2")
    assert r.returncode == 0, r.stderr
    assert "located to within 2:" in r.stdout


def test_a_worker_that_dies_halfway_through_a_result_stops_the_run() -> None:
    """A worker killed while it sends a result leaves part of a message in the pipe; the pool's
    reader would wait for the rest for ever (the parent holds a writing end), and so would the
    program at exit. The run must stop with the clear message, and the program end."""
    script = (
        "from model.errors import LeverageError\n"
        "from model.sensitivity.engine import ordered_map\n"
        "from worker_faults import die_halfway\n"
        "if __name__ == '__main__':\n"
        "    try:\n"
        "        list(ordered_map(die_halfway, None, [(0,), (1,), (2,)], 2))\n"
        "    except LeverageError as exc:\n"
        "        print('stopped:', exc)\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(__file__).parent),
                                                         str(ROOT)])}
    r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                       timeout=60, env=env)
    assert r.returncode == 0, r.stderr
    assert "stopped: a worker process stopped unexpectedly" in r.stdout, r.stdout + r.stderr


def test_a_worker_that_dies_is_a_clear_error_and_the_run_resumes(tmp_path: Path) -> None:
    import psutil

    out = tmp_path / "o.csv"
    partial = tmp_path / "o.csv.partial"
    args = [*SWEEP[:-1], "2"]
    proc = subprocess.Popen([sys.executable, "-m", "model", *args, "--out", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while len(list(partial.glob("chunk-*.npz"))) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    main = psutil.Process(proc.pid)
    workers = [p for p in main.children(recursive=True)
               if p.ppid() != proc.pid]  # forked by the server the workers start from
    assert workers
    for w in workers:
        w.kill()
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 1, err
    assert "a worker process stopped unexpectedly" in err and "Traceback" not in err
    r = _leverage(*args, "--out", str(out), "--resume")
    assert r.returncode == 0, r.stderr
    assert len(pd.read_csv(out)) == 30 * 40 * 40


def test_no_progress_bar_off_a_terminal(tmp_path: Path) -> None:
    r = _leverage("sweep", str(HAWK_DOVE), "--vary", "V=1:9:50", "--vary", "C=1:9:50",
                  "--chunk", "100", "--workers", "1", "--out", str(tmp_path / "o.csv"))
    assert r.returncode == 0
    assert "pt/s" not in r.stderr and "%" not in r.stderr, r.stderr


def test_progress_bar_on_a_terminal(tmp_path: Path) -> None:
    import fcntl
    import pty
    import struct
    import termios

    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    proc = subprocess.Popen(
        [sys.executable, "-m", "model", "sweep", str(HAWK_DOVE), "--vary", "V=1:9:60",
         "--vary", "C=1:9:60", "--chunk", "100", "--workers", "1", "--out",
         str(tmp_path / "o.csv")], stdout=subprocess.DEVNULL, stderr=follower)
    os.close(follower)
    seen = b""
    while True:
        try:
            data = os.read(leader, 4096)
        except OSError:  # the terminal closed with the process
            break
        if not data:
            break
        seen += data
    os.close(leader)
    assert proc.wait() == 0
    assert b"3.60k/3.60k" in seen and b"pt/s" in seen, seen[-300:]


def test_a_checkpoint_is_not_reused_for_another_run(tmp_path: Path) -> None:
    game = model.load(HAWK_DOVE)
    grid = Grid((parse_vary(game, "V=1:9:40"),))
    ck = tmp_path / "ck"
    from model.sensitivity.engine import run

    run(game, grid, Setting(None, {}, 1e-9), checkpoint=ck, workers=1, chunk=10)
    with pytest.raises(UsageError, match="add --resume"):
        run(game, grid, Setting(None, {}, 1e-9), checkpoint=ck, workers=1, chunk=10)
    with pytest.raises(UsageError, match="belongs to a different run"):
        run(game, grid, Setting("nope", {}, 1e-9), checkpoint=ck, workers=1, chunk=10,
            resume=True)


# ---------------------------------------------------------------------------- resume
SWEEP = ["sweep", str(BASELINE), "--vary", "us_re_dependence=0.5:0.95:30",
         "--vary", "years_cn_eda_substitution=3:15:40", "--vary", "us_security_weight=0:3:40",
         "--chunk", "200", "--workers", "1"]


def test_resume_after_a_kill_gives_identical_output(tmp_path: Path) -> None:
    whole = tmp_path / "whole.csv"
    r = _leverage(*SWEEP, "--out", str(whole))
    assert r.returncode == 0, r.stderr
    out = tmp_path / "cut.csv"
    partial = tmp_path / "cut.csv.partial"
    proc = subprocess.Popen([sys.executable, "-m", "model", *SWEEP, "--out", str(out)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while len(list(partial.glob("chunk-*.npz"))) < 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    proc.kill()
    proc.wait()
    done = len(list(partial.glob("chunk-*.npz")))
    assert 3 <= done < 240, "the run should be cut part way"
    assert not out.exists()
    r = _leverage(*SWEEP, "--out", str(out))  # without --resume: refused, nothing lost
    assert r.returncode == 2 and "--resume" in r.stderr
    r = _leverage(*SWEEP, "--out", str(out), "--resume")
    assert r.returncode == 0, r.stderr
    assert out.read_bytes() == whole.read_bytes()
    assert not partial.exists()


def test_ctrl_c_keeps_the_finished_chunks(tmp_path: Path) -> None:
    """With worker processes (the default engine): Ctrl-C stops after the chunks in hand."""
    out = tmp_path / "int.csv"
    partial = tmp_path / "int.csv.partial"
    args = [*SWEEP[:-1], "2"]  # two worker processes
    proc = subprocess.Popen([sys.executable, "-m", "model", *args, "--out", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while len(list(partial.glob("chunk-*.npz"))) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "--resume" in err and "Traceback" not in err
    assert len(list(partial.glob("chunk-*.npz"))) >= 2
    r = _leverage(*args, "--out", str(out), "--resume")
    assert r.returncode == 0 and len(pd.read_csv(out)) == 30 * 40 * 40


# ---------------------------------------------------------------------------- dask
def test_dask_engine_equals_the_local_engine(tmp_path: Path) -> None:
    from dask.distributed import LocalCluster

    args = ["sweep", str(BASELINE), "--vary", "us_re_dependence=0.5:0.95:25",
            "--vary", "us_security_weight=0:3:20", "--scenario", "oct_2025", "--chunk", "64"]
    r = _leverage(*args, "--out", str(tmp_path / "local.parquet"))
    assert r.returncode == 0, r.stderr
    env = dict(os.environ)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster:
        r = _leverage(*args, "--engine", "dask", "--scheduler", cluster.scheduler_address,
                      "--out", str(tmp_path / "dask.parquet"), env=env)
        assert r.returncode == 0, r.stderr
    a = pd.read_parquet(tmp_path / "local.parquet")
    b = pd.read_parquet(tmp_path / "dask.parquet")
    pd.testing.assert_frame_equal(a, b, check_exact=True)


def test_dask_engine_needs_a_scheduler(tmp_path: Path) -> None:
    r = _leverage("sweep", str(HAWK_DOVE), "--vary", "V=1:9:5", "--engine", "dask",
                  "--out", str(tmp_path / "o.csv"))
    assert r.returncode == 2 and "--scheduler" in r.stderr
    r = _leverage("sweep", str(HAWK_DOVE), "--vary", "V=1:9:5", "--engine", "dask",
                  "--scheduler", "tcp://127.0.0.1:9", "--out", str(tmp_path / "o.csv"))
    assert r.returncode == 2 and "cannot reach the Dask scheduler" in r.stderr, r.stderr


def test_outcome_names_cover_every_label() -> None:
    game = model.load(BASELINE)
    names = outcome_names(game)
    assert names[-2:] == ["(other)", "(mixed)"]
    assert len(set(names)) == len(names)
