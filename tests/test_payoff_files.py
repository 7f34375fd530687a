"""Every payoff file under payoffs/ loads, builds finite matrices and solves, checked in one go
so that one run lists everything that is wrong (files are discovered by path, not listed)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import model
from model.errors import PayoffFileError

ROOT = Path(__file__).resolve().parents[1]
PAYOFFS = ROOT / "payoffs"
FILES = sorted(PAYOFFS.rglob("*.yaml"))


def test_there_are_payoff_files() -> None:
    names = {f.relative_to(PAYOFFS).as_posix() for f in FILES}
    assert "baseline.yaml" in names
    for game in ("prisoners_dilemma", "chicken", "battle_of_the_sexes", "matching_pennies",
                 "stag_hunt"):
        assert f"textbook/{game}.yaml" in names


def test_every_payoff_file_loads_and_solves() -> None:
    failures: list[str] = []
    for f in FILES:
        rel = f.relative_to(ROOT)
        try:
            game = model.load(f)
            first = f.read_text(encoding="utf-8").splitlines()[0]
            if not first.startswith("# yaml-language-server: $schema="):
                failures.append(f"{rel}: first line must be the yaml-language-server comment")
            settings = [None, *game.scenarios]
            for scenario in settings:
                A, B = game.matrices(scenario=scenario)
                assert np.isfinite(A).all() and np.isfinite(B).all()
                result = model.solve(A, B)
                if not result.equilibria:
                    failures.append(f"{rel} [{scenario or 'baseline'}]: no equilibrium found")
            for p in game.parameters.values():
                if p.source not in game.sources:
                    failures.append(f"{rel}: parameter {p.name} cites unknown source")
        except PayoffFileError as exc:
            failures.append(exc.render())
        except Exception as exc:  # any other failure is listed too, not just the first
            failures.append(f"{rel}: {type(exc).__name__}: {exc}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("path", FILES, ids=[f.relative_to(PAYOFFS).as_posix() for f in FILES])
def test_schema_comment_points_to_the_schema(path: Path) -> None:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    target = first.split("$schema=", 1)[1].strip()
    assert (path.parent / target).resolve() == (PAYOFFS / "schema.json").resolve()


def test_every_fact_a_payoff_file_cites_is_in_the_repository() -> None:
    """Source keys that point to unpublished material (the seed documents, the textbook
    answers) have their content in payoffs/SOURCES.md, and no file points outside the
    repository for a fact."""
    import re

    import yaml

    sources_md = (ROOT / "payoffs" / "SOURCES.md").read_text()
    sections = set(re.findall(r"^## (\S+)", sources_md, flags=re.M))
    cited: set[str] = set()
    for path in sorted((ROOT / "payoffs").rglob("*.yaml")):
        doc = yaml.safe_load(path.read_text())
        for key, text in (doc.get("sources") or {}).items():
            assert "DOMAIN.md" not in text, f"{path.name}: {key} cites a file elsewhere"
            if key.startswith("seed_") or "payoffs/SOURCES.md" in text:
                cited.add(key)
    assert cited, "no payoff file cites payoffs/SOURCES.md"
    assert cited <= sections, f"not in payoffs/SOURCES.md: {sorted(cited - sections)}"
    for folder in ("payoffs", "experiments", "model", "tests"):
        for path in (ROOT / folder).rglob("*"):
            if path.suffix in {".py", ".yaml", ".md", ".json"} and path.name != Path(__file__).name:
                assert "DOMAIN.md" not in path.read_text(errors="replace"), path
    assert "DOMAIN.md" not in (ROOT / "README.md").read_text()
