"""The approvals page, run with AppTest against a real HTTP server that answers like the API: pending
and decided approvals, and the board's decisions with their notes and the API's refusals."""

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from streamlit.testing.v1 import AppTest

from api.schemas import ApprovalList
from paperclip.models import AgentSpec, Approval, ApprovalKind, ApprovalStatus
from tests.cli.fake_api import FakeApi, company_json
from tests.ui.helpers import APP, dashboard_api
from ui.rows import SIMULATED_LABEL

APPROVALS = "/api/companies/acme/approvals"
AT = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)

STRATEGY = Approval(
    id="AP-1",
    request_id="ACME-1:3",
    kind=ApprovalKind.STRATEGY,
    title="Plan for the launch",
    details="Build the robot, then sell it.",
    requested_by="ceo",
    task="ACME-1",
    created_at=AT,
)
HIRE = Approval(
    id="AP-2",
    request_id="ACME-1:4",
    kind=ApprovalKind.HIRE_AGENT,
    title="Hire a designer",
    requested_by="cto",
    task="ACME-1",
    agent=AgentSpec(name="designer", role="designer", title="Designer", reports_to="cto"),
    created_at=AT,
)
OVERRIDE = Approval(
    id="AP-3",
    request_id="budget:cto:2026-01",
    kind=ApprovalKind.BUDGET_OVERRIDE,
    title="cto has spent its monthly budget: raise it or keep it paused",
    requested_by="system",
    created_at=AT,
)
DONE = Approval(
    id="AP-0",
    request_id="ACME-0:1",
    kind=ApprovalKind.BOARD,
    title="May I email the customer?",
    requested_by="cmo",
    task="ACME-0",
    status=ApprovalStatus.REJECTED,
    note="Not yet",
    decided_by="board",
    created_at=AT,
    decided_at=AT,
)


@pytest.fixture
def fake_api(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeApi]:
    every = [STRATEGY, HIRE, OVERRIDE, DONE]
    approved = STRATEGY.model_copy(update={"status": ApprovalStatus.APPROVED, "note": "Go", "decided_by": "board"})
    refusal = {
        "error": {
            "code": "invalid_input",
            "message": "raise the budget (set_budget) to resume, or reject to keep it paused",
            "details": None,
        }
    }
    fake = FakeApi(
        routes={
            "GET /api/companies": (200, {"data": [company_json()], "count": 1}),
            f"GET {APPROVALS}": (200, ApprovalList(data=every, count=4, total=4).model_dump(mode="json")),
            f"POST {APPROVALS}/AP-1/decision": (200, approved.model_dump(mode="json")),
            f"POST {APPROVALS}/AP-3/decision": (400, refusal),
        }
    )
    with dashboard_api(fake, monkeypatch) as api:
        yield api


def open_approvals() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    at.switch_page("app_pages/approvals.py").run()
    assert not at.exception
    return at


def decisions(fake: FakeApi) -> list[tuple[str, object]]:
    return [(path, body) for method, path, body in fake.received if method == "POST"]


def test_shows_pending_approvals_with_who_asked_which_task_and_the_decided_ones(fake_api: FakeApi) -> None:
    at = open_approvals()
    pending, decided = at.tabs
    assert (pending.label, decided.label) == ("Pending (3)", "Decided (1)")
    cards = [markdown.value for markdown in pending.markdown]
    assert "**AP-1** · `strategy` · **Plan for the launch**" in cards
    assert "Build the robot, then sell it." in cards
    assert any("**designer**" in card and SIMULATED_LABEL in card for card in cards)  # the hire's model, labelled
    asked = next(caption for caption in pending.caption if caption.value.startswith("asked by ceo "))
    assert asked.value == "asked by ceo on 2026-01-05"  # long ago: its date; lately: `3 min ago`
    assert asked.help == "Asked 2026-01-05 09:30:00 UTC"
    links = [(link.proto.label, link.proto.query_string) for link in pending.get("page_link")]
    assert ("Task ACME-1", "company=acme&task=ACME-1") in links
    for key in ("approve_AP-1", "reject_AP-1", "revise_AP-1", "note_AP-1", "approve_AP-3"):
        assert at.get_by_key(key) is not None
    row = decided.dataframe[0].value.iloc[0]
    assert (row["id"], row["decision"], row["note"], row["asked by"], row["task"]) == (
        "AP-0",
        "rejected",
        "Not yet",
        "cmo",
        "ACME-0",
    )


def test_approving_posts_the_decision_with_the_note(fake_api: FakeApi) -> None:
    at = open_approvals()
    at.text_area(key="note_AP-1").input("Go")
    at.button(key="approve_AP-1").click().run()
    assert not at.exception
    assert decisions(fake_api) == [(f"{APPROVALS}/AP-1/decision", {"decision": "approved", "note": "Go"})]
    assert at.success[0].value == "AP-1 approved: Plan for the launch"


def test_request_revision_and_reject_send_their_decisions(fake_api: FakeApi) -> None:
    at = open_approvals()
    at.button(key="revise_AP-1").click().run()
    at.button(key="reject_AP-1").click().run()
    assert [body for _, body in decisions(fake_api)] == [
        {"decision": "revision_requested", "note": ""},
        {"decision": "rejected", "note": ""},
    ]


def test_a_refused_decision_is_a_readable_message(fake_api: FakeApi) -> None:
    at = open_approvals()
    at.button(key="approve_AP-3").click().run()
    assert not at.exception
    assert at.error[0].value == (
        "Cannot approve AP-3: raise the budget (set_budget) to resume, or reject to keep it paused (400 invalid_input)"
    )
