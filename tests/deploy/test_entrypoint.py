"""docker/entrypoint.sh, the image's entrypoint, run as the image runs it (`sh`), with a stub
`paperclip` first on PATH that records how it was called: each role becomes our real command,
exec'd (the command is the process the container's signals reach), and a wrong role is one
readable line and exit code 1."""

from pathlib import Path

import pytest

from tests.deploy.files import ROOT
from tests.deploy.stubs import Stubs, finish

ENTRYPOINT = ROOT / "docker" / "entrypoint.sh"


@pytest.fixture
def stubs(tmp_path: Path) -> Stubs:
    stubs = Stubs(tmp_path)
    stubs.add("paperclip")
    return stubs


@pytest.mark.parametrize(
    ("argv", "command"),
    [
        (["worker"], ["worker"]),
        (["api"], ["api"]),
        (["ui"], ["ui"]),
        (["dashboard"], ["ui"]),
        (["cli", "company", "list"], ["company", "list"]),
        (["paperclip", "token", "create", "--name", "ops bot"], ["token", "create", "--name", "ops bot"]),
        (["worker", "--help"], ["worker", "--help"]),
    ],
)
def test_each_role_execs_its_paperclip_command(stubs: Stubs, argv: list[str], command: list[str]) -> None:
    process = stubs.run([str(ENTRYPOINT), *argv])
    code, _, err = finish(process)
    assert (code, err) == (0, "")
    [call] = stubs.calls("paperclip")
    assert call.args == command
    assert call.pid == process.pid  # exec'd: the command replaced the script, same process


@pytest.mark.parametrize("argv", [["wroker"], ["--help"], []], ids=["typo", "option", "none"])
def test_an_unknown_or_missing_role_is_one_readable_line_and_exit_1(stubs: Stubs, argv: list[str]) -> None:
    code, out, err = finish(stubs.run([str(ENTRYPOINT), *argv]))
    assert code == 1 and out == ""
    assert len(err.splitlines()) == 1
    assert err.startswith("paperclip-entrypoint: ") and "worker, api, ui, or cli <paperclip command>" in err
    assert stubs.calls() == []


def test_the_entrypoint_is_an_executable_posix_shell_script() -> None:
    assert ENTRYPOINT.stat().st_mode & 0o111 == 0o111
    assert ENTRYPOINT.read_text().startswith("#!/bin/sh\n")
