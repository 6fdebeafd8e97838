"""Stand-in activities registered under the real names, for workflow-level tests.

The real model and store activities are tested on their own (tests/activities, tests/store)
and end to end (tests/test_end_to_end.py); here the workflows' logic is what is under test.
"""

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from temporalio import activity
from temporalio.client import Client, WorkflowHandle, WorkflowQueryFailedError
from temporalio.service import RPCError
from temporalio.worker import Worker

from activities.dependencies import DependencyActivities
from activities.templates import TemplateActivities
from paperclip.constants import llm_queue, task_workflow_id
from paperclip.models import (
    Message,
    ModelTurnInput,
    ModelTurnResult,
    Provider,
    RecordInput,
    Standing,
    StandingInput,
    ToolCall,
    Usage,
)
from paperclip.models.webhooks import NotifyInput, NotifyResult
from paperclip.tools import COMPLETE_TASK, DELEGATE_TASK
from workflows.company import CompanyWorkflow
from workflows.task import TaskWorkflow


@dataclass
class ScriptedModel:
    """Delegates to every report on its first turn, then completes; a leaf completes at once.

    `gate`: when set, each agent named in `gated` waits for it before answering, so a test can
    hold tasks open. `extra_turns`: turns that answer with text only before completing.
    """

    gate: asyncio.Event = field(default_factory=asyncio.Event)
    gated: set[str] = field(default_factory=set)
    calls: list[ModelTurnInput] = field(default_factory=list)
    failures: dict[str, list[Exception]] = field(default_factory=dict)
    cancelled: list[str] = field(default_factory=list)
    """Tasks whose held call learnt it was cancelled."""
    escalating: set[str] = field(default_factory=set)
    """Agents that escalate whatever they are given."""
    talk_turns: int = 0
    """Turns before completing, each a progress report and a (unknown) `write_notes` call."""
    plans: dict[str, list[list[ToolCall]]] = field(default_factory=dict)
    """Per agent, the tool calls of its next turns (one list per turn), before the usual script."""

    @activity.defn(name="model_turn")
    async def model_turn(self, input: ModelTurnInput) -> ModelTurnResult:
        if input.standing is not None:  # read back what the workflow stored, as the activity does
            standing = STANDING[input.standing]
            input = input.model_copy(update={"system_prompt": standing.system_prompt, "tools": standing.tools})
        self.calls.append(input)
        pending = self.failures.get(input.session.agent)
        if pending:
            raise pending.pop(0)
        if input.session.agent in self.gated:
            try:
                while not self.gate.is_set():
                    activity.heartbeat()
                    await asyncio.sleep(0.05)
            except asyncio.CancelledError:
                self.cancelled.append(input.session.task)
                raise
        delegate = next((t for t in input.tools if t.name == DELEGATE_TASK), None)
        content = ""
        plan = self.plans.get(input.session.agent)
        if plan:
            calls = plan.pop(0)
        elif input.session.agent in self.escalating and any(t.name == "escalate" for t in input.tools):
            calls = [ToolCall(id=f"call-up-{input.seq}", name="escalate", arguments={"reason": "needs a decision"})]
        elif input.seq < self.talk_turns:
            content = f"Turn {input.seq}: progress report. " + "y" * 400
            calls = [ToolCall(id=f"call-{input.seq}", name="write_notes", arguments={"text": "x" * 300})]
        elif delegate is not None and input.seq == 1:
            names = delegate.parameters["properties"]["agent"]["enum"]
            calls = [
                ToolCall(
                    id=f"call-{n}", name=DELEGATE_TASK, arguments={"agent": n, "title": f"{n}'s part", "brief": "go"}
                )
                for n in names
            ]
        else:
            calls = [
                ToolCall(id="call-done", name=COMPLETE_TASK, arguments={"result": f"{input.session.agent} finished"})
            ]
        return ModelTurnResult(
            reply=Message(role="assistant", content=content, tool_calls=calls, author=input.session.agent),
            usage=Usage(input_tokens=100, output_tokens=10),
            cost_usd=0.001,
            provider=Provider.SIMULATED,
            model="scripted",
            simulated=True,
        )


STANDING: dict[str, Standing] = {}
"""What the stand-in `store_standing` kept, by hash (for the stand-in model to read back)."""


@dataclass
class RecordingStore:
    batches: list[RecordInput] = field(default_factory=list)
    standing: list[str] = field(default_factory=list)
    """The hashes stored, in order."""
    notified: list[NotifyInput] = field(default_factory=list)
    """What the company handed to `notify` (its webhook subscriptions' events), in order."""

    @activity.defn(name="record")
    async def record(self, input: RecordInput) -> None:
        self.batches.append(input)

    @activity.defn(name="store_standing")
    async def store_standing(self, input: StandingInput) -> None:
        STANDING[input.digest] = input.standing
        self.standing.append(input.digest)

    @activity.defn(name="notify")
    async def notify(self, input: NotifyInput) -> NotifyResult:
        self.notified.append(input)
        return NotifyResult()


STARTED: dict[str, list[WorkflowHandle[Any, Any]]] = {}
"""Companies started per stand-in queue (by `tests.workflows.helpers.start_company`)."""


@asynccontextmanager
async def stand_in_workers(
    client: Client,
    model: ScriptedModel,
    store: RecordingStore | None = None,
    *,
    queue: str | None = None,
    end: bool = True,
) -> AsyncIterator[str]:
    """Run the real workflows with stand-in activities on `queue` (a fresh one by default); yields
    the queue name. With `end` the companies started on it are ended when the workers stop."""
    queue = queue or f"test-{uuid.uuid4().hex}"
    store = store or RecordingStore()
    async with (
        Worker(
            client,
            task_queue=queue,
            workflows=[CompanyWorkflow, TaskWorkflow],
            activities=[
                store.record,
                store.store_standing,
                store.notify,
                TemplateActivities(None).agent_from_template,
                DependencyActivities(client).add_blocker,
            ],
        ),
        Worker(client, task_queue=llm_queue(queue), activities=[model.model_turn]),
    ):
        try:
            yield queue
        finally:
            if end:
                await end_companies(client, queue)


async def end_companies(client: Client, queue: str) -> None:
    """End the companies started on `queue` and their open tasks, while the workers still run.

    Left behind, their timers, store writes or model calls would wait for workers that are gone,
    and the shared time-skipping server skips no time while anything waits.
    """
    for company in STARTED.pop(queue, []):
        try:
            snap = await company.query("snapshot")
            open_tasks = [t["identifier"] for t in snap["tasks"] if t["status"] not in ("done", "failed", "cancelled")]
        except (RPCError, WorkflowQueryFailedError):
            open_tasks = []
        company_id = company.id.split(":", 1)[1]
        for identifier in open_tasks:
            try:
                await client.get_workflow_handle(task_workflow_id(company_id, identifier)).terminate("the test is over")
            except RPCError:
                pass  # it had ended
        try:
            await company.terminate("the test is over")
        except RPCError:
            pass  # it had ended
