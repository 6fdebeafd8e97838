"""A company whose engineer is a real OpenCode or Gemini CLI (dev server, real workers, the real
store): its task runs to done on the tool's answer, and the ledger holds what the fake provider
counted, token for token."""

import json
import uuid
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment

from activities.cli.activity import CliActivities
from paperclip.constants import company_workflow_id
from paperclip.keys import BoundKey, normalise_url
from paperclip.models import (
    Adapter,
    AgentSpec,
    CliConfig,
    CompanyInput,
    CompanySpec,
    CreateTaskInput,
    CreateTasksInput,
    TaskStatus,
    Usage,
)
from paperclip.store import Store
from tests.cli_contract.npm import installed
from tests.fakes import FakeModelServer
from tests.test_end_to_end import in_process_workers
from tests.workflows.helpers import wait_for
from workflows.company import CompanyWorkflow

TOOLS = {Adapter.OPENCODE_LOCAL: "opencode", Adapter.GEMINI_LOCAL: "gemini"}


@pytest.fixture
def store(tmp_path: Path) -> Store:
    store = Store(f"sqlite:///{tmp_path / 'paperclip.db'}")
    store.migrate()
    return store


@pytest.mark.parametrize("adapter", list(TOOLS), ids=list(TOOLS.values()))
async def test_a_real_cli_agent_finishes_its_task_and_the_ledger_holds_the_providers_counts(
    adapter: Adapter, dev_env: WorkflowEnvironment, store: Store, server: FakeModelServer, tmp_path: Path
) -> None:
    company_id = f"cli-{uuid.uuid4().hex[:8]}"
    home = tmp_path / "home"
    bound = BoundKey("FAKE_KEY", server.gemini.key, (normalise_url(server.base_url),), "FAKE_KEY")
    if adapter is Adapter.OPENCODE_LOCAL:  # a provider of its own config, on the fake's chat completions
        cli = CliConfig(model="fake/fake-model")
        config = home / "homes" / company_id / "dev" / ".config" / "opencode" / "opencode.json"
        config.parent.mkdir(parents=True)
        options = {"baseURL": server.base_url_openai, "apiKey": server.openai_key}
        provider = {"npm": "@ai-sdk/openai-compatible", "options": options, "models": {"fake-model": {}}}
        config.write_text(json.dumps({"provider": {"fake": provider}}))
    else:  # paperclip's key and URL
        cli = CliConfig(base_url=server.base_url, credential="FAKE_KEY")
    path = f"{installed(TOOLS[adapter]).parent}:/usr/local/bin:/usr/bin:/bin"
    environ = {"PATH": path, "TMPDIR": str(tmp_path)}
    acts = CliActivities(store, home=home, keys=lambda _, name: bound, environ=environ, sandbox=False)
    async with in_process_workers(dev_env.client, store, cli=acts) as queue:
        spec = CompanySpec(id=company_id, name="Acme", prefix="ACME")
        agent = AgentSpec(name="dev", role="engineer", adapter=adapter, cli=cli)
        company = await dev_env.client.start_workflow(
            CompanyWorkflow.run,
            CompanyInput(spec=spec, agents=[agent]),
            id=company_workflow_id(company_id),
            task_queue=queue,
        )
        task = CreateTaskInput(title="Fix the login bug", brief="Users cannot sign in.", assignee="dev")
        await company.execute_update(CompanyWorkflow.create_tasks, CreateTasksInput(tasks=[task]))
        snap = await wait_for(company, lambda s: s.tasks[0].status.is_terminal, timeout=240)
    done = snap.tasks[0]
    assert done.status is TaskStatus.DONE, done
    assert done.result == "[fake] Done: You are dev (role: engineer) at Acme.."  # the line, and its full stop
    (event,) = store.list_cost_events(company_id)
    provided = sum(server.usages, Usage())
    assert (event.usage.input_tokens, event.usage.output_tokens, event.usage.cached_input_tokens) == (
        provided.input_tokens,
        provided.output_tokens,
        provided.cached_input_tokens,
    )
    assert event.provider == TOOLS[adapter] and event.cost_usd is None  # neither model has a price
    assert done.usage.input_tokens == provided.input_tokens
    print(f"{TOOLS[adapter]}: ledger {event.usage} = provider {provided} over {len(server.usages)} calls")
