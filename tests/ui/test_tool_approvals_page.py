"""The approvals page with tool calls, run with AppTest against a real HTTP server that answers
like the API: a tool call's tool, subject, reason and why it asked; approved for the task with
edited arguments; several approvals ticked and approved at once."""

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from streamlit.testing.v1 import AppTest

from api.schemas import ApprovalList, BatchDecided, BatchFailure
from paperclip.models import Approval, ApprovalKind, ApprovalStatus, ToolCallRequest
from tests.cli.fake_api import FakeApi, company_json
from tests.ui.helpers import APP, dashboard_api

APPROVALS = "/api/companies/acme/approvals"
AT = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)


def tool_call(number: int, command: str) -> Approval:
    return Approval(
        id=f"AP-{number}",
        request_id=f"ACME-1:{number}",
        kind=ApprovalKind.TOOL_CALL,
        title=f"run_command: {command}",
        requested_by="eng",
        task="ACME-1",
        tool_call=ToolCallRequest(
            call_id=f"c{number}",
            tool="run_command",
            arguments={"command": command},
            subject=command,
            reason="The tests must pass before I commit.",
            why_asked="the task read untrusted content",
        ),
        created_at=AT,
    )


CALLS = [tool_call(1, "pytest"), tool_call(2, "ruff check"), tool_call(3, "make deploy")]


@pytest.fixture
def fake_api(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeApi]:
    approved = CALLS[0].model_copy(update={"status": ApprovalStatus.APPROVED})
    batch = BatchDecided(
        decided=[c.model_copy(update={"status": ApprovalStatus.APPROVED}) for c in CALLS[:2]],
        failed=[BatchFailure(id="AP-3", code="conflict", message="approval 'AP-3' is already rejected")],
    )
    fake = FakeApi(
        routes={
            "GET /api/companies": (200, {"data": [company_json()], "count": 1}),
            f"GET {APPROVALS}": (200, ApprovalList(data=CALLS, count=3, total=3).model_dump(mode="json")),
            f"POST {APPROVALS}/AP-1/decision": (200, approved.model_dump(mode="json")),
            f"POST {APPROVALS}/decisions": (200, batch.model_dump(mode="json")),
        }
    )
    with dashboard_api(fake, monkeypatch) as api:
        yield api


def open_approvals() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    at.switch_page("app_pages/approvals.py").run()
    assert not at.exception
    return at


def posted(fake: FakeApi) -> list[tuple[str, object]]:
    return [(path, body) for method, path, body in fake.received if method == "POST"]


def test_a_tool_call_shows_its_tool_subject_reason_and_why_it_asked(fake_api: FakeApi) -> None:
    at = open_approvals()
    pending = at.tabs[0]
    said = [markdown.value for markdown in pending.markdown]
    assert "Tool **`run_command`** on `pytest`" in said
    assert "Reason: The tests must pass before I commit." in said
    assert "Why it asks: the task read untrusted content" in [caption.value for caption in pending.caption]
    assert '"command": "pytest"' in pending.code[0].value


def test_approve_for_the_task_with_edited_arguments(fake_api: FakeApi) -> None:
    at = open_approvals()
    at.checkbox(key="for_task_AP-1").check()
    at.text_area(key="arguments_AP-1").input('{"command": "pytest -q"}')
    at.button(key="approve_AP-1").click().run()
    assert not at.exception
    assert posted(fake_api) == [
        (
            f"{APPROVALS}/AP-1/decision",
            {"decision": "approved", "note": "", "tool": {"scope": "task", "arguments": {"command": "pytest -q"}}},
        )
    ]


def test_arguments_that_are_not_a_json_object_are_not_sent(fake_api: FakeApi) -> None:
    at = open_approvals()
    at.text_area(key="arguments_AP-1").input("pytest -q")
    at.button(key="approve_AP-1").click().run()
    assert posted(fake_api) == []
    assert at.warning[0].value.startswith("Cannot approve AP-1: edited arguments: ")


def test_ticked_approvals_are_approved_at_once(fake_api: FakeApi) -> None:
    at = open_approvals()
    at.button(key="approve_selected").click().run()
    assert posted(fake_api) == [] and at.warning[0].value == "Tick the approvals to decide first"
    for number in (1, 2, 3):
        at.checkbox(key=f"pick_AP-{number}").check()
    at.button(key="approve_selected").click().run()
    assert not at.exception
    assert posted(fake_api) == [(f"{APPROVALS}/decisions", {"ids": ["AP-1", "AP-2", "AP-3"], "decision": "approved"})]
    assert at.success[0].value == "Approved AP-1, AP-2 (not decided: AP-3: approval 'AP-3' is already rejected)"
