"""Routines: recurring work, as Temporal Schedules that give an agent a task.

A routine is a schedule `routine:{company}:{name}` whose action starts a short `RoutineWorkflow`
(`routine-run:{company}:{name}-<scheduled time>`) on the company's task queue; that run signals
the company (`routine_fired`), which queues the task, or skips it while the routine's last task is
still open. The routine's definition travels in the schedule's memo, so Temporal is the only place
it lives; the company id is also a search attribute, for listing.

These are the client-side service functions (the API calls them); the routine's vocabulary
(`RoutineSpec`, the workflow's `RoutineInput`, …) is `paperclip.models.routines`.
"""

import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleBackfill,
    ScheduleDescription,
    ScheduleHandle,
    ScheduleIntervalSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleSpec,
    ScheduleState,
)
from temporalio.common import SearchAttributePair, TypedSearchAttributes
from temporalio.service import RPCError, RPCStatusCode

from paperclip.constants import SA_COMPANY, routine_schedule_id
from paperclip.models import SLUG
from paperclip.models.routines import CRON_FIELD, CRON_MACROS, RoutineInfo, RoutineInput, RoutineRun, RoutineSpec

ROUTINE_WORKFLOW = "RoutineWorkflow"
"""The workflow type a routine's schedule starts (`workflows.routine.RoutineWorkflow`)."""
MIN_CATCHUP_SECONDS = 10
"""The server's floor: a shorter catch-up window is raised to it."""
RUN_TIMEOUT = timedelta(hours=1)
"""A routine run only sends one signal; one that cannot within this (no worker) is given up,
so a stuck run does not hold the schedule's overlap policy forever."""
NEXT_RUNS_SHOWN = 5
MEMO_ROUTINE = "routine"
MEMO_COMPANY = "company"


class RoutineError(Exception):
    """A routine request that cannot be carried out; `kind` says why."""

    kind = "invalid"


class InvalidRoutine(RoutineError):
    kind = "invalid"


class RoutineNotFound(RoutineError):
    kind = "not_found"


class RoutineExists(RoutineError):
    kind = "conflict"


def check_cron(cron: str) -> None:
    """Refuse a cron that is not five fields or a macro. Temporal also reads six fields (a year
    last) and seven (seconds first, then a year), which would let a routine fire every second.

    Raises:
        InvalidRoutine: why, in a sentence that shows the form expected.
    """
    fields = cron.split()
    if len(fields) == 1 and fields[0] in CRON_MACROS:
        return
    if fields and fields[0].startswith("@"):
        reason = f"the macros are {', '.join(CRON_MACROS)} (for an interval give every)"
    elif len(fields) != 5:
        reason = (
            f"a cron is five fields, minute hour day-of-month month day-of-week (e.g. '0 9 * * 1-5'), or a macro "
            f"such as @daily; this one has {len(fields)} (no seconds or years: a routine fires at most once a minute)"
        )
    elif bad := next((field for field in fields if not re.fullmatch(CRON_FIELD, field)), None):
        reason = f"'{bad}' is not a cron field (digits, names such as mon or jan, and * , - /)"
    else:
        return
    raise InvalidRoutine(f"invalid timing (cron '{cron}'): {reason}")


# ---------------------------------------------------------------------- schedule ⇄ routine


def build_schedule(company_id: str, spec: RoutineSpec, *, task_queue: str) -> Schedule:
    """The Temporal Schedule of a routine."""
    run = RoutineInput(company_id=company_id, routine=spec.name, task=spec.task(), skip_if_open=spec.skip_if_open)
    return Schedule(
        action=ScheduleActionStartWorkflow(
            ROUTINE_WORKFLOW,
            run,
            id=f"routine-run:{company_id}:{spec.name}",
            task_queue=task_queue,
            execution_timeout=RUN_TIMEOUT,
            typed_search_attributes=_company_attribute(company_id),
        ),
        spec=ScheduleSpec(
            cron_expressions=[spec.cron] if spec.cron else [],
            intervals=[ScheduleIntervalSpec(every=timedelta(seconds=spec.every))] if spec.every else [],
            time_zone_name=spec.time_zone,
        ),
        policy=SchedulePolicy(
            overlap=ScheduleOverlapPolicy.SKIP if spec.skip_if_open else ScheduleOverlapPolicy.ALLOW_ALL,
            catchup_window=timedelta(seconds=max(spec.catchup_seconds, MIN_CATCHUP_SECONDS)),
        ),
        state=ScheduleState(note=f"routine {spec.name} of {company_id}"),
    )


def _company_attribute(company_id: str) -> TypedSearchAttributes:
    return TypedSearchAttributes([SearchAttributePair(SA_COMPANY, company_id)])


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


# ---------------------------------------------------------------------- service


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
            search_attributes=_company_attribute(company_id),
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
