"""Routines: recurring work as Temporal Schedules that give an agent a task or start a pipeline run."""

from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import APIRouter, Response, status
from pydantic import BaseModel

from api import schedules, services
from api.deps import ClientDep, ContextDep, StoreDep
from api.errors import ApiError
from api.pipeline_runs import PipelineSourceDep, find_pipeline
from api.projects import check_labels, require_project
from paperclip.errors import InvalidInput
from paperclip.models import AgentStatus, RoutineInfo, RoutineSpec
from paperclip.pipeline_runs import named, run_inputs
from paperclip.routines import RoutineError

router = APIRouter(prefix="/companies/{company}/routines", tags=["routines"])

_STATUS = {"invalid_input": (400, "invalid_input"), "not_found": (404, "not_found"), "conflict": (409, "conflict")}


class RoutineList(BaseModel):
    data: list[RoutineInfo]
    count: int


@contextmanager
def _answering_routine_errors() -> Iterator[None]:
    try:
        yield
    except RoutineError as err:
        code, name = _STATUS[err.kind]
        raise ApiError(code, name, str(err)) from None


@router.post("", status_code=status.HTTP_201_CREATED, response_model=RoutineInfo)
async def create_routine(
    company: str,
    body: RoutineSpec,
    client: ClientDep,
    store: StoreDep,
    context: ContextDep,
    source: PipelineSourceDep,
) -> RoutineInfo:
    """Create a routine; 400 for an unknown agent, a pipeline the company does not have or inputs
    that do not fit it, or a timing Temporal refuses; 409 for a taken name."""
    await services.require_company(store=store, company_id=company)
    await require_project(client=client, company_id=company, key=body.project)
    await check_labels(store=store, company_id=company, names=body.labels)
    if body.pipeline is not None:
        _check_pipeline(source, company, body)
    else:
        snapshot = await services.get_snapshot(client=client, company_id=company)
        agent = next((a for a in snapshot.agents if a.spec.name == body.agent), None)
        if agent is None:
            raise ApiError(400, "invalid_input", f"unknown agent '{body.agent}' in company '{company}'")
        if agent.status is AgentStatus.TERMINATED:
            raise ApiError(400, "invalid_input", f"agent '{body.agent}' is terminated")
    with _answering_routine_errors():
        return await schedules.create_routine(client, company_id=company, spec=body, task_queue=context.task_queue)


def _check_pipeline(source: PipelineSourceDep, company: str, body: RoutineSpec) -> None:
    """Refuse a pipeline routine for a pipeline the company does not have, or whose inputs do not
    fit its latest version (each fire checks them again, against the version of the day)."""
    assert body.pipeline is not None
    try:
        found = find_pipeline(source, company, body.pipeline)
    except ApiError:
        raise ApiError(400, "invalid_input", f"company '{company}' has no pipeline '{body.pipeline}'") from None
    try:
        run_inputs(named(found.spec), body.inputs)
    except InvalidInput as err:
        raise ApiError(400, "invalid_input", f"routine {body.name}: {err.message}") from None


@router.get("", response_model=RoutineList)
async def list_routines(company: str, client: ClientDep, store: StoreDep) -> RoutineList:
    """The company's routines with their next runs and latest actions (eventually consistent)."""
    await services.require_company(store=store, company_id=company)
    found = await schedules.list_routines(client, company_id=company)
    return RoutineList(data=found, count=len(found))


@router.get("/{name}", response_model=RoutineInfo)
async def get_routine(company: str, name: str, client: ClientDep) -> RoutineInfo:
    with _answering_routine_errors():
        return await schedules.get_routine(client, company_id=company, name=name)


@router.post("/{name}/pause", response_model=RoutineInfo)
async def pause_routine(company: str, name: str, client: ClientDep) -> RoutineInfo:
    """Stop firing until resumed (a trigger still runs it)."""
    with _answering_routine_errors():
        return await schedules.pause_routine(client, company_id=company, name=name)


@router.post("/{name}/resume", response_model=RoutineInfo)
async def resume_routine(company: str, name: str, client: ClientDep) -> RoutineInfo:
    with _answering_routine_errors():
        return await schedules.resume_routine(client, company_id=company, name=name)


@router.post("/{name}/trigger", status_code=status.HTTP_202_ACCEPTED, response_model=RoutineInfo)
async def trigger_routine(company: str, name: str, client: ClientDep) -> RoutineInfo:
    """Fire now; the company still skips it while the routine's last task is open (a pipeline
    routine: while its last run is running)."""
    with _answering_routine_errors():
        return await schedules.trigger_routine(client, company_id=company, name=name)


@router.delete("/{name}", status_code=status.HTTP_204_NO_CONTENT, response_class=Response)
async def delete_routine(company: str, name: str, client: ClientDep) -> Response:
    """Delete the routine; the tasks it created stay."""
    with _answering_routine_errors():
        await schedules.delete_routine(client, company_id=company, name=name)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
