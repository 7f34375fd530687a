"""The teaching app's page (a Streamlit script): ``leverage app [FILE]`` serves it.

The sidebar picks the payoff file (a shipped one, an uploaded one, or the text edited in the
"Edit the file" view), its scenario, and one slider per parameter. The views show, for that
setting, what the model's front door computes: the bimatrix with best replies and equilibria,
iterated dominance step by step, the equilibria, the bargaining picture, the tipping points,
the outcome map, the simulated path, and the file itself with its problems located.

Loads are cached by the text's SHA-256 and solves by (file, scenario, parameter values), so a
slider moved back, or a view visited again, costs nothing.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from model import api
from model.analysis import Analysis
from model.app import charts, tables
from model.app.files import (
    MAX_APP_PROFILES,
    PAYOFFS,
    Loaded,
    default_file,
    digest,
    load_text,
    shipped_files,
)
from model.errors import LeverageError
from model.game import Game
from model.setting import Setting

#: The file the app opens on (``leverage app FILE`` sets it).
FILE_VARIABLE = "LEVERAGE_APP_FILE"
VIEWS = ("Matrix and equilibria", "Dominance step by step", "Bargaining", "Tipping points",
         "Outcome map", "Simulate", "Edit the file")
UPLOADED = "(uploaded file)"

Params = tuple[tuple[str, float], ...]


# ---------------------------------------------------------------------------- cached work
@st.cache_resource(max_entries=64, show_spinner=False)
def _load(key: str, text: str, name: str) -> Loaded:
    """The game of ``text`` read as the file ``name`` (``key``: the text's hash)."""
    return load_text(text, name, include_dirs=(PAYOFFS,))


@st.cache_resource(max_entries=512, show_spinner=False)
def _analyse(_game: Game, key: str, scenario: str | None, params: Params) -> Analysis:
    return api.analyse(_game, Setting(scenario, dict(params)))


@st.cache_data(max_entries=256, show_spinner=False)
def _bargain(_game: Game, key: str, scenario: str | None, params: Params) -> dict[str, Any]:
    return api.bargain(_game, Setting(scenario, dict(params))).to_json()


@st.cache_data(max_entries=256, show_spinner=False)
def _tipping(_game: Game, key: str, scenario: str | None, params: Params,
             parameter: str) -> dict[str, Any]:
    return api.tipping_points(_game, Setting(scenario, dict(params)),
                                parameter=parameter).to_json()


@st.cache_data(max_entries=64, show_spinner=False)
def _map(_game: Game, key: str, scenario: str | None, params: Params, x: str, y: str,
         n: int) -> tuple[pd.DataFrame, list[float]]:
    m = api.outcome_map(_game, Setting(scenario, dict(params)), x=x, y=y, n=n,
                          workers=1)
    return m.to_frame(), list(m.to_json()["point"])


@st.cache_data(max_entries=64, show_spinner=False)
def _simulate(_game: Game, key: str, scenario: str | None, params: Params,
              periods: int) -> pd.DataFrame:
    return api.simulate(_game, Setting(scenario, dict(params)),
                          periods=periods).to_frame()


# ---------------------------------------------------------------------------- the sidebar
def _label(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(PAYOFFS.parent))
    except ValueError:
        return str(path)


def _pick_source() -> tuple[str, str]:
    """The chosen file's label and its text (an edited text replaces the file's)."""
    start = Path(os.environ.get(FILE_VARIABLE) or default_file())
    choices = {_label(p): p for p in shipped_files()}
    first = _label(start)
    if first not in choices:
        choices = {first: start, **choices}
    box = st.sidebar.container()  # the file's choice above the upload that adds to it
    upload = st.sidebar.file_uploader("...or upload a payoff file", type=["yaml", "yml"])
    names = list(choices)
    if upload is not None:
        names.insert(0, UPLOADED)
    label = box.selectbox("Payoff file", names, index=names.index(first)
                                 if upload is None else 0, key="file")
    if label == UPLOADED and upload is not None:
        text = upload.getvalue().decode("utf-8", errors="replace")
        label = str(PAYOFFS / upload.name)
    else:
        text = choices[label].read_text(encoding="utf-8")
    st.session_state.setdefault("original", {})[label] = text
    edited = st.session_state.setdefault("edited", {}).get(label)
    return label, edited if edited is not None else text


def _slider_key(game: Game, scenario: str | None, name: str) -> str:
    return f"p:{game.sha256[:12]}:{scenario}:{name}"


def _reset(prefix: str) -> None:
    for key in [k for k in st.session_state if str(k).startswith(prefix)]:
        del st.session_state[key]


def _step(span: float) -> float:
    """A round step giving 100 to 1,000 positions, so that round file values lie on it."""
    return float(10.0 ** (math.floor(math.log10(span)) - 2))


def _parameters(game: Game, scenario: str | None) -> dict[str, float]:
    """One slider per parameter (its plausible range, its unit, its source on hover); the
    values that differ from the file's at this scenario."""
    base = game.resolve(None, scenario)
    if not game.parameters:
        st.sidebar.caption("This game has no parameters: its payoffs are numbers.")
        return {}
    st.sidebar.button("Reset to the file's values", on_click=_reset,
                      args=(f"p:{game.sha256[:12]}:{scenario}:",), key="reset")
    changed = {}
    for name, info in game.parameters.items():
        value = float(base[name])
        source = game.sources.get(info.source, "")
        tip = (f"**{info.unit}**. {info.description.strip()}\n\n"
               f"Source ({info.source}): {source}\n\nFile's value: {value:g}")
        key = _slider_key(game, scenario, name)
        low, high = info.low, info.high
        if low is None or high is None or not low < high:
            moved = st.sidebar.number_input(f"{name} ({info.unit})", value=value, help=tip,
                                            key=key)
        else:
            low, high = min(float(low), value), max(float(high), value)
            span = high - low
            moved = st.sidebar.slider(f"{name} ({info.unit})", min_value=low, max_value=high,
                                      value=value, step=_step(span), help=tip, key=key,
                                      format="%.3f" if span < 10 else "%.1f")
        if float(moved) != value:
            changed[name] = float(moved)
    return changed


# ---------------------------------------------------------------------------- the views
def _matrix_view(an: Analysis) -> None:
    game = an.game
    st.markdown(tables.outcome_legend_html(game), unsafe_allow_html=True)
    st.markdown(tables.bimatrix_html(an), unsafe_allow_html=True)
    _legend(game)
    st.markdown("#### All equilibria")
    _equilibria(an)


def _legend(game: Game) -> None:
    legend = tables.legend_rows(game)
    if legend:
        with st.expander("Action legend (the codes R1, C1... of the table)", expanded=False):
            st.dataframe(pd.DataFrame(legend), hide_index=True, width="stretch")


def _equilibria(an: Analysis) -> None:
    rows = tables.equilibria_rows(an)
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    if not an.complete:
        st.warning(f"The search was not exhaustive: {an.result.guarantee}")
    bars = charts.mixed_bars(an)
    if len(bars):
        st.markdown("Mixed equilibria: the probability of each action played")
        st.altair_chart(charts.mixed_chart(bars))


def _dominance_view(an: Analysis, key: str) -> None:
    steps = tables.dominance_steps(an)
    state = f"dom:{key}"
    k = min(int(st.session_state.get(state, 0)), len(steps))
    if not steps:
        st.info("No action is strictly dominated, by a pure or a mixed strategy.")
    c1, c2, _ = st.columns([1, 1, 4])
    if c1.button("Next step", key="next_step", disabled=k >= len(steps)):
        k += 1
    if c2.button("Start again", key="restart"):
        k = 0
    st.session_state[state] = k
    for s in steps[:k]:
        st.markdown(s.text)
    if steps and k >= len(steps):
        d = an.result.dominance
        rcode, ccode = tables.action_codes(an.game)
        pr, pc = an.game.player_names
        st.success(f"Left: {pr} {{{', '.join(rcode[i] for i in d.rows)}}}, "
                   f"{pc} {{{', '.join(ccode[j] for j in d.cols)}}}"
                   + (" — the game is solved by dominance." if len(d.rows) == len(d.cols) == 1
                      else "."))
    elif steps:
        st.caption(f"Step {k} of {len(steps)}: eliminated actions are greyed out.")
    st.markdown(tables.bimatrix_html(an, removed=tables.removed_after(steps, k)),
                unsafe_allow_html=True)
    _legend(an.game)


def _bargain_view(an: Analysis, game: Game, key: str, scenario: str | None,
                  params: Params) -> None:
    deal = _bargain(game, key, scenario, params)
    st.altair_chart(charts.bargain_chart(an, deal))
    st.caption(f"Disagreement point: {deal['disagreement']['description']}. The black line is "
               "the Pareto frontier; the dashed one bounds every lottery over the profiles.")
    rows = []
    for s in deal["solutions"]:
        if s.get("payoffs") is None:
            continue
        terms = " + ".join(f"{t['probability']:.2f} ({', '.join(t['codes'])}) "
                           f"{t.get('outcome') or ''}" for t in s.get("deal") or [])
        rows.append({"solution": s["name"], "payoffs": ", ".join(f"{v:.2f}" for v in
                                                                 s["payoffs"]),
                     "gains": ", ".join(f"{v:.2f}" for v in s.get("gains") or []),
                     "deal (lottery over profiles)": terms})
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")


def _tipping_view(game: Game, key: str, scenario: str | None, params: Params,
                  values: Mapping[str, float]) -> None:
    names = list(game.parameters)
    if not names:
        st.info("This game has no parameters to vary.")
        return
    name = st.selectbox("Parameter", names, key="tip_param",
                        index=names.index("us_re_dependence") if "us_re_dependence" in names
                        else 0)
    rest = tuple((k, v) for k, v in params if k != name)
    tip = _tipping(game, key, scenario, rest, name)
    st.altair_chart(charts.tipping_chart(tip, float(values[name])), height=160)
    if not tip["tipping_points"]:
        st.info(f"The equilibria do not change along {name}'s range "
                f"{tip['range'][0]:g} to {tip['range'][1]:g}.")
    for t in tip["tipping_points"]:
        st.markdown(f"- {t['sentence']}")


def _map_view(game: Game, key: str, scenario: str | None, params: Params) -> None:
    names = list(game.parameters)
    if len(names) < 2:
        st.info("The outcome map needs two parameters.")
        return
    c1, c2, c3 = st.columns([2, 2, 1])
    x = c1.selectbox("x axis", names, key="map_x", index=names.index("us_re_dependence")
                     if "us_re_dependence" in names else 0)
    others = [p for p in names if p != x]
    y = c2.selectbox("y axis", others, key="map_y",
                     index=others.index("patience") if "patience" in others else 0)
    n = int(c3.number_input("points a side", 5, 61, 21, key="map_n"))
    rest = tuple((k, v) for k, v in params if k not in (x, y))
    frame, _ = _map(game, key, scenario, rest, x, y, n)
    point = [dict(params).get(x, game.resolve(None, scenario)[x]),
             dict(params).get(y, game.resolve(None, scenario)[y])]
    st.altair_chart(charts.map_chart(charts.map_frame(frame, x, y), x, y, point))
    st.caption("The cross is the current setting (the sliders).")


def _simulate_view(game: Game, key: str, scenario: str | None, params: Params) -> None:
    periods = st.slider("Periods", 2, 30, 10, key="periods")
    if game.dynamics is None:
        st.info("This file has no dynamics rules: the game is the same every period.")
    frame = _simulate(game, key, scenario, params, periods)
    st.altair_chart(charts.path_chart(charts.path_frame(frame), game))
    with st.expander("The path as a table"):
        st.dataframe(frame, hide_index=True, width="stretch")


def _editor_view(label: str, text: str) -> None:
    st.markdown("Edit the payoff file, then check it: a problem is shown at its line, as "
                "`leverage check` reports it. The app keeps using the last valid text.")
    shown = st.container()  # the problems, above the text they are in
    edited = st.text_area("The payoff file (YAML)", value=text, height=480,
                          key=f"editor:{label}:{digest(text)[:12]}")
    c1, c2, c3 = st.columns([1, 1, 1])
    if c1.button("Check and use this text", key="apply", type="primary"):
        loaded = _load(digest(edited), edited, label)
        if loaded.problems:
            st.session_state["problems"] = (label, edited, loaded.problems, loaded.lines)
        else:
            st.session_state["problems"] = None
            st.session_state["edited"][label] = edited
            st.rerun()
    if c2.button("Back to the file as saved", key="revert"):
        st.session_state["edited"].pop(label, None)
        st.session_state["problems"] = None
        st.rerun()
    c3.download_button("Download the edited file", data=edited, file_name=Path(label).name,
                       mime="text/yaml", key="download")
    found = st.session_state.get("problems")
    if found and found[0] == label:
        with shown:
            _show_problems(found[1], found[2], found[3])


def _show_problems(text: str, problems: tuple[str, ...], lines: tuple[int, ...]) -> None:
    st.error("\n\n".join(problems))
    source = text.splitlines()
    for line in dict.fromkeys(lines):
        lo, hi = max(1, line - 2), min(len(source), line + 2)
        shown = [f"{'>' if k == line else ' '} {k:4d} | {source[k - 1]}" for k in range(lo, hi + 1)]
        st.code("\n".join(shown) or f"line {line}", language=None)


# ---------------------------------------------------------------------------- the page
def main() -> None:
    st.set_page_config(page_title="leverage: the teaching app", layout="wide",
                       initial_sidebar_state="expanded")
    st.sidebar.title("leverage")
    label, text = _pick_source()
    loaded = _load(digest(text), text, label)
    if loaded.game is None:  # a shipped or uploaded file with problems
        st.error("\n\n".join(loaded.problems))
        _editor_view(label, text)
        return
    game = loaded.game
    scenarios = ["(baseline)", *game.scenarios]
    pick = st.sidebar.selectbox("Scenario", scenarios, key=f"scenario:{label}",
                                help="\n\n".join(f"**{s.name}**: {s.description.strip()}"
                                                 for s in game.scenarios.values()) or None)
    scenario = None if pick == "(baseline)" else pick
    changed = _parameters(game, scenario)
    params: Params = tuple(sorted(changed.items()))
    key = digest(text)
    m, n = game.shape
    st.title(game.title)
    setting = Setting(scenario, changed).describe()
    if m * n > MAX_APP_PROFILES:
        st.warning(f"This game has {m} x {n} = {m * n:,} profiles, more than the app shows "
                   f"({MAX_APP_PROFILES:,}); solve it with `leverage solve {label}`.")
        _editor_view(label, text)
        return
    try:
        an = _analyse(game, key, scenario, params)
    except LeverageError as exc:
        st.error(f"{setting}: {exc}")
        return
    st.markdown(f"**{game.player_names[0]}** (rows, {m} actions) against "
                f"**{game.player_names[1]}** (columns, {n} actions); {setting}.")
    st.subheader(tables.equilibria_summary(an))
    view = st.radio("View", VIEWS, horizontal=True, key="view", label_visibility="collapsed")
    values = game.resolve(changed, scenario)
    if view == VIEWS[0]:
        _matrix_view(an)
    elif view == VIEWS[1]:
        _dominance_view(an, f"{key}:{scenario}:{params}")
    elif view == VIEWS[2]:
        _bargain_view(an, game, key, scenario, params)
    elif view == VIEWS[3]:
        _tipping_view(game, key, scenario, params, values)
    elif view == VIEWS[4]:
        _map_view(game, key, scenario, params)
    elif view == VIEWS[5]:
        _simulate_view(game, key, scenario, params)
    else:
        _editor_view(label, text)


if __name__ == "__main__":  # streamlit runs the page as __main__; an import draws nothing
    main()
