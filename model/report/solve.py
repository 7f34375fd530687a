"""Terminal reports: the bimatrix with best replies marked, dominance step by step, equilibria.

Plain text only (no colour codes), so the output reads the same in a terminal, a log file, a
projected slide or a test.
"""

from __future__ import annotations

import textwrap

import numpy as np

from model.analysis import Analysis
from model.game import Game
from model.solvers.pure import best_replies
from model.solvers.results import SolveResult
from model.text import codes, decimals, fmt, prob_text, strategy_text, table

MARK = "*"


def render(an: Analysis, width: int = 120) -> str:
    """The report ``leverage solve`` prints: header, actions, payoff matrix, dominance, pure
    equilibria, all equilibria, Pareto-optimal profiles, and the degeneracy and solver."""
    g, r = an.game, an.result
    m, n = an.A.shape
    rows, cols = g.actions
    single = len(g.players[0].chips) == 1 and len(g.players[1].chips) == 1 and m * n <= 16
    rcode = list(rows) if single else codes("R", m)
    ccode = list(cols) if single else codes("C", n)
    large = m > LARGE or n > LARGE
    show_r, show_c = _shown(r, m, n) if large else (list(range(m)), list(range(n)))
    d = decimals(an.A, an.B)
    out = _header(an)
    if not single:
        out.extend(_actions(an, show_r, show_c, rcode, ccode, large))
    out.extend(_payoff_section(an, show_r, show_c, rcode, ccode, d, width))
    out.extend(_dominance(an, rcode, ccode))
    out.extend(_pure_equilibria(an, rcode, ccode, d, single))
    out.extend(_equilibria(an, rcode, ccode, width))
    out.extend(_pareto(an, rcode, ccode, d))
    out.extend(_closing(an, width))
    return "\n".join(out) + "\n"


def _header(an: Analysis) -> list[str]:
    """The title, the file, the setting (scenario and --set values) and the game's size."""
    g = an.game
    m, n = an.A.shape
    (pr, pc) = g.player_names
    out = [g.title, "=" * len(g.title), f"file: {g.path}   sha256: {g.sha256[:12]}"]
    setting = f"scenario: {an.scenario}" if an.scenario else "scenario: baseline"
    if an.scenario:
        changes = ", ".join(f"{k}={v:g}" for k, v in g.scenario(an.scenario).changes.items())
        setting += f" ({changes})"
    if an.overrides:
        setting += "; set: " + ", ".join(f"{k}={v:g}" for k, v in an.overrides.items())
    out.append(setting)
    out.append(f"{pr} (rows) has {m} actions, {pc} (columns) has {n}.")
    out.append("")
    return out


def _actions(an: Analysis, show_r: list[int], show_c: list[int], rcode: list[str],
             ccode: list[str], large: bool) -> list[str]:
    """The table of action codes, in part for a large game."""
    (pr, pc) = an.game.player_names
    rows, cols = an.game.actions
    m, n = an.A.shape
    out = ["Actions" if not large else
           f"Actions (the {len(show_r)} + {len(show_c)} that dominance leaves or that "
           f"equilibria play; codes number all {m} + {n})"]
    out.append(
        table(
            ["code", "player", "action"],
            [[rcode[i], pr, rows[i]] for i in show_r]
            + [[ccode[j], pc, cols[j]] for j in show_c],
            align="lll",
        )
    )
    out.append("")
    return out


def _payoff_section(an: Analysis, show_r: list[int], show_c: list[int], rcode: list[str],
                    ccode: list[str], d: int, width: int) -> list[str]:
    """The payoff matrix with best replies marked, or why (and how much of it) is not shown."""
    A, B = an.A, an.B
    m, n = A.shape
    row_br, col_br = best_replies(A, B, tol=an.result.tol)
    large = m > LARGE or n > LARGE
    too_many = len(show_r) > LARGE or len(show_c) > LARGE
    out: list[str] = []
    if large and too_many:
        out.append(f"The payoff matrices ({m} x {n}) are too large to print; --json holds them.")
    elif large:
        out.append(f"The payoff matrices are {m} x {n}; shown: the rows and columns above. Best "
                   "replies are marked against the whole game.")
    if not (large and too_many):
        out.extend(_matrix(an.game, A, B, row_br, col_br, show_r, show_c, rcode, ccode, d,
                           width))
    out.append("")
    return out


def _pure_equilibria(an: Analysis, rcode: list[str], ccode: list[str], d: int,
                     single: bool) -> list[str]:
    """The pure equilibria with their payoffs and outcomes."""
    g, r, A, B = an.game, an.result, an.A, an.B
    (pr, pc) = g.player_names
    rows, cols = g.actions
    out = ["Pure equilibria"]
    if not r.pure:
        out.append("  None: every equilibrium is mixed.")
    for i, j in r.pure:
        oc = g.outcome_of(i, j)
        out.append(
            f"  ({rcode[i]}, {ccode[j]}) payoffs {fmt(A[i, j], d)}, {fmt(B[i, j], d)}"
            + (f"  outcome: {oc}" if oc else "")
        )
        if not single:
            out.append(f"      {pr}: {rows[i]}")
            out.append(f"      {pc}: {cols[j]}")
    out.append("")
    return out


def _equilibria_head(an: Analysis, width: int) -> list[str]:
    """The heading of the equilibria: how many, whether all, how verified, what is
    guaranteed."""
    r = an.result
    kind = "extreme equilibria" if r.degenerate else "equilibria"
    count = len(r.equilibria)
    if r.structure is not None and r.structure.reduction.separable:
        kind = "equilibria, combinations of the parts'"
    if r.complete:
        head = f"All {kind} ({count})"
    else:
        head = f"{count} {kind.split(',')[0]} found (the search was not exhaustive)"
    out = [f"{head}, each verified: no player gains more than "
           f"{r.tol:g} times its largest |payoff| by deviating"]
    if r.structure is not None or not r.complete:
        out.extend(textwrap.wrap(r.guarantee[0].upper() + r.guarantee[1:] + ".",
                                 width=min(width, 100), initial_indent="  ",
                                 subsequent_indent="  "))
    return out


def _equilibria(an: Analysis, rcode: list[str], ccode: list[str], width: int) -> list[str]:
    """Every equilibrium found: strategies, payoffs, outcomes, and the components."""
    g, r = an.game, an.result
    (pr, pc) = g.player_names
    rows, cols = g.actions
    count = len(r.equilibria)
    out = _equilibria_head(an, width)
    for k, e in enumerate(r.equilibria, start=1):
        if k > MAX_LINES and count > MAX_LINES + 5:
            out.append(f"  ... and {count - MAX_LINES} more (all of them in --json).")
            break
        x, y = e.strategies
        oc = an.outcome(x, y)
        tag = "pure" if e.pure else "mixed"
        out.append(
            f"  E{k} [{tag}] payoffs {e.payoffs[0]:.4g}, {e.payoffs[1]:.4g}"
            + (f"  outcome: {oc}" if oc else "")
        )
        out.append(f"      {pr}: {strategy_text(x, rows, rcode)}")
        out.append(f"      {pc}: {strategy_text(y, cols, ccode)}")
        if an.exact and e.exact_strategies is not None and e.exact_payoffs is not None:
            ex, ey = (", ".join(map(str, s)) for s in e.exact_strategies)
            out.append(f"      exact: x = ({ex}), y = ({ey}); payoffs "
                       f"{e.exact_payoffs[0]}, {e.exact_payoffs[1]}")
        if oc is None and g.outcomes:
            probs = g.outcome_probabilities(x, y)
            out.append(
                "      outcomes: " + ", ".join(f"{name} {p:.3g}" for name, p in probs.items())
            )
    if r.degenerate and r.components:
        out.append("  Equilibrium components (maximal Nash subsets; every mix of the row and of")
        out.append("  the column strategies listed in one set is also an equilibrium):")
        for c in r.components:
            out.append("    {" + ", ".join(f"E{k + 1}" for k in c) + "}")
    out.append("")
    return out


def _pareto(an: Analysis, rcode: list[str], ccode: list[str], d: int) -> list[str]:
    """The Pareto-optimal profiles, at most MAX_LINES of them when there are many."""
    g, r, A, B = an.game, an.result, an.A, an.B
    (pr, pc) = g.player_names
    out = ["Pareto-optimal profiles (no other profile is at least as good for both and",
           "better for one)"]
    prow = []
    for i, j in r.pareto[: MAX_LINES if len(r.pareto) > MAX_LINES + 5 else None]:
        prow.append([f"({rcode[i]}, {ccode[j]})", fmt(A[i, j], d), fmt(B[i, j], d),
                     g.outcome_of(i, j) or ""])
    out.append(table(["profile", pr, pc, "outcome"], prow, align="lrrl"))
    if len(prow) < len(r.pareto):
        out.append(f"  ... and {len(r.pareto) - len(prow)} more (all of them in --json).")
    out.append("")
    return out


def _closing(an: Analysis, width: int) -> list[str]:
    """Whether the game is degenerate, which solver ran, and how exact the payoffs were."""
    g, r = an.game, an.result
    (pr, pc) = g.player_names
    out: list[str] = []
    if r.structure is not None:
        out.extend(textwrap.wrap(
            ("Degenerate: " if r.degenerate else "Degeneracy: ") + r.degeneracy_reason + ".",
            width=min(width, 100)))
    elif r.degenerate:
        out.append(f"The game is degenerate: {r.degeneracy_reason}")
    elif not r.complete:
        out.append(f"Degeneracy: {r.degeneracy_reason}.")
    else:
        out.append("The game is nondegenerate: its equilibria are isolated and finite in number.")
    out.append(f"Solver: {r.method}" + (" (exact arithmetic)" if r.exact else ""))
    if an.exact:
        grid = an.grid()
        if grid is None:
            out.append("Payoffs: exact, as written (rational arithmetic throughout).")
        else:
            out.append(f"Payoffs: rounded to multiples of {grid[0]} ({pr}) and {grid[1]} ({pc}) "
                       "for the exact computation, because")
            out.append(f"  {an.rounded_because}")
    return out


#: Games with more actions than this for a player are printed in part: the actions that
#: dominance leaves or that equilibria play, and the matrix only if that part is small.
LARGE = 24

#: At most this many dominance steps, equilibria and Pareto profiles are printed in full.
MAX_LINES = 40


def _shown(r: SolveResult, m: int, n: int) -> tuple[list[int], list[int]]:
    rows = set(r.dominance.rows)
    cols = set(r.dominance.cols)
    if r.structure is not None and r.structure.reduction.separable:
        rows, cols = set(), set()
    for e in r.equilibria[:MAX_LINES]:
        rows.update(e.support[0])
        cols.update(e.support[1])
    return sorted(rows), sorted(cols)


def _matrix(g: Game, A: np.ndarray, B: np.ndarray, row_br: np.ndarray, col_br: np.ndarray,
            show_r: list[int], show_c: list[int], rcode: list[str], ccode: list[str], d: int,
            width: int) -> list[str]:
    (pr, pc) = g.player_names
    out = textwrap.wrap(
        f"Payoffs ({pr}, {pc}); {MARK} marks a best reply: after {pr}'s payoff if the row is "
        f"{pr}'s best reply to the column, after {pc}'s if the column is {pc}'s best reply "
        "to the row. A cell with both marks is a pure equilibrium.",
        width=min(width, 100),
    )
    cells = {
        i: [
            f"{fmt(A[i, j], d)}{MARK if row_br[i, j] else ' '}, "
            f"{fmt(B[i, j], d)}{MARK if col_br[i, j] else ' '}"
            for j in show_c
        ]
        for i in show_r
    }
    head = [f"{pr} \\ {pc}", *(ccode[j] for j in show_c)]
    bimatrix = table(head, [[rcode[i], *cells[i]] for i in show_r], width=None)
    if max(len(line) for line in bimatrix.splitlines()) <= width:
        out.append(bimatrix)
        return out
    for name, M, br, mark_what in (
        (pr, A, row_br, f"{pr}'s best reply to each column"),
        (pc, B, col_br, f"{pc}'s best reply to each row"),
    ):
        out.append("")
        out.append(f"{name}'s payoffs ({MARK}: {mark_what})")
        body = [
            [rcode[i], *(f"{fmt(M[i, j], d)}{MARK if br[i, j] else ' '}" for j in show_c)]
            for i in show_r
        ]
        out.append(table(head, body))
    return out


def _dominance(an: Analysis, rcode: list[str], ccode: list[str]) -> list[str]:
    g, r = an.game, an.result
    (pr, pc) = g.player_names
    rows, cols = g.actions
    out = ["Iterated elimination of strictly dominated actions"]
    st = r.structure
    layout = g.chip_layout
    if st is not None and st.reduction.chip_steps and layout is not None:
        out.append("  Chip levels first (a level worse than another level of the same chip, "
                   "whatever the other chips and the other side do):")
        for k, c in enumerate(st.reduction.chip_steps, start=1):
            who = pr if c.player == 0 else pc
            chip = layout.names[c.player][c.chip]
            out.append(
                f"  {k}. {who}: {chip}={layout.level_label(c.player, c.chip, c.level)} is "
                f"strictly dominated by {chip}={layout.level_label(c.player, c.chip, c.by)}, by "
                f"at least {c.margin:.4g}: {c.removed} action{'s' if c.removed != 1 else ''} "
                "removed.")
        out.append(f"  Left after chip levels: {len(st.reduction.rows)} x "
                   f"{len(st.reduction.cols)}.")
    if st is not None and st.reduction.separable and layout is not None:
        out.append(f"  The game separates into {len(st.reduction.parts)} independent parts "
                   "(no payoff of a player links its chips in one part to chips of another):")
        for k, part in enumerate(st.reduction.parts):
            names = [f"{pr} " + ", ".join(layout.names[0][c] for c in part.chips[0]) if
                     part.chips[0] else f"{pr} (no choice)",
                     f"{pc} " + ", ".join(layout.names[1][c] for c in part.chips[1]) if
                     part.chips[1] else f"{pc} (no choice)"]
            kr, kc = st.part_kept[k]
            out.append(f"  part {k + 1}: {names[0]} / {names[1]}: {part.shape[0]} x "
                       f"{part.shape[1]}, {len(st.part_steps[k])} dominated action"
                       f"{'s' if len(st.part_steps[k]) != 1 else ''} removed, {len(kr)} x "
                       f"{len(kc)} left, {st.part_counts[k]} equilibri"
                       f"{'um' if st.part_counts[k] == 1 else 'a'}.")
        return [*out, ""]
    steps = r.dominance.steps
    if not steps and not (st is not None and st.reduction.chip_steps):
        out.append("  No action is strictly dominated (by a pure or a mixed strategy).")
    for k, s in enumerate(steps, start=1):
        if k > MAX_LINES and len(steps) > MAX_LINES + 5:
            out.append(f"  ... and {len(steps) - MAX_LINES} more steps (all of them in --json).")
            break
        who = pr if s.player == 0 else pc
        code, labels = (rcode, rows) if s.player == 0 else (ccode, cols)
        if s.kind == "pure" or len(s.dominated_by) == 1:
            (a,) = s.dominated_by
            by = f"{code[a]}"
        else:
            by = "the mix " + " + ".join(
                f"{prob_text(float(p))} {code[a]}" for a, p in s.dominated_by.items()
            )
        out.append(
            f"  {k}. {who}: {code[s.action]} ({labels[s.action]}) is strictly dominated by "
            f"{by}, by at least {s.margin:.4g}."
        )
    left_r = ", ".join(rcode[i] for i in r.dominance.rows)
    left_c = ", ".join(ccode[j] for j in r.dominance.cols)
    out.append(f"  Left: {pr} {{{left_r}}}, {pc} {{{left_c}}}.")
    if len(r.dominance.rows) == 1 and len(r.dominance.cols) == 1:
        out.append("  The game is solved by dominance.")
    return [*out, ""]
