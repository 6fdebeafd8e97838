"""An agent's revisions over real HTTP, kept in the store (SQLite and PostgreSQL): every
configuration it had — as hired, then one per configure or rollback — listed with who made it and
what it changed, and a rollback to a former one (`POST …/revisions/{n}/restore`), itself a new
revision checked as a configure is."""

import asyncio
import uuid
from typing import Any

import httpx

from tests.api.conftest import assert_error
from tests.api.helpers import create_company


async def revisions(api: httpx.AsyncClient, company: str, agent: str, **params: Any) -> dict[str, Any]:
    response = await api.get(f"/api/companies/{company}/agents/{agent}/revisions", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert body["count"] == len(body["data"])
    return body


async def stored(api: httpx.AsyncClient, company: str, agent: str, count: int) -> dict[str, Any]:
    """The revisions once the list holds `count`: the company writes them with its record batches
    (the list shows the latest before that, from the company; the earlier ones wait for the write)."""
    for _ in range(100):
        body = await revisions(api, company, agent)
        if body["total"] == count:
            return body
        await asyncio.sleep(0.1)
    raise AssertionError(f"{agent} never had {count} revisions: {body}")


async def patch(api: httpx.AsyncClient, company: str, agent: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await api.patch(f"/api/companies/{company}/agents/{agent}", json=body)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


async def restore(api: httpx.AsyncClient, company: str, agent: str, revision: int) -> httpx.Response:
    return await api.post(f"/api/companies/{company}/agents/{agent}/revisions/{revision}/restore")


async def test_revisions_list_each_configuration_and_a_rollback_restores_one(api: httpx.AsyncClient) -> None:
    company = (await create_company(api))["id"]
    first = await revisions(api, company, "cto")  # founded with the company: its hire is revision 1
    assert [(r["revision"], r["actor"], r["changes"]) for r in first["data"]] == [(1, "board", [])]
    assert first["current"] == 1 and first["data"][0]["spec"]["role"] == "cto"

    await patch(api, company, "cto", {"system_prompt": "Ship it.", "tools": ["comment"]})
    await patch(api, company, "cto", {"model": {"temperature": 0.2}, "budget": {"monthly_usd": 5}})
    listed = await stored(api, company, "cto", 3)
    assert listed["current"] == 3
    assert [r["revision"] for r in listed["data"]] == [1, 2, 3]
    assert [c["field"] for c in listed["data"][1]["changes"]] == ["system_prompt", "tools"]
    assert {c["field"]: c["live"] for c in listed["data"][2]["changes"]} == {
        "model.temperature": False,
        "budget.monthly_usd": True,
    }
    assert listed["data"][2]["spec"]["system_prompt"] == "Ship it."
    page = await revisions(api, company, "cto", limit=1, offset=1)
    assert [r["revision"] for r in page["data"]] == [2] and page["total"] == 3

    rolled = await restore(api, company, "cto", 1)
    assert rolled.status_code == 200, rolled.text
    body = rolled.json()
    assert body["revision"] == 4
    assert {c["field"]: (c["before"], c["after"]) for c in body["changes"]} == {
        "system_prompt": ("Ship it.", ""),
        "model.temperature": (0.2, None),
        "tools": (["comment"], None),
        "budget.monthly_usd": (5.0, None),
    }
    agent = (await api.get(f"/api/companies/{company}/agents/cto")).json()
    assert agent["revision"] == 4 and agent["spec"]["system_prompt"] == "" and agent["spec"]["tools"] is None
    listed = await stored(api, company, "cto", 4)
    assert listed["data"][3]["restored_from"] == 1
    log = (await api.get(f"/api/companies/{company}/activity", params={"kind": "agent.configured"})).json()
    assert log["data"][-1]["summary"].startswith("cto rolled back to revision 1 (revision 4): system_prompt")
    assert log["data"][-1]["data"]["restored_from"] == 1

    # Back to where it already is: nothing to do; a revision it never had: 404.
    same = await restore(api, company, "cto", 4)
    assert same.status_code == 200 and same.json()["changes"] == [] and same.json()["revision"] == 4
    error = assert_error(await restore(api, company, "cto", 99), 404, "not_found")
    assert error["message"] == "agent cto has no revision 99 (it is at 4)"
    assert_error(await restore(api, company, "ghost", 1), 404, "not_found")
    assert_error(await restore(api, company, "cto", 0), 422)


async def test_a_rollback_keeps_the_org_chart_and_is_checked_as_a_configure(api: httpx.AsyncClient) -> None:
    company = (await create_company(api))["id"]
    hired = await api.post(f"/api/companies/{company}/agents", json={"name": "dev", "reports_to": "cto"})
    assert hired.status_code == 201, hired.text
    await patch(api, company, "dev", {"title": "Developer"})
    # The org chart moved since (its manager left): a rollback restores its configuration, not its place.
    assert (await api.post(f"/api/companies/{company}/agents/cto/terminate", json={})).status_code == 200
    assert (await api.get(f"/api/companies/{company}/agents/dev")).json()["spec"]["reports_to"] == "ceo"
    body = (await restore(api, company, "dev", 1)).json()
    assert body["agent"]["spec"]["reports_to"] == "ceo" and body["agent"]["spec"]["title"] == ""
    assert [c["field"] for c in body["changes"]] == ["title"]


async def test_an_imported_agent_gets_its_spec_as_revision_1_at_its_first_configure(api: httpx.AsyncClient) -> None:
    company = (await create_company(api))["id"]
    document = (await api.get(f"/api/companies/{company}/export")).json()
    copy = f"copy-{uuid.uuid4().hex[:8]}"
    imported = await api.post("/api/companies/import", json=document, params={"id": copy})
    assert imported.status_code == 201, imported.text
    # Imported agents carry no revision of their own: shown as they are, as revision 1.
    before = await revisions(api, copy, "cmo")
    assert [(r["revision"], r["at"]) for r in before["data"]] == [(1, None)] and before["current"] == 1

    await patch(api, copy, "cmo", {"capabilities": "launches"})
    listed = await stored(api, copy, "cmo", 2)
    assert [(r["revision"], r["actor"]) for r in listed["data"]] == [(1, ""), (2, "board")]
    assert listed["data"][0]["spec"]["capabilities"] == "" and listed["data"][1]["spec"]["capabilities"] == "launches"


async def test_a_budget_set_on_its_own_is_a_revision_too(api: httpx.AsyncClient) -> None:
    company = (await create_company(api))["id"]
    body = {"monthly_usd": 12.5, "monthly_tokens": None}
    assert (await api.put(f"/api/companies/{company}/budgets/cmo", json=body)).status_code == 200
    listed = await stored(api, company, "cmo", 2)
    assert [(c["field"], c["after"], c["live"]) for c in listed["data"][1]["changes"]] == [
        ("budget.monthly_usd", 12.5, True)
    ]
    # The same budget again changes nothing: no revision.
    assert (await api.put(f"/api/companies/{company}/budgets/cmo", json=body)).status_code == 200
    assert (await api.get(f"/api/companies/{company}/agents/cmo")).json()["revision"] == 2
    rolled = (await restore(api, company, "cmo", 1)).json()
    assert rolled["revision"] == 3 and rolled["agent"]["spec"]["budget"]["monthly_usd"] is None
