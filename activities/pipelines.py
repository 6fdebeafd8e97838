"""The store as a pipeline run's activity: its record, written as it starts and as it ends.

The store's pipeline tables are reached through `PipelineRunStore`, the few methods a run needs;
a store without them (one from before pipelines were kept) keeps no record — the run's own
workflow answers for it while Temporal keeps it.
"""

import asyncio
import logging
from datetime import UTC, datetime
from typing import Any, Protocol, runtime_checkable

from temporalio import activity

from paperclip.constants import Activity
from paperclip.models.pipeline_records import PipelineRunRecord
from paperclip.models.pipeline_steps import PipelineRecordInput
from paperclip.models.pipelines import PipelineRunInput, PipelineRunState

log = logging.getLogger("paperclip.pipelines")


@runtime_checkable
class PipelineRunStore(Protocol):
    """What a pipeline run needs of the store (`paperclip.store.pipelines.PipelineStore`)."""

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
    ) -> Any:
        """Keep a run as it stands; its first write fixes its version, digest, inputs and start."""
        ...

    def get_pipeline_run(
        self, company_id: str, run_id: str | None = None, *, idempotency_key: str | None = None
    ) -> PipelineRunRecord | None: ...


class PipelineActivities:
    """Register `record_pipeline_run` on a worker.

    Args:
        store: where runs are kept; None keeps none (logged once per run).
    """

    def __init__(self, store: PipelineRunStore | None) -> None:
        self._store = store

    @activity.defn(name=Activity.RECORD_PIPELINE_RUN)
    async def record_pipeline_run(self, input: PipelineRecordInput) -> None:
        """Write the run's record. Idempotent, so safe to retry."""
        if self._store is None:
            if input.run is not None:
                log.warning(
                    "run %s of %s is not kept: the store has no pipeline runs", input.state.run_id, input.state.pipeline
                )
            return
        await asyncio.to_thread(self._write, self._store, input.state, input.run)

    @staticmethod
    def _write(store: PipelineRunStore, state: PipelineRunState, run: PipelineRunInput | None) -> None:
        """The first write pins what the run started from; a later one (the run's end) carries
        only its state, the pinned fields read back from the record."""
        if run is not None:
            digest, inputs, started_by = run.digest, run.inputs, run.started_by
            started_at = run.started_at or state.started_at or datetime.now(UTC)
        else:
            kept = store.get_pipeline_run(state.company_id, state.run_id)
            digest, inputs = (kept.digest, kept.inputs) if kept is not None else ("", {})
            started_by = kept.started_by if kept is not None else "board"
            started_at = kept.started_at if kept is not None else state.started_at or datetime.now(UTC)
        store.record_pipeline_run(
            state,
            digest=digest,
            inputs=inputs,
            started_at=started_at,
            started_by=started_by,
            finished_at=state.finished_at,
        )
