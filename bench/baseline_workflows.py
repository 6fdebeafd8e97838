"""The floor for the fan-out benchmark: bare Temporal child workflows of one activity each,
with none of the product's work (no store, no signals, no model call)."""

import asyncio
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
