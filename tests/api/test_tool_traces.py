"""A task's trace shows its tool calls, over real HTTP: the call with its arguments, who approved
it, its result (or where its full output is stored) and how long it took; the tool's message in
the next turn is not repeated. The history is a real one, written by a workflow that does what the
task workflow's tool loop does (a model turn that calls a tool, the company's answer to the
`tool_call` approval, the `run_tool` activity, the next turn with the tool's message)."""

import uuid
from datetime import UTC, datetime, timedelta

import httpx
from temporalio import activity, workflow
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

from paperclip.constants import Activity, task_workflow_id
from paperclip.models import (
    AgentSpec,
    Approval,
    ApprovalAnswer,
    ApprovalKind,
    ApprovalStatus,
    Message,
    ModelConfig,
    ModelTurnInput,
    ModelTurnResult,
    Provider,
    SessionRef,
    TaskInput,
    ToolCall,
    ToolCallRequest,
    ToolDecision,
    ToolRunInput,
    ToolRunResult,
    Usage,
)
from tests.api.helpers import create_company

CALL = ToolCall(id="call-1", name="stand_in_run", arguments={"command": "pytest"})
EDITED = {"command": "pytest -q"}


@activity.defn(name="model_turn")
async def model_turn(turn: ModelTurnInput) -> ModelTurnResult:
    calls = [CALL] if turn.seq == 1 else []
    reply = Message(role="assistant", content="Running the tests." if calls else "All green.", tool_calls=calls)
    return ModelTurnResult(reply=reply, usage=Usage(), cost_usd=0.0, provider=Provider.SIMULATED, model="simulated")


@activity.defn(name=Activity.RUN_TOOL)
async def run_tool(run: ToolRunInput) -> ToolRunResult:
    return ToolRunResult(content="3 passed in 0.2s", ref="out-7f3a", size=90_000, duration_ms=1234)


@workflow.defn(name="ToolLoopShape")
class ToolLoopShape:
    def __init__(self) -> None:
        self.answer: ApprovalAnswer | None = None

    @workflow.signal
    def approval_answer(self, answer: ApprovalAnswer) -> None:
        self.answer = answer

    @workflow.run
    async def run(self, task: TaskInput) -> None:
        timeout = timedelta(seconds=10)
        session = SessionRef(company_id=task.company_id, task=task.identifier, agent=task.agent.name)
        first = ModelTurnInput(session=session, seq=1, model=ModelConfig(), system_prompt="", tools=[], new_messages=[])
        await workflow.execute_activity(model_turn, first, start_to_close_timeout=timeout)
        await workflow.wait_condition(lambda: self.answer is not None)
        run = ToolRunInput(session=session, call_id=CALL.id, tool=CALL.name, arguments=EDITED)
        result = await workflow.execute_activity(run_tool, run, start_to_close_timeout=timeout)
        said = Message(role="tool", content=result.content, tool_call_id=CALL.id, author=CALL.name)
        second = first.model_copy(update={"seq": 2, "new_messages": [said]})
        await workflow.execute_activity(model_turn, second, start_to_close_timeout=timeout)


async def test_the_trace_shows_a_tool_call_its_approver_result_and_duration(
    api: httpx.AsyncClient, dev_env: WorkflowEnvironment
) -> None:
    company = (await create_company(api))["id"]
    queue = f"tool-trace-{uuid.uuid4().hex}"
    task = TaskInput(company_id=company, identifier="ACME-7", title="Make the tests pass", agent=AgentSpec(name="cto"))
    approval = Approval(
        id="AP-1",
        request_id="r1",
        kind=ApprovalKind.TOOL_CALL,
        title="stand_in_run: pytest",
        requested_by="cto",
        task="ACME-7",
        tool_call=ToolCallRequest(call_id=CALL.id, tool=CALL.name, arguments=CALL.arguments, subject="pytest"),
        decision=ToolDecision(scope="task", arguments=EDITED),
        status=ApprovalStatus.APPROVED,
        decided_by="oscar",
        created_at=datetime.now(UTC),
    )
    async with Worker(
        dev_env.client,
        task_queue=queue,
        workflows=[ToolLoopShape],
        activities=[model_turn, run_tool],
        workflow_runner=UnsandboxedWorkflowRunner(),
    ):
        handle = await dev_env.client.start_workflow(
            ToolLoopShape.run, task, id=task_workflow_id(company, "ACME-7"), task_queue=queue
        )
        await handle.signal(ToolLoopShape.approval_answer, ApprovalAnswer(request_id="r1", approval=approval))
        await handle.result()

    trace = (await api.get(f"/api/companies/{company}/tasks/ACME-7/trace")).json()
    events = [e for e in trace["events"] if e["kind"] in ("tool_call", "tool_result", "message")]
    call, result = events
    assert (call["kind"], call["tool"], call["arguments"], call["call_id"]) == (
        "tool_call", "stand_in_run", {"command": "pytest"}, "call-1",
    )  # fmt: skip
    assert call["approved_by"] == "oscar" and call["turn"] == 1
    assert result["kind"] == "tool_result" and result["content"] == "3 passed in 0.2s"
    assert (result["actor"], result["target"], result["call_id"], result["turn"]) == (
        "stand_in_run",
        "cto",
        "call-1",
        1,
    )
    assert (result["duration_ms"], result["approved_by"], result["arguments"]) == (1234, "oscar", EDITED)
    assert result["output_url"] == f"/api/companies/{company}/tool-outputs/out-7f3a"
    assert (result["output_ref"], result["output_size"], result["failed"]) == ("out-7f3a", 90_000, False)

    markdown = (await api.get(f"/api/companies/{company}/tasks/ACME-7/trace", params={"format": "md"})).text
    assert '`stand_in_run` {"command": "pytest"} (approved by oscar)' in markdown
    assert "tool result** stand_in_run → cto (turn 1): `stand_in_run`, 1234 ms" in markdown
    assert f"Full output (90000 characters): `/api/companies/{company}/tool-outputs/out-7f3a`" in markdown
