"""A CLI agent's turns keep to the worker host that holds its session and workspace: a retry runs
on that host's own CLI queue, resuming the session; another agent's turn (a reassigned task) may
run anywhere; and when the host is gone the turn runs again on any host, in a new session told
why, without the lost wait counting as an attempt or as spend."""

import uuid
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from temporalio import activity
from temporalio.client import Client, WorkflowHandle
from temporalio.exceptions import ActivityError, ApplicationError, TimeoutError, TimeoutType
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from paperclip.constants import cli_queue, task_workflow_id
from paperclip.models import (
    Adapter,
    AgentSpec,
    CliConfig,
    CliTurnInput,
    CliTurnResult,
    CreateTaskInput,
    Message,
    ReassignTaskInput,
    TaskStatus,
    Trace,
    Usage,
)
from paperclip.traces import TraceReader
from paperclip.traces.history import UNCLAIMED
from tests.workflows.helpers import start_company, wait_for
from tests.workflows.stand_ins import RecordingStore, end_companies
from workflows import retries, task_sessions, task_turns
from workflows.company import CompanyWorkflow
from workflows.task import TaskWorkflow

LATER = timedelta(minutes=20)
"""How long a failed attempt asks to wait: the test changes the hosts meanwhile."""


@dataclass
class Call:
    host: str
    queue: str
    """The queue the attempt was taken from."""
    input: CliTurnInput


@dataclass
class Hosts:
    """Stand-in CLI tools on named worker hosts, sharing one log of calls and one script of modes
    (`crash`: the tool starts its session and breaks; `ok`)."""

    base: str
    script: list[str] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    retry_after: timedelta = LATER

    def on(self, host: str) -> "Host":
        return Host(self, host)


@dataclass
class Host:
    hosts: Hosts
    name: str

    @property
    def queue(self) -> str:
        return cli_queue(self.hosts.base, self.name)

    @activity.defn(name="cli_turn")
    async def cli_turn(self, input: CliTurnInput) -> CliTurnResult:
        hosts = self.hosts
        hosts.calls.append(Call(self.name, activity.info().task_queue, input))
        session = input.resume or f"{self.name}-{uuid.uuid4().hex[:6]}"
        if (hosts.script.pop(0) if hosts.script else "ok") == "crash":
            raise ApplicationError(
                "claude failed (exit code 3): the connection to the model broke",
                {"session_id": session, "queue": self.queue},
                type="CliAgentFailed",
                next_retry_delay=hosts.retry_after,
            )
        agent = input.session.agent
        return CliTurnResult(
            reply=Message(role="assistant", content=f"{agent} finished on {self.name}", author=agent),
            usage=Usage(input_tokens=10, output_tokens=2),
            cost_usd=None,
            tool="claude-code",
            model="m",
            session_id=session,
            host_queue=self.queue,
        )

    def workers(self, client: Client) -> tuple[Worker, Worker]:
        """This host's workers: on the shared CLI queue, and on its own."""
        shared, own = (
            Worker(client, task_queue=q, activities=[self.cli_turn]) for q in (cli_queue(self.hosts.base), self.queue)
        )
        return shared, own


def dev(**cli: object) -> AgentSpec:
    return AgentSpec(name="dev", role="engineer", adapter=Adapter.CLAUDE_LOCAL, cli=CliConfig(**cli))


async def another_client(env: WorkflowEnvironment) -> Client:
    """A client of its own, as another host's worker process has (one client polls a queue once)."""
    return await Client.connect(env.client.service_client.config.target_host, data_converter=env.client.data_converter)


async def trace_of(client: Client, company: WorkflowHandle[Any, Any]) -> Trace:
    """ACME-1's trace, read from its history as the API reads it."""
    task_id = task_workflow_id(company.id.split(":", 1)[1], "ACME-1")
    trace = Trace(company_id=company.id, identifier="ACME-1", workflow_id=task_id)
    reader = TraceReader(client.data_converter, trace)
    async for event in client.get_workflow_handle(task_id).fetch_history_events():
        await reader.add(event)
    return trace


def workflows(client: Client, queue: str) -> Worker:
    return Worker(
        client, task_queue=queue, workflows=[CompanyWorkflow, TaskWorkflow], activities=[RecordingStore().record]
    )


async def test_a_retry_resumes_its_session_on_the_host_that_holds_it(skipping_env: WorkflowEnvironment) -> None:
    client, queue = skipping_env.client, f"affinity-{uuid.uuid4().hex}"
    hosts = Hosts(queue, script=["crash"], retry_after=timedelta(seconds=1))
    a, b = hosts.on("a"), hosts.on("b")
    async with workflows(client, queue), AsyncExitStack() as stack:
        for worker in a.workers(client) + b.workers(await another_client(skipping_env)):
            await stack.enter_async_context(worker)
        company = await start_company(client, queue, [dev()])
        await company.execute_update(CompanyWorkflow.create_task, CreateTaskInput(title="Fix it", assignee="dev"))
        snap = await wait_for(company, lambda s: bool(s.tasks) and s.tasks[0].status.is_terminal, timeout=30)
        await end_companies(client, queue)
    first, second = hosts.calls
    assert first.queue == cli_queue(queue) and first.input.resume is None  # a new session: any host
    # The retry goes to the host whose tool started the session, and resumes it there.
    assert second.queue == cli_queue(queue, first.host) and second.host == first.host
    assert second.input.resume is not None and second.input.resume.startswith(first.host)
    assert snap.tasks[0].status is TaskStatus.DONE and snap.tasks[0].result == f"dev finished on {first.host}"


async def test_another_agents_turn_may_run_on_any_host(skipping_env: WorkflowEnvironment) -> None:
    client, queue = skipping_env.client, f"affinity-{uuid.uuid4().hex}"
    hosts = Hosts(queue, script=["crash"])
    a = hosts.on("a")
    agents = [
        AgentSpec(name="lead", role="ceo", adapter=Adapter.CODEX_LOCAL),
        dev().model_copy(update={"reports_to": "lead"}),
    ]
    shared, own = a.workers(client)
    async with workflows(client, queue), shared, own:
        company = await start_company(client, queue, agents)
        await company.execute_update(CompanyWorkflow.create_task, CreateTaskInput(title="Fix it", assignee="dev"))
        await wait_for(company, lambda s: bool(s.tasks) and s.tasks[0].retry is not None)
        await company.execute_update(
            CompanyWorkflow.reassign_task, ReassignTaskInput(identifier="ACME-1", assignee="lead")
        )
        await skipping_env.sleep(LATER + timedelta(minutes=1))
        snap = await wait_for(company, lambda s: s.tasks[0].status.is_terminal)
        await end_companies(client, queue)
    first, second = hosts.calls
    assert (first.input.session.agent, first.queue) == ("dev", cli_queue(queue))
    # dev's session and host are dev's: lead's tool starts its own session, on the shared queue.
    assert (second.input.session.agent, second.queue, second.input.resume) == ("lead", cli_queue(queue), None)
    assert snap.tasks[0].status is TaskStatus.DONE


async def test_a_turn_whose_host_is_gone_runs_again_elsewhere_in_a_new_session(
    skipping_env: WorkflowEnvironment, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The test server skips no time while an activity waits for a worker: the host's wait, shortened,
    # passes in real time (the workflows run in this process, their modules passed through).
    monkeypatch.setattr(task_turns, "HOST_WAIT", timedelta(seconds=3))
    monkeypatch.setattr(task_sessions, "HOST_WAIT", timedelta(seconds=3))
    client, queue = skipping_env.client, f"affinity-{uuid.uuid4().hex}"
    hosts = Hosts(queue, script=["crash"])
    a, b = hosts.on("a"), hosts.on("b")
    # A per-turn budget: an attempt charged as lost would show as unconfirmed spend.
    async with workflows(client, queue):
        company = await start_company(client, queue, [dev(turn_budget_usd=1.0)])
        shared, own = a.workers(client)
        async with shared, own:
            await company.execute_update(CompanyWorkflow.create_task, CreateTaskInput(title="Fix it", assignee="dev"))
            await wait_for(company, lambda s: bool(s.tasks) and s.tasks[0].retry is not None)
        # Host a is gone with the session its tool started; the retry waits on a's queue in vain.
        await skipping_env.sleep(LATER)
        waiting = await wait_for(company, lambda s: s.tasks[0].retry is not None and "gone" in s.tasks[0].retry.error)
        assert len(hosts.calls) == 1
        shared, own = b.workers(client)
        async with shared, own:
            snap = await wait_for(company, lambda s: s.tasks[0].status.is_terminal)
        trace = await trace_of(client, company)
        await end_companies(client, queue)
    first, second = hosts.calls
    assert (first.host, second.host) == ("a", "b")
    assert second.queue == cli_queue(queue) and second.input.resume is None
    # The new session starts with the standing instructions and is told why.
    assert second.input.prompt.startswith("You are dev")
    assert "worker host that is gone" in second.input.prompt and "Task ACME-1: Fix it" in second.input.prompt
    retry = waiting.tasks[0].retry
    assert retry is not None and retry.attempt == 2 and retry.of == 3, retry  # the wait was no attempt
    assert snap.tasks[0].status is TaskStatus.DONE and snap.tasks[0].result == "dev finished on b"
    assert snap.tasks[0].unconfirmed.attempts == 0  # it never ran: nothing charged as lost
    # The trace tells the attempt that failed, then why the turn left its host.
    assert [e.content for e in trace.events if e.kind == "error"] == [
        "claude turn failed: claude failed (exit code 3): the connection to the model broke",
        f"claude turn failed: {UNCLAIMED}",
    ]


def timed_out(kind: TimeoutType) -> ActivityError:
    err = ActivityError(
        "activity timed out",
        scheduled_event_id=5,
        started_event_id=0,
        identity="",
        activity_type="cli_turn",
        activity_id="1",
        retry_state=None,
    )
    err.__cause__ = TimeoutError("activity timed out", type=kind, last_heartbeat_details=[])
    return err


def test_an_attempt_no_worker_took_never_ran_and_is_not_charged_as_lost() -> None:
    unclaimed = timed_out(TimeoutType.SCHEDULE_TO_START)
    assert retries.unclaimed(unclaimed) and not retries.lost(unclaimed) and retries.retryable(unclaimed)
    assert "the host is gone" in retries.reason(unclaimed)
    silent = timed_out(TimeoutType.HEARTBEAT)  # started, then its worker went quiet: outcome unknown
    assert retries.lost(silent) and not retries.unclaimed(silent)
