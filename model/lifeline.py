"""Helper processes that end with the process they work for.

A worker pool's processes (the server the workers are forked from, and the workers) and the
child of a solve under a time limit call :func:`die_with_parent` as they start: on Linux the
kernel then sends them SIGKILL when their parent ends, however it ends (``kill -9``
included); elsewhere a daemon thread checks every half second that the parent is still there.
Without this, a pool whose parent was killed would wait for work for ever.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time

PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
#: Seconds between two looks at the parent where the kernel cannot be asked.
POLL = 0.5


def _pdeathsig() -> bool:
    """Ask the kernel for SIGKILL when the parent ends; whether it agreed."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)) == 0
    except (OSError, AttributeError, ValueError):
        return False


def _watch(parent: int) -> None:
    while True:
        if os.getppid() != parent:
            os._exit(1)
        time.sleep(POLL)


def die_with_parent(parent: int | None = None) -> None:
    """End this process (at once, without cleanup) when its parent ends. ``parent`` is the
    pid the parent should have (default: the current parent); if it is already gone, this
    process ends here."""
    expected = os.getppid() if parent is None else parent
    armed = _pdeathsig()
    if os.getppid() != expected:  # it ended before the kernel was asked
        os._exit(1)
    if not armed:
        threading.Thread(target=_watch, args=(expected,), name="lifeline",
                         daemon=True).start()
