"""How much a run of many points may take, checked before any array is made.

Two limits apply. The number of points: at most :data:`MAX_POINTS` (ten million) unless
raised (``--max-points N`` on the command line, ``max_points=N`` in the API). And, for the
runs that hold every point's result in memory (a map, a Monte Carlo run, the API's
:func:`~.sweeps.sweep`), an estimate of that memory, which must fit in what this process may
still take: the memory the system has available, or what is left under the address-space
limit (``ulimit -v``) if that is lower. ``leverage sweep`` writes chunk by chunk, so only
the number of points bounds it.

The estimate is a rough floor: per point, the solutions (two equilibria assumed, with a
strategy of each player each) held twice while they are joined, and the table's cells.
"""

from __future__ import annotations

import os
import resource

from model.errors import UsageError

#: Default largest number of points a run may have.
MAX_POINTS = 10_000_000
#: Equilibria per point assumed by the memory estimate.
EQUILIBRIA = 2
#: Bytes per table cell assumed by the memory estimate (text cells are Python strings).
CELL = 40
OPTION = "--max-points"


def _size(n: float) -> str:
    for unit, k in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6)):
        if n >= k:
            return f"{n / k:.3g} {unit}"
    return f"{n / 1e3:.3g} kB"


def held_bytes_per_point(shape: tuple[int, int], columns: int) -> int:
    """Bytes one point's results take when every point is kept: the solutions (see the
    module's description) and ``columns`` table cells."""
    m, n = shape
    solutions = 10 + EQUILIBRIA * (24 + 8 * (m + n))
    return 2 * solutions + CELL * columns


def available_memory() -> tuple[int | None, str]:
    """What this process may still take, in bytes, and where that figure comes from (None if
    it cannot be told)."""
    best: tuple[int | None, str] = (None, "")
    try:
        with open("/proc/meminfo") as fh:
            info = dict(line.split(":", 1) for line in fh if ":" in line)
        best = (int(info["MemAvailable"].split()[0]) * 1024, "available on the system")
    except (OSError, KeyError, ValueError):
        try:
            pages = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
            best = (int(pages), "free on the system")
        except (OSError, ValueError, AttributeError):
            pass
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft != resource.RLIM_INFINITY:
        used = 0
        try:
            with open("/proc/self/statm") as fh:
                used = int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError):
            pass
        left = max(0, soft - used)
        if best[0] is None or left < best[0]:
            best = (left, f"left under the address-space limit (ulimit -v) of "
                          f"{_size(soft)}")
    return best


def check_max_points(value: int | None) -> int:
    """The limit to apply: ``value``, or the default."""
    if value is None:
        return MAX_POINTS
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise UsageError(f"{OPTION} must be a whole number of at least 1, got {value!r}")
    return value


#: Beyond this many points a run cannot be indexed (NumPy's 64-bit indices).
INDEXABLE = 2**62


def check(points: int, *, what: str, max_points: int | None = None,
          held: tuple[tuple[int, int], int] | None = None, hint: str = "") -> None:
    """Refuse a run of ``points`` points above the limit, or (``held``: the game's shape and
    the table's columns, when every point's result is kept) whose estimated memory exceeds
    what is available. ``what`` names the run in messages ("a grid", "a map's grid")."""
    limit = check_max_points(max_points)
    if points > INDEXABLE:
        raise UsageError(f"{what} of {points:,} points is beyond what can be indexed "
                         f"({INDEXABLE:,} points)")
    if points > limit:
        raise UsageError(
            f"{what} of {points:,} points is beyond the limit of {limit:,} points: pass "
            f"{OPTION} {points} to run it anyway{hint}"
        )
    if held is None:
        return
    shape, columns = held
    need = points * held_bytes_per_point(shape, columns)
    have, where = available_memory()
    if have is not None and need > have:
        raise UsageError(
            f"{what} of {points:,} points holds its results in memory, about {_size(need)}: "
            f"more than the {_size(have)} {where}; use fewer points{hint}"
        )
