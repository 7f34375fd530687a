"""Every README example gives the output it gave when its contract was recorded.

The recorded outputs live in tests/data/contract/, one file per example: the JSON a command
prints with ``--json``, or the file it writes (CSV, .nfg). Numbers are compared to a relative
1e-9 (the last bits of a float may differ between machines), everything else exactly, so a
renamed key, a changed outcome, a lost equilibrium or a reordered list all fail.

After a deliberate change of a contract, record it again with
``LEVERAGE_RECORD_CONTRACT=1 pytest tests/test_contract.py`` and say why in the commit.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
from pathlib import Path

import pytest

from model.cli.main import main

ROOT = Path(__file__).resolve().parents[1]
RECORDED = ROOT / "tests" / "data" / "contract"
RECORD = os.environ.get("LEVERAGE_RECORD_CONTRACT") == "1"
BASE = "payoffs/baseline.yaml"
NFG = "tests/data/games/nfg/contrib_games_todd1.nfg"

# name -> (argv, what is compared: "stdout" or the name of a file the command writes)
EXAMPLES: dict[str, tuple[list[str], str]] = {
    "solve": (["solve", BASE, "--json"], "stdout"),
    "solve_scenario": (["solve", BASE, "--scenario", "magnet_squeeze_2025", "--json"],
                       "stdout"),
    "solve_set": (["solve", BASE, "--set", "us_re_dependence=0.9", "--json"], "stdout"),
    "solve_exact": (["solve", BASE, "--exact", "--json"], "stdout"),
    "solve_nfg": (["solve", NFG, "--json"], "stdout"),
    "solve_textbook": (["solve", "payoffs/textbook/battle_of_the_sexes.yaml", "--json"],
                       "stdout"),
    "export_nfg": (["export", BASE, "--to", "nfg", "--out", "{tmp}/game.nfg"], "game.nfg"),
    "bargain": (["bargain", BASE, "--json"], "stdout"),
    "bargain_options": (["bargain", BASE, "--disagreement", "maxmin", "--power", "US=0.6",
                         "--json"], "stdout"),
    "bargain_leverage": (["bargain", BASE, "--leverage", "us_re_dependence", "--json"],
                         "stdout"),
    "sequential": (["sequential", BASE, "--leader", "China", "--json"], "stdout"),
    "simulate": (["simulate", BASE, "--periods", "10", "--json"], "stdout"),
    "simulate_force": (["simulate", BASE, "--periods", "10", "--force",
                        "China=rare_earths=restricted:1-3", "--json"], "stdout"),
    "simulate_lengths": (["simulate", BASE, "--periods", "10", "--force",
                          "China=rare_earths=restricted", "--compare-lengths", "0,1,3,10",
                          "--json"], "stdout"),
    "sweep": (["sweep", BASE, "--vary", "us_re_dependence=0.5:0.95:19", "--workers", "1",
               "--out", "{tmp}/sweep.csv"], "sweep.csv"),
    "tipping": (["tipping", BASE, "--vary", "us_re_dependence", "--json"], "stdout"),
    "map": (["map", BASE, "--vary", "us_re_dependence=0.5:0.95:6", "--vary",
             "years_us_magnet_substitution=2:8:5", "--workers", "1", "--out", "{tmp}/map.png"],
            "map.csv"),
    "robustness": (["robustness", BASE, "--samples", "400", "--seed", "1", "--workers", "1",
                    "--json"], "stdout"),
    "credibility": (["credibility", BASE, "--deal", "deal", "--json"], "stdout"),
    "credibility_punishment": (["credibility", BASE, "--deal", "deal", "--punishment",
                                "minmax", "--punishment-length", "2", "--json"], "stdout"),
}


def _close(a: object, b: object, where: str) -> list[str]:
    """Where ``a`` (now) and ``b`` (recorded) differ, as paths into the document."""
    if isinstance(a, bool) or isinstance(b, bool) or a is None or b is None:
        return [] if a == b and type(a) is type(b) else [f"{where}: {a!r} != {b!r}"]
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        if math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12):
            return []
        return [f"{where}: {a!r} != {b!r}"]
    if isinstance(a, dict) and isinstance(b, dict):
        if list(a) != list(b):
            return [f"{where}: keys {list(a)} != {list(b)}"]
        return [d for k in a for d in _close(a[k], b[k], f"{where}.{k}")]
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{where}: {len(a)} items != {len(b)}"]
        pairs = enumerate(zip(a, b, strict=True))
        return [d for i, (x, y) in pairs for d in _close(x, y, f"{where}[{i}]")]
    if isinstance(a, str) and isinstance(b, str) and a != b:
        try:  # a number written as text (a CSV cell)
            return _close(float(a), float(b), where)
        except ValueError:
            pass
    return [] if a == b else [f"{where}: {a!r} != {b!r}"]


def _document(text: str, kind: str) -> object:
    if kind.endswith(".csv"):
        return list(csv.reader(io.StringIO(text)))
    if kind == "stdout":
        return json.loads(text)
    return text.splitlines()


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_readme_example_keeps_its_output(name: str, tmp_path: Path, monkeypatch,
                                         capsys) -> None:
    argv, kind = EXAMPLES[name]
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("COLUMNS", "120")
    code = main([a.replace("{tmp}", str(tmp_path)) for a in argv])
    out, err = capsys.readouterr()
    assert code == 0, err
    text = out if kind == "stdout" else (tmp_path / kind).read_text(encoding="utf-8")
    suffix = ".json" if kind == "stdout" else Path(kind).suffix
    recorded = RECORDED / f"{name}{suffix}"
    if RECORD:
        RECORDED.mkdir(parents=True, exist_ok=True)
        recorded.write_text(text, encoding="utf-8")
    assert recorded.exists(), f"no recorded output for {name}: see this module's docstring"
    diffs = _close(_document(text, kind), _document(recorded.read_text(encoding="utf-8"), kind),
                   name)
    assert not diffs, "\n".join(diffs[:20])


def test_every_readme_command_has_an_example() -> None:
    """A command the README shows is recorded here (so a new one is not left out)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    shown = {c for c in ("solve", "export", "bargain", "sequential", "simulate", "sweep",
                         "tipping", "map", "robustness", "credibility")
             if f"`leverage {c} " in readme}
    recorded = {argv[0] for argv, _ in EXAMPLES.values()}
    assert shown and shown <= recorded


def test_the_comparison_sees_a_change() -> None:
    doc = {"equilibria": [{"payoffs": [1.0, 2.0], "outcome": "deal"}]}
    assert _close(doc, json.loads(json.dumps(doc)), "d") == []
    assert _close({"equilibria": [{"payoffs": [1.0, 2.0], "outcome": "truce"}]}, doc, "d")
    assert _close({"equilibria": [{"payoffs": [1.0, 2.1], "outcome": "deal"}]}, doc, "d")
    assert _close({"equilibria": []}, doc, "d")
    assert _close({"equilibrium": []}, doc, "d")
    assert _close([["x", "1.0"]], [["x", "1.0000001"]], "c")
    assert _close([["x", "1"]], [["x", "1.0"]], "c") == []
