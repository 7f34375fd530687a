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
determinant is the rational value (integer pivoting, Edmonds 1967; Avis 2000).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

# Dictionary entries kept on the search path to go back up without pivoting (about 100 MB
# for entries of a few hundred bits).
_KEEP_ENTRIES = 1_000_000


@dataclass(frozen=True)
class Vertex:
    """A vertex z of {z >= 0 : M z <= 1} (M of shape (k, d)).

    ``zeros`` is a bit mask over the d + k variables: bit t (t < d) is set when z_t = 0,
    bit d + r when constraint r is tight ((M z)_r = 1). The coordinates are
    ``numerators[t] / denominator``.
    """

    zeros: int
    numerators: tuple[int, ...]
    denominator: int

    @property
    def point(self) -> tuple[Fraction, ...]:
        """The coordinates as fractions."""
        return tuple(Fraction(v, self.denominator) for v in self.numerators)

    def is_origin(self) -> bool:
        return not any(self.numerators)


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


def _slack_where(basis: list[int], nonbasic: list[int], d: int) -> list[int]:
    """Where each slack is: 1 + c for dictionary column c, -1 - r for basic in row r."""
    where = [0] * len(basis)
    for c, v in enumerate(nonbasic):
        if v >= d:
            where[v - d] = 1 + c
    for r, v in enumerate(basis):
        if v >= d:
            where[v - d] = -1 - r
    return where


def enumerate_vertices(M: list[list[int]], keep_entries: int = _KEEP_ENTRIES) -> list[Vertex]:
    """All vertices of {z >= 0 : M z <= 1}, for M a k x d matrix of positive integers.

    The origin is included. Vertices are returned in the order they are found.

    The search is depth first. Going back up, a dictionary is restored from a copy kept on
    the path while the copies hold fewer than ``keep_entries`` entries in all, and by the
    reverse pivot beyond that, so memory stays bounded however deep the search goes.
    """
    k = len(M)
    d = len(M[0])
    # Dictionary rows: [rhs, entries of the d nonbasic columns]. Variables 0..d-1 are z,
    # d..d+k-1 the slacks; basis[r] is the variable of row r, nonbasic[c] that of column 1+c.
    rows = [[1, *(int(v) for v in M[r])] for r in range(k)]
    basis = list(range(d, d + k))
    nonbasic = list(range(d))
    det = 1
    mask = sum(1 << v for v in basis)
    all_vars = (1 << (d + k)) - 1
    seen = {mask}
    found: dict[int, tuple[tuple[int, ...], int]] = {}
    keep = max(1, keep_entries // (k * (d + 1)))
    # One frame per edge of the path from the origin: (next column to try at the parent,
    # the parent's skipped column, pivot row and column, parent dictionary or None, parent
    # determinant). The skipped column holds the variable that just left: entering it again
    # leads back to the parent.
    path: list[tuple[int, int, int, int, list[list[int]] | None, int]] = []
    skip = -1
    c = 0
    new_node = True
    while True:
        if new_node:
            new_node = False
            zeros = all_vars & ~mask
            for r, v in enumerate(basis):
                if rows[r][0] == 0:
                    zeros |= 1 << v
            if zeros not in found:
                point = [0] * d
                for r, v in enumerate(basis):
                    if v < d:
                        point[v] = rows[r][0]
                found[zeros] = (tuple(point), det)
            slack_where = _slack_where(basis, nonbasic, d)
        if c < d:
            col = c
            c += 1
            if col == skip:
                continue
            r = _leaving_row(rows, 1 + col, slack_where, det)
            v = nonbasic[col]
            new_mask = (mask & ~(1 << basis[r])) | (1 << v)
            if new_mask in seen:
                continue
            seen.add(new_mask)
            path.append((c, skip, r, col, rows if len(path) < keep else None, det))
            pivot = rows[r][1 + col]
            rows = _pivot(rows, r, 1 + col, det)
            det = pivot
            basis[r], nonbasic[col] = v, basis[r]
            mask = new_mask
            skip, c, new_node = col, 0, True
            continue
        if not path:
            break
        c, skip, r, col, saved, parent_det = path.pop()
        rows = saved if saved is not None else _pivot(rows, r, 1 + col, det)
        det = parent_det
        entered, left = basis[r], nonbasic[col]
        basis[r], nonbasic[col] = left, entered
        mask = (mask & ~(1 << entered)) | (1 << left)
        slack_where = _slack_where(basis, nonbasic, d)

    return [Vertex(zeros, nums, den) for zeros, (nums, den) in found.items()]
