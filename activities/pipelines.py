"""The store as a pipeline run's activity: its record, written as it starts and as it ends.

The store's pipeline tables are reached through `PipelineRunStore`, the few methods a run needs;
a store without them (one from before pipelines were kept) keeps no record — the run's own
workflow answers for it while Temporal keeps it.
"""

import asyncio
import logging
from typing import Protocol, runtime_checkable

from temporalio import activity

from paperclip.constants import Activity
from paperclip.models.pipeline_steps import PipelineRecordInput
from paperclip.models.pipelines import PipelineRunInput, PipelineRunState

log = logging.getLogger("paperclip.pipelines")


@runtime_checkable
class PipelineRunStore(Protocol):
    """What a pipeline run needs of the store."""

    def record_pipeline_run(self, state: PipelineRunState, *, run: PipelineRunInput | None = None) -> None:
        """Keep a run as it stands (with `run`, its pinned version, digest and inputs too).
        Idempotent: a repeat keeps the same record."""
        ...


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
        await asyncio.to_thread(self._store.record_pipeline_run, input.state, run=input.run)
