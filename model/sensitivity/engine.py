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
import io
import json
import multiprocessing
import os
import pickle
import re
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from model.errors import LeverageError, UsageError
from model.game import Game
from model.io import atomic_write, dumps_json
from model.lifeline import die_with_parent
from model.sensitivity.points import PointSolutions, solve_game_points
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


MANIFEST = "leverage-checkpoint.json"
_CHUNK = re.compile(r"chunk-(\d{12})\.npz")
_SUM = re.compile(r"chunk-(\d{12})\.sha256")
_OWN_TEMP = re.compile(
    r"\.(chunk-\d{12}\.(npz|sha256)|leverage-checkpoint\.json)\..*\.tmp")


class Checkpoint:
    """A directory of finished chunks: ``leverage-checkpoint.json`` (what the run depends on),
    ``chunk-<start, 12 digits>.npz`` and, beside each chunk, ``chunk-<start>.sha256`` (its
    SHA-256 and size in bytes, written after it). On resume a chunk is used only if it
    matches its sum; one that does not (cut short, emptied, altered, or without its sum) is
    deleted and solved again. Only files of exactly these names are read or removed: the
    directory may hold other files, which are left alone."""

    def __init__(self, path: str | Path):
        self.path = Path(path)

    def exists(self) -> bool:
        return (self.path / MANIFEST).exists()

    def open(self, key: dict[str, Any], resume: bool) -> None:
        manifest = self.path / MANIFEST
        try:
            if manifest.exists():
                self._check(manifest, key, resume)
                return
            self.path.mkdir(parents=True, exist_ok=True)
            self.remove_chunks()  # chunks without a manifest belong to no known run
            atomic_write(manifest, dumps_json({"key": key}, indent=2) + "\n")
        except OSError as exc:
            raise UsageError(f"checkpoint directory {self.path}: {exc.strerror or exc}") from None

    def _check(self, manifest: Path, key: dict[str, Any], resume: bool) -> None:
        if not resume:
            raise UsageError(
                f"{self.path} holds the checkpoint of an unfinished run: add --resume to "
                f"continue it, or delete its {MANIFEST} and chunk-* files to start again"
            )
        try:
            old = json.loads(manifest.read_text())
            old_key = old["key"]
        except (ValueError, KeyError, TypeError):
            raise UsageError(f"{manifest} is not a checkpoint this program wrote") from None
        new_key = json.loads(dumps_json(key))
        if old_key != new_key:
            diff = [k for k in new_key if old_key.get(k) != new_key[k]]
            raise UsageError(
                f"the checkpoint in {self.path} belongs to a different run (it differs in: "
                f"{', '.join(diff) or 'its format'}); delete its {MANIFEST} and chunk-* "
                "files to start this one"
            )

    def _file(self, start: int) -> Path:
        return self.path / f"chunk-{start:012d}.npz"

    def _sum_file(self, start: int) -> Path:
        return self.path / f"chunk-{start:012d}.sha256"

    def done(self) -> set[int]:
        """The starts of the chunks present (verified or not: see :meth:`verified`)."""
        out = set()
        for p in self.path.glob("chunk-*.npz"):
            hit = _CHUNK.fullmatch(p.name)
            if hit:
                out.add(int(hit.group(1)))
        return out

    def damage(self, start: int) -> str | None:
        """What is wrong with a chunk's file, or None if it matches its sum."""
        try:
            data = self._file(start).read_bytes()
        except OSError as exc:
            return f"unreadable: {exc.strerror or exc}"
        try:
            digest, size = self._sum_file(start).read_text().split()
            expected = int(size)
        except (OSError, ValueError):
            return "no checksum" if data else "empty, no checksum"
        if not data:
            return "empty"
        if len(data) != expected:
            return f"truncated: {len(data):,} of {expected:,} bytes"
        if hashlib.sha256(data).hexdigest() != digest:
            return "checksum differs"
        return None

    def verified(self, warn: Callable[[str], None] | None = None) -> set[int]:
        """The starts of the chunks that match their sums; the others are deleted (to be
        solved again) and named in one line to ``warn`` (default: standard error)."""
        good, bad = set(), []
        for start in sorted(self.done()):
            what = self.damage(start)
            if what is None:
                good.add(start)
                continue
            bad.append(f"{self._file(start).name} ({what})")
            self._file(start).unlink(missing_ok=True)
            self._sum_file(start).unlink(missing_ok=True)
        if bad:
            some = "a damaged chunk" if len(bad) == 1 else f"{len(bad)} damaged chunks"
            line = (f"warning: checkpoint {self.path}: {some}, solved again: "
                    + ", ".join(bad))
            if warn is None:
                print(line, file=sys.stderr)
            else:
                warn(line)
        return good

    def save(self, start: int, packed: Mapping[str, np.ndarray]) -> None:
        """Save a chunk, as :meth:`PointSolutions.pack` gives it, then its sum."""
        buf = io.BytesIO()
        np.savez(buf, **packed)  # type: ignore[arg-type]
        data = buf.getvalue()
        atomic_write(self._file(start), data)
        atomic_write(self._sum_file(start),
                     f"{hashlib.sha256(data).hexdigest()} {len(data)}\n")

    def load_packed(self, start: int) -> dict[str, np.ndarray]:
        with np.load(self._file(start)) as z:
            return {k: z[k] for k in z.files}

    def load(self, start: int) -> PointSolutions:
        return PointSolutions.unpack(self.load_packed(start))

    def remove_chunks(self) -> None:
        for p in self.path.iterdir():
            if (_CHUNK.fullmatch(p.name) or _SUM.fullmatch(p.name)
                    or _OWN_TEMP.fullmatch(p.name)):
                p.unlink(missing_ok=True)

    def remove(self) -> None:
        """Delete the checkpoint's own files, and the directory if that leaves it empty."""
        if not self.path.is_dir():
            return
        self.remove_chunks()
        (self.path / MANIFEST).unlink(missing_ok=True)
        try:
            self.path.rmdir()
        except OSError:
            pass


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


#: Environment of the worker processes: one BLAS thread each, as there is a worker per core.
_WORKER_ENV = {k: "1" for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}
#: Tells the server the workers are forked from which process it serves (see ``_worker``).
POOL_PARENT = "LEVERAGE_POOL_PARENT"


def _worker_context() -> Any:
    """Workers start from a small server process that has imported only the engine (the
    "forkserver" method where there is one), not from this process with all it has loaded:
    each worker then holds the engine and its chunk, not a copy of tables and plots."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["model.sensitivity._worker"])
    from multiprocessing import forkserver

    env = {**_WORKER_ENV, POOL_PARENT: str(os.getpid())}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        forkserver.ensure_running()  # started once; it and its workers keep this environment
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return ctx


# The local pool: worker processes that stay up for the life of this process, so that a map
# or a sweep and its writing pay for starting them once. Each task carries its state, pickled
# once per run and unpickled once per worker (a cache of one), so nothing of one run stays
# behind for the next.
_POOL: tuple[int, ProcessPoolExecutor] | None = None
_STATE_CACHE: tuple[bytes, Any] | None = None


def _worker_start(parent: int) -> None:
    """A worker's first act: ignore Ctrl-C (the parent decides when to stop) and end when its
    parent does (the server it was forked from, else ``parent``), so that a run killed
    with ``kill -9`` leaves no process behind."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    server = getattr(sys.modules.get(f"{__package__}._worker"), "SERVER", None)
    die_with_parent(server if server is not None else parent)


def _pool(workers: int) -> ProcessPoolExecutor:
    global _POOL
    if _POOL is not None:
        size, pool = _POOL
        if size == workers and not getattr(pool, "_broken", False):
            return pool
        pool.shutdown(wait=False, cancel_futures=True)
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=_worker_context(),
                               initializer=_worker_start, initargs=(os.getpid(),))
    _POOL = (workers, pool)
    return pool


#: Seconds between looks at whether every worker process is still alive.
WATCH = 0.5


def _await(pool: ProcessPoolExecutor, futures: list[Future[Any]],
           return_when: str) -> set[Future[Any]]:
    """``wait(futures)``, looking every ``WATCH`` seconds at the pool's processes: a worker
    killed while it sends a result can leave the pool waiting for the rest of the message
    for ever, so a dead worker is taken as a broken pool whether or not the pool has
    noticed."""
    while True:
        done, _ = wait(futures, timeout=WATCH, return_when=return_when)
        if done:
            return done
        procs = getattr(pool, "_processes", None) or {}
        if any(p.exitcode is not None for p in list(procs.values())):
            raise BrokenProcessPool("a worker process died")


def _discard_pool() -> None:
    """Stop the pool of this process (after a worker died) and its remaining workers, so
    that neither a later run nor the exit of the program waits on it."""
    global _POOL
    if _POOL is None:
        return
    _, pool = _POOL
    _POOL = None
    procs = list((getattr(pool, "_processes", None) or {}).values())
    for p in procs:
        if p.exitcode is None:
            p.kill()
    for p in procs:
        p.join(timeout=5)
    # A worker that died halfway through a result leaves the pool's reader waiting for the
    # rest; with every worker gone, closing this process's end for writing ends the wait.
    writer = getattr(getattr(pool, "_result_queue", None), "_writer", None)
    if writer is not None:
        try:
            writer.close()
        except OSError:
            pass
    pool.shutdown(wait=False, cancel_futures=True)


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


def _is_client(obj: Any) -> bool:
    return type(obj).__name__ == "Client" and hasattr(obj, "submit")


def _dask_client(scheduler: Any) -> Any:
    """A client of the scheduler at ``scheduler`` (an address, or a Client to use as is)."""
    try:
        from dask.distributed import Client
    except ImportError:
        raise UsageError(
            "--engine dask needs Dask: pip install 'dask[distributed]' (or this project's "
            "'cluster' extra)"
        ) from None
    if scheduler is None:
        raise UsageError("--engine dask needs --scheduler ADDRESS (e.g. tcp://host:8786)")
    if _is_client(scheduler):
        return scheduler
    try:
        return Client(scheduler, timeout="10s")
    except (OSError, TimeoutError, ValueError) as exc:
        raise UsageError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None


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
