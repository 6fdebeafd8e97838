"""Shared pieces of the tool activities' tests: a real git repository, a worker's settings and a
workspace of a company on it, and one call through the real `run_tool` activity."""

import os
import subprocess
from pathlib import Path
from typing import Any

from temporalio.testing import ActivityEnvironment

from activities.tools.activity import ToolActivities
from paperclip.constants import tools_queue
from paperclip.models import SessionRef, ToolRunInput, ToolRunResult, WorkspaceRef
from paperclip.settings import Settings

COMPANY = "acme"
SESSION = SessionRef(company_id=COMPANY, task="ACME-1", agent="dev")
GIT_ENV = {
    **os.environ,
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.com",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.com",
}


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(cwd), *args], capture_output=True, text=True, env=GIT_ENV, check=True)
    return done.stdout.strip()


def make_repository(path: Path) -> Path:
    """A git repository with one commit on `main` (a README)."""
    path.mkdir(parents=True)
    git(path, "init", "-q", "-b", "main")
    (path / "README.md").write_text("hello\n")
    git(path, "add", "README.md")
    git(path, "commit", "-q", "-m", "first")
    return path


def worker_settings(home: Path, host: str = "host-a", **more: Any) -> Settings:
    return Settings(home=home, worker_host=host, **more)


def plain_workspace(settings: Settings, name: str = "w") -> WorkspaceRef:
    """A plain folder of the company's under the home (`workspaces/<company>/<name>`)."""
    path = settings.home_dir / "workspaces" / COMPANY / name
    path.mkdir(parents=True, exist_ok=True)
    return WorkspaceRef(path=str(path), host=settings.worker_host, queue=tools_queue("q", settings.worker_host))


async def call(
    acts: ToolActivities, workspace: WorkspaceRef | None, tool: str, call_id: str = "c1", **arguments: Any
) -> ToolRunResult:
    """One call through the real activity (its workspace checks, parsing, runners and store)."""
    result: ToolRunResult = await ActivityEnvironment().run(
        acts.run_tool,
        ToolRunInput(session=SESSION, call_id=call_id, tool=tool, arguments=arguments, workspace=workspace),
    )
    return result
