"""A CLI agent's task reassigned to an agent on another tool, over real HTTP with real workers and
the fake `claude` and `codex` executables (which keep their sessions in the agent's home and fail
on a session they do not know, as the real ones do): the new agent's tool starts a session of its
own instead of being handed the old one's."""

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from tests.activities.cli_helpers import fakes_on_path
from tests.test_agent_callbacks_end_to_end import Stack, company, stack  # noqa: F401 — the API, workers, home


async def until_status(stack: Stack, company_id: str, identifier: str, *wanted: str) -> dict[str, Any]:  # noqa: F811
    deadline = asyncio.get_running_loop().time() + 60
    while True:
        record = (await stack.api.get(f"/api/companies/{company_id}/tasks/{identifier}")).json()
        if record.get("status") in wanted:
            return record
        assert asyncio.get_running_loop().time() < deadline, f"{identifier} never became {wanted}: {record}"
        await asyncio.sleep(0.1)


async def test_a_task_reassigned_from_claude_to_codex_starts_a_codex_session(
    stack: Stack,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fakes_on_path(tmp_path, monkeypatch)
    log, go = tmp_path / "runs.jsonl", tmp_path / "go"
    (tmp_path / "script").write_text("delegate:helper\nok\n")  # dev's Claude Code run, then lead's Codex run
    env = {"FAKE_CLI_LOG": str(log), "FAKE_CLI_SCRIPT": str(tmp_path / "script")}
    waits = f"while [ ! -e {go} ]; do sleep 0.1; done; echo helped"
    agents = [
        {"name": "lead", "role": "ceo", "adapter": "codex_local", "cli": {"env": env}},
        {"name": "dev", "role": "engineer", "reports_to": "lead", "adapter": "claude_local", "cli": {"env": env}},
        {
            "name": "helper",
            "role": "engineer",
            "reports_to": "dev",
            "adapter": "process",
            "cli": {"command": ["sh", "-c", waits]},
        },
    ]
    company_id = await company(stack, agents, "dev")

    # dev's tool delegates a part through the API and answers: the task waits for the part.
    await until_status(stack, company_id, "ACME-1", "blocked")
    response = await stack.api.post(f"/api/companies/{company_id}/tasks/ACME-1/reassign", json={"assignee": "lead"})
    assert response.status_code == 200, response.text
    go.touch()  # the part is done: the task's next turn is lead's

    record = await until_status(stack, company_id, "ACME-1", "done", "failed")
    claude, codex = [json.loads(line) for line in log.read_text().splitlines()][:2]
    assert (claude["tool"], codex["tool"]) == ("claude", "codex")
    assert "resume" not in codex["argv"] and not codex["lost_session"], codex["argv"]
    assert codex["prompt"].startswith("You are lead")  # a new session: its standing instructions first
    assert "reassigned from dev to you, lead" in codex["prompt"]
    assert record["status"] == "done", record["result"]
    assert record["result"].startswith("[fake codex] done: You are lead")
    assert len(log.read_text().splitlines()) == 2  # no failed attempt
