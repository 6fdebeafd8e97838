"""Agents that work outside the workers and call the API back with their task token, over real
HTTP (the API served by uvicorn, the dev server, real workers):

- an `http` agent: each turn is POSTed to it (headers, credential, template); it comments,
  delegates and completes through the API; a refusal fails the task, a 5xx is retried, silence
  fails it after `reply_timeout_seconds`;
- a CLI agent calls back during its turn (the fake tool's `callback` mode);
- a task token is refused for another task, another company and any other route.
"""

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from paperclip.settings import Settings
from paperclip.store import Store
from paperclip.tokens import TaskTokens, task_tokens
from tests.activities.cli_helpers import fakes_on_path
from tests.api.conftest import assert_error, board_headers, serve
from tests.api.helpers import bind_fake_key, wait_for_task
from tests.fakes.http_agent import FakeHttpAgent
from tests.workflows.helpers import histories_of
from workers.main import build_workers


@dataclass
class Stack:
    api: httpx.AsyncClient
    agent: FakeHttpAgent
    agent_url: str
    tokens: TaskTokens
    client: Client


@pytest.fixture
async def stack(dev_env: WorkflowEnvironment, tmp_path: Path) -> AsyncIterator[Stack]:
    """The API and the workers sharing one home (so one secret key), and a fake HTTP agent."""
    store = Store(f"sqlite:///{tmp_path / 'paperclip.db'}")
    store.migrate()
    queue = f"callbacks-{uuid.uuid4().hex}"
    settings = Settings(
        home=tmp_path / "home",
        temporal_address=dev_env.client.service_client.config.target_host,
        cli_sandbox=False,  # the fakes log outside any workspace (see tests/activities/test_cli_sandbox.py)
    )
    agent = FakeHttpAgent()
    app = create_app(settings, client=dev_env.client, store=store, task_queue=queue)
    async with AsyncExitStack() as stack:
        api_url = await stack.enter_async_context(serve(app))
        agent_url = await stack.enter_async_context(serve(agent.app()))
        # The fake agent is on this machine: the deployment allows it by name (else refused).
        agent_host = httpx.URL(agent_url).netloc.decode()
        workers_settings = settings.model_copy(update={"api_url": api_url, "allow_private_hosts": [agent_host]})
        for worker in build_workers(dev_env.client, store, task_queue=queue, settings=workers_settings):
            await stack.enter_async_context(worker)
        api = await stack.enter_async_context(
            httpx.AsyncClient(base_url=api_url, timeout=30, headers=board_headers(settings))
        )
        yield Stack(api, agent, agent_url, task_tokens(settings.home_dir, settings.secret_key), dev_env.client)
    store.dispose()


def http_agent(stack: Stack, name: str, **http: Any) -> dict[str, Any]:
    config = {"url": f"{stack.agent_url}/agents/{name}"} | http
    return {"name": name, "role": "engineer", "adapter": "http", "http": config}


async def company(stack: Stack, agents: list[dict[str, Any]], *tasks: str) -> str:
    company_id = f"co-{uuid.uuid4().hex[:8]}"
    body = {"id": company_id, "name": "Acme", "prefix": "ACME", "goals": ["Ship"], "agents": agents}
    response = await stack.api.post("/api/companies", json=body)
    assert response.status_code == 201, response.text
    for assignee in tasks:
        response = await stack.api.post(
            f"/api/companies/{company_id}/tasks", json={"title": f"Work for {assignee}", "assignee": assignee}
        )
        assert response.status_code == 201, response.text
    return company_id


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_an_http_agent_takes_its_task_delegates_and_completes_it_through_the_api(stack: Stack) -> None:
    # The credential, stored and bound to the agent's server: it goes there and nowhere else.
    await bind_fake_key(stack.api, stack.agent_url, "EXT_AGENT_KEY", key="sk-ext-123")
    agents = [
        http_agent(stack, "ext", headers={"X-Team": "blue"}, credential="EXT_AGENT_KEY"),
        {"name": "helper", "role": "engineer", "reports_to": "ext"},  # the simulated model
    ]
    company_id = await company(stack, agents, "ext")
    task = f"/api/companies/{company_id}/tasks/ACME-1"

    first = await stack.agent.until("ext")
    assert first.headers["authorization"] == "Bearer sk-ext-123"
    assert first.headers["x-team"] == "blue" and first.headers["x-paperclip-task"] == "ACME-1"
    assert first.headers["content-type"] == "application/json" and first.headers["idempotency-key"]
    posted = first.json()
    assert posted["task"] == {"id": "ACME-1", "title": "Work for ext", "url": f"{stack.api.base_url}{task}"}
    assert posted["company_id"] == company_id and posted["agent"] == "ext" and posted["turn"] == 1
    assert "Work for ext" in posted["prompt"] and "/complete" in posted["prompt"]
    token = posted["callback"]["token"]
    assert posted["callback"]["complete"] == f"{stack.api.base_url}{task}/complete"
    assert "sk-ext-123" not in json.dumps(posted)  # the credential goes to the agent's server only

    # The agent works: a comment (its own name, whatever it says), then a subtask for its report.
    comment = await stack.api.post(f"{task}/comments", json={"body": "on it", "author": "ceo"}, headers=bearer(token))
    assert comment.status_code == 201, comment.text
    delegated = await stack.api.post(
        f"{task}/subtasks", json={"agent": "helper", "title": "Check the numbers"}, headers=bearer(token)
    )
    assert delegated.status_code == 201, delegated.text
    assert delegated.json()["subtask"] == "ACME-1.1"
    outsider = await stack.api.post(f"{task}/subtasks", json={"agent": "nobody", "title": "x"}, headers=bearer(token))
    assert "not in your team" in assert_error(outsider, 400, "invalid_input")["message"]

    # The subtask's result wakes the task: its next turn is posted to the agent, with a new token.
    second = await stack.agent.until("ext", 2)
    assert second.json()["turn"] == 2
    assert "Subtask ACME-1.1 (helper) finished: done" in second.json()["prompt"]
    assert second.headers["idempotency-key"] != first.headers["idempotency-key"]
    token = second.json()["callback"]["token"]
    done = await stack.api.post(f"{task}/complete", json={"result": "shipped it"}, headers=bearer(token))
    assert done.status_code == 200, done.text

    record = await wait_for_task(stack.api, company_id, "ACME-1")
    assert record["result"] == "shipped it" and record["turns"] == 2
    again = await stack.api.post(f"{task}/complete", json={"result": "twice"}, headers=bearer(token))
    assert "finished" in assert_error(again, 409, "conflict")["message"]
    log = (await stack.api.get(f"/api/companies/{company_id}/activity", params={"kind": "comment.posted"})).json()
    assert [(e["actor"], e["task"]) for e in log["data"]] == [("ext", "ACME-1")], log
    histories = await histories_of(stack.client, company_id)
    assert "shipped it" in histories  # the agent's answer is in history; its key and tokens are not
    assert (
        "sk-ext-123" not in histories and token not in histories and first.json()["callback"]["token"] not in histories
    )


async def test_a_task_token_is_refused_for_another_task_company_or_route(stack: Stack) -> None:
    template = '{"text": "$prompt", "reply_to": "$task_url", "key": "$token"}'
    agents = [http_agent(stack, "ext", template=template), http_agent(stack, "other")]
    company_id = await company(stack, agents, "ext", "other")
    elsewhere = await company(stack, [http_agent(stack, "ext")], "ext")
    posted = (await stack.agent.until("ext")).json()  # the template, filled in and JSON still
    assert set(posted) == {"text", "reply_to", "key"} and "Work for ext" in posted["text"]
    token = posted["key"]
    base = f"/api/companies/{company_id}/tasks"
    await stack.agent.until("other")

    other_task = await stack.api.post(f"{base}/ACME-2/complete", json={"result": "x"}, headers=bearer(token))
    assert "only" in assert_error(other_task, 403, "forbidden")["message"]
    other_company = await stack.api.post(
        f"/api/companies/{elsewhere}/tasks/ACME-1/complete", json={"result": "x"}, headers=bearer(token)
    )
    assert_error(other_company, 404, "not_found")
    for method, path in [
        ("GET", "/api/companies"),
        ("GET", base),
        ("POST", f"{base}/ACME-1/cancel"),
        ("POST", f"/api/companies/{company_id}/agents/ext/pause"),
    ]:
        assert_error(await stack.api.request(method, path, headers=bearer(token)), 403, "forbidden")

    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    expired = stack.tokens.mint(company_id=company_id, task="ACME-1", agent="ext", ttl=timedelta(seconds=-1))
    for bad in (forged, expired, "ptt1.garbage", "some-api-key"):
        response = await stack.api.get(f"{base}/ACME-1", headers=bearer(bad))
        assert_error(response, 401, "unauthorized")
    assert_error(await stack.api.get(f"{base}/ACME-1", headers={"Authorization": "Basic eDp5"}), 401)

    # Its own task it may read and finish; the other tasks were not touched.
    assert (await stack.api.get(f"{base}/ACME-1", headers=bearer(token))).json()["status"] == "running"
    done = await stack.api.post(f"{base}/ACME-1/complete", json={"result": "done"}, headers=bearer(token))
    assert done.status_code == 200, done.text
    await wait_for_task(stack.api, company_id, "ACME-1")
    assert (await stack.api.get(f"{base}/ACME-2")).json()["status"] == "running"
    assert (await stack.api.get(f"/api/companies/{elsewhere}/tasks/ACME-1")).json()["status"] == "running"


async def test_an_http_agent_that_refuses_or_never_answers_fails_its_task(stack: Stack) -> None:
    stack.agent.statuses = {"flaky": [503, 422]}
    agents = [http_agent(stack, "flaky"), http_agent(stack, "silent", reply_timeout_seconds=1)]
    company_id = await company(stack, agents, "flaky", "silent")

    refused = await wait_for_task(stack.api, company_id, "ACME-1", "failed")
    assert "HTTP turn failed" in refused["result"] and "refused the task (422)" in refused["result"]
    attempts = stack.agent.of("flaky")
    assert len(attempts) == 2  # the 503 was retried, the 422 was not
    assert attempts[0].headers["idempotency-key"] == attempts[1].headers["idempotency-key"]

    silent = await wait_for_task(stack.api, company_id, "ACME-2", "failed")
    assert "did not answer within 1s" in silent["result"]
    assert len(stack.agent.of("silent")) == 1


async def test_a_cli_agent_calls_back_during_its_turn_with_its_task_token(
    stack: Stack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fakes_on_path(tmp_path, monkeypatch)
    log = tmp_path / "runs.jsonl"
    (tmp_path / "script").write_text("callback\n")
    env = {"FAKE_CLI_LOG": str(log), "FAKE_CLI_SCRIPT": str(tmp_path / "script")}
    agent = {"name": "dev", "role": "engineer", "adapter": "claude_local", "cli": {"env": env}}
    company_id = await company(stack, [agent], "dev")

    record = await wait_for_task(stack.api, company_id, "ACME-1")
    assert record["result"] == "done through the API"  # not the tool's final message
    run = json.loads(log.read_text().splitlines()[0])
    assert run["env"]["PAPERCLIP_TASK_TOKEN"].startswith("ptt1.")
    answers = json.loads(Path(f"{log}.callbacks").read_text().splitlines()[0])
    assert answers["comment"]["status"] == 201 and answers["complete"]["status"] == 200
    assert (answers["other_task"]["status"], answers["companies"]["status"]) == (403, 403)
    await asyncio.sleep(0)
