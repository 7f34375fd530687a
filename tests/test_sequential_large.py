"""Leadership games and threats at the sizes chips make (up to 480 x 480): the fast paths
against the rules they replace."""

from __future__ import annotations

import itertools
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import model.negotiation.bargaining.threats as threats
import model.negotiation.stackelberg as seq
import model.solvers.zerosum as zs
from model.solvers._common import scale


def chip_game(row_levels: list[int], col_levels: list[int], seed: int
              ) -> tuple[np.ndarray, np.ndarray]:
    """Payoffs as sums of per-chip terms: one term per chip level for each side, and terms
    for some pairs of a row chip and a column chip."""
    rng = np.random.default_rng(seed)
    R = np.array(list(itertools.product(*[range(k) for k in row_levels])))
    C = np.array(list(itertools.product(*[range(k) for k in col_levels])))
    A = np.zeros((len(R), len(C)))
    B = np.zeros_like(A)
    for c, k in enumerate(row_levels):
        A += rng.normal(size=k)[R[:, c]][:, None]
        B += rng.normal(size=k)[R[:, c]][:, None]
    for d, k in enumerate(col_levels):
        A += rng.normal(size=k)[C[:, d]][None, :]
        B += rng.normal(size=k)[C[:, d]][None, :]
    for (c, kc), (d, kd) in itertools.product(enumerate(row_levels), enumerate(col_levels)):
        if rng.random() < 0.5:
            A += rng.normal(size=(kc, kd))[R[:, c]][:, C[:, d]]
            B += rng.normal(size=(kc, kd))[R[:, c]][:, C[:, d]]
    return A, B


def reference_pure(L: np.ndarray, F: np.ndarray, tie_break: str, tol: float = 1e-9
                   ) -> tuple[int, int, tuple[int, ...]]:
    """Backward induction row by row (the rule the vectorised code replaces)."""
    eps, lead_eps = tol * scale(F), tol * scale(L)
    best_i, best_j, best_v = 0, 0, -np.inf
    replies = {}
    for i in range(L.shape[0]):
        br = tuple(int(j) for j in np.flatnonzero(F[i] >= F[i].max() - eps))
        replies[i] = br
        vals = L[i, list(br)]
        k = int(np.argmax(vals)) if tie_break == "leader-best" else int(np.argmin(vals))
        if vals[k] > best_v + lead_eps:
            best_i, best_j, best_v = i, br[k], float(vals[k])
    return best_i, best_j, replies[best_i]


small = st.integers(-2, 2).map(float)


@settings(max_examples=150, deadline=None)
@given(st.tuples(st.integers(1, 8), st.integers(1, 8)).flatmap(
    lambda s: st.tuples(arrays(np.float64, s, elements=small),
                        arrays(np.float64, s, elements=small),
                        st.sampled_from([0.0, 1e-12, 1e-9]),
                        st.sampled_from(["leader-best", "follower-worst"]),
                        st.integers(0, 2**32 - 1))))
def test_pure_commitment_is_backward_induction(data: tuple) -> None:
    L, F, noise, tb, seed = data
    rng = np.random.default_rng(seed)
    L = L + noise * rng.integers(-1, 2, L.shape)
    F = F + noise * rng.integers(-1, 2, F.shape)
    c = seq.pure_commitment(L, F, tie_break=tb)
    i, j, br = reference_pure(L, F, tb)
    assert (int(np.argmax(c.strategy)), c.reply, c.best_replies) == (i, j, br)


def _games() -> list[tuple[str, np.ndarray, np.ndarray]]:
    out = []
    for seed in range(4):
        rng = np.random.default_rng(seed)
        out.append(("real", *rng.random((2, 14, 11))))
        out.append(("int", *rng.integers(0, 4, (2, 12, 12)).astype(float)))
    out.append(("chips", *chip_game([3, 2, 2], [2, 3, 2], 1)))
    out.append(("chips", *chip_game([2, 2, 2, 2], [3, 2, 2], 2)))
    return out


@pytest.mark.parametrize(("kind", "L", "F"), _games())
@pytest.mark.parametrize("tie_break", ["leader-best", "follower-worst"])
def test_lazy_programmes_agree_with_whole_ones(monkeypatch: pytest.MonkeyPatch, kind: str,
                                               L: np.ndarray, F: np.ndarray,
                                               tie_break: str) -> None:
    monkeypatch.setattr(seq, "FULL_LP_CELLS", 10**9)
    whole = seq.mixed_commitment(L, F, tie_break=tie_break)
    monkeypatch.setattr(seq, "FULL_LP_CELLS", 0)
    lazy = seq.mixed_commitment(L, F, tie_break=tie_break)
    assert lazy.payoffs[0] == pytest.approx(whole.payoffs[0], abs=1e-8 * scale(L))
    assert lazy.reply == whole.reply and lazy.attained == whole.attained
    # the lazy commitment is a real one: the reply is a best reply to it
    u = lazy.strategy @ F
    assert u[lazy.reply] >= u.max() - 1e-7 * scale(F)
    assert lazy.strategy.min() >= 0 and lazy.strategy.sum() == pytest.approx(1.0)
    if not lazy.attained:
        assert lazy.approach is not None


@pytest.mark.parametrize("leader", [0, 1])
def test_480_by_480_chip_game_in_seconds(leader: int) -> None:
    A, B = chip_game([3, 2, 2, 2, 2, 5, 2], [3, 2, 2, 2, 2, 5, 2], 0)
    assert A.shape == (480, 480)
    L, F = seq._leader_view(A, B, leader)
    start = time.perf_counter()
    pure = seq.pure_commitment(L, F)
    mixed = seq.mixed_commitment(L, F)
    weak = seq.mixed_commitment(L, F, tie_break="follower-worst")
    assert time.perf_counter() - start < 60
    assert mixed.payoffs[0] >= pure.payoffs[0] - 1e-9 * scale(L)
    assert weak.payoffs[0] <= mixed.payoffs[0] + 1e-7 * scale(L)
    u = mixed.strategy @ F
    assert u[mixed.reply] >= u.max() - 1e-7 * scale(F)


def test_threats_by_bisection_agree_with_every_segment(monkeypatch: pytest.MonkeyPatch) -> None:
    for seed in range(60):
        rng = np.random.default_rng(seed)
        m, n = rng.integers(2, 10, 2)
        A, B = rng.normal(size=(2, m, n))
        if seed % 3 == 1:
            B = -A + 0.3 * rng.normal(size=(m, n))
        elif seed % 3 == 2:
            A, B = np.round(A), np.round(B)
        power = float(rng.choice([0.3, 0.5, 0.8]))
        monkeypatch.setattr(threats, "BISECT_CELLS", 10**9)
        every = threats.variable_threats(A, B, power=power)
        monkeypatch.setattr(threats, "BISECT_CELLS", 0)
        some = threats.variable_threats(A, B, power=power)
        assert (some.where, some.agreement) == (every.where, every.agreement)
        for x, y in zip(some.strategies, every.strategies, strict=True):
            assert np.array_equal(x, y)


@pytest.mark.parametrize("seed", [0, 1])
def test_zero_sum_strategies_from_the_duals(monkeypatch: pytest.MonkeyPatch, seed: int) -> None:
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(60, 45))
    v2, x2, _ = zs.zero_sum_value(A)
    monkeypatch.setattr(zs, "ONE_LP_CELLS", 0)
    v1, x1, y1 = zs.zero_sum_value(A)
    assert v1 == pytest.approx(v2, abs=1e-9 * scale(A))
    assert np.array_equal(x1, x2)  # the same programme for the row player
    assert (A @ y1).max() <= v1 + 1e-9 * scale(A) and (x1 @ A).min() >= v1 - 1e-9 * scale(A)
