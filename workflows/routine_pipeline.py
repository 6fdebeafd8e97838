"""A pipeline routine's scheduled run, part of `RoutineWorkflow`.

The `routine_pipeline_run` activity reads the company's pipeline from the store at fire time and
answers the run to start — pinned to the latest version, its inputs checked, its id derived from
the fire (so the fire starts one run however often it is retried) — or, with `skip_if_open`, none
while the routine's last run is still running. The run is started as a child workflow the
routine's run abandons when it completes: `PipelineWorkflow` (`pipeline:{company}:{run}`) on the
same task queue, listed under its company and pipeline as a run the API started is. A pipeline
gone or inputs that no longer fit fail the routine's run, with the reason.
"""

from datetime import timedelta

from temporalio import workflow
from temporalio.common import SearchAttributePair, TypedSearchAttributes
from temporalio.exceptions import WorkflowAlreadyStartedError

with workflow.unsafe.imports_passed_through():
    from paperclip.constants import PIPELINE_WORKFLOW, SA_COMPANY, Activity, pipeline_workflow_id
    from paperclip.models.routines import RoutineInput, RoutineRunResult
    from paperclip.routine_runs import RoutineRunPlan, RoutineRunRequest

MEMO_PIPELINE = "pipeline"
"""The run's pipeline, in its memo (as `api.pipeline_runs` writes it)."""


async def start_pipeline_run(input: RoutineInput, fire_id: str) -> RoutineRunResult:
    """Start the fire's pipeline run (or none while the last is running)."""
    plan = await workflow.execute_activity(
        Activity.ROUTINE_PIPELINE_RUN,
        RoutineRunRequest(fire_id=fire_id, routine=input),
        result_type=RoutineRunPlan,
        start_to_close_timeout=timedelta(seconds=30),
    )
    if plan.run is None:
        workflow.logger.info("routine %s started no run: %s", input.routine, plan.skipped)
        return RoutineRunResult(fire_id=fire_id, skipped=plan.skipped)
    run = plan.run
    try:
        await workflow.start_child_workflow(
            PIPELINE_WORKFLOW,
            run,
            id=pipeline_workflow_id(run.company_id, run.run_id),
            parent_close_policy=workflow.ParentClosePolicy.ABANDON,
            memo={MEMO_PIPELINE: run.pipeline},
            search_attributes=TypedSearchAttributes([SearchAttributePair(SA_COMPANY, run.company_id)]),
        )
    except WorkflowAlreadyStartedError:
        pass  # this fire's run, started before
    return RoutineRunResult(fire_id=fire_id, run_id=run.run_id)
