"""`paperclip monitor github|list|reviews|remove` against the real API (its workers, the fake
GitHub): a webhook monitor prints its URL and secret once, is listed and removed; bad input —
a repository not OWNER/NAME, no credential for GitHub's URL, an unknown pipeline, a too-short
interval — is one readable line and exit 1; `paperclip monitor` alone still needs a company."""

import asyncio
import re

import httpx
from typer.testing import CliRunner, Result

from cli import app
from tests.api.conftest import api, settings, store, task_queue, workers  # noqa: F401 — the real-API fixtures
from tests.api.reviewer import World, world  # noqa: F401

runner = CliRunner()


async def cli(http: httpx.AsyncClient, *args: str) -> Result:
    argv = [*args, "--api-url", str(http.base_url)]
    return await asyncio.to_thread(runner.invoke, app, argv, env={"COLUMNS": "200"})


def one_error_line(result: Result) -> str:
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    return lines[0]


async def test_a_webhook_monitor_prints_its_url_and_secret_once_and_is_listed_and_removed(world: World) -> None:  # noqa: F811
    c = world.company
    made = await cli(
        world.api, "monitor", "github", "--repo", "myorg/myapp", "--branch", "main", "-c", c,
        "--github-api", world.github_url, "--webhook",
    )  # fmt: skip
    assert made.exit_code == 0, made.output
    assert f"monitor myapp of {c}: myorg/myapp into main, reviewed by pipeline code-review" in made.output
    assert "with credential github-token" in made.output
    url = re.search(r"Payload URL (\S+)", made.output)[1]  # type: ignore[index]
    assert url == f"{world.api.base_url}/api/hooks/{c}/myapp"
    assert re.search(r"secret \(shown once\): [0-9a-f]{64}", made.output)
    listed = await cli(world.api, "monitor", "list", "-c", c)
    assert listed.exit_code == 0 and "myorg/myapp" in listed.output and "webhook" in listed.output
    assert "secret" not in listed.output
    reviews = await cli(world.api, "monitor", "reviews", "myapp", "-c", c)
    assert reviews.exit_code == 0 and "No reviews yet." in reviews.output
    removed = await cli(world.api, "monitor", "remove", "myapp", "-c", c)
    assert removed.exit_code == 0 and "removed monitor myapp" in removed.output
    assert "No monitors." in (await cli(world.api, "monitor", "list", "-c", c)).output
    hooks = (await world.api.get(f"/api/companies/{c}/hooks")).json()
    assert hooks["count"] == 0  # its hook went with it


async def test_bad_input_is_one_line_and_exit_1(world: World) -> None:  # noqa: F811
    c, url = world.company, world.github_url
    add = ("monitor", "github", "--branch", "main", "-c", c)
    line = one_error_line(await cli(world.api, *add, "--repo", "myapp", "--github-api", url))
    assert "--repo 'myapp': give OWNER/NAME" in line
    line = one_error_line(await cli(world.api, *add, "--repo", "o/r", "--github-api", "https://ghe.example.com/api/v3"))
    assert "no credential is bound to https://ghe.example.com/api/v3" in line
    line = one_error_line(await cli(world.api, *add, "--repo", "o/r", "--github-api", url, "--pipeline", "nope"))
    assert f"company '{c}' has no pipeline 'nope'" in line
    line = one_error_line(await cli(world.api, *add, "--repo", "o/r", "--github-api", url, "--every", "10s"))
    assert "poll at most once a minute" in line
    line = one_error_line(await cli(world.api, "monitor", "remove", "nope", "-c", c))
    assert "has no monitor 'nope'" in line
    line = one_error_line(await asyncio.to_thread(runner.invoke, app, ["monitor"], env={"PAPERCLIP_COMPANY": ""}))
    assert "give the company" in line
