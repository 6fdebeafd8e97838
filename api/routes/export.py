"""A company as one document: export it (JSON to import, Markdown to read), import it as a new
company (`paperclip.export` says what the document holds and how history is carried)."""

import asyncio
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response, status
from fastapi.responses import PlainTextResponse

from api import export
from api.agent_checks import check_agents, may_grant_powers
from api.auth import CallerDep
from api.deps import ClientDep, ContextDep, StoreDep
from api.errors import ApiError
from api.export import CompanyImported
from api.idempotency import IdempotencyDep
from api.routes.attachments import storage as attachment_storage
from api.routes.companies import _owning_team
from api.tool_checks import check_tooling
from paperclip.attachments import StorageError
from paperclip.export import CompanyExport, export_to_markdown
from paperclip.keyring import Keyring
from paperclip.models import PREFIX, SLUG

router = APIRouter(prefix="/companies", tags=["export"])


@router.get(
    "/{company}/export",
    response_model=CompanyExport,
    responses={200: {"content": {"text/markdown": {}}, "description": "The document (JSON or Markdown)"}},
)
async def export_company(
    company: str,
    client: ClientDep,
    store: StoreDep,
    request: Request,
    context: ContextDep,
    format: Literal["json", "md"] = "json",
) -> Response:
    """The company's spec, agents (credentials by name only), goals, budgets, routines, tasks with
    their conversations and files, cost ledger and latest activity: JSON as a file to import, or Markdown."""
    listed = await asyncio.to_thread(store.list_attachments, company) if format == "json" else []
    files = attachment_storage(request, context) if listed else None
    try:
        document = await export.export_company(client=client, store=store, company_id=company, storage=files)
    except StorageError as err:
        raise ApiError(503, "attachment_storage", str(err)) from None
    if format == "md":
        return PlainTextResponse(export_to_markdown(document), media_type="text/markdown; charset=utf-8")
    return Response(
        document.model_dump_json(indent=2),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{company}.json"'},
    )


@router.post("/import", status_code=status.HTTP_201_CREATED, response_model=CompanyImported)
async def import_company(
    document: CompanyExport,
    request: Request,
    client: ClientDep,
    store: StoreDep,
    context: ContextDep,
    caller: CallerDep,
    id: Annotated[str | None, Query(pattern=SLUG.pattern, description="The new company's id (the document's).")] = None,
    name: Annotated[str | None, Query(min_length=1, max_length=200, description="Its name (the document's).")] = None,
    prefix: Annotated[
        str | None, Query(pattern=PREFIX.pattern, description="Its task prefix (the document's).")
    ] = None,
    team: Annotated[
        str | None, Query(max_length=63, description="The team that owns it (as for a new company).")
    ] = None,
    key: IdempotencyDep = None,
) -> CompanyImported:
    """Found a new company from an export: the same agents, goals, budgets, org chart, projects and
    labels, routines paused, and the finished tasks with their conversations, costs, dependencies,
    documents, files and work products as its history. 400 names
    what keeps a document from being imported; 409 when the id is taken."""
    owner = await _owning_team(team, caller, store)
    specs = [agent.spec for agent in document.agents]
    company_id = id or document.company.id
    keyring = Keyring(store, context.settings)
    await check_agents(
        specs, caller=caller, team=owner, company_id=company_id, settings=context.settings, keyring=keyring
    )
    await asyncio.to_thread(
        check_tooling,
        repository=document.company.repository,
        rules=document.company.tool_policy,
        where=f"company {company_id}",
        owner=may_grant_powers(caller, owner),
        actor=caller.actor,
        team=owner,
        company_id=company_id,
        settings=context.settings,
        keyring=keyring,
    )
    for project in document.projects:
        if project.workspace is not None:
            # A project's workspace is checked as when it is created: roots, credentials, powers.
            await asyncio.to_thread(
                check_tooling,
                repository=project.workspace,
                rules=[],
                where=f"project {project.key}: workspace",
                owner=may_grant_powers(caller, owner),
                actor=caller.actor,
                team=owner,
                company_id=company_id,
                settings=context.settings,
                keyring=keyring,
            )
    return await export.import_company(
        client=client,
        store=store,
        task_queue=context.task_queue,
        doc=document,
        actor=caller.actor,
        team=owner,
        company_id=id,
        name=name,
        prefix=prefix,
        keyring=keyring,
        key=key,
        storage=attachment_storage(request, context) if document.attachments else None,
        max_attachment_bytes=context.settings.attachments_max_bytes,
    )
