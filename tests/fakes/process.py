"""The fake provider server in a process of its own, steered over HTTP.

For benchmarks: in the measuring process it would compete with the worker for the GIL, which a
real, remote provider never does.
"""

import subprocess
import sys
from typing import Any

import httpx


class FakeModelServerProcess:
    """`python -m tests.fakes.model_server` as a child process; a context manager."""

    openai_key = "test-key"
    anthropic_key = "test-key"

    def __init__(self) -> None:
        self._proc: subprocess.Popen[str] | None = None
        self.port = 0

    def __enter__(self) -> "FakeModelServerProcess":
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "tests.fakes.model_server"], stdout=subprocess.PIPE, text=True
        )
        assert self._proc.stdout is not None
        self.port = int(self._proc.stdout.readline())
        return self

    def __exit__(self, *exc: object) -> None:
        if self._proc is not None:
            self._proc.terminate()
            self._proc.wait(timeout=10)

    @property
    def base_url_openai(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def base_url_anthropic(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def set(self, **settings: Any) -> None:
        """Set `latency`, `chunk_delay`, `work_turns` or `cached_input_tokens`."""
        httpx.post(f"http://127.0.0.1:{self.port}/_fake/control", json=settings).raise_for_status()

    def requests(self, start: int = 0) -> list[dict[str, Any]]:
        """The request bodies the server received, from index `start` on."""
        response = httpx.get(f"http://127.0.0.1:{self.port}/_fake/requests", params={"start": start})
        response.raise_for_status()
        return response.json()
