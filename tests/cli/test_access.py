"""`paperclip team …` and `paperclip token …` against the real API: the CLI on the API's home acts as
the board with no key (it sends the board token); a key is printed once, works as
PAPERCLIP_API_KEY, is listed without its secret, and fails once revoked; a CLI with neither gets
one line that says what to do."""

import asyncio
from pathlib import Path

import httpx
from typer.testing import CliRunner, Result

from cli import app
from paperclip import board
from paperclip.settings import Settings, get_settings
from tests.api.conftest import api, settings, store, task_queue, workers  # noqa: F401 — the real-API fixtures

runner = CliRunner()


async def cli(http: httpx.AsyncClient, *args: str, key: str | None = None, **env: str) -> Result:
    """Run the CLI against the API, with the home of the test's CLI (`PAPERCLIP_HOME`) unless `env` says."""
    env = {"COLUMNS": "200", "PAPERCLIP_API_KEY": key or "", **env}
    get_settings.cache_clear()  # each command reads its settings, as each process does
    return await asyncio.to_thread(runner.invoke, app, [*args, "--api-url", str(http.base_url)], env=env)


async def test_the_cli_on_the_apis_home_is_the_board_with_no_key(api, settings: Settings) -> None:  # noqa: F811
    home = str(settings.home_dir)
    made = await cli(api, "team", "create", "red", PAPERCLIP_HOME=home)
    assert made.exit_code == 0 and "team red made" in made.output, made.output
    token = board.read_token(settings.home_dir)
    assert token is not None and token not in made.output


async def test_a_cli_with_no_key_and_no_board_token_gets_one_line(api, tmp_path: Path) -> None:  # noqa: F811
    refused = await cli(api, "team", "create", "red", PAPERCLIP_HOME=str(tmp_path / "elsewhere"))
    assert refused.exit_code == 1
    lines = refused.output.strip().splitlines()
    assert len(lines) == 1 and "wants a key" in lines[0] and "PAPERCLIP_HOME" in lines[0], refused.output
    assert "Traceback" not in refused.output


async def test_inside_an_agents_turn_the_cli_sends_its_task_token_not_the_board_token(
    api,  # noqa: F811
    settings: Settings,  # noqa: F811
) -> None:
    home = str(settings.home_dir)
    refused = await cli(api, "team", "create", "red", PAPERCLIP_HOME=home, PAPERCLIP_TASK_TOKEN="ptt1.forged.token")
    assert refused.exit_code == 1 and "(401 unauthorized)" in refused.output, refused.output
    teams = await cli(api, "team", "create", "red", PAPERCLIP_HOME=home)
    assert teams.exit_code == 0, teams.output  # the forged call made nothing: the name is still free


async def test_a_key_made_by_the_cli_works_until_revoked(api, settings: Settings) -> None:  # noqa: F811
    env = {"PAPERCLIP_HOME": str(settings.home_dir)}  # the board's commands: on the API's home
    assert (await cli(api, "team", "create", "red", **env)).exit_code == 0
    member = await cli(api, "team", "member", "red", "alice", "--role", "viewer", **env)
    assert member.exit_code == 0 and "alice is viewer in red" in member.output
    made = await cli(api, "token", "create", "--user", "alice", "--label", "laptop", **env)
    assert made.exit_code == 0, made.output
    key = made.output.strip().splitlines()[-1]
    assert key.startswith("pck_")

    listed = await cli(api, "company", "list", key=key)
    assert listed.exit_code == 0, listed.output
    refused = await cli(api, "team", "create", "blue", key=key)
    assert refused.exit_code == 1 and "may only read (403 forbidden)" in refused.output
    tokens = await cli(api, "token", "list", **env)
    assert "alice" in tokens.output and "laptop" in tokens.output and key not in tokens.output

    key_id = key.split("_")[1]
    assert (await cli(api, "token", "revoke", key_id, **env)).exit_code == 0
    after = await cli(api, "company", "list", key=key)
    assert after.exit_code == 1 and "revoked" in after.output
