"""Worker processes for a run: started with the parent's lifeline (they end with it), watched
while results come back (a worker that dies mid-result ends the wait), and on a Dask cluster."""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
from concurrent.futures import Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from model.errors import UsageError
from model.lifeline import die_with_parent

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


# The local pool: worker processes that stay up for the life of this process, so that a map
# or a sweep and its writing pay for starting them once. Each task carries its state, pickled
# once per run and unpickled once per worker (a cache of one), so nothing of one run stays
# behind for the next.
_POOL: tuple[int, ProcessPoolExecutor] | None = None
