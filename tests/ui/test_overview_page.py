"""The overview page, run with AppTest against a real HTTP server that answers like the API."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from paperclip.settings import get_settings
from tests.cli.fake_api import FakeApi, agent_json, company_json, free_port, serve, snapshot_json, task_json
from ui.rows import SIMULATED_LABEL

APP = str(Path(__file__).parents[2] / "ui" / "app.py")


@pytest.fixture
def fake_api(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeApi]:
    fake = FakeApi(
        routes={
            "GET /api/companies": (200, {"data": [company_json(), company_json("globex", "Globex")], "count": 2}),
            "GET /api/companies/acme": (
                200,
                snapshot_json([agent_json("ceo"), agent_json("cto", "openai", "ceo")], []),
            ),
            "GET /api/companies/acme/tasks": (200, {"data": [task_json()], "count": 1}),
        }
    )
    with serve(fake) as api:
        monkeypatch.setenv("PAPERCLIP_API_URL", api.url)
        get_settings.cache_clear()
        yield api
    get_settings.cache_clear()


def run_app() -> AppTest:
    return AppTest.from_file(APP, default_timeout=30).run()


def test_lists_companies_and_shows_agents_and_tasks_of_the_chosen_one(fake_api: FakeApi) -> None:
    at = run_app()
    assert not at.exception
    assert at.selectbox(key="company_picker").options == ["Acme Robotics (acme)", "Globex (globex)"]
    agents, tasks = (frame.value for frame in at.dataframe)
    assert list(agents["agent"]) == ["ceo", "cto"]
    assert list(agents["model"]) == [SIMULATED_LABEL, "openai:gpt-4o-mini"]
    assert "simulated" in at.warning[0].value and "ceo" in at.warning[0].value
    row = tasks.iloc[0]
    assert (row["task"], row["title"], row["assignee"], row["status"]) == ("ACME-1", "Plan the launch", "ceo", "done")
    assert row["cost (USD)"] == pytest.approx(0.0125)
    assert row["workflow"] == "http://127.0.0.1:8233/namespaces/default/workflows/task:acme:ACME-1"


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
