"""Worker functions that fail in ways a pool must survive (imported by worker processes)."""

from __future__ import annotations

import gc
import os
import struct
from multiprocessing.queues import SimpleQueue
from typing import Any


def die_halfway(state: Any, k: int) -> int:
    """In a worker: start a result message on the pool's result queue, send only part of it,
    and die, as a worker killed while it sends a large result does."""
    if k == 0:
        queues = [q for q in gc.get_objects() if isinstance(q, SimpleQueue)]
        for q in queues:
            try:
                fd = q._writer.fileno()
            except (OSError, AttributeError):
                continue
            os.write(fd, struct.pack("!i", 1_000_000) + b"partial")
        os._exit(9)
    return k
