"""The task board, run with AppTest against a real HTTP server that answers like the API: its
columns and cards, the filters, and the form that creates a task."""

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from paperclip.models import Goal, GoalLevel, GoalStatus, Priority, TaskRecord, TaskStatus
from paperclip.models.projects import Label, Project
from tests.cli.fake_api import FakeApi, agent_json, company_json, snapshot_json
from tests.ui.helpers import APP, T0, dashboard_api
from ui.rows import SIMULATED_LABEL


def task(n: int, status: TaskStatus, assignee: str, priority: Priority, goal: str | None = None) -> dict[str, Any]:
    at = T0 + timedelta(minutes=n)
    return TaskRecord(
        company_id="acme",
        identifier=f"ACME-{n}",
        title=f"Task {n}",
        assignee=assignee,
        status=status,
        priority=priority,
        goal=goal,
        created_at=at,
        updated_at=at,
    ).model_dump(mode="json")


def goal(goal_id: str, title: str) -> dict[str, Any]:
    return Goal(
        id=goal_id, title=title, level=GoalLevel.COMPANY, status=GoalStatus.ACTIVE, created_at=T0, updated_at=T0
    ).model_dump(mode="json")


def project(key: str, name: str) -> dict[str, Any]:
    return Project(key=key, name=name, created_at=T0, updated_at=T0).model_dump(mode="json")


def label(name: str, colour: str = "#888888") -> dict[str, Any]:
    return Label(name=name, colour=colour, created_at=T0).model_dump(mode="json")


TASKS = [
    task(1, TaskStatus.DONE, "ceo", Priority.HIGH, "G1"),
    task(2, TaskStatus.QUEUED, "cto", Priority.LOW),
    task(3, TaskStatus.QUEUED, "cto", Priority.CRITICAL, "G1"),
    task(4, TaskStatus.RUNNING, "ceo", Priority.MEDIUM, "G2"),
    task(5, TaskStatus.CANCELLED, "cto", Priority.MEDIUM),
]


@pytest.fixture
def fake_api(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeApi]:
    fake = FakeApi(
        routes={
            "GET /api/companies": (200, {"data": [company_json()], "count": 1}),
            "GET /api/companies/acme": (200, snapshot_json([agent_json("ceo"), agent_json("cto", "openai")], [])),
            "GET /api/companies/acme/goals": (200, {"data": [goal("G1", "Launch"), goal("G2", "Hire")], "count": 2}),
            "GET /api/companies/acme/tasks": (200, {"data": TASKS, "count": 5, "total": 5}),
            "GET /api/companies/acme/projects": (200, {"data": [project("WEB", "Website")], "count": 1}),
            "GET /api/companies/acme/labels": (200, {"data": [label("bug"), label("ui")], "count": 2}),
            "POST /api/companies/acme/tasks": (201, task(6, TaskStatus.QUEUED, "cto", Priority.HIGH, "G2")),
        }
    )
    with dashboard_api(fake, monkeypatch) as api:
        yield api


def open_board() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    at.switch_page("app_pages/task_board.py").run()
    assert not at.exception
    return at


def headers(at: AppTest) -> list[str]:
    """The columns' headers, as `Title (count)`."""
    found = [re.fullmatch(r"#### (.+) :gray-badge\[(\d+)\]", m.value) for m in at.markdown]
    return [f"{match[1]} ({match[2]})" for match in found if match]


def cards(at: AppTest) -> list[str]:
    return [link.value for link in at.page_link]


def test_columns_follow_the_lifecycle_and_cards_link_to_their_detail(fake_api: FakeApi) -> None:
    at = open_board()
    assert headers(at) == ["Queued (2)", "In progress (1)", "Done (1)", "Failed or cancelled (1)"]
    assert cards(at) == ["ACME-3", "ACME-2", "ACME-4", "ACME-1", "ACME-5"]  # open ones in dispatch order
    assert at.page_link[0].proto.query_string == "company=acme&task=ACME-3"
    captions = [caption.value for caption in at.caption]
    assert "cto · $0.00 · opened on 2026-01-01" in captions  # long ago: its date
    assert f"ceo {SIMULATED_LABEL} · $0.00 · done on 2026-01-01" in captions
    assert any(c.startswith(f"ceo {SIMULATED_LABEL} · $0.00 · ") for c in captions)
    tags = [m.value for m in at.markdown if "<span" in m.value]
    assert ">critical</span>" in tags[0] and ">G1</span>" in tags[0]  # ACME-3: its priority and goal
    assert ">running</span>" in tags[2]  # In progress groups statuses: each card names its own
    assert ">cancelled</span>" in tags[4]


def test_a_card_shows_its_labels_in_their_colours_and_its_cost(fake_api: FakeApi) -> None:
    labelled = task(7, TaskStatus.QUEUED, "cto", Priority.HIGH) | {"labels": ["bug"], "cost_usd": 0.0042}
    fake_api.routes["GET /api/companies/acme/tasks"] = (200, {"data": [labelled], "count": 1, "total": 1})
    fake_api.routes["GET /api/companies/acme/labels"] = (200, {"data": [label("bug", "#ff0000")], "count": 1})
    at = open_board()
    tags = next(m.value for m in at.markdown if "<span" in m.value)
    assert "border:1px solid #ff0000" in tags and ">bug</span>" in tags
    assert any(c.value.startswith("cto · $0.0042 · opened ") for c in at.caption)


def test_a_finished_column_shows_its_latest_few_and_more_on_demand(fake_api: FakeApi) -> None:
    done = [task(n, TaskStatus.DONE, "cto", Priority.LOW) for n in range(10, 24)]
    fake_api.routes["GET /api/companies/acme/tasks"] = (200, {"data": done, "count": 14, "total": 14})
    at = open_board()
    assert headers(at)[2] == "Done (14)"
    assert cards(at) == [f"ACME-{n}" for n in range(23, 18, -1)]  # latest first, five of them
    more = at.button(key="board_more_done")
    assert more.label == "Show 9 more"
    more.click().run()
    assert not at.exception
    assert len(cards(at)) == 14
    at.button(key="board_fewer_done").click().run()
    assert len(cards(at)) == 5


def test_the_agent_filter_asks_the_api_and_priority_and_goal_filter_the_cards(fake_api: FakeApi) -> None:
    at = open_board()
    at.selectbox(key="board_agent").set_value("cto").run()
    assert any(path.startswith("/api/companies/acme/tasks?assignee=cto") for _, path, _ in fake_api.received)
    at.selectbox(key="board_priority").set_value("medium").run()
    assert cards(at) == ["ACME-4", "ACME-5"]  # the fake API ignores the filter; the board does not
    at.selectbox(key="board_priority").set_value(None)
    at.selectbox(key="board_goal").set_value("G1").run()
    assert not at.exception
    assert cards(at) == ["ACME-3", "ACME-1"]


def test_the_project_and_label_filters_ask_the_api(fake_api: FakeApi) -> None:
    at = open_board()
    assert at.selectbox(key="board_project").options == ["WEB · Website"]
    at.selectbox(key="board_project").set_value("WEB").run()
    at.selectbox(key="board_label").set_value("bug").run()
    assert not at.exception
    asked = [path for method, path, _ in fake_api.received if method == "GET" and "/tasks?" in path]
    assert "project=WEB" in asked[-1] and "label=bug" in asked[-1]


def test_a_new_task_can_join_a_project_with_labels(fake_api: FakeApi) -> None:
    at = open_board()
    at.text_input(key="board_new_title").input("Fix the nav")
    at.selectbox(key="board_new_assignee").set_value("cto")
    at.selectbox(key="board_new_project").set_value("WEB")
    at.multiselect(key="board_new_labels").set_value(["bug", "ui"])
    next(button for button in at.button if button.label == "Create and assign").click().run()
    assert not at.exception
    sent = next(body for method, _, body in reversed(fake_api.received) if method == "POST")
    assert (sent["project"], sent["labels"]) == ("WEB", ["bug", "ui"])


def fill_form(at: AppTest) -> None:
    at.text_input(key="board_new_title").input("Hire a designer")
    at.text_area(key="board_new_brief").input("Someone who ships.")
    at.selectbox(key="board_new_assignee").set_value("cto")
    at.selectbox(key="board_new_priority").set_value("high")
    at.selectbox(key="board_new_goal").set_value("G2")
    at.number_input(key="board_new_budget_usd").set_value(2.5)
    next(button for button in at.button if button.label == "Create and assign").click().run()


def test_creating_a_task_posts_it_and_names_the_new_identifier(fake_api: FakeApi) -> None:
    at = open_board()
    fill_form(at)
    assert not at.exception
    assert ("POST", "/api/companies/acme/tasks") == fake_api.received[-2][:2]  # then the board reads again
    assert fake_api.received[-2][2] == {
        "title": "Hire a designer",
        "brief": "Someone who ships.",
        "assignee": "cto",
        "priority": "high",
        "goal": "G2",
        "budget": {"usd": 2.5, "tokens": None},
    }
    assert at.success[0].value == "Created ACME-6 and assigned it to cto."
    posts = sum(method == "POST" for method, _, _ in fake_api.received)
    at.run()  # a later rerun says it again and creates nothing more
    assert at.success[0].value == "Created ACME-6 and assigned it to cto."
    assert sum(method == "POST" for method, _, _ in fake_api.received) == posts


def test_a_refused_task_shows_the_api_message(fake_api: FakeApi) -> None:
    detail = {"field": "budget.usd", "message": "Input should be a finite number", "type": "finite_number"}
    refusal = {"code": "invalid_input", "message": "budget.usd: Input should be a finite number", "details": [detail]}
    fake_api.routes["POST /api/companies/acme/tasks"] = (422, {"error": refusal})
    at = open_board()
    fill_form(at)
    assert not at.exception
    assert at.error[0].value.startswith("Cannot create the task: budget.usd: Input should be a finite number")
    assert not at.success


def test_a_new_task_may_ask_for_review_by_the_board_or_an_agent(fake_api: FakeApi) -> None:
    at = open_board()
    offered = at.selectbox(key="board_new_reviewer").options
    assert offered[0] == "a person (the board)" and "agent:cto" in offered
    at.text_input(key="board_new_title").input("Fix the nav")
    at.selectbox(key="board_new_assignee").set_value("cto")
    at.selectbox(key="board_new_reviewer").set_value("agent:ceo")
    next(button for button in at.button if button.label == "Create and assign").click().run()
    assert not at.exception
    sent = next(body for method, _, body in reversed(fake_api.received) if method == "POST")
    assert sent["review"] == {"reviewer": "agent:ceo"}
    # Left empty, the task says nothing of review: its project's or company's policy holds.
    at.selectbox(key="board_new_reviewer").set_value(None)
    next(button for button in at.button if button.label == "Create and assign").click().run()
    sent = next(body for method, _, body in reversed(fake_api.received) if method == "POST")
    assert "review" not in sent
