"""`DELETE /api/companies/{company}` over real HTTP on a real Temporal: only the board or an owner of
the company's team may; it leaves nothing of the company in Temporal (workflows, histories,
schedules) nor in any store table, and nothing of another company is touched."""

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest
from temporalio.service import RPCError, RPCStatusCode
from temporalio.testing import WorkflowEnvironment

from paperclip.constants import SA_COMPANY, company_workflow_id
from paperclip.settings import Settings
from paperclip.store import Store
from paperclip.tokens import task_tokens
from tests.api.conftest import assert_error
from tests.api.helpers import company_body, wait_for_task
from tests.lifecycle.rows import counts, fill


async def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.content else None


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def eventually(check: Callable[[], Awaitable[bool]], what: str, timeout: float = 30) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        assert asyncio.get_running_loop().time() < deadline, what
        await asyncio.sleep(0.2)


@pytest.fixture
async def people(api: httpx.AsyncClient) -> dict[str, str]:
    """Teams red and blue: olive owns red, alice operates it, vic views it; bob operates blue."""
    for team in ("red", "blue"):
        await ok(await api.post("/api/teams", json={"name": team}), 201)
    members = {
        "olive": ("red", "owner"),
        "alice": ("red", "operator"),
        "vic": ("red", "viewer"),
        "bob": ("blue", "operator"),
    }
    keys = {}
    for user, (team, role) in members.items():
        await ok(await api.put(f"/api/teams/{team}/members", json={"user": user, "role": role}))
        keys[user] = (await ok(await api.post("/api/tokens", json={"user": user, "label": "test"}), 201))["token"]
    return keys


async def workflows_of(env: WorkflowEnvironment, company: str) -> list[str]:
    return [w.id async for w in env.client.list_workflows(f"{SA_COMPANY.name} = '{company}'")]


async def schedules_of(env: WorkflowEnvironment, company: str) -> list[str]:
    return [s.id async for s in await env.client.list_schedules(query=f"{SA_COMPANY.name} = '{company}'")]


async def test_only_the_board_or_an_owner_deletes_a_company_and_nothing_of_it_is_left(
    api: httpx.AsyncClient, people: dict[str, str], store: Store, dev_env: WorkflowEnvironment, settings: Settings
) -> None:
    red = (await ok(await api.post("/api/companies", json=company_body(team="red")), 201))["id"]
    other = (await ok(await api.post("/api/companies", json=company_body(team="red")), 201))["id"]
    for company in (red, other):
        await ok(
            await api.post(
                f"/api/companies/{company}/tasks", json={"title": "Ship the rocket engine", "assignee": "ceo"}
            ),
            201,
        )
        await wait_for_task(api, company, "ACME-1")
    routine = {"name": "standup", "agent": "cmo", "title": "Daily stand-up", "cron": "0 9 * * 1-5"}
    await ok(await api.post(f"/api/companies/{red}/routines", json=routine), 201)
    folder = settings.home_dir / "workspaces" / red
    folder.mkdir(parents=True)
    (folder / "notes.md").write_text("the company's own files")
    files = {"file": ("plan.txt", b"the plan", "text/plain")}
    kept = {}
    for company in (red, other):  # a file uploaded to each, kept on disk under the API's home
        url = f"/api/companies/{company}/tasks/ACME-1/attachments"
        kept[company] = (await ok(await api.post(url, files=files), 201))["id"]
    stored = settings.home_dir / "attachments"
    assert {p.name for p in stored.iterdir()} == set(kept.values())
    await asyncio.to_thread(fill, store, red)  # a row in every table of the store that keeps a company's
    await asyncio.to_thread(fill, store, other)
    before = await asyncio.to_thread(counts, store, other)
    await eventually(lambda: _has(schedules_of(dev_env, red)), "the routine's schedule is listed")

    refused = [("bob", 404, "not_found"), ("vic", 403, "forbidden"), ("alice", 403, "forbidden")]
    for user, status, code in refused:
        assert_error(await api.delete(f"/api/companies/{red}", headers=bearer(people[user])), status, code)
    agent = task_tokens(settings.home_dir, settings.secret_key).mint(
        company_id=red, task="ACME-1", agent="ceo", ttl=timedelta(minutes=5)
    )  # an agent of the company's own
    assert_error(await api.delete(f"/api/companies/{red}", headers=bearer(agent)), 403, "forbidden")
    assert min((await asyncio.to_thread(counts, store, red)).values()) >= 1  # nothing went
    assert (await api.get(f"/api/companies/{red}")).status_code == 200

    deleted = await ok(await api.delete(f"/api/companies/{red}", headers=bearer(people["olive"])))

    assert deleted["company_id"] == red and deleted["schedules"] == 1 and deleted["workflows"] >= 2
    assert {"companies", "tasks", "messages", "activity_log", "tool_outputs", "hooks"} <= set(deleted["rows"])
    assert deleted["folders"] == [str(folder)] and not folder.exists()
    assert deleted["files"] == 1 and {p.name for p in stored.iterdir()} == {kept[other]}  # its bytes went too
    assert set((await asyncio.to_thread(counts, store, red)).values()) == {0}
    after = await asyncio.to_thread(counts, store, other)
    assert all(after[table] >= n >= 1 for table, n in before.items()), after  # nothing of it went
    assert_error(await api.get(f"/api/companies/{red}"), 404, "not_found")
    with pytest.raises(RPCError) as gone:
        await dev_env.client.get_workflow_handle(company_workflow_id(red)).describe()
    assert gone.value.status == RPCStatusCode.NOT_FOUND
    await eventually(lambda: _empty(workflows_of(dev_env, red)), "the company's workflows leave visibility")
    await eventually(lambda: _empty(schedules_of(dev_env, red)), "the company's schedules leave visibility")
    assert await workflows_of(dev_env, other)  # the other company's are all there
    hits = (await ok(await api.get("/api/search", params={"q": "rocket engine"})))["data"]
    assert hits and {hit["company_id"] for hit in hits} == {other}
    assert (await api.get(f"/api/companies/{other}/tasks/ACME-1")).status_code == 200

    assert_error(await api.delete(f"/api/companies/{red}"), 404, "not_found")  # the board, once more


async def _has(listing: Awaitable[list[str]]) -> bool:
    return bool(await listing)


async def _empty(listing: Awaitable[list[str]]) -> bool:
    return not await listing


async def test_deleting_a_company_no_one_knows_or_a_bad_id_is_404(
    api: httpx.AsyncClient,
) -> None:
    assert_error(await api.delete("/api/companies/nope"), 404, "not_found")
    assert_error(await api.delete("/api/companies/Not%20A%20Slug"), 404, "not_found")
