"""A pipeline run's end told to the company's `pipeline.finished` subscriptions, part of
`PipelineWorkflow`.

The run hands its one event to the `notify` activity (the one the company's events go through:
it reads the subscriptions, signs and sends) after its record is written, and waits for it with
the company's retry policy: a subscriber that is down is tried again, with a backoff, for up to
an hour, and one that refuses for good is logged. Either way the run ends as it ended: a
notification given up is a warning, not a failure. Behind the `pipeline-notify` patch.
"""

from datetime import timedelta

from temporalio import workflow
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from paperclip.constants import Activity
    from paperclip.models.pipelines import PipelineRunState
    from paperclip.models.webhooks import NotifyInput, NotifyResult
    from paperclip.webhooks.outgoing import pipeline_notification
    from workflows.company.notify import NOTIFY_GIVE_UP, NOTIFY_RETRIES
    from workflows.patches import PIPELINE_NOTIFY


async def tell_finished(state: PipelineRunState) -> None:
    """Send the run's `pipeline.finished` event (nothing for a history from before the patch)."""
    if not workflow.patched(PIPELINE_NOTIFY):
        return
    event = pipeline_notification(state, workflow.now())
    try:
        await workflow.execute_activity(
            Activity.NOTIFY,
            NotifyInput(company_id=state.company_id, notifications=[event]),
            result_type=NotifyResult,
            start_to_close_timeout=timedelta(minutes=5),
            schedule_to_close_timeout=NOTIFY_GIVE_UP,
            retry_policy=NOTIFY_RETRIES,
        )
    except ActivityError as err:
        workflow.logger.warning("pipeline.finished of run %s given up: %s", state.run_id, err.cause or err)
