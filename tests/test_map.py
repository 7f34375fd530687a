"""Two-parameter outcome maps: the regions are what single solves say, the tipping curves lie
where the outcomes really change, and ``leverage map`` writes what it promises."""

from __future__ import annotations

import csv
import json
import struct
from pathlib import Path

import numpy as np
import pytest

import model
from model.cli.main import main
from model.report.files import write_tables
from model.report.plots import map_png
from model.sensitivity import table
from model.sensitivity.curves import _chain, readable
from model.sensitivity.maps import OutcomeMap, outcome_map
from model.sensitivity.regions import faces

ROOT = Path(__file__).resolve().parents[1]
BASELINE = str(ROOT / "payoffs" / "baseline.yaml")
X, Y = "us_re_dependence", "us_security_weight"


@pytest.fixture(scope="module")
def game() -> model.Game:
    return model.load(BASELINE)


@pytest.fixture(scope="module")
def security(game: model.Game) -> OutcomeMap:
    """Four regions meeting near one point: curves, junctions and a saddle-free grid."""
    return outcome_map(game, f"{X}=0.5:0.95:6", f"{Y}=0:3:6", workers=1)


def outcome_set(game: model.Game, params: dict[str, float]) -> int:
    """The outcome set at one point, from ``model.solve`` (not the sweep engine)."""
    names = table.outcome_names(game)
    bits = 0
    for e in model.solve(*game.matrices(params)).equilibria:
        cells = {game.outcome_of(int(i), int(j)) or table.OTHER
                 for i in e.support[0] for j in e.support[1]}
        name = cells.pop() if len(cells) == 1 else table.MIXED
        bits |= 1 << names.index(name)
    return bits


def test_regions_agree_with_single_solves(game: model.Game, security: OutcomeMap) -> None:
    m = security
    assert m.bits.shape == (len(m.y.values), len(m.x.values)) == (6, 6)
    assert len(m.labels) >= 3  # the map is not trivial
    for i, yv in enumerate(m.y.values):
        for j, xv in enumerate(m.x.values):
            params = {X: float(xv), Y: float(yv)}
            assert m.bits[i, j] == outcome_set(game, params), params
            assert m.counts[i, j] == len(model.solve(*game.matrices(params)).equilibria)


def test_refined_crossings_are_real_changes(game: model.Game, security: OutcomeMap) -> None:
    m = security
    assert m.refined and m.crossings
    width = {"x": m.resolution[0], "y": m.resolution[1]}
    for c in m.crossings:
        i, j = c.edge
        ends = (m.bits[i, j], m.bits[i, j + 1] if c.axis == "x" else m.bits[i + 1, j])
        assert ends[0] != ends[1]  # between grid points with different outcome sets
        axis = m.x if c.axis == "x" else m.y
        lo, hi = (axis.values[j], axis.values[j + 1]) if c.axis == "x" else (
            axis.values[i], axis.values[i + 1])
        assert lo <= c.low < c.high <= hi
        assert c.high - c.low <= width[c.axis] * (1 + 1e-9)
        assert (c.x if c.axis == "x" else c.y) == pytest.approx((c.low + c.high) / 2)
        other = {Y: c.y} if c.axis == "x" else {X: c.x}
        name = X if c.axis == "x" else Y
        before = outcome_set(game, {**other, name: c.low})
        after = outcome_set(game, {**other, name: c.high})
        assert (before, after) == (c.before, c.after)
        assert before != after  # a real change, within the tolerance of the point


def test_curves_join_the_crossings(security: OutcomeMap) -> None:
    m = security
    located = {(c.x, c.y) for c in m.crossings}
    assert m.curves
    seen = set()
    for curve in m.curves:
        assert curve.between[0] < curve.between[1]
        assert len(curve.points) >= 2
        for (x, y), ok in zip(curve.points.tolist(), curve.located.tolist(), strict=True):
            if ok:
                assert (x, y) in located
                seen.add((x, y))
            else:  # a junction: inside the map
                assert m.x.low <= x <= m.x.high and m.y.low <= y <= m.y.high
        pair = set(curve.between)
        for x, y in curve.points[curve.located].tolist():
            c = next(c for c in m.crossings if (c.x, c.y) == (x, y))
            assert {c.before, c.after} == pair
    assert seen == located  # every crossing is on some curve
    assert not np.asarray(m.bits).flags.writeable


def test_fill_covers_the_map_exactly(security: OutcomeMap) -> None:
    """The uncut cells and the polygons the curves cut the others into tile the plane."""
    m = security
    cell_bits, polygons = faces(m)
    dx, dy = np.diff(m.x.values), np.diff(m.y.values)
    uncut = float((np.outer(dy, dx) * (cell_bits >= 0)).sum())

    def area(p: np.ndarray) -> float:
        x, y = p[:, 0], p[:, 1]
        return 0.5 * float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))

    areas = [area(p) for _, p in polygons]
    assert all(a > 0 for a in areas)  # counter-clockwise, not degenerate
    total = (m.x.high - m.x.low) * (m.y.high - m.y.low)
    assert uncut + sum(areas) == pytest.approx(total, rel=1e-9)
    assert {b for b, _ in polygons} <= set(m.labels)


def test_thin_regions_between_grid_points_are_found(game: model.Game) -> None:
    m = outcome_map(game, "years_us_magnet_substitution=1:12:6",
                    "years_cn_eda_substitution=3:15:6", workers=1)
    on_grid = set(np.unique(m.bits).tolist())
    thin = set(m.labels) - on_grid
    assert thin  # at this resolution "truce" lies only between grid points
    assert any(thin & set(c.between) for c in m.curves)


def test_no_refine_puts_crossings_mid_edge(game: model.Game, security: OutcomeMap) -> None:
    m = outcome_map(game, f"{X}=0.5:0.95:6", f"{Y}=0:3:6", refine=False, workers=1)
    assert not m.refined
    assert np.array_equal(m.bits, security.bits)
    assert m.solves == m.grid_solves == 36
    for c in m.crossings:
        axis = m.x if c.axis == "x" else m.y
        k = c.edge[1] if c.axis == "x" else c.edge[0]
        assert (c.low, c.high) == (axis.values[k], axis.values[k + 1])


def test_frame_columns_and_summary(security: OutcomeMap) -> None:
    m = security
    df = m.frame()
    assert list(df.columns) == m.columns() == [
        X, Y, "n_equilibria", "outcomes", "has_deal", "has_trade_war", "has_us_concedes",
        "has_china_concedes", "has_truce", "has_other", "has_mixed"]
    assert len(df) == m.bits.size
    assert df[X].iloc[1] == m.x.values[1] and df[Y].iloc[1] == m.y.values[0]  # x fastest
    for _, row in df.iterrows():
        names = set(str(row["outcomes"]).split(" + "))
        for o in m.outcomes:
            assert row["has_" + table.column_name(o)] == (o in names)
    assert sum(m.shares().values()) == pytest.approx(1.0)
    text = m.summary()
    assert "lies in" in text and "Tipping curves" in text
    assert readable("us_concedes + china_concedes + (mixed)") == \
        "us concedes + china concedes + mixed"


def test_chain_joins_segments_into_lines() -> None:
    assert _chain([(1, 2), (3, 2), (3, 4)]) in ([[1, 2, 3, 4]], [[4, 3, 2, 1]])
    loop = _chain([(1, 2), (2, 3), (3, 1)])
    assert len(loop) == 1 and loop[0][0] == loop[0][-1] and len(loop[0]) == 4
    star = _chain([(0, -1), (1, -1), (2, -1)])  # three lines from a junction
    assert sorted(len(line) for line in star) == [2, 2, 2]


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_png_is_a_sensible_image(security: OutcomeMap) -> None:
    data = map_png(security)
    w, h = _png_size(data)
    assert 1000 <= w <= 2500 and 600 <= h <= 1600
    assert 20_000 < len(data) < 2_000_000
    hatched = map_png(security, colours={b: ("#DDDDDD", "//") for b in security.labels})
    assert _png_size(hatched) == (w, h)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_writes_png_csv_curves_and_summary(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    png = tmp_path / "map.png"
    code, out, err = run(capsys, "map", BASELINE, "--vary", f"{X}=0.5:0.95:5",
                         "--vary", f"{Y}=0:3:4", "--out", str(png), "--workers", "1")
    assert code == 0, err
    _png_size(png.read_bytes())
    with (tmp_path / "map.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 20
    assert list(rows[0]) == [X, Y, "n_equilibria", "outcomes", "has_deal", "has_trade_war",
                             "has_us_concedes", "has_china_concedes", "has_truce",
                             "has_other", "has_mixed"]
    assert {r["has_mixed"] for r in rows} <= {"True", "False"}
    prov = json.loads((tmp_path / "map.csv.provenance.json").read_text())
    assert prov["map"]["refine"] is True and prov["points"] == 20
    with (tmp_path / "map.curves.csv").open() as fh:
        curves = list(csv.DictReader(fh))
    assert curves and list(curves[0]) == ["curve", "from", "to", X, Y, "located"]
    assert "Share of the map" in out and "Tipping curves" in out


def test_cli_csv_elsewhere_and_scenario(tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "map", BASELINE, "--vary", f"{X}=0.5:0.95:3",
                         "--vary", f"{Y}=0:3:3", "--scenario", "dec_2024", "--no-refine",
                         "--out", str(tmp_path / "a.png"), "--csv", str(tmp_path / "b.csv"),
                         "--workers", "1")
    assert code == 0, err
    assert (tmp_path / "b.csv").exists() and not (tmp_path / "a.csv").exists()
    assert "scenario dec_2024" in out


@pytest.mark.parametrize("varies, message", [
    ([f"{X}=0.5:0.95:5"], "exactly two --vary"),
    ([f"{X}=0.5:0.95:5", f"{Y}=0:3:4", "spiral=0:2:3"], "exactly two --vary"),
    ([f"{X}=0.95:0.5:5", f"{Y}=0:3:4"], "LO must be below HI"),
    ([f"{X}=0.5:0.95:1", f"{Y}=0:3:4"], "N must be at least 2"),
    ([f"{X}=0.1:0.95:5", f"{Y}=0:3:4"], "outside the declared range"),
    ([f"{X}=0.5:abc:5", f"{Y}=0:3:4"], "is not a number"),
    ([f"{X}=0.5:0.95", f"{Y}=0:3:4"], "expects NAME=LO:HI:N"),
    ([f"{X}=0.5:0.95:5", f"{X}=0.5:0.9:4"], "given twice"),
    (["nope=0:1:3", f"{Y}=0:3:4"], "unknown parameter"),
])
def test_cli_refuses_bad_axes(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                              varies: list[str], message: str) -> None:
    argv = ["map", BASELINE, "--out", str(tmp_path / "m.png")]
    for v in varies:
        argv += ["--vary", v]
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert message in err
    assert not (tmp_path / "m.png").exists()


@pytest.mark.parametrize("extra, message", [
    (["--out", "m.csv"], "must end in .png or .svg"),
    (["--out", "m.png", "--csv", "m.parquet"], "must end in .csv"),
    (["--out", "m.png", "--set", f"{X}=0.6"], "both varied"),
    (["--out", "m.png", "--no-refine", "--resolution", "0.01"], "--resolution"),
])
def test_cli_refuses_bad_outputs(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                 extra: list[str], message: str,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, "map", BASELINE, "--vary", f"{X}=0.5:0.95:3",
                       "--vary", f"{Y}=0:3:3", *extra)
    assert code == 2
    assert message in err


def test_write_tables_refuses_other_formats(security: OutcomeMap, tmp_path: Path) -> None:
    with pytest.raises(model.UsageError):
        write_tables(security, tmp_path / "m.parquet")
