"""Companies' pipeline documents, by name and version, and their runs.

A document is added by its text: a text different from the latest version of its name becomes
the next version, the same text again is that version (adding is idempotent). A run is written
by the run's side whenever its state changes (`record_pipeline_run`): the first write fixes what
it started from (version, digest, inputs, key), later ones its status, spend and state; a
finished run is not made running again by a late write. One run per `Idempotency-Key` and
company: a second run under a taken key is not written, and the first is answered instead.
"""

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from paperclip.models.pipeline_records import PipelineRunRecord, PipelineSummary, PipelineVersion
from paperclip.models.pipelines import PipelineRunState, RunStatus
from paperclip.pipelines import digest as content_digest
from paperclip.store.engine import StoreCore, utc_now
from paperclip.store.tables import pipeline_runs, pipelines

ADD_ATTEMPTS = 5
"""How often adding a version retries when another writer took its number first (PostgreSQL)."""
FIXED_AT_START = ("started_at", "inputs", "idempotency_key", "pipeline", "version", "digest", "started_by")
"""What a run's first write fixes: later writes of the run leave it."""


class PipelineStore(StoreCore):
    """Pipeline documents and runs."""

    def add_pipeline(
        self, company_id: str, name: str, content: str, *, created_by: str = "", now: datetime | None = None
    ) -> tuple[PipelineVersion, bool]:
        """Store `content` as the next version of `name`, unless it is the latest one's content.

        Returns:
            The version that holds `content`, and whether it is new.
        """
        c = pipelines.c
        digest = content_digest(content)
        for _ in range(ADD_ATTEMPTS):
            latest = self.get_pipeline(company_id, name)
            if latest is not None and latest.digest == digest:
                return latest, False
            row = {
                "company_id": company_id,
                "name": name,
                "version": 1 if latest is None else latest.version + 1,
                "content": content,
                "digest": digest,
                "created_at": now or utc_now(),
                "created_by": created_by,
            }
            added = self._insert(pipelines).values(row).on_conflict_do_nothing()
            with self._write() as conn:
                if conn.execute(added.returning(c.version)).first() is not None:
                    return PipelineVersion.model_validate(row), True
        raise RuntimeError(f"pipeline {name}: other writers kept taking the next version; try again")

    def get_pipeline(self, company_id: str, name: str, version: int | None = None) -> PipelineVersion | None:
        """Version `version` of the pipeline (the latest when None), or None."""
        c = pipelines.c
        query = sa.select(pipelines).where(c.company_id == company_id, c.name == name)
        query = query.order_by(c.version.desc()).limit(1) if version is None else query.where(c.version == version)
        with self.engine.connect() as conn:
            row = conn.execute(query).mappings().first()
        return None if row is None else PipelineVersion.model_validate(dict(row))

    def list_pipelines(self, company_id: str) -> list[PipelineSummary]:
        """The company's pipelines by name, each as its latest version with its count of versions."""
        c = pipelines.c
        latest = (
            sa.select(c.name, sa.func.max(c.version).label("version"), sa.func.count().label("versions"))
            .where(c.company_id == company_id)
            .group_by(c.name)
            .subquery()
        )
        query = (
            sa.select(c.name, c.version, c.digest, c.created_at, c.created_by, latest.c.versions)
            .join(latest, sa.and_(c.name == latest.c.name, c.version == latest.c.version))
            .where(c.company_id == company_id)
            .order_by(c.name)
        )
        with self.engine.connect() as conn:
            return [PipelineSummary.model_validate(dict(row)) for row in conn.execute(query).mappings()]

    def record_pipeline_run(
        self,
        state: PipelineRunState,
        *,
        digest: str,
        inputs: dict[str, Any],
        started_at: datetime,
        started_by: str = "board",
        idempotency_key: str | None = None,
        finished_at: datetime | None = None,
    ) -> PipelineRunRecord:
        """Write the run as `state` says (a new run, or the next state of one).

        `finished_at` defaults to now for a run whose status is final. Returns what is stored:
        the run, or — when `idempotency_key` is another run's of the company — that other run,
        unchanged.
        """
        finished = state.status is not RunStatus.RUNNING
        row = {
            "company_id": state.company_id,
            "run_id": state.run_id,
            "pipeline": state.pipeline,
            "version": state.version,
            "digest": digest,
            "status": state.status.value,
            "inputs": inputs,
            "started_by": started_by,
            "started_at": started_at,
            "finished_at": finished_at or (utc_now() if finished else None),
            "tokens": state.tokens,
            "cost_usd": state.cost_usd,
            "idempotency_key": idempotency_key,
            "state": state.model_dump(mode="json"),
        }
        c = pipeline_runs.c
        if idempotency_key is not None:
            other = self._run_with_key(state, idempotency_key)
            if other is not None:
                return other
        try:
            with self._write() as conn:
                self._upsert(
                    conn,
                    pipeline_runs,
                    [row],
                    keys=("company_id", "run_id"),
                    keep=FIXED_AT_START,
                    # a late "running" never reopens a finished run
                    where=lambda new: sa.or_(
                        c.status == RunStatus.RUNNING.value, new.status != RunStatus.RUNNING.value
                    ),
                )
        except sa.exc.IntegrityError:
            # another run took the key between the look and the write
            other = None if idempotency_key is None else self._run_with_key(state, idempotency_key)
            if other is None:
                raise
            return other
        found = self.get_pipeline_run(state.company_id, state.run_id)
        assert found is not None
        return found

    def _run_with_key(self, state: PipelineRunState, key: str) -> PipelineRunRecord | None:
        """Another run of the company that holds `key`."""
        found = self.get_pipeline_run(state.company_id, idempotency_key=key)
        return found if found is not None and found.run_id != state.run_id else None

    def get_pipeline_run(
        self, company_id: str, run_id: str | None = None, *, idempotency_key: str | None = None
    ) -> PipelineRunRecord | None:
        """The run `run_id` of the company, or the one started with `idempotency_key`; None if none."""
        if (run_id is None) == (idempotency_key is None):
            raise ValueError("give run_id or idempotency_key")
        c = pipeline_runs.c
        which = c.run_id == run_id if run_id is not None else c.idempotency_key == idempotency_key
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(pipeline_runs).where(c.company_id == company_id, which)).mappings().first()
        return None if row is None else _run_of(row)

    def list_pipeline_runs(
        self,
        company_id: str,
        *,
        pipeline: str | None = None,
        status: RunStatus | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> tuple[list[PipelineRunRecord], int]:
        """The company's runs (of `pipeline`, in `status`), newest first, and how many there are."""
        c = pipeline_runs.c
        where = [c.company_id == company_id]
        if pipeline is not None:
            where.append(c.pipeline == pipeline)
        if status is not None:
            where.append(c.status == status.value)
        query = sa.select(pipeline_runs).where(*where).order_by(c.started_at.desc(), c.run_id.desc())
        with self.engine.connect() as conn:
            rows = [_run_of(row) for row in conn.execute(query.limit(limit).offset(offset)).mappings()]
            total = conn.execute(sa.select(sa.func.count()).select_from(pipeline_runs).where(*where)).scalar_one()
        return rows, total


def _run_of(row: Any) -> PipelineRunRecord:
    return PipelineRunRecord.model_validate(dict(row))
