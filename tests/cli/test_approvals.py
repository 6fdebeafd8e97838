"""`paperclip approval list|show|approve|reject|revise` against the real API (dev server), with
agents whose scripted model asks the board."""

import httpx

from tests.api.conftest import api, settings, store, task_queue  # noqa: F401 — the real-API fixtures
from tests.api.helpers import create_company, wait_for_task
from tests.api.test_approvals import ask, hire, model, wait_for_pending, workers  # noqa: F401 — scripted agents
from tests.cli.test_governance import failed, ok, run
from tests.workflows.stand_ins import ScriptedModel


async def test_list_show_revise_and_approve_a_board_question(
    api: httpx.AsyncClient,  # noqa: F811
    model: ScriptedModel,  # noqa: F811
) -> None:
    company = (await create_company(api))["id"]
    assert f"No approvals in {company} yet." in ok(await run(api, "approval", "list", "-c", company))
    model.plans["cmo"] = [ask("Buy the domain"), ask("Buy the cheaper domain", "$3 a year")]
    ok(await run(api, "task", "assign", "cmo", "Launch the site", "-c", company))
    await wait_for_pending(api, company, 1)

    [row] = [line for line in ok(await run(api, "approval", "list", "-c", company)).splitlines() if "AP-1" in line]
    for cell in ("board", "Buy the domain", "cmo", "ACME-1", "pending"):
        assert cell in row
    shown = ok(await run(api, "approval", "show", "AP-1", "-c", company))
    assert "AP-1 (board) pending" in shown and "Asked by cmo on ACME-1" in shown and "$12 a year" in shown

    out = ok(await run(api, "approval", "revise", "AP-1", "-c", company, "--note", "cheaper"))
    assert "Asked to revise AP-1 (board: Buy the domain): cheaper" in out
    await wait_for_pending(api, company, 1)
    out = ok(await run(api, "approval", "approve", "AP-2", "-c", company, "-n", "fine"))
    assert "Approved AP-2 (board: Buy the cheaper domain): fine" in out
    await wait_for_task(api, company, "ACME-1")

    shown = ok(await run(api, "approval", "show", "AP-2", "-c", company))
    assert "approved" in shown and "Decided by board at " in shown and ": fine" in shown
    assert f"No approvals in {company} match." in ok(
        await run(api, "approval", "list", "-c", company, "--status", "pending")
    )
    listed = ok(await run(api, "approval", "list", "-c", company))
    assert listed.index("AP-2") < listed.index("AP-1") and "revision_requested" in listed
    assert failed(await run(api, "approval", "reject", "AP-2", "-c", company)) == (
        "error: approval 'AP-2' is already approved (409 conflict)"
    )
    assert failed(await run(api, "approval", "approve", "AP-9", "-c", company)) == (
        "error: approval 'AP-9' not found (404 not_found)"
    )
    assert failed(await run(api, "approval", "show", "AP-9", "-c", company)) == (
        "error: approval 'AP-9' not found (404 not_found)"
    )


async def test_rejecting_a_hire_terminates_the_agent(
    api: httpx.AsyncClient,  # noqa: F811
    model: ScriptedModel,  # noqa: F811
) -> None:
    ceo = {"name": "ceo", "role": "ceo", "permissions": {"can_hire": True}}
    company = (await create_company(api, agents=[ceo], require_hire_approval=True))["id"]
    model.plans["ceo"] = [hire("dev1")]
    ok(await run(api, "task", "assign", "ceo", "Grow the team", "-c", company))
    await wait_for_pending(api, company, 1)

    shown = ok(await run(api, "approval", "show", "AP-1", "-c", company))
    assert "AP-1 (hire_agent) pending" in shown
    assert "Hire: dev1 (engineer) from template coder, reporting to ceo" in shown
    assert "a hire is approved or rejected" in failed(await run(api, "approval", "revise", "AP-1", "-c", company))
    out = ok(await run(api, "approval", "reject", "AP-1", "-c", company, "--note", "no budget"))
    assert "Rejected AP-1 (hire_agent: " in out and out.rstrip().endswith(": no budget")
    agents = {a["spec"]["name"]: a["status"] for a in (await api.get(f"/api/companies/{company}")).json()["agents"]}
    assert agents["dev1"] == "terminated"
