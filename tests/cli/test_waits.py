"""`paperclip task wait` and `paperclip approval wait`: until a status or an approval, and the one-line
failures, against the real API (dev server)."""

import httpx

from tests.api.conftest import api, settings, store, task_queue, workers  # noqa: F401 — the real-API fixtures
from tests.api.helpers import create_company
from tests.cli.test_governance import failed, ok, run


async def test_task_wait_returns_at_the_status_and_fails_in_one_line_otherwise(api: httpx.AsyncClient) -> None:  # noqa: F811
    company = (await create_company(api))["id"]
    assert (await api.post(f"/api/companies/{company}/pause", json={"reason": "planning"})).status_code == 200
    ok(await run(api, "task", "create", "cmo", "Research", "-c", company))
    ok(await run(api, "task", "create", "cmo", "Write", "-c", company))
    # Paused, the task stays queued: waiting for its end gives up after the timeout.
    assert failed(await run(api, "task", "wait", "ACME-1", "-c", company, "--timeout", "1")) == (
        "error: ACME-1 is still queued after 1 s"
    )
    assert ok(await run(api, "task", "wait", "ACME-1", "-c", company, "--status", "queued")).strip() == "ACME-1: queued"
    # A task that ends otherwise: waiting for the end is exit 1, and so is waiting for a status it passed.
    cancelled = await api.post(f"/api/companies/{company}/tasks/ACME-2/cancel", json={"reason": "not needed"})
    assert cancelled.status_code == 200, cancelled.text
    assert (
        failed(await run(api, "task", "wait", "ACME-2", "-c", company))
        == "error: ACME-2 ended cancelled: cancelled by board: not needed"
    )
    assert (await api.post(f"/api/companies/{company}/resume", json={})).status_code == 200
    assert ok(await run(api, "task", "wait", "ACME-1", "-c", company, "--timeout", "60")).strip() == "ACME-1: done"
    assert failed(await run(api, "task", "wait", "ACME-1", "-c", company, "--status", "running")) == (
        "error: ACME-1 ended done before reaching running"
    )
    bad = await run(api, "task", "wait", "ACME-1", "-c", company, "--status", "finished")
    assert bad.exit_code == 1 and "'finished' is not one of" in bad.output


async def test_approval_wait_gives_up_in_one_line(api: httpx.AsyncClient) -> None:  # noqa: F811
    company = (await create_company(api))["id"]
    assert failed(await run(api, "approval", "wait", "AP-1", "-c", company, "--timeout", "1")) == (
        f"error: no approval AP-1 in {company} after 1 s"
    )
    assert failed(await run(api, "approval", "wait", "AP-1", "-c", "nowhere", "--timeout", "1")).startswith("error: ")
