"""The task workflow's model loop with registry tools on real Temporal: reminders and runaway caps,
parallel calls, and calls that wait or run across continue-as-new and a lost workspace host."""

import asyncio

import pytest
from pydantic import ValidationError
from temporalio.testing import WorkflowEnvironment

from paperclip.constants import task_workflow_id
from paperclip.models import (
    AgentSpec,
    ApprovalStatus,
    TaskStatus,
    ToolCall,
    ToolPolicy,
)
from paperclip.prompts import COMPLETE_REMINDER
from tests.workflows.helpers import company_id_of, start_company, start_task, wait_for
from tests.workflows.stand_ins import ScriptedModel
from tests.workflows.tool_helpers import (
    REPO,
    assign,
    company_with,
    decide,
    pending_tool_calls,
    read,
    run,
    task_is,
    tool_answers,
    workers,
)
from tests.workflows.tool_stand_ins import (
    HOST,
    PROBE_READ,
    ToolHost,
    fresh_queue,
    worker_agent,
)
from workflows.task import TaskWorkflow

# ------------------------------------------------------------------ the model loop


async def test_a_plain_reply_is_answered_with_a_reminder_and_the_task_ends_on_complete(
    dev_env: WorkflowEnvironment,
) -> None:
    client, queue = dev_env.client, fresh_queue()
    model, host = ScriptedModel(plans={"dev": [[]]}), ToolHost()
    async with workers(client, model, host, queue):
        company = await company_with(client, queue, worker_agent())
        await assign(company)
        snap = await wait_for(company, task_is(TaskStatus.DONE))
    assert snap.tasks[0].result == "dev finished"
    assert [m.content for m in model.calls[1].new_messages] == [COMPLETE_REMINDER]


async def test_plain_replies_in_a_row_stop_the_task(dev_env: WorkflowEnvironment) -> None:
    client, queue = dev_env.client, fresh_queue()
    model, host = ScriptedModel(plans={"dev": [[], [], [], []]}), ToolHost()
    async with workers(client, model, host, queue):
        company = await company_with(client, queue, worker_agent())
        await assign(company)
        snap = await wait_for(company, task_is(TaskStatus.FAILED))
    assert (
        snap.tasks[0].result == "stopped: 4 replies in a row without a tool call (the agent never called complete_task)"
    )
    assert len(model.calls) == 4


async def test_turns_of_failing_or_repeated_calls_stop_the_task(dev_env: WorkflowEnvironment) -> None:
    client, queue = dev_env.client, fresh_queue()
    bad = ToolCall(id="c", name=PROBE_READ, arguments={})  # no path: every call fails
    model, host = (
        ScriptedModel(plans={"dev": [[read("c0", "a")], *([[read("c1", "a")]] * 5), *([[bad]] * 5)]}),
        ToolHost(),
    )
    async with workers(client, model, host, queue):
        company = await company_with(client, queue, worker_agent())
        await assign(company)
        snap = await wait_for(company, task_is(TaskStatus.FAILED))
    assert snap.tasks[0].result == "stopped: 5 turns in a row whose tool calls all failed or repeated the turn before"
    assert len(model.calls) == 6  # the first read, then five repeats of it
    assert len(host.runs) == 6


async def test_calls_on_different_paths_run_in_parallel_and_answer_in_call_order(dev_env: WorkflowEnvironment) -> None:
    client, queue = dev_env.client, fresh_queue()
    turn = [read("a1", "a", delay=0.6), read("b", "b", delay=0.6), read("a2", "a"), run("r", "make")]
    model, host = ScriptedModel(plans={"dev": [turn]}), ToolHost()
    async with workers(client, model, host, queue):
        company = await company_with(client, queue, worker_agent())
        await assign(company)
        await wait_for(company, task_is(TaskStatus.DONE))
    spans = host.spans
    assert spans["b"][0] < spans["a1"][1] and spans["a1"][0] < spans["b"][1]  # a and b overlapped
    assert spans["a2"][0] >= spans["a1"][1]  # the same path: after
    assert spans["r"][0] >= max(spans["a2"][1], spans["b"][1])  # a command: alone, in order
    assert [m.tool_call_id for m in tool_answers(model, 2)] == ["a1", "b", "a2", "r"]


async def test_a_call_carries_the_hosts_its_agent_may_reach(dev_env: WorkflowEnvironment) -> None:
    client, queue = dev_env.client, fresh_queue()
    model, host = ScriptedModel(plans={"dev": [[run("r", "curl pypi.org")]]}), ToolHost()
    agent = AgentSpec.model_validate(worker_agent().model_dump() | {"allow_hosts": ["PyPI.org", "files.example:8443"]})
    async with workers(client, model, host, queue):
        company = await company_with(client, queue, agent)
        await assign(company)
        await wait_for(company, task_is(TaskStatus.DONE))
    assert [r.allow_hosts for r in host.runs] == [["pypi.org", "files.example:8443"]]


@pytest.mark.parametrize("entry", ["https://pypi.org", "pypi.org/simple", "pypi.org:99999", "*", ""])
def test_an_allowed_host_is_a_host_or_a_host_and_port(entry: str) -> None:
    with pytest.raises(ValidationError, match="is not a host"):
        AgentSpec(name="dev", role="engineer", allow_hosts=[entry])


# ------------------------------------------------------------------ durability


async def test_calls_waiting_for_a_person_are_carried_across_continue_as_new(dev_env: WorkflowEnvironment) -> None:
    client, queue = dev_env.client, fresh_queue()
    model, host = ScriptedModel(plans={"dev": [[run("c1", "make a"), run("c2", "make b")]]}), ToolHost()
    lead = AgentSpec(name="lead", role="ceo")
    dev = worker_agent(policy=ToolPolicy.ASK).model_copy(update={"reports_to": "lead"})
    async with workers(client, model, host, queue):
        company = await start_company(client, queue, [lead, dev])
        # A subtask (the company knows it, and answers its requests) that continues as new each turn.
        await start_task(
            client,
            queue,
            company,
            identifier="ACME-50",
            agent=lead,
            team=[dev],
            repository=REPO,
            continue_as_new_after_turns=1,
        )
        task = client.get_workflow_handle_for(TaskWorkflow.run, task_workflow_id(company_id_of(company), "ACME-50.1"))
        snap = await wait_for(company, lambda s: len(pending_tool_calls(s)) == 2)
        for _ in range(100):  # the wait continued as new, carrying both calls
            start = (await task.fetch_history()).events[0].workflow_execution_started_event_attributes
            if start.continued_execution_run_id:
                break
            await asyncio.sleep(0.05)
        assert start.continued_execution_run_id
        for approval in pending_tool_calls(snap):
            await decide(company, approval.id, ApprovalStatus.APPROVED)
        result = await asyncio.wait_for(task.result(), 20)
    assert result.status is TaskStatus.DONE
    assert [p.repository for p in host.prepared] == [REPO]  # the subtask's, inherited from its parent
    assert [(r.call_id, r.workspace and r.workspace.path) for r in host.runs] == [
        ("c1", "/work/ACME-50.1"),
        ("c2", "/work/ACME-50.1"),
    ]
    dev_turns = [c for c in model.calls if c.session.agent == "dev"]
    assert [m.tool_call_id for m in dev_turns[1].new_messages if m.role == "tool"] == ["c1", "c2"]


async def test_a_workspace_whose_host_is_gone_is_made_again_and_the_agent_is_told(
    dev_env: WorkflowEnvironment,
) -> None:
    client, queue = dev_env.client, fresh_queue()
    model, host = ScriptedModel(plans={"dev": [[read("c1", "a.py")]]}), ToolHost(first_host="gone")
    async with workers(client, model, host, queue):
        company = await company_with(client, queue, worker_agent())
        task = await start_task(
            client,
            queue,
            company,
            identifier="ACME-60",
            agent=worker_agent(),
            repository=REPO,
            workspace_pickup_seconds=1,
        )
        result = await asyncio.wait_for(task.result(), 30)
    assert result.status is TaskStatus.DONE
    assert [p.previous and p.previous.host for p in host.prepared] == [None, "gone"]
    assert [(r.call_id, r.workspace and r.workspace.host) for r in host.runs] == [("c1", HOST)]
    second = model.calls[1].new_messages
    assert [m.role for m in second] == ["tool", "user"]
    assert second[0].content == "probe_read a.py in /work/ACME-60"
    assert second[1].content == "Your workspace was rebuilt on another worker. Lost: uncommitted files."
