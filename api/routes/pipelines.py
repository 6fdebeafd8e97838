"""Pipeline documents: add (a new version when the text differs), list, show, validate.

A document is sent as its YAML text (any content type but JSON) or as JSON `{"yaml": "..."}`.
One that does not validate is a 422 whose `details` list every problem with its line and column.
Adding checks the steps' agents against the company's; validating does only when given a company.
"""

import asyncio
import json
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response, status
from pydantic import BaseModel
from temporalio.client import Client

from api import services
from api.auth import Caller, CallerDep
from api.deps import ClientDep, StoreDep
from api.errors import ApiError
from paperclip.models import AgentStatus
from paperclip.models.pipeline_records import PipelineSummary, PipelineVersion
from paperclip.models.pipelines import PipelineSpec
from paperclip.pipelines import PipelineInvalid, parse
from paperclip.store import Store

router = APIRouter(tags=["pipelines"])

_DOCUMENT_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/yaml": {"schema": {"type": "string", "description": "The pipeline's YAML document."}},
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["yaml"],
                    "properties": {
                        "yaml": {"type": "string", "description": "The pipeline's YAML document."},
                        "company": {
                            "type": "string",
                            "description": "validate only: check the steps' agents against this company's",
                        },
                    },
                }
            },
        },
    }
}
"""The body the document routes read themselves (YAML text, or JSON holding it)."""


class PipelineDocument(BaseModel):
    """A stored version of a pipeline, with what it says."""

    version: PipelineVersion
    spec: PipelineSpec | None
    """The document as validated now; None if it no longer validates (e.g. a custom template it
    hired from is gone)."""
    added: bool | None = None
    """On adding: whether this text became a new version (false: it was the latest already)."""


class PipelineList(BaseModel):
    data: list[PipelineSummary]
    count: int


class PipelineValidated(BaseModel):
    spec: PipelineSpec
    agents_checked: bool
    """Whether the steps' agents were checked against a company's."""


async def _document(request: Request) -> tuple[str, str | None]:
    """The YAML text of the request, and the company a JSON body names."""
    body = await request.body()
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise ApiError(400, "invalid_input", "the document must be UTF-8 text") from None
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
        return text, None
    try:
        data = json.loads(text)
    except ValueError as error:
        raise ApiError(400, "invalid_input", f"the body is not JSON: {error}") from None
    company = data.get("company") if isinstance(data, dict) else None
    if not isinstance(data, dict) or not isinstance(data.get("yaml"), str):
        raise ApiError(422, "invalid_input", 'a JSON body must be {"yaml": "<the YAML document>"}')
    if company is not None and not isinstance(company, str):
        raise ApiError(422, "invalid_input", "company: must be a company id")
    return data["yaml"], company


def _invalid(error: PipelineInvalid) -> ApiError:
    return ApiError(422, "invalid_input", str(error), [p.model_dump() for p in error.problems])


async def _agents(client: Client, company: str) -> list[str]:
    """The company's agents a step may name: every one not terminated."""
    snapshot = await services.get_snapshot(client=client, company_id=company)
    return [a.spec.name for a in snapshot.agents if a.status is not AgentStatus.TERMINATED]


async def _parse(text: str, *, agents: list[str] | None) -> PipelineSpec:
    templates = (await services.load_templates()).agents.keys()
    try:
        return await asyncio.to_thread(parse, text, agents=agents, templates=templates)
    except PipelineInvalid as error:
        raise _invalid(error) from None


@router.post(
    "/companies/{company}/pipelines",
    status_code=status.HTTP_201_CREATED,
    response_model=PipelineDocument,
    responses={200: {"model": PipelineDocument, "description": "The latest version has this text already."}},
    openapi_extra=_DOCUMENT_BODY,
)
async def add_pipeline(
    company: str, request: Request, response: Response, client: ClientDep, store: StoreDep, caller: CallerDep
) -> PipelineDocument:
    """Validate the document against the company's agents and store it under its name: 201 with a
    new version, 200 when the latest version has this text already; 422 listing each problem."""
    await services.require_company(store=store, company_id=company)
    text, _ = await _document(request)
    spec = await _parse(text, agents=await _agents(client, company))
    version, added = await asyncio.to_thread(store.add_pipeline, company, spec.name, text, created_by=caller.actor)
    if not added:
        response.status_code = status.HTTP_200_OK
    return PipelineDocument(version=version, spec=spec, added=added)


@router.get("/companies/{company}/pipelines", response_model=PipelineList)
async def list_pipelines(company: str, store: StoreDep) -> PipelineList:
    """The company's pipelines by name, each at its latest version."""
    await services.require_company(store=store, company_id=company)
    found = await asyncio.to_thread(store.list_pipelines, company)
    return PipelineList(data=found, count=len(found))


@router.get("/companies/{company}/pipelines/{name}", response_model=PipelineDocument)
async def get_pipeline(
    company: str,
    name: str,
    store: StoreDep,
    version: Annotated[int | None, Query(ge=1, description="A version; the latest when absent.")] = None,
) -> PipelineDocument:
    """A version of the pipeline (the latest by default), its text and what it says."""
    await services.require_company(store=store, company_id=company)
    found = await asyncio.to_thread(store.get_pipeline, company, name, version)
    if found is None:
        which = f"version {version} of pipeline" if version is not None else "pipeline"
        raise ApiError(404, "not_found", f"{which} '{name}' not found in company '{company}'")
    try:
        spec: PipelineSpec | None = await _parse(found.content, agents=None)
    except ApiError:
        spec = None
    return PipelineDocument(version=found, spec=spec)


@router.post("/pipelines/validate", response_model=PipelineValidated, openapi_extra=_DOCUMENT_BODY)
async def validate_pipeline(
    request: Request,
    client: ClientDep,
    store: StoreDep,
    caller: CallerDep,
    company: Annotated[
        str | None, Query(description="Check the steps' agents against this company's (or `company` in a JSON body).")
    ] = None,
) -> PipelineValidated:
    """Validate a document without storing it: 200 with what it says, 422 listing each problem.
    The steps' agents are checked only against a company's, when one is given."""
    text, named = await _document(request)
    company = company or named
    if company is not None:
        await _check_sees(store, caller, company)
    agents = None if company is None else await _agents(client, company)
    return PipelineValidated(spec=await _parse(text, agents=agents), agents_checked=agents is not None)


async def _check_sees(store: Store, caller: Caller, company: str) -> None:
    """404 unless the company exists and the caller may see it (it is not in the path, where
    `authorize` would have checked)."""
    if not caller.is_board:
        team = await asyncio.to_thread(store.company_team, company)
        if team is None or team not in caller.roles:
            raise ApiError(404, "not_found", f"company '{company}' not found")
    await services.require_company(store=store, company_id=company)
