"""The `prepare_workspace` activity: a task's git worktree made (or found) on this worker host.

The repository is a path under the deployment's roots (its company's workspaces folder or
`PAPERCLIP_WORKSPACE_ROOTS`), or an `https://` URL cloned once per host into
`$PAPERCLIP_HOME/repos/<digest>` and fetched again before each new worktree. Its credential goes
only to the git process that talks to that URL (an `Authorization` header in that process's own
configuration, for that URL alone; no redirect followed), never into a file or a tool's
environment. The task works on `paperclip/<company>/<task>`, in `$PAPERCLIP_HOME/worktrees/
<company>/<task>` (the CLI agents' worktree, `activities.cli.workspace`).

Rebuilt (`previous` set: the host that held it is gone), the worktree starts from the task's
branch as last pushed to the push target, and the answer says what could not be recovered.
"""

import asyncio
import base64
import hashlib
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.cli.environment import agent_home, base_environment
from activities.cli.workspace import WORKSPACE_FAILED, branch_name, is_repository, worktree_path
from activities.tools.ledger import save_repository
from paperclip.cli_rules import company_folder, inside
from paperclip.constants import Activity, tools_queue
from paperclip.keys import KeyResolver, not_bound_message
from paperclip.models import PreparedWorkspace, PrepareWorkspaceInput, WorkspaceRef
from paperclip.settings import Settings

GIT_TIMEOUT_SECONDS = 600
PUSHED = "refs/paperclip/pushed/"
"""Where the task's branch as the push target has it is fetched to, to rebuild from."""


def _fail(message: str) -> ApplicationError:
    return ApplicationError(message, type=WORKSPACE_FAILED, non_retryable=True)


def _git(cwd: Path, *args: str, env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    # No hooks: the repository's hooks are the agents' to write, and `worktree add` runs one.
    argv = ["git", "-c", "core.hooksPath=/dev/null", "-C", str(cwd), *args]
    return subprocess.run(argv, capture_output=True, text=True, timeout=GIT_TIMEOUT_SECONDS, env=dict(env))


def _checked(cwd: Path, *args: str, env: Mapping[str, str], what: str) -> str:
    done = _git(cwd, *args, env=env)
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or ["git failed"])[-1]
        raise _fail(f"could not {what}: {reason}")
    return done.stdout.strip()


def _with_header(env: Mapping[str, str], url: str, secret: str) -> dict[str, str]:
    """`env` plus git configuration that sends `secret` to `url`'s origin only, following no redirect."""
    parts = urlsplit(url)
    origin = f"{parts.scheme}://{parts.netloc}/"
    token = base64.b64encode(f"x-access-token:{secret}".encode()).decode()
    return {
        **env,
        "GIT_CONFIG_COUNT": "2",
        "GIT_CONFIG_KEY_0": f"http.{origin}.extraHeader",
        "GIT_CONFIG_VALUE_0": f"Authorization: Basic {token}",
        "GIT_CONFIG_KEY_1": "http.followRedirects",
        "GIT_CONFIG_VALUE_1": "false",
    }


def _forget_worktrees_of(repo: Path, branch: str, *, keep: Path, env: Mapping[str, str]) -> None:
    """Unregister every other worktree of `branch` (the lost host's, when the repository is on a
    shared file system): its files are left as they are, but git no longer counts the branch as
    checked out there, so the new worktree may take it."""
    common = Path(_checked(repo, "rev-parse", "--git-common-dir", env=env, what="find the repository's git folder"))
    admin = (common if common.is_absolute() else repo / common) / "worktrees"
    for entry in admin.iterdir() if admin.is_dir() else ():
        try:
            head = (entry / "HEAD").read_text().strip()
            where = Path((entry / "gitdir").read_text().strip()).parent
        except OSError:
            continue
        if head == f"ref: refs/heads/{branch}" and where != keep:
            shutil.rmtree(entry, ignore_errors=True)


class WorkspaceActivities:
    """The `prepare_workspace` activity of one worker host.

    Args:
        settings: the home, the workspace roots and this host's name.
        keys: resolves a repository's credential (bound to its URL).
        task_queue: the workflow queue the tools queues are named after.
    """

    def __init__(self, *, settings: Settings, keys: KeyResolver | None = None, task_queue: str | None = None) -> None:
        self.settings = settings
        self.keys = keys
        self.task_queue = task_queue or settings.task_queue
        self._locks: dict[str, asyncio.Lock] = {}

    def _env(self, input: PrepareWorkspaceInput, url: str | None = None) -> dict[str, str]:
        """The git commands' scrubbed environment; with the credential for `url` when given."""
        home = agent_home(self.settings.home_dir, input.session.company_id, input.session.agent)
        env = base_environment(home) | {"GIT_TERMINAL_PROMPT": "0"}
        credential = input.repository.credential
        if url is None or not credential:
            return env
        key = self.keys(input.session.company_id, credential) if self.keys else None
        if key is None or not key.secret:
            raise _fail(f"credential '{credential}' of the repository is not found")
        if not key.allows(url):
            raise _fail(not_bound_message(credential, key.urls, url, "the repository"))
        return _with_header(env, url, key.secret)

    def _local(self, source: str, company_id: str) -> Path:
        roots = [company_folder(self.settings.home_dir, company_id), *self.settings.workspace_roots]
        if not inside(source, roots):
            where = ", ".join(str(r) for r in roots)
            raise _fail(f"repository {source} is outside the deployment's workspace roots ({where})")
        return Path(source)

    def _repository(self, input: PrepareWorkspaceInput) -> tuple[Path, str]:
        """The repository's clone on this host and the commit new branches start from."""
        repository = input.repository
        source = repository.source
        if source.startswith("https://"):
            clone = self.settings.home_dir / "repos" / hashlib.sha256(source.encode()).hexdigest()[:24]
            env = self._env(input, source)
            if not (clone / ".git").exists():
                clone.parent.mkdir(parents=True, exist_ok=True)
                _checked(clone.parent, "clone", "--no-checkout", source, str(clone), env=env, what=f"clone {source}")
            else:
                _checked(clone, "fetch", "--prune", "origin", env=env, what=f"fetch {source}")
            return clone, f"origin/{repository.base}" if repository.base else "origin/HEAD"
        if not source.startswith("/"):
            raise _fail(f"repository {source!r} is neither an absolute path nor an https:// URL")
        repo = self._local(source, input.session.company_id)
        if not is_repository(repo, self._env(input)):
            raise _fail(f"{source} is not the top of a git repository")
        return repo, repository.base or "HEAD"

    def _push_target(self, input: PrepareWorkspaceInput) -> str | None:
        repository = input.repository
        target = repository.push_url or (repository.source if repository.source.startswith("https://") else None)
        if target and not target.startswith("https://"):
            self._local(target, input.session.company_id)
        return target

    def _prepare(self, input: PrepareWorkspaceInput) -> PreparedWorkspace:
        session, host = input.session, self.settings.worker_host
        branch = branch_name(session.company_id, session.task)
        path = worktree_path(self.settings.home_dir, session.company_id, session.task)
        repo, start = self._repository(input)
        env = self._env(input)
        lost = ""
        if (path / ".git").exists():
            pass  # made before on this host: found as it is
        elif input.previous is None:
            path.parent.mkdir(parents=True, exist_ok=True)
            exists = _git(repo, "rev-parse", "--verify", "--quiet", f"refs/heads/{branch}", env=env).returncode == 0
            args = [path.as_posix(), branch] if exists else ["-b", branch, path.as_posix(), start]
            _checked(repo, "worktree", "add", *args, env=env, what=f"make a worktree of {input.repository.source}")
        else:
            lost = self._rebuild(input, repo, start, path, branch)
        save_repository(self.settings.home_dir, path, input.repository)
        workspace = WorkspaceRef(
            path=str(path),
            host=host,
            queue=tools_queue(self.task_queue, host),
            repository=input.repository.source,
            branch=branch,
        )
        return PreparedWorkspace(workspace=workspace, lost=lost)

    def _rebuild(self, input: PrepareWorkspaceInput, repo: Path, start: str, path: Path, branch: str) -> str:
        """Make the worktree again from the task's pushed branch; answers what is lost."""
        old = input.previous.host if input.previous else "its old host"
        target = self._push_target(input)
        env = self._env(input)
        pushed = None
        if target:
            fetch_env = self._env(input, target) if target.startswith("https://") else env
            ref = f"{PUSHED}{branch}"
            done = _git(repo, "fetch", "--no-tags", target, f"+refs/heads/{branch}:{ref}", env=fetch_env)
            if done.returncode == 0:
                pushed = _checked(repo, "rev-parse", ref, env=env, what="read the pushed branch")
        _git(repo, "worktree", "prune", env=env)  # the old worktree's entry, if its folder is gone
        _forget_worktrees_of(repo, branch, keep=path, env=env)
        path.parent.mkdir(parents=True, exist_ok=True)
        begin = pushed or start
        _checked(
            repo,
            "worktree",
            "add",
            "--force",
            "-B",
            branch,
            path.as_posix(),
            begin,
            env=env,
            what="rebuild the worktree",
        )
        if pushed:
            return (
                f"The task's workspace on host {old} is gone: its uncommitted files and any commits not "
                f"pushed to {target} are lost. It was rebuilt on host {self.settings.worker_host} from the "
                f"branch {branch} as pushed (commit {pushed[:12]})."
            )
        why = f"the branch {branch} was never pushed to {target}" if target else "the repository has no push target"
        return (
            f"The task's workspace on host {old} is gone and {why}: every change made there is lost. It was "
            f"rebuilt on host {self.settings.worker_host} from {input.repository.base or 'the base branch'}."
        )

    @activity.defn(name=Activity.PREPARE_WORKSPACE)
    async def prepare_workspace(self, input: PrepareWorkspaceInput) -> PreparedWorkspace:
        """Make (or find) the task's worktree on this host; answers where its tools run.

        Raises:
            ApplicationError: `WorkspaceFailed` (final): the repository is outside the roots, not
                a repository, cannot be cloned, or its credential is not bound to it.
        """
        # One git at a time per repository in this process: git locks its metadata.
        async with self._locks.setdefault(input.repository.source, asyncio.Lock()):
            return await asyncio.to_thread(self._prepare, input)
