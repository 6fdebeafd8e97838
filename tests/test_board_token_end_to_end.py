"""The board token stays with the board: a CLI agent's process (its environment read from `/proc`)
and an HTTP agent's server get their task's token and never the board's, though the worker runs
on the home that holds it (the API, the workers and the agents of one running stack)."""

from pathlib import Path

import pytest

from paperclip import board
from tests.api.helpers import wait_for_task
from tests.test_agent_callbacks_end_to_end import Stack, company, http_agent, stack  # noqa: F401 — the stack

LOOK = (
    "import sys; sys.stdin.read(); "
    "open('environ.bin', 'wb').write(open('/proc/self/environ', 'rb').read()); "
    "print('looked around')"
)
"""A `process` agent that keeps its own environment, as the kernel shows it, in its workspace."""


async def test_agents_get_their_task_token_and_never_the_board_token(
    stack: Stack,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    token = stack.api.headers["authorization"].removeprefix("Bearer ")
    assert board.is_board_token(token)
    home = tmp_path / "home"  # the stack's: its API made the token there, its workers run on it
    assert board.read_token(home) == token
    monkeypatch.setenv("PAPERCLIP_HOME", str(home))  # as `paperclip up` gives its worker
    looker = {"name": "dev", "role": "engineer", "adapter": "process", "cli": {"command": ["python3", "-c", LOOK]}}
    company_id = await company(stack, [looker, http_agent(stack, "ext")], "dev", "ext")
    workspace = home / "workspaces" / company_id / "dev"  # the agent's default workspace

    record = await wait_for_task(stack.api, company_id, "ACME-1")
    assert record["result"].strip() == "looked around"
    names = {entry.split(b"=", 1)[0] for entry in (workspace / "environ.bin").read_bytes().split(b"\0") if entry}
    environ = (workspace / "environ.bin").read_bytes()
    assert b"PAPERCLIP_TASK_TOKEN" in names  # what it is given to call back: its task's token
    assert token.encode() not in environ and token[4:].encode() not in environ
    assert not [name for name in names if b"BOARD" in name.upper()]

    posted = await stack.agent.until("ext")
    assert posted.json()["callback"]["token"].startswith("ptt1.")
    seen = repr(posted.headers).encode() + posted.body
    assert token[4:].encode() not in seen
