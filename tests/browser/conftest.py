"""The whole product on free ports (`paperclip up --demo`: the Temporal dev server, a worker, the
API and the dashboard) and a real headless Chromium (Debian's) driven by Playwright."""

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from paperclip import board
from tests.cli.fake_api import free_port

CHROMIUM = os.environ.get("PAPERCLIP_TEST_CHROMIUM", "/usr/bin/chromium")
"""The browser the tests drive; Playwright downloads none."""
SCREENSHOTS = Path(__file__).parents[2] / "docs" / "screenshots"
READY_SECONDS = 120


@dataclass
class Stack:
    api: str
    dashboard: str
    home: Path

    @property
    def board(self) -> dict[str, str]:
        """The board's headers: the token `paperclip up` made in the home (the dashboard reads it too)."""
        token = board.read_token(self.home)
        assert token is not None, "paperclip up made no board token"
        return {"Authorization": f"Bearer {token}"}

    def wait_for(self, path: str, done, timeout: float = 60) -> object:
        """GET `path` from the API until `done(json)` holds; the last answer."""
        deadline = time.monotonic() + timeout
        while True:
            body = httpx.get(f"{self.api}{path}", headers=self.board, timeout=10).json()
            if done(body):
                return body
            assert time.monotonic() < deadline, f"{path} never got there: {body}"
            time.sleep(0.5)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    home = tmp_path_factory.mktemp("stack")
    ports = {name: free_port() for name in ("TEMPORAL_PORT", "TEMPORAL_UI_PORT", "API_PORT", "UI_PORT")}
    unset = ("TEMPORAL_ADDRESS", "PAPERCLIP_API_URL", "PAPERCLIP_API_KEY")
    env = {k: v for k, v in os.environ.items() if k not in unset}
    env |= {f"PAPERCLIP_{name}": str(port) for name, port in ports.items()}
    env |= {"PAPERCLIP_HOME": str(home), "OPENAI_API_KEY": "", "ANTHROPIC_API_KEY": ""}
    log = home / "up.out"
    with log.open("w") as out:
        up = subprocess.Popen(
            [sys.executable, "-m", "cli", "up", "--demo"], env=env, stdout=out, stderr=subprocess.STDOUT
        )
        try:
            deadline = time.monotonic() + READY_SECONDS
            while "Press Ctrl-C" not in log.read_text():
                assert up.poll() is None, log.read_text()
                assert time.monotonic() < deadline, f"not ready in {READY_SECONDS}s: {log.read_text()}"
                time.sleep(0.2)
            yield Stack(
                api=f"http://127.0.0.1:{ports['API_PORT']}",
                dashboard=f"http://127.0.0.1:{ports['UI_PORT']}",
                home=home,
            )
        finally:
            up.send_signal(signal.SIGTERM)
            up.wait(timeout=60)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
        pytest.fail(f"no Chromium at {CHROMIUM}: install Debian's chromium package (scripts/test does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        try:
            yield browser
        finally:
            browser.close()
