"""`python -m workers` (what `paperclip worker` runs): a worker polling every Paperclip task queue
until SIGINT/SIGTERM, with one readable line and a non-zero exit for what stops it from starting
(a bad `PAPERCLIP_*` setting: 2; Temporal not answering: 1)."""

import asyncio
import os
import sys

from paperclip.devserver import wait_until_ready
from paperclip.settings import bad_settings_exit, get_settings
from workers.main import run_worker

READY_SECONDS = 10
"""How long the worker waits for Temporal to answer before it gives up."""


def main() -> None:
    with bad_settings_exit():
        settings = get_settings()
    try:
        asyncio.run(wait_until_ready(settings, timeout=READY_SECONDS))
    except TimeoutError:
        print(
            f"error: Temporal at {settings.resolved_temporal_address} does not answer: "
            "start it (`paperclip up`) or set TEMPORAL_ADDRESS",
            file=sys.stderr,
        )
        sys.exit(1)
    try:
        asyncio.run(run_worker(settings))
    except KeyboardInterrupt:
        pass
    # The workers have shut down cleanly. Skip interpreter teardown: the SDK's Rust runtime
    # threads can abort it ("PyGILState_Release … finalizing", temporalio/sdk-python#300).
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
