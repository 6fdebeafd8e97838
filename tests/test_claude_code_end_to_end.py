"""Claude Code agents in a running company (dev server, real workers): the real tool (pinned, from
npm) with a workspace-write profile edits a file of its workspace and finishes its task, the
ledger holding exactly what the fake provider counted; and a turn that keeps failing fails the
task with the tool's own reason (the fake `claude`, which reports it as the real one does)."""

import json
import os
import uuid
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment

from activities.cli.activity import CliActivities
from activities.cli.credentials import EnvironmentKeys
from paperclip.constants import company_workflow_id
from paperclip.models import (
    Adapter,
    AgentSpec,
    CliConfig,
    CliPermissions,
    CompanyInput,
    CompanySpec,
    CreateTaskInput,
    CreateTasksInput,
    TaskStatus,
    ToolPolicy,
    ToolRule,
    Usage,
)
from paperclip.store import Store
from tests.activities.cli_helpers import FAKE_ENV, fake_cli
from tests.cli_contract.npm import installed
from tests.fakes import FakeModelServer
from tests.test_end_to_end import in_process_workers
from tests.workflows.helpers import wait_for
from workflows.company import CompanyWorkflow

__all__ = ["fake_cli"]  # a fixture: the fakes on the worker's PATH, their log


@pytest.fixture
def store(tmp_path: Path) -> Store:
    store = Store(f"sqlite:///{tmp_path / 'paperclip.db'}")
    store.migrate()
    return store


async def start(client, queue: str, agent: AgentSpec, title: str):
    company_id = f"cc-{uuid.uuid4().hex[:8]}"
    company = await client.start_workflow(
        CompanyWorkflow.run,
        CompanyInput(spec=CompanySpec(id=company_id, name="Acme", prefix="ACME"), agents=[agent]),
        id=company_workflow_id(company_id),
        task_queue=queue,
    )
    await company.execute_update(
        CompanyWorkflow.create_tasks, CreateTasksInput(tasks=[CreateTaskInput(title=title, assignee="dev")])
    )
    return company_id, company


@pytest.mark.parametrize(
    ("profile", "edits"),
    [
        (CliPermissions.WORKSPACE_WRITE, True),
        # No profile: the tool policy's; one that denies every tool that writes is read-only.
        (None, False),
    ],
    ids=["workspace-write", "policy-read-only"],
)
async def test_a_claude_code_agent_edits_its_workspace_as_its_profile_allows_and_the_ledger_is_the_providers(
    dev_env: WorkflowEnvironment, store: Store, tmp_path: Path, profile: CliPermissions | None, edits: bool
) -> None:
    claude = installed("claude")
    workspace = tmp_path / "roots" / "shop"
    workspace.mkdir(parents=True)
    with FakeModelServer() as server:
        worker = {
            "PATH": os.pathsep.join([str(claude.parent), os.environ["PATH"]]),
            "ANTHROPIC_API_KEY": server.anthropic_key,
            "ANTHROPIC_BASE_URL": server.base_url,
        }
        cli = CliActivities(
            store,
            home=tmp_path / "home",
            keys=EnvironmentKeys(worker),
            workspace_roots=[tmp_path / "roots"],
            environ=worker,
            sandbox=False,
        )
        deny = [ToolRule(tool=t, policy=ToolPolicy.DENY) for t in ("write_file", "edit_file", "run_command")]
        agent = AgentSpec(
            name="dev",
            role="engineer",
            adapter=Adapter.CLAUDE_LOCAL,
            tool_policy=[] if edits else deny,
            cli=CliConfig(
                model="claude-sonnet-4-5",
                base_url=server.base_url,
                credential="ANTHROPIC_API_KEY",
                workspace=str(workspace),
                permissions=profile,
                heartbeat_timeout_seconds=30,
            ),
        )
        notes = workspace / "CHANGELOG.md"
        server.call_next("Write", json.dumps({"file_path": str(notes), "content": "- fixed the login\n"}))
        async with in_process_workers(dev_env.client, store, cli=cli) as queue:
            company_id, company = await start(dev_env.client, queue, agent, "Write the changelog")
            snap = await wait_for(company, lambda s: s.tasks[0].status.is_terminal, timeout=120)
        counted = sum(server.usages, Usage())
    task = snap.tasks[0]
    assert task.status is TaskStatus.DONE and task.result.startswith("[fake] Done")
    assert notes.exists() is edits
    (event,) = store.list_cost_events(company_id)
    assert (event.provider, event.model, event.usage) == ("claude-code", "claude-sonnet-4-5", counted)
    assert event.confirmed and event.cost_usd is not None and event.cost_usd > 0
    assert task.usage == counted


async def test_a_claude_turn_that_keeps_failing_fails_the_task_with_the_tools_reason(
    dev_env: WorkflowEnvironment, store: Store, fake_cli: Path, tmp_path: Path
) -> None:
    (tmp_path / "script").write_text("fail\nfail\nfail")
    agent = AgentSpec(
        name="dev",
        adapter=Adapter.CLAUDE_LOCAL,
        cli=CliConfig(heartbeat_timeout_seconds=5, env=dict(FAKE_ENV)),
    )
    cli = CliActivities(store, home=tmp_path / "home", sandbox=False)
    async with in_process_workers(dev_env.client, store, cli=cli) as queue:
        _, company = await start(dev_env.client, queue, agent, "Fix the login bug")
        snap = await wait_for(company, lambda s: s.tasks[0].status.is_terminal, timeout=60)
    assert snap.tasks[0].status is TaskStatus.FAILED
    # Its reason, from the result's `errors` (the real tool writes no `result` then), not the subtype.
    assert (
        snap.tasks[0].result == "CLI turn failed after 3 attempts: claude-code failed (exit code 1): the model refused"
    )
