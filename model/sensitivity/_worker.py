"""What the engine's worker processes start from: the engine, with its compiled kernels
already loaded, so that the workers forked from one server share that code instead of each
loading its own copy."""

from __future__ import annotations

import numpy as np

from . import engine  # noqa: F401  (the module the workers run)
from .points import solve_matrices

# The smallest game of each kind of work: both kernels are loaded from numba's cache (or
# compiled, the first time ever) here, once.
solve_matrices(np.array([[[3.0, 0.0], [5.0, 1.0]]]), np.array([[[3.0, 5.0], [0.0, 1.0]]]))
