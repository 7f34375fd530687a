"""The .nfg reader's limits (model.limits): each probe that once took gigabytes, hung or ended
in a traceback now exits with status 2 and one located line, ``FILE:LINE:COL: message``.

Each probe runs ``leverage solve FILE --exact`` in a subprocess with a time limit and an
address-space limit (RLIMIT_AS), so a regression shows as a failure, not as a stuck machine.
"""

from __future__ import annotations

import os
import re
import resource
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from model.limits import (
    MAX_ACTIONS,
    MAX_NUMBER_LENGTH,
    MAX_PROFILES,
    NFG_MAX_BYTES,
    NFG_MAX_OUTCOMES,
)

MEMORY = 2 << 30  # bytes of address space for each probe
TIMEOUT = 60  # seconds
HEAD = 'NFG 1 R "probe" { "Row" "Column" }'


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def run_probe(path: Path) -> tuple[int, str]:
    proc = subprocess.run(
        [sys.executable, "-m", "model", "solve", str(path), "--exact"],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        preexec_fn=_limit_memory,
        cwd=Path(__file__).resolve().parents[1],
    )
    return proc.returncode, proc.stderr


def assert_refused(path: Path, line: int, col: int, *words: str) -> None:
    code, err = run_probe(path)
    assert code == 2, err
    assert "Traceback" not in err, err
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert re.fullmatch(rf"{re.escape(str(path))}:{line}:{col}: .+", lines[0]), lines[0]
    for w in words:
        assert w in lines[0], lines[0]


def _write(tmp_path: Path, name: str, write: Callable[[object], None]) -> Path:
    path = tmp_path / name
    with open(path, "w") as fh:
        write(fh)
    return path


def test_a_huge_header_is_refused_before_anything_is_allocated(tmp_path: Path) -> None:
    """45 bytes that declared 10**10 profiles once grew to 24 GB."""
    path = tmp_path / "header.nfg"
    path.write_text(f"{HEAD}\n{{ 100000 100000 }}\n")
    assert len(path.read_bytes()) <= 64
    assert_refused(path, 2, 3, "100000", f"at most {MAX_ACTIONS:,} strategies per player")


def test_a_huge_exponent_does_not_hang(tmp_path: Path) -> None:
    path = tmp_path / "exponent.nfg"
    path.write_text(f"{HEAD}\n{{ 2 2 }}\n1e99999999 0 0 1 0 1 1 0\n")
    assert_refused(path, 3, 1, "1e99999999", "exponent", "300")


def test_a_large_file_stops_at_its_first_error(tmp_path: Path) -> None:
    """A 60 MB file took 77 s and 4.5 GB before its syntax error; the reader now reads a
    token at a time and stops after the last payoff the header asks for."""

    def write(fh: object) -> None:
        assert hasattr(fh, "write")
        fh.write(f"{HEAD}\n{{ 500 500 }}\n")
        line = " ".join(["1 2"] * 20) + "\n"
        for _ in range(60_000_000 // len(line)):
            fh.write(line)
        fh.write("x\n")

    path = _write(tmp_path, "large.nfg", write)
    assert path.stat().st_size > 60_000_000
    # 500 x 500 profiles need 500,000 numbers: 12,500 lines of 40, after the header's 2 lines
    assert_refused(path, 12503, 1, "unexpected '1' after the last payoff")


def test_a_game_beyond_the_payoff_files_cap_is_refused(tmp_path: Path) -> None:
    """A 3000 x 3000 file was accepted, though payoff files stop at 1,024 actions a player."""

    def write(fh: object) -> None:
        assert hasattr(fh, "write")
        fh.write(f"{HEAD}\n{{ 3000 3000 }}\n")
        row = " ".join(["1 2"] * 3000) + "\n"
        for _ in range(3000):
            fh.write(row)

    path = _write(tmp_path, "s3000.nfg", write)
    assert_refused(path, 2, 3, "3000", f"at most {MAX_ACTIONS:,} strategies per player")


def test_too_many_named_strategies(tmp_path: Path) -> None:
    names = " ".join(f'"s{k}"' for k in range(MAX_ACTIONS + 1))
    path = tmp_path / "names.nfg"
    path.write_text(f'{HEAD}\n{{ {{ {names} }} {{ "x" }} }}\n')
    col = len('{ { ') + len(" ".join(f'"s{k}"' for k in range(MAX_ACTIONS))) + 2
    assert_refused(path, 2, col, f"more than {MAX_ACTIONS:,} strategies")


def test_too_many_profiles(tmp_path: Path) -> None:
    path = tmp_path / "profiles.nfg"
    path.write_text(f"{HEAD}\n{{ 1000 1000 }}\n")
    assert_refused(path, 2, 1, "1,000 x 1,000", f"at most {MAX_PROFILES:,} profiles")


def test_too_many_outcomes(tmp_path: Path) -> None:
    def write(fh: object) -> None:
        assert hasattr(fh, "write")
        fh.write(f"{HEAD}\n{{ 1 1 }}\n{{\n")
        for _ in range(NFG_MAX_OUTCOMES + 1):
            fh.write('{ "" 1, 1 }\n')
        fh.write("}\n1\n")

    path = _write(tmp_path, "outcomes.nfg", write)
    assert_refused(path, 4 + NFG_MAX_OUTCOMES, 1, f"at most {NFG_MAX_OUTCOMES:,} outcomes")


@pytest.mark.parametrize(
    ("payoff", "words"),
    [
        ("1e309", ("1e309", "exponent")),  # was an OverflowError
        ("1e-320", ("1e-320", "exponent")),  # was a math domain error in the snapping
        ("9" * 101, ("too large", "1e+100")),
        ("0." + "0" * 305 + "1", ("too small", "1e-300")),
        ("1/" + "1" * 310, ("too small",)),
        ("1" * (MAX_NUMBER_LENGTH + 1), (f"at most {MAX_NUMBER_LENGTH} characters",)),
        ("1/0", ("not a number", "division by zero")),
    ],
    ids=["1e309", "1e-320", "101 digits", "tiny decimal", "tiny fraction", "long", "1/0"],
)
def test_numbers_beyond_the_limits_are_refused(
    tmp_path: Path, payoff: str, words: tuple[str, ...]
) -> None:
    path = tmp_path / "number.nfg"
    path.write_text(f"{HEAD}\n{{ 2 2 }}\n0 0 0 1 {payoff} 1 1 0\n")
    assert_refused(path, 3, 9, *words)


def test_a_fifo_is_refused_without_being_opened(tmp_path: Path) -> None:
    """Opening a named pipe for reading blocks until a writer comes: it must not be opened."""
    path = tmp_path / "pipe.nfg"
    os.mkfifo(path)
    assert_refused(path, 1, 1, "named pipe (FIFO)", "only a regular file is read")


def test_a_file_over_the_size_limit_is_refused_by_its_size(tmp_path: Path) -> None:
    path = tmp_path / "sparse.nfg"
    with open(path, "wb") as fh:
        fh.truncate(NFG_MAX_BYTES + 1)  # sparse: no disk used, and never read
    assert_refused(path, 1, 1, "too large", f"{NFG_MAX_BYTES:,} bytes", "64 MiB")


@pytest.mark.parametrize(
    ("text", "line", "col", "words"),
    [
        (f'{HEAD}\n{{ 1 1 }}\n"comment\n1 1\n', 3, 1, ("string is not closed",)),
        ('NFG 1 R "t" { "a" "b" "c" }\n{ 1 1 1 }\n0 0 0\n', 1, 13, ("two-player",)),
        (f"{HEAD}\n{{ 1 1 }}\n0 0 {'7' * 100}\n", 3, 5, ("unexpected", "...")),
    ],
    ids=["unclosed string", "three players", "long token quoted short"],
)
def test_syntax_errors_are_one_located_line(
    tmp_path: Path, text: str, line: int, col: int, words: tuple[str, ...]
) -> None:
    path = tmp_path / "syntax.nfg"
    path.write_text(text)
    assert_refused(path, line, col, *words)


def test_text_that_is_not_utf8_is_located(tmp_path: Path) -> None:
    path = tmp_path / "latin1.nfg"
    path.write_bytes(f"{HEAD}\n{{ 1 1 }}\n".encode() + b'"caf\xe9"\n0 0\n')
    assert_refused(path, 3, 5, "not UTF-8", "0xe9")


def test_a_payoff_file_that_is_a_fifo_is_refused_too(tmp_path: Path) -> None:
    path = tmp_path / "pipe.yaml"
    os.mkfifo(path)
    assert_refused(path, 1, 1, "named pipe (FIFO)", "only a regular file is read")
