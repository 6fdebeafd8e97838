"""A company as one document (`paperclip.export`): exported from its snapshot and the store,
imported as a new company whose store keeps the document's finished work as history."""

import asyncio
import base64
from datetime import UTC, datetime

from temporalio.client import Client

from api import schedules
from api.errors import ApiError
from api.goals import tree_order
from api.schemas import CompanyPublic
from api.services import STORE_SCAN_LIMIT, check_keys, get_snapshot, list_tasks, require_company, start_company
from paperclip.attachments import AttachmentRefused, AttachmentStorage, add_attachment
from paperclip.constants import company_workflow_id
from paperclip.export import (
    ACTIVITY_LIMIT,
    CompanyExport,
    ExportedAttachment,
    ImportPlan,
    attachment_bytes,
    company_export,
    import_plan,
    problems,
)
from paperclip.idempotency import RequestKey
from paperclip.keyring import Keyring
from paperclip.models import CompanyInput, CompanySpec, RoutineSpec
from paperclip.models.work_products import WorkProduct
from paperclip.routines import RoutineError
from paperclip.store import CostGroup, Store

PROBLEMS_SHOWN = 5
"""Problems named in an import's error message (`details` lists them all)."""


class CompanyImported(CompanyPublic):
    """The company an import founded, what it carries, and what it left out."""

    imported_from: str
    agents: int
    goals: int
    tasks: int
    """Finished tasks, with their subtasks, kept as history."""
    turns: int
    """Conversation turns of those tasks."""
    cost_events: int
    projects: int = 0
    labels: int = 0
    work_products: int = 0
    """Of the finished tasks carried."""
    activity: int
    """Activity entries, the `company.imported` one included."""
    routines: list[str]
    """Routines created paused: resume them to run them here."""
    notes: list[str]
    """What was left out, and why."""


async def export_company(
    *, client: Client, store: Store, company_id: str, storage: AttachmentStorage | None = None
) -> CompanyExport:
    """The company's document: its snapshot now, what the store keeps of it, and (with `storage`)
    its tasks' files."""
    await require_company(store=store, company_id=company_id)
    snapshot = await get_snapshot(client=client, company_id=company_id)
    tasks, _ = await list_tasks(client=client, store=store, company_id=company_id, limit=STORE_SCAN_LIMIT)
    turns = await asyncio.to_thread(store.list_turns, company_id)
    costs = await asyncio.to_thread(store.list_cost_events, company_id)
    summary = await asyncio.to_thread(store.cost_summary, company_id, group_by=CostGroup.AGENT)
    latest = await asyncio.to_thread(store.list_activity, company_id, limit=ACTIVITY_LIMIT + 1, newest_first=True)
    found = await schedules.list_routines(client, company_id=company_id)
    documents = await asyncio.to_thread(store.company_document_revisions, company_id)
    labels = await asyncio.to_thread(store.list_labels, company_id)
    products = await asyncio.to_thread(_work_products, store, company_id)
    files = [] if storage is None else await asyncio.to_thread(_exported_files, store, storage, company_id)
    return company_export(
        attachments=files,
        snapshot=snapshot,
        goals=tree_order(snapshot.goals),
        routines=[RoutineSpec.model_validate(r.model_dump(include=set(RoutineSpec.model_fields))) for r in found],
        tasks=tasks,
        turns=turns,
        costs=costs,
        cost_summary=summary,
        activity=[entry for _, entry in reversed(latest[:ACTIVITY_LIMIT])],
        activity_truncated=len(latest) > ACTIVITY_LIMIT,
        now=datetime.now(UTC),
        documents=documents,
        labels=labels,
        work_products=products,
    )


def _work_products(store: Store, company_id: str) -> list[WorkProduct]:
    """All the company's work products, oldest first (the store pages them newest first)."""
    found: list[WorkProduct] = []
    while page := store.list_work_products(company_id, limit=1_000, before=found[-1].id if found else None):
        found += page
    return found[::-1]


def _exported_files(store: Store, storage: AttachmentStorage, company_id: str) -> list[ExportedAttachment]:
    return [
        ExportedAttachment(**a.model_dump(), content=base64.b64encode(storage.get(a.id)).decode("ascii"))
        for a in store.list_attachments(company_id)
    ]


def _import_files(store: Store, storage: AttachmentStorage, company_id: str, plan: ImportPlan, most: int) -> list[str]:
    """Keep the carried tasks' files under new ids; answers a note per file left out."""
    notes = []
    for file in plan.attachments:
        data = attachment_bytes(file)
        assert data is not None  # `problems` checked it
        try:
            add_attachment(
                store,
                storage,
                company_id=company_id,
                task=file.task,
                filename=file.filename,
                declared_type=file.content_type,
                data=data,
                uploaded_by=file.uploaded_by,
                max_bytes=most,
            )
        except AttachmentRefused as err:
            notes.append(f"attachment {file.filename} of {file.task} not imported: {err}")
    return notes


async def import_company(
    *,
    client: Client,
    store: Store,
    task_queue: str,
    doc: CompanyExport,
    actor: str,
    team: str | None,
    company_id: str | None = None,
    name: str | None = None,
    prefix: str | None = None,
    keyring: Keyring | None = None,
    key: RequestKey | None = None,
    storage: AttachmentStorage | None = None,
    max_attachment_bytes: int = 0,
) -> CompanyImported:
    """Found a new company from `doc`, under the document's id, name and prefix unless given; with
    a `keyring`, each agent's keys must be bound where its models are (for the company's `team`).
    A repeat of the request with the same idempotency `key` answers as the first did.

    Raises:
        ApiError: 400 naming what keeps the document from being imported (an agent's credential
            not bound where its model is, too); 409 when the id is taken.
    """
    found = problems(doc)
    if found:
        shown = "; ".join(found[:PROBLEMS_SHOWN]) + (
            f" (and {len(found) - PROBLEMS_SHOWN} more)" if found[PROBLEMS_SHOWN:] else ""
        )
        raise ApiError(400, "invalid_document", f"the document cannot be imported: {shown}", found)
    given = {"id": company_id, "name": name, "prefix": prefix}
    spec = CompanySpec.model_validate(doc.company.model_dump() | {k: v for k, v in given.items() if v is not None})
    plan = import_plan(doc, spec, actor=actor, now=datetime.now(UTC))
    if keyring is not None:
        await check_keys(keyring=keyring, team=team, agents=[a.spec for a in plan.state.agents.values()])
    input = CompanyInput(state=plan.state)
    await start_company(client=client, store=store, task_queue=task_queue, spec=spec, input=input, key=key)
    await asyncio.to_thread(
        store.add_history, records=plan.records, turns=plan.turns, costs=plan.costs, activity=plan.activity
    )
    await asyncio.to_thread(store.add_document_revisions, plan.documents)
    await asyncio.to_thread(store.add_work_products, plan.work_products)
    for label in plan.labels:
        await asyncio.to_thread(store.add_label, spec.id, label, actor=actor, now=label.created_at)
    await asyncio.to_thread(store.upsert_company, spec)
    if team is not None:
        await asyncio.to_thread(store.set_company_team, spec.id, team)
    notes, created = list(plan.notes), []
    if storage is not None:
        notes += await asyncio.to_thread(_import_files, store, storage, spec.id, plan, max_attachment_bytes)
    for routine in plan.routines:
        # Paused: an imported copy should not start working (and spending) on its own.
        try:
            await schedules.create_routine(client, company_id=spec.id, spec=routine, task_queue=task_queue)
            await schedules.pause_routine(client, company_id=spec.id, name=routine.name, note="imported")
        except RoutineError as err:
            notes.append(f"routine {routine.name} not imported: {err}")
        else:
            created.append(routine.name)
    return CompanyImported(
        **spec.model_dump(),
        workflow_id=company_workflow_id(spec.id),
        imported_from=doc.company.id,
        agents=len(plan.state.agents),
        goals=len(plan.state.goals),
        tasks=len(plan.records),
        turns=len(plan.turns),
        cost_events=len(plan.costs),
        projects=len(plan.state.projects),
        labels=len(plan.labels),
        work_products=len(plan.work_products),
        activity=len(plan.activity),
        routines=created,
        notes=notes,
    )
