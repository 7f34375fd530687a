"""Tables the app shows, built from an :class:`~model.analysis.Analysis`: the coloured
bimatrix with best replies and equilibria marked, the action legend, the dominance steps in
words and the equilibria. Plain data and HTML strings; no Streamlit.

>>> import model
>>> from model.app.tables import best_reply_marks, bimatrix_html
>>> an = model.analyse(model.load("payoffs/textbook/prisoners_dilemma.yaml"))
>>> marks = best_reply_marks(an)
>>> marks[1][1]
(True, True)
>>> "mutual_defection" in bimatrix_html(an)
True
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from model.analysis import Analysis
from model.game import Game
from model.solvers import best_replies
from model.text import codes, prob_text

#: Games with more actions a side than this get codes (R1, C1...) and a legend.
CODED_ABOVE = 3
#: Games with at most this many actions a side name the outcome in each cell.
LABELLED_UP_TO = 6
#: Light tints of a colour-blind-safe palette (Paul Tol's light scheme), one per outcome.
OUTCOME_TINTS = ("#BBDDEE", "#FFCCAA", "#EEEEBB", "#FFCCDD", "#CCEEFF", "#DDEEBB", "#E8D9F0")
NO_OUTCOME_TINT = "#F2F2F2"
MARK = "★"


def action_codes(game: Game) -> tuple[list[str], list[str]]:
    """The row and column headings: the action labels of a small game, ``R1``/``C1``... of a
    large one."""
    rows, cols = game.actions
    if max(len(rows), len(cols)) <= CODED_ABOVE:
        return list(rows), list(cols)
    return codes("R", len(rows)), codes("C", len(cols))


def outcome_colours(game: Game) -> dict[str | None, str]:
    """A tint for each named outcome of the game, in the file's order; None (no outcome) grey."""
    out: dict[str | None, str] = {o.name: OUTCOME_TINTS[k % len(OUTCOME_TINTS)]
                                  for k, o in enumerate(game.outcomes)}
    out[None] = NO_OUTCOME_TINT
    return out


def best_reply_marks(an: Analysis) -> list[list[tuple[bool, bool]]]:
    """For each cell (i, j): whether row i is the row player's best reply to column j, and
    whether column j is the column player's best reply to row i."""
    row_br, col_br = best_replies(an.A, an.B, tol=an.result.tol)
    m, n = an.A.shape
    return [[(bool(row_br[i, j]), bool(col_br[i, j])) for j in range(n)] for i in range(m)]


def equilibrium_cells(an: Analysis) -> set[tuple[int, int]]:
    """The cells that some equilibrium plays with positive probability."""
    cells: set[tuple[int, int]] = set()
    for e in an.result.equilibria:
        x, y = e.strategies
        cells.update((int(i), int(j)) for i in np.flatnonzero(x > 0) for j in np.flatnonzero(y > 0))
    return cells


def _number(v: float) -> str:
    return f"{v:.3g}" if abs(v) < 1000 else f"{v:,.0f}"


def bimatrix_html(an: Analysis, *, removed: tuple[Sequence[int], Sequence[int]] = ((), ()),
                  caption: str = "") -> str:
    """The payoff bimatrix as an HTML table: each cell "row payoff, column payoff", a ★ after
    a payoff that is a best reply, the cell tinted by its named outcome (named in small type),
    pure equilibria framed in bold, cells of mixed equilibria framed dashed, and the rows and
    columns in ``removed`` (eliminated by dominance) greyed out."""
    game = an.game
    rcode, ccode = action_codes(game)
    pr, pc = game.player_names
    marks = best_reply_marks(an)
    tint = outcome_colours(game)
    pure = {(int(e.strategies[0].argmax()), int(e.strategies[1].argmax()))
            for e in an.result.equilibria if e.pure}
    mixed = equilibrium_cells(an) - pure
    gone_r, gone_c = set(removed[0]), set(removed[1])
    small = max(an.A.shape) <= LABELLED_UP_TO  # larger tables name outcomes by colour only
    esc = html.escape
    head = "".join(f'<th title="{esc(game.actions[1][j])}" style="{_grey(j in gone_c)}">'
                   f"{esc(ccode[j])}</th>" for j in range(len(ccode)))
    body = []
    for i in range(len(rcode)):
        cells = []
        for j in range(len(ccode)):
            outcome = game.outcome_of(i, j)
            rb, cb = marks[i][j]
            a = f"{_number(float(an.A[i, j]))}{MARK if rb else ''}"
            b = f"{_number(float(an.B[i, j]))}{MARK if cb else ''}"
            frame = ("border:3px solid #222;" if (i, j) in pure else
                     "border:2px dashed #222;" if (i, j) in mixed else "border:1px solid #ccc;")
            gone = i in gone_r or j in gone_c
            style = (f"background:{tint[outcome]};{frame}padding:3px 5px;text-align:center;"
                     f"white-space:nowrap;{'opacity:0.25;' if gone else ''}")
            title = f"{game.actions[0][i]} / {game.actions[1][j]}: {outcome or 'no named outcome'}"
            label = (f'<br><small>{esc(outcome.replace("_", " "))}</small>'
                     if outcome and small else "")
            cls = ' class="eq"' if (i, j) in pure else ""
            cells.append(f'<td{cls} title="{esc(title)}" style="{style}">{esc(a)}, {esc(b)}'
                         f"{label}</td>")
        body.append(f'<tr><th title="{esc(game.actions[0][i])}" style="text-align:left;'
                    f'{_grey(i in gone_r)}">{esc(rcode[i])}</th>{"".join(cells)}</tr>')
    cap = f"<caption style='caption-side:bottom'>{esc(caption)}</caption>" if caption else ""
    size = "0.95rem" if small else "0.8rem"
    return (f'<div style="overflow-x:auto"><table class="bimatrix" style="border-collapse:'
            f'collapse;font-size:{size}">{cap}<tr><th>{esc(pr)} \\ {esc(pc)}</th>{head}</tr>'
            f'{"".join(body)}</table></div>')


def _grey(gone: bool) -> str:
    return "color:#bbb;text-decoration:line-through;" if gone else ""


def legend_rows(game: Game) -> list[dict[str, str]]:
    """The action legend of a coded game: code, player, action (empty for a small game)."""
    rcode, ccode = action_codes(game)
    rows, cols = game.actions
    if list(rows) == rcode and list(cols) == ccode:
        return []
    pr, pc = game.player_names
    return ([{"code": c, "player": pr, "action": a} for c, a in zip(rcode, rows, strict=True)]
            + [{"code": c, "player": pc, "action": a} for c, a in zip(ccode, cols, strict=True)])


def outcome_legend_html(game: Game) -> str:
    """The outcome tints as a row of labelled swatches."""
    tint = outcome_colours(game)
    items = [f'<span style="background:{tint[o.name]};padding:2px 8px;margin-right:6px;'
             f'border:1px solid #ccc">{html.escape(o.name.replace("_", " "))}</span>'
             for o in game.outcomes]
    items.append(f'<span style="padding:2px 8px;border:3px solid #222">pure equilibrium</span> '
                 f'<span style="padding:2px 8px;border:2px dashed #222">played by a mixed '
                 f"equilibrium</span> {MARK} best reply")
    return " ".join(items)


@dataclass(frozen=True)
class Step:
    """One step of iterated dominance: who loses which action, to what, and by how much."""

    player: int
    action: int
    text: str


def dominance_steps(an: Analysis) -> list[Step]:
    """The elimination steps in words, domination by a mix spelt out."""
    game = an.game
    rcode, ccode = action_codes(game)
    out = []
    for k, s in enumerate(an.result.dominance.steps, start=1):
        who = game.player_names[s.player]
        code, labels = (rcode, game.actions[0]) if s.player == 0 else (ccode, game.actions[1])
        if len(s.dominated_by) == 1:
            (a,) = s.dominated_by
            by = f"**{code[a]}** ({labels[a]})" if code[a] != labels[a] else f"**{code[a]}**"
        else:
            by = "the mix " + " + ".join(f"{prob_text(float(p))} **{code[a]}**"
                                         for a, p in s.dominated_by.items())
        what = (f"**{code[s.action]}** ({labels[s.action]})" if code[s.action] != labels[s.action]
                else f"**{code[s.action]}**")
        out.append(Step(s.player, s.action,
                        f"{k}. {who}: {what} is strictly dominated by {by}: it pays at least "
                        f"{s.margin:.3g} less whatever {game.player_names[1 - s.player]} does."))
    return out


def removed_after(steps: Sequence[Step], k: int) -> tuple[list[int], list[int]]:
    """The rows and columns eliminated by the first ``k`` steps."""
    rows = [s.action for s in steps[:k] if s.player == 0]
    cols = [s.action for s in steps[:k] if s.player == 1]
    return rows, cols


def equilibria_rows(an: Analysis) -> list[dict[str, Any]]:
    """One row per equilibrium: its name, kind, both payoffs, the outcome (or the outcomes'
    shares for a mixed one) and each side's strategy in codes."""
    game = an.game
    rcode, ccode = action_codes(game)
    pr, pc = game.player_names
    out = []
    for k, e in enumerate(an.equilibria, start=1):
        x, y = e.strategies
        if e.outcome is not None:
            outcome = e.outcome
        else:
            shares = game.outcome_probabilities(x, y)
            outcome = ", ".join(f"{n or 'other'} {p:.0%}" for n, p in shares.items())
        out.append({
            "equilibrium": f"E{k}",
            "kind": "pure" if _pure(x, y) else "mixed",
            f"{pr} payoff": round(float(e.payoffs[0]), 3),
            f"{pc} payoff": round(float(e.payoffs[1]), 3),
            "outcome": outcome,
            pr: _strategy(x, rcode),
            pc: _strategy(y, ccode),
        })
    return out


def _pure(x: np.ndarray, y: np.ndarray) -> bool:
    return int((x > 0).sum()) == 1 and int((y > 0).sum()) == 1


def _strategy(p: np.ndarray, code: Sequence[str]) -> str:
    support = np.flatnonzero(p > 0)
    if len(support) == 1:
        return code[int(support[0])]
    return " + ".join(f"{float(p[k]):.2f} {code[int(k)]}" for k in support)


def equilibria_summary(an: Analysis) -> str:
    """The equilibria in one line, e.g. ``3 equilibria: E1 china_concedes, E2 ..., E3 mixed``."""
    names = []
    for e in an.equilibria:
        if _pure(*e.strategies):
            names.append(e.outcome or "no named outcome")
        else:
            names.append(f"mixed ({e.outcome})" if e.outcome else "mixed")
    n = len(names)
    listed = ", ".join(f"E{k} {name}" for k, name in enumerate(names, start=1))
    return f"{n} equilibri{'um' if n == 1 else 'a'}: {listed}"
