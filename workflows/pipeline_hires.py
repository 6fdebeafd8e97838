"""A pipeline run's temporary agents: a `template` step's task goes to an agent hired for the run.

The run names the agent (`temporary_name`: the step's id and the start of the run's id, so a
repeat of the request names the same agent), builds it from the agent template by the
`agent_from_template` activity (reading templates is I/O; the activity checks its keys as any
hire's), and sends it with the step's task (`PipelineStepRequest.hire`): the company hires it and
queues the task, or refuses the step (`workflows.company.pipeline_agents`). As the run ends it
asks the company to retire them (`release`).
"""

import re
from datetime import timedelta

from temporalio import workflow
from temporalio.exceptions import ActivityError, FailureError

with workflow.unsafe.imports_passed_through():
    from paperclip.constants import Activity, CompanySignal
    from paperclip.models import AgentFromTemplateInput, AgentSpec
    from paperclip.models.company import PipelineStepRequest
    from paperclip.models.pipelines import StepState
    from workflows.signals import signal_company

_NOT_NAME = re.compile(r"[^a-z0-9_-]")


def temporary_name(step_id: str, run_id: str) -> str:
    """The agent a run hires for a step: `<step>-<first 8 of the run id>` (a valid agent name)."""
    run = _NOT_NAME.sub("", run_id.lower())[:8] or "run"
    return f"{step_id[:54]}-{run}"


async def with_hire(request: PipelineStepRequest, template: str) -> PipelineStepRequest | str:
    """`request` (a step's task, for its temporary agent) with the agent to hire from `template`,
    or why the agent cannot be made (the template is gone, its model's key is refused here)."""
    assert request.task is not None
    try:
        spec: AgentSpec = await workflow.execute_activity(
            Activity.AGENT_FROM_TEMPLATE,
            AgentFromTemplateInput(template=template, name=request.task.assignee, reports_to=None),
            result_type=AgentSpec,
            start_to_close_timeout=timedelta(seconds=30),
        )
    except ActivityError as err:
        message = err.cause.message if isinstance(err.cause, FailureError) else str(err)
        return f"could not hire a temporary agent from template '{template}': {message}"
    return request.model_copy(update={"hire": spec})


async def release(company_id: str, run_id: str, steps: list[StepState], *, requested_by: str) -> None:
    """Ask the company to retire the run's temporary agents, when it hired any."""
    if any(step.agent is not None for step in steps):
        request = PipelineStepRequest(run_id=run_id, kind="release", requested_by=requested_by)
        await signal_company(company_id, CompanySignal.PIPELINE_STEP, request)
