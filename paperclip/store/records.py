"""What a company keeps of itself: its spec, its task records, its approvals' details and its
activity log.

The company workflow writes them in batches (`record`, from the `record` activity); the API
and the dashboard read them. A task record here is the last one the company sent: a late
retry of an earlier batch cannot roll it back.
"""

from collections.abc import Collection
from types import EllipsisType
from typing import Any

import sqlalchemy as sa

from paperclip.models import (
    ActivityEntry,
    ApprovalRecord,
    CompanySpec,
    RecordInput,
    TaskRecord,
    TaskStatus,
    Unconfirmed,
)
from paperclip.store.engine import StoreCore, utc_now
from paperclip.store.ledger import usage_columns, usage_of
from paperclip.store.revisions import REVISION_KEYS, revision_row
from paperclip.store.tables import activity_log, agent_revisions, approvals, companies, tasks

TASK_KEYS = ("company_id", "identifier")
"""What identifies a task record."""
_TRANSIENT = {"usage", "unconfirmed", "retry", "held"}
"""Task fields kept in columns of their own (usage, unconfirmed) or not kept (what the running
company says of a task now: its retry, its hold)."""


class RecordStore(StoreCore):
    """Companies, task records, approvals' details and the activity log."""

    def record(self, batch: RecordInput) -> None:
        """Append activity entries (a repeated id is ignored), upsert task records, keep new
        approvals' details and agents' new revisions.

        A task record older (`updated_at`) than the one kept is ignored, so a late retry of an
        earlier batch cannot roll a task back. A task in `batch.texts_kept` keeps the brief
        written before, and its result too unless the record brings one. An approval's first
        write stays (its details never change). Idempotent.
        """
        entries = list({entry.id: entry for entry in batch.activity}.values())
        records = list({(t.company_id, t.identifier): t for t in batch.tasks}.values())
        kept = set(batch.texts_kept)
        # Three writes at most: whole records, records without their brief, and without either text.
        groups: dict[tuple[str, ...], list[TaskRecord]] = {}
        for record in records:
            if record.identifier not in kept:
                keep: tuple[str, ...] = ("created_at",)
            else:
                keep = ("created_at", "brief") if record.result is not None else ("created_at", "brief", "result")
            groups.setdefault(keep, []).append(record)
        with self._write() as conn:
            if entries:
                stmt = self._insert(activity_log).on_conflict_do_nothing(index_elements=["id"])
                conn.execute(stmt, [activity_row(entry) for entry in entries])
            if batch.approvals:
                stmt = self._insert(approvals).on_conflict_do_nothing(index_elements=["company_id", "id"])
                conn.execute(stmt, [approval_row(approval) for approval in batch.approvals])
            if batch.revisions:
                stmt = self._insert(agent_revisions).on_conflict_do_nothing(index_elements=list(REVISION_KEYS))
                conn.execute(stmt, [revision_row(revision) for revision in batch.revisions])
            for keep, group in groups.items():
                self._upsert(
                    conn,
                    tasks,
                    [task_row(record) for record in group],
                    keys=TASK_KEYS,
                    keep=keep,
                    where=lambda proposed: tasks.c.updated_at <= proposed.updated_at,
                )

    def approval_details(self, company_id: str, ids: Collection[str]) -> dict[str, str]:
        """The details kept of the company's approvals with these `ids`, by id (those the store
        has: an approval is written with the company's next record batch)."""
        if not ids:
            return {}
        c = approvals.c
        query = sa.select(c.id, c.details).where(c.company_id == company_id, c.id.in_(sorted(ids)))
        with self.engine.connect() as conn:
            return {row.id: row.details for row in conn.execute(query)}

    def list_activity(
        self,
        company_id: str,
        *,
        after: int = 0,
        before: int | None = None,
        limit: int = 100,
        kind: str | None = None,
        actor: str | None = None,
        agent: str | None = None,
        task: str | None = None,
        newest_first: bool = False,
    ) -> list[tuple[int, ActivityEntry]]:
        """Activity entries with a cursor greater than `after` (and less than `before`), as
        (cursor, entry), oldest first (newest first with `newest_first`).

        Args:
            kind: only this kind (`task.created`), or a family with a trailing `.*` (`task.*`).
            actor: only entries by this actor (`board`, `system`, an agent, `routine:<name>`).
            agent: only entries about this agent.
            task: only entries about this task.
        """
        c = activity_log.c
        query = sa.select(activity_log).where(c.company_id == company_id, c.seq > after)
        if before is not None:
            query = query.where(c.seq < before)
        if kind is not None:
            family = kind.endswith(".*")
            query = query.where(c.kind.startswith(kind[:-1], autoescape=True) if family else c.kind == kind)
        for column, value in ((c.actor, actor), (c.agent, agent), (c.task, task)):
            if value is not None:
                query = query.where(column == value)
        query = query.order_by(c.seq.desc() if newest_first else c.seq).limit(limit)
        with self.engine.connect() as conn:
            return [(row["seq"], activity_of(row)) for row in conn.execute(query).mappings()]

    def upsert_company(self, spec: CompanySpec) -> None:
        """Create the company or update its spec (its `created_at` stays)."""
        row = {
            "id": spec.id,
            "name": spec.name,
            "mission": spec.mission,
            "prefix": spec.prefix,
            "created_at": utc_now(),
            "spec": spec.model_dump(mode="json"),
        }
        with self._write() as conn:
            self._upsert(conn, companies, [row], keys=("id",), keep=("created_at",))

    def list_companies(self) -> list[CompanySpec]:
        """Every company, oldest first."""
        query = sa.select(companies.c.spec).order_by(companies.c.created_at, companies.c.id)
        with self.engine.connect() as conn:
            return [CompanySpec.model_validate(spec) for spec in conn.execute(query).scalars()]

    def get_company(self, company_id: str) -> CompanySpec | None:
        query = sa.select(companies.c.spec).where(companies.c.id == company_id)
        with self.engine.connect() as conn:
            spec = conn.execute(query).scalar_one_or_none()
        return None if spec is None else CompanySpec.model_validate(spec)

    def list_tasks(
        self,
        company_id: str,
        *,
        status: TaskStatus | None = None,
        assignee: str | None = None,
        parent: str | None | EllipsisType = ...,
        limit: int = 100,
        offset: int = 0,
    ) -> list[TaskRecord]:
        """The company's tasks, oldest first.

        Args:
            status: only tasks with this status.
            assignee: only tasks of this agent.
            parent: `...` (default) any task; `None` only top-level tasks; an identifier only
                that task's subtasks.
        """
        query = sa.select(tasks).where(tasks.c.company_id == company_id)
        if status is not None:
            query = query.where(tasks.c.status == TaskStatus(status).value)
        if assignee is not None:
            query = query.where(tasks.c.assignee == assignee)
        if parent is None:
            query = query.where(tasks.c.parent.is_(None))
        elif not isinstance(parent, EllipsisType):
            query = query.where(tasks.c.parent == parent)
        query = query.order_by(tasks.c.created_at, tasks.c.identifier).limit(limit).offset(offset)
        with self.engine.connect() as conn:
            return [task_of(row) for row in conn.execute(query).mappings()]

    def get_task(self, company_id: str, identifier: str) -> TaskRecord | None:
        query = sa.select(tasks).where(tasks.c.company_id == company_id, tasks.c.identifier == identifier)
        with self.engine.connect() as conn:
            row = conn.execute(query).mappings().one_or_none()
        return None if row is None else task_of(row)


# ---------------------------------------------------------------------- rows ⇄ models


def activity_row(entry: ActivityEntry) -> dict[str, Any]:
    """An activity entry as a row of `activity_log` (its cursor is the database's)."""
    return entry.model_dump(mode="python") | {"data": entry.model_dump(mode="json")["data"]}


def activity_of(row: Any) -> ActivityEntry:
    """An activity entry as a row of `activity_log` keeps it."""
    return ActivityEntry.model_validate({key: row[key] for key in ActivityEntry.model_fields})


def approval_row(approval: ApprovalRecord) -> dict[str, Any]:
    """An approval's details as a row of `approvals`."""
    agent = None if approval.agent is None else approval.agent.model_dump(mode="json")
    return approval.model_dump(mode="python", exclude={"agent"}) | {"agent": agent}


def task_row(record: TaskRecord) -> dict[str, Any]:
    """A task record as a row of `tasks`."""
    row = record.model_dump(mode="python", exclude=_TRANSIENT)
    unconfirmed = {
        "unconfirmed_attempts": record.unconfirmed.attempts,
        "unconfirmed_tokens": record.unconfirmed.tokens,
        "unconfirmed_usd": record.unconfirmed.usd,
    }
    return (
        row
        | {"priority": record.priority.value, "status": record.status.value}
        | usage_columns(record.usage)
        | unconfirmed
    )


def task_of(row: Any) -> TaskRecord:
    """A task record as a row of `tasks` keeps it."""
    fields = {key: row[key] for key in TaskRecord.model_fields if key not in _TRANSIENT}
    fields |= {key: row[key] or [] for key in ("blocked_by", "inputs")}  # rows from before 0025: none
    unconfirmed = Unconfirmed(
        attempts=row["unconfirmed_attempts"], tokens=row["unconfirmed_tokens"], usd=row["unconfirmed_usd"]
    )
    extra = {"usage": usage_of(row), "unconfirmed": unconfirmed, "labels": row["labels"] or []}
    return TaskRecord.model_validate(fields | extra)
