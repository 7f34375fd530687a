"""``leverage bargain``: the text report, the JSON object, --out, and exit status 2 with a clear
message on bad input."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from model.cli.main import main

ROOT = Path(__file__).resolve().parents[1]
BASELINE = str(ROOT / "payoffs/baseline.yaml")
CHICKEN = str(ROOT / "payoffs/textbook/chicken.yaml")
HAWK_DOVE = str(ROOT / "payoffs/textbook/hawk_dove.yaml")

SOLUTION_KEYS = ["nash", "kalai-smorodinsky", "egalitarian", "threats", "rubinstein"]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_text_report_on_the_baseline(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "bargain", BASELINE)
    assert code == 0, err
    for heading in ("Pareto frontier (", "Disagreement point (equilibrium): US -5.45, China -2.21",
                    "Bargains (payoffs, and gains over the disagreement point)",
                    "How each bargain is reached", "Actions named above"):
        assert heading in out
    for row in ("Nash bargaining", "Kalai-Smorodinsky", "egalitarian", "Nash variable threats",
                "Rubinstein (US first)"):
        assert row in out
    assert "R12  US: eda=open, engines=licensed, ai_chips=revenue_share" in out
    assert "(R12, C11) deal" in out


def test_json_on_the_baseline_with_leverage(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "bargain", BASELINE, "--json", "--scenario", "dec_2024",
                         "--discount", "US=us_monthly_discount",
                         "--discount", "China=cn_monthly_discount",
                         "--leverage", "spiral", "--points", "3")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["scenario"] == "dec_2024"
    assert doc["players"] == ["US", "China"]
    assert [s["key"] for s in doc["solutions"]] == SOLUTION_KEYS
    d = np.array(doc["disagreement"]["payoffs"])
    assert doc["disagreement"]["kind"] == "equilibrium"
    assert doc["disagreement"]["outcome"] == "trade_war"
    for s in doc["solutions"]:
        probs = [t["probability"] for t in s["deal"]]
        assert np.isclose(sum(probs), 1)
        mix = sum(t["probability"] * np.array(t["payoffs"]) for t in s["deal"])
        assert np.allclose(mix, s["payoffs"])
        assert np.allclose(np.array(s["payoffs"]) - d, s["gains"])
        for t in s["deal"]:
            i, j = t["profile"]
            assert t["actions"] == [doc["actions"][0][i], doc["actions"][1][j]]
    threats = doc["solutions"][3]
    assert {"threats", "threat_point", "consistent"} <= threats.keys()
    rub = doc["solutions"][4]
    assert rub["discounts"]["US"] == pytest.approx(0.978653, abs=1e-6)
    frontier = [v["payoffs"] for v in doc["feasible"]["frontier"]]
    assert all(a[0] < b[0] and a[1] > b[1] for a, b in itertools.pairwise(frontier))
    (lv,) = doc["leverage"]
    assert lv["parameter"] == "spiral" and len(lv["sweep"]) == 3
    assert set(lv["derivatives"]) == {"disagreement", *SOLUTION_KEYS}
    assert lv["sentences"] and all(s.endswith(".") for s in lv["sentences"])


def test_out_writes_the_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    target = tmp_path / "sub" / "bargain.json"
    code, out, err = run(capsys, "bargain", HAWK_DOVE, "--json", "--out", str(target))
    assert code == 0 and out == ""
    assert "wrote" in err
    assert json.loads(target.read_text())["solutions"][0]["key"] == "nash"
    assert not [p for p in target.parent.iterdir() if p.name.endswith(".tmp")]


def test_chicken_from_its_mixed_equilibrium(capsys: pytest.CaptureFixture[str]) -> None:
    """From the mixed equilibrium (-1/4 each) every solution agrees on both swerving."""
    code, out, err = run(capsys, "bargain", CHICKEN, "--disagreement", "equilibrium:3", "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert np.allclose(doc["disagreement"]["payoffs"], (-0.25, -0.25))
    for key in ("nash", "kalai-smorodinsky", "egalitarian"):
        s = next(s for s in doc["solutions"] if s["key"] == key)
        assert np.allclose(s["payoffs"], (0, 0))
        assert [t["outcome"] for t in s["deal"]] == ["both_swerve"]


def test_leverage_text(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "bargain", HAWK_DOVE, "--disagreement", "maxmin",
                         "--leverage", "C", "--points", "4")
    assert code == 0, err
    assert "Leverage of C (now 4 fitness; range 0.5 to 20)" in out
    assert "A rise of 2 in C" in out
    assert "Sweep (Row, Column payoffs):" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ((BASELINE, "--deals", "deal,peace"), "unknown outcome 'peace'"),
        ((BASELINE, "--deals", ","), "--deals expects outcome names"),
        ((CHICKEN, "--power", "Player=0.6"), "unknown player 'Player'"),
        ((CHICKEN, "--power", "Row"), "--power expects PLAYER=VALUE"),
        ((CHICKEN, "--discount", "Row=1.5"), "strictly between 0 and 1"),
        ((CHICKEN, "--discount", "Column=0"), "strictly between 0 and 1"),
        ((CHICKEN, "--discount", "Row=0.9", "--discount", "Row=0.8"), "given twice"),
        ((CHICKEN, "--first", "Nobody"), "unknown player 'Nobody'"),
        ((HAWK_DOVE, "--power", "Row=V / W"), "unknown name 'W'"),
        ((HAWK_DOVE, "--leverage", "W"), "unknown parameter 'W'"),
        ((HAWK_DOVE, "--set", "W=1"), "unknown parameter 'W'"),
        ((HAWK_DOVE, "--points", "1", "--leverage", "V"), "--points must be between"),
        ((CHICKEN, "--disagreement", "threat"), "is not one of"),
        ((CHICKEN, "--disagreement", "equilibrium:4"), "has 3 equilibria"),
        ((CHICKEN, "--disagreement", "profile:R3,C1"), "has 2 actions"),
        ((CHICKEN, "--disagreement", "status-quo"), "no status-quo action"),
        ((CHICKEN, "--rule", "risk-dominant"), "unknown rule"),
        ((CHICKEN, "--scenario", "rainy"), "unknown scenario 'rainy'"),
        ((BASELINE, "--deals", "trade_war", "--disagreement", "profile:R12,C12"),
         "the feasible set above the disagreement point is empty"),
    ],
)
def test_bad_input_exits_2(capsys: pytest.CaptureFixture[str], argv, message) -> None:
    code, out, err = run(capsys, "bargain", *argv)
    assert code == 2
    assert out == ""
    assert message in err
    assert "Traceback" not in err


def test_exit_status_from_a_real_process() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "model", "bargain", CHICKEN, "--discount", "Row=2"],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
    )
    assert proc.returncode == 2
    assert "leverage: error: the discount factor of Row must lie strictly between 0 and 1" \
        in proc.stderr
