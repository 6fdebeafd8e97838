"""Traces rebuilt from Temporal history alone: order, delegation tree, runs, failures, Markdown."""

import asyncio
import uuid
from contextlib import AsyncExitStack
from pathlib import Path

import pytest
from temporalio.client import Client
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from api.traces import TraceNotFound, build_trace
from paperclip.constants import task_workflow_id
from paperclip.models import AgentSpec, CreateTaskInput, TaskStatus, Trace
from paperclip.store import Store
from paperclip.traces import trace_to_markdown
from tests.workflows.helpers import company_id_of, org, start_company, start_task
from tests.workflows.stand_ins import ScriptedModel, stand_in_workers
from workers.main import build_workers
from workflows.company import CompanyWorkflow


async def finished(client: Client, company_id: str, identifier: str) -> None:
    """Wait for the task's workflow (dispatched after the update returns) to complete."""
    for _ in range(200):
        try:
            await client.get_workflow_handle(task_workflow_id(company_id, identifier)).result()
            return
        except RPCError:
            await asyncio.sleep(0.05)
    raise AssertionError(f"{identifier} never started")


def kinds(trace: Trace) -> list[str]:
    return [e.kind for e in trace.events]


async def test_a_delegated_task_trace_has_the_delegations_and_child_results_in_order(
    dev_env: WorkflowEnvironment, tmp_path: Path
) -> None:
    client = dev_env.client
    store = Store(f"sqlite:///{tmp_path / 'p.db'}")
    store.migrate()
    queue = f"trace-{uuid.uuid4().hex}"
    async with AsyncExitStack() as stack:
        for worker in build_workers(client, store, task_queue=queue):
            await stack.enter_async_context(worker)
        company = await start_company(client, queue, org(reports=2))
        company_id = company.id.split(":", 1)[1]
        await company.execute_update(CompanyWorkflow.create_task, CreateTaskInput(title="Ship it", assignee="ceo"))
        await finished(client, company_id, "ACME-1")
        trace = await build_trace(client, company_id, "ACME-1")
    # Store rows are irrelevant: the trace must come from history alone.
    assert store.list_messages(company_id, "ACME-1")  # (the store has them, but it is not read)

    assert trace.title == "Ship it" and trace.assignee == "ceo" and trace.parent is None
    assert trace.status is TaskStatus.DONE and trace.result and trace.turns == 2
    assert trace.simulated is True and len(trace.run_ids) == 1
    assert kinds(trace)[:5] == ["task_started", "message", "model_reply", "delegation", "delegation"]
    assert kinds(trace)[-1] == "task_finished"
    first = trace.events[1]
    assert (first.actor, first.target) == ("board", "ceo") and "Ship it" in first.content
    delegations = [e for e in trace.events if e.kind == "delegation"]
    assert [(d.actor, d.target, d.child) for d in delegations] == [("ceo", "r1", "ACME-1.1"), ("ceo", "r2", "ACME-1.2")]
    results = [e for e in trace.events if e.kind == "child_result"]
    assert sorted(str(r.child) for r in results) == ["ACME-1.1", "ACME-1.2"]
    assert all(r.target == "ceo" and r.status is TaskStatus.DONE and r.content for r in results)
    positions = {e.kind: i for i, e in reversed(list(enumerate(trace.events)))}
    assert positions["delegation"] < positions["child_result"] < positions["task_finished"]
    assert [e.status for e in trace.events if e.kind == "status"] == [TaskStatus.BLOCKED, TaskStatus.RUNNING]
    replies = [e for e in trace.events if e.kind == "model_reply"]
    assert all(r.simulated and r.usage and r.usage.input_tokens > 0 and r.turn for r in replies)
    assert [r.turn for r in replies] == [1, 2]
    assert [e.tool for e in trace.events if e.kind == "tool_call"] == ["complete_task"]
    assert [e.at for e in trace.events] == sorted(e.at for e in trace.events)

    assert [c.identifier for c in trace.children] == ["ACME-1.1", "ACME-1.2"]
    child = trace.children[0]
    assert child.parent == "ACME-1" and child.assignee == "r1" and child.status is TaskStatus.DONE
    assert child.events[0].kind == "task_started" and child.events[0].actor == "ACME-1"
    assert kinds(child)[-1] == "task_finished"

    md = trace_to_markdown(trace)
    assert md.startswith("# Trace of ACME-1: Ship it")
    assert "## Delegation tree" in md
    assert "  - **ACME-1.1**" in md and "  - **ACME-1.2**" in md
    assert "ceo → r1 as ACME-1.1" in md and "ceo → r2 as ACME-1.2" in md
    assert "subtask result** ACME-1.1 (r1 → ceo): done" in md
    assert "(simulated)" in md and "tokens" in md
    assert md.index("delegation** ceo → r1") < md.index("subtask result** ACME-1.1") < md.index("### ACME-1.1")

    shallow = await build_trace(client, company_id, "ACME-1", include_children=False)
    assert shallow.children == [] and kinds(shallow) == kinds(trace)


async def test_a_trace_follows_the_continue_as_new_chain(dev_env: WorkflowEnvironment) -> None:
    client = dev_env.client
    async with stand_in_workers(client, ScriptedModel()) as queue:
        company = await start_company(client, queue, org(reports=1))
        company_id = company_id_of(company)
        agents = org(reports=1)
        handle = await start_task(
            client,
            queue,
            company,
            identifier="ACME-50",
            agent=agents[0],
            team=agents[1:],
            continue_as_new_after_turns=1,
        )
        await client.get_workflow_handle(handle.id).result()
        trace = await build_trace(client, company_id, "ACME-50")
    assert len(trace.run_ids) == 2
    assert kinds(trace).count("task_started") == 1
    assert [e.turn for e in trace.events if e.kind == "model_reply"] == [1, 2]
    assert trace.status is TaskStatus.DONE and trace.result == "ceo finished"
    assert [c.identifier for c in trace.children] == ["ACME-50.1"]


async def test_failed_model_calls_show_as_errors_with_their_attempt(dev_env: WorkflowEnvironment) -> None:
    client = dev_env.client
    model = ScriptedModel(failures={"ceo": [RuntimeError("provider hiccup")]})
    async with stand_in_workers(client, model) as queue:
        company = await start_company(client, queue, [AgentSpec(name="ceo", role="ceo")])
        company_id = company.id.split(":", 1)[1]
        await company.execute_update(CompanyWorkflow.create_task, CreateTaskInput(title="Try", assignee="ceo"))
        await finished(client, company_id, "ACME-1")
        trace = await build_trace(client, company_id, "ACME-1")
    errors = [e for e in trace.events if e.kind == "error"]
    assert len(errors) == 1 and errors[0].attempt == 1 and "provider hiccup" in errors[0].content
    assert trace.status is TaskStatus.DONE
    assert "error** ceo (turn 1) (attempt 1)" in trace_to_markdown(trace)


async def test_an_unknown_task_has_no_trace(dev_env: WorkflowEnvironment) -> None:
    with pytest.raises(TraceNotFound, match="ACME-404"):
        await build_trace(dev_env.client, "nobody", "ACME-404")


def test_the_summary_counts_one_turn_and_several_turns() -> None:
    from paperclip.models.traces import Trace

    one = Trace(company_id="acme", identifier="ACME-1", workflow_id="task:acme:ACME-1", title="Ship", turns=1)
    assert ", 1 turn" in trace_to_markdown(one) and "1 turns" not in trace_to_markdown(one)
    assert ", 3 turns" in trace_to_markdown(one.model_copy(update={"turns": 3}))
