"""The embedded Temporal dev server: its command line and a wait until it answers."""

import asyncio
import time

from paperclip.binaries import temporal_cli
from paperclip.constants import SEARCH_ATTRIBUTES
from paperclip.settings import Settings
from paperclip.temporal import connect

DYNAMIC_CONFIG: dict[str, int] = {
    # The history service reads a shard's transfer queue at most this many times a second (default
    # 20), so every activity and workflow task could wait up to 50 ms before reaching matching:
    # ~100 ms an agent turn. Measured on 2 cores: 100 → 20 ms a sequential 10 ms activity step.
    "history.transferProcessorMaxPollRPS": 10_000,
}
"""Dynamic config for the dev server (a cluster sets the same in its dynamic config file)."""

SQLITE_PRAGMAS: dict[str, str] = {
    # A write-ahead log: a commit appends to the log instead of rewriting pages through a rollback
    # journal, and readers do not block the writer.
    "journal_mode": "wal",
    # With WAL, fsync at checkpoints rather than at every commit. Nothing committed is lost when
    # a process crashes; a power loss or an OS crash may lose the last commits (never corrupts).
    "synchronous": "normal",
}
"""SQLite settings for the dev server's file (`bench/devserver_sqlite.py` measures each)."""


def dynamic_config_args() -> list[str]:
    """`--dynamic-config-value` arguments for `DYNAMIC_CONFIG`."""
    args: list[str] = []
    for key, value in DYNAMIC_CONFIG.items():
        args += ["--dynamic-config-value", f"{key}={value}"]
    return args


def dev_server_command(settings: Settings) -> list[str]:
    """The `temporal server start-dev` command line for the embedded stack.

    State persists in `$PAPERCLIP_HOME/temporal.db`; everything binds to `settings.host`;
    the custom search attributes are registered; the Web UI fetches no news from outside.
    """
    command = [
        temporal_cli(),
        "server",
        "start-dev",
        "--db-filename",
        str(settings.home_dir / "temporal.db"),
        "--ip",
        settings.host,
        "--port",
        str(settings.temporal_port),
        "--ui-port",
        str(settings.temporal_ui_port),
        "--namespace",
        settings.temporal_namespace,
        "--ui-disable-news-fetch",
        "--log-level",
        "warn",
        *dynamic_config_args(),
    ]
    for pragma, value in SQLITE_PRAGMAS.items():
        command += ["--sqlite-pragma", f"{pragma}={value}"]
    for key in SEARCH_ATTRIBUTES:
        command += ["--search-attribute", f"{key.name}=Keyword"]
    if settings.payload_key:  # the Web UI shows sealed payloads opened by the API
        command += ["--ui-codec-endpoint", f"{settings.resolved_api_url}/api/codec"]
    return command


async def wait_until_ready(settings: Settings, *, timeout: float = 30.0) -> None:
    """Return once the configured Temporal server answers a client; `TimeoutError` after `timeout` s."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            client = await asyncio.wait_for(connect(settings), timeout=5)
            await client.service_client.check_health()
            return
        except Exception as error:  # noqa: BLE001 - any failure means "not yet"
            last_error = error
            await asyncio.sleep(0.2)
    raise TimeoutError(
        f"Temporal at {settings.resolved_temporal_address} did not answer within {timeout:.0f}s: {last_error}"
    )


def temporal_answers(settings: Settings, *, timeout: float = 5.0) -> bool:
    """One bounded attempt: does the configured Temporal server answer a client now?"""
    try:
        asyncio.run(wait_until_ready(settings, timeout=timeout))
    except TimeoutError:
        return False
    return True
