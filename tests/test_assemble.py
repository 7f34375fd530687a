"""The payoff matrices of a batch of points are the same bits whichever loop sums them (the
compiled one for large batches, numpy for small ones) and however many points share the batch."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

import model

ROOT = Path(__file__).resolve().parents[1]
FILES = sorted((ROOT / "payoffs").rglob("*.yaml"))


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT / "payoffs")))
def test_both_loops_give_the_same_bits(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    game_module = sys.modules["model.game"]
    game = model.load(path)
    rng = np.random.default_rng(7)
    params = {name: rng.uniform(p.low, p.high, 9) for name, p in game.parameters.items()}
    if not params:
        params = {}
    out = []
    for cells in (1, 1 << 62):  # every batch compiled; none
        monkeypatch.setattr(game_module, "COMPILED_CELLS", cells)
        out.append(game.matrices_batch(params) if params else game.matrices())
    for a, b in zip(out[0], out[1], strict=True):
        assert np.array_equal(np.asarray(a).view(np.int64), np.asarray(b).view(np.int64))
    if params:  # one point alone is the same bits as within the batch
        monkeypatch.setattr(game_module, "COMPILED_CELLS", 1)
        A, B = game.matrices({k: float(v[4]) for k, v in params.items()})
        assert np.array_equal(A.view(np.int64), out[0][0][4].view(np.int64))
        assert np.array_equal(B.view(np.int64), out[0][1][4].view(np.int64))


def test_a_non_finite_payoff_is_reported_by_both_loops(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from model.game import NonFiniteError

    game_module = sys.modules["model.game"]
    src = (ROOT / "payoffs" / "textbook" / "hawk_dove.yaml").read_text()
    path = tmp_path / "hd.yaml"
    path.write_text(src)
    game = model.load(path)
    name = next(iter(game.parameters))
    for cells in (1, 1 << 62):
        monkeypatch.setattr(game_module, "COMPILED_CELLS", cells)
        with pytest.raises(NonFiniteError, match=r"hd.yaml:\d+:\d+: .*is 5e\+299 with"):
            game.matrices_batch({name: np.array([1.0, 1e300, 2.0])})
