"""The examples in the package's docstrings run and give what they show."""

from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
WITH_EXAMPLES = sorted(
    ".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
    for p in (ROOT / "model").rglob("*.py") if ">>> " in p.read_text(encoding="utf-8")
)


def test_the_front_door_has_examples() -> None:
    assert {"model", "model.api", "model.load"} <= set(WITH_EXAMPLES)


@pytest.mark.parametrize("name", WITH_EXAMPLES)
def test_docstring_examples_run(name: str, monkeypatch) -> None:
    monkeypatch.chdir(ROOT)
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples in {name} failed"


def test_help_lists_the_api() -> None:
    import pydoc

    import model

    text = pydoc.render_doc(model, renderer=pydoc.plaintext)
    for name in set(model.__all__) - {"__version__"}:
        assert name in text
