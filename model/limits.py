"""Limits on what the package reads and computes, in one place, and running a solve under a
time limit.

Every input limit is checked before the memory or time it protects is spent, and a file that
breaks one gets a message in the form ``FILE:LINE:COL: what is wrong`` that names the limit
(exit status 2 on the command line).

======================  ============  ==============================================================
name                    value         what it limits
======================  ============  ==============================================================
PAYOFF_FILE_MAX_BYTES   4 MiB         size of a YAML payoff file (only regular files are read)
YAML_MAX_VALUES         100,000       values in a payoff file, its aliases (``*name``) expanded
YAML_MAX_DEPTH          60            nesting of a payoff file
MAX_EXTENDS_DEPTH       16            chain of payoff files that ``extends`` one another
FORMULA_MAX_LENGTH      2,000         characters in one formula
FORMULA_MAX_DEPTH       200           nesting of one formula
NFG_MAX_BYTES           64 MiB        size of a Gambit ``.nfg`` file (checked before it is read;
                                      only regular files are read, never a pipe or a device)
MAX_ACTIONS             1,024         actions of a player in a payoff file; strategies of a player
                                      in a ``.nfg`` file
MAX_PROFILES            250,000       action profiles (m x n) of a game, from either kind of file
NFG_MAX_OUTCOMES        250,000       outcomes listed in an outcome-variant ``.nfg`` file
MAX_NUMBER_LENGTH       400           characters in one number (a YAML number, a ``.nfg`` number)
MAX_EXPONENT            300           absolute exponent of a ``.nfg`` number (``1.5e-300``), and
                                      of a formula's number for it to be read exactly
MAX_PAYOFF              1e100         absolute value of a payoff (a ``.nfg`` number, a payoff
                                      computed from a formula, a matrix given to a solver), so
                                      that sums, differences and products of payoffs (a Nash
                                      product, a determinant's terms) stay finite
MIN_PAYOFF_SCALE        1e-300        a player's largest absolute payoff, unless all are 0 (and
                                      the smallest nonzero ``.nfg`` number), so that a tolerance
                                      relative to it is a normal floating-point number
EXACT_MAX_BITS          1,024         bits of an exact value: a payoff formula computed exactly,
                                      and the common denominator of a player's exact payoffs;
                                      beyond it ``--exact`` rounds the payoffs to a grid
MAX_STATES              100,000       states of ``leverage dynamic``'s grid (its points multiplied)
MAX_TRANSITIONS         40,000,000    entries of its transition table: states x profiles x 2^d
                                      next states (d parameters on the grid), about 12 bytes each
======================  ============  ==============================================================

The solvers' own size limits (vertices of the best-response polytopes) are in
:mod:`model.solvers.equilibria`.
"""

from __future__ import annotations

import math
import multiprocessing as mp
import os
import traceback
from collections.abc import Callable
from typing import Any, TypeVar

from model.errors import LeverageError
from model.lifeline import die_with_parent

PAYOFF_FILE_MAX_BYTES = 4 * 2**20
YAML_MAX_VALUES = 100_000
YAML_MAX_DEPTH = 60
MAX_EXTENDS_DEPTH = 16
FORMULA_MAX_LENGTH = 2000
FORMULA_MAX_DEPTH = 200
NFG_MAX_BYTES = 64 * 1024 * 1024
MAX_ACTIONS = 1024
MAX_PROFILES = 250_000
NFG_MAX_OUTCOMES = 250_000
MAX_NUMBER_LENGTH = 400
MAX_EXPONENT = 300
MAX_PAYOFF = 1e100
MIN_PAYOFF_SCALE = 1e-300
EXACT_MAX_BITS = 1024
MAX_STATES = 100_000
MAX_TRANSITIONS = 40_000_000

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
