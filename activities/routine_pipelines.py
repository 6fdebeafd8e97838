"""The `routine_pipeline_run` activity: the pipeline run a pipeline routine's fire starts.

It reads the company's pipeline from the store as it is at fire time (the latest version, which
the run pins), checks the routine's inputs against it, and derives the run's id from the fire's
(one run per fire, however often this is retried). With `skip_if_open` it answers no run while
the routine's last run is still running: a run the store keeps as running (started by
`routine:<name>`) whose workflow Temporal says is running — a record left running by a run that
was terminated does not hold the routine up for ever.
"""

import asyncio
from typing import Any

from temporalio import activity
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from paperclip.constants import Activity, pipeline_workflow_id
from paperclip.errors import InvalidInput
from paperclip.models.pipelines import PipelineRunInput, RunStatus
from paperclip.pipeline_runs import named, run_inputs
from paperclip.pipelines import PipelineInvalid, parse
from paperclip.routine_runs import RoutineRunPlan, RoutineRunRequest, run_id_of, started_by

OPEN_LOOKED_AT = 200
"""Running runs of the pipeline looked through for the routine's own."""


class RoutinePipelineActivities:
    """Register `routine_pipeline_run` on a worker.

    Args:
        store: the company's pipelines and runs (`get_pipeline`, `list_pipeline_runs`).
        client: asks Temporal whether a run the store keeps as running still is.
    """

    def __init__(self, store: Any, client: Client) -> None:
        self.store = store
        self.client = client

    @activity.defn(name=Activity.ROUTINE_PIPELINE_RUN)
    async def routine_pipeline_run(self, input: RoutineRunRequest) -> RoutineRunPlan:
        """The run the fire starts, or why none.

        Raises:
            ApplicationError: `InvalidInput` (not retried) when the pipeline is gone, or its
                document or the routine's inputs no longer fit.
        """
        fire = input.routine
        company, name = fire.company_id, fire.pipeline
        assert name is not None, "a task routine's fire starts no run"
        if fire.skip_if_open:
            running = await self._running(company, name, fire.routine)
            if running is not None:
                return RoutineRunPlan(skipped=f"its last run {running} of {name} is still running")
        found = await asyncio.to_thread(self.store.get_pipeline, company, name)
        if found is None:
            raise _invalid(f"routine {fire.routine}: company '{company}' has no pipeline '{name}'")
        try:
            spec = named(parse(found.content))
            values = run_inputs(spec, fire.inputs)
        except PipelineInvalid as err:
            raise _invalid(f"routine {fire.routine}: pipeline {name} v{found.version} is invalid: {err}") from None
        except InvalidInput as err:
            raise _invalid(f"routine {fire.routine}: {err.message}") from None
        run = PipelineRunInput(
            company_id=company,
            run_id=run_id_of(input.fire_id, activity.info().workflow_run_id or ""),
            pipeline=spec.name,
            version=found.version,
            digest=found.digest,
            spec=spec,
            inputs=values,
            started_by=started_by(fire.routine),
            project=fire.project,
        )
        return RoutineRunPlan(run=run)

    async def _running(self, company_id: str, pipeline: str, routine: str) -> str | None:
        """The routine's run that is still running, if any."""
        records, _ = await asyncio.to_thread(
            self.store.list_pipeline_runs, company_id, pipeline=pipeline, status=RunStatus.RUNNING, limit=OPEN_LOOKED_AT
        )
        for record in records:
            if record.started_by != started_by(routine):
                continue
            handle = self.client.get_workflow_handle(pipeline_workflow_id(company_id, record.run_id))
            try:
                status = (await handle.describe()).status
            except RPCError as err:
                if err.status == RPCStatusCode.NOT_FOUND:
                    continue
                raise
            if status is WorkflowExecutionStatus.RUNNING:
                return record.run_id
        return None


def _invalid(message: str) -> ApplicationError:
    return ApplicationError(message, type="InvalidInput", non_retryable=True)
