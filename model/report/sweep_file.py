"""A sweep written to a file as it runs: each chunk's rows appended in grid order, the provenance
beside the output, the share of points with each set of outcomes returned."""

from __future__ import annotations

import itertools
import os
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from model.game import Game
from model.io import output_locks
from model.report.files import arrow_schema, encode_arrow, encode_csv, write_pieces
from model.sensitivity import budget, table
from model.sensitivity.checkpoint import Checkpoint
from model.sensitivity.engine import PointSource, Setting, ordered_map, run
from model.sensitivity.grid import Grid
from model.sensitivity.sweeps import provenance


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
        return encode_csv(df, False), *_tally(df)
    return encode_arrow(df, schema), *_tally(df)


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
    schema = None if csv else arrow_schema(first)
    head = encode_csv(first, True) if csv else encode_arrow(first, schema)
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
    write_pieces(target, pieces(), prov)
    ck.remove()
    return SweepFile(target, prov, dict(sets), flags[0], flags[1], flags[2])
