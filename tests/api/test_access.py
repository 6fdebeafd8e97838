"""Teams, roles and API keys over real HTTP: a team's companies are invisible to other teams,
a viewer cannot change anything, a revoked key fails at once, and keys are kept hashed."""

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from paperclip.settings import Settings
from paperclip.store import Store
from paperclip.store.tables import metadata
from tests.api.conftest import assert_error, board_headers, serve
from tests.api.helpers import company_body


async def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.content else None


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def people(api: httpx.AsyncClient) -> dict[str, str]:
    """Teams red and blue; alice operates red, vic views red, bob operates blue: their keys."""
    for team in ("red", "blue"):
        await ok(await api.post("/api/teams", json={"name": team}), 201)
    members = {"alice": ("red", "operator"), "vic": ("red", "viewer"), "bob": ("blue", "operator")}
    keys = {}
    for user, (team, role) in members.items():
        await ok(await api.put(f"/api/teams/{team}/members", json={"user": user, "role": role}))
        keys[user] = (await ok(await api.post("/api/tokens", json={"user": user, "label": "test"}), 201))["token"]
    return keys


async def test_a_teams_companies_are_invisible_to_other_teams(api: httpx.AsyncClient, people: dict[str, str]) -> None:
    alice, bob = bearer(people["alice"]), bearer(people["bob"])
    red = (await ok(await api.post("/api/companies", json=company_body(), headers=alice), 201))["id"]
    blue = (await ok(await api.post("/api/companies", json=company_body(team="blue")), 201))["id"]  # the board
    task = {"title": "Build the engine", "assignee": "ceo"}
    await ok(await api.post(f"/api/companies/{red}/tasks", json=task, headers=alice), 201)
    await ok(await api.post(f"/api/companies/{red}/agents/cmo/pause", json={"reason": "focus"}, headers=alice))
    comment = {"body": "Mind the budget", "author": "ceo"}
    await ok(await api.post(f"/api/companies/{red}/tasks/ACME-1/comments", json=comment, headers=alice), 201)
    # Her changes, in her name, from the founding on (the log is written just after each change).
    expected = {"company.created", "agent.hired", "goal.created", "task.created", "agent.paused", "comment.posted"}
    kinds: set[str] = set()
    for _ in range(100):
        log = (await ok(await api.get(f"/api/companies/{red}/activity", params={"actor": "alice"})))["data"]
        kinds = {e["kind"] for e in log}
        if kinds >= expected:
            break
        await asyncio.sleep(0.1)
    assert kinds >= expected

    listed = await ok(await api.get("/api/companies", headers=bob))
    assert [c["id"] for c in listed["data"]] == [blue]
    for method, path in [
        ("GET", f"/api/companies/{red}"),
        ("GET", f"/api/companies/{red}/tasks"),
        ("GET", f"/api/companies/{red}/tasks/ACME-1/trace"),
        ("GET", f"/api/companies/{red}/events"),
        ("GET", f"/api/companies/{red}/activity"),
        ("GET", f"/api/companies/{red}/costs"),
        ("GET", f"/api/companies/{red}/search?q=engine"),
        ("GET", f"/api/companies/{red}/export"),
        ("POST", f"/api/companies/{red}/tasks"),
        ("POST", f"/api/companies/{red}/pause"),
        ("POST", f"/api/companies/{red}/tasks/ACME-1/cancel"),
    ]:
        response = await api.request(method, path, headers=bob, json=task if method == "POST" else None)
        assert f"company '{red}' not found" in assert_error(response, 404, "not_found")["message"], path
    assert (await api.get(f"/api/companies/{red}/tasks/ACME-1", headers=alice)).status_code == 200
    assert [c["id"] for c in (await ok(await api.get("/api/companies", headers=alice)))["data"]] == [red]
    assert {c["id"] for c in (await ok(await api.get("/api/companies")))["data"]} >= {red, blue}  # the board
    refused = await api.post("/api/companies", json=company_body(team="blue"), headers=alice)
    assert_error(refused, 403, "forbidden")


async def test_a_viewer_reads_but_changes_nothing(api: httpx.AsyncClient, people: dict[str, str]) -> None:
    vic = bearer(people["vic"])
    red = (await ok(await api.post("/api/companies", json=company_body(team="red")), 201))["id"]
    assert (await ok(await api.get(f"/api/companies/{red}", headers=vic)))["spec"]["id"] == red
    for method, path, body in [
        ("POST", f"/api/companies/{red}/tasks", {"title": "x", "assignee": "ceo"}),
        ("POST", f"/api/companies/{red}/agents/cto/pause", None),
        ("POST", "/api/companies", company_body()),
        ("POST", "/api/endpoints", {"name": "x", "type": "openai-compatible", "url": "http://x"}),
    ]:
        response = await api.request(method, path, headers=vic, json=body)
        assert "may only read" in assert_error(response, 403, "forbidden")["message"], path
    assert (await ok(await api.get(f"/api/companies/{red}/tasks", headers=vic)))["count"] == 0


async def test_a_revoked_key_fails_at_once_and_keys_are_kept_hashed(
    api: httpx.AsyncClient, people: dict[str, str], store: Store
) -> None:
    alice = bearer(people["alice"])
    await ok(await api.get("/api/companies", headers=alice))
    mine = await ok(await api.post("/api/tokens", json={"user": "alice", "label": "laptop"}, headers=alice), 201)
    assert_error(await api.post("/api/tokens", json={"user": "bob"}, headers=alice), 403, "forbidden")
    listed = await ok(await api.get("/api/tokens", headers=alice))
    assert {k["user"] for k in listed["data"]} == {"alice"} and listed["count"] == 2
    assert all("token" not in k for k in listed["data"])

    key_id = people["alice"].split("_")[1]
    await ok(await api.delete(f"/api/tokens/{key_id}"), 204)
    revoked = await api.get("/api/companies", headers=alice)
    assert "revoked" in assert_error(revoked, 401, "unauthorized")["message"]
    assert (await api.get("/api/companies", headers=bearer(mine["token"]))).status_code == 200  # the other key
    for bad in (people["alice"][:-3] + "xyz", "pck_0000000000000000_nope", "pck_short"):
        assert_error(await api.get("/api/companies", headers=bearer(bad)), 401, "unauthorized")
    assert_error(await api.delete(f"/api/tokens/{key_id}", headers=bearer(people["bob"])), 404)

    with store.engine.connect() as conn:  # every row of every table, on either database
        rows = [row for table in metadata.sorted_tables for row in conn.execute(sa.select(table))]
    stored = repr(rows).encode()
    if store.dialect == "sqlite":  # and the file itself
        stored += Path(store.engine.url.database or "").read_bytes()
    for token in (people["alice"], mine["token"]):
        assert token.encode() not in stored and token.split("_", 2)[2].encode() not in stored


async def test_with_auth_required_a_request_without_a_key_is_refused(
    dev_env: WorkflowEnvironment, store: Store, task_queue: str, settings: Settings, people: dict[str, str]
) -> None:
    required = settings.model_copy(update={"auth": "required"})
    app = create_app(required, client=dev_env.client, store=store, task_queue=task_queue)
    async with serve(app) as base_url, httpx.AsyncClient(base_url=base_url, timeout=30) as http:
        assert "API key" in assert_error(await http.get("/api/companies"), 401, "unauthorized")["message"]
        assert (await http.get("/api/health")).status_code == 200  # `paperclip up` waits on it
        assert (await http.get("/api/companies", headers=bearer(people["bob"]))).status_code == 200
        assert_error(await http.post("/api/teams", json={"name": "green"}, headers=bearer(people["bob"])), 403)
        # The board token is the board's credential here too: it makes the first teams and keys.
        await ok(await http.post("/api/teams", json={"name": "green"}, headers=board_headers(settings)), 201)
        # The Web UI's codec calls need a credential like any other.
        web_ui = {"Origin": "http://localhost:8233"}
        assert_error(await http.post("/api/codec/decode", json={"payloads": []}, headers=web_ui), 401)
