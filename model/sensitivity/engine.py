"""Running a set of parameter points in chunks: locally on every core, or on a Dask cluster,
with checkpoints that let a stopped run resume.

A *source* of points (a :class:`~.grid.Grid`, or the random draws of
:mod:`~.robustness`) says how many points there are and gives the varied parameters' values
for any slice of them. :func:`run` cuts the points into chunks of bounded size; each chunk's
matrices are built in one vectorised call and solved by :func:`~.points.solve_matrices`, in a
worker process (``engine="local"``), in this process (``workers=1``) or on a Dask worker
(``engine="dask"``). All three run the same function on the same chunks, so their results
are identical.

With a checkpoint directory, every finished chunk is saved there (atomically) with a
manifest naming the run; :func:`run` with ``resume=True`` loads the chunks already done and
solves the rest, so a run stopped by Ctrl-C or a kill ends with the same results as one that
was never stopped. A checkpoint made for another run (another file, scenario, grid, solver
tolerance, seed or chunk size) is refused rather than mixed in.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from model.errors import LeverageError, UsageError
from model.game import Game
from model.io import dumps_json
from model.sensitivity.checkpoint import Checkpoint
from model.sensitivity.points import PointSolutions, solve_game_points
from model.sensitivity.pool import _await, _dask_client, _discard_pool, _is_client, _pool
from model.setting import Setting

ENGINES = ("local", "dask")

#: Payoff cells per chunk (points x m x n): about 16 MB of matrices per chunk in flight.
CHUNK_CELLS = 1_000_000
MIN_CHUNK, MAX_CHUNK = 16, 50_000


class PointSource(Protocol):
    """Where the points come from."""

    @property
    def size(self) -> int: ...

    def points(self, start: int, stop: int) -> dict[str, np.ndarray]: ...

    def spec(self) -> dict[str, Any]: ...


def chunk_size_for(game: Game) -> int:
    m, n = game.shape
    return int(min(MAX_CHUNK, max(MIN_CHUNK, CHUNK_CELLS // (m * n))))


def solve_chunk(game: Game, source: PointSource, setting: Setting, start: int,
                stop: int) -> PointSolutions:
    """The equilibria at points start..stop-1 of ``source``."""
    params: dict[str, Any] = dict(setting.params)
    params.update(source.points(start, stop))
    A, B = game.matrices_batch(params, setting.scenario)
    return solve_game_points(game, A, B, tol=setting.tol, strict=setting.strict)


# ---------------------------------------------------------------------------- checkpoints
def run_key(game: Game, source: PointSource, setting: Setting, chunk: int) -> dict[str, Any]:
    """Everything the results depend on; a checkpoint is reused only if this matches."""
    return {"sha256": game.sha256, "points": source.spec(), "setting": setting.spec(),
            "chunk": chunk}


# ---------------------------------------------------------------------------- progress
class _Progress:
    """A bar with rate and time left, on a terminal only (tqdm)."""

    def __init__(self, total: int, initial: int, show: bool | None):
        if show is None:
            show = sys.stderr.isatty()
        self.bar = None
        if show:
            from tqdm import tqdm

            try:
                size = os.get_terminal_size(sys.stderr.fileno())
            except (OSError, ValueError):
                size = os.terminal_size((0, 0))
            # a terminal that reports no size (0 x 0) would hide the bar: assume 80 x 24
            self.bar = tqdm(total=total, initial=initial, unit="pt", unit_scale=True,
                            dynamic_ncols=size.columns > 0,
                            ncols=None if size.columns else 80,
                            nrows=None if size.lines else 24,
                            smoothing=0.1, file=sys.stderr)

    def update(self, k: int) -> None:
        if self.bar is not None:
            self.bar.update(k)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


# ---------------------------------------------------------------------------- running
class _StopOnInterrupt:
    """While active (in the main thread), a first Ctrl-C only asks the run to stop after the
    chunk in hand, so that no chunk is left half-written and no compiled code is interrupted;
    a second one interrupts at once."""

    def __init__(self) -> None:
        self.requested = False
        self._old: Any = None

    def _handler(self, signum: int, frame: Any) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True

    def __enter__(self) -> _StopOnInterrupt:
        if threading.current_thread() is threading.main_thread():
            self._old = signal.signal(signal.SIGINT, self._handler)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._old is not None:
            signal.signal(signal.SIGINT, self._old)


def _solve_task(state: tuple[Game, PointSource, Setting], start: int,
                stop: int) -> tuple[int, dict[str, np.ndarray]]:
    """One chunk's solutions, packed (small to send back)."""
    game, source, setting = state
    return start, solve_chunk(game, source, setting, start, stop).pack()


def _chunks(size: int, chunk: int, skip: set[int]) -> list[tuple[int, int]]:
    return [(s, min(s + chunk, size)) for s in range(0, size, chunk) if s not in skip]


_STATE_CACHE: tuple[bytes, Any] | None = None


def _call(fn: Callable[..., Any], blob: bytes, *args: Any) -> Any:
    """In a worker: ``fn(state, *args)`` with the state unpickled from ``blob`` (cached)."""
    global _STATE_CACHE
    if _STATE_CACHE is None or _STATE_CACHE[0] != blob:
        _STATE_CACHE = (blob, pickle.loads(blob))
    try:
        return fn(_STATE_CACHE[1], *args)
    except Exception as exc:
        try:  # an error goes back to the parent as it is, if it can make the journey
            pickle.loads(pickle.dumps(exc))
        except Exception:
            raise RuntimeError(f"{type(exc).__name__}: {exc}") from None
        raise


def ordered_map(fn: Callable[..., Any], state: Any, tasks: list[tuple[Any, ...]],
                workers: int, *, ordered: bool = True) -> Iterator[Any]:
    """``fn(state, *task)`` for each task: in this process when ``workers`` is 1, else in the
    local pool of that many worker processes, with a bounded number of tasks in flight.
    Results come in the order of ``tasks`` (``ordered``), or as they finish."""
    if workers <= 1:
        for task in tasks:
            yield fn(state, *task)
        return
    pool = _pool(workers)
    blob = pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL)
    pending: dict[int, Future[Any]] = {}
    nxt = 0
    try:
        for k in range(len(tasks)):
            while nxt < len(tasks) and len(pending) < 3 * workers:
                pending[nxt] = pool.submit(_call, fn, blob, *tasks[nxt])
                nxt += 1
            if ordered:
                f = pending[k]
                _await(pool, [f], FIRST_COMPLETED)
                del pending[k]
            else:
                done = _await(pool, list(pending.values()), FIRST_COMPLETED)
                f = next(iter(done))
                del pending[next(i for i, g in pending.items() if g is f)]
            yield f.result()
    except BrokenProcessPool:
        pending.clear()
        _discard_pool()
        raise LeverageError(
            "a worker process stopped unexpectedly (out of memory, or killed; from a Python "
            "script, also when the script does not guard its work with "
            "`if __name__ == \"__main__\":`, which worker processes need). With a "
            "checkpoint, the chunks finished so far are kept: run the same command with "
            "--resume to continue, or with --workers 1 or a smaller --chunk"
        ) from None
    finally:
        for f in pending.values():
            f.cancel()
        wait(list(pending.values()))  # let the chunks in hand finish; the pool stays


def run(
    game: Game,
    source: PointSource,
    setting: Setting,
    *,
    engine: str = "local",
    workers: int | None = None,
    scheduler: Any = None,
    checkpoint: str | Path | None = None,
    resume: bool = False,
    progress: bool | None = None,
    chunk: int | None = None,
    on_chunk: Callable[[int, PointSolutions], None] | None = None,
) -> list[int]:
    """Solve every point of ``source``; returns the chunks' starts, in order.

    Each finished chunk is passed to ``on_chunk(start, solutions)`` (in the order chunks
    finish) and, with ``checkpoint``, saved there. With ``resume``, chunks already in the
    checkpoint are not solved again (nor passed to ``on_chunk``: load them from the
    checkpoint). ``workers`` defaults to every core; 1 solves in this process.
    """
    if engine not in ENGINES:
        raise UsageError(f"unknown engine '{engine}' (engines: {', '.join(ENGINES)})")
    size = source.size
    chunk = chunk or chunk_size_for(game)
    store = Checkpoint(checkpoint) if checkpoint is not None else None
    client = _dask_client(scheduler) if engine == "dask" else None
    skip: set[int] = set()
    created = False
    try:
        if store is not None:
            created = not store.exists()
            store.open(run_key(game, source, setting, chunk), resume)
            skip = store.verified()
        starts = list(range(0, size, chunk))
        todo = _chunks(size, chunk, skip)
        workers = workers or os.cpu_count() or 1
        if client is not None:
            it = _dask(game, source, setting, todo, client)
        else:
            it = ordered_map(_solve_task, (game, source, setting), todo,
                             1 if len(todo) <= 1 else workers, ordered=False)
        bar = _Progress(size, sum(min(chunk, size - s) for s in skip if s < size), progress)
        saved = 0
        try:
            with _StopOnInterrupt() as stop:
                for start, packed in it:
                    if store is not None:
                        store.save(start, packed)
                        saved += 1
                    if on_chunk is not None:
                        on_chunk(start, PointSolutions.unpack(packed))
                    bar.update(len(packed["counts"]))
                    if stop.requested:
                        raise KeyboardInterrupt
                if stop.requested:
                    raise KeyboardInterrupt
        except BaseException:
            if store is not None and created and saved == 0:
                store.remove()  # nothing was done: leave nothing behind
            raise
        finally:
            bar.close()
    finally:
        if client is not None and not _is_client(scheduler):
            client.close()
    return starts


def digest(obj: Any) -> str:
    """A short stable hash of a JSON-able object."""
    return hashlib.sha256(dumps_json(obj, sort_keys=True).encode()).hexdigest()[:16]


def _dask(game: Game, source: PointSource, setting: Setting, todo: list[tuple[int, int]],
          client: Any) -> Iterator[tuple[int, dict[str, np.ndarray]]]:
    from dask.distributed import as_completed

    state = client.scatter((game, source, setting), broadcast=True)
    limit = max(2, 2 * sum(client.nthreads().values()))
    queue = iter(todo)
    futures = as_completed()
    for _ in range(limit):
        nxt = next(queue, None)
        if nxt is None:
            break
        futures.add(client.submit(_solve_task, state, *nxt, pure=False))
    for f in futures:
        yield f.result()
        f.release()
        nxt = next(queue, None)
        if nxt is not None:
            futures.add(client.submit(_solve_task, state, *nxt, pure=False))
