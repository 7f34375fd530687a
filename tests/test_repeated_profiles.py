"""Credibility of many deal profiles at once against the analysis of one profile at a time."""

from __future__ import annotations

import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from model.errors import UsageError
from model.negotiation.repeated import credibility, credibility_profiles, punishments
from model.solvers.equilibria import solve


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1), st.tuples(st.integers(1, 5), st.integers(1, 5)),
       st.sampled_from(["equilibrium", "minmax", "equilibrium:1"]),
       st.sampled_from([None, 1, 3]), st.sampled_from([0.0, 0.5, (0.2, 3.0)]),
       st.sampled_from([None, 0.3, 0.9]), st.booleans())
def test_profiles_at_once_are_one_at_a_time(seed: int, shape: tuple[int, int], kind: str,
                                            length: int | None, cost: float | tuple,
                                            discount: float | None, integers: bool) -> None:
    rng = np.random.default_rng(seed)
    if integers:
        A, B = rng.integers(-2, 3, size=(2, *shape)).astype(float)
    else:
        A, B = rng.normal(size=(2, *shape))
    sim = solve(A, B)
    pun = punishments(A, B, sim, kind)
    profiles = np.argwhere(np.ones(shape, dtype=bool))
    many = credibility_profiles(A, B, profiles, punishment=kind, discount=discount,
                                length=length, cost=cost, simultaneous=sim)
    for k, (i, j) in enumerate(profiles):
        one = credibility(A, B, (int(i), int(j)), punishment=kind, discount=discount,
                          length=length, cost=cost, simultaneous=sim, punishments=pun)
        assert many.threshold[k] == one.threshold
        assert tuple(many.payoffs[k]) == one.payoffs
        if discount is None:
            assert many.holds is None and one.holds is None
        else:
            assert many.holds is not None and bool(many.holds[k]) == one.holds


def test_every_profile_of_a_large_game_in_seconds() -> None:
    """All 230,400 profiles of a 480 x 480 game with a three-period punishment, whose
    punisher condition is searched on a grid of 4,097 discount factors per profile."""
    rng = np.random.default_rng(5)
    A, B = rng.normal(size=(2, 480, 480))
    sim = solve(A[:2, :2], B[:2, :2])  # only the minmax punishment is used
    pun = punishments(A, B, sim, "minmax")
    profiles = np.argwhere(rng.random((480, 480)) < 0.05)
    start = time.perf_counter()
    many = credibility_profiles(A, B, profiles, punishment="minmax", discount=0.9, length=3,
                                cost=0.5, punishments=pun)
    assert time.perf_counter() - start < 60
    for k in rng.choice(len(profiles), 5, replace=False):
        i, j = profiles[k]
        one = credibility(A, B, (int(i), int(j)), punishment="minmax", discount=0.9,
                          length=3, cost=0.5, simultaneous=sim, punishments=pun)
        assert many.threshold[k] == one.threshold
        assert many.holds is not None and bool(many.holds[k]) == one.holds


def test_bad_profiles() -> None:
    with pytest.raises(UsageError, match="outside"):
        credibility_profiles([[1.0]], [[1.0]], [(1, 0)], punishments=punishments(
            [[1.0]], [[1.0]], solve([[1.0]], [[1.0]])))
