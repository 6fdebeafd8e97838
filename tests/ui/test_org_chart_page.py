"""The org chart page, run with AppTest against a real HTTP server that answers like the API: the
DOT text it gives Graphviz, its legend, and a readable error when the API fails."""

import pytest
from streamlit.testing.v1 import AppTest

from paperclip.models import (
    AgentSpec,
    AgentState,
    AgentStatus,
    CompanySnapshot,
    CompanySpec,
    ModelConfig,
    Provider,
    Role,
    Spend,
    TaskRecord,
    TaskStatus,
    Usage,
)
from paperclip.settings import get_settings
from tests.cli.fake_api import FakeApi, company_json, serve
from tests.ui.helpers import APP, T0
from ui.rows import AGENT_COLOURS, SIMULATED_LABEL

OPENAI = ModelConfig(provider=Provider.OPENAI, model="gpt-4o-mini")


def agent(
    name: str, role: Role, status: AgentStatus, *, reports_to: str | None = None, spent: float = 0.0
) -> AgentState:
    spec = AgentSpec(
        name=name,
        role=role,
        title=f"{name.upper()} title",
        reports_to=reports_to,
        model=ModelConfig() if name == "ceo" else OPENAI,
    )
    return AgentState(spec=spec, status=status, spend=Spend(usd=spent))


def task(n: int, assignee: str, status: TaskStatus) -> TaskRecord:
    return TaskRecord(
        company_id="acme",
        identifier=f"ACME-{n}",
        title=f"Task {n}",
        assignee=assignee,
        status=status,
        created_at=T0.replace(minute=n),
        updated_at=T0,
    )


SNAPSHOT = CompanySnapshot(
    spec=CompanySpec(id="acme", name="Acme Robotics", prefix="ACME"),
    agents=[
        agent("ceo", Role.CEO, AgentStatus.RUNNING, spent=1.25),
        agent("cto", Role.CTO, AgentStatus.IDLE, reports_to="ceo"),
        agent("eng", Role.ENGINEER, AgentStatus.ERROR, reports_to="cto", spent=0.5),
        agent("old", Role.QA, AgentStatus.TERMINATED, reports_to="gone"),
    ],
    tasks=[
        task(1, "ceo", TaskStatus.RUNNING),
        task(2, "ceo", TaskStatus.RUNNING),
        task(3, "cto", TaskStatus.QUEUED),
        task(4, "eng", TaskStatus.DONE),
    ],
    queue=["ACME-3"],
    recent=[],
    usage=Usage(),
    cost_usd=1.75,
    archived=False,
    generation=0,
    month="2026-01",
    simulated_agents=["ceo"],
).model_dump(mode="json")


def org_chart(fake: FakeApi, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    fake.routes["GET /api/companies"] = (200, {"data": [company_json()], "count": 1})
    with serve(fake) as api:
        monkeypatch.setenv("PAPERCLIP_API_URL", api.url)
        get_settings.cache_clear()
        at = AppTest.from_file(APP, default_timeout=30)
        at.switch_page("app_pages/org_chart.py").run()
    get_settings.cache_clear()
    assert not at.exception
    return at


def test_draws_the_reporting_tree_coloured_by_status_with_each_agents_work_and_spend(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    at = org_chart(FakeApi(routes={"GET /api/companies/acme": (200, SNAPSHOT)}), monkeypatch)
    chart, legend = (element.proto.spec for element in at.get("graphviz_chart"))
    nodes = {line.split(" [")[0].strip(): line for line in chart.splitlines() if " [label=" in line}
    assert set(nodes) == {'"ceo"', '"cto"', '"eng"', '"old"'}
    ceo, cto, eng, old = nodes['"ceo"'], nodes['"cto"'], nodes['"eng"'], nodes['"old"']
    assert '"ceo\\nCEO title · ceo\\n▶ ACME-1: Task 1 (+1 more)\\n1.2500 USD this month\\n' in ceo
    assert SIMULATED_LABEL in ceo and SIMULATED_LABEL not in cto
    assert "▶" not in cto  # a queued task is not its current one
    assert "▶" not in eng and "0.5000 USD this month" in eng  # nor is a finished one
    for line, status in ((ceo, "running"), (cto, "idle"), (eng, "error"), (old, "terminated")):
        assert f'fillcolor="{AGENT_COLOURS[AgentStatus(status)]}"' in line
    edges = sorted(line.strip() for line in chart.splitlines() if "->" in line)
    assert edges == ['"ceo" -> "cto";', '"cto" -> "eng";']  # "old" reports to no one in the company
    for status, colour in AGENT_COLOURS.items():
        assert f'"{status.value}" [fillcolor="{colour}"' in legend
    assert "2026-01" in at.caption[0].value


def test_a_failing_api_is_a_readable_message(monkeypatch: pytest.MonkeyPatch) -> None:
    failure = (500, {"error": {"code": "internal", "message": "Temporal is down", "details": None}})
    at = org_chart(FakeApi(routes={"GET /api/companies/acme": failure}), monkeypatch)
    assert "Cannot load the org chart of acme: Temporal is down" in at.error[0].value
    assert not at.get("graphviz_chart")
