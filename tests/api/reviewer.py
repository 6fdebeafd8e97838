"""The pull-request reviewer's test world: the API with its workers, the fake model server the
reviewing agents talk to, the fake GitHub, and a company with the code-review pipeline."""

import asyncio
import copy
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from paperclip.constants import monitor_schedule_id
from paperclip.github.models import PollResult
from paperclip.pipelines import builtin_text
from tests.api.conftest import serve
from tests.api.helpers import bind_fake_key, create_company
from tests.api.test_hooks import pull_request_payload
from tests.fakes import FakeModelServer
from tests.fakes.github_api import FakeGitHub

REVIEWERS = ("linter", "security", "reviewer", "summarizer")
READ_ONLY = ["read_file", "list_files", "search_files"]
SHA_A = "6dcb09b5b57875f334f61aebed695e2e4193db5e"
SHA_B = "7fd1a60b01f91b314f59955a4e4d4e80d8edf11d"
SHA_C = "8e2f2ab1c8f5a2e64d4f1c6a2a9e5b3f2a1c0d9e"


@dataclass
class World:
    api: httpx.AsyncClient
    client: Client
    model: FakeModelServer
    github: FakeGitHub
    github_url: str
    company: str

    def path(self, rest: str = "") -> str:
        return f"/api/companies/{self.company}/monitors{rest}"

    async def add_monitor(self, **fields: Any) -> dict[str, Any]:
        body = {"name": "myapp", "repo": "myorg/myapp", "branch": "main", "api_url": self.github_url} | fields
        response = await self.api.post(self.path(), json=body)
        assert response.status_code == 201, response.text
        made: dict[str, Any] = response.json()
        return made

    async def reviews(self, name: str = "myapp") -> list[dict[str, Any]]:
        response = await self.api.get(self.path(f"/{name}/reviews"))
        assert response.status_code == 200, response.text
        found: list[dict[str, Any]] = response.json()["data"]
        return found

    async def settled(self, count: int, name: str = "myapp", timeout: float = 180) -> list[dict[str, Any]]:
        """The monitor's reviews once `count` of them have ended (none running)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            found = await self.reviews(name)
            if len(found) >= count and all(r["state"] != "running" for r in found):
                assert len(found) == count, found
                return found
            assert asyncio.get_running_loop().time() < deadline, found
            await asyncio.sleep(0.2)

    async def poll_once(self, name: str = "myapp") -> PollResult:
        """Fire the monitor's schedule now and wait for that poll's result."""
        handle = self.client.get_schedule_handle(monitor_schedule_id(self.company, name))
        before = len((await handle.describe()).info.recent_actions)
        await handle.trigger()
        for _ in range(300):
            actions = (await handle.describe()).info.recent_actions
            if len(actions) > before:
                workflow_id = actions[-1].action.workflow_id  # type: ignore[attr-defined]
                handle_of_poll = self.client.get_workflow_handle(workflow_id, result_type=PollResult)
                result: PollResult = await handle_of_poll.result()
                return result
            await asyncio.sleep(0.1)
        raise AssertionError("the schedule never started a poll")

    async def summary_of(self, review: dict[str, Any]) -> str:
        """The result of the final step's task of the review's run."""
        run = (await self.api.get(f"/api/companies/{self.company}/pipeline-runs/{review['run_id']}")).json()
        final = run["steps"][-1]
        assert final["id"] == "pr_comment" and final["status"] == "done", run
        task = (await self.api.get(f"/api/companies/{self.company}/tasks/{final['task']}")).json()
        assert task["assignee"] == "summarizer"
        result: str = task["result"]
        return result

    async def histories(self) -> str:
        """Every event of every workflow of the company's reviews (polls, reviews, runs, the
        company and its tasks), payloads as stored."""
        c = self.company
        query = " OR ".join(
            f"WorkflowId STARTS_WITH '{prefix}'"
            for prefix in (f"review:{c}:", f"pipeline:{c}:", f"github-poll:{c}:", f"company:{c}", f"task:{c}:")
        )
        texts, kinds = [], set()
        async for execution in self.client.list_workflows(query):
            kinds.add(execution.workflow_type)
            history = await self.client.get_workflow_handle(execution.id, run_id=execution.run_id).fetch_history()
            texts += [event.SerializeToString().decode("utf-8", "replace") for event in history.events]
        assert {"PullRequestReviewWorkflow", "PipelineWorkflow", "TaskWorkflow"} <= kinds, kinds
        return "\n".join(texts)


def delivery_body(
    github: FakeGitHub, number: int, sha: str, action: str = "opened", base: str = "main"
) -> dict[str, Any]:
    """GitHub's `pull_request` delivery of the fake repository's pull request."""
    payload = copy.deepcopy(pull_request_payload(action, number))
    payload["pull_request"]["head"]["sha"] = sha
    payload["pull_request"]["base"]["ref"] = base
    return payload


@pytest.fixture
async def world(api: httpx.AsyncClient, dev_env: WorkflowEnvironment) -> AsyncIterator[World]:
    with FakeModelServer() as model:
        github = FakeGitHub()
        async with serve(github.app()) as github_url:
            await bind_fake_key(api, model.base_url)
            await bind_fake_key(api, github_url, "github-token", key=github.token)
            on_fake = {"provider": "openai", "model": "gpt-4o-mini", "base_url": model.base_url_openai}
            agents = [{"name": "lead", "role": "ceo"}] + [
                {"name": n, "reports_to": "lead", "tools": READ_ONLY, "model": on_fake | {"credential": "fake-key"}}
                for n in REVIEWERS
            ]
            company = (await create_company(api, agents=agents, prefix="REV"))["id"]
            text = builtin_text("code-review")
            assert text is not None
            added = await api.post(
                f"/api/companies/{company}/pipelines", content=text, headers={"Content-Type": "application/yaml"}
            )
            assert added.status_code == 201, added.text
            yield World(api, dev_env.client, model, github, github_url, company)
