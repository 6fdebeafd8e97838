"""A model that calls a tool with arguments that do not fit reads what is wrong as the tool's
result, and carries on: over the real SDKs, from the fake provider server, on the real workers."""

import pytest
from temporalio.testing import WorkflowEnvironment

from paperclip.models import AgentSpec, CreateTaskInput, ModelConfig, Provider, TaskStatus
from paperclip.store import Store
from paperclip.tools import COMPLETE_TASK
from tests.fakes import FakeModelServer
from tests.test_end_to_end import (
    MODELS,
    TEST_KEY,
    all_done,
    bound_settings,
    in_process_workers,
    model_server,  # noqa: F401 - a fixture
    start_company,
    store,  # noqa: F401 - a fixture
)
from tests.workflows.helpers import wait_for
from workflows.company import CompanyWorkflow

BAD_ARGUMENTS = [
    ('{"result": 42}', "Error: invalid arguments for complete_task: result: Input should be a valid string"),
    ("{}", "Error: invalid arguments for complete_task: result: Field required"),
    (
        '{"result": "   "}',
        "Error: invalid arguments for complete_task: result: String should have at least 1 character",
    ),
    ("result: done", "Error: the arguments of complete_task are not a JSON object: 'result: done'"),
]


@pytest.mark.parametrize("provider", [Provider.OPENAI, Provider.ANTHROPIC])
@pytest.mark.parametrize(("arguments", "error"), BAD_ARGUMENTS, ids=[a for a, _ in BAD_ARGUMENTS])
async def test_malformed_tool_arguments_are_an_error_the_model_reads_next_turn(
    dev_env: WorkflowEnvironment,
    model_server: FakeModelServer,  # noqa: F811
    store: Store,  # noqa: F811
    provider: Provider,
    arguments: str,
    error: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(TEST_KEY, model_server.openai_key)
    base_url = model_server.base_url_openai if provider is Provider.OPENAI else model_server.base_url_anthropic
    model = ModelConfig(provider=provider, model=MODELS[provider], base_url=base_url, credential=TEST_KEY)
    model_server.call_next(COMPLETE_TASK, arguments)
    async with in_process_workers(dev_env.client, store, settings=bound_settings(model_server)) as queue:
        company_id, company = await start_company(dev_env.client, queue, [AgentSpec(name="solo", model=model)])
        await company.execute_update(CompanyWorkflow.create_task, CreateTaskInput(title="Write it", assignee="solo"))
        snap = await wait_for(company, all_done(1))

    task = snap.tasks[0]
    assert task.status is TaskStatus.DONE and task.turns == 2
    assert task.result is not None and "Done: Write it" in task.result  # not the bad call's "result"
    assert model_server.calls == 2
    assert error in str(model_server.requests[1]["messages"])  # the second request carried the error
    replies = [m for m in store.list_messages(company_id, "ACME-1") if m.role == "tool"]
    assert replies[0].content.startswith(error)  # in the conversation, as the model read it
