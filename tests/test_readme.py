"""The README's Python example runs as written."""

from __future__ import annotations

from pathlib import Path

from doc_examples import run_page

ROOT = Path(__file__).resolve().parents[1]


def test_readme_python_example_runs(monkeypatch, capsys) -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    monkeypatch.chdir(ROOT)
    counts = run_page(text, "README.md")
    assert counts["python"], "the README has a Python example"
    assert capsys.readouterr().out
