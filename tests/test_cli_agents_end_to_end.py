"""CLI agents in a running company (dev server, real workers, fake `claude` / `codex` executables):
a task runs to done on the tool's answer and its cost reaches the ledger; cancelling the task or
pausing the agent kills the tool's whole process group at once; a paused turn runs again on resume."""

import asyncio
import json
import os
import signal
import subprocess
import time
import uuid
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment

from activities.cli.activity import CliActivities
from activities.cli.runner import group_alive
from paperclip.constants import company_workflow_id
from paperclip.models import (
    Adapter,
    AgentActionInput,
    AgentSpec,
    Budget,
    CliConfig,
    CompanyInput,
    CompanySpec,
    CreateTaskInput,
    CreateTasksInput,
    SetBudgetInput,
    TaskActionInput,
    TaskStatus,
)
from paperclip.store import Store
from tests.activities.cli_helpers import FAKE_ENV, fake_cli
from tests.test_end_to_end import in_process_workers, worker_process
from tests.workflows.helpers import wait_for
from workflows.company import CompanyWorkflow

HEARTBEAT_TIMEOUT = 5.0
__all__ = ["fake_cli"]  # a fixture: the fakes on the worker's PATH, their log


@pytest.fixture
def store(tmp_path: Path) -> Store:
    store = Store(f"sqlite:///{tmp_path / 'paperclip.db'}")
    store.migrate()
    return store


def runs(log: Path) -> list[dict]:
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


async def company_with(
    client,
    queue: str,
    adapter: Adapter,
    *,
    heartbeat_timeout: float = HEARTBEAT_TIMEOUT,
    budget: Budget | None = None,
    others: tuple[AgentSpec, ...] = (),
    **cli: object,
):
    agent = AgentSpec(
        name="dev",
        role="engineer",
        adapter=adapter,
        cli=CliConfig(heartbeat_timeout_seconds=heartbeat_timeout, model="fake-model", env=dict(FAKE_ENV), **cli),
    )
    company_id = f"cli-{uuid.uuid4().hex[:8]}"
    spec = CompanySpec(id=company_id, name="Acme", prefix="ACME", budget=budget or Budget())
    company = await client.start_workflow(
        CompanyWorkflow.run,
        CompanyInput(spec=spec, agents=[agent, *others]),
        id=company_workflow_id(company_id),
        task_queue=queue,
    )
    await company.execute_update(
        CompanyWorkflow.create_tasks,
        CreateTasksInput(
            tasks=[CreateTaskInput(title="Fix the login bug", brief="Users cannot sign in.", assignee="dev")]
        ),
    )
    return company_id, company


async def until_running(log: Path, n: int = 1) -> dict:
    deadline = time.monotonic() + 30
    while len(runs(log)) < n or not group_alive(runs(log)[n - 1]["pgid"]):
        assert time.monotonic() < deadline, "the tool never started"
        await asyncio.sleep(0.05)
    return runs(log)[n - 1]


async def until_gone(pgid: int) -> float:
    started = time.monotonic()
    while group_alive(pgid):
        assert time.monotonic() - started < 30, "the tool's processes are still running"
        await asyncio.sleep(0.02)
    return time.monotonic() - started


@pytest.mark.parametrize("adapter", [Adapter.CLAUDE_LOCAL, Adapter.CODEX_LOCAL])
async def test_a_cli_agent_finishes_its_task_and_its_cost_reaches_the_ledger(
    dev_env: WorkflowEnvironment, store: Store, fake_cli: Path, tmp_path: Path, adapter: Adapter
) -> None:
    cli = CliActivities(store, home=tmp_path / "home", sandbox=False)
    async with in_process_workers(dev_env.client, store, cli=cli) as queue:
        company_id, company = await company_with(dev_env.client, queue, adapter)
        snap = await wait_for(company, lambda s: s.tasks[0].status.is_terminal, timeout=60)
    task = snap.tasks[0]
    tool = "claude" if adapter is Adapter.CLAUDE_LOCAL else "codex"
    assert task.status is TaskStatus.DONE
    assert task.result == f"[fake {tool}] done: You are dev (role: engineer) at Acme."
    (run,) = runs(fake_cli)
    assert "Task ACME-1: Fix the login bug" in run["prompt"] and "Users cannot sign in." in run["prompt"]
    assert run["env"]["PAPERCLIP_TASK_ID"] == "ACME-1" and run["env"]["PAPERCLIP_COMPANY_ID"] == company_id
    (event,) = store.list_cost_events(company_id)
    assert (event.provider, event.usage.input_tokens, event.usage.output_tokens) == (
        "claude-code" if tool == "claude" else "codex",
        1200,
        80,
    )
    assert event.cost_usd == (pytest.approx(0.0123) if tool == "claude" else None)
    assert task.usage.input_tokens == 1200
    assert [m.role for m in store.list_messages(company_id, "ACME-1")] == ["user", "assistant"]


async def test_a_cli_turn_reserves_its_per_turn_budget_before_the_tool_starts(
    dev_env: WorkflowEnvironment, store: Store, fake_cli: Path, tmp_path: Path
) -> None:
    async with in_process_workers(
        dev_env.client, store, cli=CliActivities(store, home=tmp_path / "home", sandbox=False)
    ) as queue:
        _, company = await company_with(
            dev_env.client, queue, Adapter.CLAUDE_LOCAL, budget=Budget(monthly_usd=0.5), turn_budget_usd=1.0
        )
        snap = await wait_for(company, lambda s: s.paused and s.pause_reason == "budget", timeout=30)
        await asyncio.sleep(0.5)
        assert runs(fake_cli) == []  # a turn that may cost $1 never started under a $0.50 cap
        assert snap.tasks[0].status is not TaskStatus.DONE
        assert not any(w.startswith("dev ") for w in snap.budget_warnings)

        await company.execute_update(CompanyWorkflow.set_budget, SetBudgetInput(monthly_usd=5.0))
        snap = await wait_for(company, lambda s: s.tasks[0].status.is_terminal, timeout=60)
    assert snap.tasks[0].status is TaskStatus.DONE
    (run,) = runs(fake_cli)
    assert run["argv"][run["argv"].index("--max-budget-usd") + 1] == "1.000000"
    assert snap.spend.usd == pytest.approx(0.0123) and snap.spend.reserved_usd == 0


async def test_cancelling_the_task_kills_the_tools_process_group_at_once(
    dev_env: WorkflowEnvironment, store: Store, fake_cli: Path, tmp_path: Path
) -> None:
    (tmp_path / "script").write_text("hang")
    async with in_process_workers(
        dev_env.client, store, cli=CliActivities(store, home=tmp_path / "home", sandbox=False)
    ) as queue:
        _, company = await company_with(dev_env.client, queue, Adapter.CLAUDE_LOCAL)
        run = await until_running(fake_cli)
        await company.execute_update(CompanyWorkflow.cancel_task, TaskActionInput(identifier="ACME-1"))
        gone = await until_gone(run["pgid"])
        snap = await wait_for(company, lambda s: s.tasks[0].status.is_terminal, timeout=30)
    assert gone < HEARTBEAT_TIMEOUT
    assert snap.tasks[0].status is TaskStatus.CANCELLED


async def test_pausing_the_agent_stops_its_tool_and_resuming_runs_the_turn_again(
    dev_env: WorkflowEnvironment, store: Store, fake_cli: Path, tmp_path: Path
) -> None:
    (tmp_path / "script").write_text("hang")
    async with in_process_workers(
        dev_env.client, store, cli=CliActivities(store, home=tmp_path / "home", sandbox=False)
    ) as queue:
        _, company = await company_with(dev_env.client, queue, Adapter.CODEX_LOCAL)
        run = await until_running(fake_cli)
        await company.execute_update(CompanyWorkflow.pause_agent, AgentActionInput(agent="dev"))
        gone = await until_gone(run["pgid"])
        await asyncio.sleep(1)
        assert len(runs(fake_cli)) == 1  # nothing runs while it is paused
        await company.execute_update(CompanyWorkflow.resume_agent, AgentActionInput(agent="dev"))
        snap = await wait_for(company, lambda s: s.tasks[0].status.is_terminal, timeout=60)
    assert gone < HEARTBEAT_TIMEOUT
    assert snap.tasks[0].status is TaskStatus.DONE
    first, second = runs(fake_cli)
    assert second["prompt"] == first["prompt"]  # the same turn, again


async def test_a_worker_killed_mid_turn_leaves_no_tool_running_and_the_retry_resumes_its_session(
    dev_env: WorkflowEnvironment, fake_cli: Path, tmp_path: Path
) -> None:
    db = tmp_path / "paperclip.db"
    Store(f"sqlite:///{db}").migrate()
    queue = f"cli-kill-{uuid.uuid4().hex}"
    (tmp_path / "script").write_text("hang\nok")
    # With PATH from the fixture; unsandboxed: the fakes log outside any workspace, and their
    # pgid is the host's (tests/activities/test_cli_sandbox.py runs turns sandboxed).
    env = {"PAPERCLIP_HOME": str(tmp_path / "home"), "PAPERCLIP_CLI_SANDBOX": "false"}
    first = worker_process(dev_env, db, queue, tmp_path / "worker.log", env)
    second = None
    try:
        company_id, company = await company_with(dev_env.client, queue, Adapter.CLAUDE_LOCAL, heartbeat_timeout=3)
        run = await until_running(fake_cli)
        await asyncio.sleep(2.5)  # its session id has reached the server with a heartbeat
        os.killpg(first.pid, signal.SIGKILL)
        first.wait()
        second = worker_process(dev_env, db, queue, tmp_path / "worker.log", env)
        snap = await wait_for(company, lambda s: s.tasks[0].status.is_terminal, timeout=60)
        # The tool died with its worker, and the retry killed what it had started.
        assert not group_alive(run["pgid"])
    finally:
        for proc in (first, second):
            if proc is not None and proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                proc.wait(timeout=30)
    lost, retried = runs(fake_cli)
    assert snap.tasks[0].status is TaskStatus.DONE
    assert "--resume" not in lost["argv"]
    assert retried["argv"][retried["argv"].index("--resume") + 1] == lost["session"]
    # Found in the agent's own HOME, the same for both worker processes (the fake, as the real
    # tools do, fails on a session it cannot find there).
    assert (
        lost["environ"]["HOME"] == retried["environ"]["HOME"] == str(tmp_path / "home" / "homes" / company_id / "dev")
    )
    assert snap.tasks[0].result.endswith(f"(resumed {lost['session']})")


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=True).stdout.strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    (repo / "README.md").write_text("shop\n")
    git(repo, "add", "README.md")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "start")
    return repo


async def start_on_repo(client, queue: str, repo: Path, agents: list[str]):
    specs = [
        AgentSpec(
            name=a,
            adapter=Adapter.CODEX_LOCAL,
            cli=CliConfig(workspace=str(repo), heartbeat_timeout_seconds=5, env=dict(FAKE_ENV)),
        )
        for a in agents
    ]
    company_id = f"cli-{uuid.uuid4().hex[:8]}"
    company = await client.start_workflow(
        CompanyWorkflow.run,
        CompanyInput(spec=CompanySpec(id=company_id, name="Acme", prefix="ACME"), agents=specs),
        id=company_workflow_id(company_id),
        task_queue=queue,
    )
    await company.execute_update(
        CompanyWorkflow.create_tasks,
        CreateTasksInput(tasks=[CreateTaskInput(title=f"Change {a}", assignee=a) for a in agents]),
    )
    return company_id, company


async def test_agents_on_one_repository_each_work_in_a_worktree_of_their_task(
    dev_env: WorkflowEnvironment, store: Store, fake_cli: Path, tmp_path: Path, repo: Path
) -> None:
    home = tmp_path / "home"
    cli = CliActivities(store, home=home, workspace_roots=[tmp_path], sandbox=False)
    async with in_process_workers(dev_env.client, store, cli=cli) as queue:
        company_id, company = await start_on_repo(dev_env.client, queue, repo, ["dev1", "dev2"])
        snap = await wait_for(company, lambda s: all(t.status.is_terminal for t in s.tasks), timeout=60)
    assert {t.status for t in snap.tasks} == {TaskStatus.DONE}
    cwds = {r["cwd"] for r in runs(fake_cli)}
    expected = {str(home / "worktrees" / company_id / task) for task in ("ACME-1", "ACME-2")}
    assert cwds == expected  # apart, and never the repository itself
    # Done: the worktrees are gone, their branches stay; the repository's own tree is untouched.
    assert git(repo, "worktree", "list").count("\n") == 0
    assert git(repo, "branch", "--list", "paperclip/*").split() == [
        f"paperclip/{company_id}/ACME-1",
        f"paperclip/{company_id}/ACME-2",
    ]
    assert not list(repo.glob("work-*.txt"))


async def test_a_failed_tasks_worktree_is_kept_for_inspection(
    dev_env: WorkflowEnvironment, store: Store, fake_cli: Path, tmp_path: Path, repo: Path
) -> None:
    (tmp_path / "script").write_text("fail\nfail\nfail")
    home = tmp_path / "home"
    cli = CliActivities(store, home=home, workspace_roots=[tmp_path], sandbox=False)
    async with in_process_workers(dev_env.client, store, cli=cli) as queue:
        company_id, company = await start_on_repo(dev_env.client, queue, repo, ["dev1"])
        snap = await wait_for(company, lambda s: s.tasks[0].status.is_terminal, timeout=60)
    assert snap.tasks[0].status is TaskStatus.FAILED
    assert snap.tasks[0].result == "CLI turn failed after 3 attempts: codex failed (exit code 1): the model refused"
    kept = home / "worktrees" / company_id / "ACME-1"
    assert git(kept, "branch", "--show-current") == f"paperclip/{company_id}/ACME-1"
    first, *retries = runs(fake_cli)
    assert len(retries) == 2 and all(r["session"] == first["session"] for r in retries)  # each retry resumed it
    assert [p.name for p in kept.glob("work-*.txt")] == [f"work-{first['session']}.txt"]  # what the session left
