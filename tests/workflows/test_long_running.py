"""A company over 30 simulated days on the time-skipping server: 5,000 tasks, board approvals,
goals and hires, through several continue-as-new cycles, with nothing lost or counted twice.

Each day the board decides yesterday's approvals (escalated overnight by their 12 h timeout),
sets goals, hires now and then, and creates the day's tasks with one `create_tasks`; the test
waits until only today's approval requests are open, then skips to the next day. A `Watch`
polls the snapshot all along and checks each one against the one before, so each
continue-as-new is seen from just before and just after it: no open task or pending approval
leaves, no goal or agent leaves, nothing is carried twice, totals never go back. At the end the
store's records, the activity log, the model calls and the snapshot's totals agree task by task.

This test has a time-skipping server of its own: it leaves thousands of workflows behind, and
one that failed midway could leave work open that stops the shared server skipping time.
"""

import asyncio
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import timedelta

import pytest
from temporalio.api.filter.v1 import WorkflowExecutionFilter
from temporalio.api.testservice.v1 import UnlockTimeSkippingRequest
from temporalio.api.workflowservice.v1 import ListClosedWorkflowExecutionsRequest, ListOpenWorkflowExecutionsRequest
from temporalio.client import Client, WorkflowExecutionStatus, WorkflowHandle
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

from paperclip.binaries import temporal_test_server
from paperclip.constants import llm_queue, task_workflow_id
from paperclip.models import (
    AgentSpec,
    ApprovalStatus,
    CompanySnapshot,
    CompanySpec,
    CreateTaskInput,
    CreateTasksInput,
    DecideApprovalInput,
    GoalInput,
    GoalLevel,
    GoalStatus,
    GoalUpdateInput,
    HireAgentInput,
    Priority,
    TaskRecord,
    TaskStatus,
    ToolCall,
    Usage,
)
from paperclip.tools import COMPLETE_TASK, REQUEST_APPROVAL
from tests.workflows.helpers import company_id_of, start_company
from tests.workflows.stand_ins import RecordingStore, ScriptedModel
from workflows.company import CompanyWorkflow
from workflows.company.approvals import DECIDED_APPROVALS_CARRIED
from workflows.company.workflow import FINISHED_TASKS_CARRIED
from workflows.task import TaskWorkflow

DAYS = 30
TASKS = 5_000
CAN_AFTER = 500
"""Handled messages per run; a day brings ~175 (its tasks' ends, approvals, board updates)."""
COUNSEL = [f"counsel{i}" for i in range(1, 5)]
"""Each asks the board once per task and takes one task at a time, so its script stays in order."""
HIRES = {10: "eng3", 20: "eng4"}
DECISIONS = [ApprovalStatus.APPROVED, ApprovalStatus.REJECTED, ApprovalStatus.REVISION_REQUESTED]
AGENTS = [
    AgentSpec(name="ceo", role="ceo", max_concurrent_runs=2),  # delegates each task to pa
    AgentSpec(name="pa", reports_to="ceo"),
    *(AgentSpec(name=name, role="engineer", max_concurrent_runs=60) for name in ("eng1", "eng2")),
    *(AgentSpec(name=name, max_concurrent_runs=1) for name in COUNSEL),
]
FOUNDING = [GoalInput(title="Ship the product"), GoalInput(title="Stay compliant")]


def counsel_script(name: str) -> list[list[ToolCall]]:
    """A request to the board on each task's first turn (a task a day), the task's end on its second."""
    turns: list[list[ToolCall]] = []
    for day in range(DAYS + 1):
        args = {"kind": "board", "title": f"{name}: sign-off {day}", "details": "contract"}
        turns.append([ToolCall(id=f"ask-{name}-{day}", name=REQUEST_APPROVAL, arguments=args)])
        turns.append([ToolCall(id=f"done-{name}-{day}", name=COMPLETE_TASK, arguments={"result": "signed"})])
    return turns


def open_tasks(snap: CompanySnapshot) -> dict[str, TaskStatus]:
    return {t.identifier: t.status for t in snap.tasks if not t.status.is_terminal}


def pending(snap: CompanySnapshot) -> list[str]:
    return [a.id for a in snap.approvals if a.status is ApprovalStatus.PENDING]


def waiting_for_the_board(snap: CompanySnapshot) -> bool:
    """The day's work is done but for a request to the board from each counsel, which waits."""
    waiting = [t for t in snap.tasks if not t.status.is_terminal]
    return (
        not snap.queue
        and sorted(t.assignee for t in waiting) == COUNSEL
        and all(t.status is TaskStatus.BLOCKED for t in waiting)
        and len(pending(snap)) == len(COUNSEL)
    )


@asynccontextmanager
async def company_workers(client: Client, model: ScriptedModel, store: RecordingStore) -> AsyncIterator[str]:
    """`stand_in_workers` without the sandbox: it costs 5,000 task workflows ~25 ms each (their
    modules are imported, and without .pyc files compiled, once per workflow), which would double
    this test's time. The other workflow tests and the replay tests run in the sandbox."""
    queue = f"test-{uuid.uuid4().hex}"
    async with (
        Worker(
            client,
            task_queue=queue,
            workflows=[CompanyWorkflow, TaskWorkflow],
            activities=[store.record, store.notify],
            workflow_runner=UnsandboxedWorkflowRunner(),
        ),
        Worker(client, task_queue=llm_queue(queue), activities=[model.model_turn]),
    ):
        yield queue


class Watch:
    """Polls the company's snapshot and checks each against the one before (see the module
    docstring); keeps the store's latest record of each task."""

    def __init__(self, client: Client, company: WorkflowHandle[CompanyWorkflow, object], store: RecordingStore) -> None:
        self.client, self.company, self.store = client, company, store
        self.last: CompanySnapshot | None = None
        self.snapshots = 0
        self.transitions: list[tuple[int, int]] = []
        """(generation before, after) of each continue-as-new seen between two snapshots."""
        self.records: dict[str, TaskRecord] = {}
        self._read = 0
        self._closed_runs: set[str] = set()
        self.broken_runs: list[str] = []
        """Runs the server failed to continue-as-new (see `release_orphan_locks`)."""
        self._orphans: set[str] = set()
        self._released: set[str] = set()

    async def until(self, done: Callable[[CompanySnapshot], bool], *, timeout: float = 90) -> CompanySnapshot:
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            try:
                snap = await self.company.query(CompanyWorkflow.snapshot)
            except RPCError:  # it met a run's end; the next one reaches the new run
                pass
            else:
                self._check(snap)
                if done(snap):
                    return snap
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"not done; the open tasks: {await self._open_task_workflows()}")
            await asyncio.sleep(0.2)

    async def _open_task_workflows(self) -> dict[str, str]:
        """The tasks open in the last snapshot, with how their workflow stands (why it failed)."""
        found: dict[str, str] = {}
        for identifier, status in open_tasks(self.last).items() if self.last else ():
            task = self.client.get_workflow_handle(task_workflow_id(company_id_of(self.company), identifier))
            state = (await task.describe()).status
            found[identifier] = f"{status} in the company, its workflow {state.name if state else '?'}"
            if state is WorkflowExecutionStatus.FAILED:
                failure = (await task.fetch_history()).events[-1].workflow_execution_failed_event_attributes.failure
                found[identifier] += f" ({failure.application_failure_info.type}: {failure.message})"
        return found

    def latest_records(self) -> dict[str, TaskRecord]:
        for batch in self.store.batches[self._read :]:
            self.records.update((t.identifier, t) for t in batch.tasks)
        self._read = len(self.store.batches)
        return self.records

    def _check(self, snap: CompanySnapshot) -> None:
        tasks = {t.identifier: t for t in snap.tasks}
        assert len(tasks) == len(snap.tasks), "a task is carried twice"
        assert len({a.id for a in snap.approvals}) == len(snap.approvals), "an approval is carried twice"
        assert len({a.spec.name for a in snap.agents}) == len(snap.agents), "an agent is carried twice"
        assert [g.id for g in snap.goals] == [f"G{i}" for i in range(1, len(snap.goals) + 1)]
        assert all(tasks[i].status is TaskStatus.QUEUED for i in snap.queue)
        before, self.last = self.last, snap
        self.snapshots += 1
        if before is None:
            return
        assert snap.generation >= before.generation
        assert snap.usage.input_tokens >= before.usage.input_tokens and snap.cost_usd >= before.cost_usd - 1e-9
        assert {a.spec.name for a in before.agents} <= {a.spec.name for a in snap.agents}
        assert len(before.goals) <= len(snap.goals)
        approvals = {a.id for a in snap.approvals}
        gone_tasks = [t for t in before.tasks if t.identifier not in tasks]
        gone_approvals = [a for a in before.approvals if a.id not in approvals]
        if snap.generation == before.generation:
            assert not gone_tasks and not gone_approvals, "the index lost an entry within a run"
            return
        self.transitions.append((before.generation, snap.generation))
        # Across a continue-as-new only finished tasks and decided approvals leave, the older ones
        # first, beyond what is carried; a task that leaves is in the store, finished.
        records = self.latest_records()
        finished = [t.updated_at for t in snap.tasks if t.status.is_terminal]
        for task in gone_tasks:
            record = records.get(task.identifier)
            assert record is not None and record.status.is_terminal, f"{task.identifier} ({task.status}) lost"
            assert len(finished) >= FINISHED_TASKS_CARRIED and record.updated_at <= min(finished)
        for approval in gone_approvals:
            assert approval.status is not ApprovalStatus.PENDING, f"pending {approval.id} lost"
            assert sum(a.status is not ApprovalStatus.PENDING for a in snap.approvals) >= DECIDED_APPROVALS_CARRIED

    async def _company_runs(self) -> list[str]:
        """Every run of the company, open or closed (the test server lists no other way). Its
        lists iterate its store unguarded and fail now and then while workflows change
        (ConcurrentModificationException): tried again."""
        found = WorkflowExecutionFilter(workflow_id=self.company.id)
        service = self.client.workflow_service
        namespace = self.client.namespace
        for attempt in range(10):
            try:
                opened = await service.list_open_workflow_executions(
                    ListOpenWorkflowExecutionsRequest(namespace=namespace, execution_filter=found)
                )
                closed = await service.list_closed_workflow_executions(
                    ListClosedWorkflowExecutionsRequest(namespace=namespace, execution_filter=found)
                )
            except RPCError:
                if attempt == 9:
                    raise
                await asyncio.sleep(0.2)
            else:
                return [e.execution.run_id for e in [*closed.executions, *opened.executions]]
        raise AssertionError("unreachable")

    async def release_orphan_locks(self) -> None:
        """Work around two time-skipping server bugs, so that it skips time again.

        - A child workflow that ends after the run that started it continued-as-new takes a
          time-skipping lock to notify that run ("processCompleteWorkflowExecution notify
          parent") and never gives it back (temporalio/sdk-java#1540): one lock is given back
          per such child once it has ended.
        - Now and then, under load, the server fails the completion of the workflow task that
          continues the company as new after it has started the new run: the old run keeps that
          task, and its lock, for ever, with no continued-as-new event in its history (the worker
          is told "workflow execution already completed"). One lock is given back for it, and
          its children count as above.

        Exactly one lock each: one too many crashes the server.
        """
        for run_id in await self._company_runs():
            if run_id in self._closed_runs:
                continue
            run = self.client.get_workflow_handle(self.company.id, run_id=run_id)
            if (await run.describe()).status is WorkflowExecutionStatus.RUNNING:
                # The current run, or a broken one: not current, yet running still after it was.
                current = (await self.client.get_workflow_handle(self.company.id).describe()).run_id
                if current == run_id or (await run.describe()).status is not WorkflowExecutionStatus.RUNNING:
                    continue
            history = await run.fetch_history()
            started, ended = set(), set()
            for event in history.events:
                kind = event.WhichOneof("attributes") or ""
                if kind == "start_child_workflow_execution_initiated_event_attributes":
                    started.add(event.start_child_workflow_execution_initiated_event_attributes.workflow_id)
                elif kind.startswith("child_workflow_execution_") and "started" not in kind:
                    ended.add(getattr(event, kind).workflow_execution.workflow_id)
            self._orphans |= started - ended
            self._closed_runs.add(run_id)
            if history.events[-1].WhichOneof("attributes") != "workflow_execution_continued_as_new_event_attributes":
                self.broken_runs.append(run_id)
                await self.client.test_service.unlock_time_skipping(UnlockTimeSkippingRequest())
        still_open = set(open_tasks(self.last)) if self.last else set()
        for workflow_id in sorted(self._orphans - self._released):
            if workflow_id.rsplit(":", 1)[1] in still_open:
                continue
            child = self.client.get_workflow_handle(workflow_id)
            while (await child.describe()).status is WorkflowExecutionStatus.RUNNING:
                await asyncio.sleep(0.05)
            await self.client.test_service.unlock_time_skipping(UnlockTimeSkippingRequest())
            self._released.add(workflow_id)


@pytest.mark.long
@pytest.mark.timeout(2400)  # minutes alone; many more on a machine busy with other tests
async def test_a_company_runs_30_days_and_5000_tasks_through_continue_as_new_losing_nothing() -> None:
    store = RecordingStore()
    model = ScriptedModel(plans={name: counsel_script(name) for name in COUNSEL})
    spec = CompanySpec(id="co-long", name="Acme", prefix="ACME", approval_timeout_seconds=12 * 3600)
    engineers = ["eng1", "eng2"]
    goals = {"G1": GoalStatus.ACTIVE, "G2": GoalStatus.ACTIVE}
    created: dict[str, TaskRecord] = {}
    decided: dict[str, ApprovalStatus] = {}
    async with (
        await WorkflowEnvironment.start_time_skipping(
            test_server_existing_path=temporal_test_server(), data_converter=pydantic_data_converter
        ) as env,
        company_workers(env.client, model, store) as queue,
    ):
        # Workflow tasks get a minute, not 10 s: on a loaded machine the company's (its history
        # near a continue-as-new is megabytes) may take longer, and the test server mishandles
        # a workflow task that times out while a run continues-as-new.
        company = await start_company(
            env.client,
            queue,
            AGENTS,
            spec=spec,
            goals=FOUNDING,
            continue_as_new_after_events=CAN_AFTER,
            task_timeout=timedelta(seconds=60),
        )
        watch = Watch(env.client, company, store)

        async def skip_a_day() -> None:
            """Sleep a day of skipped time. The day's timers (escalations) make the company handle
            messages, so it may continue-as-new while time skips and leave a lock behind (see
            `release_orphan_locks`), which would stop the skip for ever: every 30 s of real time
            without the day gone, the locks are looked for again; after 10 minutes, a failure."""
            sleeping = asyncio.ensure_future(env.sleep(timedelta(days=1)))
            for _ in range(20):
                done, _ = await asyncio.wait({sleeping}, timeout=30)
                if done:
                    return sleeping.result()
                await watch.release_orphan_locks()
            sleeping.cancel()
            raise AssertionError(f"a day did not pass in 10 minutes; broken runs: {watch.broken_runs}")

        async def next_morning() -> None:
            """Skip to the next day and decide yesterday's requests, escalated overnight."""
            await watch.release_orphan_locks()
            await skip_a_day()
            snap = await watch.until(lambda s: all(a.escalated for a in s.approvals if a.id in pending(s)))
            assert len(pending(snap)) == len(COUNSEL)
            for approval in pending(snap):
                decision = DECISIONS[int(approval.removeprefix("AP-")) % len(DECISIONS)]
                await company.execute_update(
                    CompanyWorkflow.decide_approval, DecideApprovalInput(id=approval, decision=decision)
                )
                decided[approval] = decision

        async def set_goal(change: GoalInput | GoalUpdateInput) -> str:
            if isinstance(change, GoalInput):
                goal = await company.execute_update(CompanyWorkflow.create_goal, change)
            else:
                goal = await company.execute_update(CompanyWorkflow.update_goal, change)
            goals[goal.id] = goal.status
            return goal.id

        sprint = contracts = ""
        for day in range(DAYS):
            if day:
                await next_morning()
            if day % 5 == 0:  # a new sprint goal; the last one is achieved
                if sprint:
                    await set_goal(GoalUpdateInput(id=sprint, status=GoalStatus.ACHIEVED, note="shipped"))
                owner = engineers[day // 5 % len(engineers)]
                sprint = await set_goal(
                    GoalInput(title=f"Sprint {day // 5}", level=GoalLevel.TEAM, parent="G1", owner=owner)
                )
            if day == 3:
                contracts = await set_goal(
                    GoalInput(title="Contracts", level=GoalLevel.AGENT, parent="G2", owner="counsel1")
                )
            if day == 18:  # cancelling a company goal cancels the goals under it
                await set_goal(GoalUpdateInput(id="G2", status=GoalStatus.CANCELLED))
                goals[contracts] = GoalStatus.CANCELLED
            if day in HIRES:
                hire = AgentSpec(name=HIRES[day], role="engineer", max_concurrent_runs=60)
                await company.execute_update(CompanyWorkflow.hire_agent, HireAgentInput(agent=hire))
                engineers.append(hire.name)
            legal = contracts if goals.get(contracts) is GoalStatus.ACTIVE else "G1"
            inputs = [CreateTaskInput(title=f"Day {day}: review", assignee="ceo", goal="G1")]
            inputs += [CreateTaskInput(title=f"Day {day}: contract", assignee=c, goal=legal) for c in COUNSEL]
            inputs += [
                CreateTaskInput(
                    title=f"Day {day}: ticket {i}",
                    assignee=engineers[i % len(engineers)],
                    priority=list(Priority)[i % len(Priority)],
                    goal=sprint,
                )
                for i in range(TASKS // DAYS + (day < TASKS % DAYS) - len(inputs))
            ]
            queued = await company.execute_update(CompanyWorkflow.create_tasks, CreateTasksInput(tasks=inputs))
            created.update((r.identifier, r) for r in queued)
            snap = await watch.until(waiting_for_the_board)
            assert open_tasks(snap).keys() <= {r.identifier for r in queued}  # today's requests
        await next_morning()

        def all_done(snap: CompanySnapshot) -> bool:
            """Done, and recorded: the store's write of the last changes may come after the snapshot."""
            recorded = watch.latest_records().values()
            return not (snap.queue or open_tasks(snap)) and all(r.status.is_terminal for r in recorded)

        snap = await watch.until(all_done)
        records = watch.latest_records()

    # 30 days, several continue-as-new cycles, each seen from both sides.
    assert list(created) == [f"ACME-{i}" for i in range(1, TASKS + 1)]
    assert created["ACME-5000"].created_at - created["ACME-1"].created_at >= timedelta(days=DAYS - 1)
    assert snap.generation >= 5 and len(watch.transitions) >= 5
    print(f"\n{snap.generation} continue-as-new cycles; {watch.snapshots} snapshots; seen {watch.transitions}")
    print(f"runs the test server failed to continue-as-new: {watch.broken_runs}")

    # Every task once in the store, finished as it was created, with its own turns and no more.
    turns = {i: 2 if r.assignee in ("ceo", *COUNSEL) else 1 for i, r in created.items()}
    turns |= {f"{i}.1": 1 for i, r in created.items() if r.assignee == "ceo"}
    assert records.keys() == turns.keys()
    for identifier, record in records.items():
        assert (record.status, record.turns) == (TaskStatus.DONE, turns[identifier]), record
        assert record.usage == Usage(input_tokens=100 * record.turns, output_tokens=10 * record.turns), record
        assert record.cost_usd == pytest.approx(0.001 * record.turns)
        mine = created.get(identifier)
        if mine is None:
            assert (record.assignee, record.parent) == ("pa", identifier.removesuffix(".1"))
        else:
            assert (record.title, record.assignee, record.priority, record.goal) == (
                mine.title,
                mine.assignee,
                mine.priority,
                mine.goal,
            )
    calls = Counter((c.session.task, c.seq) for c in model.calls)
    assert calls == Counter({(i, seq): 1 for i, n in turns.items() for seq in range(1, n + 1)})

    # The activity log (without repeats of a retried write) says each thing once.
    log = list({e.id: e for b in store.batches for e in b.activity}.values())

    def logged(kind: str, key: Callable[..., str | None]) -> Counter[str | None]:
        return Counter(key(e) for e in log if e.kind == kind)

    assert logged("task.created", lambda e: e.task) == Counter(turns.keys())
    assert logged("task.finished", lambda e: e.task) == Counter(turns.keys())
    approvals = Counter(f"AP-{i}" for i in range(1, DAYS * len(COUNSEL) + 1))
    assert Counter(decided.keys()) == approvals
    for kind in ("approval.requested", "approval.escalated", "approval.decided"):
        assert logged(kind, lambda e: e.summary.split()[0]) == approvals, kind
    assert logged("goal.created", lambda e: e.summary.split()[0]) == Counter(goals.keys())
    names = [a.name for a in AGENTS] + list(HIRES.values())
    assert logged("agent.hired", lambda e: e.agent) == Counter(names)

    # The snapshot: every goal and agent, the latest decided approvals, and totals equal to the
    # sum over the tasks (nothing counted twice or lost across continue-as-new).
    assert {g.id: g.status for g in snap.goals} == goals
    assert sorted(a.spec.name for a in snap.agents) == sorted(names)
    assert all(a.running == 0 and a.status.is_available for a in snap.agents)
    kept = len(snap.approvals)
    assert kept >= DECIDED_APPROVALS_CARRIED
    assert {a.id: a.status for a in snap.approvals} == dict(list(decided.items())[-kept:])
    total = sum(turns.values())
    assert snap.usage == Usage(input_tokens=100 * total, output_tokens=10 * total)
    assert snap.cost_usd == pytest.approx(0.001 * total)
    by_agent = Counter({name: 0 for name in names})
    for identifier, n in turns.items():
        by_agent[records[identifier].assignee] += n
    assert {a.spec.name: a.usage.input_tokens for a in snap.agents} == {n: 100 * t for n, t in by_agent.items()}
    assert sum(a.cost_usd for a in snap.agents) == pytest.approx(0.001 * total)
