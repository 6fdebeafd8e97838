"""`paperclip up --demo` end to end: the real stack on free ports, the demo task done, SIGTERM stops all."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.cli.fake_api import free_port

pytest.importorskip("api.app")
pytest.importorskip("workers.main")


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def test_up_demo_runs_the_demo_task_to_done_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    ports = {name: free_port() for name in ("TEMPORAL_PORT", "TEMPORAL_UI_PORT", "API_PORT", "UI_PORT")}
    env = {k: v for k, v in os.environ.items() if k not in ("TEMPORAL_ADDRESS", "PAPERCLIP_API_URL")}
    env |= {f"PAPERCLIP_{name}": str(port) for name, port in ports.items()}
    env |= {"PAPERCLIP_HOME": str(tmp_path), "OPENAI_API_KEY": "", "ANTHROPIC_API_KEY": ""}
    out = (tmp_path / "up.out").open("w")
    up = subprocess.Popen(
        [sys.executable, "-m", "paperclip.cli", "up", "--demo"], env=env, stdout=out, stderr=subprocess.STDOUT
    )
    api = f"http://127.0.0.1:{ports['API_PORT']}"
    try:
        deadline = time.monotonic() + 90
        while "Press Ctrl-C" not in (tmp_path / "up.out").read_text():
            assert up.poll() is None, (tmp_path / "up.out").read_text()
            assert time.monotonic() < deadline, "not ready in 90s"
            time.sleep(0.2)
        printed = (tmp_path / "up.out").read_text()
        assert "Assigned ACME-1 to ceo" in printed
        assert "offline simulated model" in printed
        pids = children_of(up.pid)
        assert len(pids) == 4

        status = None
        while time.monotonic() < deadline and status != "done":
            tasks = httpx.get(f"{api}/api/companies/acme/tasks").json()["data"]
            status = next(t["status"] for t in tasks if t["identifier"] == "ACME-1")
            time.sleep(0.5)
        assert status == "done"
    finally:
        up.send_signal(signal.SIGTERM)
        code = up.wait(timeout=60)
        out.close()
    assert code == 0, (tmp_path / "up.out").read_text()
    assert not [pid for pid in pids if alive(pid)]
    assert "Fatal Python error" not in (tmp_path / "logs" / "worker.log").read_text()
