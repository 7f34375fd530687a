"""The commands that do not find equilibria, on a game that extra chips make 144 x 108 (the
simultaneous game's equilibria, where a command needs them, come from a stand-in)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

import model
import model.dynamics.simulate as dynamics
from model.cli.main import main

ROOT = Path(__file__).resolve().parents[1]


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "bench_commands_large", ROOT / "experiments/bench_commands_large.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("big") / "chips.yaml"
    _bench().chip_file(path, [3, 4], [3, 3])
    return path


@pytest.fixture
def stand_in(monkeypatch: pytest.MonkeyPatch) -> None:
    import model.cli.credibility as cc
    import model.cli.sequential as cs

    solve = _bench()._stand_in_solve(model)
    for mod in (cs, cc, dynamics):
        monkeypatch.setattr(mod, "solve", solve)


def _json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict:
    assert main(list(argv)) == 0
    return json.loads(capsys.readouterr().out)


def test_the_game_is_large(big: Path) -> None:
    assert model.load(big).shape == (144, 108)


def test_bargain(big: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = _json(capsys, "bargain", str(big), "--disagreement", "maxmin", "--json",
                "--leverage", "us_re_dependence", "--points", "2")
    assert doc["feasible"]["profiles"] == 144 * 108
    assert {s["key"] for s in doc["solutions"]} == {
        "nash", "kalai-smorodinsky", "egalitarian", "threats", "rubinstein"}
    doc = _json(capsys, "bargain", str(big), "--disagreement", "status-quo", "--deals",
                "deal,truce", "--json")
    assert doc["feasible"]["deals"] == ["deal", "truce"]


@pytest.mark.usefixtures("stand_in")
def test_sequential_credibility_simulate(big: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for leader in ("US", "China"):
        for tie in ("leader-best", "follower-worst"):
            doc = _json(capsys, "sequential", str(big), "--leader", leader, "--tie-break",
                        tie, "--json")
            assert doc["mixed"]["leader_payoff"] >= doc["pure"]["leader_payoff"] - 1e-6
    doc = _json(capsys, "credibility", str(big), "--deal", "deal", "--punishment", "minmax",
                "--punishment-length", "2", "--reimpose-cost", "0.5", "--json")
    assert doc["outcome_profiles"]["profiles"] > 1
    doc = _json(capsys, "simulate", str(big), "--periods", "3", "--json")
    assert len(doc["periods"]) == 3


def test_a_simulation_without_its_cache_is_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    game = model.load(ROOT / "payoffs/baseline.yaml")
    kept = dynamics.simulate(game, 8).to_json()
    monkeypatch.setattr(dynamics, "_CACHE_BYTES", 0)
    assert dynamics.simulate(game, 8).to_json() == kept


def test_finite_payoffs_told_from_the_terms() -> None:
    game = model.load(ROOT / "payoffs/baseline.yaml")
    assert game.payoffs_surely_finite(game.baseline())


def _random_nfg(path: Path, size: int, seed: int) -> Path:
    rng = np.random.default_rng(seed)
    A = rng.integers(-50, 50, (size, size))
    B = rng.integers(-50, 50, (size, size))
    cells = " ".join(f"{A[i, j]} {B[i, j]}" for j in range(size) for i in range(size))
    path.write_text(f'NFG 1 R "random" {{ "Row" "Col" }} {{ {size} {size} }}\n\n{cells}\n')
    return path


def test_credibility_and_simulate_say_when_the_stage_list_is_not_complete(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A generic 40 x 40 game is beyond enumeration: its punishments and each period's
    selection are taken from the equilibria a search found, and both reports say so."""
    from model.cli.main import main

    monkeypatch.setattr(sys.modules["model.solvers.equilibria"], "DEFAULT_BUDGET", 1.0)
    f = _random_nfg(tmp_path / "r40.nfg", 40, 3)
    assert main(["credibility", str(f), "--deal", "profile:0,0", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["stage_equilibria"]["complete"] is False
    assert "not exhaustive" in doc["stage_equilibria"]["guarantee"]
    assert main(["credibility", str(f), "--deal", "profile:0,0"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "Chosen among the" in text and "equilibria found (the search was not exhaustive" in text
    assert "could punish harder" in text
    assert main(["simulate", str(f), "--periods", "2"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "in periods 1, 2 the list is not complete" in text
    assert main(["simulate", str(f), "--periods", "1", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["periods"][0]["complete"] is False
    assert main(["bargain", str(f), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["disagreement"]["complete"] is False
    assert "found (the search was not exhaustive" in doc["disagreement"]["chosen_among"]
    assert main(["sequential", str(f), "--leader", "Row", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["simultaneous"]["complete"] is False


def test_credibility_and_simulate_say_when_the_stage_list_is_complete(
        capsys: pytest.CaptureFixture[str]) -> None:
    from model.cli.main import main

    base = Path(__file__).resolve().parents[1] / "payoffs" / "baseline.yaml"
    assert main(["credibility", str(base), "--deal", "deal", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["stage_equilibria"] == {
        "count": 3, "complete": True,
        "guarantee": "all equilibria: the enumeration was exhaustive"}
    assert main(["simulate", str(base), "--periods", "2"]) == 0
    assert "every period's list is complete" in capsys.readouterr().out
    assert main(["credibility", str(base), "--deal", "deal"]) == 0
    assert "Chosen among all 3 equilibria (the enumeration" in capsys.readouterr().out


def test_commands_solve_a_large_chip_game_structure_first(
        capsys: pytest.CaptureFixture[str]) -> None:
    """credibility, simulate, sequential and bargain solve the stage game as solve does, chips
    first: on a 576 x 384 game of four independent parts every list is complete (without the
    chips, a 20 s search per stage game that was not exhaustive)."""
    root = Path(__file__).resolve().parents[1]
    # the 144 x 96 rung with two more chips a side: 576 x 384, four independent parts
    big = root / "tests" / "data" / "plus_two_chips.yaml"
    inc = ["--include-dir", str(root / "payoffs")]
    assert main(["credibility", str(big), *inc, "--deal", "deal", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["stage_equilibria"]["complete"] is True
    assert doc["stage_equilibria"]["guarantee"].startswith("all equilibria")
    assert main(["simulate", str(big), *inc, "--periods", "2", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert all(p["complete"] for p in doc["periods"])
    assert main(["bargain", str(big), *inc, "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["disagreement"]["complete"] is True
    assert doc["disagreement"]["chosen_among"].startswith("all 81 equilibria")
    assert main(["sequential", str(big), *inc, "--leader", "US", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["simultaneous"]["complete"] is True
