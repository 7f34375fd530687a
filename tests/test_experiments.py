"""Experiment scripts run end to end and write what they promise."""

from __future__ import annotations

import csv
import importlib.util
import json
from pathlib import Path

import model
from model.report.tables import scenario_analyses

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


def test_sweep_benchmark_quick_runs_and_agrees(tmp_path: Path) -> None:
    script = _load_script("bench_sweep")
    assert script.main(["--quick", "--out", str(tmp_path)]) == 0
    result = json.loads((tmp_path / "bench_sweep.json").read_text())
    assert [s["points"] for s in result["sizes"]] == list(script.QUICK["sizes"])
    for s in result["sizes"]:
        assert set(s["us_per_point"]) == {k for k, _ in script.RUNS}
        assert all(v > 0 for v in s["us_per_point"].values())
    assert len(result["memory"]) == 2 * len(result["sizes"])
    assert all(m["peak_rss_sum"] >= max(m["self_maxrss"] // 2, m["largest_other"]) > 0
               for m in result["memory"])
    assert result["disagreements"] == []
    assert {r["peer"] for r in result["peers"]["peers"]} == set(script.PEERS)
    assert all(r["disagreements"] == 0 for r in result["peers"]["peers"])
    if result["tipping"] is not None:
        assert all(r["solves"] < r["grid_points"] for r in result["tipping"])
    md = (tmp_path / "bench_sweep.md").read_text()
    assert "## Peak memory" in md and "Disagreements: none." in md


def test_tipping_points_experiment_lists_thresholds_nearest_first(tmp_path: Path) -> None:
    script = _load_script("tipping_points")
    assert script.main(["--out", str(tmp_path)]) == 0
    game = model.load(ROOT / "payoffs" / "baseline.yaml")
    doc = json.loads((tmp_path / "tipping_points.json").read_text())
    assert doc["sha256"] == game.sha256
    assert doc["parameters"] == len(game.parameters)
    rows = doc["tipping_points"]
    assert rows and [r["rank"] for r in rows] == list(range(1, len(rows) + 1))
    assert [r["distance"] for r in rows] == sorted(r["distance"] for r in rows)
    for r in rows:
        p = game.parameters[r["parameter"]]
        assert r["baseline"] == p.value
        assert p.low <= r["bracket_low"] <= r["threshold"] <= r["bracket_high"] <= p.high
        assert abs(r["distance"] - abs(r["threshold"] - p.value) / (p.high - p.low)) < 1e-12
        assert r["sentence"].startswith("Above ")
    assert {r["parameter"] for r in rows} | set(doc["no_tipping_point"]) == set(game.parameters)
    assert doc["solves"] < doc["grid_solves_same_resolution"]
    with (tmp_path / "tipping_points.csv").open() as fh:
        assert len(list(csv.DictReader(fh))) == len(rows)
    md = (tmp_path / "tipping_points.md").read_text()
    assert md.count("\n| ") == len(rows) + 1


def test_leverage_map_experiment_writes_map_tables_and_note(tmp_path: Path) -> None:
    script = _load_script("leverage_map")
    assert script.main(["--out", str(tmp_path), "--n", "9", "--only", "eda"]) == 0
    png = (tmp_path / "leverage_map_eda.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    with (tmp_path / "leverage_map_eda.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 81 and "has_us_concedes" in rows[0]
    assert (tmp_path / "leverage_map_eda.curves.csv").exists()
    prov = json.loads((tmp_path / "leverage_map_eda.csv.provenance.json").read_text())
    assert prov["sha256"] == model.load(ROOT / "payoffs" / "baseline.yaml").sha256
    md = (tmp_path / "leverage_map.md").read_text()
    assert "leverage_map_eda.png" in md and "lies in" in md
