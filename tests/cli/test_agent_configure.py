"""`paperclip agent hire|configure|revisions|rollback` against the real API (dev server, workers):
hire and configure take the same options, each going where the agent's adapter reads it (`--model`
of a CLI agent is its tool's `--model`); a change prints what it changed and when it applies; bad
input is one line and exit 1."""

import asyncio
import json

import httpx
from typer.testing import CliRunner, Result

from cli import app
from tests.api.conftest import api, settings, store, task_queue, workers  # noqa: F401 — the real-API fixtures
from tests.api.helpers import create_company

runner = CliRunner()


async def run(http: httpx.AsyncClient, *args: str) -> Result:
    """Run a command in a thread (the API serves on this loop) against the test API."""
    argv = [*args, "--api-url", str(http.base_url)]
    return await asyncio.to_thread(runner.invoke, app, argv, env={"COLUMNS": "200"})


def ok(result: Result) -> str:
    assert result.exit_code == 0, result.output
    return result.output


def failed(result: Result) -> str:
    """The command failed with exit 1 and one `error:` line; returns that line."""
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    return lines[0]


async def spec(http: httpx.AsyncClient, company: str, name: str) -> dict:
    response = await http.get(f"/api/companies/{company}/agents/{name}")
    assert response.status_code == 200, response.text
    return response.json()["spec"]


async def test_a_cli_agent_is_hired_and_configured_with_its_tools_options(api: httpx.AsyncClient) -> None:  # noqa: F811
    company = (await create_company(api))["id"]
    out = ok(
        await run(
            api, "agent", "hire", "dev", "-c", company, "--reports-to", "cto", "--adapter", "opencode_local",
            "--model", "openai/gpt-4o-mini", "--arg", "--print-logs", "--env", "DEBUG=1", "--env", "LOG_LEVEL=info",
            "--permissions", "workspace-write", "--turn-budget-usd", "0.5", "--max-turns", "5",
        )
    )  # fmt: skip
    assert f"Hired dev into {company} on opencode:openai/gpt-4o-mini, reporting to cto" in out
    hired = await spec(api, company, "dev")
    assert hired["cli"]["model"] == "openai/gpt-4o-mini"  # the tool's --model, not the unused model field
    assert hired["model"]["model"] == "simulated"
    assert hired["cli"]["args"] == ["--print-logs"] and hired["cli"]["env"] == {"DEBUG": "1", "LOG_LEVEL": "info"}
    assert (hired["cli"]["permissions"], hired["cli"]["turn_budget_usd"], hired["max_turns"]) == (
        "workspace-write",
        0.5,
        5,
    )

    out = ok(
        await run(
            api, "agent", "configure", "dev", "-c", company, "--model", "openai/gpt-4.1", "--env", "-DEBUG",
            "--permissions", "default", "--tool", "read_task", "--rule", "run_command=ask:git *",
            "--heartbeat", "3600",
        )
    )  # fmt: skip
    assert f"Configured dev in {company}: revision 2" in out
    assert "cli.model: openai/gpt-4o-mini → openai/gpt-4.1 (from its next task)" in out
    assert "cli.permissions: workspace-write → unset (now)" in out
    assert "cli.env.DEBUG: 1 → unset (from its next task)" in out
    assert 'tools: unset → ["read_task"] (now)' in out
    assert "heartbeat.interval_seconds: unset → 3600 (now)" in out
    now = await spec(api, company, "dev")
    assert now["cli"]["env"] == {"LOG_LEVEL": "info"} and now["cli"]["permissions"] is None
    assert now["tool_policy"] == [{"tool": "run_command", "policy": "ask", "pattern": "git *", "untrusted": False}]

    out = ok(await run(api, "agent", "configure", "dev", "-c", company, "--patch", '{"cli": {"grace_seconds": 3}}'))
    assert "cli.grace_seconds: 10.0 → 3.0 (from its next task)" in out
    out = ok(await run(api, "agent", "configure", "dev", "-c", company, "--no-tools", "--no-rules"))
    assert "revision 4" in out and "tools: " in out and "tool_policy: " in out
    out = ok(await run(api, "agent", "configure", "dev", "-c", company, "--max-turns", "5"))
    assert out.strip() == "Nothing to change: dev is configured so already (revision 4)"


async def test_revisions_are_listed_shown_and_rolled_back(api: httpx.AsyncClient) -> None:  # noqa: F811
    company = (await create_company(api))["id"]
    ok(await run(api, "agent", "configure", "cto", "-c", company, "--model", "gpt-4o", "--provider", "openai"))
    ok(await run(api, "agent", "configure", "cto", "-c", company, "--system-prompt", "Be brief."))
    for _ in range(100):  # the company writes revisions with its next record batch
        out = ok(await run(api, "agent", "revisions", "cto", "-c", company))
        if "2  " in out and "3 (now)" in out:
            break
        await asyncio.sleep(0.1)
    assert "as hired" in out and "model.provider, model.model" in out and "system_prompt" in out, out
    assert "3 (now)" in out and "board" in out

    shown = json.loads(ok(await run(api, "agent", "revisions", "cto", "-c", company, "2")))
    assert shown["model"]["model"] == "gpt-4o" and shown["system_prompt"] == ""
    out = ok(await run(api, "agent", "rollback", "cto", "1", "-c", company))
    assert f"Rolled cto in {company} back to revision 1: now revision 4" in out
    assert "model.model: gpt-4o → simulated (from its next task)" in out
    assert (await spec(api, company, "cto"))["model"]["provider"] == "simulated"
    assert ", revision 4" in ok(await run(api, "agent", "show", "cto", "-c", company))
    out = ok(await run(api, "agent", "rollback", "cto", "4", "-c", company))
    assert "Nothing to change" in out


async def test_bad_input_is_one_line_and_exit_1(api: httpx.AsyncClient) -> None:  # noqa: F811
    company = (await create_company(api))["id"]
    ok(await run(api, "agent", "hire", "dev", "-c", company, "--reports-to", "cto", "--adapter", "claude_local"))
    configure = ("agent", "configure", "dev", "-c", company)
    assert failed(await run(api, *configure, "--provider", "openai")) == (
        "error: --provider: not for a `claude_local` agent (its --adapter decides where each option goes)"
    )
    assert "cli.modle: no such field" in failed(await run(api, *configure, "--patch", '{"cli": {"modle": "x"}}'))
    assert (
        failed(await run(api, *configure, "--patch", "[1]"))
        == "error: --patch: a JSON object, e.g. '{\"max_turns\": 10}'"
    )
    assert failed(await run(api, *configure, "--patch", "{")).startswith("error: --patch: not JSON")
    assert failed(await run(api, *configure, "--rule", "run_command")).startswith("error: --rule 'run_command'")
    assert failed(await run(api, *configure, "--env", "DEBUG")).startswith("error: --env 'DEBUG': write NAME=VALUE")
    assert "cli.env.ANTHROPIC_API_KEY" in failed(await run(api, *configure, "--env", "ANTHROPIC_API_KEY=sk"))
    assert failed(await run(api, *configure)).startswith("error: nothing to change")
    assert failed(await run(api, "agent", "configure", "cto", "-c", company, "--arg", "-x")).startswith(
        "error: --workspace, --command, --arg, --env, --permissions and --turn-budget-*: not for a `model` agent"
    )
    assert failed(await run(api, "agent", "configure", "ghost", "-c", company, "--max-turns", "3")) == (
        "error: agent 'ghost' not found (404 not_found)"
    )
    assert failed(await run(api, "agent", "rollback", "dev", "9", "-c", company)) == (
        "error: agent dev has no revision 9 (it is at 1) (404 not_found)"
    )
    assert failed(await run(api, "agent", "revisions", "dev", "-c", company, "7")) == (
        "error: agent dev has no revision 7 (it is at 1)"
    )
    hired = await run(api, "agent", "hire", "ops", "-c", company, "--adapter", "process", "--provider", "openai")
    assert failed(hired).startswith("error: --provider: not for a `process` agent")
