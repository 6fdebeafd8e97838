"""The floor for the fan-out benchmark: bare Temporal child workflows of one activity each,
with none of the product's work (no store, no signals, no model call)."""

import asyncio
import time
from datetime import timedelta

from temporalio import activity, workflow
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
