"""Parameter distributions: the ``distribution`` key of payoff files and the inverse CDFs that
Monte Carlo samplers draw through (``model.sensitivity.distributions``)."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from model.errors import PayoffFileError, UsageError
from model.load import load
from model.payoffs.compiled import ParameterInfo
from model.payoffs.spec import json_schema
from model.sensitivity.distributions import describe, ppf, sample

FIXTURES = Path(__file__).resolve().parent / "fixtures"
BASE = FIXTURES / "base_game.yaml"
BASE_TEXT = BASE.read_text(encoding="utf-8")
DEPENDENCE_RANGE = "range: [0.1, 0.9]"  # the line of the parameter `dependence` (value 0.5)


def info(
    distribution: str = "uniform",
    value: float = 0.85,
    low: float = 0.7,
    high: float = 0.97,
    sd: float | None = None,
) -> ParameterInfo:
    return ParameterInfo("x", value, "share", "est", "A parameter.", low, high, distribution, sd)


ALL = [
    info("uniform"),
    info("triangular"),
    info("normal", sd=0.05),
    info("loguniform"),
    info("triangular", value=0.7),  # mode at an end
    info("normal", value=0.97, sd=0.5),  # mean at an end, wide
]


# ------------------------------------------------------------------------- ppf
def test_existing_constructions_default_to_uniform() -> None:
    p = ParameterInfo("x", 1.0, "u", "s", "X.", 0.0, 2.0)
    assert (p.distribution, p.sd) == ("uniform", None)


@pytest.mark.parametrize("p", ALL, ids=lambda p: f"{p.distribution}-{p.value}")
def test_draws_lie_in_the_range_and_reach_its_ends(p: ParameterInfo) -> None:
    u = np.array([0.0, 1e-12, 0.25, 0.5, 0.75, 1 - 1e-12, 1.0])
    x = ppf(p, u)
    assert x.shape == u.shape
    assert np.all((x >= p.low) & (x <= p.high))
    assert x[0] == pytest.approx(p.low) and x[-1] == pytest.approx(p.high)
    assert np.all(np.diff(x) >= 0)  # an inverse CDF does not decrease


@pytest.mark.parametrize("kind,sd", [("uniform", None), ("triangular", None), ("normal", 0.1)])
def test_the_median_of_a_symmetric_case_is_the_middle(kind: str, sd: float | None) -> None:
    p = info(kind, value=0.5, low=0.2, high=0.8, sd=sd)
    assert ppf(p, np.array([0.5]))[0] == pytest.approx(0.5, abs=1e-12)


def test_the_median_of_log_uniform_is_the_geometric_mean() -> None:
    p = info("loguniform", value=10, low=1, high=100)
    assert ppf(p, np.array([0.5]))[0] == pytest.approx(10)
    # equal steps in u are equal ratios in x
    x = ppf(p, np.linspace(0, 1, 5))
    np.testing.assert_allclose(x[1:] / x[:-1], math.sqrt(10))


def test_ppf_takes_scalars_and_arrays_of_any_shape() -> None:
    p = info("triangular")
    assert ppf(p, np.float64(0.5)).shape == ()
    assert ppf(p, np.full((3, 4), 0.5)).shape == (3, 4)


@pytest.mark.parametrize("u", [-0.1, 1.1, math.nan])
def test_ppf_refuses_numbers_outside_the_unit_interval(u: float) -> None:
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        ppf(info(), np.array([0.5, u]))


@pytest.mark.parametrize(
    "p,text",
    [
        (info("gamma"), "unknown distribution 'gamma'"),
        (info("normal"), "positive sd"),
        (info("loguniform", value=1, low=0, high=2), "low > 0"),
        (info("triangular", value=2), "mode 2 is outside"),
    ],
)
def test_ppf_refuses_an_impossible_distribution(p: ParameterInfo, text: str) -> None:
    with pytest.raises(ValueError, match=text):
        ppf(p, np.array([0.5]))


N = 4000
SEED = 20250601


def test_triangular_draws_follow_the_triangular_distribution() -> None:
    p = info("triangular", value=3.4, low=1.7, high=9.0)
    x = ppf(p, np.random.default_rng(SEED).random(N))
    c = (p.value - p.low) / (p.high - p.low)
    assert stats.kstest(x, stats.triang(c, loc=p.low, scale=p.high - p.low).cdf).pvalue > 0.01
    # and against numpy's own triangular sampler, an independent implementation
    other = np.random.default_rng(SEED + 1).triangular(p.low, p.value, p.high, N)
    assert stats.ks_2samp(x, other).pvalue > 0.01
    assert x.mean() == pytest.approx((p.low + p.value + p.high) / 3, rel=0.02)


def test_normal_draws_follow_the_truncated_normal_distribution() -> None:
    p = info("normal", value=0.85, low=0.7, high=0.97, sd=0.1)
    x = ppf(p, np.random.default_rng(SEED).random(N))
    a, b = (p.low - p.value) / 0.1, (p.high - p.value) / 0.1
    truncated = stats.truncnorm(a, b, loc=p.value, scale=0.1)
    assert stats.kstest(x, truncated.cdf).pvalue > 0.01
    # and against rejection sampling from an untruncated normal
    raw = np.random.default_rng(SEED + 1).normal(p.value, 0.1, 4 * N)
    kept = raw[(raw >= p.low) & (raw <= p.high)]
    assert stats.ks_2samp(x, kept).pvalue > 0.01


def test_log_uniform_draws_follow_the_log_uniform_distribution() -> None:
    p = info("loguniform", value=50, low=1, high=300)
    x = ppf(p, np.random.default_rng(SEED).random(N))
    assert stats.kstest(x, stats.loguniform(1, 300).cdf).pvalue > 0.01


@st.composite
def parameters(draw: st.DrawFn) -> ParameterInfo:
    kind = draw(st.sampled_from(["uniform", "triangular", "normal", "loguniform"]))
    if kind == "loguniform":
        low = draw(st.floats(1e-9, 1e9))
        high = low * draw(st.floats(1 + 1e-9, 1e9))
    else:
        low = draw(st.floats(-1e9, 1e9))
        high = low + draw(st.floats(1e-9, 1e9))
    value = min(max(low + draw(st.floats(0, 1)) * (high - low), low), high)
    sd = (high - low) * draw(st.floats(1e-6, 1e6)) if kind == "normal" else None
    return info(kind, value=value, low=low, high=high, sd=sd)


@settings(max_examples=300, deadline=None)
@given(p=parameters(), u=st.lists(st.floats(0, 1), min_size=1, max_size=20))
def test_draws_stay_in_the_range_for_any_u(p: ParameterInfo, u: list[float]) -> None:
    x = ppf(p, np.array(u))
    assert np.all((x >= p.low) & (x <= p.high)), (p, u, x)


# ------------------------------------------------------------------------- sample, describe
def test_sample_draws_each_name_in_turn_from_the_generator() -> None:
    a, b = info("triangular"), info("normal", sd=0.05)
    game = SimpleNamespace(parameters={"a": a, "b": b})
    draws = sample(game, ["a", "b"], 50, np.random.default_rng(7))  # type: ignore[arg-type]
    rng = np.random.default_rng(7)
    np.testing.assert_array_equal(draws["a"], ppf(a, rng.random(50)))
    np.testing.assert_array_equal(draws["b"], ppf(b, rng.random(50)))
    assert list(draws) == ["a", "b"]


def test_sample_names_an_unknown_parameter() -> None:
    game = load(BASE)
    with pytest.raises(UsageError, match="did you mean 'dependence'"):
        sample(game, ["dependance"], 3, np.random.default_rng(0))


def test_describe_each_form() -> None:
    assert describe(info()) == "uniform on [0.7, 0.97]"
    assert describe(info("triangular")) == "triangular on [0.7, 0.97], mode 0.85"
    assert describe(info("normal", sd=0.05)) == "normal(0.85, sd 0.05) truncated to [0.7, 0.97]"
    assert describe(info("loguniform", value=10, low=1, high=100)) == "log-uniform on [1, 100]"


# ------------------------------------------------------------------------- payoff files
def with_distribution(tmp_path: Path, line: str, name: str = "game.yaml") -> Path:
    path = tmp_path / name
    text = BASE_TEXT.replace(DEPENDENCE_RANGE, f"{DEPENDENCE_RANGE}\n    distribution: {line}")
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "line,kind,sd",
    [
        ("uniform", "uniform", None),
        ("triangular", "triangular", None),
        ("loguniform", "loguniform", None),
        ("{normal: 0.15}", "normal", 0.15),
        ("\n      normal: 2", "normal", 2.0),  # block style, a whole number
    ],
)
def test_each_form_is_read(tmp_path: Path, line: str, kind: str, sd: float | None) -> None:
    game = load(with_distribution(tmp_path, line))
    p = game.parameters["dependence"]
    assert (p.distribution, p.sd) == (kind, sd)
    assert game.parameters["chip_value"].distribution == "uniform"  # the default
    assert np.all((ppf(p, np.linspace(0, 1, 11)) >= 0.1) & (ppf(p, np.linspace(0, 1, 11)) <= 0.9))


def test_a_parameter_without_distribution_is_uniform() -> None:
    game = load(BASE)
    assert {p.distribution for p in game.parameters.values()} == {"uniform"}
    assert {p.sd for p in game.parameters.values()} == {None}


def test_the_shipped_baseline_declares_only_valid_distributions() -> None:
    game = load(Path(__file__).resolve().parents[1] / "payoffs" / "baseline.yaml")
    u = np.linspace(0, 1, 101)
    for p in game.parameters.values():
        x = ppf(p, u)
        assert np.all((x >= p.low) & (x <= p.high)), p.name
    assert game.parameters["gage_gdp_loss"].distribution == "triangular"


def _extend(tmp_path: Path, base_line: str, child: str) -> ParameterInfo:
    with_distribution(tmp_path, base_line, "base.yaml")
    path = tmp_path / "child.yaml"
    path.write_text("extends: base.yaml\n" + child, encoding="utf-8")
    return load(path).parameters["dependence"]


def test_extends_keeps_the_base_distribution(tmp_path: Path) -> None:
    p = _extend(tmp_path, "{normal: 0.1}",
                "parameters:\n  dependence: {value: 0.4, override: true}\n")
    assert (p.value, p.distribution, p.sd) == (0.4, "normal", 0.1)


def test_extends_replaces_or_updates_the_distribution(tmp_path: Path) -> None:
    p = _extend(tmp_path, "{normal: 0.1}",
                "parameters:\n  dependence: {distribution: triangular, override: true}\n")
    assert (p.distribution, p.sd) == ("triangular", None)
    p = _extend(tmp_path, "triangular",
                "parameters:\n  dependence: {distribution: {normal: 0.3}, override: true}\n")
    assert (p.distribution, p.sd) == ("normal", 0.3)
    p = _extend(tmp_path, "{normal: 0.1}",
                "parameters:\n  dependence: {distribution: {normal: 0.2}, override: true}\n")
    assert (p.distribution, p.sd) == ("normal", 0.2)


def test_a_mistake_in_an_inherited_distribution_points_into_the_base(tmp_path: Path) -> None:
    shutil.copy(BASE, tmp_path / "plain.yaml")
    with_distribution(tmp_path, "{normal: -1}", "base.yaml")
    child = tmp_path / "child.yaml"
    child.write_text("extends: base.yaml\ntitle: Child\n", encoding="utf-8")
    with pytest.raises(PayoffFileError) as exc:
        load(child)
    first = exc.value.problems[0]
    assert Path(first.file).name == "base.yaml"
    assert first.field == "parameters.dependence.distribution.normal"
    assert (first.line, first.col) == (25, 28)


def test_the_schema_describes_the_distribution() -> None:
    schema = json_schema()
    field = schema["$defs"]["Parameter"]["properties"]["distribution"]
    assert field["default"] == "uniform"
    forms = field["oneOf"]
    assert forms[0]["enum"] == ["uniform", "triangular", "loguniform"]
    normal = schema["$defs"]["Normal"]
    assert normal["required"] == ["normal"]
    assert normal["properties"]["normal"]["exclusiveMinimum"] == 0
    shipped = json.loads((Path(__file__).resolve().parents[1] / "payoffs" / "schema.json")
                         .read_text(encoding="utf-8"))
    assert shipped["$defs"]["Parameter"]["properties"]["distribution"] == field


RAW = st.one_of(
    st.sampled_from(["uniform", "triangular", "loguniform", "normal", "triangle", "", "Normal"]),
    st.none(), st.booleans(), st.integers(-3, 3), st.floats(allow_nan=True),
    st.lists(st.integers(0, 2), max_size=2),
    st.dictionaries(
        st.sampled_from(["normal", "norml", "mean", "triangular", "sd"]),
        st.one_of(st.floats(allow_nan=True), st.integers(-2, 2), st.text(max_size=3),
                  st.none()),
        max_size=2,
    ),
)


@settings(max_examples=200, deadline=None)
@given(raw=RAW)
def test_any_distribution_value_is_read_or_refused_at_its_place(
    tmp_path_factory: pytest.TempPathFactory, raw: Any
) -> None:
    data = yaml.safe_load(BASE_TEXT)
    data["parameters"]["dependence"]["distribution"] = raw
    path = tmp_path_factory.mktemp("dist") / "game.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    try:
        game = load(path)
    except PayoffFileError as exc:
        first = exc.problems[0]
        assert first.field.startswith("parameters.dependence.distribution"), str(first)
        assert "Traceback" not in exc.render() and "Input should" not in exc.render()
        return
    p = game.parameters["dependence"]
    assert p.distribution in ("uniform", "triangular", "loguniform", "normal")
    x = ppf(p, np.linspace(0, 1, 5))
    assert np.all((x >= p.low) & (x <= p.high))
