"""The teaching app without a browser: its table and chart helpers on the real model, and the
page itself run headless by Streamlit's own tester (streamlit.testing.v1.AppTest)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from optional import missing

import model
from model.app import files, tables

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "payoffs" / "baseline.yaml"
PAGE = ROOT / "model" / "app" / "main.py"


def _broken(text: str) -> str:
    """The baseline with a word where us_re_dependence's value is (line 169)."""
    out = text.replace("  us_re_dependence:\n    value: 0.7\n",
                       "  us_re_dependence:\n    value: lots\n", 1)
    assert out != text
    return out


# ---------------------------------------------------------------------------- helpers
def test_best_replies_and_equilibria_are_marked_in_the_prisoners_dilemma() -> None:
    an = model.analyse(model.load(ROOT / "payoffs/textbook/prisoners_dilemma.yaml"))
    marks = tables.best_reply_marks(an)
    assert marks == [[(False, False), (False, True)], [(True, False), (True, True)]]
    html = tables.bimatrix_html(an)
    assert html.count('class="eq"') == 1  # the one pure equilibrium is framed
    assert "mutual defection" in html and tables.MARK in html
    assert tables.legend_rows(an.game) == []  # small games show their labels


def test_the_baseline_gets_codes_a_legend_and_its_dominance_steps() -> None:
    an = model.analyse(model.load(BASELINE))
    rcode, ccode = tables.action_codes(an.game)
    assert rcode[0] == "R01" and ccode[-1] == "C12"
    legend = tables.legend_rows(an.game)
    assert len(legend) == 24 and legend[0]["action"] == an.game.actions[0][0]
    steps = tables.dominance_steps(an)
    assert len(steps) == len(an.result.dominance.steps) > 0
    assert steps[0].text.startswith("1. US: **R01**") and "strictly dominated by" in steps[0].text
    rows, cols = tables.removed_after(steps, len(steps))
    assert sorted(set(range(12)) - set(rows)) == list(an.result.dominance.rows)
    assert sorted(set(range(12)) - set(cols)) == list(an.result.dominance.cols)
    html = tables.bimatrix_html(an, removed=(rows, cols))
    assert "opacity:0.25" in html
    assert tables.equilibria_summary(an) == ("3 equilibria: E1 china_concedes, E2 us_concedes, "
                                             "E3 mixed")


def test_domination_by_a_mix_is_spelt_out() -> None:
    A = [[3, 0], [0, 3], [1, 1]]
    B = [[1, 0], [0, 1], [0, 0]]
    game_text = _matrix_game(A, B)
    an = model.analyse(files.load_text(game_text, "mix.yaml").game)  # type: ignore[arg-type]
    (step,) = [s for s in tables.dominance_steps(an) if s.player == 0]
    assert "the mix" in step.text and "**R3**" not in step.text.split("dominated by")[1]


def _matrix_game(A: list[list[int]], B: list[list[int]]) -> str:
    def levels(prefix: str, k: int) -> str:
        return ", ".join(f"{prefix}{i + 1}" for i in range(k))

    def rows(M: list[list[int]]) -> str:
        return "\n".join(f"    - [{', '.join(map(str, r))}]" for r in M)

    return (f"title: mix\ndescription: r3 is dominated by a mix\nplayers:\n"
            f"  - name: Row\n    chips:\n      a:\n        description: a\n"
            f"        levels: [{levels('r', len(A))}]\n"
            f"  - name: Column\n    chips:\n      b:\n        description: b\n"
            f"        levels: [{levels('c', len(A[0]))}]\n"
            f"matrices:\n  Row:\n{rows(A)}\n  Column:\n{rows(B)}\n")


def test_an_edited_text_reports_its_problems_as_check_does(tmp_path: Path) -> None:
    text = _broken(BASELINE.read_text())
    loaded = files.load_text(text, "payoffs/baseline.yaml")
    assert loaded.game is None and loaded.lines == (169,)
    copy = tmp_path / "baseline.yaml"
    copy.write_text(text)
    (expected,) = (str(p) for p in model.check(copy))
    assert loaded.problems == (expected.replace(str(copy), "payoffs/baseline.yaml"),)


def test_an_edited_file_that_extends_the_baseline_finds_it() -> None:
    text = ("extends: baseline.yaml\ntitle: edited\nparameters:\n  us_re_dependence:\n"
            "    value: 0.9\n    override: true\n")
    loaded = files.load_text(text, BASELINE.parent / "my_variant.yaml")
    assert loaded.problems == ()
    assert loaded.game is not None and loaded.game.baseline()["us_re_dependence"] == 0.9
    outside = files.load_text("extends: ../../../etc/passwd\n", BASELINE)
    assert loaded.game is not None and outside.game is None


def test_shipped_files_list_the_baseline_first_and_the_textbook_games() -> None:
    names = [p.relative_to(ROOT).as_posix() for p in files.shipped_files()]
    assert names[0] == "payoffs/baseline.yaml"
    assert "payoffs/textbook/prisoners_dilemma.yaml" in names


def test_chart_data_come_from_the_model() -> None:
    from model.app import charts

    game = model.load(BASELINE)
    an = model.analyse(game)
    deal = model.bargain(game).to_json()
    pts = charts.bargain_points(an, deal)
    assert (pts.kind == "profile").sum() == 144
    assert set(pts[pts.kind == "solution"].label) >= {"Nash bargaining", "Kalai-Smorodinsky"}
    assert len(charts.frontier_line(deal)) == len(deal["feasible"]["frontier"])
    tip = model.tipping_points(game, parameter="us_re_dependence").to_json()
    seg = charts.tipping_segments(tip)
    assert len(seg) == 2 and seg.end.iloc[0] == pytest.approx(0.75, abs=1e-3)
    assert seg.equilibria.iloc[1] == "us concedes"
    for chart in (charts.bargain_chart(an, deal), charts.tipping_chart(tip, 0.7),
                  charts.mixed_chart(charts.mixed_bars(an))):
        assert chart.to_dict()["$schema"].startswith("https://vega.github.io/schema/")


# ---------------------------------------------------------------------------- the page
@pytest.fixture(scope="module")
def AppTest():
    try:
        from streamlit.testing.v1 import AppTest as tester
    except ImportError:
        missing("streamlit is not installed (pip install -e '.[app]')")
    return tester


def _page(AppTest, file: Path = BASELINE):
    import os

    os.environ["LEVERAGE_APP_FILE"] = str(file)
    at = AppTest.from_file(str(PAGE), default_timeout=60)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _slider(at, name: str):
    (key,) = [s.key for s in at.slider if s.key.endswith(f":{name}")]
    return at.slider(key=key)


def test_the_page_shows_the_baselines_equilibria_and_every_view_runs(AppTest) -> None:
    at = _page(AppTest)
    assert at.subheader[0].value == ("3 equilibria: E1 china_concedes, E2 us_concedes, "
                                     "E3 mixed")
    s = _slider(at, "us_re_dependence")
    assert (s.min, s.max, s.value) == (0.5, 0.95, 0.7)
    assert "usgs_mcs_2025" in s.help and "share" in s.label
    assert any("bimatrix" in m.value for m in at.markdown)
    for view in at.radio(key="view").options:
        at.radio(key="view").set_value(view).run()
        assert not at.exception, (view, [e.value for e in at.exception])
        assert not at.error, (view, [e.value for e in at.error])


def test_a_slider_changes_the_result_and_reset_brings_it_back(AppTest) -> None:
    at = _page(AppTest)
    _slider(at, "us_re_dependence").set_value(0.8).run()
    assert at.subheader[0].value == "1 equilibrium: E1 us_concedes"
    assert "us_re_dependence=0.8" in " ".join(m.value for m in at.markdown)
    at.button(key="reset").click().run()
    assert _slider(at, "us_re_dependence").value == 0.7
    assert at.subheader[0].value.startswith("3 equilibria")


def test_dominance_goes_step_by_step(AppTest) -> None:
    at = _page(AppTest)
    at.radio(key="view").set_value("Dominance step by step").run()
    assert "Step 0 of" in at.caption[0].value
    at.button(key="next_step").click().run()
    at.button(key="next_step").click().run()
    assert "Step 2 of" in at.caption[0].value
    assert any(m.value.startswith("2. US: **R02**") for m in at.markdown)


def test_a_broken_edit_shows_the_located_error_and_the_app_keeps_working(AppTest) -> None:
    at = _page(AppTest)
    at.radio(key="view").set_value("Edit the file").run()
    (area,) = at.text_area
    area.input(_broken(area.value)).run()
    at.button(key="apply").click().run()
    assert not at.exception
    (error,) = at.error
    assert error.value == ("payoffs/baseline.yaml:169:12: parameters.us_re_dependence.value: "
                           "expected a number, got text 'lots'")
    assert "> " in at.code[0].value and " 169 |     value: lots" in at.code[0].value
    assert at.subheader[0].value.startswith("3 equilibria")  # still the last valid file
    fixed = at.text_area[0].value.replace("value: lots", "value: 0.8")
    at.text_area[0].input(fixed).run()
    at.button(key="apply").click().run()
    assert not at.error
    assert at.subheader[0].value == "1 equilibrium: E1 us_concedes"


def test_another_file_and_a_scenario(AppTest) -> None:
    at = _page(AppTest)
    at.selectbox(key="scenario:payoffs/baseline.yaml").set_value("substitution_2028").run()
    assert "deal" in at.subheader[0].value
    at.selectbox(key="file").set_value("payoffs/textbook/matching_pennies.yaml").run()
    assert not at.exception
    assert at.subheader[0].value.startswith("1 equilibrium: E1 mixed")


# ---------------------------------------------------------------------------- the command
def test_the_command_says_how_to_install_streamlit_when_it_is_missing(tmp_path: Path) -> None:
    code = ("import sys, importlib.util as u; f = u.find_spec; "
            "u.find_spec = lambda n, *a: None if n == 'streamlit' else f(n, *a); "
            "from model.cli import main; sys.exit(main(['app', '--no-browser']))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 2
    assert "pip install -e '.[app]'" in r.stderr


def test_the_command_serves_on_the_given_port_without_telemetry() -> None:
    from model.cli.app import streamlit_command

    cmd = streamlit_command(PAGE, 8600)
    assert cmd[1:4] == ["-m", "streamlit", "run"]
    opts = dict(zip(cmd[5::2], cmd[6::2], strict=True))
    assert opts["--server.port"] == "8600" and opts["--server.headless"] == "true"
    assert opts["--browser.gatherUsageStats"] == "false"
    assert opts["--global.developmentMode"] == "false"
