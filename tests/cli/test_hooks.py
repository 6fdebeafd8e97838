"""`paperclip hook add|list|remove` and `paperclip webhook add|list|remove` against the real API: a
secret printed once, a hook whose delivery then makes a task, and a refused request as one line
and exit 1."""

import asyncio
import hashlib
import hmac
import json
import re

import httpx
from typer.testing import CliRunner, Result

from cli import app
from tests.api.conftest import api, settings, store, task_queue, workers  # noqa: F401 — the real-API fixtures
from tests.api.helpers import create_company

runner = CliRunner()


async def cli(http: httpx.AsyncClient, *args: str, columns: int = 200) -> Result:
    argv = [*args, "--api-url", str(http.base_url)]
    return await asyncio.to_thread(runner.invoke, app, argv, env={"COLUMNS": str(columns)})


async def test_a_hook_made_from_the_cli_takes_a_signed_delivery(api: httpx.AsyncClient) -> None:  # noqa: F811
    company = (await create_company(api))["id"]
    added = await cli(
        api, "hook", "add", "deploys", "-c", company, "--agent", "cto", "--title", "Check deploy ${inputs.sha}",
        "--input", "sha=body.after", "--when", "event == 'push'", columns=60,
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    # On a narrow terminal the URL and the secret stay whole on their lines, for a script to take.
    url = re.search(r"POST (\S+)", added.output)[1]  # type: ignore[index]
    secret = re.search(r"secret \(shown once\): ([0-9a-f]{64})", added.output)[1]  # type: ignore[index]
    assert url == f"{api.base_url}/api/hooks/{company}/deploys"

    body = json.dumps({"after": "abc123", "ref": "refs/heads/main"}).encode()
    signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    headers = {"X-GitHub-Event": "push", "X-GitHub-Delivery": "d-1", "X-Hub-Signature-256": signature}
    async with httpx.AsyncClient() as anyone:
        delivered = await anyone.post(url, content=body, headers=headers)
    assert delivered.status_code == 200, delivered.text
    tasks = (await api.get(f"/api/companies/{company}/tasks")).json()["data"]
    assert [t["title"] for t in tasks] == ["Check deploy abc123"]

    listed = await cli(api, "hook", "list", "-c", company)
    assert listed.exit_code == 0 and "deploys" in listed.output and secret not in listed.output
    bad = await cli(api, "hook", "add", "x", "-c", company, "--agent", "cto", "--title", "t", "--input", "nonsense")
    assert bad.exit_code == 1 and len(bad.output.strip().splitlines()) == 1 and "NAME=EXPRESSION" in bad.output
    assert (await cli(api, "hook", "remove", "deploys", "-c", company)).exit_code == 0
    gone = await cli(api, "hook", "remove", "deploys", "-c", company)
    assert gone.exit_code == 1 and "no hook 'deploys'" in gone.output


async def test_webhooks_are_added_listed_and_removed(api: httpx.AsyncClient) -> None:  # noqa: F811
    company = (await create_company(api))["id"]
    added = await cli(
        api, "webhook", "add", "team-chat", "-c", company, "--url", "https://hooks.slack.com/services/T0/B0/XYZ",
        "--event", "task.failed", "--event", "approval.pending", "--format", "slack",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    assert re.search(r"secret \(shown once\): [0-9a-f]{64}", added.output)
    listed = await cli(api, "webhook", "list", "-c", company)
    assert listed.exit_code == 0 and "approval.pending, task.failed" in listed.output and "slack" in listed.output
    refused = await cli(
        api, "webhook", "add", "meta", "-c", company, "--url", "http://169.254.169.254/", "--event", "task.failed"
    )
    assert refused.exit_code == 1 and "metadata" in refused.output
    assert (await cli(api, "webhook", "remove", "team-chat", "-c", company)).exit_code == 0
    assert "No webhooks." in (await cli(api, "webhook", "list", "-c", company)).output
