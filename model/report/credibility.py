"""What ``leverage credibility`` shows: whether a deal holds in the repeated game, each side's
temptation and punishment in words, and the JSON."""

from __future__ import annotations

import argparse
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from model.game import Game
from model.negotiation.repeated import (
    Credibility,
    SideCredibility,
)
from model.report.sequential import header_json, num, setting_text, wrap
from model.solvers.results import SolveResult
from model.text import codes, prob_text, table


def _period(game: Game, discount_source: str) -> str:
    """The period the discount factor is per ('year' for 'discount factor per year')."""
    for name in (discount_source.strip(), "patience"):
        p = game.parameters.get(name)
        if p is not None:
            m = re.search(r"\bper\s+([A-Za-z]+)", p.unit)
            if m:
                return m.group(1)
    return "period"


# ---------------------------------------------------------------------------- words
def _changes(game: Game, player: int, before: int, after: int) -> str:
    """What a player changes moving from one action to another, chip by chip."""
    info = game.players[player]
    a, b = info.action_levels(before), info.action_levels(after)
    moved = [f"{c} {a[c]} -> {b[c]}" for c in a if a[c] != b[c]]
    return ", ".join(moved) if moved else "nothing"


def _mix_words(p: np.ndarray, labels: Sequence[str]) -> str:
    support = [int(k) for k in np.flatnonzero(p > 0)]
    if len(support) == 1:
        return labels[support[0]]
    return " + ".join(f"{prob_text(float(p[k]))} x [{labels[k]}]" for k in support)


def _punishment_name(game: Game, side: SideCredibility, sim: SolveResult) -> str:
    P = side.punishment
    x, y = P.strategies
    probs = game.outcome_probabilities(x, y) if game.outcomes else {}
    oc = next(iter(probs)) if len(probs) == 1 else None
    if P.kind == "minmax":
        return "its minmax value"
    if P.equilibrium is not None:
        tag = "pure" if sim.equilibria[P.equilibrium].pure else "mixed"
        return f"E{P.equilibrium + 1} ({oc or tag})"
    return f"an equilibrium ({oc})" if oc else "an equilibrium"


def _dlabel(source: str, value: float) -> str:
    """'patience 0.90' for a name, 'discount factor 0.60' for a number, else both."""
    try:
        float(source)
    except ValueError:
        pass
    else:
        return f"discount factor {value:.2f}"
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", source):
        return f"{source} {value:.2f}"
    return f"discount factor {value:.2f} from {source}"


def _threshold(v: float) -> str:
    if math.isinf(v):
        return "never"
    return f"{v:.2f}"


def _side_sentences(game: Game, r: Credibility, s: SideCredibility, period: str,
                    discount_source: str) -> list[str]:
    names = game.player_names
    me, other = names[s.player], names[1 - s.player]
    i, j = r.deal
    mine = i if s.player == 0 else j
    out: list[str] = []
    if not s.tempted:
        out.append(f"{me} gains nothing by reneging: its deal action is already its best "
                   f"reply to {other}'s. The deal holds for {me} at any patience.")
        return out
    change = _changes(game, s.player, mine, s.deviation)
    pname = _punishment_name(game, s, r.simultaneous)
    P = s.punishment
    how = (f"for {r.length} {period}{'s' if r.length != 1 else ''}, then returns to the deal"
           if r.length is not None else "for good")
    if P.kind == "minmax":
        what = f"{other} holds it to its minmax value {how}, {num(P.deviator_payoff)} a {period}"
    else:
        what = (f"{other} reverts to {pname} {how}, where {me} gets "
                f"{num(P.deviator_payoff)} a {period}")
    text = (f"{me} gains {num(s.gain)} a {period} by reneging ({change}). {what}, instead of "
            f"the deal's {num(s.deal_payoff)}.")
    own = s.own_threshold
    if math.isinf(own):
        if s.deal_payoff <= P.deviator_payoff:
            text += (f" The punishment is no worse for {me} than the deal, so no patience keeps "
                     f"{me} to it.")
        else:
            text += (f" Even a perfectly patient {me} would renege: the punishment is too short "
                     "to outweigh the gain.")
    else:
        text += (f" The deal holds for {me} if it values next {period}'s payoff at more than "
                 f"{own:.2f} of today's")
        if r.discount is not None:
            ok = r.discount >= own
            text += (f" ({_dlabel(discount_source, r.discount)}: "
                     f"{'it holds' if ok else 'it does not hold'})")
        text += "."
        if r.length is not None:
            text += f" Punished for good, it would be {_threshold(s.grim)}."
    out.append(text)
    # the punisher's side: is carrying out the threat worth it?
    q = 1 - s.player
    punisher = names[q]
    deal_q = j if q == 1 else i
    cost = (f"Re-imposing costs {punisher} {num(s.cost)} once. " if s.cost > 0 else "")
    redo = ""
    if P.kind != "minmax" and P.equilibrium is not None:
        e = r.simultaneous.equilibria[P.equilibrium]
        if e.pure:
            redo = _changes(game, q, deal_q, e.support[q][0])
    verb = "holding it to its minmax value" if P.kind == "minmax" else f"reverting to {pname}"
    text = (f"{cost}For {punisher}, {verb}{redo} gives {num(P.punisher_payoff)} a {period}, "
            f"against {num(s.acquiesce_payoff)} if it let {me} renege and kept its deal action")
    if redo:
        text = (f"{cost}For {punisher}, {verb} means {redo}; it gives "
                f"{num(P.punisher_payoff)} a {period}, against {num(s.acquiesce_payoff)} if it "
                f"let {me} renege and kept its deal action")
    if math.isinf(s.credibility):
        text += f": {punisher} would rather let it go, so the threat is not credible."
    elif s.credibility > 0:
        text += (f": worth it if {punisher}'s discount factor is at least "
                 f"{s.credibility:.2f}")
        if r.discount is not None:
            text += f" ({'it is' if s.punishment_worth_it else 'it is not'})"
        text += "."
    else:
        text += ": the threat is worth carrying out."
    if P.kind == "minmax" and not P.stage_equilibrium:
        text += (f" Holding {me} at its minmax is not a best reply for {punisher} in the stage "
                 "game; the folk theorem makes such a threat credible with a finite punishment "
                 "and a reward for carrying it out.")
    out.append(text)
    return out


# ---------------------------------------------------------------------------- output
def _inf(v: float | None) -> float | None:
    return None if v is None or math.isinf(v) else float(v)


def _stage_words(sim: Any) -> str:
    """What the list of stage equilibria the punishments are taken from covers."""
    text = f"Chosen among {sim.coverage}."
    if not sim.lists_all:
        text += " A stage equilibrium not listed could punish harder."
    return text


def to_json(game: Game, args: argparse.Namespace, overrides: Mapping[str, float],
            values: Mapping[str, float], r: Credibility, discount_source: str,
            A: np.ndarray, B: np.ndarray, others: dict[str, Any] | None) -> dict[str, Any]:
    i, j = r.deal
    names = game.player_names
    doc = header_json(game, args.scenario, overrides, values)
    sides = []
    for s in r.sides:
        P = s.punishment
        mine = i if s.player == 0 else j
        x, y = P.strategies
        sides.append({
            "player": names[s.player],
            "deal_payoff": s.deal_payoff,
            "deviation": {"action": game.actions[s.player][s.deviation],
                          "index": int(s.deviation), "payoff": s.deviation_payoff,
                          "changes": _changes(game, s.player, mine, s.deviation)},
            "gain": s.gain,
            "punishment": {
                "kind": P.kind,
                "equilibrium": None if P.equilibrium is None else f"E{P.equilibrium + 1}",
                "strategies": [[float(p) for p in x], [float(p) for p in y]],
                "outcome_probabilities": game.outcome_probabilities(x, y)
                if game.outcomes else {},
                "deviator_payoff": P.deviator_payoff,
                "punisher_payoff": P.punisher_payoff,
                "stage_equilibrium": bool(P.stage_equilibrium),
            },
            "critical_discount_grim": _inf(s.grim),
            "critical_discount_finite": _inf(s.finite),
            "punisher": {
                "player": names[1 - s.player],
                "reimpose_cost": s.cost,
                "deal_payoff": s.punisher_deal_payoff,
                "acquiesce_payoff": s.acquiesce_payoff,
                "punish_payoff": P.punisher_payoff,
                "critical_discount": _inf(s.credibility),
                "worth_it": s.punishment_worth_it,
            },
            "critical_discount": _inf(s.threshold),
            "holds": s.holds,
        })
    doc.update({
        "deal": {"spec": args.deal, "profile": [i, j],
                 "actions": [game.actions[0][i], game.actions[1][j]],
                 "outcome": game.outcome_of(i, j), "payoffs": list(r.payoffs)},
        "punishment": {"kind": r.punishment, "length": r.length},
        "stage_equilibria": {"count": len(r.simultaneous.equilibria),
                             "complete": bool(r.simultaneous.lists_all),
                             "guarantee": r.simultaneous.guarantee},
        "discount": None if r.discount is None else {"value": r.discount,
                                                     "source": discount_source},
        "sides": sides,
        "critical_discount": _inf(r.threshold),
        "holds": r.holds,
        "note": "critical discount factors are null when no discount factor below 1 suffices",
    })
    if others is not None:
        doc["outcome_profiles"] = others
    return doc


def render(game: Game, args: argparse.Namespace, overrides: Mapping[str, float],
           r: Credibility, discount_source: str, period: str,
           others: dict[str, Any] | None) -> str:
    """The report ``leverage credibility`` prints: header, the deal, the punishment, the
    critical discount factors, each side in words, and the verdict."""
    m, n = game.shape
    rc, cc = codes("R", m), codes("C", n)
    out = _header(game, args, overrides)
    out += _deal_section(game, r, period, others, rc, cc)
    out += _punishment_section(game, r, period)
    out += _thresholds_section(game, r)
    for s in r.sides:
        for sentence in _side_sentences(game, r, s, period, discount_source):
            out += wrap(sentence, "  ")
    out.append("")
    out += _verdict(game, r, discount_source)
    if others is not None and others["profiles"] > 1:
        out += wrap(_other_profiles(r, others, rc, cc))
    return "\n".join(out) + "\n"


def _header(game: Game, args: argparse.Namespace, overrides: Mapping[str, float]) -> list[str]:
    """The title, the file, the setting and the quotation the command is named after."""
    title = f"Does the deal hold? {args.deal}"
    out = [title, "=" * len(title), f"file: {game.path}   sha256: {game.sha256[:12]}",
           setting_text(game, args.scenario, overrides)]
    out += wrap(f"{QUOTE} A deal holds when each side values the future enough that the "
                "punishment for taking back what it gave outweighs what it gains today.")
    out.append("")
    return out


def _deal_section(game: Game, r: Credibility, period: str, others: dict[str, Any] | None,
                  rc: list[str], cc: list[str]) -> list[str]:
    """The deal's profile, each side's action in it and the payoffs."""
    names = game.player_names
    i, j = r.deal
    oc = game.outcome_of(i, j)
    picked = ""
    if others is not None and others["profiles"] > 1:
        picked = (f", the one of its {others['profiles']} profiles with the largest total "
                  "payoff")
    out = [f"The deal: profile ({rc[i]}, {cc[j]})" + (f", outcome {oc}" if oc else "")
           + picked]
    pad = max(len(nm) for nm in names) + 2
    out.append(f"  {(names[0] + ':').ljust(pad)}{game.actions[0][i]}")
    out.append(f"  {(names[1] + ':').ljust(pad)}{game.actions[1][j]}")
    out.append(f"  payoffs: {names[0]} {num(r.payoffs[0])}, {names[1]} {num(r.payoffs[1])} "
               f"a {period}")
    out.append("")
    return out


def _punishment_section(game: Game, r: Credibility, period: str) -> list[str]:
    """The punishment chosen, how long it lasts, and what it is for each reneger."""
    names = game.player_names
    how = (f"for {r.length} {period}{'s' if r.length != 1 else ''}, then back to the deal"
           if r.length is not None else "for good (grim trigger)")
    kind = {"equilibrium": "the stage equilibrium worst for the deviator",
            "minmax": "the deviator held to its minmax value"}.get(
        r.punishment, f"equilibrium E{r.punishment.split(':')[-1]}")
    out = [f"Punishment: {kind}, {how}"]
    for s in r.sides:
        P = s.punishment
        x, y = P.strategies
        pay = ((P.deviator_payoff, P.punisher_payoff) if s.player == 0
               else (P.punisher_payoff, P.deviator_payoff))
        out.append(f"  if {names[s.player]} reneges: "
                   + _punishment_name(game, s, r.simultaneous)
                   + f"; payoffs {names[0]} {num(pay[0])}, {names[1]} {num(pay[1])}")
        if P.kind == "minmax" or P.equilibrium is None or not r.simultaneous.equilibria[
                P.equilibrium].pure:
            out.append(f"      {names[0]}: {_mix_words(x, game.actions[0])}")
            out.append(f"      {names[1]}: {_mix_words(y, game.actions[1])}")
    if r.punishment != "minmax":
        out += wrap(_stage_words(r.simultaneous), "  ")
    out.append("")
    return out


def _thresholds_section(game: Game, r: Credibility) -> list[str]:
    """The table of critical discount factors, one row per reneger, and how to read it."""
    names = game.player_names
    verdict_col = f"at {r.discount:.2f}" if r.discount is not None else "verdict"
    rows = []
    for s in r.sides:
        rows.append([
            names[s.player], num(s.deal_payoff), num(s.deviation_payoff), num(s.gain),
            num(s.punishment.deviator_payoff), _threshold(s.own_threshold),
            _threshold(s.credibility), _threshold(s.threshold),
            "" if s.holds is None else ("holds" if s.holds else "fails"),
        ])
    out = ["Critical discount factors (the deal holds for a side at or above 'needed')"]
    out.append(table(["reneger", "deal", "reneging", "gain", "punished", "own", "threat",
                      "needed", verdict_col], rows, align="lrrrrrrrl"))
    out += wrap("'own': the reneger's patience threshold; 'threat': the punisher's, for the "
                "threat to be worth carrying out; 'needed': the larger.", "  ")
    out.append("")
    return out


def _verdict(game: Game, r: Credibility, discount_source: str) -> list[str]:
    """Whether the deal holds at the discount factor given, or the factor it needs."""
    names = game.player_names
    need = r.threshold
    if r.discount is None:
        return wrap(f"No discount factor given (and no 'patience' parameter): the deal holds "
                    f"for discount factors of at least {_threshold(need)}."
                    if not math.isinf(need) else
                    "No discount factor below 1 keeps this deal.")
    if r.holds:
        return wrap(f"Verdict: at {_dlabel(discount_source, r.discount)} the deal holds; "
                    f"it needs "
                    f"at least {_threshold(need)}.")
    failing = [names[s.player] for s in r.sides if not s.holds]
    return wrap(f"Verdict: at {_dlabel(discount_source, r.discount)} the deal does not "
                "hold: "
                f"{' and '.join(failing)} would take back what "
                f"{'they gave' if len(failing) > 1 else 'it gave'}"
                + (f"; it needs {_threshold(need)}." if not math.isinf(need) else
                   "; no discount factor below 1 is enough."))


def _other_profiles(r: Credibility, others: dict[str, Any], rc: list[str],
                    cc: list[str]) -> str:
    """Of the deal outcome's other profiles: how many hold, and which is easiest to keep."""
    i, j = r.deal
    lo = others["lowest_threshold"]
    li, lj = lo["profile"]
    msg = (f"Of the {others['profiles']} profiles in outcome {others['outcome']}, ")
    if others["holding"] is not None:
        msg += f"{others['holding']} hold at {r.discount:.2f}"
        b = others["best_holding"]
        if b is not None and tuple(b["profile"]) != (i, j):
            bi, bj = b["profile"]
            msg += (f"; the one with the largest total payoff is ({rc[bi]}, {cc[bj]}), "
                    f"payoffs {num(b['payoffs'][0])}, {num(b['payoffs'][1])}")
        msg += ". "
    crit = lo["critical_discount"]
    if crit is None:
        msg += "None of them can be kept with a discount factor below 1."
    else:
        msg += f"The easiest to keep is ({rc[li]}, {cc[lj]}), needing {crit:.2f}."
    return msg


QUOTE = ('"Today they are willing to give you something, but tomorrow they might want to '
         'take it back."')
