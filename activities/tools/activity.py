"""The `run_tool` activity: one call of a registry tool in the task's workspace on this host.

It trusts nothing of its input it can check: the workspace must be a folder under this
worker's own roots (`$PAPERCLIP_HOME/worktrees/<company>/`, `$PAPERCLIP_HOME/workspaces/<company>/`,
or a configured workspace root) on this very host, and the arguments are parsed again with the
tool's model. A failure the model should read is a result with `error` set; an output longer
than `INLINE_LIMIT` is stored whole (`Store.save_tool_output`) and the model reads its start and
its reference.
"""

import asyncio
import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.cli.workspace import slug
from activities.tools import RUNNERS
from activities.tools.base import Runner, ToolContext, ToolFailed, ToolOutput
from activities.tools.ledger import load_repository
from activities.tools.products import refused_files
from paperclip.cli_rules import company_folder
from paperclip.constants import Activity
from paperclip.keys import KeyResolver
from paperclip.models import INLINE_LIMIT, RepositoryConfig, ToolRunInput, ToolRunResult, WorkspaceRef
from paperclip.models.work_products import AGENT, RecordProductsInput, RecordProductsResult, WorkProductKind
from paperclip.settings import Settings
from paperclip.store import Store
from paperclip.tools import ToolArgumentsError
from paperclip.tools.base import parse
from paperclip.tools.registry import REGISTRY

WORKSPACE_REFUSED = "WorkspaceRefused"
"""The input names a folder outside this worker's roots, or another host's: never run there."""
WORKSPACE_MISSING = "WorkspaceMissing"
"""The task's workspace is not on this host (any more): prepare it again with `previous` set."""
BEAT_SECONDS = 5.0


def allowed_roots(settings: Settings, company_id: str) -> list[Path]:
    """Where a task's workspace of the company may be on this worker: its company's worktrees and
    workspaces under the home, and the configured workspace roots."""
    home = settings.home_dir
    return [home / "worktrees" / slug(company_id), company_folder(home, company_id), *settings.workspace_roots]


def confined_workspace(path: str, roots: Sequence[Path]) -> Path | None:
    """`path`'s real path when it is a folder strictly below one of `roots`; else None."""
    if not path or "\0" in path or not os.path.isabs(path):
        return None
    real = Path(os.path.realpath(path))
    for root in roots:
        top = os.path.realpath(root)
        if str(real).startswith(top.rstrip(os.sep) + os.sep):
            return real
    return None


def cut(content: str, ref: str) -> str:
    """The inline part of a long output: its start and a line saying where the rest is, together
    at most `INLINE_LIMIT` characters."""

    def notice(shown: int) -> str:
        return (
            f"\n[output cut: the first {shown:,} of {len(content):,} characters are shown; the whole "
            f"output is stored as tool output {ref}]"
        )

    shown = INLINE_LIMIT - len(notice(INLINE_LIMIT))
    return content[:shown] + notice(shown)


class ToolActivities:
    """The `run_tool` activity of one worker host.

    Args:
        store: keeps long outputs.
        settings: the home, the workspace roots, this host's name, GitHub's API URL.
        keys: resolves the credentials tools send (bound to their URLs).
    """

    def __init__(
        self,
        store: Store,
        *,
        settings: Settings,
        keys: KeyResolver | None = None,
        mcp: Callable[[str], Runner | None] = lambda name: None,
    ) -> None:
        self.store = store
        self.settings = settings
        self.keys = keys
        self.mcp = mcp
        """The runner of an MCP server's tool by its `server__tool` name (None: not one)."""

    def _workspace(self, input: ToolRunInput) -> Path:
        return self._workspace_of(input.workspace, input.session.company_id, input.tool)

    def _workspace_of(self, ref: WorkspaceRef | None, company_id: str, what: str) -> Path:
        if ref is None:
            raise ApplicationError(
                f"{what} needs the task's workspace; none was given", type=WORKSPACE_REFUSED, non_retryable=True
            )
        if ref.host != self.settings.worker_host:
            raise ApplicationError(
                f"the workspace is on host {ref.host}; this is {self.settings.worker_host}",
                type=WORKSPACE_REFUSED,
                non_retryable=True,
            )
        workspace = confined_workspace(ref.path, allowed_roots(self.settings, company_id))
        if workspace is None:
            raise ApplicationError(
                f"{ref.path} is not a workspace of company {company_id} on this worker: refused",
                type=WORKSPACE_REFUSED,
                non_retryable=True,
            )
        if not workspace.is_dir():
            raise ApplicationError(
                f"the task's workspace {ref.path} is gone from host {ref.host}",
                type=WORKSPACE_MISSING,
                non_retryable=True,
            )
        return workspace

    @activity.defn(name=Activity.RUN_TOOL)
    async def run_tool(self, input: ToolRunInput) -> ToolRunResult:
        """Run one call and answer what the model reads of it.

        Raises:
            ApplicationError: `WorkspaceRefused` (the workspace is not this worker's to use) or
                `WorkspaceMissing` (it is gone: prepare it again), both final; a runner's own
                failure otherwise (retried by Temporal).
        """
        started = time.monotonic()
        tool = REGISTRY.get(input.tool)
        runner = RUNNERS.get(input.tool) if tool is not None else self.mcp(input.tool)
        if runner is None:
            return ToolRunResult(content=f"unknown tool '{input.tool}': no such tool runs in the workspace", error=True)
        arguments: Any = input.arguments  # an MCP tool's are checked by its server
        if tool is not None:
            try:
                arguments = parse(tool.arguments, input.arguments)
            except ToolArgumentsError as err:
                return _failed(str(err), started)
        if input.workspace is None and (tool is None or not tool.workspace):
            # an MCP tool of a task with no repository, or a tool that needs none (http_fetch)
            workspace = company_folder(self.settings.home_dir, input.session.company_id) / "mcp"
            await asyncio.to_thread(workspace.mkdir, parents=True, exist_ok=True)
        else:
            workspace = self._workspace(input)
        repository = await asyncio.to_thread(load_repository, self.settings.home_dir, workspace)
        key = None  # the repository's credential: sent only where it is bound
        if repository is not None and repository.credential and self.keys is not None:
            key = await asyncio.to_thread(self.keys, input.session.company_id, repository.credential)
        details: list[Any] = []
        ctx = ToolContext(
            workspace=workspace,
            home=self.settings.home_dir,
            session=input.session,
            allow_hosts=list(input.allow_hosts),
            timeout_seconds=input.timeout_seconds,
            heartbeat=lambda *d: details.__setitem__(slice(None), d),  # sent by the beat below, on this loop
            repository=repository,
            branch=input.workspace.branch if input.workspace else "",
            keys=self.keys,
            settings=self.settings,
            push_url=push_target(repository),
            private_hosts=list(self.settings.allow_private_hosts),
            key_for=lambda url: key if key is not None and key.allows(url) else None,
            call_id=input.call_id,
            store=self.store,
        )
        beat = asyncio.ensure_future(_beat(details))
        try:
            output: ToolOutput = await runner(ctx, arguments)
        except ToolFailed as err:
            return _failed(str(err), started)
        finally:
            beat.cancel()
        if output.products:  # once per product, however often the activity runs
            session = input.session
            await asyncio.to_thread(
                self.store.record_work_products,
                session.company_id,
                session.task,
                output.products,
                recorded_by=input.tool,
                actor=session.agent,
            )
        content, ref = output.content, None
        if len(content) > INLINE_LIMIT:
            ref = await asyncio.to_thread(self.store.save_tool_output, input.session, input.call_id, content)
            content = cut(content, ref)
        return ToolRunResult(
            content=content,
            ref=ref,
            size=len(output.content),
            untrusted=output.untrusted,
            cost_usd=output.cost_usd,
            duration_ms=_ms(started),
        )

    @activity.defn(name=Activity.RECORD_WORK_PRODUCTS)
    async def record_work_products(self, input: RecordProductsInput) -> RecordProductsResult:
        """Keep what the agent declared on completing: every product, or none when a declared
        file is not a file inside the task's workspace (the answer says why, for the model).
        Idempotent, so safe to retry.

        Raises:
            ApplicationError: `WorkspaceRefused` or `WorkspaceMissing` (final), as for `run_tool`.
        """
        session = input.session
        if any(p.kind is WorkProductKind.FILE for p in input.products):
            workspace = self._workspace_of(input.workspace, session.company_id, "a file work product")
            refused = await asyncio.to_thread(refused_files, workspace, input.products)
            if refused:
                return RecordProductsResult(refused=refused)
        recorded = await asyncio.to_thread(
            self.store.record_work_products,
            session.company_id,
            session.task,
            input.products,
            recorded_by=AGENT,
            actor=session.agent,
        )
        return RecordProductsResult(recorded=recorded)


def push_target(repository: RepositoryConfig | None) -> str:
    """Where `git push` sends the task's branch: the push URL, else the source when it is a URL."""
    if repository is None:
        return ""
    if repository.push_url:
        return repository.push_url
    return repository.source if repository.source.startswith(("https://", "http://")) else ""


async def _beat(details: list[Any]) -> None:
    while True:
        activity.heartbeat(*details)
        await asyncio.sleep(BEAT_SECONDS)


def _ms(started: float) -> int:
    return round((time.monotonic() - started) * 1000)


def _failed(message: str, started: float) -> ToolRunResult:
    return ToolRunResult(content=message, size=len(message), error=True, duration_ms=_ms(started))
