"""A CLI turn names the queue of the worker host it ran on — in its result, in every heartbeat and
in a failure's details — so the task sends the agent's later turns (and a retry) back to the host
that holds the session and the workspace."""

from pathlib import Path
from typing import Any

import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.cli.activity import CliActivities
from paperclip.constants import cli_queue
from paperclip.models import Adapter
from tests.activities.cli_helpers import fake_cli, script, turn
from tests.activities.conftest import FakeStore

__all__ = ["fake_cli"]  # a fixture

HOST_QUEUE = cli_queue("paperclip", "host-a")


def on(tmp_path: Path, host_queue: str | None) -> CliActivities:
    return CliActivities(FakeStore(), home=tmp_path / "home", sandbox=False, host_queue=host_queue)


def beating() -> tuple[ActivityEnvironment, list[dict[str, Any]]]:
    env, beats = ActivityEnvironment(), []
    env.on_heartbeat = lambda *details: beats.append(details[0])
    return env, beats


async def test_a_turn_names_its_hosts_queue_in_its_result_and_heartbeats(fake_cli: Path, tmp_path: Path) -> None:
    script(fake_cli, "slow")  # events 0.3 s apart: the runner heartbeats meanwhile
    env, beats = beating()
    result = await env.run(on(tmp_path, HOST_QUEUE).cli_turn, turn(Adapter.CLAUDE_LOCAL))
    assert result.host_queue == HOST_QUEUE == "paperclip-cli@host-a"
    assert beats and all(b["queue"] == HOST_QUEUE for b in beats)


async def test_a_failed_turn_names_its_session_and_hosts_queue(fake_cli: Path, tmp_path: Path) -> None:
    script(fake_cli, "crash")
    with pytest.raises(ApplicationError) as failed:
        await ActivityEnvironment().run(on(tmp_path, HOST_QUEUE).cli_turn, turn(Adapter.CLAUDE_LOCAL))
    details = failed.value.details[0]
    assert details["session_id"].startswith("claude") and details["queue"] == HOST_QUEUE


async def test_a_worker_without_a_host_queue_names_none(fake_cli: Path, tmp_path: Path) -> None:
    script(fake_cli, "slow")
    env, beats = beating()
    result = await env.run(on(tmp_path, None).cli_turn, turn(Adapter.CLAUDE_LOCAL))
    assert result.host_queue is None  # the task's later turns then run on any host
    assert beats and not any("queue" in b for b in beats)
