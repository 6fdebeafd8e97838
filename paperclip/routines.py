"""Routines: recurring work, as Temporal Schedules that give an agent a task or start a pipeline run.

A routine is a schedule `routine:{company}:{name}` whose action starts a short `RoutineWorkflow`
(`routine-run:{company}:{name}-<scheduled time>`) on the company's task queue; that run signals
the company (`routine_fired`), which queues the task, or skips it while the routine's last task is
still open. A pipeline routine's run starts a pipeline run instead (`workflows.routine_pipeline`).
The routine's definition travels in the schedule's memo, so Temporal is the only place it lives;
the company id is also a search attribute, for listing.

Here are what the API and the workflow share: the schedule a routine is (`build_schedule`), its
cron's check and its errors. The API's calls to Temporal's schedules are `api/schedules.py`; the
routine's vocabulary (`RoutineSpec`, the workflow's `RoutineInput`, …) is `paperclip.models.routines`.
"""

import re
from datetime import timedelta

from temporalio.client import (
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleIntervalSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleSpec,
    ScheduleState,
)
from temporalio.common import SearchAttributePair, TypedSearchAttributes

from paperclip.constants import SA_COMPANY
from paperclip.errors import PaperclipError
from paperclip.models.routines import CRON_FIELD, CRON_MACROS, RoutineInput, RoutineSpec

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


class RoutineError(PaperclipError):
    """A routine request that cannot be carried out; `kind` says why."""

    kind = "invalid_input"


class InvalidRoutine(RoutineError):
    kind = "invalid_input"


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
    run = RoutineInput(company_id=company_id, routine=spec.name, skip_if_open=spec.skip_if_open)
    if spec.pipeline is not None:
        run = run.model_copy(update={"pipeline": spec.pipeline, "inputs": spec.inputs, "project": spec.project})
    else:
        run = run.model_copy(update={"task": spec.task()})
    return Schedule(
        action=ScheduleActionStartWorkflow(
            ROUTINE_WORKFLOW,
            run,
            id=f"routine-run:{company_id}:{spec.name}",
            task_queue=task_queue,
            execution_timeout=RUN_TIMEOUT,
            typed_search_attributes=company_attribute(company_id),
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


def company_attribute(company_id: str) -> TypedSearchAttributes:
    """The search attribute that lists a routine's schedule (and its runs) under its company."""
    return TypedSearchAttributes([SearchAttributePair(SA_COMPANY, company_id)])
