from datetime import UTC, datetime

import httpx

from paperclip.models import RecordInput, TaskRecord, TaskStatus
from paperclip.store import Store
from tests.api.conftest import assert_error
from tests.api.helpers import create_company, wait_for_task


async def test_a_task_for_the_ceo_is_delegated_and_done(api: httpx.AsyncClient) -> None:
    company = (await create_company(api))["id"]
    response = await api.post(
        f"/api/companies/{company}/tasks", json={"title": "Launch the rocket", "assignee": "ceo", "priority": "high"}
    )
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["identifier"] == "ACME-1"
    assert created["status"] == "queued" and created["priority"] == "high"

    task = await wait_for_task(api, company, "ACME-1")
    assert task["result"]
    subtasks = {s["identifier"]: s for s in task["subtasks"]}
    assert set(subtasks) == {"ACME-1.1", "ACME-1.2"}
    assert {s["assignee"] for s in subtasks.values()} == {"cto", "cmo"}
    assert all(s["parent"] == "ACME-1" and s["status"] == "done" for s in subtasks.values())

    listed = (await api.get(f"/api/companies/{company}/tasks")).json()
    assert [t["identifier"] for t in listed["data"]] == ["ACME-1", "ACME-1.1", "ACME-1.2"]
    assert listed["count"] == 3
    by_cto = (await api.get(f"/api/companies/{company}/tasks", params={"assignee": "cto"})).json()
    assert [t["identifier"] for t in by_cto["data"]] == ["ACME-1.1"]
    done = (await api.get(f"/api/companies/{company}/tasks", params={"status": "done"})).json()
    assert done["count"] == 3
    running = (await api.get(f"/api/companies/{company}/tasks", params={"status": "running"})).json()
    assert running == {"data": [], "count": 0, "total": 0}


async def test_a_task_for_an_unknown_agent_is_rejected(api: httpx.AsyncClient) -> None:
    company = (await create_company(api))["id"]
    response = await api.post(f"/api/companies/{company}/tasks", json={"title": "t", "assignee": "ghost"})
    error = assert_error(response, 400, "invalid_input")
    assert error["message"] == "unknown agent 'ghost'"


async def test_a_task_with_an_empty_title_is_rejected(api: httpx.AsyncClient) -> None:
    company = (await create_company(api))["id"]
    response = await api.post(f"/api/companies/{company}/tasks", json={"title": "   ", "assignee": "ceo"})
    error = assert_error(response, 400, "invalid_input")
    assert "title" in error["message"]
    response = await api.post(f"/api/companies/{company}/tasks", json={"assignee": "ceo"})
    error = assert_error(response, 422, "invalid_input")
    assert error["message"].startswith("title:")


async def test_unknown_task_and_bad_filters(api: httpx.AsyncClient) -> None:
    company = (await create_company(api))["id"]
    error = assert_error(await api.get(f"/api/companies/{company}/tasks/ACME-99"), 404, "not_found")
    assert "ACME-99" in error["message"]
    error = assert_error(await api.get(f"/api/companies/{company}/tasks/ACME-99/trace"), 404, "not_found")
    assert "ACME-99" in error["message"]
    error = assert_error(
        await api.get(f"/api/companies/{company}/tasks", params={"status": "sleeping"}), 422, "invalid_input"
    )
    assert "status" in error["message"]
    assert_error(await api.get("/api/companies/nope/tasks"), 404, "not_found")


async def test_malformed_and_oversized_bodies(api: httpx.AsyncClient) -> None:
    company = (await create_company(api))["id"]
    response = await api.post(
        f"/api/companies/{company}/tasks", content=b'{"title": "x", ', headers={"content-type": "application/json"}
    )
    assert_error(response, 400, "malformed_json")
    response = await api.post(f"/api/companies/{company}/tasks", json=["not", "an", "object"])
    assert_error(response, 422, "invalid_input")
    # JSON sent without saying so (curl -d): the error says which header is missing.
    form = {"content-type": "application/x-www-form-urlencoded"}
    response = await api.post(f"/api/companies/{company}/tasks", content=b'{"title": "x"}', headers=form)
    error = assert_error(response, 422, "invalid_input")
    assert error["message"].startswith("the request body must be JSON, sent with Content-Type: application/json")
    assert "application/x-www-form-urlencoded" in error["message"]
    big = {"title": "x", "assignee": "ceo", "brief": "b" * (1024 * 1024 + 1)}
    assert_error(await api.post(f"/api/companies/{company}/tasks", json=big), 413, "payload_too_large")

    async def chunks():  # no Content-Length: the limit applies while reading
        for _ in range(20):
            yield b" " * 65536
        yield b"{}"

    response = await api.post(
        f"/api/companies/{company}/tasks", content=chunks(), headers={"content-type": "application/json"}
    )
    assert_error(response, 413, "payload_too_large")


async def test_unknown_routes_and_methods_use_the_error_shape(api: httpx.AsyncClient) -> None:
    assert_error(await api.get("/api/nothing-here"), 404, "not_found")
    assert_error(await api.delete("/api/companies"), 405, "method_not_allowed")


async def test_the_trace_of_a_delegated_task_over_http(api: httpx.AsyncClient) -> None:
    company = (await create_company(api))["id"]
    await api.post(f"/api/companies/{company}/tasks", json={"title": "Launch", "assignee": "ceo"})
    await wait_for_task(api, company, "ACME-1")

    response = await api.get(f"/api/companies/{company}/tasks/ACME-1/trace")
    assert response.status_code == 200, response.text
    trace = response.json()
    assert trace["identifier"] == "ACME-1" and trace["status"] == "done" and trace["simulated"] is True
    steps = [(e["kind"], e.get("child")) for e in trace["events"] if e["kind"] in ("delegation", "child_result")]
    assert steps[:2] == [("delegation", "ACME-1.1"), ("delegation", "ACME-1.2")]
    assert sorted(steps[2:]) == [("child_result", "ACME-1.1"), ("child_result", "ACME-1.2")]
    assert [c["identifier"] for c in trace["children"]] == ["ACME-1.1", "ACME-1.2"]
    assert {c["assignee"] for c in trace["children"]} == {"cto", "cmo"}

    response = await api.get(f"/api/companies/{company}/tasks/ACME-1/trace", params={"format": "md"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/markdown")
    md = response.text
    assert "ceo → cto as ACME-1.1" in md and "ceo → cmo as ACME-1.2" in md
    assert "subtask result** ACME-1.1 (cto → ceo): done" in md
    assert "(simulated)" in md

    flat = (await api.get(f"/api/companies/{company}/tasks/ACME-1/trace", params={"children": "false"})).json()
    assert flat["children"] == []
    error = assert_error(
        await api.get(f"/api/companies/{company}/tasks/ACME-1/trace", params={"format": "pdf"}), 422, "invalid_input"
    )
    assert "format" in error["message"]


async def test_finished_tasks_the_company_forgot_are_listed_from_the_store(
    api: httpx.AsyncClient, store: Store
) -> None:
    company = (await create_company(api))["id"]
    created = (await api.post(f"/api/companies/{company}/tasks", json={"title": "Now", "assignee": "cto"})).json()
    old = datetime(2020, 1, 1, tzinfo=UTC)
    forgotten = TaskRecord(
        company_id=company,
        identifier="ACME-0",
        title="Long ago",
        assignee="cmo",
        status=TaskStatus.DONE,
        result="shipped",
        created_at=old,
        updated_at=old,
    )
    # The store also holds a stale copy of the live task: the company's record wins.
    stale = TaskRecord.model_validate({**created, "title": "stale copy", "status": "queued"})
    store.record(RecordInput(tasks=[forgotten, stale]))

    listed = (await api.get(f"/api/companies/{company}/tasks")).json()
    assert [t["identifier"] for t in listed["data"]] == ["ACME-0", "ACME-1"]
    assert listed["data"][1]["title"] == "Now"
    assert (await api.get(f"/api/companies/{company}/tasks", params={"assignee": "cmo"})).json()["total"] == 1
    detail = (await api.get(f"/api/companies/{company}/tasks/ACME-0")).json()
    assert detail["result"] == "shipped" and detail["subtasks"] == []
    page = (await api.get(f"/api/companies/{company}/tasks", params={"limit": 1, "offset": 1})).json()
    assert (page["count"], page["total"]) == (1, 2) and [t["identifier"] for t in page["data"]] == ["ACME-1"]


async def test_order_desc_lists_the_newest_first_and_pages_from_the_newest(
    api: httpx.AsyncClient, store: Store
) -> None:
    company = (await create_company(api))["id"]
    assert (await api.post(f"/api/companies/{company}/tasks", json={"title": "Now", "assignee": "cto"})).is_success
    old = [
        TaskRecord(
            company_id=company,
            identifier=f"ACME-{year - 2000}0",
            title=f"In {year}",
            assignee="cmo" if year % 2 else "cto",
            status=TaskStatus.DONE,
            created_at=datetime(year, 1, 1, tzinfo=UTC),
            updated_at=datetime(year, 1, 1, tzinfo=UTC),
        )
        for year in (2021, 2022, 2023)
    ]
    store.record(RecordInput(tasks=old))
    path = f"/api/companies/{company}/tasks"

    async def identifiers(**params: object) -> tuple[list[str], int]:
        response = await api.get(path, params=params)
        assert response.status_code == 200, response.text
        return [t["identifier"] for t in response.json()["data"]], response.json()["total"]

    assert await identifiers(order="desc") == (["ACME-1", "ACME-230", "ACME-220", "ACME-210"], 4)
    assert await identifiers() == (["ACME-210", "ACME-220", "ACME-230", "ACME-1"], 4)  # asc by default
    assert await identifiers(order="desc", limit=2, offset=1) == (["ACME-230", "ACME-220"], 4)
    assert await identifiers(order="desc", assignee="cmo") == (["ACME-230", "ACME-210"], 2)
    error = assert_error(await api.get(path, params={"order": "sideways"}), 422, "invalid_input")
    assert error["message"].startswith("query.order: ")
