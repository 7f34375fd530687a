"""Known answers of the textbook payoff files, with their sources, and a cross-check against
the exactly known equilibria of tests/data/games/known_equilibria.json where a file's matrices
are the same game."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

import model

ROOT = Path(__file__).resolve().parents[1]
TEXTBOOK = ROOT / "payoffs" / "textbook"
KNOWN = ROOT / "tests" / "data" / "games" / "known_equilibria.json"

F = Fraction
# file -> (source, equilibria as (row strategy, column strategy), sorted as the solver sorts)
CASES = [
    pytest.param("prisoners_dilemma", "SOURCES.md, domain_textbook: only (defect, defect)",
                 [((0, 1), (0, 1))], id="prisoners-dilemma"),
    pytest.param("chicken", "SOURCES.md, domain_textbook: two pure, mixed swerve 3/4",
                 [((0, 1), (1, 0)), ((F(3, 4), F(1, 4)), (F(3, 4), F(1, 4))), ((1, 0), (0, 1))],
                 id="chicken"),
    pytest.param("battle_of_the_sexes", "SOURCES.md, domain_textbook: two pure, mixed 2/3, 1/3",
                 [((0, 1), (0, 1)), ((F(2, 3), F(1, 3)), (F(1, 3), F(2, 3))), ((1, 0), (1, 0))],
                 id="battle-of-the-sexes"),
    pytest.param("matching_pennies", "SOURCES.md, domain_textbook: only (1/2, 1/2) for both",
                 [((F(1, 2), F(1, 2)), (F(1, 2), F(1, 2)))], id="matching-pennies"),
    pytest.param("stag_hunt", "Skyrms 2004, The Stag Hunt, payoffs 4/3/1: mixed at 2/3",
                 [((0, 1), (0, 1)), ((F(2, 3), F(1, 3)), (F(2, 3), F(1, 3))), ((1, 0), (1, 0))],
                 id="stag-hunt"),
]


def _key(pair: tuple[np.ndarray, np.ndarray]) -> tuple[float, ...]:
    return tuple(float(v) for v in np.concatenate(pair))


def assert_equilibria(path: Path, expected: list[tuple[tuple, tuple]]) -> None:
    game = model.load(path)
    A, B = game.matrices()
    result = model.solve(A, B)
    got = sorted((e.strategies for e in result.equilibria), key=_key)
    want = sorted(
        ((np.array(x, dtype=float), np.array(y, dtype=float)) for x, y in expected), key=_key
    )
    assert len(got) == len(want), f"{path.name}: {len(got)} equilibria, expected {len(want)}"
    for (gx, gy), (wx, wy) in zip(got, want, strict=True):
        np.testing.assert_allclose(gx, wx, atol=1e-9)
        np.testing.assert_allclose(gy, wy, atol=1e-9)


@pytest.mark.parametrize(("name", "source", "expected"), CASES)
def test_textbook_known_answers(name: str, source: str, expected: list) -> None:
    assert source
    assert_equilibria(TEXTBOOK / f"{name}.yaml", expected)


def test_hawk_dove_mixed_equilibrium_moves_with_the_cost_of_fighting() -> None:
    # Maynard Smith 1982: with V < C the mixed equilibrium plays hawk with probability V / C.
    game = model.load(TEXTBOOK / "hawk_dove.yaml")
    for V, C in [(2.0, 4.0), (2.0, 10.0), (3.0, 4.0)]:
        A, B = game.matrices({"V": V, "C": C})
        mixed = [e for e in model.solve(A, B).equilibria if not e.pure]
        assert len(mixed) == 1
        np.testing.assert_allclose(mixed[0].strategies[0][0], V / C, atol=1e-12)


def test_prisoners_dilemma_is_solved_by_dominance() -> None:
    game = model.load(TEXTBOOK / "prisoners_dilemma.yaml")
    A, B = game.matrices()
    dom = model.solve(A, B).dominance
    assert dom.rows == (1,) and dom.cols == (1,)
    assert len(dom.steps) == 2 and all(s.kind == "pure" for s in dom.steps)


def _known_games() -> list[dict]:
    assert KNOWN.is_file(), f"missing {KNOWN}"
    return json.loads(KNOWN.read_text())["games"]


def test_textbook_files_agree_with_the_known_equilibria_file() -> None:
    """Each textbook file whose matrices equal a game of known_equilibria.json (Gambit enummixed
    in exact arithmetic) has exactly its equilibria."""
    matched = []
    for path in sorted(TEXTBOOK.glob("*.yaml")):
        game = model.load(path)
        A, B = game.matrices()
        for known in _known_games():
            if np.shape(known["A"]) == A.shape and np.array_equal(known["A"], A) and \
                    np.array_equal(known["B"], B):
                expected = [
                    (tuple(F(v) for v in e["x"]), tuple(F(v) for v in e["y"]))
                    for e in known["equilibria"]
                ]
                assert_equilibria(path, expected)
                matched.append((path.stem, known["name"]))
    names = {stem for stem, _ in matched}
    assert {"prisoners_dilemma", "matching_pennies", "stag_hunt"} <= names, matched
