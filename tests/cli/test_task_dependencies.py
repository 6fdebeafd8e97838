"""`paperclip task create --blocked-by … --input …` and `task show` of a waiting task, against the
real API (dev server)."""

import httpx

from tests.api.conftest import api, settings, store, task_queue, workers  # noqa: F401 — the real-API fixtures
from tests.api.helpers import create_company, wait_for_task
from tests.cli.test_governance import failed, ok, run


async def test_cli_task_create_with_a_blocker_and_an_input(api: httpx.AsyncClient) -> None:  # noqa: F811
    company = (await create_company(api))["id"]
    assert (await api.post(f"/api/companies/{company}/pause", json={"reason": "planning"})).status_code == 200
    ok(await run(api, "task", "create", "cmo", "Research", "-c", company))
    out = ok(
        await run(api, "task", "create", "cmo", "Write", "-c", company, "--blocked-by", "ACME-1", "--input", "ACME-1")
    )
    assert "Assigned ACME-2 to cmo, waiting on ACME-1: Write" in out
    [row] = [line for line in ok(await run(api, "task", "list", "-c", company)).splitlines() if "ACME-2" in line]
    assert "waiting on ACME-1" in row
    assert (await api.post(f"/api/companies/{company}/resume", json={})).status_code == 200
    await wait_for_task(api, company, "ACME-2")
    shown = ok(await run(api, "task", "show", "ACME-2", "-c", company))
    assert "waits on" in shown and "ACME-1 (input)" in shown
    assert failed(await run(api, "task", "create", "cmo", "x", "-c", company, "--blocked-by", "ACME-9")) == (
        f"error: blocker 'ACME-9' not found in company '{company}' (400 invalid_input)"
    )
