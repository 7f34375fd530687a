"""Gambit .nfg files: reading both variants, writing, and solving them from the command line."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

import model
from model.cli.main import main
from model.errors import PayoffFileError
from model.nfg import game_from_nfg, read_nfg, read_nfg_text, write_nfg

ROOT = Path(__file__).resolve().parents[1]
NFG_DIR = ROOT / "tests" / "data" / "games" / "nfg"
NFG_FILES = sorted(NFG_DIR.glob("*.nfg"))


@pytest.mark.parametrize("path", NFG_FILES, ids=[p.stem for p in NFG_FILES])
def test_reader_agrees_with_gambit(path: Path) -> None:
    import pygambit as gbt
    ours = read_nfg(path)
    game = gbt.read_nfg(str(path))
    A, B = game.to_arrays(dtype=Fraction)
    assert np.array_equal(np.array(ours.A, dtype=object), A)
    assert np.array_equal(np.array(ours.B, dtype=object), B)
    for mine, theirs in zip(ours.players, game.players, strict=True):
        assert mine == theirs.label or not theirs.label.strip("_0123456789")
    # what we write, Gambit reads back as the same game
    text = write_nfg(ours.title, ours.players, ours.strategies, ours.A, ours.B, "round trip")
    again = gbt.read_nfg(_tmp(path.name, text))
    A2, B2 = again.to_arrays(dtype=Fraction)
    assert np.array_equal(A2, A) and np.array_equal(B2, B)


def _tmp(name: str, text: str) -> str:
    import tempfile

    d = Path(tempfile.mkdtemp())
    (d / name).write_text(text)
    return str(d / name)


def test_outcome_variant() -> None:
    g = read_nfg(NFG_DIR / "tests_test_games_coordination_4x4_outcome.nfg")
    A, B = g.matrices()
    assert np.array_equal(A, np.eye(4)) and np.array_equal(B, np.eye(4))


def test_payoff_variant_order_is_first_player_fastest() -> None:
    g = read_nfg_text('NFG 1 R "t" { "P1" "P2" } { 2 3 }\n1 -1 2 -2 3 -3 4 -4 5 -5 6 -6\n')
    A, B = g.matrices()
    assert A.tolist() == [[1, 3, 5], [2, 4, 6]] and np.array_equal(B, -A)


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        ('NFX 1 R "t" { "a" "b" } { 1 1 }\n0 0\n', "<nfg>:1:1", "must start with 'NFG'"),
        ('NFG 1 R "t" { "a" "b" "c" } { 1 1 1 }\n0 0 0\n', "<nfg>:1:13", "two-player"),
        ('NFG 1 R "t" { "a" "b" } { 2 1 }\n0 0\n', "<nfg>:2:4", "ends early"),
        ('NFG 1 R "t" { "a" "b" } { 1 1 }\n0 0 7\n', "<nfg>:2:5", "unexpected '7'"),
        ('NFG 1 R "t" { "a" "b" } { 1 1 }\n0 x\n', "<nfg>:2:3", "expected the payoffs"),
        ('NFG 1 R "t" { "a" "b" } { 1 1 }\n{ { "o" 1 1 } }\n2\n', "<nfg>:3:1", "outcome number"),
    ],
)
def test_bad_nfg_is_located(text: str, where: str, message: str) -> None:
    with pytest.raises(PayoffFileError) as info:
        read_nfg_text(text)
    first = str(info.value.problems[0])
    assert first.startswith(where), first
    assert message in first


def test_solve_reads_nfg_and_matches_the_known_answer(capsys: pytest.CaptureFixture[str]) -> None:
    path = NFG_DIR / "contrib_games_e07.nfg"
    assert main(["solve", str(path), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert len(doc["equilibria"]) == 1  # gambit_e07_harsanyi: one equilibrium
    assert doc["actions"] == [["1", "2", "3", "4"], ["1", "2", "3", "4"]]


def test_export_then_solve_gives_the_same_equilibria(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = ROOT / "payoffs" / "baseline.yaml"
    out = tmp_path / "baseline.nfg"
    assert main(["export", str(src), "--to", "nfg", "--out", str(out)]) == 0
    game = model.load(src)
    nfg_game = game_from_nfg(out)
    assert nfg_game.actions == game.actions
    A1, B1 = game.matrices()
    A2, B2 = nfg_game.matrices()
    np.testing.assert_array_equal(A1, A2)
    np.testing.assert_array_equal(B1, B2)
    r1, r2 = model.solve(A1, B1), model.solve(A2, B2)
    assert len(r1.equilibria) == len(r2.equilibria)
    for e1, e2 in zip(r1.equilibria, r2.equilibria, strict=True):
        np.testing.assert_allclose(e1.strategies[0], e2.strategies[0])
        np.testing.assert_allclose(e1.strategies[1], e2.strategies[1])


def test_degenerate_json_lists_components(capsys: pytest.CaptureFixture[str]) -> None:
    # gambit_csg1_continuum: 4 extreme equilibria in one component
    assert main(["solve", str(NFG_DIR / "contrib_games_csg1.nfg"), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["degenerate"] is True
    assert sorted(map(sorted, doc["components"])) == [[0, 1, 2, 3]]


def test_exact_json_gives_fractions(capsys: pytest.CaptureFixture[str]) -> None:
    path = ROOT / "payoffs" / "textbook" / "chicken.yaml"
    assert main(["solve", str(path), "--json", "--exact"]) == 0
    doc = json.loads(capsys.readouterr().out)
    mixed = [e for e in doc["equilibria"] if not e["pure"]]
    assert mixed[0]["exact"]["strategies"] == [["3/4", "1/4"], ["3/4", "1/4"]]
    assert mixed[0]["exact"]["payoffs"] == ["-1/4", "-1/4"]


def test_timeout_stops_cleanly(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import time

    import model.analysis

    def slow(*args: object, **kwargs: object) -> None:
        time.sleep(30)

    monkeypatch.setattr(model.analysis, "solve", slow)
    start = time.monotonic()
    code = main(["solve", str(NFG_DIR / "contrib_games_e07.nfg"), "--timeout", "0.5"])
    err = capsys.readouterr().err
    assert time.monotonic() - start < 10
    assert code == 3  # the exit status of a --timeout that ran out
    assert "stopped after 0.5 s" in err and "4 x 4" in err
    assert "Traceback" not in err


def _gambit_extreme_equilibria(path: Path) -> set[tuple[tuple[Fraction, ...], ...]]:
    """Gambit's extreme equilibria in exact arithmetic (enummixed, rational=True), with each
    player's payoff: {(x, y, (payoff row, payoff col))}."""
    import pygambit as gbt

    game = gbt.read_nfg(str(path))
    first, second = list(game.players)
    out = set()
    for eq in gbt.nash.enummixed_solve(game, rational=True).equilibria:
        x = tuple(Fraction(eq[s]) for s in first.strategies)
        y = tuple(Fraction(eq[s]) for s in second.strategies)
        pays = (Fraction(eq.payoff(first)), Fraction(eq.payoff(second)))
        out.add((x, y, pays))
    return out


@pytest.mark.parametrize("path", NFG_FILES, ids=[p.stem for p in NFG_FILES])
def test_exact_gives_gambits_extreme_equilibria(
    path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Under --exact every game's extreme equilibria and their payoffs are Gambit's exactly,
    for integer, decimal and fractional payoffs alike (todd3 has 3/19, 7/38...; the payoffs
    reach the exact engine as written, not rounded to a grid)."""
    assert main(["solve", str(path), "--json", "--exact"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["solver"]["payoffs"] == "exact" and doc["solver"]["grid"] is None
    ours = {
        (
            tuple(map(Fraction, e["exact"]["strategies"][0])),
            tuple(map(Fraction, e["exact"]["strategies"][1])),
            tuple(map(Fraction, e["exact"]["payoffs"])),
        )
        for e in doc["equilibria"]
    }
    assert len(ours) == len(doc["equilibria"])
    assert ours == _gambit_extreme_equilibria(path)


def test_the_reference_games_are_the_copies_as_made() -> None:
    """Every reference file matches the digest it was copied with, and every .nfg file has
    one: an edited or added reference game is caught."""
    import hashlib

    folder = NFG_DIR.parent
    listed = {}
    for line in (folder / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split(maxsplit=1)
        listed[name] = digest
    assert {p.relative_to(folder).as_posix() for p in NFG_DIR.glob("*.nfg")} <= set(listed)
    for name, digest in listed.items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest, name


def test_numbers_are_read_exactly() -> None:
    g = read_nfg_text('NFG 1 R "t" { "a" "b" } { 2 1 }\n1/3 0.1 -2.50 1e-3 \n')
    assert g.A == ((Fraction(1, 3),), (Fraction(-5, 2),))
    assert g.B == ((Fraction(1, 10),), (Fraction(1, 1000),))


def test_a_rational_game_keeps_its_fractions(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Matching pennies scaled by 1/3 and shifted by 0.1: the value is exactly 1/10, not
    0.1000000000003 or 333333333333/10**12."""
    path = tmp_path / "third.nfg"
    path.write_text('NFG 1 R "t" { "a" "b" } { 2 2 }\n'
                    "13/30 -7/30 -7/30 13/30 -7/30 13/30 13/30 -7/30\n")
    game = game_from_nfg(path)
    A, B = game.exact_matrices()
    assert A[0][0] == Fraction(13, 30) and B[0][0] == Fraction(-7, 30)
    assert main(["solve", str(path), "--json", "--exact"]) == 0
    doc = json.loads(capsys.readouterr().out)
    (eq,) = doc["equilibria"]
    assert eq["exact"]["strategies"] == [["1/2", "1/2"], ["1/2", "1/2"]]
    assert eq["exact"]["payoffs"] == ["1/10", "1/10"]
    assert doc["solver"]["payoffs"] == "exact"
