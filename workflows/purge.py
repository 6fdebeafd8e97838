"""`PurgeWorkflow`: the daily purge of what the retention settings no longer keep
(`paperclip.lifecycle.retention`), a single activity.

It heartbeats (a first purge of a large store may take a while), so a worker lost mid-purge is
noticed in a minute and the purge runs again elsewhere: each kind's purge is a delete by age,
which a repeat does no harm to. Three attempts at most; then the next day's run tries again.
"""

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from paperclip.lifecycle.retention import PURGE_ACTIVITY, PURGE_WORKFLOW, PurgeInput, PurgeResult


@workflow.defn(name=PURGE_WORKFLOW)
class PurgeWorkflow:
    @workflow.run
    async def run(self, input: PurgeInput) -> PurgeResult:
        return await workflow.execute_activity(
            PURGE_ACTIVITY,
            input,
            result_type=PurgeResult,
            start_to_close_timeout=timedelta(hours=1),
            heartbeat_timeout=timedelta(minutes=1),
            retry_policy=RetryPolicy(maximum_attempts=3),
        )
