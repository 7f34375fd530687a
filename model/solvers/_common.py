"""Input checks, tolerances and exact rational payoffs shared by the solvers."""

from __future__ import annotations

import math
import sys
from fractions import Fraction
from typing import TypeVar

import numpy as np
from numpy.typing import ArrayLike, NDArray

from model.errors import LeverageError, UsageError
from model.limits import EXACT_MAX_BITS, MAX_PAYOFF, MIN_PAYOFF_SCALE

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
ArrT = TypeVar("ArrT", bound=np.ndarray)

#: Snapping grid = SNAP_FACTOR * tol * scale, rounded down to a power of ten.
SNAP_FACTOR = 1e-3


class SolverError(LeverageError, ValueError):
    """A solver was given bad input, or could not verify what it computed."""


class PayoffRangeError(SolverError, UsageError):
    """Payoffs too large or too small in absolute value to be computed with in floating point
    (bad input: the command line exits with status 2)."""


def check_tol(tol: float) -> float:
    """Return ``tol`` as a float if it is a positive finite number, else raise SolverError."""
    try:
        value = float(tol)
    except (TypeError, ValueError):
        raise SolverError(f"tol must be a positive number, got {tol!r}") from None
    if not math.isfinite(value) or value <= 0.0:
        raise SolverError(f"tol must be a positive finite number, got {tol!r}")
    return value


def _as_matrix(M: ArrayLike, name: str, ndim: int) -> FloatArray:
    try:
        arr = np.asarray(M, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise SolverError(f"{name} must be an array of real numbers: {exc}") from None
    if arr.ndim != ndim:
        what = "a 2-D payoff matrix" if ndim == 2 else f"a {ndim}-D array of payoff matrices"
        raise SolverError(f"{name} must be {what}, got an array of shape {arr.shape}")
    if arr.shape[-2] < 1 or arr.shape[-1] < 1:
        raise SolverError(f"{name} must have at least one row and one column, got {arr.shape}")
    top = _largest(arr.reshape(-1, arr.shape[-2] * arr.shape[-1]))
    if not np.all(np.isfinite(top)):
        bad = np.argwhere(~np.isfinite(arr))[0]
        where = tuple(int(i) for i in bad)
        raise SolverError(f"{name} has a non-finite entry {arr[where]!r} at index {where}")
    _check_range(arr, name, top if arr.ndim > 2 else top[0])
    return arr


def _largest(flat: np.ndarray) -> np.ndarray:
    """Per row of ``flat``, the largest |entry|: NaN or inf if the row holds a non-finite one
    (a maximum and a minimum propagate NaN), without a temporary array."""
    if flat.shape[1] == 0:
        return np.zeros(flat.shape[0])
    return np.maximum(flat.max(axis=1), -flat.min(axis=1))


def _check_range(arr: FloatArray, name: str, top: FloatArray | float) -> None:
    """Refuse a matrix with an entry beyond MAX_PAYOFF in absolute value (the differences of
    payoffs, the regrets and the dominance margins would overflow), or whose largest |entry|
    is nonzero but below MIN_PAYOFF_SCALE (a tolerance relative to it would not be a normal
    float, and rounding would exceed it); ``top`` is the largest |entry| (of each game)."""
    if (np.asarray(top) > MAX_PAYOFF).any():
        big = np.argwhere(np.abs(arr) > MAX_PAYOFF)[0]
        where = tuple(int(i) for i in big)
        raise PayoffRangeError(
            f"{name} has the entry {float(arr[where])!r} at index {where}, beyond "
            f"{MAX_PAYOFF:g} in absolute value: sums and differences of such payoffs overflow "
            "floating point; divide the payoffs by a constant (that changes no equilibrium)"
        )
    small = np.atleast_1d((np.asarray(top) > 0) & (np.asarray(top) < MIN_PAYOFF_SCALE))
    if small.any():
        k = int(np.flatnonzero(small)[0])
        which = f" (game {k})" if arr.ndim > 2 else ""
        raise PayoffRangeError(
            f"the largest |entry| of {name}{which} is {float(np.atleast_1d(top)[k])!r}, "
            f"below {MIN_PAYOFF_SCALE:g}: tolerances relative to such payoffs underflow "
            "floating point; multiply the payoffs by a constant (that changes no equilibrium)"
        )


def check_game(A: ArrayLike, B: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Return the payoff matrices as float arrays, or raise SolverError if they are unusable.

    Both must be 2-D, of the same shape (at least 1x1) and finite.
    """
    a = _as_matrix(A, "A", 2)
    b = _as_matrix(B, "B", 2)
    if a.shape != b.shape:
        raise SolverError(f"A and B must have the same shape, got {a.shape} and {b.shape}")
    return a, b


def check_batch(A: ArrayLike, B: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Like :func:`check_game` for a batch of games, arrays of shape (N, m, n)."""
    a = _as_matrix(A, "A", 3)
    b = _as_matrix(B, "B", 3)
    if a.shape != b.shape:
        raise SolverError(f"A and B must have the same shape, got {a.shape} and {b.shape}")
    return a, b


def scale(M: FloatArray) -> float:
    """The payoff magnitude that tolerances are relative to: max |M|, or 1 for a zero matrix."""
    s = float(np.max(np.abs(M))) if M.size else 0.0
    return s if s > 0.0 else 1.0


def atol(M: FloatArray, tol: float) -> float:
    """Absolute tolerance for comparing payoffs of one player: ``tol * scale(M)``."""
    return tol * scale(M)


def snap_grid(M: FloatArray, tol: float) -> Fraction:
    """The power of ten that payoffs of ``M`` are rounded to before exact computation.

    It is the largest power of ten not above ``1e-3 * tol * scale(M)``: about 12 significant
    digits for the default ``tol=1e-9``. Round-off of formulas (``0.1 + 0.2`` against ``0.3``)
    disappears, and no payoff moves by more than ``tol * scale(M) / 2000``.
    """
    s = scale(M)
    product = SNAP_FACTOR * tol * s
    if product >= sys.float_info.min:
        exponent = math.floor(math.log10(product))
    else:  # the product underflows (a tiny scale or tol): add the logarithms instead
        exponent = math.floor(math.log10(s) + math.log10(SNAP_FACTOR * tol))
    return Fraction(10) ** exponent


def grid_exponent(grid: Fraction) -> int:
    """k for a grid of 10**k (exactly, whatever its size)."""
    if grid >= 1:
        return len(str(grid.numerator)) - 1
    return 1 - len(str(grid.denominator))


def rational_integers(M: object, name: str = "payoffs") -> tuple[list[list[int]], Fraction]:
    """Exact rational payoffs (rows of ints and Fractions) as (integers, grid) with
    ``M[i][j] == integers[i][j] * grid``: the grid is 1 over the common denominator, so the
    integers are M scaled by a positive constant, with the same best replies and equilibria.
    Raises SolverError for entries that are not int or Fraction, or a common denominator of
    more than EXACT_MAX_BITS bits."""
    try:
        rows = [list(row) for row in M]  # type: ignore[attr-defined]
    except TypeError:
        raise SolverError(f"exact {name} must be rows of fractions") from None
    common = 1
    for row in rows:
        for v in row:
            if isinstance(v, bool) or not isinstance(v, (int, Fraction)):
                raise SolverError(f"exact {name} must be ints or Fractions, got {v!r}")
            common = math.lcm(common, v.denominator)
            if common.bit_length() > EXACT_MAX_BITS:
                raise SolverError(f"exact {name} need a common denominator of more than "
                                  f"{EXACT_MAX_BITS} bits")
    ints = [[int(v * common) for v in row] for row in rows]
    return ints, Fraction(1, common)


def snap_to_integers(M: FloatArray, tol: float) -> tuple[list[list[int]], Fraction]:
    """Round ``M`` to integer multiples of :func:`snap_grid`; return (integers, grid).

    The exact rational payoff of entry (i, j) is ``integers[i][j] * grid``. Rounding is done
    on the exact binary value of each float, half to even, so it is reproducible.
    """
    grid = snap_grid(M, tol)
    inv = 1 / grid
    rows = [[round(Fraction(float(v)) * inv) for v in row] for row in M.tolist()]
    return rows, grid


def snap_to_rationals(M: ArrayLike, tol: float = 1e-9) -> list[list[Fraction]]:
    """The exact rational payoffs that the exact solvers use for ``M`` (see :func:`snap_grid`).

    Useful to give another exact solver (Gambit) exactly the same game.
    """
    arr = _as_matrix(M, "M", 2)
    ints, grid = snap_to_integers(arr, check_tol(tol))
    return [[v * grid for v in row] for row in ints]


def positive_reduced(ints: list[list[int]]) -> tuple[list[list[int]], int, int]:
    """A positive affine image of an integer matrix with the smallest entries possible.

    Returns (reduced, low, g) with ``reduced = (ints - low) / g + 1``: every entry a positive
    integer, and best replies, hence equilibria, unchanged.
    """
    low = min(min(row) for row in ints)
    g = 0
    for row in ints:
        for v in row:
            g = math.gcd(g, v - low)
    g = g or 1
    return [[(v - low) // g + 1 for v in row] for row in ints], low, g


def readonly(arr: ArrT) -> ArrT:
    """Mark ``arr`` read-only and return it."""
    arr.flags.writeable = False
    return arr
