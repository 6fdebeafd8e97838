"""`paperclip agent register` / `agent test` / `agent hire --endpoint` against the real API."""

import asyncio
import base64
import logging
import socket

import httpx
import pytest
from temporalio.testing import WorkflowEnvironment
from typer.testing import CliRunner, Result

from cli import app
from paperclip.settings import get_settings
from tests.api.conftest import api, settings, store, task_queue, workers  # noqa: F401 — the real-API fixtures
from tests.api.helpers import create_company
from tests.fakes import FakeModelServer
from tests.workflows.helpers import histories_of

runner = CliRunner()


@pytest.fixture(autouse=True)
def shared_secret_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """The API and the workers read stored keys with one key, as a deployment's processes do."""
    monkeypatch.setenv("PAPERCLIP_SECRET_KEY", base64.b64encode(b"k" * 32).decode())
    get_settings.cache_clear()


async def cli(http: httpx.AsyncClient, *args: str) -> Result:
    argv = [*args, "--api-url", str(http.base_url)]
    return await asyncio.to_thread(runner.invoke, app, argv, env={"COLUMNS": "200"})


@pytest.fixture
def server():
    with FakeModelServer() as fake:
        fake.openai_key = "sk-local-1"
        yield fake


async def test_register_then_test_says_ok_with_latency_and_model(api, server) -> None:  # noqa: F811
    register = ["agent", "register", "--name", "my-llm", "--type", "openai-compatible"]
    done = await cli(api, *register, "--endpoint", server.base_url_openai, "--api-key", "sk-local-1")
    assert done.exit_code == 0, done.output
    assert (
        done.output.strip()
        == f"registered my-llm (openai-compatible, {server.base_url_openai}, its key kept encrypted)"
    )
    assert "sk-local-1" not in done.output
    tested = await cli(api, "agent", "test", "my-llm")
    assert tested.exit_code == 0, tested.output
    assert tested.output.startswith("OK (latency: ") and tested.output.strip().endswith("ms, model: gpt-4o-mini)")


async def test_a_dead_endpoint_gives_one_clear_line_and_exit_1(api) -> None:  # noqa: F811
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/v1"
    await cli(api, "agent", "register", "--name", "gone", "--type", "openai-compatible", "--endpoint", url)
    tested = await cli(api, "agent", "test", "gone")
    assert tested.exit_code == 1
    lines = tested.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: gone: cannot connect to {url}/models")
    unknown = await cli(api, "agent", "test", "nobody")
    assert unknown.exit_code == 1 and "endpoint 'nobody' of the deployment not found" in unknown.output


async def test_a_credential_is_added_from_the_environment_or_a_prompt_never_an_argument(api) -> None:  # noqa: F811
    add = ["credential", "add", "OPENAI_TEAM", "--url", "https://llm.example/v1", "--url", "http://127.0.0.1:8080"]
    argv = [*add, "--api-url", str(api.base_url)]
    done = await asyncio.to_thread(
        runner.invoke, app, argv, env={"PAPERCLIP_CREDENTIAL_KEY": "sk-from-env", "COLUMNS": "200"}
    )
    assert done.exit_code == 0, done.output
    assert done.output.strip() == (
        "stored OPENAI_TEAM for the deployment, bound to https://llm.example/v1, http://127.0.0.1:8080"
    )
    no_env = {"PAPERCLIP_CREDENTIAL_KEY": "", "COLUMNS": "200"}
    prompted = await asyncio.to_thread(
        runner.invoke, app, ["credential", "add", "OTHER", *argv[3:]], input="sk-typed\n", env=no_env
    )
    assert prompted.exit_code == 0, prompted.output
    assert "sk-typed" not in prompted.output and "sk-from-env" not in done.output
    listed = await cli(api, "credential", "list")
    assert listed.exit_code == 0 and "OPENAI_TEAM" in listed.output and "https://llm.example/v1" in listed.output
    assert "sk-" not in listed.output
    none = await asyncio.to_thread(
        runner.invoke, app, ["credential", "add", "EMPTY", *argv[3:]], input="\n", env=no_env
    )
    assert none.exit_code == 1 and "no key" in none.output
    removed = await cli(api, "credential", "remove", "OPENAI_TEAM")
    assert removed.exit_code == 0 and (await api.get("/api/credentials/OPENAI_TEAM")).status_code == 404


async def test_an_agent_hired_on_an_endpoint_gets_its_companys_teams_endpoint(api, server) -> None:  # noqa: F811
    assert (await api.post("/api/teams", json={"name": "red"})).status_code == 201
    company = (await create_company(api, team="red"))["id"]
    register = ["agent", "register", "--name", "my-llm", "--type", "openai-compatible"]
    await cli(api, *register, "--endpoint", "http://127.0.0.1:9/v1")  # the deployment's
    done = await cli(api, *register, "--endpoint", server.base_url_openai, "--api-key", "sk-local-1", "--team", "red")
    assert done.exit_code == 0, done.output
    tested = await cli(api, "agent", "test", "my-llm", "--team", "red")
    assert tested.exit_code == 0 and tested.output.startswith("OK"), tested.output
    hired = await cli(api, "agent", "hire", "writer", "--company", company, "--endpoint", "my-llm")
    assert hired.exit_code == 0, hired.output
    spec = (await api.get(f"/api/companies/{company}/agents/writer")).json()["spec"]
    assert (spec["model"]["base_url"], spec["model"]["credential"]) == (server.base_url_openai, "my-llm")


async def test_an_agent_hired_on_an_endpoint_calls_it_with_the_stored_key(
    api,  # noqa: F811
    server,
    dev_env: WorkflowEnvironment,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    company = (await create_company(api))["id"]
    register = ["agent", "register", "--name", "my-llm", "--type", "openai-compatible", "--model", "gpt-5-mini"]
    await cli(api, *register, "--endpoint", server.base_url_openai, "--api-key", "sk-local-1")
    hired = await cli(api, "agent", "hire", "writer", "--company", company, "--endpoint", "my-llm")
    assert hired.exit_code == 0, hired.output
    agent = next(
        a for a in (await api.get(f"/api/companies/{company}")).json()["agents"] if a["spec"]["name"] == "writer"
    )
    await api.post(f"/api/companies/{company}/tasks", json={"title": "Write the launch post", "assignee": "writer"})
    for _ in range(200):
        tasks = (await api.get(f"/api/companies/{company}/tasks")).json()["data"]
        if tasks and tasks[0]["status"] in ("done", "failed"):
            break
        await asyncio.sleep(0.1)
    assert tasks[0]["status"] == "done", tasks[0]
    assert server.calls >= 1  # with the stored key: the fake refuses any other
    # The key went to the provider only: not into Temporal's histories, nor any log line.
    histories = await histories_of(dev_env.client, company)
    assert "Write the launch post" in histories and "my-llm" in histories
    assert "sk-local-1" not in histories
    assert caplog.records and "sk-local-1" not in caplog.text
    assert agent["spec"]["model"] == {
        "provider": "openai",
        "model": "gpt-5-mini",
        "base_url": server.base_url_openai,
        "credential": "my-llm",
        "max_tokens": 1024,
        "temperature": None,
        "heartbeat_timeout_seconds": 30.0,
        "turn_timeout_seconds": 600.0,
        "price": agent["spec"]["model"]["price"],
        "context_window": None,
    }
