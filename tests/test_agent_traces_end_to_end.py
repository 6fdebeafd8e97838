"""The traces of agents that work outside the model activity, over real HTTP with real workers: a
Claude Code agent (the fake `claude`) whose first attempt breaks, and an HTTP agent that delegates
and completes through the API. Each turn shows the prompt sent, what the tool streamed, its reply,
usage and cost, each failed attempt and why; the agent is shown as the tool it runs on (claude,
http), never as the simulated model its unused `model` names — in the trace, the org chart and the
snapshot."""

import asyncio
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cli import app
from paperclip.models import CompanySnapshot
from paperclip.settings import get_settings
from tests.activities.cli_helpers import fakes_on_path
from tests.api.helpers import wait_for_task
from tests.test_agent_callbacks_end_to_end import Stack, bearer, company, http_agent, stack  # noqa: F401
from ui.rows import agent_rows


async def trace_of(stack: Stack, company_id: str, identifier: str = "ACME-1") -> tuple[list[dict[str, Any]], str]:  # noqa: F811
    """The task's trace events (JSON) and its Markdown."""
    url = f"/api/companies/{company_id}/tasks/{identifier}/trace"
    events = (await stack.api.get(url)).json()["events"]
    markdown = (await stack.api.get(url, params={"format": "md"})).text
    return events, markdown


async def test_a_claude_code_turn_and_its_failed_attempt_in_the_trace(
    stack: Stack,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fakes_on_path(tmp_path, monkeypatch)
    (tmp_path / "script").write_text("crash\nok\n")  # the first attempt breaks after it started its session
    env = {"FAKE_CLI_LOG": str(tmp_path / "runs.jsonl"), "FAKE_CLI_SCRIPT": str(tmp_path / "script")}
    agent = {"name": "dev", "role": "engineer", "adapter": "claude_local", "cli": {"env": env}}
    company_id = await company(stack, [agent], "dev")
    await wait_for_task(stack.api, company_id, "ACME-1", timeout=60)

    events, markdown = await trace_of(stack, company_id)
    kinds = [e["kind"] for e in events]
    assert kinds == ["task_started", "prompt", "error", "prompt", "model_reply", "task_finished"], kinds
    started, first, failed, second, reply, _ = events
    assert (started["adapter"], started["simulated"]) == ("claude", False)
    assert (first["actor"], first["target"], first["adapter"]) == ("system", "dev", "claude")
    assert first["session"] is None and first["attempt"] == 1  # a new session: its standing instructions first
    assert first["content"].startswith("You are dev") and "Task ACME-1: Work for dev" in first["content"]
    assert (failed["attempt"], failed["adapter"], failed["turn"]) == (1, "claude", 1)
    assert failed["content"].startswith("claude turn failed: claude-code failed (exit code 3): ")
    assert "the connection to the model broke" in failed["content"]
    # The retry resumes the session the broken attempt started, with only what is new.
    assert second["attempt"] == 2 and second["session"] and second["session"].startswith("claude-")
    assert not second["content"].startswith("You are dev")
    assert reply["actor"] == "dev" and reply["content"].startswith("[fake claude] done:")
    assert (reply["adapter"], reply["model"], reply["simulated"], reply["attempt"]) == (
        "claude",
        "claude-sonnet-4-5",
        False,
        2,
    )
    assert reply["usage"]["input_tokens"] == 1200 and reply["usage"]["output_tokens"] == 80
    assert reply["cost_usd"] == pytest.approx(0.0123)
    assert reply["session"] == second["session"]
    assert reply["stream"] == {"system/init": 1, "assistant": 1, "result/success": 1}

    assert "prompt** system → dev (turn 1) — claude, a new session" in markdown
    assert f"resumes session {second['session']}" in markdown
    assert "(attempt 1): claude turn failed: claude-code failed (exit code 3)" in markdown
    assert "claude, claude-sonnet-4-5, 1200 in / 80 out tokens, $0.0123" in markdown
    assert "Streamed: 1 assistant, 1 result/success, 1 system/init" in markdown
    assert "simulated" not in markdown

    # Nowhere is the CLI agent taken for the simulated model.
    org = (await stack.api.get(f"/api/companies/{company_id}/org")).json()["data"][0]
    assert (org["model"], org["adapter"], org["simulated"]) == ("claude", "claude", False)
    snapshot = CompanySnapshot.model_validate((await stack.api.get(f"/api/companies/{company_id}")).json())
    assert snapshot.simulated_agents == []
    assert agent_rows(snapshot)[0]["model"] == "claude"
    monkeypatch.setenv("PAPERCLIP_HOME", str(tmp_path / "home"))  # the API's: the CLI finds the board token
    get_settings.cache_clear()
    argv = ["org", "--company", company_id, "--api-url", str(stack.api.base_url)]
    shown = await asyncio.to_thread(CliRunner().invoke, app, argv, env={"COLUMNS": "200"})
    assert shown.exit_code == 0, shown.output
    assert "dev (engineer) · claude ·" in shown.output and "simulated" not in shown.output
    argv = ["agent", "list", "--company", company_id, "--api-url", str(stack.api.base_url)]
    listed = await asyncio.to_thread(CliRunner().invoke, app, argv, env={"COLUMNS": "200"})
    assert listed.exit_code == 0 and "claude" in listed.output and "simulated" not in listed.output, listed.output


async def test_an_http_agents_turns_and_calls_through_the_api_in_the_trace(stack: Stack) -> None:  # noqa: F811
    agents = [http_agent(stack, "ext"), {"name": "helper", "role": "engineer", "reports_to": "ext"}]
    company_id = await company(stack, agents, "ext")
    task = f"/api/companies/{company_id}/tasks/ACME-1"
    token = (await stack.agent.until("ext")).json()["callback"]["token"]
    delegated = await stack.api.post(
        f"{task}/subtasks", json={"agent": "helper", "title": "Check"}, headers=bearer(token)
    )
    assert delegated.status_code == 201, delegated.text
    refused = await stack.api.post(f"{task}/subtasks", json={"agent": "nobody", "title": "x"}, headers=bearer(token))
    assert refused.status_code == 400, refused.text
    token = (await stack.agent.until("ext", 2)).json()["callback"]["token"]
    done = await stack.api.post(f"{task}/complete", json={"result": "shipped it"}, headers=bearer(token))
    assert done.status_code == 200, done.text
    await wait_for_task(stack.api, company_id, "ACME-1")

    events, markdown = await trace_of(stack, company_id)
    events = [e for e in events if e["kind"] != "status"]
    kinds = [e["kind"] for e in events]
    # The agent delegates as soon as it has the task: its call may reach the task before the 202
    # that handed it the task is recorded, so those two come in either order.
    assert kinds[:2] == ["task_started", "prompt"] and kinds[4] == "tool_result", kinds
    assert sorted(kinds[2:4]) == ["delegation", "message"], kinds
    started, prompt, answer = events[0], events[1], events[4]
    took, delegation = sorted(events[2:4], key=lambda e: e["kind"] == "delegation")
    assert (started["adapter"], started["simulated"]) == ("http", False)
    assert (prompt["adapter"], prompt["target"], prompt["turn"]) == ("http", "ext", 1)
    assert "Work for ext" in prompt["content"]
    assert took["actor"] == "ext" and took["content"].startswith("took the task (HTTP 202)")
    assert (delegation["actor"], delegation["target"], delegation["child"]) == ("ext", "helper", "ACME-1.1")
    assert answer["tool"] == "delegate_task" and answer["target"] == "ext" and not answer["failed"]
    refusal = next(e for e in events if e["kind"] == "tool_result" and e["failed"])
    assert "not in your team" in refusal["content"]
    completing = [e for e in events if e["kind"] == "tool_call"]
    assert [(e["actor"], e["tool"], e["arguments"]) for e in completing] == [
        ("ext", "complete_task", {"result": "shipped it", "work_products": []})
    ]
    assert kinds.count("prompt") == 2 and kinds[-1] == "task_finished"
    assert "prompt** system → ext (turn 1) — http, posted to the agent" in markdown
    (own,) = [line for line in markdown.splitlines() if line.startswith("- **ACME-1** ")]
    assert "simulated" not in own  # its subtask's agent is on the simulated model; ext is not
