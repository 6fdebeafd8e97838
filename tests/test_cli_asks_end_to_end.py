"""A Claude Code agent whose tool policy asks of its commands, over real HTTP with real workers and
the fake `claude` (whose `denied` mode refuses a Bash call as the real one reports it): the
refused command is asked about (an approval of kind `tool_call`), the task holds blocked, and the
tool's next turn resumes its session allowed exactly the approved command, or told it was
rejected."""

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from tests.activities.cli_helpers import fakes_on_path
from tests.fakes.fake_claude import DENIED
from tests.test_agent_callbacks_end_to_end import Stack, company, stack  # noqa: F401 — the API, workers, home
from tests.test_cli_reassign_end_to_end import until_status

ASK = [{"tool": "run_command", "policy": "ask"}]


async def asked(stack: Stack, company_id: str, count: int) -> list[dict[str, Any]]:  # noqa: F811
    """The company's pending tool-call approvals, once there are `count`."""
    deadline = asyncio.get_running_loop().time() + 60
    while True:
        listed = (await stack.api.get(f"/api/companies/{company_id}/approvals", params={"status": "pending"})).json()
        calls = [a for a in listed["data"] if a["kind"] == "tool_call"]
        if len(calls) >= count:
            return calls
        assert asyncio.get_running_loop().time() < deadline, listed
        await asyncio.sleep(0.1)


async def test_a_refused_command_is_asked_about_and_granted_to_the_next_turn(
    stack: Stack,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fakes_on_path(tmp_path, monkeypatch)
    log = tmp_path / "runs.jsonl"
    (tmp_path / "script").write_text("denied\nok\ndenied\nok\n")
    env = {"FAKE_CLI_LOG": str(log), "FAKE_CLI_SCRIPT": str(tmp_path / "script")}
    dev = {"name": "dev", "role": "engineer", "adapter": "claude_local", "cli": {"env": env}, "tool_policy": ASK}
    company_id = await company(stack, [dev], "dev")

    # The tool refused the command (its flags refuse every command): the task asks and holds.
    [approval] = await asked(stack, company_id, 1)
    assert approval["tool_call"]["tool"] == "run_command"
    assert approval["tool_call"]["arguments"] == {"command": DENIED["command"]}
    assert "the agent's rule for run_command says ask" in approval["tool_call"]["why_asked"]
    assert (await until_status(stack, company_id, "ACME-1", "blocked"))["status"] == "blocked"
    path = f"/api/companies/{company_id}/approvals/{approval['id']}/decision"
    decided = await stack.api.post(path, json={"decision": "approved"})
    assert decided.status_code == 200, decided.text

    record = await until_status(stack, company_id, "ACME-1", "done", "failed")
    first, second = [json.loads(line) for line in log.read_text().splitlines()]
    assert "Bash(**)" in first["argv"] and f"Bash({DENIED['command']})" not in first["argv"]
    assert f"Bash({DENIED['command']})" in second["argv"]
    assert second["argv"][second["argv"].index("--resume") + 1] == first["session"]
    assert "board approved your refused run_command call: " + DENIED["command"] in second["prompt"]
    assert record["status"] == "done", record["result"]

    # Rejected: the next turn is told, and allowed nothing more.
    response = await stack.api.post(f"/api/companies/{company_id}/tasks", json={"title": "Again", "assignee": "dev"})
    assert response.status_code == 201, response.text
    [approval] = await asked(stack, company_id, 1)
    path = f"/api/companies/{company_id}/approvals/{approval['id']}/decision"
    decided = await stack.api.post(path, json={"decision": "rejected", "note": "not that host"})
    assert decided.status_code == 200, decided.text
    record = await until_status(stack, company_id, "ACME-2", "done", "failed")
    fourth = json.loads(log.read_text().splitlines()[3])
    assert f"Bash({DENIED['command']})" not in fourth["argv"] and "Bash(**)" in fourth["argv"]
    assert "rejected this call of run_command" in fourth["prompt"] and "not that host" in fourth["prompt"]
    assert record["status"] == "done", record["result"]
