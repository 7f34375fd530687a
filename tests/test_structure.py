"""Structure-first solving against games whose equilibria are known by construction.

A sum of independent games (each player's payoff the sum of its payoffs in the parts, actions
the combinations of the parts' actions) has as equilibria exactly the profiles whose marginals on
every part are equilibria of that part (best replies decompose part by part). Built from the
nondegenerate games of ``shared/games/known_equilibria.json`` (Gambit's enummixed in exact
arithmetic), the parts' equilibria are known exactly, so the listed equilibria of the sum are too.
"""

from __future__ import annotations

import itertools
import json
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from model.solvers.equilibria import solve
from model.solvers.results import FLOAT_METHOD
from model.solvers.structure import ChipLayout, reduce_game
from model.solvers.structured import MAX_LISTED, _structured
from model.solvers.whole_game import _auto_result

KNOWN = Path(__file__).resolve().parent / "data" / "games" / "known_equilibria.json"
GAMES = [g for g in json.loads(KNOWN.read_text())["games"]
         if not g["degenerate"] and g["shape"][0] * g["shape"][1] <= 16]


def _sum(parts: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    A = np.zeros((1, 1))
    B = np.zeros((1, 1))
    for a, b in parts:
        mi, ni = a.shape
        A = (A[:, None, :, None] + a[None, :, None, :]).reshape(A.shape[0] * mi, A.shape[1] * ni)
        B = (B[:, None, :, None] + b[None, :, None, :]).reshape(B.shape[0] * mi, B.shape[1] * ni)
    return A, B


def _marginal(v: np.ndarray, sizes: list[int], k: int) -> np.ndarray:
    T = v.reshape(sizes)
    return T.sum(axis=tuple(a for a in range(len(sizes)) if a != k))


def _known(g: dict) -> list[tuple[np.ndarray, np.ndarray]]:
    return [(np.array([float(Fraction(p)) for p in e["x"]]),
             np.array([float(Fraction(p)) for p in e["y"]])) for e in g["equilibria"]]


def test_known_games_are_there() -> None:
    assert len(GAMES) >= 10


@settings(max_examples=15, deadline=None)
@given(st.lists(st.sampled_from(range(len(GAMES))), min_size=2, max_size=3),
       st.floats(0.5, 3.0), st.integers(0, 2**32 - 1))
def test_a_sum_of_known_games_has_the_products_of_their_equilibria(
        picks: list[int], scale: float, seed: int) -> None:
    games = [GAMES[k] for k in picks]
    parts = [(np.array(g["A"], float) * scale, np.array(g["B"], float)) for g in games]
    A, B = _sum(parts)
    m, n = A.shape
    rng = np.random.default_rng(seed)
    # terms in the other side's actions only change no best reply
    A = A + rng.normal(size=n)[None, :]
    B = B + rng.normal(size=m)[:, None]
    sizes_r = [p[0].shape[0] for p in parts]
    sizes_c = [p[0].shape[1] for p in parts]
    layout = ChipLayout((tuple(f"r{k}" for k in range(len(parts))),
                         tuple(f"c{k}" for k in range(len(parts)))),
                        (tuple(sizes_r), tuple(sizes_c)))
    r = solve(A, B, chips=layout)
    known = [_known(g) for g in games]
    expected = 1
    for eqs in known:
        expected *= len(eqs)
    if m * n > 256:
        assert r.structure is not None
    assert r.complete
    if r.structure is not None and r.structure.reduction.separable:
        # all combinations are counted; at most MAX_LISTED of them are listed
        assert r.structure.combinations == expected
        assert len(r.equilibria) == min(expected, MAX_LISTED)
    # every listed equilibrium has marginals that are equilibria of the parts ...
    seen = set()
    for e in r.equilibria:
        x, y = e.strategies
        combo = []
        for k, eqs in enumerate(known):
            mx, my = _marginal(x, sizes_r, k), _marginal(y, sizes_c, k)
            hits = [i for i, (kx, ky) in enumerate(eqs)
                    if np.allclose(mx, kx, atol=1e-9) and np.allclose(my, ky, atol=1e-9)]
            assert hits, f"part {k} marginal is not an equilibrium of {games[k]['name']}"
            combo.append(hits[0])
        seen.add(tuple(combo))
    # ... and every combination of the parts' equilibria is found (up to MAX_LISTED)
    every = set(itertools.product(*(range(len(k)) for k in known)))
    assert seen <= every and len(seen) == min(len(every), MAX_LISTED)


def test_chip_levels_that_are_worse_whatever_happens_go_first() -> None:
    """A 3-level chip whose last two levels cost 1 whatever else happens, on top of a chicken
    game and a matching-pennies game: the levels go, the rest separates into the two games."""
    chicken = (np.array([[0., -1], [1, -10]]), np.array([[0., 1], [-1, -10]]))
    pennies = (np.array([[1., -1], [-1, 1]]), np.array([[-1., 1], [1, -1]]))
    cost = (np.array([[0.], [-1.], [-1.]]), np.zeros((3, 1)))
    A, B = _sum([chicken, pennies, cost])
    layout = ChipLayout((("dare", "coin", "extra"), ("dare", "coin", "none")),
                        ((2, 2, 3), (2, 2, 1)))
    red = reduce_game(A, B, chips=layout)
    assert [(s.player, s.chip, s.level) for s in red.chip_steps] == [(0, 2, 1), (0, 2, 2)]
    assert len(red.parts) == 2
    r = _structured(A, B, 1e-9, layout, 5.0, False)
    assert r.complete and len(r.equilibria) == 3  # chicken's three times pennies' one
    assert r.degenerate and "continuum" in r.guarantee  # chicken's mix and pennies' correlate
    # the whole game, enumerated, has 6 extreme equilibria: the product ones and correlations
    whole = solve(A, B)
    assert whole.structure is None and len(whole.equilibria) == 6


@pytest.mark.parametrize("seed", range(6))
def test_structure_first_agrees_with_enumerating_the_whole_game(seed: int) -> None:
    """On a 16 x 18 chip game (two chips a side, interacting, some levels dominated) the
    structure-first answer is the whole-game enumeration's answer."""
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(16, 18))
    B = rng.normal(size=(16, 18))
    A[8:] -= 6  # the second half of the first chip's levels are dominated
    B[:, ::3] -= 6
    layout = ChipLayout((("a", "b"), ("c", "d")), ((4, 4), (6, 3)))
    whole = _auto_result(A, B, 1e-9)
    r = solve(A, B, chips=layout)
    assert r.structure is not None and r.complete
    key = lambda e: (tuple(np.round(e.strategies[0], 9)), tuple(np.round(e.strategies[1], 9)))  # noqa: E731
    assert sorted(map(key, r.equilibria)) == sorted(map(key, whole.equilibria))
    assert whole.method == FLOAT_METHOD or whole.exact


def test_an_incomplete_search_never_calls_its_list_all() -> None:
    from model.analysis import Analysis
    from model.report.solve import render

    rng = np.random.default_rng(3)
    A = rng.normal(size=(40, 40))
    B = rng.normal(size=(40, 40))
    r = solve(A, B, budget=2)
    assert not r.complete
    game = _FakeGame(40, 40)
    text = render(Analysis(game, None, {}, {}, A, B, r), width=100)  # type: ignore[arg-type]
    assert "All equilibria" not in text and "All extreme" not in text
    assert "found (the search was not exhaustive)" in text


class _FakeGame:
    """Enough of a compiled game for the report."""

    def __init__(self, m: int, n: int):
        from model.payoffs.compiled import Chip, PlayerInfo

        self.title = "random"
        self.path = Path("random.yaml")
        self.sha256 = "0" * 64
        self.outcomes = ()
        self.players = tuple(
            PlayerInfo(name, "", (Chip("a", "", tuple(str(k) for k in range(size)), None),),
                       tuple((k,) for k in range(size)), tuple(str(k) for k in range(size)))
            for name, size in (("row", m), ("col", n)))

    @property
    def player_names(self) -> tuple[str, str]:
        return ("row", "col")

    @property
    def actions(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        return (self.players[0].labels, self.players[1].labels)

    @property
    def chip_layout(self) -> None:
        return None

    def outcome_of(self, i: int, j: int) -> None:
        return None

    def outcome_probabilities(self, x: np.ndarray, y: np.ndarray) -> dict[str, float]:
        return {}


def test_points_of_a_separable_game_are_solved_part_by_part() -> None:
    """The sensitivity engine's part-by-part solve lists, at each point, what ``solve`` lists
    structure first: every combination of the parts' equilibria."""
    from model.sensitivity.points import solve_parts

    rng = np.random.default_rng(5)
    names = ["battle_of_the_sexes", "chicken", "rock_paper_scissors", "matching_pennies"]
    known = {g["name"]: g for g in GAMES}
    parts = [(np.array(known[k]["A"], float), np.array(known[k]["B"], float)) for k in names]
    As, Bs = [], []
    for _ in range(8):  # each point scales every part by its own positive factors
        A, B = _sum([(a * rng.uniform(0.5, 2), b * rng.uniform(0.5, 2)) for a, b in parts])
        As.append(A)
        Bs.append(B)
    A, B = np.array(As), np.array(Bs)
    sizes = [p[0].shape for p in parts]
    layout = ChipLayout((tuple("abcd"), tuple("abcd")),
                        (tuple(s[0] for s in sizes), tuple(s[1] for s in sizes)))
    groups = [((k,), (k,)) for k in range(4)]
    sol = solve_parts(A, B, layout, groups)
    assert sol.counts.tolist() == [3 * 3 * 1 * 1] * 8
    assert sol.continuum.all()  # two parts with mixed equilibria for the same player
    for k in range(8):
        r = _structured(A[k], B[k], 1e-9, layout, 5.0, False)
        got = sorted((tuple(np.round(x, 9)), tuple(np.round(y, 9))) for x, y, _ in sol.of(k))
        want = sorted((tuple(np.round(e.strategies[0], 9)), tuple(np.round(e.strategies[1], 9)))
                      for e in r.equilibria)
        assert got == want


def test_pure_dominance_of_a_large_game_compares_actions_in_blocks() -> None:
    """All pairs of a player's 480 actions at once against 480 columns are 850 MiB; in blocks
    the whole pass stays far below (a generic game: nothing is dominated, every pair looked at)."""
    import tracemalloc

    from model.solvers.structure import iterated_actions

    rng = np.random.default_rng(0)
    A, B = rng.normal(size=(480, 480)), rng.normal(size=(480, 480))
    tracemalloc.start()
    try:
        steps, rows, cols = iterated_actions(A, B, range(480), range(480), 1e-9, mixed=False)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert steps == [] and len(rows) == len(cols) == 480
    assert peak < 200 * 2**20, peak
