"""The episode replays: scripts write what they promise, the report has a row per stage, the
verdict rule does what its docstring says, and episodes stay within the payoff file."""

from __future__ import annotations

import dataclasses
import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import model
from model.episodes import VERDICTS, Episode, Setting, Stage, compare, replay, validate
from model.errors import UsageError

ROOT = Path(__file__).resolve().parents[1]
FOLDER = ROOT / "experiments" / "episodes"
REQUIRED = {"episode", "title", "dates", "file", "sha256", "settings", "predictions", "history",
            "comparison"}


def _load(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"episode_test_{path.stem}", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SCRIPTS = sorted(p for p in FOLDER.glob("*.py") if p.stem not in {"run_all", "table"})


@pytest.fixture(scope="module")
def game() -> model.Game:
    return model.load(ROOT / "payoffs" / "baseline.yaml")


@pytest.fixture(scope="module")
def episodes() -> dict[str, Episode]:
    return {p.stem: _load(p).EPISODE for p in SCRIPTS}


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every episode script and the table, run once into a temporary folder."""
    out = tmp_path_factory.mktemp("episodes")
    assert _load(FOLDER / "run_all.py").main(["--out", str(out)]) == 0
    return out


def test_there_is_a_script_per_episode(episodes: dict[str, Episode]) -> None:
    assert len(SCRIPTS) >= 4
    for stem, ep in episodes.items():
        assert ep.name == stem  # the JSON is named after the script
    for path in [*SCRIPTS, FOLDER / "table.py", FOLDER / "run_all.py"]:
        doc = _load(path).__doc__ or ""
        assert "Usage: python experiments/episodes/" + path.name in doc


def test_each_script_writes_its_json(run: Path, game: model.Game,
                                     episodes: dict[str, Episode]) -> None:
    for stem, ep in episodes.items():
        doc = json.loads((run / "episodes" / f"{stem}.json").read_text())
        assert REQUIRED <= set(doc)
        assert doc["sha256"] == game.sha256
        assert doc["settings"]["scenario"] == ep.setting.scenario
        assert doc["settings"]["params"] == dict(ep.setting.params)
        assert set(doc["settings"]["sources"]) == set(ep.sources)
        assert len(doc["history"]) == len(doc["comparison"]) == len(ep.history)
        for h, c, st in zip(doc["history"], doc["comparison"], ep.history, strict=True):
            assert h["outcomes"] == list(st.outcomes) and h["dates"] == st.dates
            assert c["verdict"] in VERDICTS and c["reason"]
        p = doc["predictions"]
        assert p["pure_outcomes"] and p["bargain"]["nash"]
        assert {"deal", "truce"} <= set(p["credibility"])
        assert set(p["first_move"]) == set(game.player_names)
    assert not list((run / "episodes").glob(".*"))  # no temporary files left behind


def test_one_script_alone_writes_only_its_file(tmp_path: Path) -> None:
    path = SCRIPTS[0]
    m = _load(path)
    assert m.main(m.EPISODE, ["--out", str(tmp_path)], doc=m.__doc__) == 0
    assert [f.name for f in tmp_path.iterdir()] == [f"{path.stem}.json"]


def test_table_has_one_row_per_stage(run: Path, episodes: dict[str, Episode]) -> None:
    md = (run / "episodes.md").read_text()
    section = md.split("## Prediction and history, stage by stage", 1)[1]
    rows = [line for line in section.splitlines() if line.startswith("| ")][1:]  # no header
    assert len(rows) == sum(len(ep.history) for ep in episodes.values())
    for row in rows:
        assert sum(f"**{v}**" in row for v in VERDICTS) == 1
    first = md.split("## What the model predicts", 1)[1].split("##", 1)[0]
    assert len([x for x in first.splitlines() if x.startswith("| ")]) == 1 + len(episodes) + 1


def test_table_script_refuses_an_empty_folder(tmp_path: Path) -> None:
    assert _load(FOLDER / "table.py").main(["--results", str(tmp_path),
                                           "--out", str(tmp_path / "x.md")]) == 2


# ---------------------------------------------------------------------------- the rule
def _pred(pure: list[str], deal: dict[str, float], holds: bool | None) -> dict[str, Any]:
    return {"pure_outcomes": pure, "bargain_outcomes": deal, "holds": holds}


@pytest.mark.parametrize(("prediction", "observed", "verdict"), [
    (_pred(["trade_war"], {"truce": 1.0}, False), ["trade_war"], "agrees"),
    (_pred(["a", "b"], {}, None), ["b"], "agrees"),
    (_pred(["a"], {"b": 1.0}, True), ["a"], "agrees"),  # an equilibrium beats the rest
    (_pred(["a"], {"a": 0.3, "b": 0.7}, False), ["b"], "partly"),  # the bargain's outcome
    (_pred(["a"], {"b": 0.7}, True), ["c"], "partly"),  # kept in the repeated game
    (_pred(["a"], {"b": 1.0, "c": 0.0}, False), ["c"], "disagrees"),  # zero weight
    (_pred(["a"], {"b": 1.0}, None), ["c"], "disagrees"),
    (_pred([], {}, False), ["c"], "disagrees"),
    (_pred(["a"], {"b": 1.0}, False), ["c", "a"], "agrees"),  # any of the readings
])
def test_verdict_rule(prediction: dict[str, Any], observed: list[str], verdict: str) -> None:
    got, reason = compare(prediction, {"outcomes": observed})
    assert got == verdict
    assert reason


def test_reasons_name_what_the_model_says() -> None:
    _, reason = compare(_pred(["us_concedes"], {"us_concedes": 0.86, "truce": 0.14}, False),
                        {"outcomes": ["trade_war"]})
    assert "us_concedes" in reason and "0.14" in reason and "grim trigger" in reason


# ---------------------------------------------------------------------------- validity
def test_episodes_use_what_the_file_has(game: model.Game,
                                        episodes: dict[str, Episode]) -> None:
    for ep in episodes.values():
        assert validate(ep, game) == [], ep.name
        s = ep.setting
        if s.scenario is not None:
            assert s.scenario in game.scenarios
            for k, v in game.scenario(s.scenario).changes.items():
                p = game.parameters[k]
                assert p.low <= v <= p.high
        for k, v in s.params.items():
            p = game.parameters[k]
            assert p.low <= v <= p.high
            assert ep.sources[k]
        for st in ep.history:
            assert st.sources and st.text and st.dates
            assert set(st.notes) <= set(VERDICTS)


def _stage(**changes: Any) -> Stage:
    base = Stage(name="s", dates="then", text="what happened", sources=("payoffs/SOURCES.md",),
                 levels={"eda": "banned", "engines": "suspended", "ai_chips": "banned",
                         "rare_earths": "restricted", "traceability": "enforced",
                         "minerals": "banned"},
                 outcomes=("trade_war",))
    return dataclasses.replace(base, **changes)


def _episode(setting: Setting, sources: dict[str, str] | None = None,
             stage: Stage | None = None) -> Episode:
    return Episode(name="test", title="test", dates="then", start="2025-01-01",
                   description="a test", setting=setting, sources=sources or {},
                   history=(stage or _stage(),))


@pytest.mark.parametrize(("episode", "words"), [
    (_episode(Setting(scenario="no_such")), "unknown scenario"),
    (_episode(Setting(scenario="dec_2024")), "no source given for scenario"),
    (_episode(Setting(params={"spiral": 5.0}), {"spiral": "x"}), "outside its range"),
    (_episode(Setting(params={"spirall": 0.5}), {"spirall": "x"}), "unknown parameter"),
    (_episode(Setting(params={"spiral": 0.5})), "no source given for parameter"),
    (_episode(Setting(), stage=_stage(outcomes=("truce",))), "fall in 'trade_war'"),
    (_episode(Setting(), stage=_stage(outcomes=("peace",))), "unknown or missing outcome"),
    (_episode(Setting(), stage=_stage(levels={"eda": "banned"})), "no observed level"),
    (_episode(Setting(), stage=_stage(levels={**_stage().levels, "eda": "gone"})),
     "not a level of 'eda'"),
    (_episode(Setting(), stage=_stage(notes={"maybe": "x"})), "unknown verdicts"),
    (_episode(Setting(), stage=_stage(sources=())), "no source for what happened"),
])
def test_validate_catches_mistakes(game: model.Game, episode: Episode, words: str) -> None:
    problems = validate(episode, game)
    assert any(words in p for p in problems), problems
    with pytest.raises(UsageError):
        replay(episode, game=game)


def test_notes_follow_the_verdict(game: model.Game) -> None:
    """A note is shown only with the verdict it was written for."""
    stage = _stage(notes={"agrees": "A", "partly": "P"})
    for setting, sources in ((Setting(scenario="dec_2024"), {"dec_2024": "file"}),
                             (Setting(), {})):
        doc = replay(_episode(setting, sources, stage), game=game)
        c = doc["comparison"][0]
        assert c["note"] == stage.notes.get(c["verdict"], "")
        assert ("at_baseline" in c) == (setting.scenario is not None)
