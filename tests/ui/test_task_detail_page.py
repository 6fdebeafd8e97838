"""The task detail page, run with AppTest against a real HTTP server that answers like the API:
the task's figures, its conversation replayed as a chat, its subtask tree, commenting and
cancelling."""

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from paperclip.models import Priority, TaskDetail, TaskRecord, TaskStatus, Trace, TraceEvent, Usage
from paperclip.models.attachments import Attachment
from tests.cli.fake_api import FakeApi, company_json
from tests.ui.helpers import APP, T0, dashboard_api
from ui.rows import SIMULATED_LABEL

TASK = "/api/companies/acme/tasks/ACME-1"


def at(seconds: int) -> datetime:
    return T0 + timedelta(seconds=seconds)


def record(identifier: str, title: str, assignee: str, status: TaskStatus, **extra: Any) -> TaskRecord:
    fields: dict[str, Any] = {"priority": Priority.HIGH, "created_at": T0, "updated_at": T0, **extra}
    return TaskRecord(company_id="acme", identifier=identifier, title=title, assignee=assignee, status=status, **fields)


SUBTASK = record("ACME-1.1", "Budget the launch", "cto", TaskStatus.DONE, parent="ACME-1", result="$800")
DETAIL = TaskDetail(
    **record(
        "ACME-1",
        "Plan the launch",
        "ceo",
        TaskStatus.RUNNING,
        turns=2,
        cost_usd=0.0125,
        usage=Usage(input_tokens=1200, output_tokens=345, cached_input_tokens=600, cache_write_tokens=450),
    ).model_dump(),
    subtasks=[SUBTASK],
)


def event(seconds: int, kind: str, **fields: Any) -> TraceEvent:
    return TraceEvent.model_validate({"at": at(seconds), "task": "ACME-1", "kind": kind, **fields})


DELEGATION = {"agent": "cto", "title": "Budget the launch", "brief": "Keep it under $1k"}
TRACE = Trace(
    company_id="acme",
    identifier="ACME-1",
    workflow_id="task:acme:ACME-1",
    title="Plan the launch",
    assignee="ceo",
    simulated=True,
    events=[
        event(
            0, "task_started", actor="board", target="ceo", content="Plan the launch", model="simulated", simulated=True
        ),
        event(
            1,
            "model_reply",
            actor="ceo",
            content="I will ask the CTO for a budget.",
            usage=Usage(input_tokens=120, output_tokens=40),
            cost_usd=0.0,
            model="simulated",
            simulated=True,
            turn=1,
        ),
        event(
            1,
            "delegation",
            actor="ceo",
            target="cto",
            content="Budget the launch",
            tool="delegate_task",
            arguments=DELEGATION,
            child="ACME-1.1",
            turn=1,
        ),
        event(2, "status", actor="ceo", status="blocked"),
        event(5, "child_result", actor="cto", target="ceo", content="$800", child="ACME-1.1", status="done"),
        event(6, "message", actor="board", target="ceo", content="Comment from board: ship it", turn=2),
    ],
    children=[
        Trace(
            company_id="acme",
            identifier="ACME-1.1",
            workflow_id="task:acme:ACME-1.1",
            title="Budget the launch",
            assignee="cto",
            parent="ACME-1",
            status=TaskStatus.DONE,
        )
    ],
)
PLAN = Attachment(
    id="att-" + "a" * 32,
    task="ACME-1",
    filename="plan.csv",
    content_type="text/csv",
    size=18,
    sha256="0" * 64,
    uploaded_by="ceo",
    created_at=T0,
)
CONFLICT = {"code": "conflict", "message": "task ACME-1 has already finished (done)", "details": None}


@pytest.fixture
def fake_api(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeApi]:
    newer = record("ACME-2", "Hire a designer", "ceo", TaskStatus.QUEUED, created_at=at(60))
    listed = [
        DETAIL.model_dump(mode="json", exclude={"subtasks"}),
        SUBTASK.model_dump(mode="json"),
        newer.model_dump(mode="json"),
    ]
    fake = FakeApi(
        routes={
            "GET /api/companies": (200, {"data": [company_json()], "count": 1}),
            "GET /api/companies/acme/tasks": (200, {"data": listed, "count": 3, "total": 3}),
            f"GET {TASK}": (200, DETAIL.model_dump(mode="json")),
            "GET /api/companies/acme/tasks/ACME-2": (200, TaskDetail(**newer.model_dump()).model_dump(mode="json")),
            "GET /api/companies/acme/tasks/ACME-2/work-products": (200, {"data": [], "count": 0}),
            f"GET {TASK}/trace": (200, TRACE.model_dump(mode="json")),
            f"GET {TASK}/documents": (200, {"data": [], "count": 0}),
            "GET /api/companies/acme/tasks/ACME-2/documents": (200, {"data": [], "count": 0}),
            f"GET {TASK}/work-products": (200, {"data": [], "count": 0}),
            f"POST {TASK}/comments": (201, {"reached": ["ACME-1", "ACME-2"]}),
            f"POST {TASK}/cancel": (409, {"error": CONFLICT}),
            f"GET {TASK}/attachments": (200, {"data": [PLAN.model_dump(mode="json")], "count": 1}),
            f"GET {TASK}/attachments/{PLAN.id}": (200, "month,total\njan,3\n"),
            "GET /api/companies/acme/tasks/ACME-2/attachments": (200, {"data": [], "count": 0}),
        }
    )
    with dashboard_api(fake, monkeypatch) as api:
        yield api


def open_task(task: str | None = "ACME-1") -> AppTest:
    app = AppTest.from_file(APP, default_timeout=30)
    if task is not None:
        app.query_params["task"] = task
    app.switch_page("app_pages/task_detail.py").run()
    assert not app.exception
    return app


def chat(app: AppTest) -> list[str]:
    return [message.markdown[0].value for message in app.chat_message]


def test_shows_the_task_its_subtask_tree_and_its_workflow(fake_api: FakeApi) -> None:
    app = open_task()
    assert app.selectbox(key="detail_task_picker").value == "ACME-1"
    figures = {metric.label: metric.value for metric in app.metric}
    assert figures == {"Status": "running", "Assignee": "ceo", "Cost": "$0.0125", "Tokens (in / out)": "1.2k / 345"}
    assert app.metric[3].help == "1,200 in / 345 out"
    assert app.caption[0].value.startswith("Priority high · 2 turns · prompt cache 600 read / 450 written · opened ")
    assert app.caption[0].help.startswith("Opened 2026-01-01 12:00:00 UTC; updated ")
    assert app.link_button[0].proto.url == "http://127.0.0.1:8233/namespaces/default/workflows/task:acme:ACME-1"
    subtask = app.page_link[-1]
    assert subtask.value == "ACME-1.1 · done — Budget the launch (cto)"
    assert subtask.proto.query_string == "company=acme&task=ACME-1.1"
    assert "simulated" in app.warning[0].value


def test_the_chat_shows_the_conversation_up_to_the_replay_step(fake_api: FakeApi) -> None:
    app = open_task()
    assert chat(app) == [
        "**board → ceo** · assigned the task",
        "**ceo** · replied",
        "**ceo → cto** · delegated ACME-1.1",
        "**ceo** · is blocked",
        "**ACME-1.1 (cto) → ceo** · subtask done",
        "**board → ceo** · said",
    ]
    app.slider(key="replay_step").set_value(2).run()
    assert chat(app) == ["**board → ceo** · assigned the task", "**ceo** · replied"]
    reply = app.chat_message[1]
    assert reply.avatar == "🤖" and app.chat_message[0].avatar == "🧑"
    assert reply.caption[0].value == f"turn 1 · 120 in / 40 out tokens · \\$0.0000 · {SIMULATED_LABEL}"
    assert "Step 2 of 6" in app.caption[1].value


def test_a_comment_is_posted_and_confirmed(fake_api: FakeApi) -> None:
    app = open_task()
    app.text_area(key="detail_comment").input("@cto how is the budget?")
    next(button for button in app.button if button.label == "Post comment").click().run()
    assert not app.exception
    assert ("POST", f"{TASK}/comments", {"body": "@cto how is the budget?"}) in fake_api.received
    assert app.success[0].value == (
        "Comment posted on ACME-1; it also reached ACME-2 (@-mentioned). The agents read it on their next turn."
    )


def test_cancelling_asks_first_and_shows_the_api_refusal(fake_api: FakeApi) -> None:
    app = open_task()
    app.text_input(key="detail_cancel_reason").input("Out of scope")
    app.button(key="detail_cancel").click().run()
    assert "Cancel ACME-1 and every subtask under it?" in app.warning[-1].value
    assert not any(method == "POST" for method, _, _ in fake_api.received)
    app.button(key="detail_cancel_confirm").click().run()
    assert not app.exception
    assert ("POST", f"{TASK}/cancel", {"reason": "Out of scope"}) in fake_api.received
    assert app.error[0].value == "Cannot cancel ACME-1: task ACME-1 has already finished (done) (409 conflict)"


def test_without_a_task_in_the_url_the_newest_is_picked(fake_api: FakeApi) -> None:
    app = open_task(None)
    assert app.selectbox(key="detail_task_picker").value == "ACME-2"
    assert app.query_params["task"] == "ACME-2"
    assert app.metric[0].value == "queued"
    assert app.info[0].value.startswith("Queued: its workflow, and the conversation, start")  # not an error
    assert not any(path.startswith("/api/companies/acme/tasks/ACME-2/trace") for _, path, _ in fake_api.received)


def test_the_tasks_files_are_listed_as_downloads_fetched_only_when_clicked(fake_api: FakeApi) -> None:
    app = open_task()
    assert "Attachments" in [h.value for h in app.subheader]
    [button] = app.get("download_button")
    assert button.proto.label == "plan.csv · text/csv · 18 bytes · by ceo"
    assert not any(path.endswith(PLAN.id) for _, path, _ in fake_api.received)  # nothing fetched yet
    newer = open_task("ACME-2")  # no files: the section says so, and offers the upload
    assert not newer.get("download_button")
    assert any(c.value.startswith("No files yet") for c in newer.caption)
    assert "Upload" in [b.label for b in newer.button]
