"""The front door's results: each records its provenance (method, setting, the payoff file's
hash), has a strict-JSON ``to_json()`` and, where tabular, a tidy ``to_frame()`` with numbers
as numbers that agrees with the result it comes from."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest

import model
from model._version import __version__
from model.io import dumps_json

BASELINE = "payoffs/baseline.yaml"
SETTING = model.Setting(scenario="magnet_squeeze_2025", params={"us_re_dependence": 0.9})


@pytest.fixture(scope="module")
def game() -> model.Game:
    return model.load(BASELINE)


CALLS = {
    "analyse": {},
    "bargain": {},
    "stackelberg": {"leader": "China"},
    "credibility": {"deal": (0, 0), "discount": 0.9},
    "simulate": {"periods": 3},
    "sweep": {"vary": {"cn_re_revenue_us": (0.2, 0.8, 3)}, "workers": 1},
    "tipping_points": {"parameter": "spiral"},
    "outcome_map": {"x": "trace_leakage", "y": "cn_re_revenue_us", "n": 4, "workers": 1},
    "robustness": {"samples": 40, "seed": 3, "workers": 1},
}


@pytest.fixture(scope="module")
def results(game: model.Game) -> dict[str, object]:
    return {name: getattr(model, name)(game, SETTING, **kw) for name, kw in CALLS.items()}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_every_result_records_method_setting_and_file_hash(name: str, game: model.Game,
                                                          results: dict[str, object]) -> None:
    prov = results[name].provenance  # type: ignore[attr-defined]
    assert prov["sha256"] == game.sha256
    assert prov["file"] == str(game.path)
    assert prov["scenario"] == "magnet_squeeze_2025"
    assert prov["set"] == {"us_re_dependence": 0.9}
    assert prov["tol"] == SETTING.tol
    assert prov["leverage"] == __version__
    assert isinstance(prov["method"], str) and prov["method"]


@pytest.mark.parametrize("name", sorted(CALLS))
def test_every_result_is_frozen_and_writes_strict_json_with_its_provenance(
        name: str, results: dict[str, object]) -> None:
    r = results[name]
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.provenance = {}  # type: ignore[attr-defined, misc]
    doc = json.loads(dumps_json(r.to_json()))  # type: ignore[attr-defined]
    assert doc["provenance"]["sha256"] == r.provenance["sha256"]  # type: ignore[attr-defined]


def test_the_front_door_names_what_the_solver_did(results: dict[str, object]) -> None:
    a = results["analyse"]
    assert a.provenance["method"] == a.result.method  # type: ignore[attr-defined]
    assert a.provenance["guarantee"] == a.result.guarantee  # type: ignore[attr-defined]
    assert results["stackelberg"].provenance["leader"] == "China"  # type: ignore[attr-defined]


def test_the_lower_layers_results_carry_no_front_door_provenance(game: model.Game) -> None:
    """The command line's JSON contract is that of the lower layers: unchanged."""
    from model.analysis import analyse

    assert "provenance" not in analyse(game).to_json()


def test_analysis_frame_is_tidy_and_matches_the_equilibria(results: dict[str, object]) -> None:
    a = results["analyse"]
    df = a.to_frame()  # type: ignore[attr-defined]
    assert df["probability"].dtype == float and df["payoff"].dtype == float
    sums = df.groupby(["equilibrium", "player"])["probability"].sum()
    assert np.allclose(sums.to_numpy(), 1.0)
    eqs = a.equilibria  # type: ignore[attr-defined]
    assert sorted(df["equilibrium"].unique()) == list(range(1, len(eqs) + 1))
    for k, e in enumerate(eqs, start=1):
        rows = df[df["equilibrium"] == k]
        assert set(rows["outcome"].dropna()) <= {e.outcome}
        for p, name in enumerate(a.game.player_names):  # type: ignore[attr-defined]
            mine = rows[rows["player"] == name]
            assert np.allclose(mine["payoff"], e.payoffs[p])
            assert np.allclose(mine["probability"], e.strategies[p][mine["action"]])


def test_sweep_frame_agrees_with_the_wide_table_and_with_analyse(
        game: model.Game, results: dict[str, object]) -> None:
    r = results["sweep"]
    tidy, wide = r.to_frame(), r.wide()  # type: ignore[attr-defined]
    assert tidy.attrs["provenance"]["sha256"] == game.sha256
    for col in ("point", "equilibrium", "action"):
        assert tidy[col].dtype == np.int64
    for col in ("probability", "payoff", "cn_re_revenue_us"):
        assert tidy[col].dtype == float
    assert (tidy.groupby("point")["equilibrium"].max().to_numpy()
            == wide["n_equilibria"].to_numpy()).all()
    for k, value in enumerate(wide["cn_re_revenue_us"]):
        one = model.analyse(game, model.Setting(SETTING.scenario,
                                                {**SETTING.params, "cn_re_revenue_us": value}))
        expected = sorted(round(e.payoffs[0], 9) for e in one.equilibria)
        rows = tidy[(tidy["point"] == k) & (tidy["player"] == game.player_names[0])]
        got = sorted(round(v, 9) for v in rows.groupby("equilibrium")["payoff"].first())
        assert got == expected


def test_robustness_frame_has_a_row_per_sample_equilibrium_player_and_action(
        results: dict[str, object]) -> None:
    r = results["robustness"]
    tidy, wide = r.to_frame(), r.frame()  # type: ignore[attr-defined]
    assert "sample" in tidy.columns and "point" not in tidy.columns
    per_sample = tidy.groupby("sample")["equilibrium"].max()
    assert (per_sample.to_numpy() == wide.set_index("sample").loc[per_sample.index,
                                                                   "n_equilibria"]).all()
    sums = tidy.groupby(["sample", "equilibrium", "player"])["probability"].sum()
    assert np.allclose(sums.to_numpy(), 1.0)


@pytest.mark.parametrize("name", ["bargain", "credibility", "simulate", "tipping_points",
                                  "outcome_map"])
def test_tabular_results_give_a_frame_with_numbers_as_numbers(
        name: str, results: dict[str, object]) -> None:
    df = results[name].to_frame()  # type: ignore[attr-defined]
    assert isinstance(df, pd.DataFrame) and len(df) > 0
    for col in df.columns:
        if col in ("payoff", "gain", "cumulative", "value", "threshold", "deal_payoff"):
            assert pd.api.types.is_float_dtype(df[col]), (name, col)


def test_map_axes_by_name_take_the_plausible_range(game: model.Game,
                                                  results: dict[str, object]) -> None:
    m = results["outcome_map"]
    info = game.parameters["trace_leakage"]
    assert (m.x.low, m.x.high, m.x.n) == (info.low, info.high, 4)  # type: ignore[attr-defined]
    assert len(m.to_frame()) == 16  # type: ignore[attr-defined]
