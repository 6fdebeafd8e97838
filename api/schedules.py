"""Routines' schedules in Temporal, as the API makes, lists, pauses, fires and deletes them.

A routine is a Temporal Schedule whose memo holds its definition (`paperclip.routines`): nothing
else keeps it, so every answer here is read back from Temporal.
"""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from temporalio.client import (
    Client,
    ScheduleAlreadyRunningError,
    ScheduleBackfill,
    ScheduleDescription,
    ScheduleHandle,
    ScheduleOverlapPolicy,
)
from temporalio.service import RPCError, RPCStatusCode

from paperclip.constants import SA_COMPANY, routine_schedule_id
from paperclip.models import SLUG
from paperclip.models.routines import RoutineInfo, RoutineRun, RoutineSpec
from paperclip.routines import (
    MEMO_COMPANY,
    MEMO_ROUTINE,
    NEXT_RUNS_SHOWN,
    InvalidRoutine,
    RoutineExists,
    RoutineNotFound,
    build_schedule,
    check_cron,
    company_attribute,
)


async def _info(company_id: str, description: ScheduleDescription) -> RoutineInfo:
    memo: Mapping[str, Any] = await description.memo()
    if memo.get(MEMO_COMPANY) != company_id or not isinstance(memo.get(MEMO_ROUTINE), dict):
        raise RoutineNotFound(f"schedule '{description.id}' is not a routine of '{company_id}'")
    spec = RoutineSpec.model_validate(memo[MEMO_ROUTINE])
    info = description.info
    runs = [
        RoutineRun(
            scheduled_at=action.scheduled_at,
            started_at=action.started_at,
            workflow_id=getattr(action.action, "workflow_id", ""),
            run_id=getattr(action.action, "first_execution_run_id", ""),
        )
        for action in info.recent_actions
    ]
    return RoutineInfo(
        **spec.model_dump(),
        company_id=company_id,
        schedule_id=description.id,
        paused=description.schedule.state.paused,
        note=description.schedule.state.note,
        next_runs=list(info.next_action_times[:NEXT_RUNS_SHOWN]),
        recent_actions=runs,
        actions=info.num_actions,
        skipped_overlap=info.num_actions_skipped_overlap,
        missed_catchup=info.num_actions_missed_catchup_window,
        created_at=info.created_at,
    )


def _handle(client: Client, company_id: str, name: str) -> ScheduleHandle:
    if not SLUG.fullmatch(name):
        raise RoutineNotFound(f"routine '{name}' not found in company '{company_id}'")
    return client.get_schedule_handle(routine_schedule_id(company_id, name))


async def _describe(client: Client, company_id: str, name: str) -> RoutineInfo:
    try:
        description = await _handle(client, company_id, name).describe()
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND:
            raise RoutineNotFound(f"routine '{name}' not found in company '{company_id}'") from None
        raise
    return await _info(company_id, description)


async def create_routine(client: Client, *, company_id: str, spec: RoutineSpec, task_queue: str) -> RoutineInfo:
    """Create the routine's schedule; the agent is checked by the caller (it knows the company).

    Raises:
        InvalidRoutine: the cron is not five fields or a macro (`check_cron`), or Temporal refused
            the timing (a value out of range, an unknown time zone).
        RoutineExists: the company has a routine of that name.
    """
    if spec.cron is not None:
        check_cron(spec.cron)
    try:
        await client.create_schedule(
            routine_schedule_id(company_id, spec.name),
            build_schedule(company_id, spec, task_queue=task_queue),
            memo={MEMO_COMPANY: company_id, MEMO_ROUTINE: spec.model_dump(mode="json")},
            search_attributes=company_attribute(company_id),
        )
    except ScheduleAlreadyRunningError:
        raise RoutineExists(f"routine '{spec.name}' already exists in company '{company_id}'") from None
    except RPCError as err:
        if err.status == RPCStatusCode.INVALID_ARGUMENT:
            timing = f"cron '{spec.cron}'" if spec.cron else f"every {spec.every} s"
            zone = f" in time zone '{spec.time_zone}'" if spec.time_zone else ""
            reason = err.message.removeprefix("Invalid schedule spec: ")
            raise InvalidRoutine(f"invalid timing ({timing}{zone}): {reason}") from None
        raise
    return await _describe(client, company_id, spec.name)


async def list_routines(client: Client, *, company_id: str) -> list[RoutineInfo]:
    """The company's routines by name. Listing is eventually consistent: a routine created a
    moment ago may show up a moment later."""
    if not SLUG.fullmatch(company_id):
        return []
    prefix = routine_schedule_id(company_id, "")
    ids = [
        entry.id
        async for entry in await client.list_schedules(query=f"{SA_COMPANY.name} = '{company_id}'")
        if entry.id.startswith(prefix)
    ]
    routines: list[RoutineInfo] = []
    for schedule_id in sorted(set(ids)):
        try:
            routines.append(await _describe(client, company_id, schedule_id.removeprefix(prefix)))
        except RoutineNotFound:
            continue  # deleted since the (eventually consistent) listing
    return routines


async def get_routine(client: Client, *, company_id: str, name: str) -> RoutineInfo:
    return await _describe(client, company_id, name)


async def pause_routine(client: Client, *, company_id: str, name: str, note: str | None = None) -> RoutineInfo:
    await get_routine(client, company_id=company_id, name=name)
    await _handle(client, company_id, name).pause(note=note or "paused")
    return await get_routine(client, company_id=company_id, name=name)


async def resume_routine(client: Client, *, company_id: str, name: str, note: str | None = None) -> RoutineInfo:
    await get_routine(client, company_id=company_id, name=name)
    await _handle(client, company_id, name).unpause(note=note or "resumed")
    return await get_routine(client, company_id=company_id, name=name)


async def delete_routine(client: Client, *, company_id: str, name: str) -> None:
    """Delete the schedule; tasks it created stay."""
    await get_routine(client, company_id=company_id, name=name)
    await _handle(client, company_id, name).delete()


async def trigger_routine(client: Client, *, company_id: str, name: str) -> RoutineInfo:
    """Fire the routine now (also when paused); the company still skips while its last task is open."""
    await get_routine(client, company_id=company_id, name=name)
    await _handle(client, company_id, name).trigger(overlap=ScheduleOverlapPolicy.ALLOW_ALL)
    return await get_routine(client, company_id=company_id, name=name)


async def backfill_routine(client: Client, *, company_id: str, name: str, start: datetime, end: datetime) -> None:
    """Take the actions the routine would have taken between `start` and `end`, now."""
    await get_routine(client, company_id=company_id, name=name)
    await _handle(client, company_id, name).backfill(
        ScheduleBackfill(start_at=start, end_at=end, overlap=ScheduleOverlapPolicy.ALLOW_ALL)
    )
