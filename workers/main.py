"""Worker processes: which task queue runs which workflows and activities.

One `paperclip worker` polls all queues: workflows and store writes on `paperclip`, model calls
on `paperclip-llm` (its slots are the provider concurrency).
"""

import asyncio
import logging
import signal
from collections.abc import Sequence

from temporalio.client import Client
from temporalio.worker import Worker

from activities.model_turn import ModelActivities
from activities.store import StoreActivities
from activities.templates import agent_from_template
from paperclip.constants import TASK_QUEUE, llm_queue
from paperclip.settings import Settings
from paperclip.store import Store
from paperclip.temporal import connect
from workflows.company import CompanyWorkflow
from workflows.routine import RoutineWorkflow
from workflows.task import TaskWorkflow

log = logging.getLogger("paperclip.worker")

WORKFLOWS: Sequence[type] = (CompanyWorkflow, TaskWorkflow, RoutineWorkflow)


def build_workers(
    client: Client,
    store: Store,
    *,
    task_queue: str = TASK_QUEUE,
    max_concurrent_model_calls: int = 100,
    model: ModelActivities | None = None,
) -> list[Worker]:
    """The workers of one process: workflows + store writes, and model calls.

    Args:
        task_queue: the workflow queue; the model queue is derived from it (`…-llm`).
        max_concurrent_model_calls: slots for model calls (they mostly wait on the network).
        model: the model activities, when the caller closes their provider clients itself.
    """
    model = model or ModelActivities(store)
    record = StoreActivities(store)
    return [
        Worker(
            client,
            task_queue=task_queue,
            workflows=list(WORKFLOWS),
            activities=[record.record, agent_from_template],
        ),
        Worker(
            client,
            task_queue=llm_queue(task_queue),
            activities=[model.model_turn],
            max_concurrent_activities=max_concurrent_model_calls,
        ),
    ]


async def run_workers(workers: Sequence[Worker]) -> None:
    """Run workers until cancelled; on cancellation shut them down gracefully."""
    await asyncio.gather(*(w.run() for w in workers))


async def run_worker(settings: Settings) -> None:
    """The `paperclip worker` process: runs until SIGINT/SIGTERM, then shuts down cleanly."""
    client = await connect(settings)
    store = Store.from_settings(settings)
    store.migrate()
    model = ModelActivities(store)
    workers = build_workers(
        client,
        store,
        task_queue=settings.task_queue,
        max_concurrent_model_calls=settings.model_concurrency,
        model=model,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    running = asyncio.ensure_future(run_workers(workers))
    log.info(
        "worker polling %s and %s at %s",
        settings.task_queue,
        llm_queue(settings.task_queue),
        settings.resolved_temporal_address,
    )
    await asyncio.wait([running, asyncio.ensure_future(stop.wait())], return_when=asyncio.FIRST_COMPLETED)
    await asyncio.gather(*(w.shutdown() for w in workers), return_exceptions=True)
    await model.aclose()
    if running.done() and running.exception():
        raise running.exception()  # type: ignore[misc]
