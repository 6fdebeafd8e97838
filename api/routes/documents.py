"""Documents on a task: keyed markdown (`plan`, `design`, `notes`), every save a new revision.

A save names the revision it was written from (`base_revision`, 0 for a new document); if the
document has moved on since, it is refused with 409 and the current revision in
`error.details.current`, so the writer can merge and save again. A restore makes an earlier
revision's body the newest revision. Every save is in the company's activity log
(`document.saved`) and the latest revision of each document is found by search.

Who may see the task's company may read its documents; who may change it may save them. An
agent with a task token reads and saves its own task's (`api.auth.TASK_TOKEN_ROUTES`).
"""

import asyncio

from fastapi import APIRouter, Query
from temporalio.client import Client

from api import services
from api.auth import Caller, CallerDep
from api.deps import ClientDep, StoreDep
from api.errors import ApiError
from paperclip.models.documents import (
    DocumentHistory,
    DocumentKey,
    DocumentList,
    DocumentRevision,
    RestoreDocument,
    SaveDocument,
)
from paperclip.store import Store
from paperclip.store.documents import DocumentConflict

router = APIRouter(prefix="/companies/{company}/tasks/{identifier}/documents", tags=["documents"])


async def require_task(client: Client, store: Store, company: str, identifier: str) -> None:
    """404 unless the company has the task (the store's record, else the running company's)."""
    if await asyncio.to_thread(store.get_task, company, identifier) is None:
        await services.require_company(store=store, company_id=company)
        await services.get_task(client=client, store=store, company_id=company, identifier=identifier)


def _missing(key: str, identifier: str, revision: int | None = None) -> ApiError:
    which = f"revision {revision} of document" if revision is not None else "document"
    return ApiError(404, "not_found", f"{which} '{key}' of task {identifier} not found")


async def _save(
    store: Store, caller: Caller, company: str, identifier: str, key: str, body: str, base: int, restored: int | None
) -> DocumentRevision:
    agent = caller.scope.agent if caller.scope is not None else None
    try:
        return await asyncio.to_thread(
            store.save_document,
            company,
            identifier,
            key,
            body,
            base_revision=base,
            author=caller.actor,
            agent=agent,
            restored_from=restored,
        )
    except DocumentConflict as err:
        current = None if err.current is None else err.current.model_dump(mode="json")
        raise ApiError(409, "conflict", err.message, {"current": current}) from None


@router.get("", response_model=DocumentList)
async def list_documents(company: str, identifier: str, client: ClientDep, store: StoreDep) -> DocumentList:
    """The task's documents at their latest revision, by key (no bodies)."""
    await require_task(client, store, company, identifier)
    found = await asyncio.to_thread(store.list_documents, company, identifier)
    return DocumentList(data=found, count=len(found))


@router.get("/{key}", response_model=DocumentRevision)
async def get_document(
    company: str,
    identifier: str,
    key: DocumentKey,
    client: ClientDep,
    store: StoreDep,
    revision: int | None = Query(default=None, ge=1, description="An earlier revision; the latest if left out."),
) -> DocumentRevision:
    """The document at its latest revision, or at `revision`."""
    await require_task(client, store, company, identifier)
    found = await asyncio.to_thread(store.get_document, company, identifier, key, revision)
    if found is None:
        raise _missing(key, identifier, revision)
    return found


@router.get("/{key}/revisions", response_model=DocumentHistory)
async def list_revisions(
    company: str,
    identifier: str,
    key: DocumentKey,
    client: ClientDep,
    store: StoreDep,
    limit: int = Query(default=100, ge=1, le=1000),
    offset: int = Query(default=0, ge=0),
) -> DocumentHistory:
    """Who saved each revision and when, newest first (bodies left out: read one by `?revision=`)."""
    await require_task(client, store, company, identifier)
    rows, total = await asyncio.to_thread(
        store.list_document_revisions, company, identifier, key, limit=limit, offset=offset
    )
    if total == 0:
        raise _missing(key, identifier)
    return DocumentHistory(data=rows, count=len(rows), total=total)


@router.put("/{key}", response_model=DocumentRevision)
async def save_document(
    company: str,
    identifier: str,
    key: DocumentKey,
    save: SaveDocument,
    client: ClientDep,
    store: StoreDep,
    caller: CallerDep,
) -> DocumentRevision:
    """Save a new revision written from `base_revision` (0: a new document); 409 with the current
    revision in `error.details.current` if the document has moved on since."""
    await require_task(client, store, company, identifier)
    return await _save(store, caller, company, identifier, key, save.body, save.base_revision, None)


@router.post("/{key}/restore", status_code=201, response_model=DocumentRevision)
async def restore_document(
    company: str,
    identifier: str,
    key: DocumentKey,
    restore: RestoreDocument,
    client: ClientDep,
    store: StoreDep,
    caller: CallerDep,
) -> DocumentRevision:
    """Make an earlier revision's body the newest revision; 409 if `base_revision` is given and
    the document has moved on from it."""
    await require_task(client, store, company, identifier)
    earlier = await asyncio.to_thread(store.get_document, company, identifier, key, restore.revision)
    if earlier is None:
        raise _missing(key, identifier, restore.revision)
    base = restore.base_revision
    if base is None:
        latest = await asyncio.to_thread(store.get_document, company, identifier, key)
        base = latest.revision if latest is not None else 0
    return await _save(store, caller, company, identifier, key, earlier.body, base, restore.revision)
