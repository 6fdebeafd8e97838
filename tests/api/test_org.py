"""`GET /api/companies/{company}/org` over real HTTP: the org chart as a tree."""

from typing import Any

import httpx

from tests.api.conftest import assert_error
from tests.api.helpers import create_company


def names(nodes: list[dict[str, Any]]) -> list[str]:
    return [n["name"] for n in nodes]


async def test_the_chart_nests_reports_under_their_manager_ceo_first(api: httpx.AsyncClient) -> None:
    company = (await create_company(api))["id"]
    hires = [
        {"name": "eng", "role": "engineer", "reports_to": "cto", "capabilities": "Python"},
        {"name": "advisor", "role": "general", "title": "Advisor", "heartbeat": {"interval_seconds": 7200}},
        {
            "name": "writer",
            "role": "general",
            "reports_to": "cmo",
            "model": {"provider": "openai", "model": "gpt-4o-mini"},
        },
    ]
    for hire in hires:
        response = await api.post(f"/api/companies/{company}/agents", json=hire)
        assert response.status_code == 201, response.text

    response = await api.get(f"/api/companies/{company}/org")
    assert response.status_code == 200, response.text
    chart = response.json()
    assert chart["company_id"] == company and chart["count"] == 6
    roots = chart["data"]
    assert names(roots) == ["ceo", "advisor"]
    ceo = roots[0]
    assert (ceo["role"], ceo["title"], ceo["status"]) == ("ceo", "Chief Executive", "active")
    assert (ceo["model"], ceo["simulated"], ceo["running"], ceo["cost_usd"]) == ("simulated/simulated", True, 0, 0.0)
    assert names(ceo["reports"]) == ["cto", "cmo"]
    cto, cmo = ceo["reports"]
    assert names(cto["reports"]) == ["eng"] and cto["reports"][0]["capabilities"] == "Python"
    writer = cmo["reports"][0]
    assert (writer["name"], writer["model"], writer["simulated"]) == ("writer", "openai/gpt-4o-mini", False)
    assert writer["reports"] == [] and roots[1]["reports"] == []
    advisor = roots[1]
    assert (advisor["heartbeat_seconds"], advisor["wakes"], advisor["skipped_wakes"]) == (7200, 0, 0)
    assert ceo["heartbeat_seconds"] is None


async def test_an_unknown_company_has_no_chart(api: httpx.AsyncClient) -> None:
    error = assert_error(await api.get("/api/companies/nope/org"), 404, "not_found")
    assert error["message"] == "company 'nope' not found"
