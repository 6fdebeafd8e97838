"""`prepare_workspace` on a real git repository: the task's worktree on its branch, found again,
refused outside the roots, and rebuilt on another host from the branch as pushed."""

from pathlib import Path

import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.tools.workspace import WorkspaceActivities
from paperclip.models import PreparedWorkspace, PrepareWorkspaceInput, RepositoryConfig, WorkspaceRef
from paperclip.settings import Settings
from tests.activities.tools.helpers import SESSION, git, make_repository, worker_settings


async def prepare(
    settings: Settings, repository: RepositoryConfig, previous: WorkspaceRef | None = None
) -> PreparedWorkspace:
    acts = WorkspaceActivities(settings=settings, task_queue="q")
    answer: PreparedWorkspace = await ActivityEnvironment().run(
        acts.prepare_workspace, PrepareWorkspaceInput(session=SESSION, repository=repository, previous=previous)
    )
    return answer


async def test_a_worktree_on_the_tasks_branch_on_this_host_found_again(tmp_path: Path) -> None:
    repo = make_repository(tmp_path / "roots" / "widgets")
    settings = worker_settings(tmp_path / "home", workspace_roots=[tmp_path / "roots"])
    first = await prepare(settings, RepositoryConfig(source=str(repo)))
    ws = first.workspace
    assert (ws.host, ws.queue, ws.branch, first.lost) == ("host-a", "q-tools@host-a", "paperclip/acme/ACME-1", "")
    assert Path(ws.path) == settings.home_dir / "worktrees" / "acme" / "ACME-1"
    assert git(Path(ws.path), "branch", "--show-current") == "paperclip/acme/ACME-1"
    assert (Path(ws.path) / "README.md").read_text() == "hello\n"
    (Path(ws.path) / "work.txt").write_text("in progress")
    again = await prepare(settings, RepositoryConfig(source=str(repo)))
    assert again.workspace == ws and (Path(ws.path) / "work.txt").exists()


@pytest.mark.parametrize("source", ["relative/path", "/etc", "http://example.com/x.git"])
async def test_a_repository_outside_the_roots_or_not_a_path_or_https_is_refused(tmp_path: Path, source: str) -> None:
    settings = worker_settings(tmp_path / "home", workspace_roots=[tmp_path / "roots"])
    with pytest.raises(ApplicationError) as caught:
        await prepare(settings, RepositoryConfig(source=source))
    assert caught.value.type == "WorkspaceFailed" and caught.value.non_retryable


async def test_rebuilt_on_another_host_from_the_pushed_branch_saying_what_was_lost(tmp_path: Path) -> None:
    roots = tmp_path / "roots"
    repo = make_repository(roots / "widgets")
    pushed = roots / "pushed.git"
    git(tmp_path, "init", "-q", "--bare", str(pushed))
    repository = RepositoryConfig(source=str(repo), push_url=str(pushed))
    host_a = worker_settings(tmp_path / "home-a", "host-a", workspace_roots=[roots])
    host_b = worker_settings(tmp_path / "home-b", "host-b", workspace_roots=[roots])
    old = (await prepare(host_a, repository)).workspace
    work = Path(old.path)
    (work / "pushed.txt").write_text("kept")
    git(work, "add", "pushed.txt")
    git(work, "commit", "-q", "-m", "pushed")
    git(work, "push", "-q", str(pushed), old.branch)
    kept = git(work, "rev-parse", "HEAD")
    (work / "unpushed.txt").write_text("lost")
    git(work, "add", "unpushed.txt")
    git(work, "commit", "-q", "-m", "not pushed")
    (work / "uncommitted.txt").write_text("lost too")

    rebuilt = await prepare(host_b, repository, previous=old)
    new = Path(rebuilt.workspace.path)
    assert rebuilt.workspace.host == "host-b" and new.is_relative_to(host_b.home_dir)
    assert git(new, "rev-parse", "HEAD") == kept and git(new, "branch", "--show-current") == old.branch
    assert (new / "pushed.txt").exists()
    assert not (new / "unpushed.txt").exists() and not (new / "uncommitted.txt").exists()
    assert "host-a" in rebuilt.lost and "uncommitted files" in rebuilt.lost and kept[:12] in rebuilt.lost


async def test_rebuilt_without_a_pushed_branch_says_everything_is_lost(tmp_path: Path) -> None:
    roots = tmp_path / "roots"
    repo = make_repository(roots / "widgets")
    git(tmp_path, "init", "-q", "--bare", str(roots / "pushed.git"))
    repository = RepositoryConfig(source=str(repo), push_url=str(roots / "pushed.git"))
    old = WorkspaceRef(path="/gone", host="host-a", queue="q-tools@host-a", branch="paperclip/acme/ACME-1")
    rebuilt = await prepare(worker_settings(tmp_path / "home-b", "host-b", workspace_roots=[roots]), repository, old)
    assert "never pushed" in rebuilt.lost and "every change made there is lost" in rebuilt.lost
    assert (Path(rebuilt.workspace.path) / "README.md").exists()
