"""The `git` tool: commits as the agent, pushes only the task's branch to the configured
remote, runs no hook, and takes no flag from the model; a worktree's repository is read-only
from the sandbox."""

import subprocess
from pathlib import Path

import pytest

from activities.tools import RUNNERS, ToolFailed
from paperclip.tools import ToolArgumentsError
from paperclip.tools.base import parse
from paperclip.tools.git import GitArguments
from paperclip.tools.run_command import RunCommandArguments
from tests.activities.sandbox.conftest import context

BRANCH = "paperclip/acme/ACME-1"


def git(*args: str, cwd: Path) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


@pytest.fixture
def repo(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A main checkout, the task's worktree of it on its branch, and a bare remote."""
    main, remote = tmp_path / "main", tmp_path / "remote.git"
    main.mkdir()
    git("init", "-q", "-b", "main", cwd=main)
    (main / "README").write_text("hello\n")
    git("add", "README", cwd=main)
    git("-c", "user.name=op", "-c", "user.email=op@x", "commit", "-qm", "first", cwd=main)
    git("init", "-q", "--bare", str(remote), cwd=tmp_path)
    worktree = tmp_path / "ws" / "ACME-1"
    git("worktree", "add", "-q", "-b", BRANCH, str(worktree), cwd=main)
    hook = main / ".git" / "hooks" / "post-commit"
    hook.write_text(f"#!/bin/sh\ntouch {tmp_path}/hook-ran\n")
    hook.chmod(0o755)
    return main, worktree, remote


async def call(worktree: Path, tmp_path: Path, **arguments: object) -> str:
    ctx = context(worktree, tmp_path, branch=BRANCH, push_url=str(tmp_path / "remote.git"))
    args = parse(GitArguments, dict(arguments))
    return (await RUNNERS["git"](ctx, args)).content


async def test_commit_as_the_agent_and_push_the_tasks_branch(repo: tuple[Path, Path, Path], tmp_path: Path) -> None:
    _, worktree, remote = repo
    (worktree / "add.py").write_text("def add(a, b):\n    return a + b\n")
    assert "?? add.py" in await call(worktree, tmp_path, subcommand="status")
    await call(worktree, tmp_path, subcommand="add", paths=["add.py"])
    assert "+def add" in await call(worktree, tmp_path, subcommand="diff", staged=True)
    await call(worktree, tmp_path, subcommand="commit", message="Add add()")
    assert "coder" in await call(worktree, tmp_path, subcommand="log", limit=1)
    await call(worktree, tmp_path, subcommand="push")
    assert git("log", "-1", "--format=%an %s", BRANCH, cwd=remote).strip() == "coder Add add()"
    assert not (tmp_path / "hook-ran").exists()  # the repository's hooks never run


async def test_a_commit_answers_its_hash_and_branch_as_work_products_and_nothing_else_does(
    repo: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    _, worktree, _ = repo
    (worktree / "add.py").write_text("x = 1\n")
    ctx = context(worktree, tmp_path, branch=BRANCH)
    await RUNNERS["git"](ctx, parse(GitArguments, {"subcommand": "add", "paths": ["add.py"]}))
    done = await RUNNERS["git"](ctx, parse(GitArguments, {"subcommand": "commit", "message": "Add x\n\nbody"}))
    sha = git("rev-parse", "HEAD", cwd=worktree).strip()
    assert [(p.kind.value, p.value, p.title) for p in done.products] == [
        ("commit", sha, "Add x"),
        ("branch", BRANCH, ""),
    ]
    logged = await RUNNERS["git"](ctx, parse(GitArguments, {"subcommand": "log"}))
    assert logged.products == []


async def test_another_branch_is_never_pushed(repo: tuple[Path, Path, Path], tmp_path: Path) -> None:
    _, worktree, _ = repo
    with pytest.raises(ToolFailed, match="only this task's branch"):
        await call(worktree, tmp_path, subcommand="push", branch="main")


@pytest.mark.parametrize(
    "arguments",
    [
        {"subcommand": "add", "paths": ["--exec=touch /tmp/x"]},
        {"subcommand": "diff", "paths": ["-c", "core.pager=evil"]},
        {"subcommand": "add", "paths": ["../outside"]},
        {"subcommand": "add", "paths": [".git/config"]},
        {"subcommand": "push", "upload_pack": "evil"},
        {"subcommand": "fetch"},
    ],
)
def test_flags_and_paths_out_of_bounds_are_refused(arguments: dict[str, object]) -> None:
    with pytest.raises(ToolArgumentsError):
        parse(GitArguments, arguments)


async def test_git_works_in_the_sandbox_but_cannot_change_the_repository(
    repo: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    main, worktree, _ = repo
    (worktree / "new.txt").write_text("x\n")
    ctx = context(worktree, tmp_path, timeout_seconds=20)
    command = (
        "git status --short; git config user.name mallory; "
        "echo evil > $(git rev-parse --git-common-dir)/hooks/pre-commit"
    )
    out = (await RUNNERS["run_command"](ctx, RunCommandArguments(command=command))).content
    assert "?? new.txt" in out
    assert "mallory" not in (main / ".git" / "config").read_text()
    assert not (main / ".git" / "hooks" / "pre-commit").exists()
