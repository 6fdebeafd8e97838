"""A model agent calls a registry tool on the real workers, through the real SDKs against the fake
provider server, and reads its result next turn in the provider's own wire format."""

import json
from typing import Any

import pytest
from temporalio.testing import WorkflowEnvironment

from paperclip.constants import company_workflow_id
from paperclip.models import (
    AgentSpec,
    CompanyInput,
    CompanySpec,
    CreateTaskInput,
    ModelConfig,
    Provider,
    RepositoryConfig,
    TaskStatus,
)
from paperclip.store import Store
from tests.fakes import FakeModelServer
from tests.test_end_to_end import MODELS, TEST_KEY, bound_settings, in_process_workers, model_server, store
from tests.workflows.helpers import wait_for
from tests.workflows.tool_stand_ins import PROBE_READ, TOOLS, ToolHost, tool_workers
from workflows.company import CompanyWorkflow

__all__ = ["model_server", "store"]  # the fixtures


def tool_answer(provider: Provider, request: dict[str, Any]) -> tuple[str, str]:
    """The tool result a request carries, as (the call's id, the result's text), read as the
    provider reads it."""
    if provider is Provider.OPENAI:
        [message] = [m for m in request["messages"] if m["role"] == "tool"]
        return message["tool_call_id"], message["content"]
    [block] = [
        b
        for m in request["messages"]
        if m["role"] == "user" and isinstance(m["content"], list)
        for b in m["content"]
        if b.get("type") == "tool_result"
    ]
    content = block["content"]
    text = content if isinstance(content, str) else "".join(part["text"] for part in content)
    return block["tool_use_id"], text


@pytest.mark.parametrize("provider", [Provider.OPENAI, Provider.ANTHROPIC])
async def test_a_model_agent_calls_a_tool_and_reads_its_result_in_the_providers_format(
    dev_env: WorkflowEnvironment,
    model_server: FakeModelServer,
    store: Store,
    provider: Provider,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(TEST_KEY, model_server.openai_key)
    base_url = model_server.base_url_openai if provider is Provider.OPENAI else model_server.base_url_anthropic
    model = ModelConfig(provider=provider, model=MODELS[provider], base_url=base_url, credential=TEST_KEY)
    agent = AgentSpec(name="dev", role="engineer", model=model, tools=TOOLS)
    model_server.call_next(PROBE_READ, json.dumps({"path": "src/app.py"}))
    host = ToolHost()
    client = dev_env.client
    async with (
        in_process_workers(client, store, settings=bound_settings(model_server), tools=False) as queue,
        tool_workers(client, host, queue),
    ):
        company_id = f"wire-{provider}-{queue[-8:]}"
        spec = CompanySpec(id=company_id, name="Acme", prefix="ACME", repository=RepositoryConfig(source="/r"))
        company = await client.start_workflow(
            CompanyWorkflow.run,
            CompanyInput(spec=spec, agents=[agent]),
            id=company_workflow_id(company_id),
            task_queue=queue,
        )
        await company.execute_update(CompanyWorkflow.create_task, CreateTaskInput(title="Read it", assignee="dev"))
        snap = await wait_for(company, lambda s: bool(s.tasks) and s.tasks[0].status.is_terminal)
        await company.terminate("the test is over")
    assert snap.tasks[0].status is TaskStatus.DONE, snap.tasks[0].result
    assert [(r.tool, r.arguments) for r in host.runs] == [(PROBE_READ, {"path": "src/app.py", "delay": 0.0})]
    # The first request offered the tool in the provider's format; the second carried its result.
    first, second = model_server.requests[:2]
    offered = [t["function"]["name"] if provider is Provider.OPENAI else t["name"] for t in first["tools"]]
    assert PROBE_READ in offered
    call_id, text = tool_answer(provider, second)
    assert call_id.endswith("-0") and text == f"probe_read src/app.py in /work/{snap.tasks[0].identifier}"
    assert model_server.calls == 2
