"""Scheduled backups: a system routine, the Temporal Schedule `paperclip-backup`.

Every `PAPERCLIP_BACKUP_EVERY` (default an hour) the schedule starts `BackupWorkflow`, whose one
activity (`activities.backup`) makes an archive on a worker and removes those older than
`PAPERCLIP_BACKUP_KEEP_DAYS` (default 30). `paperclip worker` (which `paperclip up` runs) makes
or updates the schedule at its start (`ensure_schedule`), and removes it when backups are off
(`PAPERCLIP_BACKUP_EVERY=0`); so does every worker of a cluster, to the same effect. Workers
built in tests (`workers.main.build_workers`) do not: no test stack gets a schedule it did not ask for.
"""

import logging
from datetime import timedelta

from pydantic import BaseModel
from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleIntervalSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleSpec,
    ScheduleState,
)

from paperclip.constants import Activity
from paperclip.settings import Settings
from paperclip.system_schedule import Outcome, ensure_system_schedule

log = logging.getLogger("paperclip.backup")

SCHEDULE_ID = "paperclip-backup"
BACKUP_WORKFLOW = "BackupWorkflow"
BACKUP_ACTIVITY = Activity.CREATE_BACKUP
RUN_TIMEOUT = timedelta(hours=2)
"""A run that cannot finish in this (no worker, a stuck dump) is given up; the next one tries again."""


class BackupInput(BaseModel):
    """One scheduled backup: how many days of archives to keep after it."""

    keep_days: int = 30


class BackupResult(BaseModel):
    """What a scheduled backup made (`archive` empty: skipped, backups are off on that worker)."""

    archive: str = ""
    size: int = 0
    summary: str = ""
    pruned: list[str] = []


def build_schedule(settings: Settings) -> Schedule:
    """The schedule of the settings' backups (their interval, retention and task queue)."""
    return Schedule(
        action=ScheduleActionStartWorkflow(
            BACKUP_WORKFLOW,
            BackupInput(keep_days=settings.backup_keep_days),
            id=f"{SCHEDULE_ID}-run",
            task_queue=settings.task_queue,
            execution_timeout=RUN_TIMEOUT,
        ),
        spec=ScheduleSpec(intervals=[ScheduleIntervalSpec(every=timedelta(seconds=settings.backup_every))]),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),  # one backup at a time
        state=ScheduleState(note=f"backups every {settings.backup_every}s, kept {settings.backup_keep_days} days"),
    )


async def ensure_schedule(client: Client, settings: Settings) -> Outcome:
    """Make the backup schedule as the settings say: created if absent, updated to them if not,
    removed when backups are off. Safe to run at every start, from every worker."""
    schedule = build_schedule(settings) if settings.backup_every else None
    return await ensure_system_schedule(client, SCHEDULE_ID, schedule)
