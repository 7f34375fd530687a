"""What an optional test needs and does not find: on a developer's machine the test is
skipped with the reason printed (``-ra``); under CI (``CI`` set), where ``.ci/run`` installs
everything the test extra and the browser need, it fails, so a missing install step cannot
pass as a skip."""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def missing(reason: str, *, module_level: bool = False) -> NoReturn:
    """Skip, or fail under CI, because ``reason``."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason}: .ci/run must install it", pytrace=False)
    pytest.skip(reason, allow_module_level=module_level)
