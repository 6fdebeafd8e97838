"""`Idempotency-Key` over real HTTP: a repeat is answered with the first answer and done once, the
key with another request is a 422, keys are per caller and route, a repeated company create
founds one company (also when only its workflow remembers the first attempt), and the store's
own changes (teams, members, tokens, endpoints) are made once."""

import uuid
from typing import Any

import httpx
import sqlalchemy as sa

from paperclip.store import Store
from paperclip.store.tables import api_keys, idempotency_keys, teams
from tests.api.conftest import assert_error
from tests.api.helpers import company_body, create_company


def keyed(key: str | None = None) -> dict[str, str]:
    return {"Idempotency-Key": key or str(uuid.uuid4())}


def count(store: Store, table: sa.Table) -> int:
    with store.engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()


async def test_a_repeated_change_is_answered_with_the_first_answer_and_done_once(api: httpx.AsyncClient) -> None:
    company = (await create_company(api))["id"]
    tasks = f"/api/companies/{company}/tasks"
    key, task = keyed(), {"title": "Build the engine", "assignee": "cto"}
    first = await api.post(tasks, json=task, headers=key)
    assert first.status_code == 201 and "Idempotent-Replayed" not in first.headers
    again = await api.post(tasks, json=task, headers=key)
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json() and again.headers["content-type"] == "application/json"
    # Without a key, the same request is a new task.
    assert (await api.post(tasks, json=task)).json()["identifier"] == "ACME-2"
    assert (await api.get(tasks)).json()["total"] == 2

    error = assert_error(await api.post(tasks, json={**task, "title": "Other"}, headers=key), 422)
    assert error["code"] == "idempotency_key_reused"
    assert error["message"] == (
        "this Idempotency-Key was used with another request on this route: use a new key for a new request"
    )
    # The same key on another route (another company's, another lever) is another key.
    other = (await create_company(api))["id"]
    assert (await api.post(f"/api/companies/{other}/tasks", json=task, headers=key)).status_code == 201
    assert (await api.post(f"/api/companies/{company}/agents/cmo/pause", headers=key)).status_code == 200


async def test_a_refused_change_may_be_retried_with_its_key(api: httpx.AsyncClient) -> None:
    company = (await create_company(api))["id"]
    key = keyed()
    assert_error(await api.post(f"/api/companies/{company}/agents/cto/resume", headers=key), 409, "conflict")
    await api.post(f"/api/companies/{company}/agents/cto/pause")
    resumed = await api.post(f"/api/companies/{company}/agents/cto/resume", headers=key)
    assert resumed.status_code == 200 and "Idempotent-Replayed" not in resumed.headers


async def test_bad_keys_are_refused_and_reads_ignore_keys(api: httpx.AsyncClient) -> None:
    company = (await create_company(api))["id"]
    for bad in ("", "a b", "é".encode(), "k" * 256):
        response = await api.post(f"/api/companies/{company}/pause", headers={"Idempotency-Key": bad})
        error = assert_error(response, 400, "invalid_input")
        assert error["message"] == "Idempotency-Key must be 1 to 255 visible ASCII characters (e.g. a uuid)"
    key = keyed()
    for _ in range(2):
        read = await api.get(f"/api/companies/{company}", headers=key)
        assert read.status_code == 200 and "Idempotent-Replayed" not in read.headers


async def test_a_repeated_company_create_founds_one_company(api: httpx.AsyncClient, store: Store) -> None:
    body, key = company_body(), keyed()
    first = await api.post("/api/companies", json=body, headers=key)
    assert first.status_code == 201, first.text
    again = await api.post("/api/companies", json=body, headers=key)
    assert again.status_code == 201 and again.json() == first.json()
    assert [c["id"] for c in (await api.get("/api/companies")).json()["data"]] == [body["id"]]

    # The store forgot the key (its day passed, or the API died before keeping the answer): the
    # company's workflow still knows the request that started it.
    with store.engine.begin() as conn:
        conn.execute(idempotency_keys.delete())
    again = await api.post("/api/companies", json=body, headers=key)
    assert again.status_code == 201 and "Idempotent-Replayed" not in again.headers
    assert again.json() == first.json()
    assert (await api.get("/api/companies")).json()["total"] == 1
    # Anyone else founding that id is refused, as before.
    assert_error(await api.post("/api/companies", json=body, headers=keyed()), 409, "conflict")
    assert_error(await api.post("/api/companies", json=body), 409, "conflict")
    with store.engine.begin() as conn:
        conn.execute(idempotency_keys.delete())
    error = assert_error(await api.post("/api/companies", json={**body, "name": "Other"}, headers=key), 422)
    assert error["code"] == "idempotency_key_reused"


async def test_store_changes_with_a_key_are_made_once(api: httpx.AsyncClient, store: Store) -> None:
    async def twice(method: str, path: str, body: dict[str, Any] | None = None) -> list[httpx.Response]:
        key = keyed()
        return [await api.request(method, path, json=body, headers=key) for _ in range(2)]

    created = await twice("POST", "/api/teams", {"name": "red"})
    assert [r.status_code for r in created] == [201, 201] and created[1].headers["Idempotent-Replayed"] == "true"
    assert count(store, teams) == 1
    member = await twice("PUT", "/api/teams/red/members", {"user": "alice", "role": "owner"})
    assert [r.status_code for r in member] == [200, 200] and member[0].json() == member[1].json()

    # A new key's secret is shown once: a repeat says so rather than mint a second key or show it again.
    token = await twice("POST", "/api/tokens", {"user": "alice", "label": "laptop"})
    assert token[0].status_code == 201 and token[0].headers["Cache-Control"] == "no-store"
    error = assert_error(token[1], 409, "conflict")
    assert "shown once" in error["message"] and token[0].json()["token"] not in token[1].text
    assert count(store, api_keys) == 1
    with store.engine.connect() as conn:
        kept = conn.execute(sa.select(idempotency_keys.c.response_body)).scalars().all()
    assert not any(body and token[0].json()["token"].encode() in body for body in kept)

    revoked = await twice("DELETE", f"/api/tokens/{token[0].json()['id']}")
    assert [r.status_code for r in revoked] == [204, 204] and revoked[1].headers["Idempotent-Replayed"] == "true"


async def test_a_key_is_the_callers_own(api: httpx.AsyncClient) -> None:
    """The board and a user sending the same key on the same route make two changes."""
    await api.post("/api/teams", json={"name": "red"})
    await api.put("/api/teams/red/members", json={"user": "olga", "role": "owner"})
    token = (await api.post("/api/tokens", json={"user": "olga"})).json()["token"]
    company = (await create_company(api, team="red"))["id"]
    key, task = keyed(), {"title": "Build the engine", "assignee": "cto"}
    board = await api.post(f"/api/companies/{company}/tasks", json=task, headers=key)
    olga = await api.post(
        f"/api/companies/{company}/tasks", json=task, headers={**key, "Authorization": f"Bearer {token}"}
    )
    assert (board.json()["identifier"], olga.json()["identifier"]) == ("ACME-1", "ACME-2")
