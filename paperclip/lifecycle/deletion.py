"""A company deleted: its workflows and their histories, its schedules, its rows and its folders.

In this order, so nothing it starts outlives it:

1. its schedules (routines, GitHub monitors): none fires again;
2. its workflow, then every workflow of the company (tasks, pipeline runs, reviews, polls,
   routine runs) found by its search attribute `PaperclipCompany`: each deleted with its history
   (`DeleteWorkflowExecution`, which terminates a running one first), round after round until a
   listing finds none not deleted yet (children are abandoned by their parents, so a task may
   start a subtask while its siblings go);
3. every store row with its `company_id` (`paperclip.store.lifecycle`), with its search entries
   and stored tool outputs, its hooks' sealed secrets and its monitors;
4. its attachments' bytes in their storage (on disk or S3), after their records;
5. its folders in this host's home (workspaces, agents' homes: those of the embedded stack).

Team credentials and endpoints belong to the team, not the company, and stay. A worker host of a
cluster keeps its own copy of the company's folders until removed by hand.
"""

import asyncio
import shutil

from pydantic import BaseModel
from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.workflowservice.v1 import DeleteWorkflowExecutionRequest
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from paperclip.attachments import open_storage
from paperclip.cli_rules import company_folder
from paperclip.constants import SA_COMPANY, company_workflow_id, monitor_schedule_id
from paperclip.errors import PaperclipError
from paperclip.models import SLUG
from paperclip.settings import Settings
from paperclip.store import Store

ROUNDS = 20
"""Listings of the company's workflows at most: each deletes what the one before did not see."""
ROUND_PAUSE_SECONDS = 0.5


class CompanyNotFound(PaperclipError):
    kind = "not_found"


class CompanyDeletion(BaseModel):
    """What deleting a company removed."""

    company_id: str
    schedules: int = 0
    """Temporal schedules (routines, monitors)."""
    workflows: int = 0
    """Workflow executions deleted with their histories."""
    rows: dict[str, int] = {}
    """Store rows removed, by table."""
    files: int = 0
    """Attachments whose bytes were removed from their storage."""
    folders: list[str] = []
    """Folders removed on this host."""


def _query(company_id: str) -> str:
    return f"{SA_COMPANY.name} = '{company_id}'"


async def _ignoring_not_found(call: object) -> bool:
    """Await `call`; False when what it acted on was gone already."""
    try:
        await call  # type: ignore[misc]
    except RPCError as error:
        if error.status == RPCStatusCode.NOT_FOUND:
            return False
        raise
    return True


async def company_exists(client: Client, store: Store, company_id: str) -> bool:
    """Whether the store or Temporal knows the company."""
    if await asyncio.to_thread(store.get_company, company_id) is not None:
        return True
    try:
        await client.get_workflow_handle(company_workflow_id(company_id)).describe()
    except RPCError as error:
        if error.status == RPCStatusCode.NOT_FOUND:
            return False
        raise
    return True


async def delete_schedules(client: Client, store: Store, company_id: str) -> int:
    """Delete the company's schedules: those listed under its search attribute, and its monitors'
    by id (a schedule made a moment ago may not be listed yet)."""
    ids = {entry.id async for entry in await client.list_schedules(query=_query(company_id))}
    monitors = await asyncio.to_thread(store.monitor_names, company_id)
    ids |= {monitor_schedule_id(company_id, name) for name in monitors}
    deleted = 0
    for schedule_id in sorted(ids):
        deleted += await _ignoring_not_found(client.get_schedule_handle(schedule_id).delete())
    return deleted


async def delete_workflows(client: Client, company_id: str) -> int:
    """Delete the company's workflow and every workflow of the company, with their histories."""
    service = client.workflow_service
    done: set[tuple[str, str]] = set()
    deleted: set[str] = set()
    gone: set[str] = set()
    """Ids with no current run left (their latest run deleted, or none)."""

    async def delete(workflow_id: str, run_id: str = "") -> None:
        request = DeleteWorkflowExecutionRequest(
            namespace=client.namespace, workflow_execution=WorkflowExecution(workflow_id=workflow_id, run_id=run_id)
        )
        if await _ignoring_not_found(service.delete_workflow_execution(request)):
            deleted.add(workflow_id)
        elif not run_id:
            gone.add(workflow_id)
        done.add((workflow_id, run_id))

    await delete(company_workflow_id(company_id))  # first: it starts no task after this
    for listing in range(ROUNDS):
        found = {(w.id, w.run_id) async for w in client.list_workflows(_query(company_id))}
        for workflow_id, run_id in sorted(found - done):
            await delete(workflow_id, run_id)
        # Each id's current run too, until there is none: a run the listing has not shown yet
        # (visibility lags a little) is found by its id.
        for workflow_id in sorted({workflow_id for workflow_id, _ in found} - gone):
            done.discard((workflow_id, ""))
            await delete(workflow_id)
        if listing and not found - done and {workflow_id for workflow_id, _ in found} <= gone:
            break  # (never after the first listing alone: it may not show what was just started)
        await asyncio.sleep(ROUND_PAUSE_SECONDS)
    return len(deleted)


def remove_files(settings: Settings, attachment_ids: list[str]) -> int:
    """Remove the bytes of the attachments whose records went (how many)."""
    if not attachment_ids:
        return 0
    storage = open_storage(settings)
    removed = 0
    for attachment_id in attachment_ids:
        try:
            storage.delete(attachment_id)
        except ValueError:
            continue  # not an attachment id, so no bytes were ever kept under it
        removed += 1
    return removed


def remove_folders(settings: Settings, company_id: str) -> list[str]:
    """Remove the company's workspaces and agents' homes in this host's home folder."""
    removed = []
    for folder in (company_folder(settings.home_dir, company_id), settings.home_dir / "homes" / company_id):
        if folder.is_dir():
            shutil.rmtree(folder)
            removed.append(str(folder))
    return removed


async def delete_company(client: Client, store: Store, settings: Settings, company_id: str) -> CompanyDeletion:
    """Delete the company and everything it left (see above).

    Raises:
        CompanyNotFound: neither the store nor Temporal knows it.
    """
    if not SLUG.fullmatch(company_id) or not await company_exists(client, store, company_id):
        raise CompanyNotFound(f"company '{company_id}' not found")
    deletion = CompanyDeletion(company_id=company_id)
    deletion.schedules = await delete_schedules(client, store, company_id)
    deletion.workflows = await delete_workflows(client, company_id)
    files = await asyncio.to_thread(store.company_attachment_ids, company_id)
    deletion.rows = await asyncio.to_thread(store.delete_company_rows, company_id)
    deletion.files = await asyncio.to_thread(remove_files, settings, files)
    deletion.folders = await asyncio.to_thread(remove_folders, settings, company_id)
    return deletion
