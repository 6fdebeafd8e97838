from datetime import timedelta

import sqlalchemy as sa

from paperclip.models import AgentSpec, ApprovalRecord, CompanySpec, Priority, RecordInput, TaskStatus, Usage
from paperclip.store import Store
from paperclip.store.tables import approvals
from tests.store.factories import T0, activity_entry, task_record


def test_record_ignores_a_repeated_activity_id(store: Store) -> None:
    batch = RecordInput(activity=[activity_entry("a1"), activity_entry("a2"), activity_entry("a1")])
    store.record(batch)
    store.record(batch)

    assert [entry.id for _, entry in store.list_activity("acme")] == ["a1", "a2"]


def test_record_upserts_task_records(store: Store) -> None:
    store.record(RecordInput(tasks=[task_record("ACME-1"), task_record("ACME-2")]))
    done = task_record(
        "ACME-1",
        status=TaskStatus.DONE,
        result="Shipped",
        turns=3,
        usage=Usage(input_tokens=10, output_tokens=5, cached_input_tokens=2),
        cost_usd=0.5,
        updated_at=T0 + timedelta(minutes=5),
    )
    store.record(RecordInput(tasks=[done]))
    store.record(RecordInput(tasks=[done]))

    assert store.get_task("acme", "ACME-1") == done
    assert len(store.list_tasks("acme")) == 2


def test_a_stale_task_record_does_not_roll_a_task_back(store: Store) -> None:
    newer = task_record("ACME-1", status=TaskStatus.RUNNING, updated_at=T0 + timedelta(minutes=1))
    store.record(RecordInput(tasks=[newer]))
    store.record(RecordInput(tasks=[task_record("ACME-1")]))

    assert store.get_task("acme", "ACME-1") == newer


def test_the_last_record_of_a_task_in_one_batch_wins(store: Store) -> None:
    last = task_record("ACME-1", status=TaskStatus.RUNNING)
    store.record(RecordInput(tasks=[task_record("ACME-1"), last]))

    assert store.get_task("acme", "ACME-1") == last


def test_record_keeps_the_first_write_of_each_approvals_details(store: Store) -> None:
    asked = ApprovalRecord(company_id="acme", id="AP-1", request_id="r1", details="terms " * 20_000)
    hire = ApprovalRecord(company_id="acme", id="AP-2", request_id="r2", agent=AgentSpec(name="cto"))
    other = ApprovalRecord(company_id="other", id="AP-1", request_id="r1", details="elsewhere")
    store.record(RecordInput(approvals=[asked, hire, other]))
    # A retried batch, or one sent without the details: the first write stays.
    store.record(RecordInput(approvals=[asked.model_copy(update={"details": ""})]))

    assert store.approval_details("acme", ["AP-1", "AP-2", "AP-9"]) == {"AP-1": "terms " * 20_000, "AP-2": ""}
    assert store.approval_details("other", {"AP-1"}) == {"AP-1": "elsewhere"}
    assert store.approval_details("acme", []) == {}
    with store.engine.connect() as conn:
        query = sa.select(approvals.c.id, approvals.c.agent).where(approvals.c.company_id == "acme")
        agents = {row.id: row.agent for row in conn.execute(query)}
    assert agents == {"AP-1": None, "AP-2": AgentSpec(name="cto").model_dump(mode="json")}


def test_list_tasks_filters(store: Store) -> None:
    store.record(
        RecordInput(
            tasks=[
                task_record("ACME-1", status=TaskStatus.BLOCKED, priority=Priority.HIGH),
                task_record(
                    "ACME-1.1",
                    assignee="cto",
                    parent="ACME-1",
                    status=TaskStatus.RUNNING,
                    created_at=T0 + timedelta(seconds=1),
                ),
                task_record(
                    "ACME-1.2",
                    assignee="cmo",
                    parent="ACME-1",
                    status=TaskStatus.DONE,
                    created_at=T0 + timedelta(seconds=2),
                ),
                task_record("ACME-2", status=TaskStatus.QUEUED, created_at=T0 + timedelta(seconds=3)),
                task_record("GLO-1", company_id="globex"),
            ]
        )
    )

    def ids(**filters: object) -> list[str]:
        return [t.identifier for t in store.list_tasks("acme", **filters)]  # type: ignore[arg-type]

    assert ids() == ["ACME-1", "ACME-1.1", "ACME-1.2", "ACME-2"]
    assert ids(status=TaskStatus.RUNNING) == ["ACME-1.1"]
    assert ids(assignee="ceo") == ["ACME-1", "ACME-2"]
    assert ids(parent=None) == ["ACME-1", "ACME-2"]
    assert ids(parent="ACME-1") == ["ACME-1.1", "ACME-1.2"]
    assert ids(parent="ACME-1", status=TaskStatus.DONE) == ["ACME-1.2"]
    assert ids(limit=2, offset=1) == ["ACME-1.1", "ACME-1.2"]
    assert store.get_task("acme", "ACME-1").priority is Priority.HIGH  # type: ignore[union-attr]
    assert store.get_task("acme", "GLO-1") is None


def test_activity_cursor_pages_through_one_company(store: Store) -> None:
    store.record(RecordInput(activity=[activity_entry(f"a{i}", minutes=i) for i in range(5)]))
    store.record(RecordInput(activity=[activity_entry("g1", company_id="globex")]))
    store.record(RecordInput(activity=[activity_entry("a5", minutes=5, task="ACME-1", data={"n": [1, 2]})]))

    first = store.list_activity("acme", limit=2)
    assert [entry.id for _, entry in first] == ["a0", "a1"]
    rest = store.list_activity("acme", after=first[-1][0])
    assert [entry.id for _, entry in rest] == ["a2", "a3", "a4", "a5"]
    cursors = [cursor for cursor, _ in first + rest]
    assert cursors == sorted(cursors)
    assert store.list_activity("acme", after=cursors[-1]) == []
    assert rest[-1][1] == activity_entry("a5", minutes=5, task="ACME-1", data={"n": [1, 2]})


def test_companies_are_upserted_by_id(store: Store) -> None:
    acme = CompanySpec(id="acme", name="Acme", mission="Make things", prefix="ACME")
    store.upsert_company(acme)
    store.upsert_company(CompanySpec(id="globex", name="Globex", prefix="GLO"))
    renamed = acme.model_copy(update={"name": "Acme Corp"})
    store.upsert_company(renamed)

    assert store.get_company("acme") == renamed
    assert [c.id for c in store.list_companies()] == ["acme", "globex"]
    assert store.get_company("initech") is None
