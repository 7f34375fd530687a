"""Lesson 4: tipping points, where a parameter changes the answer.

Run it in class with ``marimo edit lessons/04_tipping_points.py``, or top to bottom with
``python lessons/04_tipping_points.py``.
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
    # Lesson 4: tipping points

    Every parameter of the baseline is uncertain: its file gives a value, a plausible range
    and a source. The useful question is not "what is the equilibrium?" but "how far must a
    parameter move before the equilibrium changes?". First on a coarse grid, by solving the
    game at each value of the US dependence on Chinese rare earths:
    """)
    return


@app.cell
def _(model):
    game = model.load("payoffs/baseline.yaml")
    grid = model.sweep(game, vary={"us_re_dependence": (0.5, 0.95, 10)}, workers=1).wide()
    for _, row in grid.iterrows():
        print(f"us_re_dependence {row['us_re_dependence']:.2f}: {row['outcomes']}")
    return (game,)


@app.cell
def _(mo):
    mo.md(r"""
    Between 0.70 and 0.75 China conceding stops being an equilibrium. A grid only brackets
    the change; bisection locates it, solving far fewer points than an equally fine grid:
    """)
    return


@app.cell
def _(game, model):
    dependence = model.tipping_points(game, parameter="us_re_dependence")
    for tp in dependence.tipping_points:
        print(f"tipping point at {tp.value:.4f}: {tp.sentence}")
    print(f"{dependence.solves} points solved")
    return


@app.cell
def _(mo):
    mo.md(r"""
    The file's value is 0.7, just below the threshold: a little more dependence and only the
    US conceding is left. Under a scenario the threshold moves with it.

    ## Exercise

    Where along the **spiral** (the extra damage while both sides hold their main cards,
    from 0 to 2) do the equilibria change, and what is the only equilibrium when the spiral
    is smallest?
    """)
    return


@app.cell
def _(game, model):
    # Answer
    spiral = model.tipping_points(game, parameter="spiral")
    first = spiral.tipping_points[0]
    print("Answer: tipping points at",
          ", ".join(f"{tp.value:.3f}" for tp in spiral.tipping_points))
    print("Answer: below the first, the only equilibrium is",
          [e.outcome for e in first.before])
    return


if __name__ == "__main__":
    app.run()
