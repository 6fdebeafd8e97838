"""Pipeline runs: start one of a company's pipelines, list its runs, read and cancel a run."""

from typing import Annotated

from fastapi import APIRouter, Query, status

from api import pipeline_runs as runs
from api import services
from api.auth import CallerDep
from api.deps import ClientDep, ContextDep, StoreDep
from api.idempotency import IdempotencyDep
from api.projects import require_project
from paperclip.models.pipelines import PipelineRunState

router = APIRouter(prefix="/companies/{company}", tags=["pipelines"])


@router.post("/pipelines/{name}/runs", status_code=status.HTTP_201_CREATED, response_model=PipelineRunState)
async def start_pipeline_run(
    company: str,
    name: str,
    body: runs.RunPipelineBody,
    client: ClientDep,
    store: StoreDep,
    context: ContextDep,
    caller: CallerDep,
    source: runs.PipelineSourceDep,
    key: IdempotencyDep,
) -> PipelineRunState:
    """Start a run with `inputs`; with an `Idempotency-Key`, the same key twice starts one run.
    400 for inputs that do not fit the pipeline, 404 for an unknown company or pipeline."""
    await services.require_company(store=store, company_id=company)
    pipeline = runs.find_pipeline(source, company, name)
    await require_project(client=client, company_id=company, key=body.project)
    return await runs.start_run(
        client=client,
        task_queue=context.task_queue,
        company_id=company,
        pipeline=pipeline,
        inputs=body.inputs,
        actor=caller.actor,
        key=key,
        project=body.project,
    )


@router.get("/pipelines/{name}/runs", response_model=runs.PipelineRunList)
async def list_pipeline_runs(
    company: str,
    name: str,
    client: ClientDep,
    store: StoreDep,
    limit: Annotated[int, Query(ge=1, le=200)] = runs.LISTED,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> runs.PipelineRunList:
    """The pipeline's runs, newest first, as the store keeps them (after Temporal forgot them
    too): status, steps, outputs' excerpts and spend; a running run as its workflow reports it
    now. `count` is how many runs there are in all."""
    await services.require_company(store=store, company_id=company)
    return await runs.list_runs(client, company, name, store, limit=limit, offset=offset)


@router.get("/pipeline-runs/{run}", response_model=PipelineRunState)
async def get_pipeline_run(company: str, run: str, client: ClientDep, store: StoreDep) -> PipelineRunState:
    """A run: its status, each step's state, task, output (excerpt and reference) and spend
    (from the store once Temporal no longer keeps it)."""
    await services.require_company(store=store, company_id=company)
    return await runs.run_state(client, company, run, store)


@router.post("/pipeline-runs/{run}/cancel", response_model=PipelineRunState)
async def cancel_pipeline_run(
    company: str, run: str, body: runs.CancelRunBody, client: ClientDep, store: StoreDep, caller: CallerDep
) -> PipelineRunState:
    """Stop a run: no step starts any more and every running step's task is cancelled; 409 for a
    run that has ended."""
    await services.require_company(store=store, company_id=company)
    return await runs.cancel_run(client, company, run, reason=body.reason, actor=caller.actor)
