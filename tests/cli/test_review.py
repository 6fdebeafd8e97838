"""`paperclip task create --review …` and `paperclip project add --review …` against the real API
(dev server): a policy goes with the task and shows; a bad one is one line and exit 1."""

import httpx

from tests.api.conftest import api, settings, store, task_queue, workers  # noqa: F401 — the real-API fixtures
from tests.api.helpers import create_company
from tests.cli.test_governance import failed, ok, run


async def test_cli_task_and_project_review_options(api: httpx.AsyncClient) -> None:  # noqa: F811
    company = (await create_company(api))["id"]
    assert (await api.post(f"/api/companies/{company}/pause", json={"reason": "planning"})).status_code == 200
    ok(await run(api, "task", "create", "cmo", "Write", "-c", company, "--review", "role:cto", "--review-cycles", "2"))
    shown = ok(await run(api, "task", "show", "ACME-1", "-c", company))
    assert "agent:cto, at most 2 review(s)" in shown, shown
    assert failed(await run(api, "task", "create", "cmo", "x", "-c", company, "--review", "anyone")) == (
        "error: reviewer 'anyone' is not board, agent:<name> or role:<role>"
    )
    assert failed(await run(api, "task", "create", "cmo", "x", "-c", company, "--review-cycles", "2")) == (
        "error: --review-cycles goes with --review"
    )
    assert failed(await run(api, "task", "create", "cmo", "x", "-c", company, "--review", "agent:cmo")) == (
        "error: cmo cannot review its own task (the review policy of the task) (400 invalid_input)"
    )
    ok(await run(api, "project", "add", "WEB", "Website", "-c", company, "--review", "board"))
    project = (await api.get(f"/api/companies/{company}/projects/WEB")).json()
    assert project["review"] == {"reviewer": "board", "max_cycles": 3}
    ok(await run(api, "project", "set", "WEB", "-c", company, "--clear", "review"))
    assert (await api.get(f"/api/companies/{company}/projects/WEB")).json()["review"] is None
