"""The front door is documented: its functions have examples (run by ``--doctest-modules``,
which pytest's configuration turns on for the whole package) and ``help(model)`` lists them."""

from __future__ import annotations

import doctest
import pydoc

import model
import model.api


def test_every_front_door_function_has_a_numpydoc_docstring_with_examples() -> None:
    finder = doctest.DocTestFinder()
    for name in model.api.__all__:
        fn = getattr(model.api, name)
        doc = fn.__doc__ or ""
        assert doc.strip(), f"{name} has no docstring"
        if name != "outcome_map":  # a map takes seconds: its example is in model.sensitivity.maps
            assert any(t.examples for t in finder.find(fn)), f"{name} has no example"
            assert "Examples\n" in doc, name


def test_help_lists_the_api() -> None:
    text = pydoc.render_doc(model, renderer=pydoc.plaintext)
    for name in set(model.__all__) - {"__version__"}:
        assert name in text
    assert set(model.api.__all__) <= set(model.__all__)
