"""Chart data and charts for the app, from the model's results: the bargaining picture, the
mixed strategies, the tipping line, the outcome map and the simulated path.

The data functions return pandas DataFrames (tests read them); the chart functions turn them
into Altair charts, which Streamlit draws with the Vega it serves itself (nothing is fetched).

>>> import model
>>> from model.app.charts import bargain_points
>>> game = model.load("payoffs/textbook/prisoners_dilemma.yaml")
>>> an = model.analyse(game)
>>> pts = bargain_points(an, model.bargain(game).to_json())
>>> sorted(pts["kind"].unique())
['disagreement', 'profile', 'solution']
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import altair as alt
import numpy as np
import pandas as pd

from model.analysis import Analysis
from model.app.tables import OUTCOME_TINTS, action_codes
from model.game import Game

#: The outcome colours of the charts (Paul Tol's bright scheme, colour-blind safe).
OUTCOME_COLOURS = ("#4477AA", "#EE6677", "#228833", "#CCBB44", "#66CCEE", "#AA3377", "#BBBBBB")
WIDTH = 640


def outcome_scale(game: Game, extra: Sequence[str] = ()) -> alt.Scale:
    """The same colour for an outcome on every chart of a file."""
    names = [o.name for o in game.outcomes]
    names += [e for e in extra if e not in names]
    colours = [OUTCOME_COLOURS[k % len(OUTCOME_COLOURS)] for k in range(len(names))]
    return alt.Scale(domain=names, range=colours)


def bargain_points(an: Analysis, deal: Mapping[str, Any]) -> pd.DataFrame:
    """Every pure profile's payoffs, the disagreement point and the bargaining solutions."""
    game = an.game
    rcode, ccode = action_codes(game)
    m, n = an.A.shape
    rows = [{"kind": "profile", "label": f"({rcode[i]}, {ccode[j]})",
             "outcome": game.outcome_of(i, j) or "other",
             "u": float(an.A[i, j]), "v": float(an.B[i, j])}
            for i in range(m) for j in range(n)]
    d = deal["disagreement"]["payoffs"]
    rows.append({"kind": "disagreement", "label": "disagreement", "outcome": "",
                 "u": float(d[0]), "v": float(d[1])})
    for s in deal["solutions"]:
        if s.get("payoffs") is None:
            continue
        rows.append({"kind": "solution", "label": s["name"], "outcome": "",
                     "u": float(s["payoffs"][0]), "v": float(s["payoffs"][1])})
    return pd.DataFrame(rows)


def frontier_line(deal: Mapping[str, Any]) -> pd.DataFrame:
    """The Pareto frontier's vertices, in order along it (the row player's payoff rising)."""
    pts = [(float(f["payoffs"][0]), float(f["payoffs"][1])) for f in deal["feasible"]["frontier"]]
    pts.sort()
    return pd.DataFrame(pts, columns=["u", "v"]).assign(order=range(len(pts)))


def hull_polygon(deal: Mapping[str, Any]) -> pd.DataFrame:
    """The feasible set's boundary (the convex hull of the profiles), closed."""
    hull = [(float(u), float(v)) for u, v in deal["feasible"]["hull"] or []]
    if hull:
        hull.append(hull[0])
    return pd.DataFrame(hull, columns=["u", "v"]).assign(order=range(len(hull)))


def bargain_chart(an: Analysis, deal: Mapping[str, Any]) -> alt.LayerChart:
    """Payoff space: the feasible set, every profile by outcome, the Pareto frontier, the
    disagreement point and the Nash, Kalai-Smorodinsky and egalitarian points."""
    pr, pc = an.game.player_names
    pts = bargain_points(an, deal)
    x = alt.X("u:Q", title=f"{pr} payoff", scale=alt.Scale(zero=False))
    y = alt.Y("v:Q", title=f"{pc} payoff", scale=alt.Scale(zero=False))
    hull = alt.Chart(hull_polygon(deal)).mark_line(color="#999", strokeDash=[4, 3]).encode(
        x=x, y=y, order="order:Q")
    profiles = alt.Chart(pts[pts.kind == "profile"]).mark_circle(size=70, opacity=0.8).encode(
        x=x, y=y, color=alt.Color("outcome:N", scale=outcome_scale(an.game, ["other"]),
                                  title="outcome"),
        tooltip=["label", "outcome", alt.Tooltip("u:Q", format=".2f", title=pr),
                 alt.Tooltip("v:Q", format=".2f", title=pc)])
    frontier = alt.Chart(frontier_line(deal)).mark_line(color="#222", strokeWidth=3).encode(
        x=x, y=y, order="order:Q")
    special = pts[pts.kind != "profile"]
    marks = alt.Chart(special).mark_point(size=220, filled=True, stroke="#000").encode(
        x=x, y=y, shape=alt.Shape("label:N", title="point"),
        fill=alt.value("#000"),
        tooltip=["label", alt.Tooltip("u:Q", format=".2f", title=pr),
                 alt.Tooltip("v:Q", format=".2f", title=pc)])
    return (hull + profiles + frontier + marks).properties(width=WIDTH, height=440)


def mixed_bars(an: Analysis) -> pd.DataFrame:
    """The probabilities of the mixed equilibria: equilibrium, player, action code, p."""
    game = an.game
    rcode, ccode = action_codes(game)
    rows = []
    for k, e in enumerate(an.equilibria, start=1):
        x, y = e.strategies
        if int((x > 0).sum()) == 1 and int((y > 0).sum()) == 1:
            continue
        for player, p, code, labels in ((0, x, rcode, game.actions[0]),
                                        (1, y, ccode, game.actions[1])):
            for a in np.flatnonzero(p > 0):
                rows.append({"equilibrium": f"E{k}", "player": game.player_names[player],
                             "action": code[int(a)], "label": labels[int(a)],
                             "probability": float(p[int(a)])})
    return pd.DataFrame(rows, columns=["equilibrium", "player", "action", "label",
                                       "probability"])


def mixed_chart(bars: pd.DataFrame) -> alt.FacetChart:
    """A bar per action played by each mixed equilibrium, a panel per equilibrium and player."""
    return alt.Chart(bars).mark_bar(color="#4477AA").encode(
        x=alt.X("probability:Q", scale=alt.Scale(domain=[0, 1])),
        y=alt.Y("action:N", title=None),
        tooltip=["label", alt.Tooltip("probability:Q", format=".3f")],
    ).properties(width=260, height=alt.Step(26)).facet(
        row=alt.Row("equilibrium:N", title=None), column=alt.Column("player:N", title=None))


def _outcomes_text(items: Sequence[Mapping[str, Any]]) -> str:
    names = [str(e.get("outcome") or "(none)").replace("_", " ") for e in items]
    return " + ".join(sorted(set(names), key=names.index)) or "none"


def tipping_segments(tip: Mapping[str, Any]) -> pd.DataFrame:
    """The parameter's range cut at its tipping points: each piece with the equilibria's
    outcomes on it."""
    lo, hi = (float(v) for v in tip["range"])
    points = tip["tipping_points"]
    cuts = [lo, *(float(t["value"]) for t in points), hi]
    if points:
        labels = [_outcomes_text(points[0]["before"])]
        labels += [_outcomes_text(t["after"]) for t in points]
    else:
        labels = [_outcomes_text(tip.get("equilibria") or tip.get("at_low") or [])]
    return pd.DataFrame({"start": cuts[:-1], "end": cuts[1:], "equilibria": labels,
                         "y": 0})


def tipping_chart(tip: Mapping[str, Any], current: float) -> alt.LayerChart:
    """The range as a bar cut into its pieces (each named by its equilibria's outcomes), the
    tipping points as black rules, the current value as a triangle under the bar."""
    seg = tipping_segments(tip).assign(mid=lambda d: (d.start + d.end) / 2)
    name = f"{tip['parameter']} ({tip.get('unit') or ''})"
    height = 70
    x = alt.X("start:Q", title=name, axis=alt.Axis(orient="top"),
              scale=alt.Scale(domain=[float(seg.start.min()), float(seg.end.max())], nice=False))
    bars = alt.Chart(seg).mark_bar().encode(
        x=x, x2="end:Q", y=alt.value(0), y2=alt.value(height),
        color=alt.Color("equilibria:N", legend=None, scale=alt.Scale(range=list(OUTCOME_TINTS))),
        tooltip=["equilibria", alt.Tooltip("start:Q", format=".4g"),
                 alt.Tooltip("end:Q", format=".4g")])
    names = alt.Chart(seg).mark_text(fontSize=14, limit=400).encode(
        x="mid:Q", y=alt.value(height / 2), text="equilibria:N")
    cuts = pd.DataFrame({"start": [float(t["value"]) for t in tip["tipping_points"]]})
    rules = alt.Chart(cuts).mark_rule(strokeWidth=3, color="#222").encode(
        x="start:Q", y=alt.value(0), y2=alt.value(height))
    labels = alt.Chart(cuts).mark_text(align="left", dx=5, fontSize=13, fontWeight="bold").encode(
        x="start:Q", y=alt.value(12), text=alt.Text("start:Q", format=".4f"))
    now = pd.DataFrame({"start": [current], "label": [f"now {current:.3g}"]})
    marker = alt.Chart(now).mark_point(shape="triangle-up", size=260, filled=True,
                                       color="#000").encode(x="start:Q", y=alt.value(height + 12))
    marker_text = alt.Chart(now).mark_text(fontSize=13, align="left", dx=12).encode(
        x="start:Q", y=alt.value(height + 14), text="label:N")
    return (bars + names + rules + labels + marker + marker_text).properties(
        width=WIDTH, height=height)


def map_frame(omap_frame: pd.DataFrame, x: str, y: str) -> pd.DataFrame:
    """The outcome map's grid with a cell width for drawing."""
    df = omap_frame[[x, y, "outcomes", "n_equilibria"]].copy()
    df["outcomes"] = df["outcomes"].fillna("none").astype(str).str.replace("_", " ")
    return df


def map_chart(df: pd.DataFrame, x: str, y: str, point: Sequence[float]) -> alt.LayerChart:
    """Each grid point coloured by which outcomes are equilibria there; the current point."""
    xs, ys = np.unique(df[x]), np.unique(df[y])
    dx = float(np.diff(xs).min()) if len(xs) > 1 else 1.0
    dy = float(np.diff(ys).min()) if len(ys) > 1 else 1.0
    cells = df.assign(x0=df[x] - dx / 2, x1=df[x] + dx / 2, y0=df[y] - dy / 2, y1=df[y] + dy / 2)
    rect = alt.Chart(cells).mark_rect().encode(
        x=alt.X("x0:Q", title=x, scale=alt.Scale(zero=False, nice=False)), x2="x1:Q",
        y=alt.Y("y0:Q", title=y, scale=alt.Scale(zero=False, nice=False)), y2="y1:Q",
        color=alt.Color("outcomes:N", title="equilibria are",
                        scale=alt.Scale(range=list(OUTCOME_COLOURS)),
                        legend=alt.Legend(orient="bottom", columns=2, labelLimit=500)),
        tooltip=[alt.Tooltip(f"{x}:Q", format=".3g"), alt.Tooltip(f"{y}:Q", format=".3g"),
                 "outcomes", "n_equilibria"])
    now = pd.DataFrame({"x": [float(point[0])], "y": [float(point[1])]})
    dot = alt.Chart(now).mark_point(shape="cross", size=400, filled=True, color="#000",
                                    strokeWidth=2).encode(x="x:Q", y="y:Q")
    return (rect + dot).properties(width=WIDTH, height=420)


def path_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The simulated path, one row per period and player: payoff, cumulative, outcome."""
    keep = ["period", "player", "payoff", "cumulative", "outcome", "action"]
    df = frame[keep].copy()
    df["outcome"] = df["outcome"].fillna("mixed").astype(str)
    return df


def path_chart(df: pd.DataFrame, game: Game) -> alt.VConcatChart:
    """Each player's payoff per period (points coloured by the period's outcome) and its
    running total."""
    base = alt.Chart(df).encode(x=alt.X("period:O", title="period"))
    payoff = base.mark_line(strokeWidth=3).encode(
        y=alt.Y("payoff:Q", title="payoff in the period"),
        strokeDash=alt.StrokeDash("player:N"), color=alt.value("#555"))
    dots = base.mark_point(size=140, filled=True).encode(
        y="payoff:Q", shape=alt.Shape("player:N"),
        color=alt.Color("outcome:N", scale=outcome_scale(game, ["mixed", "other"])),
        tooltip=["period", "player", "outcome", "action",
                 alt.Tooltip("payoff:Q", format=".2f")])
    total = base.mark_line(strokeWidth=3, point=True).encode(
        y=alt.Y("cumulative:Q", title="cumulative payoff"),
        strokeDash=alt.StrokeDash("player:N"), color=alt.value("#4477AA"))
    return alt.vconcat((payoff + dots).properties(width=WIDTH, height=220),
                       total.properties(width=WIDTH, height=180))
