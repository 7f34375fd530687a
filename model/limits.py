"""Running a solve under a time limit: the work runs in a child process that is stopped cleanly
when the limit passes, so no solver needs to poll a clock."""

from __future__ import annotations

import math
import multiprocessing as mp
import os
import traceback
from collections.abc import Callable
from typing import Any, TypeVar

from .errors import LeverageError
from .lifeline import die_with_parent

T = TypeVar("T")

#: Longest finite time limit, in seconds (11.6 days): beyond it the clock calls overflow.
#: An infinite limit means none.
MAX_TIMEOUT = 1e6


class SolveTimeout(LeverageError):
    """The solve did not finish within the time limit."""


def _child(conn: Any, fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any],
           parent: int):
    die_with_parent(parent)  # a killed parent leaves no solve running
    try:
        conn.send(("ok", fn(*args, **kwargs)))
    except BaseException as exc:  # sent back to the parent, which re-raises it
        try:
            conn.send(("error", exc))
        except Exception:
            conn.send(("error", RuntimeError(traceback.format_exc())))
    finally:
        conn.close()


def call_with_timeout(
    fn: Callable[..., T], *args: Any, timeout: float | None, **kwargs: Any
) -> T:
    """``fn(*args, **kwargs)``, stopped after ``timeout`` seconds (None or infinity: no
    limit; at most :data:`MAX_TIMEOUT` otherwise)."""
    if timeout is None or timeout == math.inf:
        return fn(*args, **kwargs)
    if not timeout > 0:
        raise ValueError("timeout must be positive")
    if timeout > MAX_TIMEOUT:
        raise ValueError(f"timeout must be at most {MAX_TIMEOUT:g} s (or infinite: no limit)")
    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(child, fn, args, kwargs, os.getpid()),
                       daemon=True)
    proc.start()
    child.close()
    try:
        if not parent.poll(timeout):
            raise SolveTimeout(f"stopped after {timeout:g} s without an answer")
        status, value = parent.recv()
    except EOFError:
        raise LeverageError("the solver process ended without an answer") from None
    finally:
        if proc.is_alive():
            proc.terminate()
        proc.join(5)
        if proc.is_alive():
            proc.kill()
            proc.join()
        parent.close()
    if status == "error":
        raise value
    return value
