"""Every text report fits 100 columns by default (a projected slide, a terminal); ``--wide``
gives the tables and matrices at their full width."""

from __future__ import annotations

import pytest

from model.cli.main import main
from model.text import fit, table

BASE = "payoffs/baseline.yaml"
CHICKEN = "payoffs/textbook/chicken.yaml"

COMMANDS = [
    ["solve", BASE],
    ["solve", BASE, "--exact"],
    ["solve", BASE, "--scenario", "dec_2024"],
    ["solve", CHICKEN],
    ["solve", "payoffs/textbook/battle_of_the_sexes.yaml"],
    ["solve", "tests/data/games/nfg/contrib_games_todd1.nfg"],
    ["bargain", BASE],
    ["bargain", BASE, "--leverage", "us_re_dependence"],
    ["bargain", CHICKEN],
    ["tipping", BASE, "--vary", "us_re_dependence=0.5:0.95"],
    ["tipping", "payoffs/textbook/hawk_dove.yaml", "--vary", "V"],
    ["simulate", BASE, "--periods", "5"],
    ["simulate", BASE, "--periods", "10", "--force", "China=rare_earths=restricted",
     "--compare-lengths", "0,1,3"],
    ["robustness", BASE, "--samples", "50", "--seed", "1", "--workers", "1"],
    ["describe", BASE],
    ["describe", CHICKEN],
    ["sequential", BASE, "--leader", "China"],
    ["sequential", CHICKEN, "--leader", "Row"],
    ["credibility", BASE, "--deal", "deal"],
    ["credibility", BASE, "--deal", "deal", "--punishment", "minmax",
     "--punishment-length", "2"],
]


def run(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    code = main(argv)
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


@pytest.mark.parametrize("argv", COMMANDS, ids=lambda a: " ".join(a[:1] + a[1:2]))
def test_text_fits_100_columns(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    out = run(capsys, argv)
    assert out.strip()
    long = [line for line in out.splitlines() if len(line) > 100]
    assert not long, f"{len(long)} lines over 100 columns, e.g. {long[0]!r}"


def test_wide_gives_the_full_matrix(capsys: pytest.CaptureFixture[str]) -> None:
    narrow = run(capsys, ["solve", BASE])
    wide = run(capsys, ["solve", BASE, "--wide"])
    full = [line for line in wide.splitlines() if line.startswith("US \\ China")]
    assert len(full) == 2  # each player's matrix, every column on one line
    assert all(f"C{k:02d}" in full[0] for k in range(1, 13))
    assert max(len(line) for line in wide.splitlines()) > 100
    # by default the same matrix comes in blocks of columns, the marks kept
    blocks = [line for line in narrow.splitlines() if line.startswith("US \\ China")]
    assert len(blocks) == 4
    assert narrow.count("*") == wide.count("*")
    for k in range(1, 13):
        assert any(f"C{k:02d}" in b for b in blocks)


@pytest.mark.parametrize("argv", [
    ["bargain", BASE], ["simulate", BASE, "--periods", "5"],
    ["tipping", BASE, "--vary", "us_re_dependence=0.5:0.95"], ["describe", BASE],
])
def test_wide_keeps_long_lines(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    assert max(len(line) for line in run(capsys, [*argv, "--wide"]).splitlines()) > 100


def test_json_is_not_wrapped(capsys: pytest.CaptureFixture[str]) -> None:
    out = run(capsys, ["bargain", BASE, "--json"])
    assert out == run(capsys, ["bargain", BASE, "--json", "--wide"])


def test_table_wraps_text_then_splits_columns() -> None:
    rows = [["a", "word " * 30, "x"], ["b", "short", "y"]]
    text = table(["name", "text", "z"], rows, align="lll", width=40)
    assert max(len(line) for line in text.splitlines()) <= 40
    assert " ".join(text.split()).count("word") == 30
    wide = table(["h", *(f"c{k}" for k in range(20))], [["r", *("12345.67",) * 20]],
                 width=60)
    assert max(len(line) for line in wide.splitlines()) <= 60
    assert all(f"c{k}" in wide for k in range(20))
    assert table(["a"], [["b" * 200]], width=None).splitlines()[-1] == "b" * 200


def test_fit_hangs_continuations() -> None:
    line = "  - " + "word " * 40
    out = fit(line, 50).splitlines()
    assert all(len(x) <= 50 for x in out)
    assert all(x.startswith("    ") for x in out[1:])
    assert fit("x" * 20 + " " + "y" * 20, 30).splitlines() == ["x" * 20, "y" * 20]
    assert fit("short", 50) == "short"
