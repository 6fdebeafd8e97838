"""`RoutineWorkflow`: one scheduled run of a routine.

A routine's Temporal Schedule starts this workflow at each fire time; it tells the company by
signal and completes. The company decides (queue the task, or skip while the routine's last task
is open), so a run holds no state and costs one workflow task. A pipeline routine's run (its input
names a pipeline, which no task routine's does) starts a pipeline run instead
(`workflows.routine_pipeline`).
"""

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from paperclip.constants import CompanySignal
    from paperclip.models import RoutineFire, RoutineInput, RoutineRunResult
    from paperclip.routines import ROUTINE_WORKFLOW
    from workflows.routine_pipeline import start_pipeline_run
    from workflows.signals import signal_company


@workflow.defn(name=ROUTINE_WORKFLOW)
class RoutineWorkflow:
    @workflow.run
    async def run(self, input: RoutineInput) -> RoutineRunResult:
        # The schedule appends the scheduled time to the workflow id, so it names this fire.
        fire_id = workflow.info().workflow_id
        if input.pipeline is not None:
            return await start_pipeline_run(input, fire_id)
        assert input.task is not None
        await signal_company(
            input.company_id,
            CompanySignal.ROUTINE_FIRED,
            RoutineFire(fire_id=fire_id, routine=input.routine, task=input.task, skip_if_open=input.skip_if_open),
        )
        return RoutineRunResult(fire_id=fire_id)
