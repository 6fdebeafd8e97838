"""Scheduled backups: the system routine's schedule, made by the worker at its start (and again
without harm), removed when backups are off; its run makes an archive on a worker."""

import asyncio
import os
import signal
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError
from temporalio.client import ScheduleActionStartWorkflow
from temporalio.service import RPCError
from temporalio.testing import ActivityEnvironment

from activities.backup import BackupActivities
from paperclip.backup import backup_key, read_manifest
from paperclip.backup.schedule import BACKUP_WORKFLOW, SCHEDULE_ID, BackupInput, ensure_schedule
from paperclip.lifecycle.namespace import namespace_retention
from paperclip.lifecycle.retention import SCHEDULE_ID as PURGE_SCHEDULE_ID
from paperclip.lifecycle.retention import PurgeInput, RetentionKind
from paperclip.settings import Settings
from tests.backup.conftest import REPO, Stack


async def wait_for_archive(folder: Path, timeout: float = 60) -> Path:
    deadline = asyncio.get_running_loop().time() + timeout
    while not (found := sorted(folder.glob("*.enc")) if folder.is_dir() else []):
        assert asyncio.get_running_loop().time() < deadline, f"no archive in {folder} after {timeout}s"
        await asyncio.sleep(0.2)
    return found[0]


async def test_the_schedule_is_made_once_runs_a_backup_and_goes_when_backups_are_off(stack: Stack) -> None:
    settings, client = stack.settings, stack.client
    assert await ensure_schedule(client, settings) == "created"
    assert await ensure_schedule(client, settings) == "updated"  # every start: still one schedule
    handle = client.get_schedule_handle(SCHEDULE_ID)
    described = await handle.describe()
    assert [i.every for i in described.schedule.spec.intervals] == [timedelta(hours=1)]
    action = described.schedule.action
    assert isinstance(action, ScheduleActionStartWorkflow)
    assert action.workflow == BACKUP_WORKFLOW and action.task_queue == settings.task_queue

    await handle.trigger()
    archive = await wait_for_archive(settings.resolved_backup_dir)
    manifest = read_manifest(archive, backup_key(settings))
    assert {f.what for f in manifest.files} == {"store", "temporal"}

    off = settings.model_copy(update={"backup_every": 0})
    assert await ensure_schedule(client, off) == "removed"
    with pytest.raises(RPCError):
        await handle.describe()
    assert await ensure_schedule(client, off) == "off"


async def test_a_worker_with_backups_off_makes_none(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, backup_every=0)
    result = await ActivityEnvironment().run(BackupActivities(settings).create_backup, BackupInput())
    assert result.archive == "" and not (tmp_path / "backups").exists()


async def test_the_worker_process_makes_the_schedule_at_its_start(stack: Stack) -> None:
    settings = stack.settings
    env = {
        **os.environ,
        "PAPERCLIP_HOME": str(settings.home_dir),
        "TEMPORAL_ADDRESS": settings.resolved_temporal_address,
        "PAPERCLIP_TASK_QUEUE": settings.task_queue,
        "PAPERCLIP_BACKUP_EVERY": "6h",
        "PAPERCLIP_TOOL_OUTPUTS_KEEP_DAYS": "7",
        "PAPERCLIP_TEMPORAL_RETENTION_DAYS": "12",
    }
    worker = await asyncio.create_subprocess_exec(sys.executable, "-m", "workers", cwd=REPO, env=env)
    try:
        handle = stack.client.get_schedule_handle(SCHEDULE_ID)
        deadline = asyncio.get_running_loop().time() + 60
        while True:
            try:
                described = await handle.describe()
                break
            except RPCError:
                assert worker.returncode is None, "the worker stopped"
                assert asyncio.get_running_loop().time() < deadline, "no schedule after 60s"
                await asyncio.sleep(0.2)
        assert [i.every for i in described.schedule.spec.intervals] == [timedelta(hours=6)]
        # The daily purge with the worker's retention, and Temporal's retention, made beside it.
        while True:
            try:
                purge = await stack.client.get_schedule_handle(PURGE_SCHEDULE_ID).describe()
                if await namespace_retention(stack.client) == timedelta(days=12):
                    break
            except RPCError:
                pass
            assert asyncio.get_running_loop().time() < deadline, "no purge schedule or retention after 60s"
            await asyncio.sleep(0.2)
        action = purge.schedule.action
        assert isinstance(action, ScheduleActionStartWorkflow)
        [arg] = await stack.client.data_converter.decode(action.args)
        assert PurgeInput.model_validate(arg).keep_days[RetentionKind.TOOL_OUTPUTS] == 7
    finally:
        worker.send_signal(signal.SIGTERM)
        await asyncio.wait_for(worker.wait(), 30)


def test_the_interval_is_a_duration_and_zero_turns_backups_off(tmp_path: Path) -> None:
    assert Settings(home=tmp_path, backup_every="30m").backup_every == 1800
    assert Settings(home=tmp_path, backup_every="0").backup_every == 0
    assert Settings(home=tmp_path).backup_every == 3600 and Settings(home=tmp_path).backup_keep_days == 30
    assert Settings(home=tmp_path).resolved_backup_dir == tmp_path / "backups"
    with pytest.raises(ValidationError, match="not a duration"):
        Settings(home=tmp_path, backup_every="soon")
