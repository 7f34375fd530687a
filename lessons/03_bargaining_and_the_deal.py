"""Lesson 3: bargaining, and whether the deal holds.

Run it in class with ``marimo edit lessons/03_bargaining_and_the_deal.py``, or top to bottom
with ``python lessons/03_bargaining_and_the_deal.py``.
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
    # Lesson 3: bargaining and the deal

    The baseline's equilibria are not Pareto-optimal: there are agreements both sides prefer.
    Bargaining theory picks one. The **disagreement point** is what each side gets without a
    deal (here: an equilibrium of the game); the **Nash bargaining solution** (Nash 1950)
    maximises the product of the two sides' gains over it; **Kalai-Smorodinsky** (1975)
    gives gains in proportion to the most each side could hope for; the **egalitarian**
    solution gives equal gains.
    """)
    return


@app.cell
def _(model):
    game = model.load("payoffs/baseline.yaml")
    deal = model.bargain(game).to_json()
    d = deal["disagreement"]["payoffs"]
    print(f"Disagreement point ({deal['disagreement']['outcome']}): "
          f"US {d[0]:.2f}, China {d[1]:.2f}")
    for s in deal["solutions"]:
        us, cn = s["payoffs"]
        print(f"{s['name']:32s} US {us:6.2f} (gain {us - d[0]:+.2f})  "
              f"China {cn:6.2f} (gain {cn - d[1]:+.2f})")
    return d, deal, game


@app.cell
def _(mo):
    mo.md(r"""
    The Nash, Kalai-Smorodinsky, egalitarian and Rubinstein bargains are lotteries over
    (R12, C11) and (R12, C12), both named `deal`: EDA open, rare earths open. The
    variable-threat bargain, where each side first commits to a threat, ends in a `truce`
    instead. Below, the deal is (R12, C12), index (11, 11).

    A bargain is only as good as its enforcement, though. In the repeated game a side that
    reneges is punished by a return to the equilibrium worst for it, for good (Friedman
    1971): the deal holds if each side is patient enough.
    """)
    return


@app.cell
def _(game, model):
    holds = model.credibility(game, deal=(11, 11), discount=0.9)
    for side in holds.sides:
        name = game.player_names[side.player]
        print(f"{name}: gains {side.gain:.2f} a year by reneging; needs a discount factor of "
              f"{side.threshold:.2f}; holds at 0.9: {side.holds}")
    return


@app.cell
def _(mo):
    mo.md(r"""
    ## Exercise

    Give the US more bargaining power: 0.6 instead of the symmetric 0.5
    (`model.bargain(game, powers={"US": 0.6})`). How do the Nash bargain's payoffs move,
    and which profile is it then?
    """)
    return


@app.cell
def _(d, deal, game, model):
    # Answer
    stronger = model.bargain(game, powers={"US": 0.6}).to_json()
    before = deal["solutions"][0]
    after = stronger["solutions"][0]
    assert after["name"] == before["name"] == "Nash bargaining"
    assert after["payoffs"][0] > before["payoffs"][0] > d[0]
    print(f"Answer: the Nash bargain moves from US {before['payoffs'][0]:.2f}, China "
          f"{before['payoffs'][1]:.2f} to US {after['payoffs'][0]:.2f}, China "
          f"{after['payoffs'][1]:.2f}")
    print("Answer: it is then", " + ".join(
        f"{p['probability']:.2f} ({', '.join(p['codes'])}) {p['outcome']}" for p in after["deal"]))
    return


if __name__ == "__main__":
    app.run()
