"""Griffe extension for the API reference: doctest examples written outside an ``Examples``
section (``>>>`` lines and their output) are shown as code, not read as Markdown (where
``['defect']`` would be taken for a link)."""

from __future__ import annotations

from typing import Any

import griffe


def fence_doctests(text: str) -> str:
    """``text`` with every run of doctest lines (a ``>>>`` line, its ``...`` continuations and
    the output up to a blank line) put between ``pycon`` fences, unless already fenced."""
    out: list[str] = []
    in_fence = in_test = False
    indent = ""
    for line in text.splitlines():
        stripped = line.lstrip()
        if stripped.startswith("```") and not in_test:
            in_fence = not in_fence
        elif not in_fence and not in_test and stripped.startswith(">>>"):
            indent = line[: len(line) - len(stripped)]
            out.append(f"{indent}```pycon")
            in_test = True
        elif in_test and not stripped:
            out.append(f"{indent}```")
            in_test = False
        out.append(line)
    if in_test:
        out.append(f"{indent}```")
    return "\n".join(out)


class DoctestFences(griffe.Extension):
    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = fence_doctests(obj.docstring.value)
