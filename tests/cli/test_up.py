"""`paperclip up --demo` end to end: the real stack on free ports, the demo task done, SIGTERM stops all;
the board token made (0600) before the stack starts, used by the CLI on the same home with no key,
and in no process's environment nor any log."""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from paperclip import board
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


def environ(pid: int) -> bytes:
    return (Path("/proc") / str(pid) / "environ").read_bytes()


def test_up_demo_runs_the_demo_task_to_done_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    ports = {name: free_port() for name in ("TEMPORAL_PORT", "TEMPORAL_UI_PORT", "API_PORT", "UI_PORT")}
    unset = ("TEMPORAL_ADDRESS", "PAPERCLIP_API_URL", "PAPERCLIP_API_KEY", "PAPERCLIP_TASK_TOKEN")
    env = {k: v for k, v in os.environ.items() if k not in unset}
    env |= {f"PAPERCLIP_{name}": str(port) for name, port in ports.items()}
    env |= {"PAPERCLIP_HOME": str(tmp_path), "OPENAI_API_KEY": "", "ANTHROPIC_API_KEY": ""}
    out = (tmp_path / "up.out").open("w")
    up = subprocess.Popen([sys.executable, "-m", "cli", "up", "--demo"], env=env, stdout=out, stderr=subprocess.STDOUT)
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

        # The board token is in the home, for its owner only, and in no process's environment.
        token = board.read_token(tmp_path)
        assert token is not None and (tmp_path / "board.token").stat().st_mode & 0o777 == 0o600
        for pid in [up.pid, *pids, *(grandchild for child in pids for grandchild in children_of(child))]:
            assert token.encode() not in environ(pid), pid
        # Without it the API refuses this machine; the CLI on the same home sends it with no key set.
        assert httpx.get(f"{api}/api/companies").status_code == 401
        listed = subprocess.run(
            [sys.executable, "-m", "cli", "company", "list"], env=env, capture_output=True, text=True
        )
        assert listed.returncode == 0 and "acme" in listed.stdout, listed.stdout + listed.stderr
        assert token not in listed.stdout + listed.stderr

        status = None
        while time.monotonic() < deadline and status != "done":
            tasks = httpx.get(f"{api}/api/companies/acme/tasks", headers={"Authorization": f"Bearer {token}"})
            status = next(t["status"] for t in tasks.json()["data"] if t["identifier"] == "ACME-1")
            time.sleep(0.5)
        assert status == "done"
        # The dev server's file runs in WAL mode (journal_mode is kept in the file itself).
        with sqlite3.connect(tmp_path / "temporal.db") as db:
            assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    finally:
        up.send_signal(signal.SIGTERM)
        code = up.wait(timeout=60)
        out.close()
    assert code == 0, (tmp_path / "up.out").read_text()
    assert not [pid for pid in pids if alive(pid)]
    assert "Fatal Python error" not in (tmp_path / "logs" / "worker.log").read_text()
    for log in [tmp_path / "up.out", *(tmp_path / "logs").iterdir()]:
        assert token not in log.read_text(errors="replace"), log
