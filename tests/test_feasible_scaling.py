"""The feasible set's grouping and frontier against the pairwise rules they replace."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from model.negotiation.bargaining.feasible import (
    _frontier_indices,
    _groups,
    feasible_set,
    pareto_frontier,
)

SETTINGS = settings(max_examples=200, deadline=None)


def reference_groups(points: np.ndarray, tol: float) -> list[list[int]]:
    """Each point joins the first group whose first point is within tol, in the points' order
    (compares every point with every group)."""
    out: list[list[int]] = []
    reps: list[np.ndarray] = []
    for k, p in enumerate(points):
        for g, r in zip(out, reps, strict=True):
            if np.max(np.abs(p - r)) <= tol:
                g.append(k)
                break
        else:
            out.append([k])
            reps.append(p)
    return out


def reference_frontier(points: np.ndarray, tol: float) -> list[int]:
    order = sorted(range(len(points)), key=lambda k: (-points[k, 0], -points[k, 1]))
    best_v = -np.inf
    undominated = []
    for k in order:
        if points[k, 1] > best_v + tol:
            undominated.append(k)
            best_v = points[k, 1]
    undominated.reverse()
    chain: list[int] = []
    for k in undominated:
        while len(chain) >= 2:
            a, b, c = points[chain[-2]], points[chain[-1]], points[k]
            cross = float((b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]))
            span = max(float(np.max(np.abs(c - a))), tol)
            if cross > tol * span:
                chain.pop()
            else:
                break
        chain.append(k)
    return chain


@st.composite
def point_sets(draw: st.DrawFn) -> tuple[np.ndarray, float]:
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    k = draw(st.integers(1, 60))
    kind = draw(st.sampled_from(["real", "int", "near", "line", "cluster"]))
    tol = draw(st.sampled_from([1e-9, 1e-6, 0.01, 0.4, 1.0]))
    if kind == "real":
        P = rng.normal(size=(k, 2)) * 3
    elif kind == "int":
        P = rng.integers(-2, 3, size=(k, 2)).astype(float)
    elif kind == "near":  # integers moved by about the tolerance
        P = rng.integers(-2, 3, size=(k, 2)) + tol * rng.uniform(-1.5, 1.5, size=(k, 2))
    elif kind == "line":
        u = rng.integers(0, 5, size=k).astype(float)
        P = np.stack([u, 4 - u + tol * rng.integers(-1, 2, size=k)], axis=1)
    else:  # a chain of points each within tol of the next
        P = np.cumsum(tol * rng.uniform(0, 1.2, size=(k, 2)), axis=0)
    return P, tol


@SETTINGS
@given(point_sets())
def test_groups_are_the_pairwise_rule(data: tuple[np.ndarray, float]) -> None:
    P, tol = data
    want = reference_groups(P, tol)
    got = _groups(P, tol)
    assert [m.tolist() for m in got.members()] == want
    assert got.first.tolist() == [g[0] for g in want]
    assert [m.tolist() for m in got.members_of(range(len(got)))] == want


@SETTINGS
@given(point_sets())
def test_frontier_is_the_sequential_rule(data: tuple[np.ndarray, float]) -> None:
    P, tol = data
    assert _frontier_indices(P, tol) == reference_frontier(P, tol)


def test_signed_zeros_and_exact_duplicates() -> None:
    P = np.array([[0.0, 1.0], [-0.0, 1.0], [0.0, 1.0], [1.0, -0.0], [1.0, 0.0]])
    assert [m.tolist() for m in _groups(P, 1e-9).members()] == [[0, 1, 2], [3, 4]]


def test_large_game_in_seconds() -> None:
    """480 x 480 random payoffs, and the same with payoffs on a coarse grid (many ties)."""
    rng = np.random.default_rng(3)
    A, B = rng.random((2, 480, 480))
    fs = feasible_set(A, B)
    assert len(fs.profiles) == 480 * 480
    pts = np.stack([A.ravel(), B.ravel()], axis=1)
    assert [v.payoffs for v in fs.frontier.vertices] == [
        v.payoffs for v in pareto_frontier(pts).vertices]
    Ai, Bi = np.round(A * 20) / 20, np.round(B * 20) / 20 + 1e-12 * rng.integers(0, 2, A.shape)
    fs = feasible_set(Ai, Bi)
    top = fs.frontier.vertices[-1]
    assert top.payoffs[0] == 1.0 and len(top.profiles) > 1
    assert sum(len(v.profiles) for v in fs.hull) <= 480 * 480
