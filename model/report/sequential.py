"""What ``leverage sequential`` shows: the leadership games in words and as JSON, and the text
helpers the negotiation reports share (the setting in words, numbers, wrapping)."""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from model.game import Game
from model.negotiation.commitment_lp import Commitment
from model.negotiation.stackelberg import NashPoint, StackelbergResult
from model.solvers.results import SolveResult
from model.text import prob_text, table


def setting_text(game: Game, scenario: str | None, overrides: Mapping[str, float]) -> str:
    text = f"scenario: {scenario}" if scenario else "scenario: baseline"
    if scenario:
        changes = ", ".join(f"{k}={v:g}" for k, v in game.scenario(scenario).changes.items())
        text += f" ({changes})"
    if overrides:
        text += "; set: " + ", ".join(f"{k}={v:g}" for k, v in overrides.items())
    return text


def header_json(game: Game, scenario: str | None, overrides: Mapping[str, float],
                values: Mapping[str, float]) -> dict[str, Any]:
    return {
        "file": str(game.path),
        "title": game.title,
        "sha256": game.sha256,
        "scenario": scenario,
        "parameters": {k: float(v) for k, v in values.items()},
        "overrides": {k: float(v) for k, v in overrides.items()},
        "players": list(game.player_names),
        "actions": [list(game.actions[0]), list(game.actions[1])],
    }


def width() -> int:
    return min(shutil.get_terminal_size((100, 40)).columns, 100)


def wrap(text: str, indent: str = "") -> list[str]:
    return textwrap.wrap(text, width=width(), initial_indent=indent,
                         subsequent_indent=indent) or [""]


def mix_text(p: np.ndarray, labels: Sequence[str]) -> list[str]:
    """One line for a pure strategy, one line per action for a mix."""
    support = [int(k) for k in np.flatnonzero(p > 0)]
    if len(support) == 1:
        return [labels[support[0]]]
    return [f"{prob_text(float(p[k]))} x {labels[k]}" for k in support]


def signed(v: float) -> str:
    return f"{v:+.2f}" if abs(v) >= 0.005 else "0.00"


def num(v: float) -> str:
    return f"{v:.2f}" if abs(v) >= 0.005 else "0.00"


# ---------------------------------------------------------------------------- the command
def _eq_name(p: NashPoint) -> str:
    k, l_ = p.equilibria
    return f"E{k + 1}" if k == l_ else f"E{k + 1}/E{l_ + 1}"


def _is_equilibrium(A: np.ndarray, B: np.ndarray, x: np.ndarray, y: np.ndarray,
                    sim: SolveResult) -> str | None:
    """The name of the simultaneous equilibrium (x, y) is, or None if it is not one."""
    scale_a = max(float(np.abs(A).max()), 1.0)
    scale_b = max(float(np.abs(B).max()), 1.0)
    if (A @ y).max() - x @ A @ y > 1e-7 * scale_a or (x @ B).max() - x @ B @ y > 1e-7 * scale_b:
        return None
    for k, e in enumerate(sim.equilibria, start=1):
        if np.allclose(e.strategies[0], x, atol=1e-7) and np.allclose(e.strategies[1], y,
                                                                       atol=1e-7):
            return f"E{k}"
    return "an equilibrium"


def _outcome(game: Game, x: np.ndarray, y: np.ndarray) -> tuple[str | None, dict[str, float]]:
    probs = game.outcome_probabilities(x, y) if game.outcomes else {}
    names = [k for k in probs if k != "(other)"]
    one = names[0] if len(probs) == 1 and names else None
    return one, probs


def _commitment_json(game: Game, r: StackelbergResult, c: Commitment, A: np.ndarray,
                     B: np.ndarray) -> dict[str, Any]:
    ld, fl = r.leader, r.follower
    x, y = r.profile(c)
    one, probs = _outcome(game, x, y)
    row_col = [c.payoffs[0], c.payoffs[1]] if ld == 0 else [c.payoffs[1], c.payoffs[0]]
    return {
        "kind": c.kind,
        "leader_strategy": [float(p) for p in c.strategy],
        "leader_actions": {game.actions[ld][k]: float(c.strategy[k]) for k in c.support},
        "follower_reply": game.actions[fl][c.reply],
        "follower_reply_index": int(c.reply),
        "follower_best_replies": [game.actions[fl][k] for k in c.best_replies],
        "payoffs": [float(v) for v in row_col],
        "leader_payoff": float(c.payoffs[0]),
        "follower_payoff": float(c.payoffs[1]),
        "outcome": one,
        "outcome_probabilities": probs,
        "attained": bool(c.attained),
        "approach": None if c.approach is None else [float(p) for p in c.approach],
        "simultaneous_equilibrium": _is_equilibrium(A, B, x, y, r.simultaneous),
    }


def _nash_json(p: NashPoint, game: Game, leader: int) -> dict[str, Any]:
    x, y = p.strategies
    one, probs = _outcome(game, x, y)
    pay = p.payoffs if leader == 0 else (p.payoffs[1], p.payoffs[0])
    return {"equilibrium": _eq_name(p), "payoffs": [float(pay[0]), float(pay[1])],
            "outcome": one, "outcome_probabilities": probs}


def _side_values(results: Mapping[int, StackelbergResult], side: int) -> dict[str, Any]:
    lead, follow = results[side], results[1 - side]
    return {
        "leading": {"pure": lead.pure.payoffs[0], "mixed": lead.mixed.payoffs[0]},
        "following": {"pure": follow.pure.payoffs[1], "mixed": follow.mixed.payoffs[1]},
        "nash_best": lead.nash_best.payoffs[0],
        "nash_worst": lead.nash_worst.payoffs[0],
        "nash_best_equilibrium": _eq_name(lead.nash_best),
        "nash_worst_equilibrium": _eq_name(lead.nash_worst),
        "value_pure": {"vs_best": lead.value_pure[0], "vs_worst": lead.value_pure[1]},
        "value_mixed": {"vs_best": lead.value_mixed[0], "vs_worst": lead.value_mixed[1]},
    }


def to_json(game: Game, scenario: str | None, overrides: Mapping[str, float],
            values: Mapping[str, float], results: Mapping[int, StackelbergResult],
            leader: int, A: np.ndarray, B: np.ndarray) -> dict[str, Any]:
    r = results[leader]
    names = game.player_names
    doc = header_json(game, scenario, overrides, values)
    doc.update({
        "leader": names[leader],
        "follower": names[1 - leader],
        "tie_break": r.tie_break,
        "tie_break_rule": TIE_HELP[r.tie_break].format(f=names[1 - leader], l=names[leader]),
        "pure": _commitment_json(game, r, r.pure, A, B),
        "mixed": _commitment_json(game, r, r.mixed, A, B),
        "simultaneous": {
            "equilibria": [
                {"equilibrium": f"E{k}", "payoffs": [float(e.payoffs[0]), float(e.payoffs[1])],
                 "outcome": _outcome(game, *e.strategies)[0]}
                for k, e in enumerate(r.simultaneous.equilibria, start=1)
            ],
            "best_for_leader": _nash_json(r.nash_best, game, leader),
            "worst_for_leader": _nash_json(r.nash_worst, game, leader),
            "complete": r.simultaneous.lists_all,
            "guarantee": r.simultaneous.guarantee,
        },
        "value_of_moving_first": {names[s]: _side_values(results, s) for s in (0, 1)},
    })
    return doc


def _commitment_text(game: Game, r: StackelbergResult, c: Commitment, A: np.ndarray,
                     B: np.ndarray) -> list[str]:
    names, labels = game.player_names, game.actions
    ld, fl = r.leader, r.follower
    out: list[str] = []
    lines = mix_text(c.strategy, labels[ld])
    heads = (f"{names[ld]} commits to", f"{names[fl]} replies")
    pad = max(map(len, heads)) + 2
    out.append(f"  {heads[0].ljust(pad)}{lines[0]}")
    out.extend(f"  {' ' * pad}{line}" for line in lines[1:])
    others = [k for k in c.best_replies if k != c.reply]
    note = "its only best reply" if not others else (
        f"one of {len(c.best_replies)} best replies, "
        + ("the best for " if r.tie_break == "leader-best" else "the worst for ")
        + names[ld])
    out.append(f"  {heads[1].ljust(pad)}{labels[fl][c.reply]}  ({note})")
    x, y = r.profile(c)
    one, probs = _outcome(game, x, y)
    oc = one or ", ".join(f"{k} {v:.2f}" for k, v in probs.items())
    out.append(f"  payoffs: {names[ld]} {num(c.payoffs[0])}, {names[fl]} {num(c.payoffs[1])}"
               + (f"   outcome: {oc}" if oc else ""))
    if not c.attained:
        out.extend(wrap(
            f"This is a supremum, not attained: at this mix {names[fl]} is indifferent and "
            f"would play against {names[ld]}; {names[ld]} gets as close to it as it likes by "
            "moving its mix a small step towards the inside of the region where this reply "
            "is the only best one.", "  "))
    eq = _is_equilibrium(A, B, x, y, r.simultaneous)
    if eq:
        out.append(f"  This pair is also an equilibrium of the simultaneous game ({eq}).")
    else:
        out.append("  This pair is not an equilibrium of the simultaneous game: without the "
                   "commitment")
        out.append(f"  {names[ld]} would not stick to it.")
    return out


def render(game: Game, scenario: str | None, overrides: Mapping[str, float],
           results: Mapping[int, StackelbergResult], leader: int,
           A: np.ndarray, B: np.ndarray) -> str:
    r = results[leader]
    names = game.player_names
    ld, fl = names[leader], names[1 - leader]
    out: list[str] = []
    title = f"Who moves first: {ld} leads, {fl} follows"
    out += [title, "=" * len(title), f"file: {game.path}   sha256: {game.sha256[:12]}",
            setting_text(game, scenario, overrides)]
    out += wrap("Ties: " + TIE_HELP[r.tie_break].format(f=fl, l=ld) + ".")
    out.append("")

    out.append(f"{ld} commits to one action (pure commitment: backward induction)")
    out += _commitment_text(game, r, r.pure, A, B)
    out.append("")
    out.append(f"{ld} commits to a mix that {fl} observes (mixed commitment: one linear "
               f"programme per {fl} action)")
    same = (r.mixed.support == r.pure.support and r.mixed.reply == r.pure.reply
            and abs(r.mixed.payoffs[0] - r.pure.payoffs[0]) < 1e-9 * max(1.0, abs(A).max()))
    if same:
        out.append(f"  Mixing does not help {ld}: the best mix is the pure commitment above.")
    else:
        out += _commitment_text(game, r, r.mixed, A, B)
    out.append("")

    sim = r.simultaneous
    best, worst = r.nash_best, r.nash_worst
    n_eq = len(sim.equilibria)
    has = (f"has {n_eq} equilibri{'um' if n_eq == 1 else 'a'}" if sim.lists_all
           else f"is compared through {sim.coverage}")
    out += wrap(
        f"The simultaneous game {has}"
        + (" (extreme ones; the game is degenerate)" if sim.degenerate else "")
        + f". Best for {ld}: {_eq_name(best)}, where it gets {num(best.payoffs[0])} and {fl} "
        f"{num(best.payoffs[1])}; worst for {ld}: {_eq_name(worst)}, {num(worst.payoffs[0])} "
        f"and {num(worst.payoffs[1])}."
    )
    out.append("")

    out.append("Value of moving first: each side's payoff when it leads, minus its payoff in the")
    out.append("simultaneous game's equilibrium best for it and worst for it")
    rows = []
    for s in (0, 1):
        v = _side_values(results, s)
        for kind in ("pure", "mixed"):
            rows.append([
                names[s], kind, num(v["leading"][kind]), num(v["following"][kind]),
                f"{num(v['nash_best'])} ({v['nash_best_equilibrium']})",
                f"{num(v['nash_worst'])} ({v['nash_worst_equilibrium']})",
                signed(v[f"value_{kind}"]["vs_best"]), signed(v[f"value_{kind}"]["vs_worst"]),
            ])
    out.append(table(["side", "commitment", "leading", "following", "best eq.", "worst eq.",
                      "gain vs best", "gain vs worst"], rows, align="llrrrrrr"))
    out.append("")
    for s in (0, 1):
        out += wrap(_verdict(results, s, names))
    out.append("")
    return "\n".join(out) + "\n"


def _verdict(results: Mapping[int, StackelbergResult], side: int, names: Sequence[str]) -> str:
    lead = results[side]
    other = names[1 - side]
    me = names[side]
    gb, gw = lead.value_mixed
    pay = lead.mixed.payoffs[0]
    follow = results[1 - side].mixed.payoffs[1]
    first = (f"Leading, {me} gets {num(pay)} (best commitment, mixes allowed): "
             f"{signed(gb)} against its best simultaneous equilibrium and {signed(gw)} against "
             "its worst")
    if gb > 1e-9:
        first += ", so committing first is worth something even against its best equilibrium"
    elif gw > 1e-9:
        first += ", so moving first lets it pick the equilibrium it prefers"
    else:
        first += ", so moving first is worth nothing to it"
    gap = pay - follow
    second = (f" Following {other}'s lead it gets {num(follow)}; the first move is worth "
              f"{signed(gap)} to {me} over moving second.")
    return first + "." + second


TIE_HELP = {
    "leader-best": "when {f} has several best replies it plays the one best for {l} "
                   "(strong Stackelberg equilibrium)",
    "follower-worst": "when {f} has several best replies it plays the one worst for {l} "
                      "(weak Stackelberg equilibrium)",
}
