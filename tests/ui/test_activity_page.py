"""The activity page, run with AppTest against a real HTTP server that answers like the API: the
filters go to the API as query parameters, newest first, a page at a time."""

from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from streamlit.testing.v1 import AppTest

from paperclip.models import ActivityPublic, AgentSpec, AgentState, ModelConfig, Provider
from tests.cli.fake_api import FakeApi, company_json
from tests.ui.helpers import APP, T0, dashboard_api
from ui.rows import SIMULATED_LABEL

ACTIVITY = "GET /api/companies/acme/activity"


def entries(newest: int, count: int) -> dict[str, Any]:
    """`count` entries from `seq` `newest` down, as `GET …/activity?order=desc` answers."""
    data = [
        ActivityPublic(
            seq=seq,
            id=f"e{seq}",
            company_id="acme",
            at=T0 + timedelta(minutes=seq),
            kind="task.status",
            actor="cto",
            agent="cto",
            task=f"ACME-{seq}",
            summary=f"entry {seq}",
        ).model_dump(mode="json")
        for seq in range(newest, newest - count, -1)
    ]
    return {"data": data, "count": len(data)}


@pytest.fixture
def fake_api(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeApi]:
    openai = ModelConfig(provider=Provider.OPENAI, model="gpt-4o")
    agents = [AgentState(spec=AgentSpec(name="ceo")), AgentState(spec=AgentSpec(name="cto", model=openai))]
    fake = FakeApi(
        routes={
            "GET /api/companies": (200, {"data": [company_json()], "count": 1}),
            "GET /api/companies/acme/agents": (
                200,
                {"data": [a.model_dump(mode="json") for a in agents], "count": 2, "total": 2},
            ),
            ACTIVITY: (200, entries(200, 100)),
        }
    )
    with dashboard_api(fake, monkeypatch) as api:
        yield api


def activity_page(**query: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    at.query_params.update({"company": "acme", **query})
    at.switch_page("app_pages/activity.py").run()
    assert not at.exception
    return at


def sent(fake: FakeApi) -> dict[str, str]:
    """The query parameters of the last activity read."""
    path = [path for method, path, _ in fake.received if urlsplit(path).path == "/api/companies/acme/activity"][-1]
    return dict(parse_qsl(urlsplit(path).query))


def test_a_link_opens_it_filtered_newest_first(fake_api: FakeApi) -> None:
    at = activity_page(task="ACME-3", agent="cto")
    assert not at.markdown  # no stray text above the page
    assert sent(fake_api) == {"task": "ACME-3", "agent": "cto", "limit": "100", "order": "desc"}
    assert at.text_input(key="activity_task").value == "ACME-3"
    agent = at.selectbox(key="activity_agent")
    assert (agent.value, agent.options) == ("cto", [f"ceo ({SIMULATED_LABEL})", "cto"])
    rows = at.dataframe[0].value
    assert list(rows["summary"][:2]) == ["entry 200", "entry 199"]  # as the API ordered them
    assert list(rows.columns) == ["at", "at (UTC)", "kind", "actor", "agent", "task", "summary"]


def test_chosen_filters_go_to_the_api_and_the_url(fake_api: FakeApi) -> None:
    at = activity_page()
    assert sent(fake_api) == {"limit": "100", "order": "desc"}
    at.selectbox(key="activity_kind").set_value("approval.*")
    at.text_input(key="activity_actor").input("board")
    at.selectbox(key="activity_size").set_value(50)
    at.run()
    assert sent(fake_api) == {"kind": "approval.*", "actor": "board", "limit": "50", "order": "desc"}
    assert (at.query_params["kind"], at.query_params["actor"]) == ("approval.*", "board")


def test_pages_back_by_the_last_entry_shown_and_forward_again(fake_api: FakeApi) -> None:
    at = activity_page()
    assert at.button(key="activity_newer").disabled
    fake_api.routes[ACTIVITY] = (200, entries(100, 30))  # the oldest page: less than a page full
    at.button(key="activity_older").click().run()
    assert sent(fake_api)["before"] == "101"
    assert at.dataframe[0].value["summary"][0] == "entry 100"
    assert at.button(key="activity_older").disabled  # nothing older
    at.button(key="activity_newer").click().run()
    assert "before" not in sent(fake_api)


def test_a_refused_filter_is_a_readable_message(fake_api: FakeApi) -> None:
    refused = {"error": {"code": "invalid_input", "message": "limit: must be at most 1000", "details": None}}
    fake_api.routes[ACTIVITY] = (422, refused)
    at = activity_page()
    assert "Cannot read the activity of acme: limit: must be at most 1000" in at.error[0].value
    assert not at.dataframe
