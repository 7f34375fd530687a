"""Inputs at the edges of what a float holds, and what every command writes as JSON: strict
JSON (no Infinity or NaN), payoffs beyond the documented magnitude refused in one located
line, and the linear programs solved at any payoff scale below it."""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from model.game import MAX_PAYOFF
from model.io import NON_FINITE, dumps_json

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "payoffs" / "baseline.yaml"


def _leverage(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "model", *args], capture_output=True,
                          text=True)


def _strict(text: str) -> object:
    def refuse(name: str) -> None:
        raise AssertionError(f"not strict JSON: {name}")

    return json.loads(text, parse_constant=refuse)


def _nfg(tmp_path: Path, payoffs: str) -> Path:
    path = tmp_path / "g.nfg"
    path.write_text(f'NFG 1 R "big" {{ "P1" "P2" }} {{ 2 2 }}\n{payoffs}\n')
    return path


# ---------------------------------------------------------------------------- strict JSON
def test_non_finite_numbers_are_written_as_null_and_listed() -> None:
    doc = {"a": 1.0, "b": [math.inf, 2, np.float64(-np.inf)], "c": {"d": np.nan},
           "e": np.array([1.5, np.nan]), "f": np.int64(3), "g": np.bool_(True), "h": "x"}
    out = _strict(dumps_json(doc))
    assert out == {"a": 1.0, "b": [None, 2, None], "c": {"d": None}, "e": [1.5, None],
                   "f": 3, "g": True, "h": "x",
                   NON_FINITE: ["b[0]", "b[2]", "c.d", "e[1]"]}
    assert _strict(dumps_json({"a": 1.0})) == {"a": 1.0}  # no flag when all is finite
    several = _strict(dumps_json([{"v": math.inf}, {"v": 1.0}]))
    assert several == [{"v": None, NON_FINITE: ["v"]}, {"v": 1.0}]
    assert _strict(dumps_json([1.0, math.nan])) == [1.0, None]


def test_every_json_of_the_package_goes_through_one_helper() -> None:
    """json.dumps writes Infinity and NaN, which strict parsers reject: only model/io.py,
    which makes it strict, may call it."""
    calls = []
    for path in sorted((ROOT / "model").rglob("*.py")):
        if path.name == "io.py" and path.parent.name == "model":
            continue
        for k, line in enumerate(path.read_text().splitlines(), 1):
            if re.search(r"\bjson\.dumps?\(", line):
                calls.append(f"{path.relative_to(ROOT)}:{k}: {line.strip()}")
    assert not calls, "\n".join(calls)


@pytest.mark.parametrize("command", [
    ["solve"], ["solve", "--exact"], ["solve", "--method", "lemke_howson"], ["bargain"],
    ["sequential", "--leader", "P1"], ["credibility", "--deal", "profile:0,0"],
])
def test_json_at_the_largest_payoffs_is_strict(tmp_path: Path, command: list[str]) -> None:
    big = f"{MAX_PAYOFF:g}"
    game = _nfg(tmp_path, f"{big} {big} -{big} -{big} {big} -{big} -{big} {big}")
    r = _leverage(*command, str(game), "--json")
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""  # no warning of an overflow either
    _strict(r.stdout)


# ---------------------------------------------------------------------------- magnitudes
@pytest.mark.parametrize("value", ["1e300", "1e99"])
def test_parameters_whose_payoffs_pass_the_limit_are_refused(value: str) -> None:
    r = _leverage("solve", str(BASELINE), "--set", f"us_re_dependence={value}")
    assert r.returncode == 2, r.stderr
    lines = [ln for ln in r.stderr.splitlines() if not ln.startswith("warning:")]
    assert len(lines) == 1 and "Traceback" not in r.stderr, r.stderr
    assert re.match(r"leverage: error: \S*baseline\.yaml:\d+:\d+: payoffs\.", lines[0])
    assert "beyond the largest magnitude a payoff may have (1e+100" in lines[0]


def test_payoffs_of_a_gambit_file_beyond_the_limit_are_refused(tmp_path: Path) -> None:
    game = _nfg(tmp_path, "1e308 -1e308 -1e308 1e308 -1e308 1e308 1.5e308 -1.7e308")
    for command in (["solve", "--json"], ["bargain"], ["export", "--to", "nfg"]):
        r = _leverage(*command, str(game))
        assert r.returncode == 2, r.stderr
        assert "Traceback" not in r.stderr and len(r.stderr.splitlines()) == 1, r.stderr
        assert "at most 1e+100 in absolute value" in r.stderr  # the limit, named


@pytest.mark.parametrize("value", ["1e15", "1e18", "1e50", "1e90"])
def test_the_dominance_program_is_solved_at_any_scale_below_the_limit(value: str) -> None:
    """HiGHS takes coefficients beyond 1e20 for infinite and refused the model, until the
    program was scaled."""
    r = _leverage("solve", str(BASELINE), "--set", f"us_re_dependence={value}", "--json")
    assert r.returncode == 0, r.stderr
    doc = _strict(r.stdout)
    assert isinstance(doc, dict) and doc["equilibria"]
