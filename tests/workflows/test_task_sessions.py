"""A CLI agent's session belongs to the agent (and tool) that started it: a task reassigned to
another agent starts a session of its own there, never resumes the old agent's."""

import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from temporalio import activity
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from paperclip.constants import cli_queue
from paperclip.models import (
    Adapter,
    AgentSpec,
    CliTurnInput,
    CliTurnResult,
    CreateTaskInput,
    Message,
    ReassignTaskInput,
    TaskStatus,
    Usage,
)
from tests.workflows.helpers import start_company, wait_for
from tests.workflows.stand_ins import RecordingStore, end_companies
from workflows.company import CompanyWorkflow
from workflows.task import TaskWorkflow

LATER = timedelta(minutes=20)
"""How long the failed attempt asks to wait: the board reassigns the task meanwhile."""


@dataclass
class Tools:
    """Stand-in CLI tools that keep their sessions per agent, as the real ones do in each agent's
    home: a session another agent started is unknown to this one's tool, and resuming it fails."""

    sessions: dict[str, set[str]] = field(default_factory=dict)
    """Agent → the sessions its tool knows."""
    calls: list[CliTurnInput] = field(default_factory=list)
    crash_first: bool = True

    @activity.defn(name="cli_turn")
    async def cli_turn(self, input: CliTurnInput) -> CliTurnResult:
        self.calls.append(input)
        agent, tool = input.session.agent, input.adapter.value
        known = self.sessions.setdefault(agent, set())
        if input.resume is not None and input.resume not in known:
            raise ApplicationError(
                f"{tool} failed (exit code 1): No conversation found with session ID: {input.resume}",
                {"session_id": None},
                type="CliAgentFailed",
            )
        session = input.resume or f"{tool}-{agent}-{uuid.uuid4().hex[:6]}"
        known.add(session)
        if self.crash_first:  # the tool started its session, then broke: the task retries later
            self.crash_first = False
            raise ApplicationError(
                f"{tool} failed (exit code 3): the connection to the model broke",
                {"session_id": session},
                type="CliAgentFailed",
                next_retry_delay=LATER,
            )
        return CliTurnResult(
            reply=Message(role="assistant", content=f"{agent} finished", author=agent),
            usage=Usage(input_tokens=10, output_tokens=2),
            cost_usd=None,
            tool=tool,
            model="m",
            session_id=session,
        )


async def test_a_task_reassigned_to_another_cli_agent_starts_a_session_of_its_own(
    skipping_env: WorkflowEnvironment,
) -> None:
    client, tools = skipping_env.client, Tools()
    queue = f"sessions-{uuid.uuid4().hex}"
    agents = [
        AgentSpec(name="lead", role="ceo", adapter=Adapter.CODEX_LOCAL),
        AgentSpec(name="dev", role="engineer", reports_to="lead", adapter=Adapter.CLAUDE_LOCAL),
    ]
    async with (
        Worker(
            client, task_queue=queue, workflows=[CompanyWorkflow, TaskWorkflow], activities=[RecordingStore().record]
        ),
        Worker(client, task_queue=cli_queue(queue), activities=[tools.cli_turn]),
    ):
        company = await start_company(client, queue, agents)
        await company.execute_update(CompanyWorkflow.create_task, CreateTaskInput(title="Fix it", assignee="dev"))
        await wait_for(company, lambda s: bool(s.tasks) and s.tasks[0].retry is not None)
        await company.execute_update(
            CompanyWorkflow.reassign_task, ReassignTaskInput(identifier="ACME-1", assignee="lead")
        )
        await skipping_env.sleep(LATER + timedelta(minutes=1))
        snap = await wait_for(company, lambda s: s.tasks[0].status.is_terminal)
        await end_companies(client, queue)
    first, second = tools.calls[:2]
    assert (first.session.agent, first.adapter, first.resume) == ("dev", Adapter.CLAUDE_LOCAL, None)
    # lead's codex is not handed dev's Claude session: it starts its own, with its standing instructions.
    assert (second.session.agent, second.adapter, second.resume) == ("lead", Adapter.CODEX_LOCAL, None)
    assert second.prompt.startswith("You are lead")
    assert snap.tasks[0].status is TaskStatus.DONE, snap.tasks[0].result
    assert snap.tasks[0].result == "lead finished"
    assert len(tools.calls) == 2
