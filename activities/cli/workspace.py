"""Where a CLI agent works on a task: its workspace, or, when that is a git repository, a git
worktree of the task's own on a branch of its own, so agents working on one repository at once
never touch each other's files. The worktree goes when the task ends (kept after a failure for
inspection, unless configured otherwise); its branch, with whatever the agent committed, stays.
"""

import asyncio
import re
import subprocess
from collections.abc import Mapping
from pathlib import Path

from temporalio.exceptions import ApplicationError

WORKSPACE_FAILED = "WorkspaceFailed"
_locks: dict[Path, asyncio.Lock] = {}


def slug(text: str) -> str:
    """`text` as one safe path component."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", text)


def branch_name(company_id: str, task: str) -> str:
    return f"paperclip/{slug(company_id)}/{slug(task)}"


def worktree_path(home: Path, company_id: str, task: str) -> Path:
    return home / "worktrees" / slug(company_id) / slug(task)


def _git(repo: Path, *args: str, env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    # The agent's scrubbed environment, and no hooks: the repository's hooks are the agents' to
    # write, and `worktree add` would run its post-checkout hook.
    argv = ["git", "-c", "core.hooksPath=/dev/null", "-C", str(repo), *args]
    return subprocess.run(argv, capture_output=True, text=True, timeout=60, env=dict(env))


def is_repository(path: Path, env: Mapping[str, str]) -> bool:
    """Whether `path` is the top of a git work tree (not merely somewhere inside one)."""
    if not (path / ".git").exists():
        return False
    done = _git(path, "rev-parse", "--show-toplevel", env=env)
    return done.returncode == 0 and Path(done.stdout.strip()).resolve() == path.resolve()


def _add_worktree(repo: Path, path: Path, branch: str, env: Mapping[str, str]) -> None:
    if path.exists():
        return  # an earlier turn of the task made it
    path.parent.mkdir(parents=True, exist_ok=True)
    exists = _git(repo, "rev-parse", "--verify", "--quiet", f"refs/heads/{branch}", env=env).returncode == 0
    args = ["worktree", "add", str(path), branch] if exists else ["worktree", "add", "-b", branch, str(path)]
    done = _git(repo, *args, env=env)
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or ["git failed"])[-1]
        raise ApplicationError(f"could not make a worktree of {repo} for the task: {reason}", type=WORKSPACE_FAILED)


async def task_directory(
    workspace: Path, home: Path, company_id: str, task: str, *, worktrees: bool, env: Mapping[str, str]
) -> Path:
    """The directory the task's turns run in (made if need be); `env` is the environment of the
    git commands (`activities.cli.environment`)."""
    await asyncio.to_thread(workspace.mkdir, parents=True, exist_ok=True)
    if not worktrees or not await asyncio.to_thread(is_repository, workspace, env):
        return workspace
    path = worktree_path(home, company_id, task)
    # One `git worktree add` at a time per repository in this process: git locks its metadata.
    lock = _locks.setdefault(workspace.resolve(), asyncio.Lock())
    async with lock:
        await asyncio.to_thread(_add_worktree, workspace, path, branch_name(company_id, task), env)
    return path


def _remove_worktree(repo: Path, path: Path, env: Mapping[str, str]) -> None:
    if path.exists():
        _git(repo, "worktree", "remove", "--force", str(path), env=env)
    _git(repo, "worktree", "prune", env=env)


async def release(
    workspace: Path, home: Path, company_id: str, task: str, *, keep: bool, env: Mapping[str, str]
) -> bool:
    """Remove the task's worktree (unless `keep`); True when one was removed."""
    path = worktree_path(home, company_id, task)
    if keep or not path.exists() or not await asyncio.to_thread(is_repository, workspace, env):
        return False
    lock = _locks.setdefault(workspace.resolve(), asyncio.Lock())
    async with lock:
        await asyncio.to_thread(_remove_worktree, workspace, path, env)
    return True
