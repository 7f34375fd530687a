"""The bargains as text for a classroom, and as one JSON object for scripts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from model.negotiation.bargaining.leverage import Leverage
from model.negotiation.bargaining.pipeline import Bargain, LotteryTerm, Solution
from model.text import codes, table

__all__ = ["bargain_json", "render"]


def _num(x: float, digits: int = 2) -> str:
    s = f"{x:.{digits}f}"
    return "0." + "0" * digits if s.lstrip("-") == "0." + "0" * digits else s


def _signed(x: float) -> str:
    return "+0.00" if abs(x) < 0.005 else f"{x:+.2f}"


def _prob(p: float) -> str:
    """Two decimals, or enough significant digits to tell a small probability from 0 or 1."""
    return f"{p:.2f}" if 0.005 <= p <= 0.995 else f"{p:.2g}" if p < 0.5 else f"{p:.3f}"


def bargain_json(b: Bargain, leverages: Sequence[Leverage] = ()) -> dict[str, Any]:
    """Everything ``leverage bargain --json`` prints: the bargain's own JSON and the leverage
    of each parameter asked for."""
    out = b.to_json()
    out["leverage"] = [lv.to_json() for lv in leverages]
    return out


def _deal_text(terms: Sequence[LotteryTerm], rcode: list[str], ccode: list[str]) -> str:
    parts = []
    for t in terms:
        i, j = t.profile
        where = f"({rcode[i]}, {ccode[j]}) {t.outcome or ''}".rstrip()
        parts.append(where if len(terms) == 1 else f"{_prob(t.probability)} {where}")
    return " + ".join(parts)


def _solution_label(s: Solution, b: Bargain) -> str:
    names = b.game.player_names
    if s.key == "nash" and abs(b.power - 0.5) > 1e-12:
        return f"{s.name} ({names[0]} power {b.power:.2f})"
    if s.key == "threats" and abs(b.power - 0.5) > 1e-12:
        return f"{s.name} ({names[0]} power {b.power:.2f})"
    if s.key == "rubinstein":
        return f"Rubinstein ({s.detail['first']} first)"
    return s.name


def _strategy_text(p: np.ndarray, code: list[str]) -> str:
    support = np.flatnonzero(p > 1e-12)
    if len(support) == 1:
        return code[int(support[0])]
    return " + ".join(f"{p[k]:.2f} {code[int(k)]}" for k in support)


def render(b: Bargain, leverages: Sequence[Leverage] = ()) -> str:
    """The report ``leverage bargain`` prints: header, Pareto frontier, disagreement point,
    bargains, how each is reached, the actions named, and the leverage of each parameter."""
    m, n = b.game.shape
    rcode, ccode = codes("R", m), codes("C", n)
    used_r: set[int] = set()
    used_c: set[int] = set()
    out = _header(b)
    out.extend(_frontier(b, rcode, ccode, used_r, used_c))
    out.extend(_disagreement(b, rcode, ccode, used_r, used_c))
    out.extend(_bargains(b, rcode, ccode, used_r, used_c))
    out.extend(_notes(b, rcode, ccode, used_r, used_c))
    out.append("")
    out.extend(_actions_named(b, rcode, ccode, used_r, used_c))
    for lv in leverages:
        out.append("")
        out.extend(_leverage_text(lv))
    return "\n".join(out) + "\n"


def _header(b: Bargain) -> list[str]:
    """The title, the file, the setting, and which agreements are allowed."""
    g = b.game
    fs = b.feasible
    out = [f"Bargaining: {g.title}", "=" * (len(g.title) + 13)]
    setting = b.scenario or "baseline"
    if b.overrides:
        setting += "; " + ", ".join(f"{k}={v:g}" for k, v in b.overrides.items())
    out.append(f"file: {g.path}   sha256: {g.sha256[:12]}   setting: {setting}")
    if fs.deals is None:
        out.append(f"Agreements: any lottery over the {len(fs.profiles)} profiles (a jointly "
                   "drawn profile, or time shared between profiles in those proportions).")
    else:
        out.append(f"Agreements: lotteries over the {len(fs.profiles)} profiles in "
                   f"{', '.join(fs.deals)}.")
    out.append("")
    return out


def _frontier(b: Bargain, rcode: list[str], ccode: list[str], used_r: set[int],
              used_c: set[int]) -> list[str]:
    """The corners of the Pareto frontier (adding their actions to those named)."""
    g = b.game
    p0, p1 = g.player_names
    fs = b.feasible
    out = [f"Pareto frontier ({len(fs.frontier.vertices)} corners, {p0}'s payoff rising; "
           "every agreement worth making lies on it)"]
    frows = []
    for v in fs.frontier.vertices:
        i, j = v.profiles[0]
        used_r.add(i)
        used_c.add(j)
        more = f" (+{len(v.profiles) - 1} same)" if len(v.profiles) > 1 else ""
        frows.append([f"({rcode[i]}, {ccode[j]}){more}", _num(v.payoffs[0]), _num(v.payoffs[1]),
                      g.outcome_of(i, j) or ""])
    out.append(table(["profile", p0, p1, "outcome"], frows, align="lrrl"))
    out.append("")
    return out


def _disagreement(b: Bargain, rcode: list[str], ccode: list[str], used_r: set[int],
                  used_c: set[int]) -> list[str]:
    """The disagreement point: its payoffs and how it is played (adding its actions)."""
    p0, p1 = b.game.player_names
    d = b.disagreement
    out = [f"Disagreement point ({d.spec}): {p0} {_num(d.payoffs[0])}, "
           f"{p1} {_num(d.payoffs[1])}"]
    out.append(f"  {d.description}" + (f"; outcome {d.outcome}" if d.outcome else ""))
    if d.kind == "equilibrium":
        out.append(f"  chosen among {d.coverage}")
    if d.strategies is not None:
        x, y = d.strategies
        used_r.update(int(k) for k in np.flatnonzero(x > 1e-12))
        used_c.update(int(k) for k in np.flatnonzero(y > 1e-12))
        verb = "guarantees it with" if d.kind == "maxmin" else "plays"
        out.append(f"  {p0} {verb} {_strategy_text(x, rcode)}; "
                   f"{p1} {verb} {_strategy_text(y, ccode)}")
    elif d.profile is not None:
        i, j = d.profile
        used_r.add(i)
        used_c.add(j)
        out.append(f"  profile ({rcode[i]}, {ccode[j]})")
    out.append("")
    return out


def _bargains(b: Bargain, rcode: list[str], ccode: list[str], used_r: set[int],
              used_c: set[int]) -> list[str]:
    """The table of bargains: payoffs, gains and deal (adding the deals' actions)."""
    p0, p1 = b.game.player_names
    out = ["Bargains (payoffs, and gains over the disagreement point)"]
    srows = []
    for s in b.solutions:
        for t in s.deal:
            used_r.add(t.profile[0])
            used_c.add(t.profile[1])
        srows.append([_solution_label(s, b), _num(s.payoffs[0]), _num(s.payoffs[1]),
                      _signed(s.gains[0]), _signed(s.gains[1]),
                      _deal_text(s.deal, rcode, ccode)])
    out.append(table(["solution", p0, p1, f"gain {p0}", f"gain {p1}", "deal (probability)"],
                     srows, align="lrrrrl"))
    out.append("")
    return out


def _actions_named(b: Bargain, rcode: list[str], ccode: list[str], used_r: set[int],
                   used_c: set[int]) -> list[str]:
    """The actions behind the codes used above."""
    rows, cols = b.game.actions
    p0, p1 = b.game.player_names
    out = ["Actions named above"]
    for i in sorted(used_r):
        out.append(f"  {rcode[i]}  {p0}: {rows[i]}")
    for j in sorted(used_c):
        out.append(f"  {ccode[j]}  {p1}: {cols[j]}")
    return out


def _notes(b: Bargain, rcode: list[str], ccode: list[str], used_r: set[int],
           used_c: set[int]) -> list[str]:
    p0, p1 = b.game.player_names
    out = ["How each bargain is reached"]
    nash = b.solution("nash")
    out.append(f"  Nash: maximises the product of the gains, {p0}'s weighted "
               f"{b.power:.2f} and {p1}'s {1 - b.power:.2f} (Nash 1950).")
    ks = b.solution("kalai-smorodinsky")
    ideal = ks.detail["ideal"]
    out.append(f"  Kalai-Smorodinsky: gains in proportion to the most each side could get, "
               f"{p0} {_num(ideal[0])} and {p1} {_num(ideal[1])} (Kalai and Smorodinsky 1975).")
    out.append("  Egalitarian: equal gains, or the largest smaller gain if none are equal "
               "(Kalai 1977).")
    t = b.solution("threats").detail
    x, y = (np.asarray(p) for p in t["strategies"])
    used_r.update(int(k) for k in np.flatnonzero(x > 1e-12))
    used_c.update(int(k) for k in np.flatnonzero(y > 1e-12))
    tp = t["threat_point"]
    line = (f"  Variable threats: {p0} threatens {_strategy_text(x, rcode)}, {p1} threatens "
            f"{_strategy_text(y, ccode)}; carried out they give {p0} {_num(tp[0])}, {p1} "
            f"{_num(tp[1])}, and the Nash bargain from there is the deal (Nash 1953).")
    out.append(line)
    if not t["consistent"]:
        out.append("    (the threat point is not below the allowed deals, so these threats "
                   "would not be carried into this bargain)")
    r = b.solution("rubinstein").detail
    disc = r["discounts"]
    defaults = [k for k, v in disc.items() if k not in b.settings.discounts]
    shown = ", ".join(f"{k} {v:.4g}" + (" (default)" if k in defaults else "")
                      for k, v in disc.items())
    offers = r["offers"]
    out.append(f"  Rubinstein: discount factors per round {shown}; {r['first']} proposes "
               f"first. {p0} would offer ({_num(offers[p0][0])}, {_num(offers[p0][1])}), "
               f"{p1} ({_num(offers[p1][0])}, {_num(offers[p1][1])}); the first offer is "
               "accepted (Rubinstein 1982).")
    lim = r["limit"]
    out.append(f"    As rounds get shorter both offers tend to the Nash bargain with {p0}'s power "
               f"{r['limit_power']:.2f}: ({_num(lim[0])}, {_num(lim[1])}).")
    del nash
    return out


def _leverage_text(lv: Leverage) -> list[str]:
    from model.negotiation.bargaining.leverage import SHORT

    p0, p1 = lv.players
    unit = f" {lv.unit}" if lv.unit else ""
    out = [f"Leverage of {lv.parameter} (now {lv.value:g}{unit}; range {lv.low:g} to "
           f"{lv.high:g})"]
    out.extend(f"  {s}" for s in lv.sentences)
    out.append("")
    keys = ["disagreement", *SHORT]
    header = [lv.parameter, "disagreement", *(SHORT[k].removesuffix(" bargain") for k in SHORT)]
    body = []
    for r in lv.sweep:
        if r.disagreement is None:
            body.append([f"{r.value:g}", *(["-"] * (len(keys))), ])
            continue
        cells = [f"{_num(r.disagreement[0])}, {_num(r.disagreement[1])}"]
        for k in SHORT:
            pt = r.solutions.get(k)
            cells.append(f"{_num(pt[0])}, {_num(pt[1])}" if pt else "-")
        body.append([f"{r.value:g}", *cells])
    out.append(f"  Sweep ({p0}, {p1} payoffs):")
    out.extend("  " + line for line in table(header, body).splitlines())
    notes = [r for r in lv.sweep if r.note]
    for r in notes:
        out.append(f"  at {r.value:g}: {r.note}")
    return out
