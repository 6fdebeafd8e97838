"""The Projects page, run with AppTest against a real HTTP server that answers like the API: a
row per project with its budget and spend, and the form that adds one with the API's answer."""

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from paperclip.models import BudgetReport, CapLine, CostGroup, CostLine, CostReport, RepositoryConfig
from paperclip.models.projects import Project
from tests.cli.fake_api import FakeApi, agent_json, company_json, snapshot_json
from tests.ui.helpers import APP, T0, dashboard_api
from tests.ui.test_task_board_page import goal
from ui.projects_view import project_rows

BASE = "/api/companies/acme"
WEB = Project(
    key="WEB",
    name="Website",
    lead="cto",
    goals=["G1"],
    workspace=RepositoryConfig(source="https://git.example.com/web.git"),
    target_date=date(2027, 1, 31),
    created_at=T0,
    updated_at=T0,
)
OPS = Project(key="OPS", name="Operations", created_at=T0, updated_at=T0)
CAP = CapLine(
    scope="project:WEB", usd=5.0, tokens=None, spent_usd=5.0, spent_tokens=9_000, reserved_usd=0.0,
    reserved_tokens=0, share=1.0, status="paused",
)  # fmt: skip
SPEND = [CostLine(key="WEB", calls=3, cost_usd=5.0), CostLine(key=None, calls=1, cost_usd=0.25)]


def listed(data: list[Any]) -> dict[str, Any]:
    return {"data": [item.model_dump(mode="json") for item in data], "count": len(data)}


@pytest.fixture
def fake_api(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeApi]:
    budgets = BudgetReport(data=[], count=0, caps=[CAP], soft_limit=0.8, warnings=[])
    costs = CostReport(group_by=CostGroup.PROJECT, data=SPEND, total=CostLine(key=None), warnings=[])
    error = {"error": {"code": "conflict", "message": "project 'WEB' already exists", "details": None}}
    fake = FakeApi(
        routes={
            "GET /api/companies": (200, {"data": [company_json()], "count": 1}),
            f"GET {BASE}": (200, snapshot_json([agent_json("ceo"), agent_json("cto", "openai")], [])),
            f"GET {BASE}/projects": (200, listed([OPS, WEB])),
            f"GET {BASE}/goals": (200, {"data": [goal("G1", "Launch")], "count": 1}),
            f"GET {BASE}/budgets": (200, budgets.model_dump(mode="json")),
            f"GET {BASE}/costs": (200, costs.model_dump(mode="json")),
            f"POST {BASE}/projects": (409, error),
        }
    )
    with dashboard_api(fake, monkeypatch) as api:
        yield api


def test_each_project_shows_its_lead_workspace_budget_and_spend() -> None:
    rows = project_rows([OPS, WEB], [CAP], SPEND)
    assert rows == [
        {"key": "OPS", "name": "Operations", "status": "active", "lead": "-", "goals": "-", "target": "-",
         "workspace": "-", "budget": "no cap", "spent": "$0.00"},
        {"key": "WEB", "name": "Website", "status": "active", "lead": "cto", "goals": "G1", "target": "2027-01-31",
         "workspace": "https://git.example.com/web.git", "budget": "$5.00 (its tasks hold)", "spent": "$5.00"},
    ]  # fmt: skip


def test_the_page_lists_projects_and_the_form_shows_the_apis_refusal(fake_api: FakeApi) -> None:
    at = AppTest.from_file(APP, default_timeout=30)
    at.switch_page("app_pages/projects.py").run()
    assert not at.exception
    assert ("GET", f"{BASE}/costs?group_by=project") in [(m, p) for m, p, _ in fake_api.received]
    assert list(at.dataframe[0].value["key"]) == ["OPS", "WEB"]
    at.text_input(key="projects_new_key").input("WEB")
    at.text_input(key="projects_new_name").input("Website again")
    at.selectbox(key="projects_new_lead").set_value("ceo")
    at.multiselect(key="projects_new_goals").set_value(["G1"])
    at.text_input(key="projects_new_workspace").input(" https://git.example.com/w.git ")
    at.number_input(key="projects_new_usd").set_value(3.0)
    next(button for button in at.button if button.label == "Add project").click().run()
    sent = next(body for method, _, body in reversed(fake_api.received) if method == "POST")
    assert sent == {
        "key": "WEB", "name": "Website again", "description": "", "lead": "ceo", "goals": ["G1"],
        "workspace": {"source": "https://git.example.com/w.git"}, "budget": {"usd": 3.0, "tokens": None},
    }  # fmt: skip
    assert "project 'WEB' already exists" in at.error[0].value
