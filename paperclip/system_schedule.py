"""The deployment's own schedules (`paperclip-backup`, `paperclip-purge`): made as the settings say.

Every worker makes them at its start, to the same effect: absent, the schedule is created;
present, it is updated to the settings; off, it is removed. No company owns them.
"""

from typing import Literal

from temporalio.client import Client, Schedule, ScheduleAlreadyRunningError, ScheduleUpdate, ScheduleUpdateInput
from temporalio.service import RPCError, RPCStatusCode

Outcome = Literal["created", "updated", "removed", "off"]


async def ensure_system_schedule(client: Client, schedule_id: str, schedule: Schedule | None) -> Outcome:
    """Make `schedule_id` the `schedule` (None: the settings turn it off, so remove it). Safe to
    run at every start, from every worker."""
    handle = client.get_schedule_handle(schedule_id)
    if schedule is None:
        try:
            await handle.delete()
        except RPCError as error:
            if error.status != RPCStatusCode.NOT_FOUND:
                raise
            return "off"
        return "removed"
    try:
        await client.create_schedule(schedule_id, schedule)
    except ScheduleAlreadyRunningError:

        def replace(_: ScheduleUpdateInput) -> ScheduleUpdate:
            return ScheduleUpdate(schedule=schedule)

        await handle.update(replace)
        return "updated"
    return "created"
