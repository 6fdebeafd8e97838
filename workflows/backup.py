"""`BackupWorkflow`: one scheduled backup (`paperclip.backup.schedule`), a single activity.

The activity may run long (a large `pg_dump`), so it heartbeats and is given a heartbeat
timeout: a worker that dies mid-backup is noticed in a minute, and the attempt runs again on
another. Three attempts at most: a backup that keeps failing waits for the next scheduled one
instead of retrying until the run times out.
"""

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from paperclip.backup.schedule import BACKUP_ACTIVITY, BACKUP_WORKFLOW, BackupInput, BackupResult


@workflow.defn(name=BACKUP_WORKFLOW)
class BackupWorkflow:
    @workflow.run
    async def run(self, input: BackupInput) -> BackupResult:
        return await workflow.execute_activity(
            BACKUP_ACTIVITY,
            input,
            result_type=BackupResult,
            start_to_close_timeout=timedelta(hours=1),
            heartbeat_timeout=timedelta(minutes=1),
            retry_policy=RetryPolicy(maximum_attempts=3),
        )
