"""The floors for the fan-out benchmarks: bare Temporal child workflows of one activity each, and
bare workflows a client starts, with none of the product's work (no store, no signals, no model
call); and the sequential step's floor, a workflow of no-op activities."""

import asyncio
import time
import uuid
from datetime import timedelta

from temporalio import activity, workflow
from temporalio.client import Client
from temporalio.worker import Worker
from temporalio.workflow import ParentClosePolicy


@activity.defn
async def wait(seconds: float) -> None:
    await asyncio.sleep(seconds)


@workflow.defn
class BareChild:
    @workflow.run
    async def run(self, seconds: float) -> None:
        await workflow.execute_activity(
            wait, seconds, task_queue=workflow.info().task_queue + "-llm", start_to_close_timeout=timedelta(minutes=1)
        )


@workflow.defn
class BareParent:
    @workflow.run
    async def run(self, count: int, seconds: float) -> None:
        children = await asyncio.gather(
            *(
                workflow.start_child_workflow(
                    BareChild.run,
                    seconds,
                    id=f"{workflow.info().workflow_id}-{i}",
                    parent_close_policy=ParentClosePolicy.ABANDON,
                )
                for i in range(count)
            )
        )
        await asyncio.gather(*children)


@activity.defn
async def step() -> float:
    """A no-op activity that says when it ran."""
    return time.time()


@workflow.defn
class Steps:
    """`n` no-op activities one after another: the sequential step's floor."""

    @workflow.run
    async def run(self, n: int) -> list[float]:
        return [await workflow.execute_activity(step, start_to_close_timeout=timedelta(seconds=30)) for _ in range(n)]


async def direct_fanout(client: Client, n: int, latency: float) -> tuple[float, float]:
    """The server's own floor: `n` bare workflows of one `latency` s activity started by a client,
    no parent, on an in-process worker. Seconds until all are started, and until all are done."""
    queue = f"direct-{uuid.uuid4().hex}"
    async with (
        Worker(client, task_queue=queue, workflows=[BareChild]),
        Worker(client, task_queue=queue + "-llm", activities=[wait], max_concurrent_activities=n),
    ):
        start = time.perf_counter()
        handles = await asyncio.gather(
            *(client.start_workflow(BareChild.run, latency, id=f"{queue}-{i}", task_queue=queue) for i in range(n))
        )
        started = time.perf_counter() - start
        await asyncio.gather(*(h.result() for h in handles))
        return started, time.perf_counter() - start
