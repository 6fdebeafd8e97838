"""A model agent given MCP servers' tools, on the real workers with real MCP servers over stdio in
the sandbox (the reference `mcp-server-time` from PyPI, and `tests/mcp/crash_server.py`), through
the real SDK against the fake provider server: it is offered the servers' tools, calls them and
reads their answers; an MCP answer is untrusted, so a later risky call asks a person; a server
that cannot be listed, or dies mid-call, is an error the model reads, not a failed task."""

import json
from pathlib import Path
from typing import Any

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from paperclip.constants import Activity, company_workflow_id, task_workflow_id
from paperclip.models import (
    AgentSpec,
    ApprovalKind,
    ApprovalStatus,
    CompanyInput,
    CompanySpec,
    CreateTaskInput,
    DecideApprovalInput,
    ModelConfig,
    Provider,
    TaskStatus,
)
from paperclip.store import Store
from tests.fakes import FakeModelServer
from tests.mcp.conftest import ALLOW, stdio
from tests.test_end_to_end import MODELS, TEST_KEY, bound_settings, in_process_workers, model_server, store
from tests.workflows.helpers import wait_for
from workflows.company import CompanyWorkflow

__all__ = ["model_server", "store"]  # the fixtures


def tool_messages(request: dict[str, Any]) -> list[str]:
    """The tool results an OpenAI-wire request carries, in order."""
    return [m["content"] for m in request["messages"] if m["role"] == "tool"]


def offered(request: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {t["function"]["name"]: t["function"] for t in request["tools"]}


async def start(
    client: Client, queue: str, store: Store, server: FakeModelServer, tools: list[str], servers: list[str]
) -> tuple[WorkflowHandle[CompanyWorkflow, object], str]:
    """A company with one agent on the fake server given `tools`, the stdio `servers` attached to
    it in the store, and one task for the agent."""
    company_id = f"mcp-{queue[-8:]}"
    spec = CompanySpec(id=company_id, name="Acme", prefix="ACME")
    store.upsert_company(spec)
    for name in servers:
        assert store.add_mcp_server(company_id, stdio(name))
    model = ModelConfig(
        provider=Provider.OPENAI, model=MODELS[Provider.OPENAI], base_url=server.base_url_openai, credential=TEST_KEY
    )
    agent = AgentSpec(name="dev", role="engineer", model=model, tools=tools)
    company = await client.start_workflow(
        CompanyWorkflow.run,
        CompanyInput(spec=spec, agents=[agent]),
        id=company_workflow_id(company_id),
        task_queue=queue,
    )
    await company.execute_update(CompanyWorkflow.create_task, CreateTaskInput(title="What time is it?", assignee="dev"))
    return company, company_id


async def scheduled(client: Client, workflow_id: str, activity: str) -> int:
    """How many times the workflow scheduled `activity`."""
    history = await client.get_workflow_handle(workflow_id).fetch_history()
    return sum(
        1
        for e in history.events
        if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
        and e.activity_task_scheduled_event_attributes.activity_type.name == activity
    )


async def test_an_agent_is_offered_its_mcp_servers_tools_calls_them_and_an_mcp_answer_makes_risky_calls_ask(
    dev_env: WorkflowEnvironment,
    model_server: FakeModelServer,
    store: Store,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(TEST_KEY, model_server.openai_key)
    settings = bound_settings(
        model_server, home=tmp_path, mcp_stdio_allow={"time": ALLOW["time"], "crashy": ALLOW["crashy"]}
    )
    model_server.call_next("time__get_current_time", json.dumps({"timezone": "Europe/Paris"}))
    model_server.call_next("crashy__echo", json.dumps({"text": "hello from the sandbox"}))
    model_server.call_next("complete_task", json.dumps({"result": "It is evening in Paris."}))
    client = dev_env.client
    async with in_process_workers(client, store, settings=settings) as queue:
        company, company_id = await start(
            client, queue, store, model_server, ["time__*", "crashy__echo"], servers=["time", "crashy"]
        )
        # The time server's tools are read-only; crashy's echo is not: once the task has read
        # the time server's (untrusted) answer, echo waits for a person.
        snap = await wait_for(company, lambda s: any(a.kind is ApprovalKind.TOOL_CALL for a in s.approvals), timeout=60)
        [asked] = [a for a in snap.approvals if a.kind is ApprovalKind.TOOL_CALL]
        assert asked.tool_call is not None and asked.tool_call.tool == "crashy__echo"
        assert "untrusted" in asked.tool_call.why_asked
        assert asked.tool_call.arguments == {"text": "hello from the sandbox"}
        await company.execute_update(
            CompanyWorkflow.decide_approval, DecideApprovalInput(id=asked.id, decision=ApprovalStatus.APPROVED)
        )
        snap = await wait_for(company, lambda s: bool(s.tasks) and s.tasks[0].status.is_terminal, timeout=60)
        task_id = task_workflow_id(company_id, snap.tasks[0].identifier)
        listings = await scheduled(client, task_id, Activity.MCP_TOOLS)
        await company.terminate("the test is over")
    assert snap.tasks[0].status is TaskStatus.DONE, snap.tasks[0].result
    first, second, third = model_server.requests[:3]
    tools = offered(first)
    # Namespaced by server, after the standard tools, each with its server's schema; of crashy
    # only the tool the agent was given.
    mcp_names = [n for n in tools if "__" in n]
    assert mcp_names == ["time__get_current_time", "time__convert_time", "crashy__echo"]
    assert tools["time__get_current_time"]["parameters"]["required"] == ["timezone"]
    assert tools["crashy__echo"]["parameters"]["properties"]["text"]["type"] == "string"
    [now] = tool_messages(second)
    assert '"timezone": "Europe/Paris"' in now, now
    assert tool_messages(third)[-1] == "hello from the sandbox"
    # Each server listed once for the task's three turns: the listing is carried, not asked again.
    assert listings == 2
    assert model_server.calls == 3


async def test_a_server_that_cannot_be_listed_or_dies_mid_call_is_an_error_the_model_reads(
    dev_env: WorkflowEnvironment,
    model_server: FakeModelServer,
    store: Store,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(TEST_KEY, model_server.openai_key)
    settings = bound_settings(model_server, home=tmp_path, mcp_stdio_allow={"crashy": ALLOW["crashy"]})
    model_server.call_next("crashy__crash", "{}")
    model_server.call_next("ghost__lookup", json.dumps({"q": "anything"}))
    model_server.call_next("complete_task", json.dumps({"result": "The tools are broken."}))
    client = dev_env.client
    async with in_process_workers(client, store, settings=settings) as queue:
        # `ghost` is named by the agent but not attached to the company.
        company, _ = await start(client, queue, store, model_server, ["ghost__*", "crashy__crash"], servers=["crashy"])
        snap = await wait_for(company, lambda s: bool(s.tasks) and s.tasks[0].status.is_terminal, timeout=60)
        await company.terminate("the test is over")
    assert snap.tasks[0].status is TaskStatus.DONE, snap.tasks[0].result
    first, second, third = model_server.requests[:3]
    told = [m["content"] for m in first["messages"] if m["role"] == "user" and "could not list" in str(m["content"])]
    assert len(told) == 1 and "no MCP server 'ghost'" in told[0], first["messages"]
    assert [n for n in offered(first) if "__" in n] == ["crashy__crash"]
    [crashed] = tool_messages(second)
    assert crashed.startswith("Error: ") and "crashy" in crashed and "crashing on purpose" in crashed, crashed
    ghost = tool_messages(third)[-1]
    assert ghost.startswith("Error: ghost__lookup failed") and "no MCP server 'ghost'" in ghost, ghost
