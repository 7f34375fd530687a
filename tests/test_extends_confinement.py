"""Where ``extends`` may read, what it may read, and what a refused file lets through (nothing
but its path, line and column); the same file checks on the file named on the command line."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from model.errors import PayoffFileError
from model.load import load
from model.payoffs.source import MAX_BYTES

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BASE = HERE / "fixtures" / "base_game.yaml"
SECRET = "hunter2-AKIA-do-not-print"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A folder holding a copy of the test game, base.yaml."""
    here = tmp_path / "game"
    here.mkdir()
    shutil.copy(BASE, here / "base.yaml")
    return here


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def child_of(folder: Path, target: str, name: str = "child.yaml") -> Path:
    return write(folder / name, f"extends: {target}\ntitle: Child\n")


def problems(path: Path, **kwargs) -> list:
    with pytest.raises(PayoffFileError) as info:
        load(path, **kwargs)
    return list(info.value.problems)


def only(path: Path, **kwargs):
    found = problems(path, **kwargs)
    assert len(found) == 1, found
    return found[0]


def cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "model", *args],
        capture_output=True, text=True, check=False, cwd=ROOT, timeout=timeout,
    )


# ------------------------------------------------------------------------- where
def test_a_base_in_the_folder_or_below_is_read(folder: Path) -> None:
    sub = folder / "sub"
    sub.mkdir()
    shutil.copy(BASE, sub / "inner.yaml")
    assert load(child_of(folder, "sub/inner.yaml")).title == "Child"
    assert load(child_of(folder, "sub/../base.yaml")).title == "Child"
    assert load(child_of(folder, str(folder / "base.yaml"))).title == "Child"  # absolute, inside


@pytest.mark.parametrize("target", ["../outside.yaml", "sub/../../outside.yaml"])
def test_climbing_out_of_the_folder_is_refused(folder: Path, target: str) -> None:
    (folder / "sub").mkdir()
    shutil.copy(BASE, folder.parent / "outside.yaml")
    p = only(child_of(folder, target))
    assert (Path(p.file).name, p.line, p.col, p.field) == ("child.yaml", 1, 10, "extends")
    assert p.message.startswith(f"'{target}' leads outside the folder of this file: ")
    assert "--include-dir" in p.message


def test_an_absolute_path_outside_is_refused_before_anything_is_read(folder: Path) -> None:
    p = only(child_of(folder, "/etc/shadow"))
    assert "'/etc/shadow' leads outside the folder of this file" in p.message
    # whether the file exists is not told either
    q = only(child_of(folder, "/etc/no-such-file-here"))
    assert q.message.replace("no-such-file-here", "shadow") == p.message


def test_a_symbolic_link_that_leads_out_is_refused(folder: Path) -> None:
    outside = write(folder.parent / "secret.yaml", f"title: {SECRET}\n")
    (folder / "link.yaml").symlink_to(outside)
    p = only(child_of(folder, "link.yaml"))
    assert "'link.yaml' leads outside the folder of this file (through a symbolic link)" in (
        p.message)
    (folder / "inner.yaml").symlink_to(folder / "base.yaml")  # a link inside is fine
    assert load(child_of(folder, "inner.yaml")).title == "Child"


def test_include_dirs_are_searched_for_a_base_named_by_its_name(folder: Path,
                                                                tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shutil.copy(BASE, shared / "common.yaml")
    child = child_of(folder, "common.yaml")
    p = only(child)
    assert p.message == f"file not found: common.yaml (looked for {folder / 'common.yaml'})"
    assert load(child, include_dirs=[shared]).title == "Child"
    other = tmp_path / "other"
    other.mkdir()
    q = only(child, include_dirs=[other])
    assert q.message == (f"file not found: common.yaml (looked for {folder / 'common.yaml'}, "
                         f"{other / 'common.yaml'})")
    shutil.copy(BASE, folder / "common.yaml")  # one beside the file comes first
    assert load(child, include_dirs=[shared]).files[1] == (folder / "common.yaml").resolve()


def test_include_dirs_allow_a_folder_outside(folder: Path, tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shutil.copy(BASE, shared / "common.yaml")
    child = child_of(folder, "../shared/common.yaml")
    assert "leads outside" in only(child).message
    assert load(child, include_dirs=[shared]).title == "Child"
    assert load(child, include_dirs=[str(tmp_path)]).title == "Child"  # a folder above it too
    proc = cli("solve", str(child), "--include-dir", str(shared))
    assert proc.returncode == 0, proc.stderr
    proc = cli("check", str(child), "--include-dir", str(shared))
    assert proc.returncode == 0 and proc.stdout.startswith("ok  "), proc.stderr
    proc = cli("describe", str(child), "--include-dir", str(shared))
    assert proc.returncode == 0 and proc.stdout.startswith("Child"), proc.stderr
    proc = cli("solve", str(child))
    assert proc.returncode == 2 and "leads outside the folder" in proc.stderr
    proc = cli("solve", str(child), "--include-dir", str(tmp_path / "nowhere"))
    assert proc.returncode == 2 and "--include-dir" in proc.stderr and "not a folder" in proc.stderr


# ------------------------------------------------------------------------- what
def test_a_fifo_as_base_is_refused_without_being_opened(folder: Path) -> None:
    os.mkfifo(folder / "pipe.yaml")
    child = child_of(folder, "pipe.yaml")
    proc = cli("check", str(child), timeout=30)  # would block forever if the FIFO were read
    assert proc.returncode == 2
    assert "child.yaml:1:10: extends: 'pipe.yaml' is a named pipe (FIFO), not a payoff file" in (
        proc.stderr)
    assert "Traceback" not in proc.stderr


def test_a_fifo_named_on_the_command_line_is_refused(tmp_path: Path) -> None:
    fifo = tmp_path / "game.yaml"
    os.mkfifo(fifo)
    for command in ("solve", "check", "describe"):
        proc = cli(command, str(fifo), timeout=30)
        assert proc.returncode == 2, proc.stderr
        assert f"{fifo}:1:1: is a named pipe (FIFO), not a payoff file" in proc.stderr
    os.mkfifo(tmp_path / "game.nfg")  # the .nfg reader too
    proc = cli("solve", str(tmp_path / "game.nfg"), timeout=30)
    assert proc.returncode == 2 and "is a named pipe (FIFO)" in proc.stderr


@pytest.mark.parametrize(
    ("target", "include", "message"),
    [
        ("/dev/zero", "/dev", "'/dev/zero' is a character device, not a payoff file"),
        ("/proc/self/environ", "/proc", "'/proc/self/environ' is a special system file"),
        ("sub", None, "'sub' is a directory, not a payoff file"),
    ],
)
def test_devices_system_files_and_folders_are_refused(
    folder: Path, target: str, include: str | None, message: str
) -> None:
    (folder / "sub").mkdir()
    p = only(child_of(folder, target), include_dirs=[include] if include else [])
    assert message in p.message and p.field == "extends"


@pytest.mark.parametrize("path", ["/dev/zero", "/proc/self/environ"])
def test_devices_and_system_files_on_the_command_line_are_refused(path: str) -> None:
    proc = cli("check", path, timeout=30)
    assert proc.returncode == 2
    assert f"{path}:1:1: is a" in proc.stderr
    assert "PATH=" not in proc.stderr and "Traceback" not in proc.stderr


def test_the_size_limit_is_checked_before_reading(folder: Path) -> None:
    big = folder / "big.yaml"
    with big.open("wb") as fh:  # sparse: nothing is written, yet it is 5 MiB long
        fh.truncate(5 * 2**20)
    assert MAX_BYTES == 4 * 2**20
    p = only(child_of(folder, "big.yaml"))
    assert p.message == ("'big.yaml': the file is too large (5,242,880 bytes): a payoff file is "
                         "at most 4,194,304 bytes (4 MiB)")
    [q] = problems(big)
    assert (q.line, q.col) == (1, 1)
    assert q.message == ("the file is too large (5,242,880 bytes): a payoff file is at most "
                         "4,194,304 bytes (4 MiB)")


# ------------------------------------------------------------------------- what is shown
SHADOW = (
    f"root:$6$salt${SECRET}:20228:0:99999:7:::\n"
    "daemon:*:20228:0:99999:7:::\n"
)


def assert_secret_kept(rendered: str) -> None:
    for piece in (SECRET, "root:", "daemon", "api_key", "password", "99999"):
        assert piece not in rendered, rendered


@pytest.mark.parametrize(
    "content",
    [
        SHADOW,  # read by YAML as a mapping whose keys are the lines
        f"api_key: {SECRET}\npassword: {SECRET}\n",  # a mapping of secrets
        f"- {SECRET}\n- password\n",  # not a mapping
        f"{SECRET} root password\n",  # plain text
        f"api_key: {SECRET}\napi_key: password\n",  # a YAML problem (a key given twice)
        f"password: *{SECRET}\n",  # a YAML syntax error that would quote the alias
        f'password: "{SECRET}\n',  # an unclosed quote
        f"password: !!python/name:{SECRET}\n",  # a refused tag
        f"password: \x07{SECRET}\n",  # a control character
    ],
)
def test_a_base_that_is_not_a_payoff_file_shows_nothing_but_its_place(
    folder: Path, content: str
) -> None:
    write(folder / "secrets.yaml", content)
    child = child_of(folder, "secrets.yaml")
    with pytest.raises(PayoffFileError) as info:
        load(child)
    rendered = info.value.render()
    assert_secret_kept(rendered)
    assert len(info.value.problems) == 1
    p = info.value.problems[0]
    if Path(p.file).name == "child.yaml":
        assert p.message == "'secrets.yaml' is not a payoff file"
    else:  # YAML that cannot be parsed: its position only, and how to see more
        assert Path(p.file).name == "secrets.yaml"
        assert "details are not shown" in p.message
        assert "leverage check" in p.message
    proc = cli("check", str(child))
    assert proc.returncode == 2
    assert_secret_kept(proc.stderr + proc.stdout)


@pytest.mark.parametrize(
    "content",
    [SHADOW, f"api_key: {SECRET}\npassword: {SECRET}\n", f"- {SECRET}\n", f"{SECRET}\n",
     f"api_key: {SECRET}\napi_key: password\n"],
)
def test_a_file_named_on_the_command_line_that_is_not_a_payoff_file(
    tmp_path: Path, content: str
) -> None:
    path = write(tmp_path / "secrets.yaml", content)
    [p] = problems(path)
    assert p.field == ""
    assert p.message.startswith(("not a payoff file: none of its top-level keys is one of "
                                 "title, description", "a payoff file must be a mapping"))
    assert_secret_kept(str(p))


def test_a_base_that_is_a_payoff_file_gets_suggestions(folder: Path) -> None:
    base = folder / "base.yaml"
    write(base, base.read_text().replace("title:", "titel:"))
    found = problems(child_of(folder, "base.yaml"))
    assert any("unknown key 'titel'; did you mean 'title'" in p.message and
               Path(p.file).name == "base.yaml" for p in found), found


def test_a_base_that_is_not_utf8_shows_nothing_of_it(folder: Path) -> None:
    (folder / "secrets.yaml").write_bytes(b"password: \xff" + SECRET.encode() + b"\n")
    [p] = problems(child_of(folder, "secrets.yaml"))
    assert (Path(p.file).name, p.line, p.col) == ("secrets.yaml", 1, 11)
    assert "0xff" not in p.message and "details are not shown" in p.message


def test_a_payoff_base_with_a_yaml_problem_is_reported_in_full(folder: Path) -> None:
    base = folder / "base.yaml"
    write(base, base.read_text() + "title: Again\n")
    p = only(child_of(folder, "base.yaml"))
    assert Path(p.file).name == "base.yaml"
    assert "duplicate key 'title' (first defined at line 1)" in p.message


def test_check_of_a_folder_does_not_follow_links_out_of_it(folder: Path) -> None:
    outside = write(folder.parent / "outside.yaml", f"api_key: {SECRET}\n")
    (folder / "zz_link.yaml").symlink_to(outside)
    proc = cli("check", str(folder))
    assert proc.returncode == 2
    assert "zz_link.yaml:1:1: a symbolic link to a file outside" in proc.stderr
    assert f"ok  {folder / 'base.yaml'}" in proc.stdout
    assert_secret_kept(proc.stderr + proc.stdout)
    proc = cli("check", str(folder), "--include-dir", str(folder.parent))
    assert "not a payoff file" in proc.stderr  # now read, and still not echoed
    assert_secret_kept(proc.stderr + proc.stdout)
