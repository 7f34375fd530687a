"""The code stays lint-clean and type-clean (ruff, mypy), when those tools are installed."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _tool(name: str) -> str:
    exe = Path(sys.executable).parent / name
    found = str(exe) if exe.exists() else shutil.which(name)
    assert found, f"{name} is not installed: pip install -e '.[test]'"
    return found


def test_ruff_is_clean() -> None:
    proc = subprocess.run([_tool("ruff"), "check", "model", "tests", "experiments"],
                          capture_output=True, text=True, cwd=ROOT, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_mypy_is_clean() -> None:
    proc = subprocess.run([_tool("mypy"), "model"], capture_output=True, text=True, cwd=ROOT,
                          check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_no_eval_or_exec_in_the_package() -> None:
    import re

    pattern = re.compile(r"(?<![\w.])(eval|exec)\s*\(")
    hits = [
        f"{p.relative_to(ROOT)}:{n}"
        for p in (ROOT / "model").rglob("*.py")
        for n, line in enumerate(p.read_text().splitlines(), 1)
        if pattern.search(line.split("#", 1)[0])
    ]
    assert not hits, hits


def test_the_version_is_the_one_in_pyproject() -> None:
    import tomllib

    import model

    with open(Path(__file__).resolve().parents[1] / "pyproject.toml", "rb") as f:
        assert model.__version__ == tomllib.load(f)["project"]["version"]
