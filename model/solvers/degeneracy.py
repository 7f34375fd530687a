"""Is a bimatrix game degenerate, and why.

A game is nondegenerate when no mixed strategy with support of size k has more than k pure
best replies (von Stengel 2007, AGT ch. 3, Definition 3.5). The test is exact, on the same
snapped rational payoffs as :func:`~model.solvers.enumeration.enumerate_equilibria`: first
every pure strategy (k = 1), then, if none has a tie, every vertex of the best-response
polytopes, since a point with more labels than the dimension exists exactly when such a
vertex does (von Stengel 2007, AGT ch. 3).
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from numpy.typing import ArrayLike

from model.solvers._common import FloatArray, check_game, check_tol, snap_to_integers
from model.solvers.enumeration import _degeneracy_witness, _polytopes, _pure_witness_of_ints

__all__ = ["degeneracy", "describe_witness"]

NONDEGENERATE = "no mixed strategy has more pure best replies than its support size"

Witness = tuple[int, tuple[Fraction, ...], tuple[int, ...]]


def _name(kind: str, index: int, labels: Sequence[str] | None) -> str:
    if labels is not None and index < len(labels):
        return f"{kind} {index} ('{labels[index]}')"
    return f"{kind} {index}"


def describe_witness(
    witness: Witness,
    row_labels: Sequence[str] | None = None,
    col_labels: Sequence[str] | None = None,
) -> str:
    """A sentence saying why ``witness`` (player, strategy, best replies) makes a game
    degenerate."""
    player, strategy, replies = witness
    own, other = ("row", "column") if player == 0 else ("column", "row")
    own_labels, other_labels = (row_labels, col_labels) if player == 0 else (col_labels, row_labels)
    support = [i for i, p in enumerate(strategy) if p]
    names = ", ".join(_name(other, j, other_labels) for j in replies)
    if len(support) == 1:
        what = _name(f"{own} action", support[0], own_labels)
        return f"the {other} player has {len(replies)} best replies ({names}) to {what}"
    probs = ", ".join(str(p) for p in strategy)
    var = "x" if player == 0 else "y"
    return (
        f"the {other} player has {len(replies)} best replies ({names}) to the {own} strategy "
        f"{var} = ({probs}), whose support {{{', '.join(map(str, support))}}} has only "
        f"{len(support)} actions"
    )


def _pure_witness(A: FloatArray, B: FloatArray, tol: float) -> Witness | None:
    """The first pure strategy (rows, then columns, lowest index) with tied best replies."""
    A_ints, _ = snap_to_integers(A, tol)
    B_ints, _ = snap_to_integers(B, tol)
    return _pure_witness_of_ints(A_ints, B_ints)


def _witness(A: FloatArray, B: FloatArray, tol: float) -> Witness | None:
    found = _pure_witness(A, B, tol)
    if found is None:
        found = _degeneracy_witness(_polytopes(A, B, tol))
    return found


def degeneracy(
    A: ArrayLike,
    B: ArrayLike,
    *,
    tol: float = 1e-9,
    row_labels: Sequence[str] | None = None,
    col_labels: Sequence[str] | None = None,
) -> tuple[bool, str]:
    """Return (degenerate, reason). The reason names a strategy with more best replies than
    its support size (the smallest support, row player first, lowest indices first), or says
    that there is none. Optional labels name the actions in the reason.

    >>> degeneracy([[1, 1], [0, 1]], [[1, 0], [0, 1]], row_labels=["up", "down"])
    (True, "the row player has 2 best replies (row 0 ('up'), row 1 ('down')) to column action 1")
    >>> degeneracy([[3, 0], [5, 1]], [[3, 5], [0, 1]])[0]
    False
    """
    a, b = check_game(A, B)
    witness = _witness(a, b, check_tol(tol))
    if witness is None:
        return False, NONDEGENERATE
    return True, describe_witness(witness, row_labels, col_labels)
