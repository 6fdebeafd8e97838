"""Routines through the real API on the dev server: real Temporal Schedules."""

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from temporalio.testing import WorkflowEnvironment

from api import schedules
from paperclip.constants import routine_schedule_id
from tests.api.conftest import assert_error
from tests.api.helpers import create_company


def standup(**fields: Any) -> dict[str, Any]:
    """A routine body; with `every` and no `cron`, an interval routine."""
    body: dict[str, Any] = {"name": "standup", "agent": "cmo", "title": "Daily stand-up"}
    if "every" not in fields:
        body["cron"] = "0 9 * * 1-5"
    return body | fields


async def add(api: httpx.AsyncClient, company: str, **fields: Any) -> dict[str, Any]:
    response = await api.post(f"/api/companies/{company}/routines", json=standup(**fields))
    assert response.status_code == 201, response.text
    return response.json()


async def poll(fetch: Callable[[], Any], done: Callable[[Any], bool], *, timeout: float = 30) -> Any:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = await fetch()
        if done(value):
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition not met; last: {value}")
        await asyncio.sleep(0.2)


async def routine_tasks(api: httpx.AsyncClient, company: str) -> list[dict[str, Any]]:
    tasks = (await api.get(f"/api/companies/{company}/tasks")).json()["data"]
    return [t for t in tasks if t.get("routine")]


async def test_add_then_list_shows_the_schedule_and_its_next_runs(api: httpx.AsyncClient) -> None:
    company = (await create_company(api))["id"]
    created = await add(api, company, brief="What did you do?", priority="high", catchup_seconds=3600)
    assert created["schedule_id"] == routine_schedule_id(company, "standup")
    assert (created["cron"], created["agent"], created["title"]) == ("0 9 * * 1-5", "cmo", "Daily stand-up")
    assert created["paused"] is False and created["skip_if_open"] is True and created["catchup_seconds"] == 3600
    runs = [datetime.fromisoformat(t) for t in created["next_runs"]]
    assert len(runs) == 5 and runs == sorted(runs)
    assert all(r.hour == 9 and r.minute == 0 and r.weekday() < 5 for r in runs)

    listed = await poll(lambda: api.get(f"/api/companies/{company}/routines"), lambda r: r.json()["count"] == 1)
    (routine,) = listed.json()["data"]
    assert routine["name"] == "standup" and routine["priority"] == "high" and routine["brief"] == "What did you do?"
    detail = (await api.get(f"/api/companies/{company}/routines/standup")).json()
    assert detail["next_runs"] == created["next_runs"]


async def test_trigger_creates_a_task_marked_with_the_routine(api: httpx.AsyncClient) -> None:
    company = (await create_company(api))["id"]
    await add(api, company, every="1h")
    response = await api.post(f"/api/companies/{company}/routines/standup/trigger")
    assert response.status_code == 202, response.text

    (task,) = await poll(lambda: routine_tasks(api, company), lambda tasks: len(tasks) == 1)
    assert (task["routine"], task["assignee"], task["title"]) == ("standup", "cmo", "Daily stand-up")
    routine = await poll(
        lambda: api.get(f"/api/companies/{company}/routines/standup"), lambda r: r.json()["recent_actions"]
    )
    (run,) = routine.json()["recent_actions"]
    assert run["workflow_id"].startswith(f"routine-run:{company}:standup-") and run["run_id"]
    # The task, once done, is in the store with its routine.
    done = await poll(
        lambda: api.get(f"/api/companies/{company}/tasks/{task['identifier']}"), lambda r: r.json()["status"] == "done"
    )
    assert done.json()["routine"] == "standup"


async def test_an_hourly_schedule_backfilled_over_six_hours_creates_six_tasks(
    api: httpx.AsyncClient, dev_env: WorkflowEnvironment
) -> None:
    company = (await create_company(api))["id"]
    await add(api, company, every="1h", skip_if_open=False)
    now = datetime.now(UTC).replace(minute=30, second=0, microsecond=0)
    await schedules.backfill_routine(
        dev_env.client, company_id=company, name="standup", start=now - timedelta(hours=6), end=now
    )
    tasks = await poll(lambda: routine_tasks(api, company), lambda tasks: len(tasks) >= 6)
    await asyncio.sleep(1)  # nothing more comes
    assert len(await routine_tasks(api, company)) == len(tasks) == 6


async def test_pause_and_resume(api: httpx.AsyncClient) -> None:
    company = (await create_company(api))["id"]
    await add(api, company)
    paused = await api.post(f"/api/companies/{company}/routines/standup/pause")
    assert paused.status_code == 200 and paused.json()["paused"] is True
    assert (await api.get(f"/api/companies/{company}/routines/standup")).json()["paused"] is True
    resumed = await api.post(f"/api/companies/{company}/routines/standup/resume")
    assert resumed.status_code == 200 and resumed.json()["paused"] is False


async def test_delete_removes_the_schedule_and_keeps_its_tasks(api: httpx.AsyncClient) -> None:
    company = (await create_company(api))["id"]
    await add(api, company)
    await api.post(f"/api/companies/{company}/routines/standup/trigger")
    await poll(lambda: routine_tasks(api, company), lambda tasks: len(tasks) == 1)
    response = await api.delete(f"/api/companies/{company}/routines/standup")
    assert response.status_code == 204 and response.content == b""
    assert_error(await api.get(f"/api/companies/{company}/routines/standup"), 404, "not_found")
    assert_error(await api.delete(f"/api/companies/{company}/routines/standup"), 404, "not_found")
    assert len(await routine_tasks(api, company)) == 1


async def test_bad_requests_are_refused_with_clear_errors(api: httpx.AsyncClient) -> None:
    company = (await create_company(api))["id"]
    base = f"/api/companies/{company}/routines"
    error = assert_error(await api.post(base, json=standup(agent="ghost")), 400, "invalid_input")
    assert error["message"] == f"unknown agent 'ghost' in company '{company}'"
    error = assert_error(await api.post(base, json=standup(cron="0 25 * * *")), 400, "invalid_input")
    assert error["message"] == "invalid timing (cron '0 25 * * *'): Hour is not in range [0-23]"
    error = assert_error(await api.post(base, json=standup(cron=None)), 422, "invalid_input")
    assert "either cron or every" in error["message"]
    error = assert_error(await api.post(base, json=standup(every="1h", cron="0 9 * * *")), 422, "invalid_input")
    assert "either cron or every" in error["message"]
    assert_error(await api.post(base, json=standup(every="soon")), 422, "invalid_input")
    assert_error(await api.post(base, json=standup(every="10s")), 422, "invalid_input")
    assert_error(await api.post(base, json=standup(every=59)), 422, "invalid_input")
    assert_error(await api.post(base, json=standup(name="Bad Name")), 422, "invalid_input")

    await add(api, company)
    error = assert_error(await api.post(base, json=standup()), 409, "conflict")
    assert "already exists" in error["message"]
    for method, path in [
        ("GET", "ghost"),
        ("POST", "ghost/pause"),
        ("POST", "ghost/resume"),
        ("POST", "ghost/trigger"),
        ("DELETE", "ghost"),
    ]:
        assert_error(await api.request(method, f"{base}/{path}"), 404, "not_found")
    assert_error(await api.get("/api/companies/nope/routines"), 404, "not_found")
    assert_error(await api.post("/api/companies/nope/routines", json=standup()), 404, "not_found")


async def test_a_cron_is_five_fields_or_a_macro_so_nothing_fires_more_than_once_a_minute(
    api: httpx.AsyncClient,
) -> None:
    company = (await create_company(api))["id"]
    base = f"/api/companies/{company}/routines"
    every_second = "* * * * * * *"  # seconds first, a year last: Temporal would fire it every second
    error = assert_error(await api.post(base, json=standup(cron=every_second)), 400, "invalid_input")
    assert error["message"] == (
        f"invalid timing (cron '{every_second}'): a cron is five fields, minute hour day-of-month month "
        "day-of-week (e.g. '0 9 * * 1-5'), or a macro such as @daily; this one has 7 (no seconds or years: "
        "a routine fires at most once a minute)"
    )
    for cron in ("*/10 * * * * *", "0 9 * * 1 2030"):
        error = assert_error(await api.post(base, json=standup(cron=cron)), 400, "invalid_input")
        assert "this one has 6" in error["message"]
    error = assert_error(await api.post(base, json=standup(cron="@every 10s")), 400, "invalid_input")
    assert "for an interval give every" in error["message"]
    assert_error(await api.get(f"{base}/standup"), 404, "not_found")  # nothing was made of them

    hourly = await add(api, company, cron="@hourly")
    runs = [datetime.fromisoformat(t) for t in hourly["next_runs"]]
    assert [(r.minute, r.second) for r in runs] == [(0, 0)] * 5
    assert [b - a for a, b in zip(runs, runs[1:], strict=False)] == [timedelta(hours=1)] * 4


async def test_a_routines_tasks_belong_to_its_project_and_carry_its_labels(api: httpx.AsyncClient) -> None:
    company = (await create_company(api))["id"]
    base = f"/api/companies/{company}"
    assert (await api.post(f"{base}/projects", json={"key": "OPS", "name": "Operations"})).status_code == 201
    assert (await api.post(f"{base}/labels", json={"name": "daily"})).status_code == 201
    refused = await api.post(f"{base}/routines", json=standup(project="NOPE"))
    assert refused.status_code == 400 and "project 'NOPE' not found" in refused.json()["error"]["message"]
    refused = await api.post(f"{base}/routines", json=standup(labels=["weekly"]))
    assert refused.status_code == 422 and "weekly is not a label" in refused.json()["error"]["message"]
    created = await add(api, company, every="1h", project="OPS", labels=["daily"])
    assert (created["project"], created["labels"]) == ("OPS", ["daily"])
    assert (await api.post(f"{base}/routines/standup/trigger")).status_code == 202
    (task,) = await poll(lambda: routine_tasks(api, company), lambda tasks: len(tasks) == 1)
    assert (task["project"], task["labels"]) == ("OPS", ["daily"])
    listed = (await api.get(f"{base}/tasks", params={"project": "OPS", "label": "daily"})).json()["data"]
    assert [t["identifier"] for t in listed] == [task["identifier"]]
