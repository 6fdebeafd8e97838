"""Traces of tasks as the API serves them: every run of a task's workflow fetched from Temporal,
read in order (`paperclip.traces.TraceReader`), with its delegated subtasks' traces beneath it."""

import asyncio

from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from paperclip.constants import task_workflow_id
from paperclip.errors import PaperclipError
from paperclip.models import Trace
from paperclip.traces import TraceReader

MAX_FETCHES = 8
"""Histories fetched at once while rebuilding a delegation tree."""


class TraceNotFound(PaperclipError, LookupError):
    """No workflow history exists for the task."""

    kind = "not_found"

    def __init__(self, company_id: str, identifier: str) -> None:
        super().__init__(f"task '{identifier}' not found in company '{company_id}'")
        self.company_id = company_id
        self.identifier = identifier


async def build_trace(client: Client, company_id: str, identifier: str, *, include_children: bool = True) -> Trace:
    """Rebuild the trace of one task from the history of its workflow (all runs, in order).

    Args:
        client: A client whose data converter decodes the project's payloads.
        company_id: The company the task belongs to.
        identifier: The task identifier, e.g. `ACME-12` or `ACME-12.3`.
        include_children: Also rebuild every delegated subtask, recursively, into `children`.

    Raises:
        TraceNotFound: The task has no workflow.
    """
    return await _build(client, company_id, identifier, include_children, asyncio.Semaphore(MAX_FETCHES))


async def _build(
    client: Client, company_id: str, identifier: str, include_children: bool, fetches: asyncio.Semaphore
) -> Trace:
    workflow_id = task_workflow_id(company_id, identifier)
    async with fetches:
        runs = await _fetch_runs(client, workflow_id)
    if runs is None:
        raise TraceNotFound(company_id, identifier)
    trace = Trace(company_id=company_id, identifier=identifier, workflow_id=workflow_id)
    builder = TraceReader(client.data_converter, trace)
    for run_id, events in runs:
        trace.run_ids.append(run_id)
        for event in events:
            await builder.add(event)
    if include_children and builder.child_ids:
        children = await asyncio.gather(
            *(_child_trace(client, company_id, child, fetches) for child in builder.child_ids)
        )
        trace.children = [c for c in children if c is not None]
    return trace


async def _child_trace(client: Client, company_id: str, identifier: str, fetches: asyncio.Semaphore) -> Trace | None:
    try:
        return await _build(client, company_id, identifier, True, fetches)
    except TraceNotFound:
        return None  # initiated but never started: the parent's trace says so


async def _fetch_runs(client: Client, workflow_id: str) -> list[tuple[str, list[HistoryEvent]]] | None:
    """The histories of every run of a workflow's continue-as-new chain, oldest first."""
    try:
        latest = [e async for e in client.get_workflow_handle(workflow_id).fetch_history_events()]
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND:
            return None
        raise
    if not latest:
        return None
    started = latest[0].workflow_execution_started_event_attributes
    run_id = started.first_execution_run_id or started.original_execution_run_id
    runs: list[tuple[str, list[HistoryEvent]]] = []
    seen: set[str] = set()
    while run_id and run_id not in seen:
        seen.add(run_id)
        handle = client.get_workflow_handle(workflow_id, run_id=run_id)
        events = [e async for e in handle.fetch_history_events()]
        runs.append((run_id, events))
        last = events[-1] if events else None
        run_id = (
            last.workflow_execution_continued_as_new_event_attributes.new_execution_run_id
            if last is not None and last.HasField("workflow_execution_continued_as_new_event_attributes")
            else ""
        )
    return runs
