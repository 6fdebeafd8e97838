"""The daily purge on a real Temporal: the system routine's schedule made (and again without harm),
removed when everything is kept forever; its run purges the store on a worker. And Temporal's own
retention, set on the namespace as the settings say."""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from temporalio.client import ScheduleActionStartWorkflow
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from paperclip.lifecycle.namespace import ensure_namespace_retention, namespace_retention
from paperclip.lifecycle.retention import (
    PURGE_WORKFLOW,
    SCHEDULE_ID,
    PurgeInput,
    RetentionKind,
    ensure_purge_schedule,
)
from paperclip.settings import Settings
from paperclip.store import Store
from paperclip.store.tables import activity_log
from tests.lifecycle.rows import insert
from workers.main import build_workers

DEFAULTS = {
    RetentionKind.CONVERSATIONS: 365,
    RetentionKind.TOOL_OUTPUTS: 90,
    RetentionKind.ACTIVITY: 365,
    RetentionKind.ATTACHMENTS: 0,  # forever
}


@pytest.fixture
async def running(dev_env: WorkflowEnvironment, tmp_path: Path) -> AsyncIterator[tuple[Settings, Store]]:
    """Settings of a queue of the test's own, its store, and the real workers polling it."""
    settings = Settings(home=tmp_path, task_queue=f"purge-{tmp_path.name}", temporal_address="unused:1")
    store = Store.from_settings(settings)
    store.migrate()
    workers = build_workers(dev_env.client, store, task_queue=settings.task_queue, settings=settings)
    runs = [asyncio.ensure_future(w.run()) for w in workers]
    yield settings, store
    await asyncio.gather(*(w.shutdown() for w in workers))
    await asyncio.gather(*runs, return_exceptions=True)
    store.dispose()


def entries(store: Store) -> list[str]:
    with store.engine.connect() as conn:
        return sorted(conn.execute(sa.select(activity_log.c.id)).scalars())


async def test_the_schedule_is_made_once_runs_the_purge_and_goes_when_everything_is_kept(
    dev_env: WorkflowEnvironment, running: tuple[Settings, Store]
) -> None:
    settings, store = running
    client = dev_env.client
    now = datetime.now(UTC)
    insert(store, activity_log, "acme", id="a-old", at=now - timedelta(days=400))
    insert(store, activity_log, "acme", id="a-new", at=now - timedelta(days=2))
    with contextlib.suppress(RPCError):  # one a worker process of another test made on this server
        await client.get_schedule_handle(SCHEDULE_ID).delete()
    assert await ensure_purge_schedule(client, settings) == "created"
    assert await ensure_purge_schedule(client, settings) == "updated"  # every start: still one schedule
    handle = client.get_schedule_handle(SCHEDULE_ID)
    described = await handle.describe()
    assert [i.every for i in described.schedule.spec.intervals] == [timedelta(days=1)]
    action = described.schedule.action
    assert isinstance(action, ScheduleActionStartWorkflow)
    assert action.workflow == PURGE_WORKFLOW and action.task_queue == settings.task_queue
    [arg] = await client.data_converter.decode(action.args)
    assert PurgeInput.model_validate(arg).keep_days == DEFAULTS

    await handle.trigger()
    while not (actions := (await handle.describe()).info.recent_actions):
        await asyncio.sleep(0.1)
    result = await client.get_workflow_handle(actions[0].action.workflow_id).result()
    assert result["purged"] == {"conversations": 0, "tool_outputs": 0, "activity": 1}
    assert entries(store) == ["a-new"]

    forever = settings.model_copy(update={"conversations_keep_days": 0, "tool_outputs_keep_days": 0})
    assert await ensure_purge_schedule(client, forever) == "updated"  # the activity log still goes
    kept = forever.model_copy(update={"activity_keep_days": 0})
    assert await ensure_purge_schedule(client, kept) == "removed"
    with pytest.raises(RPCError):
        await handle.describe()
    assert await ensure_purge_schedule(client, kept) == "off"


async def test_the_namespace_gets_the_settings_retention(dev_env: WorkflowEnvironment, tmp_path: Path) -> None:
    client = dev_env.client
    before = await namespace_retention(client)
    assert await ensure_namespace_retention(client, Settings(home=tmp_path, temporal_retention_days=0)) == "off"
    assert await namespace_retention(client) == before
    settings = Settings(home=tmp_path, temporal_retention_days=9)
    assert await ensure_namespace_retention(client, settings) == "set"
    assert await namespace_retention(client) == timedelta(days=9)
    assert await ensure_namespace_retention(client, settings) == "kept"
    assert await ensure_namespace_retention(client, Settings(home=tmp_path)) == "set"
    assert await namespace_retention(client) == timedelta(days=30)  # the default


def test_the_retention_settings_are_days_and_refuse_a_negative(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAPERCLIP_CONVERSATIONS_KEEP_DAYS", "0")
    monkeypatch.setenv("PAPERCLIP_TOOL_OUTPUTS_KEEP_DAYS", "7")
    settings = Settings(home=tmp_path)
    assert (settings.conversations_keep_days, settings.tool_outputs_keep_days) == (0, 7)
    assert (settings.activity_keep_days, settings.temporal_retention_days) == (365, 30)
    monkeypatch.setenv("PAPERCLIP_ACTIVITY_KEEP_DAYS", "-1")
    with pytest.raises(ValueError, match="activity_keep_days"):
        Settings(home=tmp_path)
