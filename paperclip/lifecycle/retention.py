"""Retention: what the store keeps, for how long, and the daily purge of the rest.

Each kind has its setting of days (0: forever) and its purge in the store:

| kind            | setting                             | what goes                                           |
|-----------------|-------------------------------------|-----------------------------------------------------|
| `conversations` | `PAPERCLIP_CONVERSATIONS_KEEP_DAYS` | a finished task's messages (and search entries)     |
| `tool_outputs`  | `PAPERCLIP_TOOL_OUTPUTS_KEEP_DAYS`  | stored long tool outputs                            |
| `activity`      | `PAPERCLIP_ACTIVITY_KEEP_DAYS`      | activity log entries                                |
| `attachments`   | `PAPERCLIP_ATTACHMENTS_KEEP_DAYS`   | a finished task's files: records and bytes          |

The system routine `paperclip-purge` (a Temporal Schedule, daily) starts `PurgeWorkflow`, whose one
activity (`activities.purge`) runs `purge_expired` on a worker; `paperclip purge --expired` runs
the same at once. The worker makes the schedule at its start (`ensure_purge_schedule`), as it
makes the backup's, and removes it when every kind is kept forever. A new kind of stored data is
one more `RetentionKind`, its setting and its entry in `PURGES`.
"""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from enum import StrEnum

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

from paperclip.attachments import AttachmentStorage
from paperclip.constants import Activity
from paperclip.settings import Settings
from paperclip.store import Store
from paperclip.system_schedule import Outcome, ensure_system_schedule

SCHEDULE_ID = "paperclip-purge"
PURGE_WORKFLOW = "PurgeWorkflow"
PURGE_ACTIVITY = Activity.PURGE_EXPIRED
EVERY = timedelta(days=1)
RUN_TIMEOUT = timedelta(hours=2)
"""A run that cannot finish in this is given up; the next day's tries again."""


class RetentionKind(StrEnum):
    CONVERSATIONS = "conversations"
    TOOL_OUTPUTS = "tool_outputs"
    ACTIVITY = "activity"
    ATTACHMENTS = "attachments"


Storage = Callable[[], AttachmentStorage]
"""Opens the attachments' storage, only when a purge needs it (a misconfigured backend stops the
attachments' purge, not the others')."""


def _purge_attachments(store: Store, before: datetime, storage: Storage) -> int:
    """Records first, then bytes (as one attachment is removed): a failure between leaves bytes
    nothing refers to, never a record without its file."""
    files = storage()
    ids = store.purge_attachments(before)
    for attachment_id in ids:
        files.delete(attachment_id)
    return len(ids)


PURGES: dict[RetentionKind, Callable[[Store, datetime, Storage], int]] = {
    RetentionKind.CONVERSATIONS: lambda store, before, _: store.purge_conversations(before),
    RetentionKind.TOOL_OUTPUTS: lambda store, before, _: store.purge_tool_outputs(before),
    RetentionKind.ACTIVITY: lambda store, before, _: store.purge_activity(before),
    RetentionKind.ATTACHMENTS: _purge_attachments,
}
"""Each kind's purge: removes what is older than a time (the attachments' bytes from their
storage), answers how many rows went."""


class PurgeInput(BaseModel):
    """One purge: days kept by kind (a kind absent, or 0, is kept forever)."""

    keep_days: dict[RetentionKind, int] = {}


class PurgeResult(BaseModel):
    """Rows removed by kind (only the kinds purged), and the times each was purged before."""

    purged: dict[RetentionKind, int] = {}
    before: dict[RetentionKind, datetime] = {}


def retention(settings: Settings) -> PurgeInput:
    """The settings' retention, by kind."""
    return PurgeInput(
        keep_days={
            RetentionKind.CONVERSATIONS: settings.conversations_keep_days,
            RetentionKind.TOOL_OUTPUTS: settings.tool_outputs_keep_days,
            RetentionKind.ACTIVITY: settings.activity_keep_days,
            RetentionKind.ATTACHMENTS: settings.attachments_keep_days,
        }
    )


def purge_expired(store: Store, input: PurgeInput, storage: Storage, *, now: datetime | None = None) -> PurgeResult:
    """Remove, kind by kind, what is older than its days (attachments' bytes from `storage`); a
    kind kept forever is not touched."""
    now = now or datetime.now(UTC)
    result = PurgeResult()
    for kind, days in input.keep_days.items():
        if days <= 0:
            continue
        before = now - timedelta(days=days)
        result.purged[kind] = PURGES[kind](store, before, storage)
        result.before[kind] = before
    return result


def build_purge_schedule(settings: Settings) -> Schedule | None:
    """The daily purge with the settings' retention; None when every kind is kept forever."""
    input = retention(settings)
    kept = {kind: days for kind, days in input.keep_days.items() if days > 0}
    if not kept:
        return None
    note = ", ".join(f"{kind} {days} days" for kind, days in kept.items())
    return Schedule(
        action=ScheduleActionStartWorkflow(
            PURGE_WORKFLOW,
            input,
            id=f"{SCHEDULE_ID}-run",
            task_queue=settings.task_queue,
            execution_timeout=RUN_TIMEOUT,
        ),
        spec=ScheduleSpec(intervals=[ScheduleIntervalSpec(every=EVERY)]),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),  # one purge at a time
        state=ScheduleState(note=f"daily purge; kept: {note}"),
    )


async def ensure_purge_schedule(client: Client, settings: Settings) -> Outcome:
    """Make the daily purge as the settings say (removed when every kind is kept forever)."""
    return await ensure_system_schedule(client, SCHEDULE_ID, build_purge_schedule(settings))
