"""Every broken payoff file gets one clear message, ``FILE:LINE:COL: field.path: what is wrong``.

The corpus is ``tests/broken/``: each file holds one mistake and declares, on its first line, the
first problem the loader must report::

    # expect: [FILE:]LINE:COL FIELD: TEXT

FILE (optional) is the file the problem is in, relative to the corpus, when it is not the file
itself (an ``extends`` base); FIELD is the field path, or ``-`` for problems with the file as a
whole (YAML syntax); TEXT must occur in the message. Files are found by their path, so adding a
case is adding a file.
"""

from __future__ import annotations

import copy
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import model
from model.errors import PayoffFileError, Problem
from model.load import load

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CORPUS = HERE / "broken"
FILES = sorted(CORPUS.rglob("*.yaml"))
BASE_GAME = HERE / "fixtures" / "base_game.yaml"
# the corpus's extends cases start from the test game, one folder up from theirs
INCLUDE = (HERE / "fixtures",)

EXPECT = re.compile(
    r"^# expect: (?:(?P<file>[^\s:]+):)?(?P<line>\d+):(?P<col>\d+) (?P<field>\S+): (?P<text>.+)$"
)
# a well-formed first line of a message: FILE:LINE:COL: [field: ]message
MESSAGE = re.compile(r"^.+:\d+:\d+: \S.*$")
TRACEBACK = re.compile(r"Traceback|File \"|line \d+, in |\w+Error\b|object at 0x|<\w+ '")


def expectation(path: Path) -> re.Match[str]:
    first = path.read_bytes().split(b"\n", 1)[0].decode("utf-8")
    found = EXPECT.match(first)
    assert found, f"{path.name}: the first line must be '# expect: LINE:COL FIELD: TEXT'"
    return found


def first_problem(path: Path) -> Problem:
    with pytest.raises(PayoffFileError) as info:
        load(path, include_dirs=INCLUDE)
    return info.value.problems[0]


def assert_clean(text: str) -> None:
    """A message meant for a person: no traceback, no Python internals."""
    found = TRACEBACK.search(text)
    assert found is None, f"{found.group()!r} in message: {text}"


def test_the_corpus_is_large_enough() -> None:
    assert len(FILES) >= 40


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_broken_file_gives_the_expected_first_problem(path: Path) -> None:
    want = expectation(path)
    got = first_problem(path)
    expected_file = (CORPUS / want["file"]).resolve() if want["file"] else path.resolve()
    expected_field = "" if want["field"] == "-" else want["field"]
    assert Path(got.file).resolve() == expected_file, str(got)
    assert (got.line, got.col) == (int(want["line"]), int(want["col"])), str(got)
    assert got.field == expected_field, str(got)
    assert want["text"] in got.message, str(got)
    assert_clean(str(got))


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_check_lists_the_same_problem_first(path: Path) -> None:
    problems = model.check(path, include_dirs=INCLUDE)
    assert problems and problems[0] == first_problem(path)
    for p in problems:
        assert MESSAGE.match(str(p)), str(p)
        assert p.line >= 1 and p.col >= 1


def test_every_message_line_has_the_documented_form() -> None:
    for path in FILES:
        with pytest.raises(PayoffFileError) as info:
            load(path, include_dirs=INCLUDE)
        for line in info.value.render().splitlines():
            assert MESSAGE.match(line) or line.startswith("... and "), line
            assert_clean(line)


# ------------------------------------------------------------------------- the command line
CLI_CASES = [
    "unknown_key_in_parameter",
    "formula_division_by_zero_at_range_end",
    "yaml_tab_indentation",
    "extends_cycle_a",
    "not_utf8",
]


@pytest.mark.parametrize("name", CLI_CASES)
def test_cli_exits_2_with_the_message_on_stderr(name: str) -> None:
    path = CORPUS / f"{name}.yaml"
    proc = subprocess.run(
        [sys.executable, "-m", "model", "solve", str(path)],
        capture_output=True, text=True, check=False, cwd=ROOT, timeout=60,
    )
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == ""
    want = expectation(path)
    assert f":{want['line']}:{want['col']}: " in proc.stderr
    assert want["text"] in proc.stderr
    assert "Traceback" not in proc.stderr


# ------------------------------------------------------------------------- mutation fuzzing
BASE_DATA: dict[str, Any] = yaml.safe_load(BASE_GAME.read_text(encoding="utf-8"))


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value (mapping values and list items) in plain data."""
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


PATHS = _paths(BASE_DATA)
REPLACEMENTS = [None, True, 0, -1, 2.5, 1e308, float("inf"), "", "x", "log(0)", "1/0",
                "__import__('os')", "dependence.__class__", "9**9**9**9", [], {}, ["ban"],
                {"chips_export": "allow"}, {"nope": 1}, [[1, 2], [3, 4]]]
RENAMES = ["", "x", "value", "when", "levels", "US", "China", "dependence", "name", "3", "a b"]


def _parent(data: Any, path: tuple[Any, ...]) -> Any:
    for part in path[:-1]:
        data = data[part]
    return data


@st.composite
def mutated(draw: st.DrawFn) -> Any:
    data = copy.deepcopy(BASE_DATA)
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(data)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = _parent(data, path)
        key = path[-1]
        action = draw(st.sampled_from(["delete", "replace", "rename", "duplicate"]))
        if action == "delete":
            del parent[key]
        elif action == "replace":
            parent[key] = copy.deepcopy(draw(st.sampled_from(REPLACEMENTS)))
        elif action == "rename" and isinstance(parent, dict):
            new = draw(st.sampled_from(RENAMES))
            parent[new] = parent.pop(key)
        elif action == "duplicate" and isinstance(parent, list):
            parent.insert(key, copy.deepcopy(parent[key]))
    return data


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=mutated(), flow=st.booleans())
def test_a_mutated_file_is_either_valid_or_cleanly_refused(
    tmp_path_factory: pytest.TempPathFactory, data: Any, flow: bool
) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "game.yaml"
    path.write_text(yaml.safe_dump(data, default_flow_style=flow, sort_keys=False),
                    encoding="utf-8")
    try:
        game = load(path)
    except PayoffFileError as exc:
        first = str(exc.problems[0])
        assert first.startswith(f"{path}:"), first
        assert MESSAGE.match(first), first
        assert_clean(exc.render())
        return
    A, B = game.matrices()
    assert A.shape == B.shape == game.shape


TOKENS = ["title", "players", "name", "chips", "levels", "value", "when", "payoffs", "a", ":",
          ": ", " ", "  ", "\n", "- ", "[", "]", "{", "}", ", ", "&a ", "*a", "!!str ", "!!set ",
          "'", '"', "0", "1e9", ".inf", "~", "\t", "# c", "|", ">", "? ", "<<: ", "%", "@", "\\"]


@settings(max_examples=100, deadline=None)
@given(tokens=st.lists(st.sampled_from(TOKENS), max_size=40))
def test_arbitrary_yaml_never_escapes_as_another_exception(
    tmp_path_factory: pytest.TempPathFactory, tokens: list[str]
) -> None:
    path = tmp_path_factory.mktemp("yaml") / "game.yaml"
    path.write_text("".join(tokens), encoding="utf-8")
    try:
        load(path)
    except PayoffFileError as exc:
        assert MESSAGE.match(str(exc.problems[0])), str(exc.problems[0])


BASE_LINES = BASE_GAME.read_text(encoding="utf-8").splitlines()


@st.composite
def edited_text(draw: st.DrawFn) -> str:
    """The valid base file with a few line-level slips: a line lost, doubled, re-indented, or
    with a token typed into it."""
    lines = list(BASE_LINES)
    for _ in range(draw(st.integers(1, 3))):
        k = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["delete", "double", "indent", "dedent", "insert"]))
        if action == "delete":
            del lines[k]
        elif action == "double":
            lines.insert(k, lines[k])
        elif action == "indent":
            lines[k] = "  " + lines[k]
        elif action == "dedent":
            lines[k] = lines[k][2:]
        else:
            at = draw(st.integers(0, len(lines[k])))
            token = draw(st.sampled_from(TOKENS))
            lines[k] = lines[k][:at] + token + lines[k][at:]
        if not lines:
            break
    return "\n".join(lines) + "\n"


@settings(max_examples=150, deadline=None)
@given(text=edited_text())
def test_a_file_with_slips_is_either_valid_or_cleanly_refused(
    tmp_path_factory: pytest.TempPathFactory, text: str
) -> None:
    path = tmp_path_factory.mktemp("slips") / "game.yaml"
    path.write_text(text, encoding="utf-8")
    try:
        game = load(path)
    except PayoffFileError as exc:
        first = exc.problems[0]
        assert MESSAGE.match(str(first)), str(first)
        assert 1 <= first.line <= text.count("\n") + 1, str(first)
        assert_clean(exc.render())
        return
    A, B = game.matrices()
    assert A.shape == B.shape == game.shape
