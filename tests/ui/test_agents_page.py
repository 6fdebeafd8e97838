"""The agents page, run with AppTest against a real HTTP server that answers like the API: the list,
one agent's config, status, spend and recent tasks, and the board's levers with the API's answers."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from streamlit.testing.v1 import AppTest

from api.agents import AgentList
from paperclip.models import (
    AgentDetail,
    AgentSpec,
    AgentState,
    AgentStatus,
    Budget,
    ModelConfig,
    Provider,
    Spend,
    TaskList,
    TaskRecord,
)
from tests.cli.fake_api import FakeApi, company_json
from tests.ui.helpers import APP, dashboard_api
from ui.rows import SIMULATED_LABEL

AGENTS = "/api/companies/acme/agents"
NOW = datetime(2026, 1, 5, 12, tzinfo=UTC)

CEO = AgentState(spec=AgentSpec(name="ceo", role="ceo", title="Chief"))
CTO = AgentState(
    spec=AgentSpec(
        name="cto",
        role="cto",
        title="Tech lead",
        reports_to="ceo",
        capabilities="builds robots",
        model=ModelConfig(provider=Provider.OPENAI, model="gpt-4o-mini"),
        budget=Budget(monthly_usd=10.0),
    ),
    status=AgentStatus.RUNNING,
    running=1,
    cost_usd=3.5,
    spend=Spend(usd=2.5, tokens=12_000),
)


def task(identifier: str, status: str, minutes: int) -> TaskRecord:
    at = NOW + timedelta(minutes=minutes)
    return TaskRecord(
        company_id="acme",
        identifier=identifier,
        title=f"Work {identifier}",
        assignee="cto",
        status=status,
        cost_usd=0.25,
        created_at=at,
        updated_at=at,
    )


def refusal(status: int, code: str, message: str) -> tuple[int, dict[str, object]]:
    return status, {"error": {"code": code, "message": message, "details": None}}


@pytest.fixture
def fake_api(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeApi]:
    tasks = [task("ACME-2", "running", 5), task("ACME-1", "done", 0)]  # newest first, as the API lists with order=desc
    paused = CTO.model_copy(update={"status": AgentStatus.PAUSED}).model_dump(mode="json")
    fake = FakeApi(
        routes={
            "GET /api/companies": (200, {"data": [company_json()], "count": 1}),
            f"GET {AGENTS}": (200, AgentList(data=[CEO, CTO], count=2, total=2).model_dump(mode="json")),
            f"GET {AGENTS}/ceo": (200, AgentDetail(**CEO.model_dump()).model_dump(mode="json")),
            f"GET {AGENTS}/cto": (
                200,
                AgentDetail(**CTO.model_dump(), month="2026-01", open_tasks=tasks[:1]).model_dump(mode="json"),
            ),
            "GET /api/companies/acme/tasks": (200, TaskList(data=tasks, count=2, total=2).model_dump(mode="json")),
            f"POST {AGENTS}/cto/pause": (200, paused),
            f"POST {AGENTS}/cto/terminate": (200, {**paused, "status": "terminated"}),
            f"POST {AGENTS}/cto/resume": refusal(409, "conflict", "agent 'cto' is not paused"),
        }
    )
    with dashboard_api(fake, monkeypatch) as api:
        yield api


def open_agent(name: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    if name is not None:
        at.query_params["agent"] = name
    at.switch_page("app_pages/agents.py").run()
    assert not at.exception
    return at


def posts(fake: FakeApi) -> list[tuple[str, object]]:
    return [(path, body) for method, path, body in fake.received if method == "POST"]


def test_lists_the_agents_and_labels_the_simulated_one(fake_api: FakeApi) -> None:
    at = open_agent()
    agents = at.dataframe[0].value
    assert list(agents["agent"]) == ["ceo", "cto"]
    assert list(agents["runs on"]) == [SIMULATED_LABEL, "openai:gpt-4o-mini"]
    assert list(agents["status"]) == ["active", "running"]
    assert at.selectbox(key="agent").value == "ceo"
    assert "simulated model, not a real LLM" in at.warning[0].value


def test_the_agent_in_the_url_shows_its_config_status_spend_and_recent_tasks(fake_api: FakeApi) -> None:
    at = open_agent("cto")
    assert at.selectbox(key="agent").value == "cto"
    assert not at.warning  # a real model: no simulated label
    config = at.markdown[0].value
    for line in ("**Role**: cto", "**Reports to**: ceo", "**Runs on**: openai:gpt-4o-mini", "**Adapter**: model"):
        assert line in config
    assert "**Capabilities**: builds robots" in config and "**Monthly budget**: $10.00" in config
    metrics = {metric.proto.label: metric.value for metric in at.metric}
    assert metrics["Status"] == "running"
    assert metrics["Spent this month (USD)"] == "$2.50"
    assert metrics["Cost so far (USD)"] == "$3.50"
    links = [(link.proto.label, link.proto.page, link.proto.query_string) for link in at.get("page_link")]
    assert [label for label, _, _ in links] == [
        "ACME-2 · Work ACME-2 · running · $0.2500",
        "ACME-1 · Work ACME-1 · done · $0.2500",
    ]
    assert links[0][1:] == ("task_detail", "company=acme&task=ACME-2")
    reads = [path for _, path, _ in fake_api.received if path.startswith("/api/companies/acme/tasks")]
    assert reads == ["/api/companies/acme/tasks?assignee=cto&limit=10&order=desc"]


def test_pause_sends_the_reason_and_shows_the_new_status(fake_api: FakeApi) -> None:
    at = open_agent("cto")
    at.text_input(key="agents_reason_cto").input("over budget soon")
    at.button(key="agents_pause").click().run()
    assert not at.exception
    assert posts(fake_api) == [(f"{AGENTS}/cto/pause", {"reason": "over budget soon"})]
    assert at.success[0].value == "Paused cto: now paused."


def test_terminate_asks_first_and_posts_only_after_yes(fake_api: FakeApi) -> None:
    at = open_agent("cto")
    at.button(key="agents_terminate").click().run()
    assert posts(fake_api) == []
    assert "Terminate cto?" in at.warning[0].value
    at.button(key="agents_terminate_yes").click().run()
    assert not at.exception
    assert posts(fake_api) == [(f"{AGENTS}/cto/terminate", {})]
    assert at.success[0].value == "Terminated cto: now terminated."


def test_a_refused_action_is_a_readable_message(fake_api: FakeApi) -> None:
    fake_api.routes[f"POST {AGENTS}/cto/pause"] = refusal(409, "conflict", "agent 'cto' is already paused")
    at = open_agent("cto")
    at.button(key="agents_pause").click().run()
    assert not at.exception
    assert at.error[0].value == "Cannot pause cto: agent 'cto' is already paused (409 conflict)"


@pytest.mark.parametrize(
    ("status", "enabled"),
    [
        (AgentStatus.RUNNING, {"pause", "terminate"}),
        (AgentStatus.IDLE, {"pause", "terminate"}),
        (AgentStatus.PAUSED, {"resume", "terminate"}),
        (AgentStatus.ERROR, {"pause", "resume", "terminate"}),
        (AgentStatus.PENDING_APPROVAL, set()),
        (AgentStatus.TERMINATED, set()),
    ],
)
def test_only_the_levers_that_apply_to_its_status_are_enabled(
    fake_api: FakeApi, status: AgentStatus, enabled: set[str]
) -> None:
    cto = CTO.model_copy(update={"status": status})
    fake_api.routes[f"GET {AGENTS}"] = (200, AgentList(data=[CEO, cto], count=2, total=2).model_dump(mode="json"))
    at = open_agent("cto")
    shown = {action for action in ("pause", "resume", "terminate") if not at.button(key=f"agents_{action}").disabled}
    assert shown == enabled
    if status is AgentStatus.PAUSED:
        assert at.button(key="agents_pause").help == "Not for an agent that is paused."


def test_the_hire_form_posts_what_is_filled_and_the_list_shows_the_hire(fake_api: FakeApi) -> None:
    hired = AgentState(spec=AgentSpec(name="ux", role="designer", title="Designer", reports_to="ceo"))
    fake_api.routes[f"POST {AGENTS}"] = (201, hired.model_dump(mode="json"))
    fake_api.routes["GET /api/templates"] = (200, {"data": [{"name": "coder"}, {"name": "designer"}], "count": 2})
    at = open_agent()
    assert at.selectbox(key="agents_hire_template").options == ["coder", "designer"]
    assert at.selectbox(key="agents_hire_reports_to").options == ["ceo", "cto"]
    at.text_input(key="agents_hire_name").input("ux")
    at.text_input(key="agents_hire_title").input("Designer")
    at.selectbox(key="agents_hire_reports_to").set_value("ceo")
    at.selectbox(key="agents_hire_template").set_value("designer")
    at.button(key="agents_hire_submit").click().run()
    assert not at.exception
    assert posts(fake_api) == [
        (AGENTS, {"name": "ux", "title": "Designer", "reports_to": "ceo", "template": "designer"})
    ]
    assert at.success[0].value == "Hired ux (designer, reporting to ceo): active."


def test_a_refused_hire_shows_the_api_message(fake_api: FakeApi) -> None:
    fake_api.routes[f"POST {AGENTS}"] = refusal(400, "invalid_input", "the company already has a CEO: ceo")
    at = open_agent()
    at.text_input(key="agents_hire_name").input("boss")
    at.selectbox(key="agents_hire_role").set_value("ceo")
    at.selectbox(key="agents_hire_provider").set_value("openai")
    at.text_input(key="agents_hire_model").input("gpt-4o-mini")
    at.button(key="agents_hire_submit").click().run()
    assert not at.exception
    assert posts(fake_api) == [
        (AGENTS, {"name": "boss", "role": "ceo", "model": {"provider": "openai", "model": "gpt-4o-mini"}})
    ]
    assert at.error[0].value == "Cannot hire boss: the company already has a CEO: ceo (400 invalid_input)"
