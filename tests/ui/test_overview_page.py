"""The overview page, run with AppTest against a real HTTP server that answers like the API."""

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pandas as pd
import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

from paperclip.models import (
    ActivityEntry,
    AgentSpec,
    AgentState,
    AgentStatus,
    Approval,
    ApprovalKind,
    Budget,
    CompanySnapshot,
    CompanySpec,
    ModelConfig,
    Provider,
    Spend,
    TaskRecord,
    TaskStatus,
    Usage,
)
from paperclip.settings import get_settings
from tests.cli.fake_api import FakeApi, agent_json, company_json, free_port, serve, snapshot_json, task_json
from tests.ui.helpers import APP, T0, dashboard_api
from ui.rows import SIMULATED_LABEL


def table(at: AppTest, column: str) -> pd.DataFrame:
    """The first table on the page with this column."""
    return next(frame.value for frame in at.dataframe if column in frame.value.columns)


def chart(at: AppTest, counted: str) -> dict[str, int]:
    """The bars of the first chart counting `counted`: status → count."""
    for element in at.get("vega_lite_chart"):
        frame = pa.ipc.open_stream(element.proto.datasets[0].data.data).read_pandas()
        if counted in frame.columns:
            return dict(zip(frame["status"], frame[counted], strict=True))
    raise AssertionError(f"no chart of {counted}")


@pytest.fixture
def fake_api(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeApi]:
    fake = FakeApi(
        routes={
            "GET /api/companies": (200, {"data": [company_json(), company_json("globex", "Globex")], "count": 2}),
            "GET /api/companies/acme": (
                200,
                snapshot_json([agent_json("ceo"), agent_json("cto", "openai", "ceo")], []),
            ),
            "GET /api/companies/acme/tasks": (200, {"data": [task_json()], "count": 1, "total": 1}),
        }
    )
    with dashboard_api(fake, monkeypatch) as api:
        yield api


def run_app() -> AppTest:
    return AppTest.from_file(APP, default_timeout=30).run()


def test_lists_companies_and_shows_agents_and_tasks_of_the_chosen_one(fake_api: FakeApi) -> None:
    at = run_app()
    assert not at.exception
    assert at.selectbox(key="company_picker").options == ["Acme Robotics (acme)", "Globex (globex)"]
    agents, tasks = table(at, "agent"), table(at, "workflow")
    assert list(agents["agent"]) == ["ceo", "cto"]
    assert list(agents["model"]) == [SIMULATED_LABEL, "openai:gpt-4o-mini"]
    assert "simulated" in at.warning[0].value and "ceo" in at.warning[0].value
    row = tasks.iloc[0]
    assert (row["task"], row["title"], row["assignee"], row["status"]) == ("ACME-1", "Plan the launch", "ceo", "done")
    assert row["cost (USD)"] == pytest.approx(0.0125)
    assert row["workflow"] == "http://127.0.0.1:8233/namespaces/default/workflows/task:acme:ACME-1"


def agent(name: str, status: AgentStatus, spent: float, *, budget: float | None = None) -> AgentState:
    model = ModelConfig() if name == "ceo" else ModelConfig(provider=Provider.OPENAI, model="gpt-4o-mini")
    spec = AgentSpec(name=name, title=name.upper(), model=model, budget=Budget(monthly_usd=budget))
    return AgentState(spec=spec, status=status, cost_usd=spent, spend=Spend(usd=spent, tokens=int(spent * 1e5)))


def task(n: int, status: TaskStatus) -> dict[str, Any]:
    at = T0 + timedelta(minutes=n)
    record = TaskRecord(
        company_id="acme",
        identifier=f"ACME-{n}",
        title=f"Task {n}",
        assignee="cto",
        status=status,
        created_at=at,
        updated_at=at,
    )
    return record.model_dump(mode="json")


def approval(n: int, *, escalated: bool = False, status: str = "pending") -> Approval:
    return Approval.model_validate(
        {
            "id": f"A{n}",
            "request_id": f"r{n}",
            "kind": ApprovalKind.BOARD,
            "title": f"Question {n}",
            "requested_by": "cto",
            "task": f"ACME-{n}",
            "status": status,
            "escalated": escalated,
            "created_at": T0 + timedelta(minutes=n),
        }
    )


def entry(n: int, kind: str, summary: str) -> ActivityEntry:
    return ActivityEntry(
        id=f"e{n}", company_id="acme", at=T0 + timedelta(minutes=n), kind=kind, actor="system", summary=summary
    )


def test_shows_the_company_at_a_glance(monkeypatch: pytest.MonkeyPatch) -> None:
    agents = [
        agent("ceo", AgentStatus.IDLE, 0.5),
        agent("cto", AgentStatus.RUNNING, 4.5, budget=5.0),
        agent("cmo", AgentStatus.RUNNING, 1.0),
        agent("qa", AgentStatus.PAUSED, 0.0),
    ]
    snapshot = CompanySnapshot(
        spec=CompanySpec(id="acme", name="Acme Robotics", prefix="ACME", budget=Budget(monthly_usd=20.0)),
        agents=agents,
        tasks=[],
        queue=[],
        recent=[
            entry(1, "task.created", "first"),
            entry(2, "task.status", "second"),
            entry(3, "budget.warning", "third"),
        ],
        usage=Usage(),
        cost_usd=12.0,
        archived=False,
        generation=0,
        approvals=[approval(1), approval(2, escalated=True), approval(3, status="approved")],
        month="2026-01",
        spend=Spend(usd=6.0, tokens=600_000),
        budget_warnings=["cto has spent 90% of its monthly budget"],
        simulated_agents=["ceo"],
    ).model_dump(mode="json")
    tasks = [  # newest first, as the API lists them with order=desc
        task(4, TaskStatus.QUEUED),
        task(3, TaskStatus.RUNNING),
        task(2, TaskStatus.DONE),
        task(1, TaskStatus.DONE),
    ]
    fake = FakeApi(
        routes={
            "GET /api/companies": (200, {"data": [company_json()], "count": 1}),
            "GET /api/companies/acme": (200, snapshot),
            # More tasks than one read takes: the page reads the newest, once.
            "GET /api/companies/acme/tasks": (200, {"data": tasks, "count": 4, "total": 600}),
        }
    )
    with serve(fake) as api:
        monkeypatch.setenv("PAPERCLIP_API_URL", api.url)
        get_settings.cache_clear()
        at = run_app()
    get_settings.cache_clear()
    assert not at.exception
    assert not at.markdown  # no stray text above the page
    assert "cto has spent 90% of its monthly budget" in [warning.value for warning in at.warning]
    metrics = {metric.label: metric.value for metric in at.metric}
    assert (metrics["Spend 2026-01"], at.metric[3].delta) == ("$6.00", "30% of $20.00")
    assert metrics["Pending approvals"] == "2"
    assert metrics["Tasks done"] == "2 / 4"
    assert at.metric[1].help == "Counted over the newest 4 of 600 tasks."
    reads = [path for _, path, _ in fake.received if path.startswith("/api/companies/acme/tasks")]
    assert reads == ["/api/companies/acme/tasks?limit=500&order=desc"]

    assert chart(at, "agents") == {"idle": 1, "running": 2, "paused": 1}
    assert chart(at, "tasks") == {"queued": 1, "running": 1, "done": 2}
    spend = table(at, "scope")
    assert list(spend["scope"]) == ["company", "cto", "cmo", f"ceo ({SIMULATED_LABEL})", "qa"]
    assert list(spend["share"][:2]) == [pytest.approx(0.3), pytest.approx(0.9)]
    assert pd.isna(spend["share"][2])  # no budget, no share
    assert list(table(at, "approval")["approval"]) == ["A2", "A1"]  # escalated first; decided ones left out
    assert list(table(at, "summary")["summary"]) == ["third", "second", "first"]
    recent = table(at, "summary")
    assert list(recent["at (UTC)"])[0] == "2026-01-01 12:03:00"  # the exact time beside how long ago
    assert list(recent["at"])[0] == "on 2026-01-01" and list(recent.columns)[:2] == ["at", "at (UTC)"]
    links = {link.proto.page: link.proto.query_string for link in at.page_link}
    assert links["approvals"] == links["activity"] == "company=acme"


def test_a_token_budget_is_a_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    snapshot = CompanySnapshot(
        spec=CompanySpec(id="acme", name="Acme Robotics", prefix="ACME", budget=Budget(monthly_tokens=100_000)),
        agents=[agent("ceo", AgentStatus.IDLE, 0.0)],
        tasks=[],
        queue=[],
        recent=[],
        usage=Usage(),
        cost_usd=0.0,
        archived=False,
        generation=0,
        month="2026-01",
        spend=Spend(usd=0.0, tokens=2_674),
        simulated_agents=[],
    ).model_dump(mode="json")
    routes = {
        "GET /api/companies": (200, {"data": [company_json()], "count": 1}),
        "GET /api/companies/acme": (200, snapshot),
        "GET /api/companies/acme/tasks": (200, {"data": [], "count": 0, "total": 0}),
    }
    with serve(FakeApi(routes=routes)) as api:
        monkeypatch.setenv("PAPERCLIP_API_URL", api.url)
        get_settings.cache_clear()
        at = run_app()
    get_settings.cache_clear()
    assert not at.exception
    spend = next(metric for metric in at.metric if metric.label == "Spend 2026-01")
    assert (spend.value, spend.delta) == ("$0.00", "3% of 100,000 tokens")
    assert "No tasks yet: create one on the task board." in [caption.value for caption in at.caption]
    assert chart(at, "agents") == {"idle": 1}


def test_the_company_comes_from_the_query_string(fake_api: FakeApi) -> None:
    at = AppTest.from_file(APP, default_timeout=30)
    at.query_params["company"] = "globex"
    at.run()
    assert at.selectbox(key="company_picker").value == "globex"
    assert "Cannot load globex" in at.error[0].value  # the fake API knows no globex: a message, not a crash
    assert not at.exception


def test_an_unreachable_api_is_a_readable_message(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAPERCLIP_API_URL", f"http://127.0.0.1:{free_port()}")
    at = run_app()
    assert not at.exception
    assert "cannot reach the API" in at.error[0].value


def test_no_companies_says_how_to_create_one(monkeypatch: pytest.MonkeyPatch) -> None:
    with serve(FakeApi(routes={"GET /api/companies": (200, {"data": [], "count": 0})})) as api:
        monkeypatch.setenv("PAPERCLIP_API_URL", api.url)
        at = run_app()
    assert not at.exception
    assert "paperclip up --demo" in at.info[0].value
