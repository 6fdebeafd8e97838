"""Pipeline runs through the API: start one (`PipelineWorkflow`), read them, cancel one.

A run starts from the company's stored pipeline, which the API finds through `PipelineSource`
(the store's pipelines). With an `Idempotency-Key` the run's id comes from the key, so the same
key twice starts one run: a repeat answers the run its first attempt started.

A run is read from its workflow while Temporal keeps it, else from the store's record. A
pipeline's runs are listed from the store's records (kept after Temporal's retention), newest
first: the record of a running run is written as it starts and ends, so for each one still
running its workflow is asked for its live state (the record stands if the workflow is gone).
A store that keeps no runs lists them from Temporal's visibility instead.
"""

import asyncio
import hashlib
import uuid
from collections.abc import Collection
from typing import Annotated, Any, Protocol, runtime_checkable

import jsonschema
from fastapi import Depends
from pydantic import BaseModel, Field
from temporalio.client import Client, WorkflowHandle
from temporalio.common import SearchAttributePair, TypedSearchAttributes
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from api.deps import ContextDep
from api.errors import ApiError
from api.services import STARTED_FOR, _started_for
from paperclip.constants import SA_COMPANY, pipeline_workflow_id
from paperclip.errors import InvalidInput
from paperclip.idempotency import RequestKey
from paperclip.models.pipeline_records import PipelineRunRecord
from paperclip.models.pipeline_steps import PipelineCancel
from paperclip.models.pipelines import PipelineRunInput, PipelineRunState, PipelineSpec, RunStatus
from paperclip.models.projects import ProjectKey
from paperclip.pipeline_runs import named, run_inputs
from paperclip.pipelines import PipelineInvalid, parse
from paperclip.templates import TemplateError, builtin_registry, load_registry
from workflows.pipeline import PipelineWorkflow

MEMO_PIPELINE = "pipeline"
"""The run's pipeline's name, in its workflow's memo (to list a pipeline's runs)."""
LISTED = 50
"""Runs a list shows at most (newest first)."""


class StoredPipeline(BaseModel):
    """A company's pipeline as stored: the version a run pins."""

    spec: PipelineSpec
    version: int
    digest: str


@runtime_checkable
class PipelineSource(Protocol):
    """Where the API finds a company's pipeline (the store's pipelines)."""

    def get_pipeline(self, company_id: str, name: str) -> StoredPipeline | None: ...


class StoredPipelines:
    """The store's pipelines, each latest version parsed as the run will read it (its document
    was checked when it was added: the company's agents may have changed since, which the
    company's own checks of each step's task catch)."""

    def __init__(self, store: Any) -> None:
        self.store = store

    def get_pipeline(self, company_id: str, name: str) -> StoredPipeline | None:
        found = self.store.get_pipeline(company_id, name)
        if found is None:
            return None
        spec = parse(found.content, templates=_templates())
        return StoredPipeline(spec=spec, version=found.version, digest=found.digest)


def _templates() -> Collection[str]:
    """The agent templates a stored document's steps may hire from: the built-in and custom ones
    as they are now (the built-ins alone when a custom file is broken: adding told of it)."""
    try:
        return load_registry().agents.keys()
    except TemplateError:
        return builtin_registry().agents.keys()


def pipeline_source(context: ContextDep) -> PipelineSource | None:
    """The store's pipelines, when it keeps them."""
    store: Any = context.store
    return StoredPipelines(store) if callable(getattr(store, "get_pipeline", None)) else None


PipelineSourceDep = Annotated[PipelineSource | None, Depends(pipeline_source)]


class RunPipelineBody(BaseModel):
    inputs: dict[str, Any] = Field(default_factory=dict)
    project: ProjectKey | None = None
    """The project its steps' tasks belong to."""


class CancelRunBody(BaseModel):
    reason: str = Field(default="", max_length=2_000)


class PipelineRunList(BaseModel):
    data: list[PipelineRunState]
    count: int
    """How many runs the pipeline has in all (`data` is one page of them)."""


def find_pipeline(source: PipelineSource | None, company_id: str, name: str) -> StoredPipeline:
    """The company's pipeline a run starts from: 404 when there is none, 409 when its document no
    longer validates (an agent template it hires from is gone)."""
    try:
        found = source.get_pipeline(company_id, name) if source is not None else None
    except PipelineInvalid as error:
        problems = [p.model_dump() for p in error.problems]
        raise ApiError(409, "conflict", f"pipeline '{name}' no longer validates: {error}", problems) from None
    if found is None:
        raise ApiError(404, "not_found", f"pipeline '{name}' not found in company '{company_id}'")
    return found


def check_schemas(spec: PipelineSpec) -> None:
    """Refuse a document whose output schemas are not JSON schemas (a run could never pass one)."""
    for step in spec.steps:
        if step.output_schema is not None:
            try:
                jsonschema.Draft202012Validator.check_schema(step.output_schema)
            except jsonschema.exceptions.SchemaError as err:
                raise ApiError(
                    400, "invalid_input", f"step {step.id or step.agent}: output_schema: {err.message}"
                ) from None


def run_id_for(key: RequestKey | None) -> str:
    """A new run's id: from the idempotency key (the same key, the same run), else random."""
    if key is None:
        return uuid.uuid4().hex[:16]
    return hashlib.sha256(key.scope.encode()).hexdigest()[:16]


async def start_run(
    *,
    client: Client,
    task_queue: str,
    company_id: str,
    pipeline: StoredPipeline,
    inputs: dict[str, Any],
    actor: str,
    key: RequestKey | None,
    project: str | None = None,
) -> PipelineRunState:
    """Start a run of `pipeline` (its inputs checked); a repeat of the request with the same key
    answers the run it started.

    Raises:
        ApiError: 400 for inputs that do not fit, 409 for a key used for another run, 422 for a
            key used with another request.
    """
    spec = named(pipeline.spec)
    try:
        values = run_inputs(spec, inputs)
    except InvalidInput as err:
        raise ApiError(400, "invalid_input", err.message) from None
    check_schemas(spec)
    run_id = run_id_for(key)
    workflow_id = pipeline_workflow_id(company_id, run_id)
    run = PipelineRunInput(
        company_id=company_id,
        run_id=run_id,
        pipeline=spec.name,
        version=pipeline.version,
        digest=pipeline.digest,
        spec=spec,
        inputs=values,
        started_by=actor,
        project=project,
    )
    memo: dict[str, Any] = {MEMO_PIPELINE: spec.name}
    if key is not None:
        memo[STARTED_FOR] = key.marker
    try:
        await client.start_workflow(
            PipelineWorkflow.run,
            run,
            id=workflow_id,
            task_queue=task_queue,
            memo=memo,
            search_attributes=TypedSearchAttributes([SearchAttributePair(SA_COMPANY, company_id)]),
        )
    except WorkflowAlreadyStartedError:
        if not await _started_for(client, workflow_id, key):
            raise ApiError(409, "conflict", f"run '{run_id}' already exists") from None
    return await run_state(client, company_id, run_id)


def _handle(client: Client, company_id: str, run_id: str) -> WorkflowHandle[PipelineWorkflow, PipelineRunState]:
    return client.get_workflow_handle_for(PipelineWorkflow.run, pipeline_workflow_id(company_id, run_id))


async def run_state(client: Client, company_id: str, run_id: str, store: Any = None) -> PipelineRunState:
    """A run as its workflow reports it, else as the store kept it (404 for no such run)."""
    try:
        state: PipelineRunState = await _handle(client, company_id, run_id).query(PipelineWorkflow.run_state)
    except RPCError as err:
        if err.status != RPCStatusCode.NOT_FOUND:
            raise
        getter = getattr(store, "get_pipeline_run", None)
        record = None if getter is None else await asyncio.to_thread(getter, company_id, run_id)
        if record is None:
            raise ApiError(404, "not_found", f"pipeline run '{run_id}' not found in company '{company_id}'") from None
        return record.state
    return state


async def list_runs(
    client: Client, company_id: str, pipeline: str, store: Any = None, *, limit: int = LISTED, offset: int = 0
) -> PipelineRunList:
    """The pipeline's runs in the company, newest first (see the module docstring)."""
    lister = getattr(store, "list_pipeline_runs", None)
    if lister is None:
        found = await _listed_by_temporal(client, company_id, pipeline, limit)
        return PipelineRunList(data=found, count=len(found))
    records, total = await asyncio.to_thread(lister, company_id, pipeline=pipeline, limit=limit, offset=offset)
    return PipelineRunList(data=[await _live(client, r) for r in records], count=total)


async def _live(client: Client, record: PipelineRunRecord) -> PipelineRunState:
    """A kept run as it stands: a running one's state from its workflow, if Temporal has it."""
    if record.status is not RunStatus.RUNNING:
        return record.state
    try:
        state: PipelineRunState = await _handle(client, record.company_id, record.run_id).query(
            PipelineWorkflow.run_state
        )
    except RPCError:
        return record.state
    return state


async def _listed_by_temporal(client: Client, company_id: str, pipeline: str, limit: int) -> list[PipelineRunState]:
    found: list[PipelineRunState] = []
    query = f"WorkflowId STARTS_WITH '{pipeline_workflow_id(company_id, '')}' AND WorkflowType = 'PipelineWorkflow'"
    async for execution in client.list_workflows(query):
        if (await execution.memo_value(MEMO_PIPELINE, default=None)) != pipeline:
            continue
        found.append(await run_state(client, company_id, execution.id.rpartition(":")[2]))
        if len(found) >= limit:
            break
    return found


async def cancel_run(client: Client, company_id: str, run_id: str, *, reason: str, actor: str) -> PipelineRunState:
    """Stop a run: every running step's task is cancelled (409 for a run that has ended)."""
    now = await run_state(client, company_id, run_id)
    if now.status is not RunStatus.RUNNING:
        raise ApiError(409, "conflict", f"run '{run_id}' is {now.status}")
    state: PipelineRunState = await _handle(client, company_id, run_id).execute_update(
        PipelineWorkflow.cancel, PipelineCancel(reason=reason, actor=actor)
    )
    return state
