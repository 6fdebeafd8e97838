"""Record one run of a system schedule (the backup's, the purge's): started by its schedule on a
dev server, its activity run by the real workers on an embedded home."""

import asyncio
import tempfile
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from paperclip.binaries import temporal_cli
from paperclip.devserver import dynamic_config_args
from paperclip.settings import Settings
from paperclip.store import Store
from tests.histories.stage import settled
from workers.main import build_workers

HERE = Path(__file__).parent


async def record_system_run(
    path: Path,
    schedule_id: str,
    ensure: Callable[[Client, Settings], Awaitable[object]],
    prepare: Callable[[Store], None] = lambda store: None,
) -> None:
    """Trigger the schedule `ensure` makes once, and write its run's history to `path`."""
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=temporal_cli(),
        data_converter=pydantic_data_converter,
        dev_server_extra_args=dynamic_config_args(),
    )
    with tempfile.TemporaryDirectory() as folder:
        queue = f"record-{uuid.uuid4().hex}"
        settings = Settings.model_validate({"home": folder, "task_queue": queue, "temporal_address": "unused:1"})
        store = Store.from_settings(settings)
        store.migrate()
        prepare(store)
        workers = build_workers(env.client, store, task_queue=queue, settings=settings)
        runs = [asyncio.ensure_future(w.run()) for w in workers]
        await ensure(env.client, settings)
        schedule = env.client.get_schedule_handle(schedule_id)
        await schedule.trigger()
        while not (actions := (await schedule.describe()).info.recent_actions):
            await asyncio.sleep(0.1)
        run = env.client.get_workflow_handle(actions[0].action.workflow_id)
        await run.result()
        await settled(run)
        path.write_text((await run.fetch_history()).to_json())
        await schedule.delete()
        await asyncio.gather(*(w.shutdown() for w in workers))
        await asyncio.gather(*runs, return_exceptions=True)
        store.dispose()
    await env.shutdown()
