"""Structural budgets: what one agent turn and one tool call cost in workflow tasks, history
events and history bytes, on the real workers against a real Temporal server and the fake
provider, so that a change adding a round trip fails here instead of in a benchmark.

A turn is the stretch of the task's history from one `model_turn` schedule to the next. The
first turn is left out (it records each `workflow.patched` marker once, with its search
attribute); every later one must stay within its budget:

- A model turn whose reply the workflow answers itself (here a call of a tool the agent was not
  given, as the per-turn benchmark's turns do): **1 workflow task, 6 events**. The activity's
  three events (scheduled, started, completed), then the one workflow task (scheduled, started,
  completed) that reads the reply and schedules the next call. ~3.6 KB, most of it the call's
  input: an agent without registry tools sends its system prompt and tool specs with every turn.
- A model turn plus one tool call that runs as an activity, `write_document` (a store write on
  the workflow's queue) or `http_fetch` (the `run_tool` activity on the tools queue): **2
  workflow tasks, 12 events**: the model turn's six, and the tool activity's three plus the
  workflow task that reads its answer and schedules the next call.
- A model turn with a budget cap (the company reserves each call's worst case first): **3
  workflow tasks, 15 events**: the model turn's six; the `request_budget` signal to the company
  (initiated, signaled) and the workflow task its delivery wakes; the company's answer
  (signaled) and the workflow task that reads it and schedules the call.
- Any turn may also carry one usage report to the company (`task_event`, at most every 2 s, so
  how many depends on the machine's speed): **+1 workflow task, +5 events** (initiated,
  signaled, and the workflow task the delivery wakes). It is counted apart, one a turn at most.

Bytes are what the server stores of the turn's events, less what varies with the machine (the
workers' `pid@host` identity and sticky queue name): today's largest turn plus `BYTES_MARGIN`,
less than any round trip adds (a workflow task's three events alone are ~300 bytes). The event
and task counts are exact. A workflow task that timed out (a slow machine: the server retries
it) is no round trip of the product's: a turn with one is not counted, and most turns must be.

The company's share of a task created by `create_tasks`, run (one turn) and finished, one task at
a time: **12 events besides its workflow tasks, ~6.8 KB**: the update (accepted, completed); the
task's start as a child (initiated, started); two store writes (`record`, three events each: the
task created and dispatched, then finished); the task's `finished` signal; the child's
completion. **At most 6 workflow tasks** (the update's; one each for the child's start, the two
writes, the signal and the child's completion), fewer when the server folds events into one.
A usage report from the task adds a signal, a store write, and up to 2 workflow tasks.
"""

import asyncio
import json
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import Client, WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from paperclip.constants import Activity, CompanySignal, company_workflow_id, task_workflow_id
from paperclip.models import (
    AgentSpec,
    CompanyInput,
    CompanySpec,
    CreateTaskInput,
    CreateTasksInput,
    ModelConfig,
    Provider,
    TaskInput,
    TaskResult,
    TaskStatus,
)
from paperclip.store import Store
from tests.fakes import FakeModelServer
from tests.test_end_to_end import TEST_KEY, bound_settings, in_process_workers
from tests.workflows.helpers import wait_for
from workflows.company import CompanyWorkflow
from workflows.task import TaskWorkflow

TURNS = 8
"""Turns of each task: the first is left out, the last has no next schedule: 6 turns counted."""
BYTES_MARGIN = 256
"""Bytes a turn may grow over today's largest before the test fails (ids and numbers vary)."""


@dataclass(frozen=True)
class Budget:
    tasks: int
    """Workflow tasks completed."""
    events: int
    bytes: int
    """Serialized size of the turn's events (what the server stores)."""


PLAIN = Budget(tasks=1, events=6, bytes=3_630 + BYTES_MARGIN)
BUDGETED = Budget(tasks=3, events=15, bytes=4_815 + BYTES_MARGIN)
TOOL_CALLS = {
    "write_document": Budget(tasks=2, events=12, bytes=2_510 + BYTES_MARGIN),
    "http_fetch": Budget(tasks=2, events=12, bytes=2_815 + BYTES_MARGIN),
}
"""A turn of a model call and one call of the tool."""
COMPANY_PER_TASK = Budget(tasks=6, events=12, bytes=6_816 + BYTES_MARGIN)
"""The company's share of one task, created and finished (its events and bytes apart from its
workflow tasks', which merge when the server has several events for one)."""
COMPANY_USAGE_REPORT = Budget(tasks=2, events=4, bytes=1_400 + BYTES_MARGIN)
"""What a task's usage report adds to the company: the signal and the store write it makes due."""
USAGE_REPORT = Budget(tasks=1, events=5, bytes=850 + BYTES_MARGIN)
"""What one usage report adds to a turn that carries it."""


@dataclass
class Turn:
    """One turn's stretch of a history."""

    events: list[HistoryEvent]

    @property
    def kinds(self) -> Counter[str]:
        return Counter(EventType.Name(e.event_type).removeprefix("EVENT_TYPE_") for e in self.events)

    @property
    def tasks(self) -> int:
        return self.kinds["WORKFLOW_TASK_COMPLETED"]

    @property
    def bytes(self) -> int:
        return sum(stored_bytes(e) for e in self.events)

    @property
    def reports(self) -> int:
        """Usage reports to the company in this turn."""
        return sum(
            e.signal_external_workflow_execution_initiated_event_attributes.signal_name == CompanySignal.TASK_EVENT
            for e in self.events
            if e.event_type == EventType.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED
        )

    @property
    def retried(self) -> bool:
        return bool(self.kinds["WORKFLOW_TASK_TIMED_OUT"] or self.kinds["WORKFLOW_TASK_FAILED"])


def stored_bytes(event: HistoryEvent) -> int:
    """The event's serialized size without what varies with the machine: the workers' identity
    (`pid@host`) and their sticky queue's name (`pid@host-uuid`)."""
    copy = HistoryEvent()
    copy.CopyFrom(event)
    attributes = getattr(copy, copy.WhichOneof("attributes") or "", None)
    if attributes is not None and "identity" in attributes.DESCRIPTOR.fields_by_name:
        attributes.ClearField("identity")
    if copy.HasField("workflow_task_scheduled_event_attributes"):
        copy.workflow_task_scheduled_event_attributes.task_queue.ClearField("name")
    return copy.ByteSize()


def turns_of(events: list[HistoryEvent]) -> list[Turn]:
    """The turns after the first, each from its `model_turn` schedule to the next one's."""
    starts = [
        i
        for i, e in enumerate(events)
        if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
        and e.activity_task_scheduled_event_attributes.activity_type.name == Activity.MODEL_TURN
    ]
    return [Turn(events[a:b]) for a, b in zip(starts[1:], starts[2:], strict=False)]


def assert_within(turns: list[Turn], budget: Budget) -> None:
    counted = [t for t in turns if not t.retried]
    assert len(counted) >= len(turns) // 2 >= 2, f"too few turns to count: {[t.kinds for t in turns]}"
    for n, turn in enumerate(counted, start=2):
        reports = turn.reports
        assert reports <= 1, f"turn {n}: {reports} usage reports (at most one every 2 s): {turn.kinds}"
        tasks = budget.tasks + reports * USAGE_REPORT.tasks
        events = budget.events + reports * USAGE_REPORT.events
        size = budget.bytes + reports * USAGE_REPORT.bytes
        spent = Budget(tasks=turn.tasks, events=len(turn.events), bytes=turn.bytes)
        assert spent.tasks <= tasks, f"turn {n}: {spent.tasks} workflow tasks, budget {tasks}: {turn.kinds}"
        assert spent.events <= events, f"turn {n}: {spent.events} events, budget {events}: {turn.kinds}"
        assert spent.bytes <= size, f"turn {n}: {spent.bytes} bytes, budget {size}: {turn.kinds}"


@pytest.fixture
def model_server() -> Iterator[FakeModelServer]:
    with FakeModelServer() as server:
        yield server


@pytest.fixture
def store(tmp_path: Path) -> Store:
    store = Store(f"sqlite:///{tmp_path / 'paperclip.db'}")
    store.migrate()
    return store


def host_of(server: FakeModelServer) -> str:
    return server.base_url.removeprefix("http://").split("/")[0]


async def run_task(
    client: Client, server: FakeModelServer, store: Store, agent: AgentSpec, *, budgeted: bool = False
) -> tuple[TaskResult, list[HistoryEvent]]:
    """Run one task of `agent` to its end on the real workers; its result and its history."""
    settings = bound_settings(server, allow_private_hosts=[host_of(server)])
    async with in_process_workers(client, store, settings=settings) as queue:
        company_id = f"sb-{uuid.uuid4().hex[:8]}"
        await client.start_workflow(
            CompanyWorkflow.run,
            CompanyInput(spec=CompanySpec(id=company_id, name="Budgets", prefix="B"), agents=[agent]),
            id=company_workflow_id(company_id),
            task_queue=queue,
        )
        handle: WorkflowHandle[TaskWorkflow, TaskResult] = await client.start_workflow(
            TaskWorkflow.run,
            TaskInput(company_id=company_id, identifier="B-1", title="Write", agent=agent, company_budgeted=budgeted),
            id=task_workflow_id(company_id, "B-1"),
            task_queue=queue,
        )
        result = await handle.result()
        return result, list((await handle.fetch_history()).events)


async def quiet_history(handle: WorkflowHandle) -> list[HistoryEvent]:
    """The workflow's history once it stopped growing for a second (the last task's end reached it)."""
    events: list[HistoryEvent] = []
    while True:
        now = list((await handle.fetch_history()).events)
        if events and len(now) == len(events):
            return now
        events = now
        await asyncio.sleep(1)


def agent_on(server: FakeModelServer, **fields: object) -> AgentSpec:
    model = ModelConfig(
        provider=Provider.OPENAI, model="gpt-4o-mini", base_url=server.base_url_openai, credential=TEST_KEY
    )
    return AgentSpec.model_validate({"name": "writer", "max_turns": TURNS + 5, "model": model, **fields})


@pytest.mark.parametrize("budgeted", [False, True], ids=["unbudgeted", "budget-cap"])
async def test_a_model_turn_stays_within_its_budget(
    dev_env: WorkflowEnvironment,
    model_server: FakeModelServer,
    store: Store,
    budgeted: bool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(TEST_KEY, model_server.openai_key)
    model_server.work_turns = TURNS  # each turn calls a tool the agent lacks: answered in the workflow
    result, events = await run_task(dev_env.client, model_server, store, agent_on(model_server), budgeted=budgeted)
    assert result.status is TaskStatus.DONE and result.turns == TURNS, result
    turns = turns_of(events)
    assert len(turns) == TURNS - 2
    assert_within(turns, BUDGETED if budgeted else PLAIN)
    if budgeted:  # each turn was reserved: the budget's round trip is in every turn
        assert all(t.kinds["WORKFLOW_EXECUTION_SIGNALED"] >= 1 for t in turns), [t.kinds for t in turns]


@pytest.mark.parametrize("tool", ["write_document", "http_fetch"])
async def test_a_tool_call_stays_within_its_budget(
    dev_env: WorkflowEnvironment,
    model_server: FakeModelServer,
    store: Store,
    tool: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(TEST_KEY, model_server.openai_key)
    for n in range(TURNS - 1):
        if tool == "write_document":
            arguments = {"key": f"note-{n}", "body": f"step {n}"}
        else:  # a page of the fake server's (a different one each turn: repeats would stop the agent)
            arguments = {"url": f"{model_server.base_url.rstrip('/')}/_fake/requests?start={100_000 + n}"}
        model_server.call_next(tool, json.dumps(arguments))
    model_server.call_next("complete_task", json.dumps({"result": "done"}))
    agent = agent_on(model_server, tools=[tool], allow_hosts=[host_of(model_server)])
    result, events = await run_task(dev_env.client, model_server, store, agent)
    assert result.status is TaskStatus.DONE and result.turns == TURNS, result
    turns = turns_of(events)
    assert len(turns) == TURNS - 2
    assert_within(turns, TOOL_CALLS[tool])
    tool_runs = {Activity.WRITE_DOCUMENT if tool == "write_document" else Activity.RUN_TOOL}
    for turn in turns:  # the tool ran as its activity, and succeeded, in every counted turn
        scheduled = [
            e.activity_task_scheduled_event_attributes.activity_type.name
            for e in turn.events
            if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
        ]
        assert set(scheduled[1:]) == tool_runs and turn.kinds["ACTIVITY_TASK_COMPLETED"] == 2, turn.kinds
    answered = json.dumps(model_server.requests[-1])  # the last call's answer, as the model read it
    done = f"Saved document 'note-{TURNS - 2}' of B-1 as revision 1." if tool == "write_document" else "HTTP 200"
    assert done in answered, answered[-2000:]


async def test_the_company_spends_a_bounded_number_of_events_per_task(
    dev_env: WorkflowEnvironment, model_server: FakeModelServer, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(TEST_KEY, model_server.openai_key)
    agent = agent_on(model_server)
    async with in_process_workers(dev_env.client, store, settings=bound_settings(model_server)) as queue:
        company_id = f"sb-{uuid.uuid4().hex[:8]}"
        company = await dev_env.client.start_workflow(
            CompanyWorkflow.run,
            CompanyInput(spec=CompanySpec(id=company_id, name="Budgets", prefix="B"), agents=[agent]),
            id=company_workflow_id(company_id),
            task_queue=queue,
        )
        for n in range(1, 6):
            await company.execute_update(
                CompanyWorkflow.create_tasks,
                CreateTasksInput(tasks=[CreateTaskInput(title=f"job {n}", assignee="writer")]),
            )
            await wait_for(company, lambda s, n=n: len(s.tasks) == n and all(t.status.is_terminal for t in s.tasks))
        events = await quiet_history(company)
    creates = [
        i for i, e in enumerate(events) if e.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED
    ]
    assert len(creates) == 5, "one create_tasks update a task"
    later = Turn(events[creates[1] :])  # the first task's stretch records each patch marker once
    work = Turn([e for e in later.events if not EventType.Name(e.event_type).startswith("EVENT_TYPE_WORKFLOW_TASK_")])
    reports = work.kinds["WORKFLOW_EXECUTION_SIGNALED"] - 4  # each task's "finished" is its share
    assert 0 <= reports <= 4, f"{reports} usage reports from 4 one-turn tasks: {work.kinds}"
    tasks = 4 * COMPANY_PER_TASK.tasks + reports * COMPANY_USAGE_REPORT.tasks
    count = 4 * COMPANY_PER_TASK.events + reports * COMPANY_USAGE_REPORT.events
    size = 4 * COMPANY_PER_TASK.bytes + reports * COMPANY_USAGE_REPORT.bytes
    assert later.tasks <= tasks, f"{later.tasks} workflow tasks for 4 tasks, budget {tasks}: {later.kinds}"
    assert len(work.events) <= count, f"{len(work.events)} events for 4 tasks, budget {count}: {work.kinds}"
    assert work.bytes <= size, f"{work.bytes} bytes for 4 tasks, budget {size}: {work.kinds}"
