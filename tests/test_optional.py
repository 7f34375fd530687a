"""An optional test's missing dependency skips it on a developer's machine and fails it
under CI."""

from __future__ import annotations

import pytest
from optional import missing


def test_a_missing_dependency_skips_outside_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="no thing"):
        missing("no thing")


def test_a_missing_dependency_fails_under_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match=r"no thing: \.ci/run must install it"):
        missing("no thing")
