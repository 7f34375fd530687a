"""What the engine's worker processes start from: the engine, with its compiled kernels
already loaded, so that the workers forked from one server share that code instead of each
loading its own copy. Imported in that server, this module also ties the server's life to
the process it serves (named by the engine in the server's environment): killed with it."""

from __future__ import annotations

import os

import numpy as np

from model.lifeline import die_with_parent
from model.sensitivity.points import solve_matrices
from model.sensitivity.pool import POOL_PARENT

#: The pid of the server the workers are forked from, in the server and its workers.
SERVER: int | None = None

_parent = os.environ.pop(POOL_PARENT, None)
if _parent is not None and _parent.isdigit():
    SERVER = os.getpid()
    die_with_parent(int(_parent))

# The smallest game of each kind of work: both kernels are loaded from numba's cache (or
# compiled, the first time ever) here, once.
solve_matrices(np.array([[[3.0, 0.0], [5.0, 1.0]]]), np.array([[[3.0, 5.0], [0.0, 1.0]]]))
