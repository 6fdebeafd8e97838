"""docker/entrypoint.sh, the image's entrypoint, run as the image runs it (`sh`), with a stub
`paperclip` first on PATH that records how it was called: each role becomes our real command,
exec'd (the command is the process the container's signals reach), and a wrong role is one
readable line and exit code 1. Every role the compose files and the manifests give becomes a
command the real `paperclip` has, with options it takes."""

import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tests.deploy.files import CLUSTER, DEV, ROOT, compose_ours, load
from tests.deploy.manifests import ours
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


def roles_the_files_give() -> list[list[str]]:
    """The arguments our image is started with (through the entrypoint) in the compose files and
    the manifests, each once."""
    found = [service["command"] for path in (CLUSTER, DEV) for service in compose_ours(load(path)).values()]
    found += [container["args"] for _, container in ours() if "command" not in container]
    return sorted({tuple(argv): list(argv) for argv in found}.values())


def commands_run_past_the_entrypoint() -> list[list[str]]:
    """The `paperclip …` commands of a container that runs a shell instead (the backup CronJob)."""
    found = []
    for _, container in ours():
        if "command" in container:
            for part in " ".join(container["args"]).split("&&"):
                argv = shlex.split(part)
                assert argv[0] == "paperclip", part
                found.append(argv[1:])
    return found


def paperclip_accepts(command: list[str]) -> subprocess.CompletedProcess[str]:
    """The real CLI asked for the command's help with its options given: exit 0 when it has them."""
    return subprocess.run(
        [sys.executable, "-m", "cli", *command, "--help"], capture_output=True, text=True, timeout=60, cwd=ROOT
    )


@pytest.mark.parametrize("argv", roles_the_files_give(), ids=" ".join)
def test_every_role_the_files_give_runs_a_command_paperclip_has(stubs: Stubs, argv: list[str]) -> None:
    code, _, err = finish(stubs.run([str(ENTRYPOINT), *argv]))
    assert (code, err) == (0, "")
    [call] = stubs.calls("paperclip")
    done = paperclip_accepts(call.args)
    assert done.returncode == 0, done.stderr


def test_the_commands_a_container_runs_past_the_entrypoint_are_ones_paperclip_has() -> None:
    commands = commands_run_past_the_entrypoint()
    assert ["backup", "create"] in commands
    for command in commands:
        done = paperclip_accepts(command)
        assert done.returncode == 0, (command, done.stderr)


def test_a_command_paperclip_lacks_is_refused_by_the_check() -> None:
    assert paperclip_accepts(["migrate", "--wiat", "600"]).returncode != 0
