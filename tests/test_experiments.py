"""Experiment scripts run end to end and write what they promise."""

from __future__ import annotations

import csv
import importlib.util
import json
from pathlib import Path

import model
from model.tables import scenario_analyses

ROOT = Path(__file__).resolve().parents[1]


def _load_script(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "experiments" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_scenarios_experiment_writes_tables_and_settings(tmp_path: Path) -> None:
    script = _load_script("scenarios")
    assert script.main(["--out", str(tmp_path)]) == 0
    game = model.load(ROOT / "payoffs" / "baseline.yaml")
    settings = json.loads((tmp_path / "scenarios.settings.json").read_text())
    assert settings["sha256"] == game.sha256
    assert set(settings["settings"]) == {"baseline", *game.scenarios}
    for name, changes in ((s.name, s.changes) for s in game.scenarios.values()):
        for k, v in changes.items():
            assert settings["settings"][name][k] == v
    with (tmp_path / "scenarios.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    expected = sum(len(an.result.equilibria) for an in scenario_analyses(game))
    assert len(rows) == expected
    assert {r["scenario"] for r in rows} == {"baseline", *game.scenarios}
    md = (tmp_path / "scenarios.md").read_text()
    assert md.count("\n| ") == expected + 1  # header + one line per equilibrium
