"""`import_plan` on a document built by hand: carried tasks keep their project, labels and
dependencies under the new prefix; an edge to a task left out, and a lead left out, are dropped
with a note; projects and their caps come whole, with nothing reserved."""

from datetime import UTC, datetime
from typing import Any

from paperclip.export import CompanyExport, import_plan, problems
from paperclip.models import CompanySpec

AT = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def task(n: int, status: str, **fields: Any) -> dict[str, Any]:
    return {
        "company_id": "acme",
        "identifier": f"ACME-{n}",
        "title": f"Task {n}",
        "assignee": "ceo",
        "status": status,
        "created_at": AT,
        "updated_at": AT,
    } | fields


def document() -> CompanyExport:
    return CompanyExport.model_validate(
        {
            "format": "paperclip-company",
            "version": 1,
            "exported_at": AT,
            "company": {"id": "acme", "name": "Acme", "prefix": "ACME"},
            "agents": [
                {"spec": {"name": "ceo", "role": "ceo"}, "status": "idle"},
                {"spec": {"name": "cto", "role": "cto", "reports_to": "ceo"}, "status": "pending_approval"},
            ],
            "goals": [
                {
                    "id": "G1",
                    "title": "Orbit",
                    "level": "company",
                    "status": "active",
                    "created_at": AT,
                    "updated_at": AT,
                }
            ],
            "projects": [
                {"key": "ENG", "name": "Engine", "lead": "cto", "goals": ["G1"], "created_at": AT, "updated_at": AT}
            ],
            "caps": [
                {"scope": "project:ENG", "cap": {"usd": 5}, "spend": {"usd": 1.5, "reserved_usd": 0.25}},
            ],
            "labels": [{"name": "bug", "colour": "#ff0000", "created_at": AT}],
            "tasks": [
                task(1, "done", project="ENG", labels=["bug"]),
                task(2, "done", project="ENG", blocked_by=["ACME-1"], inputs=["ACME-1"]),
                task(3, "queued"),
                task(4, "cancelled", blocked_by=["ACME-3", "ACME-1"], inputs=["ACME-3"]),
            ],
        }
    )


def test_carried_tasks_keep_their_links_renamed_and_edges_to_tasks_left_out_are_dropped() -> None:
    doc = document()
    assert problems(doc) == []
    spec = CompanySpec(id="rock", name="Rock", prefix="ROCK")
    plan = import_plan(doc, spec, actor="board", now=AT)
    records = {r.identifier: r for r in plan.records}
    assert sorted(records) == ["ROCK-1", "ROCK-2", "ROCK-4"]
    assert (records["ROCK-1"].project, records["ROCK-1"].labels) == ("ENG", ["bug"])
    assert (records["ROCK-2"].blocked_by, records["ROCK-2"].inputs) == (["ROCK-1"], ["ROCK-1"])
    assert (records["ROCK-4"].blocked_by, records["ROCK-4"].inputs) == (["ROCK-1"], [])
    assert "dependencies on tasks not imported were dropped: ACME-3" in plan.notes
    assert plan.state.projects["ENG"].lead is None and plan.state.projects["ENG"].goals == ["G1"]
    assert "project ENG is imported without its lead cto, who is not imported" in plan.notes
    cap = plan.state.caps["project:ENG"]
    assert (cap.cap.usd, cap.spend.usd, cap.spend.reserved_usd) == (5, 1.5, 0.0)
    assert [label.name for label in plan.labels] == ["bug"]
