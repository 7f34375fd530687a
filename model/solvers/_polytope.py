"""Exact vertex enumeration of a polytope {z >= 0 : M z <= 1} for a positive integer matrix M.

The method is the lexicographic pivoting of lrs (Avis and Fukuda 1992, "A pivoting algorithm
for convex hulls and vertex enumeration of arrangements and polyhedra"; Avis 2000, "lrs: a
revised implementation of the reverse search vertex enumeration algorithm"): integer
pivoting on a dictionary with slack variables and the lexicographic minimum ratio rule
(Dantzig, Orden and Wolfe 1955), so that the bases visited are the vertices of a perturbed,
simple polytope. Every vertex of the original polytope is the image of at least one of those
bases, and the perturbed polytope's graph is connected, so a graph search from the slack basis
(the origin) finds every vertex, degenerate ones included. The search keeps the set of
visited bases instead of using lrs's reverse-search rule: more memory, fewer pivots.

Arithmetic is exact, on Python integers: a dictionary entry divided by the current
determinant is the rational value (integer pivoting, Edmonds 1967; Avis 2000, section 4).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction


@dataclass(frozen=True)
class Vertex:
    """A vertex z of {z >= 0 : M z <= 1} (M of shape (k, d)).

    ``zeros`` is a bit mask over the d + k variables: bit t (t < d) is set when z_t = 0,
    bit d + r when constraint r is tight ((M z)_r = 1). ``point`` holds the d coordinates.
    """

    zeros: int
    point: tuple[Fraction, ...]


def _lex_tiebreak(
    rows: list[list[int]], col: int, tied: list[int], slack_where: list[int], det: int
) -> int:
    """Settle a tie in the minimum ratio test lexicographically.

    Row r's key after the right-hand side is row r of the inverse basis divided by entry
    (r, col), taken slack by slack. A slack basic in row r0 has inverse-basis column
    det * e_r0 (``slack_where`` holds -1 - r0); a nonbasic one its dictionary column
    (``slack_where`` holds the column). The minimum is unique because the inverse basis has
    independent rows.
    """
    for where in slack_where:
        if where < 0:
            r0 = -1 - where
            if r0 in tied:  # r0's key is positive, every other row's is 0
                tied.remove(r0)
        else:
            best = tied[0]
            bn, bd = rows[best][where], rows[best][col]
            kept = [best]
            for r in tied[1:]:
                row = rows[r]
                x = row[where] * bd
                y = bn * row[col]
                if x < y:
                    bn, bd = row[where], row[col]
                    kept = [r]
                elif x == y:
                    kept.append(r)
            tied = kept
        if len(tied) == 1:
            return tied[0]
    raise ArithmeticError("lexicographic ratio test did not single out a row")


def _leaving_row(rows: list[list[int]], col: int, slack_where: list[int], det: int) -> int:
    """Row of the leaving variable when the variable of column ``col`` enters the basis."""
    best = -1
    bn = bd = 0
    tied: list[int] = []
    for r, row in enumerate(rows):
        a = row[col]
        if a <= 0:
            continue
        if best < 0:
            best, bn, bd = r, row[0], a
            tied = [r]
            continue
        x = row[0] * bd
        y = bn * a
        if x < y:
            best, bn, bd = r, row[0], a
            tied = [r]
        elif x == y:
            tied.append(r)
    if best < 0:  # impossible for a bounded polytope
        raise ArithmeticError("no leaving variable: the polytope is unbounded")
    if len(tied) == 1:
        return best
    return _lex_tiebreak(rows, col, tied, slack_where, det)


def _pivot(rows: list[list[int]], r: int, col: int, det: int) -> list[list[int]]:
    """Integer pivot on row r and dictionary column ``col``: the leaving variable takes
    the column of the entering one."""
    prow = rows[r]
    p = prow[col]
    out = []
    for i, row in enumerate(rows):
        if i == r:
            out.append(list(prow))
            out[-1][col] = det
            continue
        a = row[col]
        if a == 0:
            new = [v * p // det for v in row]
        else:
            new = [(v * p - a * w) // det for v, w in zip(row, prow, strict=True)]
        new[col] = -a
        out.append(new)
    return out


def enumerate_vertices(M: list[list[int]]) -> list[Vertex]:
    """All vertices of {z >= 0 : M z <= 1}, for M a k x d matrix of positive integers.

    The origin is included. Vertices are returned in the order they are found.
    """
    k = len(M)
    d = len(M[0])
    # Dictionary rows: [rhs, entries of the d nonbasic columns]. Variables 0..d-1 are z,
    # d..d+k-1 the slacks; basis[r] is the variable of row r, nonbasic[c] that of column 1+c.
    rows0 = [[1, *(int(v) for v in M[r])] for r in range(k)]
    basis0 = list(range(d, d + k))
    nonbasic0 = list(range(d))
    mask0 = sum(1 << v for v in basis0)
    all_vars = (1 << (d + k)) - 1
    seen = {mask0}
    stack = [(basis0, nonbasic0, rows0, 1, mask0)]
    found: dict[int, tuple[Fraction, ...]] = {}

    while stack:
        basis, nonbasic, rows, det, mask = stack.pop()
        zeros = all_vars & ~mask
        for r, v in enumerate(basis):
            if rows[r][0] == 0:
                zeros |= 1 << v
        if zeros not in found:
            point = [Fraction(0)] * d
            for r, v in enumerate(basis):
                if v < d and rows[r][0] != 0:
                    point[v] = Fraction(rows[r][0], det)
            found[zeros] = tuple(point)
        slack_where = [0] * k
        for c, v in enumerate(nonbasic):
            if v >= d:
                slack_where[v - d] = 1 + c
        for r, v in enumerate(basis):
            if v >= d:
                slack_where[v - d] = -1 - r
        for c, v in enumerate(nonbasic):
            r = _leaving_row(rows, 1 + c, slack_where, det)
            new_mask = (mask & ~(1 << basis[r])) | (1 << v)
            if new_mask in seen:
                continue
            seen.add(new_mask)
            basis2 = basis.copy()
            nonbasic2 = nonbasic.copy()
            basis2[r], nonbasic2[c] = v, basis[r]
            stack.append((basis2, nonbasic2, _pivot(rows, r, 1 + c, det), rows[r][1 + c], new_mask))

    return [Vertex(zeros, point) for zeros, point in found.items()]
