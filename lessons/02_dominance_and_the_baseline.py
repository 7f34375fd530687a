"""Lesson 2: iterated dominance, and the chips-for-rare-earths game.

Run it in class with ``marimo edit lessons/02_dominance_and_the_baseline.py``, or top to bottom
with ``python lessons/02_dominance_and_the_baseline.py``.
"""

import marimo

__generated_with = "0.25.2"
app = marimo.App()


@app.cell
def _():
    import marimo as mo

    import model

    return mo, model


@app.cell
def _(mo):
    mo.md(r"""
    # Lesson 2: dominance and the baseline game

    An action is **strictly dominated** when another action of the same player pays more
    against everything the other side may do. No rational player uses it, so it can be
    crossed out, and crossing out may make more actions dominated: **iterated elimination**.
    In the baseline game each side has 12 actions, the combinations of its three chips.
    """)
    return


@app.cell
def _(model):
    def eliminate(A, B):
        """Iterated elimination of actions strictly dominated by another pure action: the
        rows and columns left."""
        rows, cols = list(range(A.shape[0])), list(range(A.shape[1]))
        changed = True
        while changed:
            changed = False
            for r in rows[:]:
                if any(all(A[o, c] > A[r, c] for c in cols) for o in rows if o != r):
                    rows.remove(r)
                    changed = True
            for c in cols[:]:
                if any(all(B[r, o] > B[r, c] for r in rows) for o in cols if o != c):
                    cols.remove(c)
                    changed = True
        return rows, cols

    game = model.load("payoffs/baseline.yaml")
    us_actions, cn_actions = game.actions
    A, B = game.matrices()
    left_rows, left_cols = eliminate(A, B)
    print("Baseline:", game.shape, "actions; left after elimination:")
    for r in left_rows:
        print("  US:", us_actions[r])
    for c in left_cols:
        print("  China:", cn_actions[c])
    return eliminate, game, left_cols, left_rows


@app.cell
def _(game, left_cols, left_rows, model):
    analysis = model.analyse(game)
    steps = analysis.result.dominance
    assert (list(steps.rows), list(steps.cols)) == (left_rows, left_cols)
    print("The solver's elimination leaves the same", len(steps.rows), "x", len(steps.cols),
          "game, in", len(steps.steps), "steps")
    for e in analysis.equilibria:
        print("Equilibrium:", e.outcome, [round(x, 2) for x in e.payoffs])
    return


@app.cell
def _(mo):
    mo.md(r"""
    Dominance does most of the work: what is left is a 2 x 2 game of **chicken** on the main
    cards. Either the US keeps the EDA ban and China licenses rare earths
    (`china_concedes`), or the US licenses EDA and China keeps rare earths restricted
    (`us_concedes`); the third equilibrium mixes the two. The cards that never matter (the
    engine suspension, the AI-chip ban, the mineral licences) are gone in the first steps.

    ## Exercise

    Under the scenario `dec_2024` (a small spiral: sanctions answered without escalating),
    which actions survive elimination, and what are the equilibria? Use
    `game.matrices(scenario="dec_2024")` and `model.Setting(scenario="dec_2024")`.
    """)
    return


@app.cell
def _(eliminate, game, model):
    # Answer
    A_dec, B_dec = game.matrices(scenario="dec_2024")
    rows_dec, cols_dec = eliminate(A_dec, B_dec)
    dec = model.analyse(game, model.Setting(scenario="dec_2024"))
    print("Answer: left", [game.actions[0][r] for r in rows_dec], "against",
          [game.actions[1][c] for c in cols_dec])
    print("Answer: equilibria", [e.outcome for e in dec.equilibria])
    return


if __name__ == "__main__":
    app.run()
