"""`paperclip project list|show|add|set`, `paperclip label list|add|rm` and `task assign|list
--project/--label` against the real API (dev server), on both databases."""

import httpx

from tests.api.conftest import api, settings, store, task_queue, workers  # noqa: F401 — the real-API fixtures
from tests.api.helpers import create_company
from tests.cli.test_goals import cells
from tests.cli.test_governance import failed, ok, run


async def test_project_add_list_show_and_set(api: httpx.AsyncClient) -> None:  # noqa: F811
    company = (await create_company(api))["id"]
    out = ok(
        await run(api, "project", "add", "WEB", "Website", "-c", company, "--lead", "cto", "--goal", "G1",
                  "--target-date", "2027-01-31", "--budget-tokens", "5000")
    )  # fmt: skip
    assert "Added WEB (Website, led by cto, active)" in out
    ok(await run(api, "project", "add", "OPS", "Operations", "-c", company, "--status", "planned"))
    assert cells(ok(await run(api, "project", "list", "-c", company))) == [
        ["OPS", "Operations", "planned", "-", "-", "-", "-"],
        ["WEB", "Website", "active", "cto", "G1", "2027-01-31", "-"],
    ]
    caps = (await api.get(f"/api/companies/{company}/budgets")).json()["caps"]
    assert [(c["scope"], c["tokens"]) for c in caps] == [("project:WEB", 5000)]
    out = ok(await run(api, "project", "set", "WEB", "-c", company, "--status", "paused", "--clear", "lead"))
    assert "Updated WEB (Website, paused)" in out
    assert failed(await run(api, "project", "set", "NOPE", "-c", company, "--name", "x")) == (
        "error: project 'NOPE' not found (404 not_found)"
    )
    assert "project key must be 2-10 uppercase letters" in failed(
        await run(api, "project", "add", "web", "Website", "-c", company)
    )
    assert "not an absolute path under the deployment's workspace roots" in failed(
        await run(api, "project", "add", "ETC", "Etc", "-c", company, "--workspace", "/etc")
    )


async def test_labels_and_tasks_filtered_by_project_and_label(api: httpx.AsyncClient) -> None:  # noqa: F811
    company = (await create_company(api))["id"]
    ok(await run(api, "project", "add", "WEB", "Website", "-c", company))
    assert "Added label bug (#ff0000)" in ok(
        await run(api, "label", "add", "bug", "-c", company, "--colour", "#FF0000")
    )
    ok(await run(api, "label", "add", "ui", "-c", company))
    assert [row[0] for row in cells(ok(await run(api, "label", "list", "-c", company)))] == ["bug", "ui"]
    assert "label name must be 1-40 lowercase" in failed(await run(api, "label", "add", "Big Bug", "-c", company))

    out = ok(await run(api, "task", "assign", "cto", "Fix nav", "-c", company, "--project", "WEB",
                       "--label", "bug", "--label", "ui"))  # fmt: skip
    assert "Assigned ACME-1 to cto in project WEB: Fix nav" in out
    ok(await run(api, "task", "assign", "cmo", "Style", "-c", company, "--label", "ui"))
    ok(await run(api, "task", "assign", "cmo", "Payroll", "-c", company, "--label", "bug"))

    def listed(out: str) -> list[str]:
        return [row[0] for row in cells(out)]

    assert listed(ok(await run(api, "task", "list", "-c", company, "--label", "bug"))) == ["ACME-1", "ACME-3"]
    assert listed(ok(await run(api, "task", "list", "-c", company, "--project", "WEB"))) == ["ACME-1"]
    assert listed(ok(await run(api, "task", "list", "-c", company, "--project", "WEB", "--label", "ui"))) == ["ACME-1"]
    assert f"No tasks in {company} match." in ok(await run(api, "task", "list", "-c", company, "--label", "nope"))
    assert "ACME-1 (" in ok(await run(api, "project", "show", "WEB", "-c", company))
    assert failed(await run(api, "task", "assign", "cto", "x", "-c", company, "--label", "nope")).startswith(
        f"error: labels: nope is not a label of company '{company}'"
    )
    ok(await run(api, "label", "rm", "ui", "-c", company))
    assert failed(await run(api, "label", "rm", "ui", "-c", company)) == (
        f"error: label 'ui' not found in company '{company}' (404 not_found)"
    )
