"""Terminal reports: the bimatrix with best replies marked, dominance step by step, equilibria.

Plain text only (no colour codes), so the output reads the same in a terminal, a log file, a
projected slide or a test.
"""

from __future__ import annotations

import textwrap

from .analysis import Analysis
from .solvers.pure import best_replies
from .text import codes, decimals, fmt, prob_text, strategy_text, table

MARK = "*"


def render(an: Analysis, width: int = 120) -> str:
    g, r, A, B = an.game, an.result, an.A, an.B
    m, n = A.shape
    (pr, pc) = g.player_names
    rows, cols = g.actions
    single = len(g.players[0].chips) == 1 and len(g.players[1].chips) == 1 and m * n <= 16
    rcode = list(rows) if single else codes("R", m)
    ccode = list(cols) if single else codes("C", n)
    out: list[str] = []
    out.append(g.title)
    out.append("=" * len(g.title))
    out.append(f"file: {g.path}   sha256: {g.sha256[:12]}")
    setting = f"scenario: {an.scenario}" if an.scenario else "scenario: baseline"
    if an.scenario:
        changes = ", ".join(f"{k}={v:g}" for k, v in g.scenario(an.scenario).changes.items())
        setting += f" ({changes})"
    if an.overrides:
        setting += "; set: " + ", ".join(f"{k}={v:g}" for k, v in an.overrides.items())
    out.append(setting)
    out.append(f"{pr} (rows) has {m} actions, {pc} (columns) has {n}.")
    out.append("")

    if not single:
        out.append("Actions")
        out.append(
            table(
                ["code", "player", "action"],
                [[rcode[i], pr, rows[i]] for i in range(m)]
                + [[ccode[j], pc, cols[j]] for j in range(n)],
                align="lll",
            )
        )
        out.append("")

    d = decimals(A, B)
    tol = r.tol
    row_br, col_br = best_replies(A, B, tol=tol)
    out.extend(
        textwrap.wrap(
            f"Payoffs ({pr}, {pc}); {MARK} marks a best reply: after {pr}'s payoff if the row is "
            f"{pr}'s best reply to the column, after {pc}'s if the column is {pc}'s best reply "
            "to the row. A cell with both marks is a pure equilibrium.",
            width=min(width, 100),
        )
    )
    cells = [
        [
            f"{fmt(A[i, j], d)}{MARK if row_br[i, j] else ' '}, "
            f"{fmt(B[i, j], d)}{MARK if col_br[i, j] else ' '}"
            for j in range(n)
        ]
        for i in range(m)
    ]
    bimatrix = table([f"{pr} \\ {pc}", *ccode], [[rcode[i], *cells[i]] for i in range(m)])
    if max(len(line) for line in bimatrix.splitlines()) <= width:
        out.append(bimatrix)
    else:
        for name, M, br, mark_what in (
            (pr, A, row_br, f"{pr}'s best reply to each column"),
            (pc, B, col_br, f"{pc}'s best reply to each row"),
        ):
            out.append("")
            out.append(f"{name}'s payoffs ({MARK}: {mark_what})")
            body = [
                [rcode[i], *(f"{fmt(M[i, j], d)}{MARK if br[i, j] else ' '}" for j in range(n))]
                for i in range(m)
            ]
            out.append(table([f"{pr} \\ {pc}", *ccode], body))
    out.append("")

    out.append("Iterated elimination of strictly dominated actions")
    if not r.dominance.steps:
        out.append("  No action is strictly dominated (by a pure or a mixed strategy).")
    for k, s in enumerate(r.dominance.steps, start=1):
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
    out.append("")

    out.append("Pure equilibria")
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

    kind = "extreme equilibria" if r.degenerate else "equilibria"
    out.append(f"All {kind} ({len(r.equilibria)}), each verified: no player gains more than "
               f"{tol:g} times its largest |payoff| by deviating")
    for k, e in enumerate(r.equilibria, start=1):
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

    out.append("Pareto-optimal profiles (no other profile is at least as good for both and")
    out.append("better for one)")
    prow = []
    for i, j in r.pareto:
        prow.append([f"({rcode[i]}, {ccode[j]})", fmt(A[i, j], d), fmt(B[i, j], d),
                     g.outcome_of(i, j) or ""])
    out.append(table(["profile", pr, pc, "outcome"], prow, align="lrrl"))
    out.append("")
    if r.degenerate:
        out.append(f"The game is degenerate: {r.degeneracy_reason}")
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
    return "\n".join(out) + "\n"
