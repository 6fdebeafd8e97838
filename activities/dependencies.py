"""The `add_blocker` activity: an agent's `add_blocker` tool call, asked of its company as the
`add_blocker` update (a workflow cannot send another an update; an activity can). The company's
validator decides: its refusal is the answer, not an error."""

from temporalio import activity
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

from paperclip.constants import Activity, company_workflow_id
from paperclip.models import TaskRecord
from paperclip.models.dependencies import AddBlockerAnswer, AddBlockerCall

ADD_BLOCKER_UPDATE = "add_blocker"
"""`CompanyWorkflow.add_blocker` (named here: activities do not import the workflows)."""


class DependencyActivities:
    """Register `add_blocker` on a worker.

    Args:
        client: sends the company its update.
    """

    def __init__(self, client: Client) -> None:
        self.client = client

    @activity.defn(name=Activity.ADD_BLOCKER)
    async def add_blocker(self, call: AddBlockerCall) -> AddBlockerAnswer:
        """The company's answer: the task's blockers now, or why it refused."""
        handle = self.client.get_workflow_handle(company_workflow_id(call.company_id))
        try:
            record = await handle.execute_update(ADD_BLOCKER_UPDATE, call.request, result_type=TaskRecord)
        except WorkflowUpdateFailedError as err:
            cause = err.cause
            return AddBlockerAnswer(
                ok=False, message=cause.message if isinstance(cause, ApplicationError) else str(err)
            )
        return AddBlockerAnswer(ok=True, blocked_by=record.blocked_by)
