"""Documents on a task over real HTTP, on SQLite and PostgreSQL: revisions, a stale save's 409
with the current revision, saves at once, restore, search, the activity log, bad input, and who
may see and change them."""

import asyncio
import uuid
from datetime import timedelta
from typing import Any

import httpx

from paperclip.models import RecordInput, TaskStatus
from paperclip.models.documents import MAX_DOCUMENT_CHARS
from paperclip.settings import Settings
from paperclip.store import Store
from paperclip.tokens import task_tokens
from tests.api.conftest import assert_error
from tests.api.helpers import company_body, create_company
from tests.api.test_access import bearer, ok, people  # noqa: F401 — the teams fixture
from tests.store.factories import task_record


def docs(company: str, task: str = "ACME-1") -> str:
    return f"/api/companies/{company}/tasks/{task}/documents"


async def company_with_task(api: httpx.AsyncClient, store: Store, **fields: Any) -> str:
    company = (await create_company(api, **fields))["id"]
    store.record(RecordInput(tasks=[task_record("ACME-1", company_id=company, title="Launch", assignee="cto")]))
    return company


async def put(api: httpx.AsyncClient, path: str, body: str, base: int, **kw: Any) -> httpx.Response:
    return await api.put(path, json={"body": body, "base_revision": base}, **kw)


async def test_saves_make_revisions_each_read_back_listed_and_restored(api: httpx.AsyncClient, store: Store) -> None:
    company = await company_with_task(api, store)
    plan = f"{docs(company)}/plan"

    first = await ok(await put(api, plan, "# Plan\n\n1. fuel", 0))
    second = await ok(await put(api, plan, "# Plan\n\n1. fuel\n2. launch", 1))
    await ok(await put(api, f"{docs(company)}/notes", "remember the nozzle", 0))
    listed = await ok(await api.get(docs(company)))
    latest = await ok(await api.get(plan))
    old = await ok(await api.get(plan, params={"revision": 1}))
    history = await ok(await api.get(f"{plan}/revisions"))
    restored = await ok(await api.post(f"{plan}/restore", json={"revision": 1}), 201)

    assert (first["revision"], first["author"], second["revision"]) == (1, "board", 2)
    assert [(d["key"], d["revision"]) for d in listed["data"]] == [("notes", 1), ("plan", 2)] and listed["count"] == 2
    assert latest == second and old == first
    assert [r["revision"] for r in history["data"]] == [2, 1] and history["total"] == 2
    assert (restored["revision"], restored["body"], restored["restored_from"]) == (3, "# Plan\n\n1. fuel", 1)
    log = await ok(await api.get(f"/api/companies/{company}/activity", params={"kind": "document.saved"}))
    assert [e["data"]["revision"] for e in log["data"] if e["data"]["key"] == "plan"] == [1, 2, 3]
    found = await ok(await api.get(f"/api/companies/{company}/search", params={"q": "nozzle", "kind": "document"}))
    assert [(h["task"], h["document"], h["revision"]) for h in found["data"]] == [("ACME-1", "notes", 1)]


async def test_a_stale_save_is_a_409_with_the_current_revision(api: httpx.AsyncClient, store: Store) -> None:
    company = await company_with_task(api, store)
    plan = f"{docs(company)}/plan"
    await ok(await put(api, plan, "one", 0))
    current = await ok(await put(api, plan, "two", 1))

    stale = assert_error(await put(api, plan, "my edit of one", 1), 409, "conflict")
    exists = assert_error(await put(api, plan, "a new plan", 0), 409, "conflict")
    stale_restore = assert_error(await api.post(f"{plan}/restore", json={"revision": 1, "base_revision": 1}), 409)

    assert stale["details"]["current"] == current and "is at revision 2 (by board), not 1" in stale["message"]
    assert exists["details"]["current"] == current
    assert stale_restore["details"]["current"] == current
    assert (await ok(await api.get(plan)))["revision"] == 2


async def test_saves_of_one_revision_at_once_give_one_409(api: httpx.AsyncClient, store: Store) -> None:
    company = await company_with_task(api, store)
    plan = f"{docs(company)}/plan"
    base = 0
    for round in range(5):
        answers = await asyncio.gather(put(api, plan, f"mine {round}", base), put(api, plan, f"yours {round}", base))

        assert sorted(a.status_code for a in answers) == [200, 409], [a.text for a in answers]
        won = next(a.json() for a in answers if a.status_code == 200)
        lost = assert_error(next(a for a in answers if a.status_code == 409), 409, "conflict")
        assert won["revision"] == base + 1 and lost["details"]["current"] == won
        base = won["revision"]
    assert (await ok(await api.get(f"{plan}/revisions")))["total"] == 5


async def test_bad_keys_bodies_and_revisions_are_refused_with_a_sentence(api: httpx.AsyncClient, store: Store) -> None:
    company = await company_with_task(api, store)
    path = docs(company)

    for key in ("Plan", "-plan", "p" * 64, "pl%20an"):
        error = assert_error(await put(api, f"{path}/{key}", "x", 0), 422, "invalid_input")
        assert "document key must be 1-63 lowercase letters" in error["message"], key
    too_long = assert_error(await put(api, f"{path}/plan", "x" * (MAX_DOCUMENT_CHARS + 1), 0), 422, "invalid_input")
    assert "200000 characters" in too_long["message"]
    assert_error(await put(api, f"{path}/plan", "x" * (2 * 1024 * 1024), 0), 413, "payload_too_large")
    assert_error(await put(api, f"{path}/plan", "x", -1), 422, "invalid_input")
    assert_error(await api.put(f"{path}/plan", json={"body": "x"}), 422, "invalid_input")
    assert_error(await api.get(f"{path}/plan"), 404, "not_found")
    await ok(await put(api, f"{path}/plan", "x", 0))
    missing = assert_error(await api.get(f"{path}/plan", params={"revision": 7}), 404, "not_found")
    assert missing["message"] == "revision 7 of document 'plan' of task ACME-1 not found"
    assert_error(await api.post(f"{path}/plan/restore", json={"revision": 7}), 404, "not_found")
    assert_error(await api.get(f"{path}/other/revisions"), 404, "not_found")
    assert_error(await api.get(docs(company, "ACME-99")), 404, "not_found")
    assert_error(await put(api, f"{docs(company, 'ACME-99')}/plan", "x", 0), 404, "not_found")
    assert_error(await api.get(f"{docs('no-such-co')}/plan"), 404, "not_found")


async def test_another_team_sees_no_documents_and_a_viewer_only_reads(
    api: httpx.AsyncClient,
    store: Store,
    people: dict[str, str],  # noqa: F811
) -> None:
    alice, bob, vic = bearer(people["alice"]), bearer(people["bob"]), bearer(people["vic"])
    red = (await ok(await api.post("/api/companies", json=company_body(), headers=alice), 201))["id"]
    store.record(RecordInput(tasks=[task_record("ACME-1", company_id=red)]))
    plan = f"{docs(red)}/plan"
    saved = await ok(await put(api, plan, "red's secret plan", 0, headers=alice))

    for response in (
        await api.get(docs(red), headers=bob),
        await api.get(plan, headers=bob),
        await api.get(f"{plan}/revisions", headers=bob),
        await put(api, plan, "bob's plan", 1, headers=bob),
        await api.post(f"{plan}/restore", json={"revision": 1}, headers=bob),
    ):
        assert f"company '{red}' not found" in assert_error(response, 404, "not_found")["message"]
    bobs = await ok(await api.get("/api/search", params={"q": "secret plan"}, headers=bob))
    assert bobs["data"] == []
    assert (await ok(await api.get(plan, headers=vic))) == saved
    assert_error(await put(api, plan, "vic's plan", 1, headers=vic), 403, "forbidden")
    assert saved["author"] == "alice"


async def test_a_task_token_reads_and_saves_its_own_tasks_documents_only(
    api: httpx.AsyncClient, store: Store, settings: Settings
) -> None:
    company = await company_with_task(api, store)
    store.record(RecordInput(tasks=[task_record("ACME-2", company_id=company)]))
    other = await create_company(api)
    tokens = task_tokens(settings.home_dir, settings.secret_key)
    token = bearer(tokens.mint(company_id=company, task="ACME-1", agent="cto", ttl=timedelta(minutes=5)))

    saved = await ok(await put(api, f"{docs(company)}/plan", "the cto's plan", 0, headers=token))
    read = await ok(await api.get(f"{docs(company)}/plan", headers=token))
    refused = [
        await put(api, f"{docs(company, 'ACME-2')}/plan", "x", 0, headers=token),
        await api.get(f"{docs(company, 'ACME-2')}/plan", headers=token),
        await api.post(f"{docs(company)}/plan/restore", json={"revision": 1}, headers=token),
    ]

    assert saved["author"] == "cto" and read == saved
    assert [r.status_code for r in refused] == [403, 403, 403]
    assert_error(await api.get(docs(other["id"]), headers=token), 404, "not_found")
    log = await ok(await api.get(f"/api/companies/{company}/activity", params={"kind": "document.saved"}))
    assert [(e["actor"], e["agent"]) for e in log["data"]] == [("cto", "cto")]


async def test_an_export_carries_every_revision_and_an_import_renames_their_task(
    api: httpx.AsyncClient, store: Store
) -> None:
    company = (await create_company(api))["id"]
    done = task_record("ACME-1", company_id=company, title="Launch", status=TaskStatus.DONE, result="launched")
    store.record(RecordInput(tasks=[done]))
    plan = f"{docs(company)}/plan"
    await ok(await put(api, plan, "# Plan\n\nfirst", 0))
    await ok(await put(api, plan, "# Plan\n\nthe zephyr booster", 1))

    exported = await ok(await api.get(f"/api/companies/{company}/export"))
    [task] = exported["tasks"]
    new = f"rock-{uuid.uuid4().hex[:8]}"
    await ok(await api.post("/api/companies/import", json=exported, params={"id": new, "prefix": "ROCK"}), 201)

    assert [(d["key"], d["revision"], d["body"]) for d in task["documents"]] == [
        ("plan", 1, "# Plan\n\nfirst"),
        ("plan", 2, "# Plan\n\nthe zephyr booster"),
    ]
    copied = await ok(await api.get(f"{docs(new, 'ROCK-1')}/plan"))
    history = await ok(await api.get(f"{docs(new, 'ROCK-1')}/plan/revisions"))
    assert (copied["company_id"], copied["task"], copied["revision"], copied["body"]) == (
        new,
        "ROCK-1",
        2,
        "# Plan\n\nthe zephyr booster",
    )
    assert [r["revision"] for r in history["data"]] == [2, 1]
    found = await ok(await api.get(f"/api/companies/{new}/search", params={"q": "zephyr", "kind": "document"}))
    assert [(h["task"], h["document"]) for h in found["data"]] == [("ROCK-1", "plan")]
    assert (await ok(await put(api, f"{docs(new, 'ROCK-1')}/plan", "third", 2)))["revision"] == 3
