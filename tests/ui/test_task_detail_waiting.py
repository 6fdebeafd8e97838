"""The task detail page shows the waiting edge: what a queued task waits on (and whose results it
is given), and why a task that never started is blocked."""

from paperclip.models import TaskDetail, TaskStatus
from tests.cli.fake_api import FakeApi
from tests.ui.test_task_detail_page import fake_api, open_task, record  # noqa: F401 — the page's fixture

WAITING = "/api/companies/acme/tasks/ACME-2"


def serve(fake: FakeApi, status: TaskStatus = TaskStatus.QUEUED, **fields: object) -> None:
    task = record("ACME-2", "Hire a designer", "ceo", status, **fields)
    fake.routes[f"GET {WAITING}"] = (200, TaskDetail(**task.model_dump()).model_dump(mode="json"))


def test_a_queued_task_says_what_it_waits_on(fake_api: FakeApi) -> None:  # noqa: F811
    serve(fake_api, blocked_by=["ACME-1", "ACME-1.1"], inputs=["ACME-1"])
    app = open_task("ACME-2")
    assert "Waits on ACME-1, ACME-1.1 · given the results of ACME-1" in [c.value for c in app.caption]


def test_a_task_blocked_before_it_started_says_why(fake_api: FakeApi) -> None:  # noqa: F811
    serve(fake_api, status=TaskStatus.BLOCKED, blocked_by=["ACME-1"], blocked_reason="its blocker ACME-1 failed")
    app = open_task("ACME-2")
    assert [e.value for e in app.error] == ["Blocked before it started: its blocker ACME-1 failed."]
