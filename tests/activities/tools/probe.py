"""A workflow that calls the tools activities by name, as the task workflow does: it prepares a
workspace on the shared tools queue, then runs calls on the host's queue it was answered."""

from datetime import timedelta
from typing import Any

from pydantic import BaseModel
from temporalio import workflow

from paperclip.constants import Activity, tools_queue
from paperclip.models import PreparedWorkspace, PrepareWorkspaceInput, SessionRef, ToolRunInput, ToolRunResult


class ProbeInput(BaseModel):
    task_queue: str
    prepare: PrepareWorkspaceInput
    calls: list[tuple[str, dict[str, Any]]]


class ProbeResult(BaseModel):
    prepared: PreparedWorkspace
    results: list[ToolRunResult]


@workflow.defn
class ToolsProbe:
    @workflow.run
    async def run(self, input: ProbeInput) -> ProbeResult:
        prepared = await workflow.execute_activity(
            Activity.PREPARE_WORKSPACE,
            input.prepare,
            task_queue=tools_queue(input.task_queue),
            start_to_close_timeout=timedelta(seconds=60),
            result_type=PreparedWorkspace,
        )
        session: SessionRef = input.prepare.session
        results = []
        for i, (tool, arguments) in enumerate(input.calls):
            call = ToolRunInput(
                session=session, call_id=f"call-{i}", tool=tool, arguments=arguments, workspace=prepared.workspace
            )
            results.append(
                await workflow.execute_activity(
                    Activity.RUN_TOOL,
                    call,
                    task_queue=prepared.workspace.queue,
                    start_to_close_timeout=timedelta(seconds=60),
                    heartbeat_timeout=timedelta(seconds=30),
                    result_type=ToolRunResult,
                )
            )
        return ProbeResult(prepared=prepared, results=results)
