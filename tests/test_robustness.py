"""Monte Carlo robustness: the probabilities against a direct loop of model.solve, the Wilson
interval against published values, draws independent of chunking and workers, Sobol' indices
of a parameter that does nothing, the tornado against a hand computation, the command line."""

from __future__ import annotations

import itertools
import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from scipy.stats import binomtest

import model
from model.cli.main import main
from model.errors import UsageError
from model.report.plots import tornado_png
from model.sensitivity.engine import Setting
from model.sensitivity.indices import sobol_indices, tornado
from model.sensitivity.montecarlo import robustness, wilson
from model.sensitivity.sampling import MonteCarlo, varied_parameters
from model.sensitivity.table import MIXED, OTHER, outcome_names

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "payoffs/baseline.yaml"
HAWK_DOVE = ROOT / "payoffs/textbook/hawk_dove.yaml"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def baseline() -> model.Game:
    return model.load(BASELINE)


@pytest.fixture(scope="module")
def hawk_dove() -> model.Game:
    return model.load(HAWK_DOVE)


@pytest.fixture(scope="module")
def hawk_dove_noise(tmp_path_factory: pytest.TempPathFactory) -> model.Game:
    """Hawk-dove with a parameter that appears in no payoff."""
    folder = tmp_path_factory.mktemp("games")
    shutil.copy(HAWK_DOVE, folder / "hawk_dove.yaml")  # a base must be in the child's folder
    path = folder / "hawk_dove_noise.yaml"
    path.write_text(
        "extends: hawk_dove.yaml\n"
        "parameters:\n"
        "  noise:\n"
        "    value: 1\n"
        "    unit: fitness\n"
        "    source: maynard_smith_1982\n"
        "    description: Appears in no payoff.\n"
        "    range: [0, 5]\n"
    )
    return model.load(path, include_dirs=[HAWK_DOVE.parent])


# ---------------------------------------------------------------------------- direct loop
def _outcomes_by_solve(game: model.Game, params: dict[str, float],
                       scenario: str | None = None) -> tuple[int, set[str]]:
    """The number of equilibria and their outcome labels, from model.solve on one point."""
    A, B = game.matrices(params, scenario)
    res = model.solve(A, B)
    labels = set()
    for e in res.equilibria:
        x, y = e.strategies
        cells = {game.outcome_of(int(i), int(j)) or OTHER
                 for i in np.flatnonzero(x > 0) for j in np.flatnonzero(y > 0)}
        labels.add(cells.pop() if len(cells) == 1 else MIXED)
    return len(res.equilibria), labels


@pytest.mark.parametrize("scenario, fixed", [(None, {}), ("dec_2024", {"spiral": 0.5})])
def test_probabilities_agree_with_a_direct_loop_of_solve(baseline, scenario, fixed):
    N = 80
    r = robustness(baseline, N, seed=7, scenario=scenario, params=fixed, workers=1)
    df = r.frame()
    drawn = list(r.distributions)
    names = outcome_names(baseline)
    counts = {name: 0 for name in names}
    unique = {name: 0 for name in names}
    n_eq: dict[int, int] = {}
    for k in range(N):
        params = {p: float(df.at[k, p]) for p in drawn}
        params.update(fixed)
        n, labels = _outcomes_by_solve(baseline, params, scenario)
        assert int(df.at[k, "n_equilibria"]) == n
        assert set(str(df.at[k, "outcomes"]).split(" + ")) == labels
        n_eq[n] = n_eq.get(n, 0) + 1
        for lab in labels:
            counts[lab] += 1
            unique[lab] += n == 1
    for name in names:
        assert r.probability(name).count == counts[name], name
        assert r.probability(name).p == counts[name] / N
        assert r.unique_probability(name).count == unique[name], name
    assert {n: v.count for n, v in r.n_equilibria.items()} == n_eq
    assert r.unique.count == n_eq.get(1, 0)


def test_scenario_and_set_parameters_are_held(baseline, hawk_dove):
    assert varied_parameters(hawk_dove) == ["V", "C"]
    assert varied_parameters(hawk_dove, scenario="costly_fight") == ["V"]
    assert varied_parameters(hawk_dove, fixed={"V": 3}) == ["C"]
    # named explicitly, a scenario's parameter is drawn after all
    assert varied_parameters(hawk_dove, scenario="costly_fight", vary_only=["C"]) == ["C"]
    r = robustness(hawk_dove, 50, seed=2, scenario="costly_fight", workers=1)
    assert list(r.distributions) == ["V"]
    # C = 10 >= V everywhere: hawk-hawk is never the equilibrium
    assert r.probability("fight").count == 0
    assert r.probability("one_takes_all").count == 50
    spiral = robustness(baseline, 20, seed=2, params={"spiral": 0.1}, workers=1)
    assert "spiral" not in spiral.distributions
    assert spiral.provenance["set"] == {"spiral": 0.1}


# ---------------------------------------------------------------------------- Wilson
def test_wilson_known_values():
    # by hand, z = 1.959964, z^2 = 3.841459:
    # 0 of 10: the upper end is z^2 / (n + z^2) = 3.841459 / 13.841459 = 0.277533
    lo, hi = wilson(0, 10)
    assert lo == 0.0 and hi == pytest.approx(3.841459 / 13.841459, abs=1e-6)
    # 5 of 10: centred on 1/2, half-width z / (1 + z^2/n) * sqrt(1/40 + z^2/400)
    #        = 1.959964 / 1.384146 * sqrt(0.025 + 0.009604) = 0.263399
    lo, hi = wilson(5, 10)
    assert lo == pytest.approx(0.5 - 0.263407, abs=1e-6)
    assert hi == pytest.approx(0.5 + 0.263407, abs=1e-6)
    assert wilson(10, 10) == (pytest.approx(1 - 0.277533, abs=1e-6), 1.0)
    # Newcombe, R.G. (1998), Two-sided confidence intervals for the single proportion:
    # comparison of seven methods, Statistics in Medicine 17, 857-872, Table I, method 3
    # (the Wilson score interval without continuity correction)
    for k, n, low, high in [(81, 263, 0.2553, 0.3662), (15, 148, 0.0624, 0.1605),
                            (0, 20, 0.0, 0.1611), (1, 29, 0.0061, 0.1718)]:
        lo, hi = wilson(k, n)
        assert (round(lo, 4), round(hi, 4)) == (low, high)
    with pytest.raises(ValueError):
        wilson(3, 2)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 5000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_wilson_matches_scipy_and_contains_the_estimate(kn):
    k, n = kn
    lo, hi = wilson(k, n)
    ref = binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    assert lo == pytest.approx(ref.low, abs=1e-9)
    assert hi == pytest.approx(ref.high, abs=1e-9)
    assert 0.0 <= lo <= k / n <= hi <= 1.0


# ---------------------------------------------------------------------------- draws
@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**64 - 1),
       cuts=st.lists(st.integers(1, 299), max_size=8, unique=True))
def test_draws_do_not_depend_on_chunking(baseline, seed, cuts):
    params = tuple(baseline.parameters.values())
    source = MonteCarlo(params, 300, seed)
    whole = source.points(0, 300)
    edges = [0, *sorted(cuts), 300]
    parts = [source.points(a, b) for a, b in itertools.pairwise(edges)]
    for name, values in whole.items():
        assert np.array_equal(np.concatenate([p[name] for p in parts]), values)
        info = baseline.parameters[name]
        assert ((values >= info.low) & (values <= info.high)).all()
    # a parameter's draws do not depend on which others are drawn
    alone = MonteCarlo((baseline.parameters["spiral"],), 300, seed).points(0, 300)
    assert np.array_equal(alone["spiral"], whole["spiral"])


def test_draws_follow_the_declared_distribution(baseline):
    info = baseline.parameters["gage_gdp_loss"]
    assert info.distribution == "triangular"
    x = MonteCarlo((info,), 20000, 11).points(0, 20000)[info.name]
    c = (info.value - info.low) / (info.high - info.low)
    cdf = stats.triang(c, loc=info.low, scale=info.high - info.low).cdf
    assert stats.kstest(x, cdf).pvalue > 1e-3
    u = MonteCarlo((baseline.parameters["patience"],), 20000, 11).uniforms(0, 20000)
    assert stats.kstest(u["patience"], "uniform").pvalue > 1e-3
    other = MonteCarlo((info,), 20000, 12).points(0, 20000)[info.name]
    assert not np.array_equal(x, other)


def test_results_do_not_depend_on_chunks_or_workers(baseline):
    one = robustness(baseline, 500, seed=5, workers=1, chunk=37)
    two = robustness(baseline, 500, seed=5, workers=2, chunk=64)
    whole = robustness(baseline, 500, seed=5, workers=1)
    a, b, c = one.frame(), two.frame(), whole.frame()
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(a, c)
    assert one.to_json() == two.to_json()


# ---------------------------------------------------------------------------- Sobol
def test_sobol_finds_the_parameter_that_does_nothing(hawk_dove_noise):
    game = hawk_dove_noise
    names = ["V", "C", "noise"]
    df = sobol_indices(game, ["P(fight)", "Row_payoff"], names, Setting(), samples=256,
                       seed=3, workers=1)
    assert set(df.columns) >= {"output", "parameter", "S1", "S1_conf", "ST", "ST_conf"}
    assert len(df) == 6
    for out in ("P(fight)", "Row_payoff"):
        sub = df[df.output == out].set_index("parameter")
        # fight is the equilibrium exactly when V > C: both matter a great deal
        assert sub.loc["V", "ST"] > 0.2 and sub.loc["C", "ST"] > 0.2
        assert abs(sub.loc["noise", "ST"]) < 0.01
        assert abs(sub.loc["noise", "S1"]) < 0.01
        assert list(sub.index)[-1] == "noise"  # sorted by total index
    again = sobol_indices(game, ["P(fight)", "Row_payoff"], names, Setting(), samples=256,
                          seed=3, workers=1)
    pd.testing.assert_frame_equal(df, again)


def test_sobol_through_robustness(hawk_dove):
    r = robustness(hawk_dove, 100, seed=1, sobol="n_equilibria", sobol_samples=64, workers=1)
    assert r.sobol is not None and set(r.sobol.parameter) == {"V", "C"}
    assert r.provenance["sobol"]["runs"] == 64 * 4
    doc = r.to_json()
    assert [s["parameter"] for s in doc["sobol"]] == list(r.sobol.parameter)
    with pytest.raises(UsageError, match="power of two"):
        robustness(hawk_dove, 10, seed=1, sobol="n_equilibria", sobol_samples=100)
    with pytest.raises(UsageError, match="did you mean 'P\\(fight\\)'"):
        robustness(hawk_dove, 10, seed=1, sobol="fight")


# ---------------------------------------------------------------------------- tornado
def test_tornado_against_a_hand_computation(hawk_dove_noise):
    t = tornado(hawk_dove_noise)  # the first player's mean equilibrium payoff
    assert t.output == "Row_payoff"
    # V = 2, C = 4: pure equilibria give Row V = 2 and 0; the mixed one, hawk with
    # probability V/C, gives (1 - V/C) V/2 = 1/2. Mean 5/6.
    assert t.baseline == pytest.approx(5 / 6)
    assert t.baseline_outcomes == "one_takes_all + (mixed)"
    bars = {b.parameter: b for b in t.bars}
    # V = 0.5: (0.5 + 0 + (1 - 1/8) * 0.25) / 3; V = 10 > C: hawk dominant, (V - C)/2 = 3
    assert bars["V"].value_low == pytest.approx((0.5 + 0.875 * 0.25) / 3)
    assert bars["V"].value_high == pytest.approx(3.0)
    assert bars["V"].outcomes_high == "fight"
    # C = 0.5 < V: (V - C)/2 = 0.75; C = 20: (2 + 0 + 0.9 * 1) / 3
    assert bars["C"].value_low == pytest.approx(0.75)
    assert bars["C"].value_high == pytest.approx(2.9 / 3)
    assert bars["C"].outcomes_low == "fight"
    assert bars["noise"].swing == 0.0
    assert [b.parameter for b in t.bars] == ["V", "C", "noise"]
    assert t.bars[0].swing == pytest.approx(3 - (0.5 + 0.875 * 0.25) / 3)
    # the column player's view, and a scenario: C held at 1, so V alone swings
    t2 = tornado(hawk_dove_noise, "n_equilibria", scenario="cheap_fight")
    assert [b.parameter for b in t2.bars] == ["V", "noise"]
    assert t2.baseline == 1.0
    v = t2.bars[0]
    assert (v.value_low, v.value_high) == (3.0, 1.0)  # V = 0.5 < C = 1: hawk-dove again


def test_tornado_png_is_a_png(hawk_dove):
    png = tornado_png(tornado(hawk_dove, "P(fight)"))
    assert png.startswith(PNG_MAGIC)


# ---------------------------------------------------------------------------- command line
def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_report_json_csv_and_png(capsys, tmp_path):
    png = tmp_path / "tornado.png"
    csv = tmp_path / "samples.csv"
    code, out, err = run(capsys, "robustness", HAWK_DOVE, "--samples", 200, "--seed", 4,
                         "--sobol", "P(fight)", "Row_payoff", "--sobol-samples", 32,
                         "--tornado", png, "--out", csv, "--workers", 1)
    assert code == 0, err
    for text in ("fight", "one_takes_all", "Wilson", "Number of equilibria",
                 "Unique equilibrium", "Sobol'", "uniform on [0.5, 10]", "Provenance",
                 "seed 4"):
        assert text in out, text
    data = png.read_bytes()
    assert data.startswith(PNG_MAGIC)
    import matplotlib.image

    image = matplotlib.image.imread(png)
    assert image.shape[0] > 300 and image.shape[1] > 800
    df = pd.read_csv(csv)
    assert len(df) == 200 and {"sample", "V", "C", "n_equilibria", "outcomes",
                               "Row_payoff"} <= set(df.columns)
    prov = json.loads((tmp_path / "samples.csv.provenance.json").read_text())
    assert prov["seed"] == 4 and prov["points"] == 200
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "samples.csv", "samples.csv.provenance.json", "tornado.png"]

    code, out, err = run(capsys, "robustness", HAWK_DOVE, "--samples", 200, "--seed", 4,
                         "--json", "--workers", 1)
    assert code == 0, err
    doc = json.loads(out)
    assert {"file", "sha256", "samples", "seed", "varied", "outcomes", "n_equilibria",
            "unique", "sobol", "tornado", "provenance"} <= doc.keys()
    fight = next(o for o in doc["outcomes"] if o["outcome"] == "fight")
    assert fight["equilibrium"]["count"] == int((df["outcomes"] == "fight").sum())
    k = fight["equilibrium"]["count"]
    assert (fight["equilibrium"]["low"], fight["equilibrium"]["high"]) == wilson(k, 200)
    assert doc["sobol"] is None and doc["tornado"] is None
    assert sum(n["count"] for n in doc["n_equilibria"]) == 200


def test_cli_checkpoint_is_removed_after_the_run(capsys, tmp_path):
    ck = tmp_path / "ck"
    code, _, err = run(capsys, "robustness", HAWK_DOVE, "--samples", 100, "--seed", 1,
                       "--sobol", "n_equilibria", "--sobol-samples", 16, "--checkpoint", ck,
                       "--chunk", 30, "--workers", 1)
    assert code == 0, err
    assert not ck.exists()


@pytest.mark.parametrize("args, message", [
    (["--samples", "0", "--seed", "1"], "--samples must be at least 1"),
    (["--samples", "10", "--seed", "-1"], "seed"),
    (["--samples", "10", "--seed", "1", "--sobol", "P(fihgt)"], "did you mean 'P(fight)'"),
    (["--samples", "10", "--seed", "1", "--sobol", "row_payof"], "did you mean 'Row_payoff'"),
    (["--samples", "10", "--seed", "1", "--sobol", "P(fight)", "--sobol-samples", "8"],
     "power of two of at least 16"),
    (["--samples", "10", "--seed", "1", "--sobol", "P(fight)", "--sobol-samples", "100"],
     "try 64 or 128"),
    (["--samples", "10", "--seed", "1", "--vary-only", "Vv"], "unknown parameter 'Vv'"),
    (["--samples", "10", "--seed", "1", "--vary-only", "V,V"], "twice"),
    (["--samples", "10", "--seed", "1", "--vary-only", "V", "--set", "V=3"],
     "both varied"),
    (["--samples", "10", "--seed", "1", "--set", "cost=3"], "unknown parameter 'cost'"),
    (["--samples", "10", "--seed", "1", "--tornado-output", "Row_payoff"], "goes with"),
    (["--samples", "10", "--seed", "1", "--tornado", "t.png", "--tornado-output", "US_payoff"],
     "unknown output 'US_payoff'"),
    (["--samples", "10", "--seed", "1", "--tornado", "t.jpg"], ".png or .svg"),
    (["--samples", "10", "--seed", "1", "--out", "x.txt"], ".csv or .parquet"),
    (["--samples", "10", "--seed", "1", "--scenario", "cheap"], "did you mean 'cheap_fight'"),
    (["--samples", "10", "--seed", "1", "--set", "V=1", "--set", "C=2"], "no parameter left"),
    (["--samples", "10", "--seed", "1", "--workers", "0"], "--workers"),
    (["--samples", "10", "--seed", "1", "--allow-outside"], "does not apply"),
    (["--samples", "10", "--seed", "1", "--resume"], "--checkpoint"),
    (["--samples", "ten", "--seed", "1"], "invalid int"),
    (["--seed", "1"], "--samples"),
])
def test_cli_bad_input_exits_2(capsys, tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    try:
        code = main(["robustness", str(HAWK_DOVE), *args])
    except SystemExit as exc:  # argparse's own errors
        code = exc.code
    _, err = capsys.readouterr()
    assert code == 2
    assert message in err
    assert not list(tmp_path.iterdir())  # nothing written


def test_api_bad_input(hawk_dove):
    with pytest.raises(UsageError, match="at least 1"):
        robustness(hawk_dove, 0, seed=1)
    with pytest.raises(UsageError, match="whole number"):
        robustness(hawk_dove, 10, seed=1.5)  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="did you mean 'V'"):
        robustness(hawk_dove, 10, seed=1, vary_only=["v"])
    with pytest.raises(UsageError, match="unknown scenario"):
        tornado(hawk_dove, scenario="nope")
    with pytest.raises(UsageError, match="unknown outcome"):
        robustness(hawk_dove, 5, seed=1, workers=1).probability("fihgt")
    r = robustness(hawk_dove, 40, seed=9, workers=1)
    # a unique equilibrium has exactly one outcome label
    assert sum(row.unique.count for row in r.outcomes) == r.unique.count
