"""The board shows the waiting edge: a queued task's blockers on its card and in the task table,
and why a task blocked before it started."""

from datetime import UTC, datetime

from paperclip.models import TaskRecord, TaskStatus
from ui.board import card_notes
from ui.rows import task_rows

AT = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def record(identifier: str, **fields: object) -> TaskRecord:
    values = {"company_id": "acme", "identifier": identifier, "title": "t", "assignee": "cto"} | fields
    return TaskRecord.model_validate(values | {"created_at": AT, "updated_at": AT})


def test_a_queued_task_with_blockers_says_what_it_waits_on() -> None:
    waiting = record("ACME-3", blocked_by=["ACME-1", "ACME-2"])
    assert card_notes(waiting) == "⧗ waiting on ACME-1, ACME-2"
    [row] = task_rows([waiting], company_id="acme", temporal_ui_url="http://t")
    assert row["status"] == "queued (waiting on ACME-1, ACME-2)"
    # Once it runs, its blockers are done: nothing to wait on is shown.
    assert card_notes(waiting.model_copy(update={"status": TaskStatus.RUNNING})) == ""


def test_a_task_blocked_before_it_started_says_why() -> None:
    blocked = record(
        "ACME-3", status=TaskStatus.BLOCKED, blocked_by=["ACME-1"], blocked_reason="its blocker ACME-1 failed"
    )
    assert card_notes(blocked) == "⛔ blocked: its blocker ACME-1 failed"
    [row] = task_rows([blocked], company_id="acme", temporal_ui_url="http://t")
    assert row["status"] == "blocked (its blocker ACME-1 failed)"
