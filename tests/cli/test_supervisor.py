"""The supervisor starts children in their own groups and leaves none behind."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli import app
from cli.supervisor import PortCheck, PortInUse, check_ports
from paperclip.settings import get_settings
from tests.cli.fake_api import free_port

SCRIPT = Path(__file__).with_name("supervised.py")


def start(tmp_path: Path, mode: str) -> tuple[subprocess.Popen[str], list[int]]:
    process = subprocess.Popen(
        [sys.executable, str(SCRIPT), str(tmp_path / "logs"), mode],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).parents[2],
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    assert line.startswith("PIDS"), line + process.stderr.read() if process.stderr else ""
    return process, [int(pid) for pid in line.split()[1:]]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_sigterm_stops_every_child_and_exits_0(tmp_path: Path) -> None:
    process, pids = start(tmp_path, "sleep")
    assert len(pids) == 2 and all(alive(pid) for pid in pids)
    assert all(os.getpgid(pid) == pid for pid in pids)  # each child leads its own group
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=15) == 0
    assert not any(alive(pid) for pid in pids)


def test_sigint_stops_a_child_that_ignores_sigterm(tmp_path: Path) -> None:
    process, pids = start(tmp_path, "stubborn")
    time.sleep(0.3)  # let the stubborn child install its handler
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=15) == 0
    assert not any(alive(pid) for pid in pids)


def test_a_dying_child_is_named_with_its_log_and_the_rest_stop(tmp_path: Path) -> None:
    process, pids = start(tmp_path, "die")
    assert process.wait(timeout=15) == 1
    assert process.stderr is not None
    error = process.stderr.read()
    assert "second exited unexpectedly (code 3)" in error
    assert "about to fail" in error
    assert not any(alive(pid) for pid in pids)


def test_a_taken_port_names_the_setting_that_moves_it() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        with pytest.raises(PortInUse, match=f"^port {port} is in use: set PAPERCLIP_API_PORT to another port$"):
            check_ports([PortCheck("127.0.0.1", port, "PAPERCLIP_API_PORT")])


def test_up_with_a_taken_port_is_one_line_and_exit_1(monkeypatch: pytest.MonkeyPatch) -> None:
    for setting in ("TEMPORAL_PORT", "TEMPORAL_UI_PORT", "UI_PORT"):
        monkeypatch.setenv(f"PAPERCLIP_{setting}", str(free_port()))
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        monkeypatch.setenv("PAPERCLIP_API_PORT", str(port))
        get_settings.cache_clear()
        result = CliRunner().invoke(app, ["up"])
    assert result.exit_code == 1
    assert result.output.strip() == f"error: port {port} is in use: set PAPERCLIP_API_PORT to another port"
