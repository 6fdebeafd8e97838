"""What a task carries into its next run: the answer it waits for and undecided ones, not the
decisions its agent was already told (those are in the run that got them)."""

from datetime import UTC, datetime

from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from paperclip.models import (
    AgentSpec,
    Approval,
    ApprovalAnswer,
    ApprovalKind,
    ApprovalStatus,
    TaskCarry,
    TaskInput,
    TaskStatus,
    ToolCall,
)
from paperclip.tools import REQUEST_APPROVAL
from tests.workflows.helpers import start_company, start_task, wait_for
from tests.workflows.stand_ins import ScriptedModel, stand_in_workers
from workflows.task import TaskWorkflow
from workflows.task_core import ANNOUNCED_KEPT, carried

T0 = datetime(2026, 12, 1, tzinfo=UTC)


def answer(request: str, status: ApprovalStatus | None, *, ok: bool = True) -> ApprovalAnswer:
    approval = None
    if status is not None:
        approval = Approval(
            id=f"AP-{request}", request_id=request, kind=ApprovalKind.BOARD, title="t", details="d" * 10_000,
            requested_by="solo", status=status, created_at=T0,
        )  # fmt: skip
    return ApprovalAnswer(request_id=request, ok=ok, approval=approval)


def test_the_next_run_keeps_the_awaited_and_the_undecided_answers_only() -> None:
    carry = TaskCarry(
        answers={
            "A-1#1": answer("A-1#1", ApprovalStatus.APPROVED),  # told to the agent
            "A-1#2": answer("A-1#2", None, ok=False),  # refused outright: the tool said so
            "A-1#3": answer("A-1#3", ApprovalStatus.PENDING),  # a hire the board has not decided
            "A-1#4": answer("A-1#4", ApprovalStatus.PENDING),  # the question the task waits on
            "A-1#5": answer("A-1#5", None),  # a hire that needed no approval
        },
        announced=["A-1#1"],
        waiting_for="A-1#4",
    )
    assert sorted(carried(carry).answers) == ["A-1#3", "A-1#4"]
    assert carried(carry).announced == ["A-1#1"]
    assert carry.answers.keys() == {"A-1#1", "A-1#2", "A-1#3", "A-1#4", "A-1#5"}  # the run's own is untouched
    many = TaskCarry(announced=[f"A-1#{n}" for n in range(ANNOUNCED_KEPT + 50)])
    assert carried(many).announced == many.announced[-ANNOUNCED_KEPT:]


async def _carries(handle: WorkflowHandle) -> list[TaskCarry | None]:
    """The carry each run of the task started with, oldest run first."""
    converter = handle._client.data_converter  # noqa: SLF001 — the client the handle came from
    runs: list[TaskCarry | None] = []
    run_id: str | None = (await handle.describe()).raw_description.workflow_execution_info.first_run_id
    while run_id:
        history = await handle._client.get_workflow_handle(handle.id, run_id=run_id).fetch_history()  # noqa: SLF001
        first, last = history.events[0], history.events[-1]
        attrs = first.workflow_execution_started_event_attributes
        [started] = await converter.decode(attrs.input.payloads, [TaskInput])
        runs.append(started.carry)
        continued = last.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW
        run_id = last.workflow_execution_continued_as_new_event_attributes.new_execution_run_id if continued else None
    return runs


async def test_a_decision_told_to_the_agent_is_not_carried_into_the_next_run(dev_env: WorkflowEnvironment) -> None:
    client = dev_env.client
    details = "x" * 5000
    ask = [ToolCall(id="ask", name=REQUEST_APPROVAL, arguments={"kind": "board", "title": "Buy", "details": details})]
    model = ScriptedModel(plans={"solo": [ask]}, talk_turns=4)
    async with stand_in_workers(client, model) as queue:
        company = await start_company(client, queue, [AgentSpec(name="solo")])
        task = await start_task(
            client, queue, company, identifier="ACME-50", agent=AgentSpec(name="solo"), continue_as_new_after_turns=1
        )
        snap = await wait_for(company, lambda s: any(a.status is ApprovalStatus.PENDING for a in s.approvals))
        [asked] = snap.approvals
        decision = asked.model_copy(update={"status": ApprovalStatus.APPROVED, "decided_by": "board"})
        # The task was started here, not by the company: the test answers as the company would.
        await task.signal(TaskWorkflow.approval_answer, ApprovalAnswer(request_id=asked.request_id, approval=decision))
        result = await client.get_workflow_handle_for(TaskWorkflow.run, task.id).result()
        carries = await _carries(task)
    assert result.status is TaskStatus.DONE and result.turns == 4
    told = [c for c in carries if c is not None and asked.request_id in c.announced]
    assert told, "a later run started after the agent was told the decision"
    assert all(c.answers == {} for c in told)  # the decision (and its details) stayed in its run
