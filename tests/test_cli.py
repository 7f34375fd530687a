"""The command line: output, the JSON contract, exit statuses and messages on bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from model.cli.main import main
from model.payoffs.spec import json_schema_text
from model.solvers.verify import regrets

ROOT = Path(__file__).resolve().parents[1]
PD = str(ROOT / "payoffs/textbook/prisoners_dilemma.yaml")
CHICKEN = str(ROOT / "payoffs/textbook/chicken.yaml")
BASELINE = str(ROOT / "payoffs/baseline.yaml")

JSON_KEYS = {"file", "scenario", "parameters", "players", "actions", "payoffs", "degenerate",
             "equilibria", "dominance", "pareto"}
EQ_KEYS = {"strategies", "payoffs", "support", "pure", "outcome"}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_solve_prints_the_matrix_dominance_and_equilibria(capsys: pytest.CaptureFixture[str]):
    code, out, err = run(capsys, "solve", PD)
    assert code == 0, err
    assert "Payoffs (Row, Column)" in out
    assert "5*, 0" in out  # defect is Row's best reply to cooperate
    assert "strictly dominated" in out
    assert "All equilibria (1)" in out
    assert "outcome: mutual_defection" in out
    assert "nondegenerate" in out


def test_json_contract(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "solve", CHICKEN, "--json")
    assert code == 0
    doc = json.loads(out)
    assert JSON_KEYS <= doc.keys()
    assert doc["players"] == ["Row", "Column"] or len(doc["players"]) == 2
    A, B = np.array(doc["payoffs"]["row"]), np.array(doc["payoffs"]["col"])
    assert A.shape == (len(doc["actions"][0]), len(doc["actions"][1]))
    assert len(doc["equilibria"]) == 3
    for e in doc["equilibria"]:
        assert EQ_KEYS <= e.keys()
        x, y = map(np.array, e["strategies"])
        assert np.isclose(x.sum(), 1) and np.isclose(y.sum(), 1)
        assert max(regrets(A, B, x, y)) <= 1e-9
        assert e["pure"] == (len(e["support"][0]) == 1 and len(e["support"][1]) == 1)
        assert np.isclose(e["payoffs"][0], x @ A @ y)


def test_json_of_baseline_names_outcomes_and_scenario(capsys: pytest.CaptureFixture[str]):
    from model import load

    game = load(BASELINE)
    scenario = next(iter(game.scenarios))
    code, out, _ = run(capsys, "solve", BASELINE, "--scenario", scenario, "--json")
    assert code == 0
    doc = json.loads(out)
    assert doc["scenario"] == scenario
    for k, v in game.scenarios[scenario].changes.items():
        assert doc["parameters"][k] == v
    outcome_names = {o.name for o in game.outcomes}
    assert all(e["outcome"] is None or e["outcome"] in outcome_names for e in doc["equilibria"])


def test_set_changes_a_parameter(capsys: pytest.CaptureFixture[str]) -> None:
    from model import load

    game = load(BASELINE)
    name, p = next(iter(game.parameters.items()))
    code, out, _ = run(capsys, "solve", BASELINE, "--json", "--set", f"{name}={p.high}")
    assert code == 0
    assert json.loads(out)["parameters"][name] == p.high


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["solve", PD, "--scenario", "nope"], "unknown scenario 'nope'"),
        (["solve", BASELINE, "--set", "nonexistent_param=1"], "unknown parameter"),
        (["solve", PD, "--set", "x"], "expects NAME=VALUE"),
        (["solve", PD, "--set", "x=abc"], "not a number"),
        (["solve", PD, "--set", "x=nan"], "finite"),
        (["solve", "does/not/exist.yaml"], "file not found"),
        (["solve", PD, "--tol", "5"], "--tol"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_bad_input_exits_2_with_a_message(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse errors
        code = int(exc.code or 0)
    _, err = capsys.readouterr()
    assert code == 2
    assert message in err
    assert "Traceback" not in err


def test_scenario_typo_suggests_the_name(capsys: pytest.CaptureFixture[str]) -> None:
    from model import load

    scenario = next(iter(load(BASELINE).scenarios))
    code, _, err = run(capsys, "solve", BASELINE, "--scenario", scenario[:-1] + "x")
    assert code == 2
    assert f"did you mean '{scenario}'" in err


def test_out_writes_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "sub" / "pd.json"
    code, out, _ = run(capsys, "solve", PD, "--json", "--out", str(target))
    assert code == 0 and out == ""
    assert json.loads(target.read_text())["equilibria"][0]["pure"] is True
    assert [p.name for p in target.parent.iterdir()] == ["pd.json"]  # no temporary left


def test_check_accepts_every_shipped_file(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "check", str(ROOT / "payoffs"))
    assert code == 0, err
    assert out.count("ok  ") >= 6


def test_describe_lists_parameters_and_sources(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "describe", BASELINE)
    assert code == 0
    assert "Parameters" in out and "Sources" in out and "Scenarios" in out


def test_schema_is_json_and_the_shipped_copy_is_current(capsys: pytest.CaptureFixture[str]):
    code, out, _ = run(capsys, "schema")
    assert code == 0
    schema = json.loads(out)
    assert schema["additionalProperties"] is False
    shipped = (ROOT / "payoffs" / "schema.json").read_text(encoding="utf-8")
    assert shipped == json_schema_text(), "regenerate: leverage schema --out payoffs/schema.json"


def test_python_dash_m_is_the_same_command() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "model", "solve", PD, "--json"],
        capture_output=True, text=True, check=False, cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["equilibria"][0]["strategies"] == [[0.0, 1.0], [0.0, 1.0]]


def test_invalid_file_from_a_subprocess_exits_2_without_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(Path(PD).read_text().replace("levels: [cooperate, defect]", "levels: [c]"))
    proc = subprocess.run(
        [sys.executable, "-m", "model", "solve", str(bad)],
        capture_output=True, text=True, check=False,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert f"{bad}:" in proc.stderr and "at least two levels" in proc.stderr
