"""``leverage check`` on large games: the finiteness test builds no matrix where every term is
finite, and a game of more than 2,000 profiles gets a warning with its size after iterated
strict dominance."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from model.cli.main import main
from model.errors import PayoffFileError
from model.game import Game
from model.load import load
from model.solvers.structure import iterated_actions

HERE = Path(__file__).resolve().parent
BASE = HERE / "fixtures" / "base_game.yaml"

# two 5-level chips a side on top of the 2 x 2 test game: 50 x 50 = 2,500 profiles; every
# level but the first costs its owner 1, so iterated strict dominance leaves the base game's
# dominant actions (US ban, China license): 1 x 1
LARGE = """\
extends: base.yaml
title: Large
players:
  - name: US
    chips:
      us_a: {description: A., levels: [l0, l1, l2, l3, l4]}
      us_b: {description: B., levels: [l0, l1, l2, l3, l4]}
  - name: China
    chips:
      cn_a: {description: A., levels: [l0, l1, l2, l3, l4]}
      cn_b: {description: B., levels: [l0, l1, l2, l3, l4]}
payoffs:
  US:
    - {name: us_a_cost, when: {us_a: [l1, l2, l3, l4]}, value: -1}
    - {name: us_b_cost, when: {us_b: [l1, l2, l3, l4]}, value: -chip_value / 4}
  China:
    - {name: cn_a_cost, when: {cn_a: [l1, l2, l3, l4]}, value: -1}
    - {name: cn_b_cost, when: {cn_b: [l1, l2, l3, l4]}, value: -dependence}
"""


@pytest.fixture
def large(tmp_path: Path) -> Path:
    shutil.copy(BASE, tmp_path / "base.yaml")
    path = tmp_path / "large.yaml"
    path.write_text(LARGE, encoding="utf-8")
    return path


def test_the_finiteness_check_builds_no_matrix_when_every_term_is_finite(
    large: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = []
    real = Game.matrices_batch

    def counting(self: Game, *args, **kwargs):
        calls.append(1)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Game, "matrices_batch", counting)
    game = load(large)
    assert game.shape == (50, 50) and calls == []
    # a term infinite at a range end is still found, with the message of a solve
    text = large.read_text().replace("value: -dependence", "value: -1 / (dependence - 0.1)")
    large.write_text(text, encoding="utf-8")
    with pytest.raises(PayoffFileError) as info:
        load(large)
    [p] = info.value.problems
    assert (Path(p.file).name, p.line, p.field) == ("large.yaml", 18, "payoffs.China[3].value")
    assert "yields -inf at profile" in p.message
    assert p.message.endswith("(dependence at the low end of its range)")
    assert len(calls) == 1  # the one point that failed


def test_check_warns_about_a_large_game_with_its_reduced_size(
    large: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", str(large)]) == 0
    out, err = capsys.readouterr()
    assert out.startswith(f"ok  {large}  (Large: 50 x 50,")
    assert "a large game, 50 x 50 = 2,500 action profiles" in err
    assert "at the baseline leaves 1 x 1 = 1." in err
    assert main(["check", str(BASE)]) == 0
    assert "warning" not in capsys.readouterr().err  # 4 profiles: no warning


def _reduce_naive(A: np.ndarray, B: np.ndarray, tol: float) -> tuple[int, int]:
    """One action removed at a time, each player's matrix with its own actions as rows."""
    live = [list(range(A.shape[0])), list(range(A.shape[1]))]
    own = [A, B.T]
    changed = True
    while changed:
        changed = False
        for p in (0, 1):
            M, mine, other = own[p], live[p], live[1 - p]
            for i in list(mine):
                if any(all(M[k, j] > M[i, j] + tol for j in other) for k in mine if k != i):
                    mine.remove(i)
                    changed = True
    return len(live[0]), len(live[1])


def _reduce_pure(A: np.ndarray, B: np.ndarray, tol: float) -> tuple[int, int]:
    _, rows, cols = iterated_actions(A, B, range(A.shape[0]), range(A.shape[1]), tol, False)
    return len(rows), len(cols)


def test_the_vectorised_reduction_is_iterated_strict_dominance() -> None:
    """The rounds that remove every dominated action at once (games of more than 256
    profiles) and the one-at-a-time passes leave what the textbook loop leaves."""
    rng = np.random.default_rng(3)
    for k in range(120):
        hi = 7 if k < 80 else 30
        m, n = rng.integers(1, hi, size=2)
        A = rng.integers(-3, 4, size=(m, n)).astype(float)
        B = rng.integers(-3, 4, size=(m, n)).astype(float)
        A[0, 0] = B[0, 0] = 3.0  # the largest |payoff| is 3, so tol means the same to both
        assert _reduce_pure(A, B, 1e-9) == _reduce_naive(A, B, 3e-9)
    # prisoner's dilemma: defect dominates cooperate for both
    A = np.array([[3.0, 0.0], [5.0, 1.0]])
    assert _reduce_pure(A, A.T, 1e-9) == (1, 1)
