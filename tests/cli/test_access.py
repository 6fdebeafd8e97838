"""`paperclip team …` and `paperclip token …` against the real API: a key is printed once, works
as PAPERCLIP_API_KEY, is listed without its secret, and fails once revoked."""

import asyncio

import httpx
from typer.testing import CliRunner, Result

from paperclip.cli import app
from paperclip.settings import get_settings
from tests.api.conftest import api, settings, store, task_queue, workers  # noqa: F401 — the real-API fixtures

runner = CliRunner()


async def cli(http: httpx.AsyncClient, *args: str, key: str | None = None) -> Result:
    env = {"COLUMNS": "200", "PAPERCLIP_API_KEY": key or ""}
    get_settings.cache_clear()  # each command reads its settings, as each process does
    return await asyncio.to_thread(runner.invoke, app, [*args, "--api-url", str(http.base_url)], env=env)


async def test_a_key_made_by_the_cli_works_until_revoked(api) -> None:  # noqa: F811
    assert (await cli(api, "team", "create", "red")).exit_code == 0
    member = await cli(api, "team", "member", "red", "alice", "--role", "viewer")
    assert member.exit_code == 0 and "alice is viewer in red" in member.output
    made = await cli(api, "token", "create", "--user", "alice", "--label", "laptop")
    assert made.exit_code == 0, made.output
    key = made.output.strip().splitlines()[-1]
    assert key.startswith("pck_")

    listed = await cli(api, "company", "list", key=key)
    assert listed.exit_code == 0, listed.output
    refused = await cli(api, "team", "create", "blue", key=key)
    assert refused.exit_code == 1 and "may only read (403 forbidden)" in refused.output
    tokens = await cli(api, "token", "list")
    assert "alice" in tokens.output and "laptop" in tokens.output and key not in tokens.output

    key_id = key.split("_")[1]
    assert (await cli(api, "token", "revoke", key_id)).exit_code == 0
    after = await cli(api, "company", "list", key=key)
    assert after.exit_code == 1 and "revoked" in after.output
