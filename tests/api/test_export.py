"""Export and import over real HTTP: one company runs one task to done (the CEO delegating to a
CTO on the fake provider server, through an endpoint whose key is stored, and to a CMO on the
fake's Anthropic API, whose long system prompt is written to the prompt cache), and every test
reads it: the JSON and Markdown exports, imports of it into new companies, a round trip, other
teams and viewers, and documents that cannot be imported."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from api.errors import MAX_BODY_BYTES, MAX_IMPORT_BYTES
from paperclip.settings import Settings
from paperclip.store import Store
from tests.api.conftest import assert_error, board_headers, serve
from tests.api.helpers import create_company, wait_for_task
from tests.fakes import FakeModelServer
from workers.main import build_workers

KEY = "sk-export-3b9d27c1f0a4"
"""The endpoints' key: the CTO's and CMO's calls use it, no export may hold it."""
HANDBOOK = "You are the CMO of Acme Rockets. The brand book says: plain words, real numbers. " * 60
"""About 1,300 tokens as the fake counts them: over the 1,024 a cached prefix needs, so the CMO's
first call writes its prompt to the cache."""


@dataclass
class Source:
    http: httpx.AsyncClient
    store: Store
    company: str
    server: FakeModelServer


async def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


async def eventually(check: Any, timeout: float = 10) -> None:
    """Until the awaitable `check()` is true (routine listing is eventually consistent)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        assert asyncio.get_running_loop().time() < deadline, "never became true"
        await asyncio.sleep(0.1)


async def routines_listed(http: httpx.AsyncClient, company: str) -> None:
    async def listed() -> bool:
        return bool((await ok(await http.get(f"/api/companies/{company}/routines")))["count"])

    await eventually(listed)


@pytest.fixture(scope="module")
async def source(dev_env: WorkflowEnvironment, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Source]:
    """The API, its workers and the company, shared by the module's tests (they only read it)."""
    home = tmp_path_factory.mktemp("export")
    settings = Settings(home=home, temporal_address=dev_env.client.service_client.config.target_host)
    store = Store(f"sqlite:///{home / 'paperclip.db'}")
    store.migrate()
    queue = f"export-{uuid.uuid4()}"
    with FakeModelServer() as server:
        server.openai_key = server.anthropic_key = KEY
        async with AsyncExitStack() as stack:
            for worker in build_workers(dev_env.client, store, task_queue=queue, settings=settings):
                await stack.enter_async_context(worker)
            app = create_app(settings, client=dev_env.client, store=store, task_queue=queue)
            base_url = await stack.enter_async_context(serve(app))
            http = await stack.enter_async_context(
                httpx.AsyncClient(base_url=base_url, timeout=30, headers=board_headers(settings))
            )
            endpoint = {"name": "fake-llm", "type": "openai-compatible", "url": server.base_url_openai, "api_key": KEY}
            await ok(await http.post("/api/endpoints", json=endpoint), 201)
            claude = {"name": "fake-claude", "type": "anthropic", "url": server.base_url_anthropic, "api_key": KEY}
            await ok(await http.post("/api/endpoints", json=claude), 201)
            on_claude = {
                "provider": "anthropic",
                "model": "claude-haiku-4-5",
                "base_url": server.base_url_anthropic,
                "credential": "fake-claude",
            }
            on_endpoint = {
                "provider": "openai",
                "model": "gpt-4o-mini",
                "base_url": server.base_url_openai,
                "credential": "fake-llm",
            }
            agents = [
                {
                    "name": "ceo",
                    "role": "ceo",
                    "title": "Chief Executive",
                    "model": {"price": {"input": 3, "output": 15}},
                },
                {"name": "cto", "role": "cto", "reports_to": "ceo", "model": on_endpoint, "budget": {"monthly_usd": 5}},
                {"name": "cmo", "role": "cmo", "reports_to": "ceo", "model": on_claude, "system_prompt": HANDBOOK},
            ]
            company = (await create_company(http, agents=agents, budget_usd=50))["id"]
            goal = {"title": "Build the engine", "level": "team", "parent": "G1", "owner": "cto"}
            await ok(await http.post(f"/api/companies/{company}/goals", json=goal), 201)
            await ok(await http.put(f"/api/companies/{company}/budgets/goals/G1", json={"usd": 1, "tokens": None}))
            routine = {"name": "new-year", "cron": "0 0 1 1 *", "agent": "cmo", "title": "Plan the year"}
            await ok(await http.post(f"/api/companies/{company}/routines", json=routine), 201)
            task = {"title": "Launch the rocket", "assignee": "ceo", "goal": "G1"}
            await ok(await http.post(f"/api/companies/{company}/tasks", json=task), 201)
            await wait_for_task(http, company, "ACME-1")
            await routines_listed(http, company)
            yield Source(http=http, store=store, company=company, server=server)
    store.dispose()


async def export(http: httpx.AsyncClient, company: str, **headers: str) -> dict[str, Any]:
    return await ok(await http.get(f"/api/companies/{company}/export", headers=headers))


async def import_(http: httpx.AsyncClient, document: Any, status: int = 201, **params: str) -> dict[str, Any]:
    return await ok(await http.post("/api/companies/import", json=document, params=params), status)


async def test_the_json_export_holds_the_tasks_their_conversations_and_the_ledger_to_the_cent(source: Source) -> None:
    http, company = source.http, source.company
    response = await http.get(f"/api/companies/{company}/export", params={"format": "json"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.headers["content-disposition"] == f'attachment; filename="{company}.json"'
    doc = response.json()
    assert (doc["format"], doc["version"], doc["company"]["id"]) == ("paperclip-company", 1, company)
    assert doc["company"]["budget"]["monthly_usd"] == 50
    assert [(a["spec"]["name"], a["spec"]["reports_to"], a["status"]) for a in doc["agents"]] == [
        ("ceo", None, "idle"),
        ("cto", "ceo", "idle"),
        ("cmo", "ceo", "idle"),
    ]
    assert doc["agents"][1]["spec"]["budget"]["monthly_usd"] == 5
    exported = sum(c["cost_usd"] or 0.0 for c in doc["costs"])
    assert [(g["id"], g["parent"]) for g in doc["goals"]] == [("G1", None), ("G2", "G1")]
    [cap] = doc["caps"]
    assert (cap["scope"], cap["cap"]) == ("goal:G1", {"usd": 1.0, "tokens": None})
    assert cap["spend"]["usd"] == pytest.approx(exported, abs=1e-12)
    assert [(r["name"], r["cron"], r["agent"]) for r in doc["routines"]] == [("new-year", "0 0 1 1 *", "cmo")]

    tasks = {t["identifier"]: t for t in doc["tasks"]}
    assert list(tasks) == ["ACME-1", "ACME-1.1", "ACME-1.2"]
    assert all(t["status"] == "done" and t["result"] for t in tasks.values())
    for identifier, task in tasks.items():
        said = [m for turn in task["conversation"] for m in turn["messages"]]
        kept = source.store.list_messages(company, identifier)
        assert said and said == [m.model_dump(mode="json") for m in kept]
    assert tasks["ACME-1.1"]["conversation"][0]["agent"] == "cto"

    ledger = source.store.list_cost_events(company)
    assert doc["costs"] == [c.model_dump(mode="json") for c in ledger]
    report = await ok(await http.get(f"/api/companies/{company}/costs"))
    assert exported > 0 and round(exported, 2) == round(report["total"]["cost_usd"], 2)
    assert doc["cost_summary"]["total"] == report["total"]
    assert {c["agent"] for c in doc["costs"] if c["cost_usd"]} == {"ceo", "cto", "cmo"}
    # The CMO's calls wrote to the prompt cache, and the export says how much, call by call.
    written = [c["usage"]["cache_write_tokens"] for c in doc["costs"] if c["agent"] == "cmo"]
    assert written[0] > 1024 and sum(written) == report["total"]["usage"]["cache_write_tokens"]
    assert tasks["ACME-1.2"]["usage"]["cache_write_tokens"] == sum(written)
    kinds = [e["kind"] for e in doc["activity"]]
    assert kinds[0] == "company.created" and "task.finished" in kinds and not doc["activity_truncated"]


async def test_the_export_names_credentials_and_holds_no_secret(source: Source) -> None:
    assert source.server.requests, "the CTO's turn went to the fake server, with the stored key"
    doc = await export(source.http, source.company)
    assert doc["agents"][1]["spec"]["model"]["credential"] == "fake-llm"
    for format in ("json", "md"):
        response = await source.http.get(f"/api/companies/{source.company}/export", params={"format": format})
        assert response.status_code == 200 and KEY not in response.text


async def test_the_markdown_export_reads_the_org_chart_costs_and_conversations(source: Source) -> None:
    response = await source.http.get(f"/api/companies/{source.company}/export", params={"format": "md"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/markdown")
    text = response.text
    assert text.startswith(f"# Acme Rockets ({source.company})\n\nReach orbit cheaply\n")
    assert "- **ceo** (ceo, Chief Executive) — simulated, idle\n  - **cto** (cto) — openai/gpt-4o-mini, idle" in text
    assert "- **G1** Reach orbit by next year — company, active\n  - **G2** Build the engine — team" in text
    assert (
        "| company | $50.00 | - | a month |\n| cto | $5.00 | - | a month |\n| goal:G1 | $1.00 | - | its lifetime"
        in text
    )
    report = await ok(await source.http.get(f"/api/companies/{source.company}/costs"))
    assert f"| **Total** | {report['total']['calls']} |" in text
    assert "- **new-year** (cron `0 0 1 1 *`): cmo — Plan the year" in text
    assert "### ACME-1: Launch the rocket" in text and "#### ACME-1.1: " in text
    assert "delegation** ceo → cto as ACME-1.1" in text
    for identifier in ("ACME-1", "ACME-1.1"):
        for message in source.store.list_messages(source.company, identifier):
            for line in filter(None, message.content.strip().splitlines()):
                assert f"> {line}" in text


async def test_an_import_founds_a_company_with_the_same_agents_goals_org_and_history(source: Source) -> None:
    http, company = source.http, source.company
    doc = await export(http, company)
    new = f"copy-{uuid.uuid4().hex[:8]}"
    answer = await import_(http, doc, id=new, name="Acme Copy")
    assert (answer["id"], answer["name"], answer["prefix"], answer["imported_from"]) == (
        new,
        "Acme Copy",
        "ACME",
        company,
    )
    assert (answer["agents"], answer["goals"], answer["tasks"], answer["routines"]) == (3, 2, 3, ["new-year"])
    assert (answer["cost_events"], answer["notes"]) == (len(doc["costs"]), [])

    snapshot = await ok(await http.get(f"/api/companies/{new}"))
    assert [a["spec"] for a in snapshot["agents"]] == [a["spec"] for a in doc["agents"]]
    assert snapshot["goals"] == doc["goals"] and snapshot["spec"]["budget"] == doc["company"]["budget"]
    assert snapshot["caps"] == doc["caps"]

    def chart(nodes: list[dict[str, Any]]) -> list[Any]:
        return [(n["name"], n["status"], chart(n["reports"])) for n in nodes]

    org = await ok(await http.get(f"/api/companies/{new}/org"))
    assert chart(org["data"]) == chart((await ok(await http.get(f"/api/companies/{company}/org")))["data"])

    listed = (await ok(await http.get(f"/api/companies/{new}/tasks")))["data"]
    keep = ("identifier", "parent", "assignee", "status", "result", "usage", "cost_usd", "created_at")
    assert [{k: t[k] for k in keep} for t in listed] == [{k: t[k] for k in keep} for t in doc["tasks"]]
    assert source.store.list_messages(new, "ACME-1.1") == source.store.list_messages(company, "ACME-1.1")
    costs = await ok(await http.get(f"/api/companies/{new}/costs"))
    assert costs["total"] == (await ok(await http.get(f"/api/companies/{company}/costs")))["total"]
    assert costs["total"]["usage"]["cache_write_tokens"] > 0  # the CMO's, kept
    assert [c.usage for c in source.store.list_cost_events(new)] == [
        c.usage for c in source.store.list_cost_events(company)
    ]
    imported = await ok(await http.get(f"/api/companies/{new}/activity", params={"kind": "company.imported"}))
    assert [e["summary"] for e in imported["data"]] == [
        f"Acme Copy imported from {company} (exported {doc['exported_at'][:10]} {doc['exported_at'][11:16]} UTC):"
        " 3 agents, 2 goals, 3 finished tasks"
    ]
    assert (await ok(await http.get(f"/api/companies/{new}/routines/new-year")))["paused"]

    # It works like any company, and its next task is numbered after the imported ones.
    task = await ok(await http.post(f"/api/companies/{new}/tasks", json={"title": "Brand it", "assignee": "cmo"}), 201)
    assert task["identifier"] == "ACME-2"
    await wait_for_task(http, new, "ACME-2")


async def test_export_import_export_gives_the_same_document_but_for_ids_and_times(source: Source) -> None:
    first = await export(source.http, source.company)
    new = f"round-{uuid.uuid4().hex[:8]}"
    await import_(source.http, first, id=new)
    await routines_listed(source.http, new)
    second = await export(source.http, new)
    assert second["activity"][-1]["kind"] == "company.imported"
    second["activity"].pop()

    def normalised(doc: dict[str, Any]) -> dict[str, Any]:
        doc = doc | {"exported_at": None, "company": doc["company"] | {"id": None}}
        for key in ("tasks", "costs", "activity"):
            doc[key] = [item | {"company_id": None, "id": None} for item in doc[key]]
        return doc

    assert normalised(second) == normalised(first)


def without(key: str, item: Any) -> Any:
    """`item` (a JSON document) with `key` taken out of every object in it."""
    if isinstance(item, dict):
        return {k: without(key, v) for k, v in item.items() if k != key}
    if isinstance(item, list):
        return [without(key, v) for v in item]
    return item


async def test_a_document_from_before_cache_writes_were_counted_imports_with_none(source: Source) -> None:
    doc = await export(source.http, source.company)
    older = without("cache_write_tokens", doc)
    assert "cache_write_tokens" not in str(older) and older["costs"]
    new = f"old-{uuid.uuid4().hex[:8]}"
    answer = await import_(source.http, older, id=new)
    assert (answer["cost_events"], answer["notes"]) == (len(doc["costs"]), [])

    def tokens(usage: Any) -> tuple[int, int, int]:
        return usage["input_tokens"], usage["cached_input_tokens"], usage["output_tokens"]

    ledger = source.store.list_cost_events(new)
    assert [(e.usage.model_dump(), e.cost_usd) for e in ledger] == [
        ({**c["usage"], "cache_write_tokens": 0}, c["cost_usd"]) for c in doc["costs"]
    ]
    listed = (await ok(await source.http.get(f"/api/companies/{new}/tasks")))["data"]
    assert [t["usage"] for t in listed] == [t["usage"] | {"cache_write_tokens": 0} for t in doc["tasks"]]
    total = (await ok(await source.http.get(f"/api/companies/{new}/costs")))["total"]
    assert total["usage"]["cache_write_tokens"] == 0
    assert tokens(total["usage"]) == tokens(doc["cost_summary"]["total"]["usage"])


async def test_an_import_under_another_prefix_renames_the_history(source: Source) -> None:
    doc = await export(source.http, source.company)
    new = f"rock-{uuid.uuid4().hex[:8]}"
    await import_(source.http, doc, id=new, prefix="ROCK")
    listed = (await ok(await source.http.get(f"/api/companies/{new}/tasks")))["data"]
    assert [(t["identifier"], t["parent"]) for t in listed] == [
        ("ROCK-1", None),
        ("ROCK-1.1", "ROCK-1"),
        ("ROCK-1.2", "ROCK-1"),
    ]
    by_task = await ok(await source.http.get(f"/api/companies/{new}/costs", params={"group_by": "task"}))
    assert {line["key"] for line in by_task["data"]} == {"ROCK-1", "ROCK-1.1", "ROCK-1.2"}
    renamed, kept = source.store.list_messages(new, "ROCK-1"), source.store.list_messages(source.company, "ACME-1")
    assert [m.content for m in renamed] == [m.content for m in kept]  # text is kept as it was said
    assert "ROCK-1.1" in [m.author for m in renamed] and "ACME-1.1" in [m.author for m in kept]


async def test_open_tasks_and_agents_awaiting_approval_are_left_out_with_a_note(source: Source) -> None:
    doc = await export(source.http, source.company)
    doc["tasks"][0]["status"] = "running"  # ACME-1: its subtasks go with it
    doc["agents"].append({"spec": {"name": "intern", "reports_to": "cto"}, "status": "pending_approval"})
    answer = await import_(source.http, doc, id=f"open-{uuid.uuid4().hex[:8]}")
    assert (answer["agents"], answer["tasks"], answer["turns"], answer["cost_events"]) == (3, 0, 0, 0)
    assert answer["notes"] == [
        "agent intern was waiting for the board's approval: not imported",
        "3 unfinished tasks not imported (history is finished work): ACME-1, ACME-1.1, ACME-1.2",
    ]


async def test_another_teams_user_gets_404_and_a_viewer_cannot_import(source: Source) -> None:
    http, company = source.http, source.company
    members = {"alice": ("red", "operator"), "vic": ("red", "viewer"), "bob": ("blue", "operator")}
    keys = {}
    for team in ("red", "blue"):
        await ok(await http.post("/api/teams", json={"name": team}), 201)
    for user, (team, role) in members.items():
        await ok(await http.put(f"/api/teams/{team}/members", json={"user": user, "role": role}))
        token = (await ok(await http.post("/api/tokens", json={"user": user}), 201))["token"]
        keys[user] = {"Authorization": f"Bearer {token}"}
    await asyncio.to_thread(source.store.set_company_team, company, "red")
    for format in ("json", "md"):
        response = await http.get(f"/api/companies/{company}/export", params={"format": format}, headers=keys["bob"])
        assert f"company '{company}' not found" in assert_error(response, 404, "not_found")["message"]

    doc = await export(http, company, **keys["vic"])  # a viewer reads
    refused = await http.post("/api/companies/import", json=doc, params={"id": "vics"}, headers=keys["vic"])
    assert "may only read" in assert_error(refused, 403, "forbidden")["message"]
    elsewhere = await http.post("/api/companies/import", json=doc, params={"team": "blue"}, headers=keys["alice"])
    assert_error(elsewhere, 403, "forbidden")
    new = f"red-{uuid.uuid4().hex[:8]}"
    await ok(await http.post("/api/companies/import", json=doc, params={"id": new}, headers=keys["alice"]), 201)
    assert (await http.get(f"/api/companies/{new}", headers=keys["alice"])).status_code == 200
    assert_error(await http.get(f"/api/companies/{new}/export", headers=keys["bob"]), 404, "not_found")


async def test_documents_that_cannot_be_imported_get_a_4xx_that_says_why(source: Source) -> None:
    http = source.http
    doc = await export(http, source.company)

    error = assert_error(await http.post("/api/companies/import", json=doc), 409, "conflict")  # its own id
    assert error["message"] == f"company '{source.company}' already exists"
    wrong = assert_error(await http.post("/api/companies/import", json=doc | {"format": "zip"}), 422)
    assert "not a Paperclip company export" in wrong["message"]
    later = assert_error(await http.post("/api/companies/import", json=doc | {"version": 2}), 422)
    assert "export version 2 is not supported: this API reads 1" in later["message"]
    assert_error(await http.post("/api/companies/import", json=[doc]), 422, "invalid_input")
    assert_error(await http.post("/api/companies/import", json={"format": "paperclip-company", "version": 1}), 422)
    broken = await http.post(
        "/api/companies/import", content=b'{"format": ', headers={"content-type": "application/json"}
    )
    assert_error(broken, 400, "malformed_json")
    # An export may be larger than other requests (its conversations), up to its own limit.
    roomy = doc | {"goals": doc["goals"] + [doc["goals"][0] | {"description": "x" * MAX_BODY_BYTES}]}
    too_big = assert_error(await http.post("/api/companies/import", json=roomy, params={"id": "x-roomy"}), 400)
    assert too_big["code"] == "invalid_document"  # read whole, and refused for what it says
    huge = b'{"format": "paperclip-company", "pad": "' + b"x" * MAX_IMPORT_BYTES + b'"}'
    response = await http.post("/api/companies/import", content=huge, headers={"content-type": "application/json"})
    assert_error(response, 413, "payload_too_large")
    assert_error(await http.post("/api/companies/import", json=doc, params={"id": "Not A Slug"}), 422)

    dangling = doc | {"goals": [doc["goals"][1]], "tasks": [doc["tasks"][1] | {"assignee": "ghost"}], "costs": []}
    error = assert_error(await http.post("/api/companies/import", json=dangling, params={"id": "x-dangling"}), 400)
    assert error["code"] == "invalid_document" and error["message"].startswith("the document cannot be imported: ")
    assert error["details"] == [
        "goals[0]: parent goal 'G1' is not there",
        "caps[0]: 'goal:G1' names no goal there",
        "goals: a company needs a company goal that is not cancelled",
        "tasks[0]: parent task 'ACME-1' is not there",
        "tasks[0]: assignee 'ghost' is not an agent of it",
        "tasks[0]: goal 'G1' is not there",
    ]
    assert (await http.get("/api/companies/x-dangling")).status_code == 404

    negative = doc | {"costs": [doc["costs"][0] | {"usage": doc["costs"][0]["usage"] | {"cache_write_tokens": -1}}]}
    error = assert_error(await http.post("/api/companies/import", json=negative, params={"id": "x-negative"}), 400)
    assert error["details"] == ["costs[0]: a count or cost is out of range"]
    assert (await http.get("/api/companies/x-negative")).status_code == 404


async def test_a_ledger_with_several_attempts_of_one_call_imports_each(source: Source) -> None:
    doc = await export(source.http, source.company)
    first = doc["costs"][0]
    # A call whose first attempt's worker was lost (unconfirmed, at its worst case), answered on
    # the second: two rows of one turn.
    lost = {**first, "attempt": 2}
    doc["costs"].insert(1, lost)
    new = f"att-{uuid.uuid4().hex[:8]}"
    answer = await import_(source.http, doc, id=new)
    assert answer["cost_events"] == len(doc["costs"])
    rows = [(e.task, e.seq, e.attempt) for e in source.store.list_cost_events(new)]
    assert (first["task"], first["seq"], 1) in rows and (first["task"], first["seq"], 2) in rows
    # The very same attempt twice is refused, and says which.
    doc["costs"].insert(1, lost)
    refused = await source.http.post("/api/companies/import", json=doc, params={"id": f"dup-{uuid.uuid4().hex[:8]}"})
    assert refused.status_code == 400 and "attempt 2 on model 0 of call" in refused.text
