"""Routines: recurring work, as Temporal Schedules that give an agent a task.

A routine is a schedule `routine:{company}:{name}` whose action starts a short `RoutineWorkflow`
(`routine-run:{company}:{name}-<scheduled time>`) on the company's task queue; that run signals
the company (`routine_fired`), which queues the task, or skips it while the routine's last task is
still open. The routine's definition travels in the schedule's memo, so Temporal is the only place
it lives; the company id is also a search attribute, for listing.

These are the client-side service functions (the API calls them); `RoutineInput` is the
workflow's input.
"""

import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema, field_validator, model_validator
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
from paperclip.models import NOT_BLANK, SLUG, CreateTaskInput, Priority, Slug, check_slug

ROUTINE_WORKFLOW = "RoutineWorkflow"
"""The workflow type a routine's schedule starts (`workflows.routine.RoutineWorkflow`)."""
DEFAULT_CATCHUP_SECONDS = 60
"""Runs missed while Temporal was down are made up if at most this late."""
MIN_CATCHUP_SECONDS = 10
"""The server's floor: a shorter catch-up window is raised to it."""
MIN_EVERY_SECONDS = 60
"""The shortest interval: nothing fires more than once a minute (a cron has no seconds field)."""
RUN_TIMEOUT = timedelta(hours=1)
"""A routine run only sends one signal; one that cannot within this (no worker) is given up,
so a stuck run does not hold the schedule's overlap policy forever."""
NEXT_RUNS_SHOWN = 5
MEMO_ROUTINE = "routine"
MEMO_COMPANY = "company"

_DURATION = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")

CRON_MACROS = ("@hourly", "@daily", "@midnight", "@weekly", "@monthly", "@yearly", "@annually")
"""The shorthands Temporal reads for a five-field cron (`@daily` is `0 0 * * *`)."""
_CRON_FIELD = r"[0-9A-Za-z*,/-]+"
CRON_PATTERN = (
    rf"^[ \t]*(@(hourly|daily|midnight|weekly|monthly|yearly|annually)|{_CRON_FIELD}([ \t]+{_CRON_FIELD}){{4}})[ \t]*$"
)
"""What the API takes as a cron (its OpenAPI schema says so): five fields on one line, or a macro."""
DURATION_PATTERN = (
    r"^\s*([0-9]+|[0-9]+[dD]([0-9]+[hH])?([0-9]+[mM])?([0-9]+[sS])?|[0-9]+[hH]([0-9]+[mM])?([0-9]+[sS])?"
    r"|[0-9]+[mM]([0-9]+[sS])?|[0-9]+[sS])\s*$"
)
"""A duration text `parse_duration` reads (`90s`, `15m`, `1h30m`, `2d`, `3600`), for the schema."""
_DURATION_SCHEMA = {"type": "string", "pattern": DURATION_PATTERN}
MAX_CATCHUP_SECONDS = 366 * 86_400

EverySeconds = Annotated[
    int,
    Field(ge=MIN_EVERY_SECONDS),
    WithJsonSchema({"anyOf": [{"type": "integer", "minimum": MIN_EVERY_SECONDS}, _DURATION_SCHEMA]}),
]
"""An interval in seconds, also taken as a duration text (`RoutineSpec._duration`), as the schema says."""
CatchupSeconds = Annotated[
    int,
    Field(ge=0, le=MAX_CATCHUP_SECONDS),
    WithJsonSchema({"anyOf": [{"type": "integer", "minimum": 0, "maximum": MAX_CATCHUP_SECONDS}, _DURATION_SCHEMA]}),
]


class RoutineError(Exception):
    """A routine request that cannot be carried out; `kind` says why."""

    kind = "invalid"


class InvalidRoutine(RoutineError):
    kind = "invalid"


class RoutineNotFound(RoutineError):
    kind = "not_found"


class RoutineExists(RoutineError):
    kind = "conflict"


def parse_duration(text: str | int) -> int:
    """`"1h30m"`, `"90s"`, `"2d"` or a number of seconds → seconds.

    Raises:
        ValueError: the text is not a duration.
    """
    if isinstance(text, int):
        return text
    value = text.strip().lower()
    if value.isdigit():
        return int(value)
    match = _DURATION.match(value)
    if not value or match is None:
        raise ValueError(f"'{text}' is not a duration (e.g. 90s, 15m, 1h, 1h30m, 1d)")
    days, hours, minutes, seconds = (int(part or 0) for part in match.groups())
    return ((days * 24 + hours) * 60 + minutes) * 60 + seconds


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
    elif bad := next((field for field in fields if not re.fullmatch(_CRON_FIELD, field)), None):
        reason = f"'{bad}' is not a cron field (digits, names such as mon or jan, and * , - /)"
    else:
        return
    raise InvalidRoutine(f"invalid timing (cron '{cron}'): {reason}")


class RoutineSpec(BaseModel):
    """A routine as defined: when it fires (exactly one of `cron` and `every`) and the task it gives whom."""

    name: Slug = ""
    """Its name in the company; none: the title's words (`Daily stand-up` → `daily-stand-up`)."""
    cron: Annotated[str, Field(json_schema_extra={"pattern": CRON_PATTERN})] | None = Field(
        default=None,
        max_length=200,
        description="Five fields, minute hour day-of-month month day-of-week (`0 9 * * 1-5`), or one of "
        "@hourly, @daily, @midnight, @weekly, @monthly, @yearly, @annually; in `time_zone`, UTC by default. "
        "No seconds or years field: a routine fires at most once a minute. Give this or `every`, not both.",
    )
    every: EverySeconds | None = Field(
        default=None,
        description="Or an interval: seconds (at least 60) or a duration text such as `90s`, `15m`, `1h30m`, `1d`.",
    )
    time_zone: str | None = Field(default=None, max_length=64, description="The cron's IANA time zone (UTC if none).")
    agent: str
    title: str = Field(min_length=1, max_length=500, json_schema_extra={"pattern": NOT_BLANK})
    brief: str = Field(default="", max_length=100_000)
    priority: Priority = Priority.MEDIUM
    skip_if_open: bool = True
    """Overlap policy: no new task while the routine's last one is still open."""
    catchup_seconds: CatchupSeconds = Field(
        default=DEFAULT_CATCHUP_SECONDS,
        description="How late a run missed while Temporal was down may still happen: seconds or a duration "
        "text (0: the server's minimum, 10 s).",
    )

    model_config = ConfigDict(
        json_schema_extra={
            "oneOf": [
                {"required": ["cron"], "properties": {"cron": {"type": "string"}, "every": {"type": "null"}}},
                {
                    "required": ["every"],
                    "properties": {"every": {"type": ["integer", "string"]}, "cron": {"type": "null"}},
                },
            ]
        }
    )

    @model_validator(mode="before")
    @classmethod
    def _name_from_title(cls, data: Any) -> Any:
        """No name: the title's words, lowercased and joined by '-' (`Daily stand-up` → `daily-stand-up`)."""
        if isinstance(data, dict) and not data.get("name") and isinstance(data.get("title"), str):
            return data | {"name": re.sub(r"[^a-z0-9]+", "-", data["title"].lower()).strip("-")[:63].rstrip("-")}
        return data

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        return check_slug(v, "routine name")

    @field_validator("every", "catchup_seconds", mode="before")
    @classmethod
    def _duration(cls, v: Any) -> Any:
        return parse_duration(v) if isinstance(v, str) else v

    @field_validator("cron")
    @classmethod
    def _cron(cls, v: str | None) -> str | None:
        if v is not None and (not v.strip() or "\n" in v):
            raise ValueError("cron must be one line, e.g. '0 9 * * 1-5'")
        return None if v is None else v.strip()

    @field_validator("title")
    @classmethod
    def _title(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("title must not be blank")
        return v.strip()

    @model_validator(mode="after")
    def _one_timing(self) -> Self:
        if (self.cron is None) == (self.every is None):
            raise ValueError("give either cron or every")
        return self

    def task(self) -> CreateTaskInput:
        return CreateTaskInput(title=self.title, brief=self.brief, assignee=self.agent, priority=self.priority)


class RoutineInput(BaseModel):
    """Input of one scheduled run of a routine (`RoutineWorkflow`)."""

    company_id: str
    routine: str
    task: CreateTaskInput
    skip_if_open: bool = True


class RoutineRunResult(BaseModel):
    fire_id: str
    """The run's workflow id, which the company keys repeats by."""


class RoutineRun(BaseModel):
    """One action the schedule took."""

    scheduled_at: datetime
    started_at: datetime
    workflow_id: str


class RoutineInfo(RoutineSpec):
    """A routine with its schedule's state."""

    company_id: str
    schedule_id: str
    paused: bool
    note: str | None = None
    next_runs: list[datetime]
    recent_actions: list[RoutineRun]
    """The latest runs, oldest first (Temporal keeps the last 10)."""
    actions: int
    skipped_overlap: int
    missed_catchup: int
    created_at: datetime


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
