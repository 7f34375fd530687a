"""Lesson 1: best replies and Nash equilibrium, on textbook games.

Run it in class with ``marimo edit lessons/01_best_replies_and_nash.py`` (or ``marimo run`` for
the read-only view), or top to bottom with ``python lessons/01_best_replies_and_nash.py``.
"""

import marimo

__generated_with = "0.25.2"
app = marimo.App()


@app.cell
def _():
    import marimo as mo
    import numpy as np

    import model

    return mo, model, np


@app.cell
def _(mo):
    mo.md(r"""
    # Lesson 1: best replies and Nash equilibrium

    A **best reply** is an action that pays a player the most against what the other plays.
    A profile where each player's action is a best reply to the other's is a **(pure) Nash
    equilibrium**: nobody gains by changing alone. We find them by hand on the prisoner's
    dilemma, then check the hand answer against the solver.
    """)
    return


@app.cell
def _(model, np):
    def best_replies(A, B):
        """Row's best replies to each column, Column's best replies to each row (as 0/1)."""
        row_best = A == A.max(axis=0, keepdims=True)
        col_best = B == B.max(axis=1, keepdims=True)
        return row_best, col_best

    def pure_equilibria(game):
        A, B = game.matrices()
        row_best, col_best = best_replies(A, B)
        rows, cols = game.actions
        return [(rows[i], cols[j]) for i, j in zip(*np.nonzero(row_best & col_best),
                                                             strict=True)]

    pd_game = model.load("payoffs/textbook/prisoners_dilemma.yaml")
    A, B = pd_game.matrices()
    print("Prisoner's dilemma, Row's payoffs:", A.tolist(), "Column's:", B.tolist())
    print("Pure equilibria by hand:", pure_equilibria(pd_game))
    return pd_game, pure_equilibria


@app.cell
def _(mo):
    mo.md(r"""
    Defecting is a best reply to both of the other's actions, so (defect, defect) is the only
    cell marked twice. The solver agrees, and also looks for **mixed** equilibria, where a
    player randomises between actions that pay it the same:
    """)
    return


@app.cell
def _(model, pd_game):
    solved = model.analyse(pd_game)
    print("The solver:", [(e.outcome, e.payoffs) for e in solved.equilibria])
    return


@app.cell
def _(model, pure_equilibria):
    pennies = model.load("payoffs/textbook/matching_pennies.yaml")
    print("Matching pennies, pure equilibria by hand:", pure_equilibria(pennies))
    mixed = model.analyse(pennies).equilibria
    print("Matching pennies, all equilibria:",
          [[s.round(3).tolist() for s in e.strategies] for e in mixed])
    return


@app.cell
def _(mo):
    mo.md(r"""
    Matching pennies has no pure equilibrium: some cell is always worth leaving. Its only
    equilibrium has both players mixing half and half (Nash 1950 shows every finite game has
    at least one equilibrium, mixed if need be).

    ## Exercise

    In the **stag hunt** (`payoffs/textbook/stag_hunt.yaml`), find the pure equilibria by
    marking best replies. How many equilibria are there in all? Which is better for both?
    """)
    return


@app.cell
def _(model, pure_equilibria):
    # Answer
    stag = model.load("payoffs/textbook/stag_hunt.yaml")
    hand = pure_equilibria(stag)
    every = model.analyse(stag).equilibria
    pure = [e for e in every if all(s.max() == 1 for s in e.strategies)]
    assert len(hand) == len(pure)
    best = max(every, key=lambda e: sum(e.payoffs))
    print("Answer: pure equilibria", hand, "; all equilibria:", len(every),
          "; best for both:", best.outcome, best.payoffs)
    return


if __name__ == "__main__":
    app.run()
