"""The documentation site: it builds in strict mode, and every example on it runs and prints
what the page shows (the rules are those of tests/doc_examples.py)."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from doc_examples import blocks, commands, missing_output, run_page
from optional import missing

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
PAGES = sorted(p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md"))


def _hook():
    spec = importlib.util.spec_from_file_location("docs_generated", DOCS / "hooks" / "generated.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_site_builds_strictly(tmp_path: Path) -> None:
    if importlib.util.find_spec("mkdocs") is None:
        missing("mkdocs is not installed (pip install -e '.[docs]')")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    site = tmp_path / "site"
    r = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir",
                        str(site)], cwd=ROOT, capture_output=True, text=True, env=env,
                       timeout=300)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-5000:]
    for page in ("index.html", "tutorial/index.html", "reference/payoff-file/index.html",
                 "reference/api/index.html", "background/sources/index.html"):
        assert (site / page).is_file(), page
    api = (site / "reference/api/index.html").read_text(encoding="utf-8")
    assert "model.analyse" in api and "Kalai" in api  # from the docstrings
    # offline: no web fonts, scripts or styles from elsewhere
    for html in site.rglob("*.html"):
        text = html.read_text(encoding="utf-8")
        assert "fonts.googleapis" not in text and 'src="http' not in text, html


@pytest.mark.parametrize("page", PAGES)
def test_every_example_on_the_page_runs(page: str, tmp_path: Path, monkeypatch) -> None:
    """Python runs from the repository's root; commands from a folder holding a copy of
    payoffs/ and docs/, so files they write stay out of the tree."""
    shutil.copytree(ROOT / "payoffs", tmp_path / "payoffs")
    shutil.copytree(DOCS, tmp_path / "docs")
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("COLUMNS", "100")
    text = (DOCS / page).read_text(encoding="utf-8")
    run_page(text, f"docs/{page}", shell_cwd=tmp_path)


def test_the_pages_have_examples() -> None:
    ran = {"python": 0, "pycon": 0, "console": 0}
    for page in PAGES:
        for block in blocks((DOCS / page).read_text(encoding="utf-8")):
            if block.lang in ("console", "bash"):
                ran["console"] += len(commands(block))
            elif block.lang in ran:
                ran[block.lang] += 1
    assert all(ran.values()), ran


def test_the_output_check_sees_a_difference() -> None:
    printed = "Pure equilibria\n  (defect, defect) payoffs 1, 1  outcome: mutual_defection\n"
    assert missing_output(["Pure equilibria", "  (defect, defect)   payoffs 1, 1"], printed) is None
    assert missing_output(["Pure equilibria", "...", "outcome: mutual_defection"], printed) is None
    assert missing_output(["(defect, defect) payoffs 1, 2"], printed) is not None
    assert missing_output(["outcome: mutual_defection", "...", "Pure equilibria"], printed)


def test_a_console_block_gives_commands_status_and_output() -> None:
    block = blocks("```console\n$ leverage check x.yaml\nx.yaml:1:1: bad\n$ echo $?\n2\n"
                   "$ dask scheduler\nnot run\n```\n")[0]
    (cmd,) = commands(block)
    assert cmd.argv == ["check", "x.yaml"] and cmd.status == 2 and cmd.output == ["x.yaml:1:1: bad"]


def test_the_payoff_file_reference_covers_the_schema() -> None:
    from model.payoffs.spec import json_schema_text

    schema = json.loads(json_schema_text())
    page = _hook().pages()["reference/payoff-file.md"]
    for name, node in schema["$defs"].items():
        assert f"## {name}" in page
        for key in node.get("properties", {}):
            assert f"`{key}`" in page
    for key in schema["properties"]:
        assert f"`{key}`" in page
    assert (ROOT / "payoffs" / "schema.json").read_text(encoding="utf-8").strip() == \
        json_schema_text().strip()


def test_the_sources_page_lists_every_source() -> None:
    import model

    page = _hook().pages()["background/sources.md"]
    assert all(f"`{key}`" in page for key in model.load(ROOT / "payoffs/baseline.yaml").sources)


def test_docstring_doctests_are_shown_as_code() -> None:
    spec = importlib.util.spec_from_file_location("fences", DOCS / "hooks" / "doctest_fences.py")
    if importlib.util.find_spec("griffe") is None:
        missing("griffe (mkdocstrings[python]) is not installed")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    text = "Intro.\n\n>>> f(1)\n['a']\n\nMore.\n```\n>>> g()\n```"
    assert module.fence_doctests(text) == (
        "Intro.\n\n```pycon\n>>> f(1)\n['a']\n```\n\nMore.\n```\n>>> g()\n```")
