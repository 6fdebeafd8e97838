"""Record `<version>-purge-run.json`: one daily purge (`PurgeWorkflow`), started by the
`paperclip-purge` schedule on a dev server, its activity run by the real workers on a store with
an expired activity entry (`python -m tests.histories.record_purge v20`)."""

import asyncio
import sys
import tempfile
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from paperclip.binaries import temporal_cli
from paperclip.devserver import dynamic_config_args
from paperclip.lifecycle.retention import SCHEDULE_ID, ensure_purge_schedule
from paperclip.settings import Settings
from paperclip.store import Store
from paperclip.store.tables import activity_log
from tests.histories.stage import settled
from tests.lifecycle.rows import insert
from workers.main import build_workers

HERE = Path(__file__).parent


async def record(version: str) -> None:
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
        insert(store, activity_log, "acme", id="a-old", at=datetime.now(UTC) - timedelta(days=400))
        workers = build_workers(env.client, store, task_queue=queue, settings=settings)
        runs = [asyncio.ensure_future(w.run()) for w in workers]
        await ensure_purge_schedule(env.client, settings)
        schedule = env.client.get_schedule_handle(SCHEDULE_ID)
        await schedule.trigger()
        while not (actions := (await schedule.describe()).info.recent_actions):
            await asyncio.sleep(0.1)
        run = env.client.get_workflow_handle(actions[0].action.workflow_id)
        await run.result()
        await settled(run)
        (HERE / f"{version}-purge-run.json").write_text((await run.fetch_history()).to_json())
        await schedule.delete()
        await asyncio.gather(*(w.shutdown() for w in workers))
        await asyncio.gather(*runs, return_exceptions=True)
        store.dispose()
    await env.shutdown()


if __name__ == "__main__":
    asyncio.run(record(sys.argv[1] if len(sys.argv) > 1 else "v20"))
