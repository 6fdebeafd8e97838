"""Task dependencies through the API (real server, workers, store): `blocked_by`/`inputs` on create
and in the task view, a chain that runs in order, bad blockers refused with the reason, and blockers
that left the company's index checked against the store."""

from datetime import UTC, datetime, timedelta

import httpx

from paperclip.models import RecordInput, TaskRecord
from paperclip.settings import Settings
from paperclip.store import Store
from paperclip.tokens import task_tokens
from tests.api.conftest import api, assert_error, settings, store, task_queue, workers  # noqa: F401
from tests.api.helpers import create_company, wait_for_task

AT = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


async def test_a_dependant_waits_for_its_blocker_and_shows_it(api: httpx.AsyncClient) -> None:  # noqa: F811
    company = (await create_company(api))["id"]
    tasks = f"/api/companies/{company}/tasks"
    # Paused, the blocker cannot finish before its dependant is created (the simulated model is quick).
    assert (await api.post(f"/api/companies/{company}/pause", json={"reason": "planning"})).status_code == 200
    first = await api.post(tasks, json={"title": "Research", "assignee": "cmo"})
    assert first.status_code == 201, first.text
    second = await api.post(
        tasks, json={"title": "Write", "assignee": "cmo", "blocked_by": ["ACME-1"], "inputs": ["ACME-1"]}
    )
    assert second.status_code == 201, second.text
    assert (second.json()["blocked_by"], second.json()["inputs"]) == (["ACME-1"], ["ACME-1"])
    assert (await api.post(f"/api/companies/{company}/resume", json={})).status_code == 200
    done = await wait_for_task(api, company, "ACME-2")
    research = await wait_for_task(api, company, "ACME-1")
    assert (done["blocked_by"], done["inputs"]) == (["ACME-1"], ["ACME-1"])
    assert done["created_at"] < research["updated_at"] <= done["updated_at"]


async def test_bad_blockers_are_refused_with_the_reason(api: httpx.AsyncClient) -> None:  # noqa: F811
    company = (await create_company(api))["id"]
    tasks = f"/api/companies/{company}/tasks"
    for body, message in [
        ({"blocked_by": ["ACME-1"]}, "ACME-1 cannot wait on itself"),
        ({"blocked_by": ["ACME-7"]}, f"blocker 'ACME-7' not found in company '{company}'"),
        ({"blocked_by": ["OTHER-1"]}, f"blocker 'OTHER-1' is not a task of company '{company}'"),
        ({"blocked_by": [], "inputs": ["ACME-7"]}, "inputs ACME-7 of ACME-1 are not among its blocked_by"),
    ]:
        error = assert_error(await api.post(tasks, json={"title": "x", "assignee": "cmo", **body}), 400)
        assert error["message"] == message
    assert (await api.get(tasks)).json()["total"] == 0


async def test_blockers_that_left_the_index_are_checked_against_the_store(
    api: httpx.AsyncClient,  # noqa: F811
    store: Store,  # noqa: F811
) -> None:
    company = (await create_company(api))["id"]
    forgotten = {"company_id": company, "title": "old", "assignee": "cmo", "created_at": AT, "updated_at": AT}
    store.record(
        RecordInput(
            tasks=[
                TaskRecord.model_validate(forgotten | {"identifier": "ACME-90", "status": "done", "result": "ok"}),
                TaskRecord.model_validate(forgotten | {"identifier": "ACME-91", "status": "failed"}),
            ]
        )
    )
    tasks = f"/api/companies/{company}/tasks"
    error = assert_error(await api.post(tasks, json={"title": "x", "assignee": "cmo", "blocked_by": ["ACME-91"]}), 409)
    assert error["message"] == "blocker ACME-91 is failed: nothing can wait on it"
    # A caller cannot claim a blocker met: the API sets `met` from the store.
    body = {"title": "x", "assignee": "cmo", "blocked_by": ["ACME-92"], "met": ["ACME-92"]}
    assert_error(await api.post(tasks, json=body), 400)
    body = {"title": "y", "assignee": "cmo", "blocked_by": ["ACME-90"], "inputs": ["ACME-90"]}
    created = await api.post(tasks, json=body)
    assert created.status_code == 201, created.text
    assert (await wait_for_task(api, company, created.json()["identifier"]))["blocked_by"] == ["ACME-90"]


async def test_the_board_adds_a_blocker_and_a_cycle_is_refused_naming_it(
    api: httpx.AsyncClient,  # noqa: F811
    settings: Settings,  # noqa: F811
) -> None:
    company = (await create_company(api))["id"]
    tasks = f"/api/companies/{company}/tasks"
    assert (await api.post(f"/api/companies/{company}/pause", json={"reason": "planning"})).status_code == 200
    for body in [{}, {"blocked_by": ["ACME-1"]}, {"blocked_by": ["ACME-2"]}]:
        assert (await api.post(tasks, json={"title": "x", "assignee": "cmo", **body})).status_code == 201
    error = assert_error(await api.post(f"{tasks}/ACME-1/blockers", json={"blocked_by": "ACME-3"}), 400)
    assert error["message"] == "a dependency cycle: ACME-1 → ACME-3 → ACME-2 → ACME-1"
    added = await api.post(f"{tasks}/ACME-3/blockers", json={"blocked_by": "ACME-1", "input": True})
    assert added.status_code == 200, added.text
    assert (added.json()["blocked_by"], added.json()["inputs"]) == (["ACME-2", "ACME-1"], ["ACME-1"])
    assert (await api.get(f"{tasks}/ACME-3")).json()["blocked_by"] == ["ACME-2", "ACME-1"]
    # An agent's task token cannot reach the board's lever, not even on its own task.
    token = task_tokens(settings.home_dir, settings.secret_key).mint(
        company_id=company, task="ACME-3", agent="cmo", ttl=timedelta(minutes=5)
    )
    refused = await api.post(
        f"{tasks}/ACME-3/blockers", json={"blocked_by": "ACME-2"}, headers={"Authorization": f"Bearer {token}"}
    )
    assert_error(refused, 403)
