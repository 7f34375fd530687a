"""Sweeps: every equilibrium at every point of a grid of parameter values.

>>> import model
>>> from model.sensitivity import sweep
>>> game = model.load("payoffs/textbook/hawk_dove.yaml")  # hawk-dove: V against C = 4
>>> df = sweep(game, {"V": [2.0, 6.0]}, workers=1)
>>> print(df[["V", "n_equilibria", "outcomes"]].to_string(index=False))
  V  n_equilibria                outcomes
2.0             3 one_takes_all + (mixed)
6.0             1                   fight
"""

from __future__ import annotations

import itertools
import os
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from model._version import __version__
from model.game import Game
from model.io import output_locks
from model.sensitivity import budget, table
from model.sensitivity.engine import Checkpoint, PointSource, Setting, ordered_map, run
from model.sensitivity.grid import Axis, Grid, grid_from
from model.sensitivity.points import MARGIN, MAX_PAIRS, PointSolutions

SOLVER = (
    "iterated strict dominance, then support enumeration with margins (compiled); points "
    "with a near-tie or a large remaining game by model.solve_batch (exact where degenerate); "
    "every equilibrium verified by regret"
)


def provenance(game: Game, source: PointSource, setting: Setting, *,
               seed: int | None = None, **extra: Any) -> dict[str, Any]:
    """Where a table of results comes from."""
    out: dict[str, Any] = {
        "file": str(game.path),
        "sha256": game.sha256,
        "scenario": setting.scenario,
        "set": dict(setting.params),
        "solver": SOLVER,
        "tol": setting.tol,
        "dominance_margin": MARGIN,
        "max_support_pairs": MAX_PAIRS,
        "seed": seed,
        "points": source.size,
        "design": source.spec(),
        "leverage": __version__,
    }
    out.update(extra)
    return out


def solve_source(game: Game, source: PointSource, setting: Setting,
                 **options: Any) -> PointSolutions:
    """The solutions at every point of ``source``, in point order, held in memory (for sizes
    that fit; use :func:`sweep_to_file` beyond)."""
    parts: dict[int, PointSolutions] = {}
    store = options.get("checkpoint")
    starts = run(game, source, setting, on_chunk=parts.__setitem__, **options)
    if store is not None:
        ck = Checkpoint(store)
        for s in starts:
            if s not in parts:
                parts[s] = ck.load(s)
        ck.remove()
    return PointSolutions.concat([parts[s] for s in starts])


def sweep(
    game: Game,
    vary: Mapping[str, Any] | Sequence[Axis],
    *,
    scenario: str | None = None,
    params: Mapping[str, float] | None = None,
    tol: float = 1e-9,
    allow_outside: bool = False,
    max_points: int | None = None,
    **options: Any,
) -> pd.DataFrame:
    """Every equilibrium at every point of the grid ``vary`` spans, as a DataFrame (one row
    per point; see :mod:`.table` for the columns). ``vary`` maps parameter names to
    ``(lo, hi, n)`` or to increasing arrays of values, or is a list of axes. The options of
    :func:`~.engine.run` apply (``workers``, ``engine``, ``scheduler``...). The provenance is
    in ``df.attrs["provenance"]``. Grids beyond ``max_points`` points (default
    :data:`~.budget.MAX_POINTS`) or the memory available are refused (:mod:`.budget`)."""
    grid = grid_from(game, vary, allow_outside=allow_outside)
    budget.check(grid.size, what="a grid", max_points=max_points,
                 held=(game.shape, len(grid.axes) + 3 + 7 * budget.EQUILIBRIA),
                 hint="; sweep_to_file (leverage sweep) writes to a file chunk by chunk")
    setting = Setting(scenario, dict(params or {}), tol)
    if scenario is not None:
        game.scenario(scenario)
    sol = solve_source(game, grid, setting, **options)
    df = table.frame(game, grid.points(0, grid.size), sol)
    df.attrs["provenance"] = provenance(game, grid, setting)
    return df


@dataclass(frozen=True)
class SweepFile:
    """What :func:`sweep_to_file` wrote: the file, its provenance, and how many points have
    each set of outcomes (as in the ``outcomes`` column) and a continuum of equilibria."""

    path: Path
    provenance: Mapping[str, Any]
    outcome_sets: Mapping[str, int]
    continuum: int
    whole: int = 0  # points the compiled pass left to the whole-game solver
    incomplete: int = 0  # points whose list of equilibria is not complete

    @property
    def points(self) -> int:
        return int(self.provenance["points"])

    def summary(self) -> str:
        """The share of the points with each set of outcomes, most common first."""
        lines = [f"{self.points:,} points; the outcomes of their equilibria:"]
        for label, k in sorted(self.outcome_sets.items(), key=lambda kv: (-kv[1], kv[0])):
            lines.append(f"  {100 * k / self.points:6.2f}%  {label}")
        if self.continuum:
            some = "1 point" if self.continuum == 1 else f"{self.continuum:,} points"
            lines.append(f"  ({some} with infinitely many equilibria: see the column "
                         "continuum)")
        if self.whole:
            lines.append(f"  {self.whole:,} of {self.points:,} points needed the whole-game "
                         "solver (a near-tie or a large game left: see the column method)")
        if self.incomplete:
            lines.append(f"  {self.incomplete:,} of {self.points:,} points were searched, not "
                         "enumerated: their lists may be incomplete (see the column complete)")
        return "\n".join(lines)


def _encode_task(state: tuple[Any, ...], start: int,
                 stop: int) -> tuple[bytes, dict[str, int], tuple[int, int, int]]:
    """The table of one finished chunk, encoded for the output file (in a worker)."""
    game, grid, ck_path, width, schema = state
    df = table.frame(game, grid.points(start, stop), Checkpoint(ck_path).load(start), width)
    if schema is None:
        return table.encode_csv(df, False), *_tally(df)
    return table.encode_arrow(df, schema), *_tally(df)


def _tally(df: pd.DataFrame) -> tuple[dict[str, int], tuple[int, int, int]]:
    counts = df["outcomes"].value_counts()
    return {str(k): int(v) for k, v in counts.items()}, (
        int(df["continuum"].sum()), int((df["method"] != "compiled").sum()),
        int((~df["complete"]).sum()))


def sweep_to_file(
    game: Game,
    grid: Grid | PointSource,
    setting: Setting,
    out: str | Path,
    *,
    checkpoint: str | Path | None = None,
    resume: bool = False,
    seed: int | None = None,
    max_points: int | None = None,
    **options: Any,
) -> SweepFile:
    """Solve every point and write the table to ``out`` (.csv or .parquet) with bounded
    memory: chunks go to a checkpoint directory (default ``<out>.partial``), then to the file,
    atomically; the directory is removed at the end. While it runs, ``<out>.lock`` (and
    ``<checkpoint>.lock`` for a checkpoint elsewhere) keeps a second run off the same files.
    More than ``max_points`` points (default :data:`~.budget.MAX_POINTS`) are refused."""
    budget.check(grid.size, what="a grid", max_points=max_points)
    target = table.check_output(out)
    ck_path = Path(checkpoint) if checkpoint is not None else target.with_name(
        target.name + ".partial")
    with output_locks(target, checkpoint):
        return _sweep_to_file(game, grid, setting, target, ck_path, resume, seed, options)


def _sweep_to_file(game: Game, grid: Grid | PointSource, setting: Setting, target: Path,
                   ck_path: Path, resume: bool, seed: int | None,
                   options: dict[str, Any]) -> SweepFile:
    starts = run(game, grid, setting, checkpoint=ck_path, resume=resume, **options)
    ck = Checkpoint(ck_path)
    width = 0
    for s in starts:
        with np.load(ck._file(s)) as z:
            width = max(width, int(z["counts"].max(initial=0)))
    spans = [(s, starts[k + 1] if k + 1 < len(starts) else grid.size)
             for k, s in enumerate(starts)]
    csv = target.suffix.lower() == ".csv"
    # the first piece is made here: it fixes the Parquet schema every other piece is cast to
    first = table.frame(game, grid.points(*spans[0]), ck.load(spans[0][0]), width)
    schema = None if csv else table.arrow_schema(first)
    head = table.encode_csv(first, True) if csv else table.encode_arrow(first, schema)
    state = (game, grid, str(ck_path), width, schema)
    workers = options.get("workers") or os.cpu_count() or 1
    if options.get("engine", "local") != "local" or workers == 1 or len(spans) < 4:
        workers = 1
    sets: Counter[str] = Counter()
    flags = [0, 0, 0]  # continuum, whole-game solver, incomplete

    def pieces() -> Iterator[bytes]:
        rest = ordered_map(_encode_task, state, spans[1:], workers)
        for data, tally, c in itertools.chain([(head, *_tally(first))], rest):
            sets.update(tally)
            for k in range(3):
                flags[k] += c[k]
            yield data

    prov = provenance(game, grid, setting, seed=seed)
    table.write_pieces(target, pieces(), prov)
    ck.remove()
    return SweepFile(target, prov, dict(sets), flags[0], flags[1], flags[2])
