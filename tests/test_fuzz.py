"""Fuzzing the command line with damaged input files.

Payoff files (the baseline, the textbook games and the variants) and Gambit .nfg files
(``tests/data/games/nfg``) are mutated byte by byte, token by token and in their structure,
and each result is given to ``python -m model check FILE`` and ``python -m model solve FILE
--timeout 20``, each in a subprocess limited to 2 GiB of address space and a wall-clock
time. Whatever the input, the command must end with status 0, or with status 2 and messages
that each name the file (``FILE:LINE:COL: ...``): never a traceback, a hang, a crash or an
exhausted memory.

The default run takes about a minute (a fixed set of examples, the same every run). For a
longer, random campaign: ``LEVERAGE_FUZZ=200 pytest tests/test_fuzz.py`` (examples per
test; ``--hypothesis-seed=N`` repeats a campaign's draws).
"""

from __future__ import annotations

import copy
import os
import re
import resource
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[1]
YAML_SEEDS = sorted([ROOT / "payoffs" / "baseline.yaml",
                     *(ROOT / "payoffs" / "textbook").glob("*.yaml"),
                     *(ROOT / "payoffs" / "variants").glob("*.yaml")])
NFG_SEEDS = sorted((ROOT / "tests" / "data" / "games" / "nfg").glob("*.nfg"))
SHARED = Path("/work/shared/games/nfg")
if SHARED.is_dir():  # the full collection where it is at hand
    NFG_SEEDS = sorted({p.name: p for p in [*NFG_SEEDS, *SHARED.glob("*.nfg")]}.values())

LONG = int(os.environ.get("LEVERAGE_FUZZ", "0"))
EXAMPLES = LONG or 8
MEMORY = 2 * 2**30  # RLIMIT_AS of each run
WALL = 90  # seconds a run may take (the solve stops itself at 20)


def _settings(**kw: Any) -> Any:
    return settings(max_examples=EXAMPLES, deadline=None, derandomize=not LONG,
                    database=None, suppress_health_check=list(HealthCheck), **kw)


# ---------------------------------------------------------------------------- running
def _limit() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _start(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "model", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, errors="replace",
                            preexec_fn=_limit, cwd=ROOT)


SUMMARY = re.compile(r"(\.\.\. and \d+ more problems?|\d+ of \d+ files? invalid|warning: .*)")


def _assert_clean(path: Path, proc: subprocess.Popen, what: str) -> None:
    try:
        _, err = proc.communicate(timeout=WALL)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        pytest.fail(f"{what} {path.name}: still running after {WALL} s")
    assert "Traceback" not in err, f"{what}: a traceback\n{err[-3000:]}"
    assert proc.returncode in (0, 2), f"{what}: status {proc.returncode}\n{err[-3000:]}"
    if proc.returncode == 0:
        return
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert lines, f"{what}: status 2 without a message"
    where = re.compile(rf"^(leverage: (error: )?)?{re.escape(str(path))}:(\d+:\d+:)? ")
    for ln in lines:
        assert where.match(ln) or SUMMARY.fullmatch(ln), (
            f"{what}: a message that does not say where in {path.name}:\n{ln}\n\n{err}")


def _run_both(path: Path) -> None:
    """check and solve at once (two cores), each judged on its own."""
    check = _start("check", str(path))
    solve = _start("solve", str(path), "--timeout", "20")
    try:
        _assert_clean(path, check, "check")
        _assert_clean(path, solve, "solve")
    finally:
        for p in (check, solve):
            if p.poll() is None:
                p.kill()
                p.communicate()


# ---------------------------------------------------------------------------- mutations
#: Tokens that have broken parsers: YAML's tags, anchors and merge keys, numbers at and past
#: the float limits, formulas that overflow or escape, paths out of the folder.
YAML_TOKENS = [
    "1e308", "-1e308", "1e400", "nan", ".nan", ".inf", "-.inf", "0", "-0", "1e-320",
    "9**9**9**9", "exp(1e5)", "10 ** 400", "log(0)", "1/0", "0/0", "(" * 60, "__import__('os')",
    "().__class__", "x.__dict__", "&a", "*a", "<<: *a", "!!python/object/apply:os.system",
    "!!binary", "!!set", "!!omap", "? ", "- ", ": ", "{", "}", "[", "]", ",", "'", '"', "|",
    ">", "#", "\t", "\n", "\r", "\x00", "\ufeff", "\u2028", "é", "null", "~", "true", "yes",
    "0x1F", "1_000", "0o17", "extends: ../../etc/passwd", "extends: /dev/zero",
    "extends: baseline.yaml", "when", "value", "levels", "range", "[1, 2, 3]", "{a: 1}",
    "9" * 400,
]
NFG_TOKENS = [
    "1e308", "-1e308", "1e400", "nan", "inf", "-inf", "1/0", "0/0", "1/3", "-0", "0x10",
    "100000", "999999999999", "-1", "0", "2", "3", "{", "}", '"', '""', "NFG", "R", "D",
    "1", "\x00", "\n", "é", "9" * 400, "1e-400", "3/0", "1.5e", "--1", "+1",
]


@st.composite
def _byte_mutation(draw: st.DrawFn, data: bytes) -> bytes:
    out = bytearray(data)
    for _ in range(draw(st.integers(1, 8))):
        if not out:
            break
        k = draw(st.integers(0, len(out) - 1))
        kind = draw(st.sampled_from(["flip", "insert", "delete", "cut", "repeat"]))
        if kind == "flip":
            out[k] ^= 1 << draw(st.integers(0, 7))
        elif kind == "insert":
            out[k:k] = draw(st.binary(min_size=1, max_size=8))
        elif kind == "delete":
            del out[k:k + draw(st.integers(1, 16))]
        elif kind == "cut":
            del out[k:]
        else:  # a stretch of the file, repeated
            n = draw(st.integers(1, 64))
            out[k:k] = out[k:k + n] * draw(st.integers(2, 20))
    return bytes(out)


_TOKEN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|[-+]?\d[\d./eE+-]*|\S")


@st.composite
def _token_mutation(draw: st.DrawFn, text: str, pool: list[str]) -> str:
    spans = [m.span() for m in _TOKEN.finditer(text)]
    if not spans:
        return text
    for _ in range(draw(st.integers(1, 4))):
        a, b = spans[draw(st.integers(0, len(spans) - 1))]
        if b > len(text):
            continue
        new = draw(st.sampled_from(pool))
        kind = draw(st.sampled_from(["replace", "insert", "delete"]))
        if kind == "replace":
            text = text[:a] + new + text[b:]
        elif kind == "insert":
            text = text[:a] + new + " " + text[a:]
        else:
            text = text[:a] + text[b:]
    return text


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out: list[tuple[Any, ...]] = []
    items: list[tuple[Any, Any]] = []
    if isinstance(data, dict):
        items = list(data.items())
    elif isinstance(data, list):
        items = list(enumerate(data))
    for key, value in items:
        out.append((*prefix, key))
        out.extend(_paths(value, (*prefix, key)))
    return out


VALUES = [None, True, 0, -1, 2.5, 1e308, -1e308, float("inf"), float("nan"), "", "x",
          "1e308 * 1e308", "exp(710)", "log(0)", "1/0", "__import__('os')", [], {}, ["a"],
          {"a": 1}, [[1, 2], [3, 4]], list(range(50)), "a" * 10_000, "../../../etc/passwd"]


@st.composite
def _structure_mutation(draw: st.DrawFn, data: Any) -> Any:
    data = copy.deepcopy(data)
    for _ in range(draw(st.integers(1, 4))):
        paths = _paths(data)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = data
        for part in path[:-1]:
            parent = parent[part]
        key = path[-1]
        kind = draw(st.sampled_from(["delete", "replace", "rename", "duplicate", "grow",
                                     "nest"]))
        if kind == "delete":
            del parent[key]
        elif kind == "replace":
            parent[key] = copy.deepcopy(draw(st.sampled_from(VALUES)))
        elif kind == "rename" and isinstance(parent, dict):
            parent[draw(st.sampled_from(["", "x", "value", "when", "levels", "extends",
                                         "name", "3", "a b"]))] = parent.pop(key)
        elif kind == "duplicate" and isinstance(parent, list):
            parent.insert(key, copy.deepcopy(parent[key]))
        elif kind == "grow" and isinstance(parent[key], list) and parent[key]:
            # many more levels, chips or terms: how large games are made
            k = draw(st.integers(2, 12))
            parent[key] = [copy.deepcopy(v) if not isinstance(v, str) else f"{v}{n}"
                           for n in range(k) for v in parent[key]]
        else:  # deep nesting
            value = parent[key]
            for _ in range(draw(st.integers(1, 200))):
                value = [value]
            parent[key] = value
    return data


def _yaml_seed(k: int) -> tuple[Path, bytes]:
    path = YAML_SEEDS[k % len(YAML_SEEDS)]
    return path, path.read_bytes()


@st.composite
def yaml_inputs(draw: st.DrawFn) -> bytes:
    _, data = _yaml_seed(draw(st.integers(0, len(YAML_SEEDS) - 1)))
    how = draw(st.sampled_from(["bytes", "tokens", "structure"]))
    if how == "bytes":
        return draw(_byte_mutation(data))
    if how == "tokens":
        text = data.decode("utf-8")
        return draw(_token_mutation(text, YAML_TOKENS)).encode("utf-8", "surrogatepass")
    tree = yaml.safe_load(data)
    tree = draw(_structure_mutation(tree))
    flow = draw(st.booleans())
    return yaml.safe_dump(tree, default_flow_style=flow, sort_keys=False,
                          allow_unicode=True).encode("utf-8")


@st.composite
def nfg_inputs(draw: st.DrawFn) -> bytes:
    data = NFG_SEEDS[draw(st.integers(0, len(NFG_SEEDS) - 1))].read_bytes()
    how = draw(st.sampled_from(["bytes", "tokens", "structure"]))
    if how == "bytes":
        return draw(_byte_mutation(data))
    text = data.decode("utf-8", "replace")
    if how == "tokens":
        return draw(_token_mutation(text, NFG_TOKENS)).encode("utf-8")
    # structure: the numbers of the header (the game's dimensions) and of the payoffs
    numbers = list(re.finditer(r"-?\d+(?:\.\d+)?(?:/\d+)?", text))
    for _ in range(draw(st.integers(1, 3))):
        if not numbers:
            break
        m = numbers[draw(st.integers(0, len(numbers) - 1))]
        new = draw(st.sampled_from(["0", "1", "7", "40", "300", "5000", "-3", "1e308",
                                    " ".join(["1"] * 50), ""]))
        text = text[:m.start()] + new + text[m.end():]
        numbers = list(re.finditer(r"-?\d+(?:\.\d+)?(?:/\d+)?", text))
    return text.encode("utf-8")


# ---------------------------------------------------------------------------- the tests
def _write(tmp_path_factory: pytest.TempPathFactory, data: bytes, suffix: str) -> Path:
    folder = tmp_path_factory.mktemp("fuzz")
    path = folder / f"game{suffix}"
    path.write_bytes(data)
    return path


@pytest.mark.skipif(not hasattr(resource, "RLIMIT_AS"), reason="needs RLIMIT_AS")
@_settings()
@given(data=yaml_inputs())
@example(data=b"")
@example(data=b"\xff\xfe\x00")
@example(data=b"a: &a [*a]\n")
def test_fuzzed_payoff_files(tmp_path_factory: pytest.TempPathFactory, data: bytes) -> None:
    _run_both(_write(tmp_path_factory, data, ".yaml"))


@pytest.mark.skipif(not hasattr(resource, "RLIMIT_AS"), reason="needs RLIMIT_AS")
@_settings()
@given(data=nfg_inputs())
@example(data=b"")
@example(data=b'NFG 1 R "" { "a" "b" } { 2 2 }\n1 2 3 4 5 6 7 8\n')
def test_fuzzed_gambit_files(tmp_path_factory: pytest.TempPathFactory, data: bytes) -> None:
    _run_both(_write(tmp_path_factory, data, ".nfg"))


# ---------------------------------------------------------------------------- known failures
def _big_nfg(n: int) -> bytes:
    """An n x n game of small whole payoffs, drawn with a fixed seed."""
    import random

    rng = random.Random(0)
    pay = " ".join(str(rng.randint(-9, 9)) for _ in range(2 * n * n))
    return f'NFG 1 R "big" {{ "P1" "P2" }} {{ {n} {n} }}\n{pay}\n'.encode()


@pytest.mark.skipif(not hasattr(resource, "RLIMIT_AS"), reason="needs RLIMIT_AS")
@pytest.mark.parametrize("data, suffix", [
    # each was a failure: a traceback (1e400), gigabytes before a refusal (a huge header, one
    # mask per payoff of a 200 x 200 game), status 1 for a game too large to enumerate
    pytest.param(b'NFG 1 R "x" { "a" "b" } { 2 2 }\n1e400 2 3 4 5 6 7 8\n', ".nfg",
                 id="nfg-1e400"),
    pytest.param(b'NFG 1 R "x" { "a" "b" } { 99999999999 99999999999 }\n1 2\n', ".nfg",
                 id="nfg-huge-header"),
    pytest.param(_big_nfg(200), ".nfg", id="nfg-200x200"),
    pytest.param(_big_nfg(20), ".nfg", id="nfg-20x20"),
])
def test_former_failures(tmp_path_factory: pytest.TempPathFactory, data: bytes,
                        suffix: str) -> None:
    path = _write(tmp_path_factory, data, suffix)
    # a short --timeout: the search of a large game stops at its budget and says so
    proc = _start("solve", str(path), "--timeout", "8")
    try:
        _, err = proc.communicate(timeout=WALL)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode in (0, 2) and "Traceback" not in err, err[-2000:]
