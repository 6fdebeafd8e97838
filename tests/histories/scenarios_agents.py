"""Replay scenarios of CLI and HTTP agents: sessions, asks, host affinity, retried HTTP turns."""

import json
import os

import httpx

from paperclip.constants import task_workflow_id
from paperclip.models import (
    Adapter,
    AgentCall,
    AgentSpec,
    ApprovalKind,
    ApprovalStatus,
    CliConfig,
    DecideApprovalInput,
    HttpConfig,
    ReassignTaskInput,
    Role,
    TaskStatus,
    ToolPolicy,
    ToolRule,
)
from tests.api.conftest import serve
from tests.fakes.http_agent import FakeHttpAgent
from tests.histories.base import FAKE_CLIS, TIMEOUT, all_done, create_task
from tests.histories.stage import Company, Stage
from tests.workflows.helpers import wait_for
from workflows.company import CompanyWorkflow
from workflows.task import TaskWorkflow


async def clisession(stage: Stage) -> Company:
    """dev's Claude Code turn starts a session and breaks (the fake tool's `crash`); while the task
    waits to try again the board hands it to lead, on Codex: lead's tool starts a session of its
    own (`cli-session-per-agent`) instead of being given dev's, and finishes the task."""
    await stage.stop_workers()  # the fakes log outside any workspace: no sandbox
    stage.settings = stage.settings.model_copy(update={"cli_sandbox": False})
    folder = stage.settings.home_dir / "fake-cli"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "script").write_text("crash\nok\n")
    env = {"FAKE_CLI_LOG": str(folder / "runs.jsonl"), "FAKE_CLI_SCRIPT": str(folder / "script")}
    path = os.environ["PATH"]
    os.environ["PATH"] = os.pathsep.join([str(FAKE_CLIS), path])  # the workers' tools find the fakes
    try:
        await stage.start_workers()
        agents = [
            AgentSpec(name="lead", role=Role.CEO, adapter=Adapter.CODEX_LOCAL, cli=CliConfig(env=env)),
            AgentSpec(
                name="dev", role=Role.ENGINEER, reports_to="lead", adapter=Adapter.CLAUDE_LOCAL, cli=CliConfig(env=env)
            ),
        ]
        company = await stage.start_company("clisession", agents)
        task = await create_task(company, "Fix the login bug", "dev")
        await wait_for(company, lambda s: s.tasks[0].retry is not None, timeout=TIMEOUT)
        await company.execute_update(CompanyWorkflow.reassign_task, ReassignTaskInput(identifier=task, assignee="lead"))
        snap = await wait_for(company, lambda s: s.tasks[0].status.is_terminal, timeout=TIMEOUT)
    finally:
        os.environ["PATH"] = path
    runs = [json.loads(line) for line in (folder / "runs.jsonl").read_text().splitlines()]
    assert [(r["tool"], r["mode"]) for r in runs] == [("claude", "crash"), ("codex", "ok")], runs
    assert "resume" not in runs[1]["argv"], runs[1]["argv"]
    assert snap.tasks[0].status is TaskStatus.DONE, snap.tasks[0].result
    return company


async def cliask(stage: Stage) -> Company:
    """dev's Claude Code is refused a command its tool policy asks of (the fake tool's `denied`):
    the task asks the board (`cli-asks`), the board approves, and the tool's next turn resumes
    its session allowed exactly that command."""
    await stage.stop_workers()  # the fakes log outside any workspace: no sandbox
    stage.settings = stage.settings.model_copy(update={"cli_sandbox": False})
    folder = stage.settings.home_dir / "fake-cli-ask"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "script").write_text("denied\nok\n")
    env = {"FAKE_CLI_LOG": str(folder / "runs.jsonl"), "FAKE_CLI_SCRIPT": str(folder / "script")}
    path = os.environ["PATH"]
    os.environ["PATH"] = os.pathsep.join([str(FAKE_CLIS), path])
    try:
        await stage.start_workers()
        dev = AgentSpec(
            name="dev",
            role=Role.ENGINEER,
            adapter=Adapter.CLAUDE_LOCAL,
            cli=CliConfig(env=env),
            tool_policy=[ToolRule(tool="run_command", policy=ToolPolicy.ASK)],
        )
        company = await stage.start_company("cliask", [dev])
        await create_task(company, "Fetch the page", "dev")
        snap = await wait_for(company, lambda s: any(a.kind is ApprovalKind.TOOL_CALL for a in s.approvals))
        asked = next(a for a in snap.approvals if a.kind is ApprovalKind.TOOL_CALL)
        decision = DecideApprovalInput(id=asked.id, decision=ApprovalStatus.APPROVED)
        await company.execute_update(CompanyWorkflow.decide_approval, decision)
        snap = await wait_for(company, all_done(1), timeout=TIMEOUT)
    finally:
        os.environ["PATH"] = path
    runs = [json.loads(line) for line in (folder / "runs.jsonl").read_text().splitlines()]
    assert len(runs) == 2 and "Bash(curl -s https://example.com)" in runs[1]["argv"], runs
    return company


async def cliaffinity(stage: Stage) -> Company:
    """dev's Claude Code turn starts a session on this worker host and breaks (the fake tool's
    `crash`): the retry goes to the host's own CLI queue (`cli-host-affinity`), resumes the session
    there and finishes the task; its worktree is released on that host too."""
    await stage.stop_workers()  # the fakes log outside any workspace: no sandbox
    stage.settings = stage.settings.model_copy(update={"cli_sandbox": False, "worker_host": "host-a"})
    folder = stage.settings.home_dir / "fake-cli-affinity"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "script").write_text("crash\nok\n")
    env = {"FAKE_CLI_LOG": str(folder / "runs.jsonl"), "FAKE_CLI_SCRIPT": str(folder / "script")}
    path = os.environ["PATH"]
    os.environ["PATH"] = os.pathsep.join([str(FAKE_CLIS), path])  # the workers' tools find the fakes
    try:
        await stage.start_workers()
        dev = AgentSpec(name="dev", role=Role.ENGINEER, adapter=Adapter.CLAUDE_LOCAL, cli=CliConfig(env=env))
        company = await stage.start_company("cliaffinity", [dev])
        await create_task(company, "Fix the login bug", "dev")
        snap = await wait_for(company, lambda s: s.tasks[0].status.is_terminal, timeout=TIMEOUT)
    finally:
        os.environ["PATH"] = path
    runs = [json.loads(line) for line in (folder / "runs.jsonl").read_text().splitlines()]
    assert [r["mode"] for r in runs] == ["crash", "ok"], runs
    assert runs[1]["argv"][runs[1]["argv"].index("--resume") + 1] == runs[0]["session"], runs[1]["argv"]
    assert snap.tasks[0].status is TaskStatus.DONE, snap.tasks[0].result
    return company


async def httpretry(stage: Stage) -> Company:
    """An HTTP agent whose URL answers 503 twice: the task retries the POST itself, telling its
    company it is retrying (`http-turn-retries`); the third POST is taken, and the agent completes
    the task through the task's `agent_call` update, as the API does for it."""
    agent = FakeHttpAgent(statuses={"ext": [503, 503]})
    async with serve(agent.app()) as url:
        await stage.stop_workers()  # the fake agent is on this machine: the deployment allows it
        stage.settings = stage.settings.model_copy(update={"allow_private_hosts": [httpx.URL(url).netloc.decode()]})
        await stage.start_workers()
        ext = AgentSpec(name="ext", role=Role.GENERAL, adapter=Adapter.HTTP, http=HttpConfig(url=f"{url}/agents/ext"))
        company = await stage.start_company("httpretry", [ext])
        task = await create_task(company, "Check the numbers", "ext")
        retrying = await wait_for(company, lambda s: s.tasks[0].retry is not None, timeout=TIMEOUT)
        await agent.until("ext", 3)
        done = AgentCall(agent="ext", tool="complete_task", arguments={"result": "The numbers check out."})
        handle = stage.client.get_workflow_handle(task_workflow_id("httpretry", task))
        await handle.execute_update(TaskWorkflow.agent_call, done)
        snap = await wait_for(company, all_done(1), timeout=TIMEOUT)
    assert retrying.tasks[0].retry is not None and retrying.tasks[0].retry.model == "http"
    assert snap.tasks[0].result == "The numbers check out."
    return company
