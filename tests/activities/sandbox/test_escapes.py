"""A command the model chose, run by `run_command`, fails to reach anything but its workspace."""

import asyncio
import os
import sys
from pathlib import Path

from activities.tools import RUNNERS
from paperclip.tools.run_command import RunCommandArguments
from tests.activities.sandbox.conftest import BOUND_SECRET, Layout, Recorder, context


async def run_command(layout: Layout, command: str, **fields: object) -> str:
    ctx = context(layout.workspace, layout.home, timeout_seconds=20, **fields)
    output = await RUNNERS["run_command"](ctx, RunCommandArguments(command=command))
    return output.content


async def test_the_command_runs_in_its_workspace_and_writes_there(layout: Layout) -> None:
    out = await run_command(layout, "pwd; echo made > made.txt; cat made.txt; echo $HOME; id -u")
    assert out.splitlines()[:3] == ["exit code 0", str(layout.workspace), "made"]
    assert (layout.workspace / "made.txt").read_text() == "made\n"


async def test_files_outside_the_workspace_are_not_there(layout: Layout) -> None:
    outside = layout.outside
    rel = os.path.relpath(outside, layout.workspace)
    out = await run_command(layout, f"cat {rel}; cat {outside}; ls {outside.parent}; echo x > {outside}")
    assert "outside-secret" not in out
    assert "No such file" in out
    assert outside.read_text() == "outside-secret-5b1e\n"  # and nothing was written over it


async def test_a_symlink_made_inside_leads_nowhere_outside(layout: Layout) -> None:
    out = await run_command(layout, f"ln -s {layout.outside} link; cat link; ln -s / root; ls root/")
    assert "outside-secret" not in out
    assert (layout.workspace / "link").is_symlink()  # it exists, but only the host could follow it
    assert "paperclip-home" not in out and "work" not in out.split()


async def test_paperclip_home_and_other_worktrees_are_not_there(layout: Layout) -> None:
    out = await run_command(
        layout,
        f"cat {layout.home}/secret.key; cat {layout.sibling}/notes.txt; ls .. | sed s/^/LS:/; env; "
        "cat $PAPERCLIP_HOME/secret.key",
    )
    assert "home-secret" not in out and "sibling-secret" not in out
    assert "PAPERCLIP_HOME=" not in out and "LS:ACME-2" not in out
    assert "LS:ACME-1" in out  # its own directory is there, alone


async def test_the_workers_environment_is_not_readable_through_proc(layout: Layout) -> None:
    marker = "worker-secret-e5d1c0"
    stand_in = await asyncio.create_subprocess_exec(
        sys.executable, "-c", "import time; time.sleep(60)", env={"WORKER_TOKEN": marker}
    )
    try:
        environ = Path(f"/proc/{stand_in.pid}/environ").read_bytes()
        assert marker.encode() in environ  # the host can read it: the test can fail
        listing = "cat /proc/*/environ | tr '\\0' '\\n'; env; ls /proc | grep -c '^[0-9]'"
        out = await run_command(layout, listing)
        assert marker not in out
        assert int(out.strip().splitlines()[-1]) < 10  # only the sandbox's own processes are there
    finally:
        stand_in.kill()
        await stand_in.wait()


async def test_loopback_services_are_unreachable(layout: Layout, recorder: Recorder) -> None:
    """The API's or Temporal's port on this machine: no route from the sandbox, with or
    without the egress proxy (which refuses loopback the deployment did not allow)."""
    probe = (
        'python3 -c "import socket,sys\n'
        f"try:\n socket.create_connection(('127.0.0.1', {recorder.port}), timeout=3); print('CONNECTED')\n"
        "except OSError as e: print('refused', e)\""
    )
    assert "CONNECTED" not in await run_command(layout, probe)
    fetch = f"python3 -c \"import urllib.request as u; print(u.urlopen('{recorder.url}/x').read())\" 2>&1 | tail -1"
    out = await run_command(layout, fetch, allow_hosts=[f"127.0.0.1:{recorder.port}"])
    assert "403" in out and "hello" not in out
    assert recorder.headers == []


async def test_a_host_not_allowed_is_refused_by_the_proxy(layout: Layout) -> None:
    fetch = "python3 -c \"import urllib.request as u; u.urlopen('http://example.com/')\" 2>&1 | tail -1"
    out = await run_command(layout, fetch, allow_hosts=["allowed.example"])
    assert "HTTP Error 403" in out


async def test_an_allowed_host_gets_the_bound_credential_the_sandbox_never_sees(
    layout: Layout, recorder: Recorder
) -> None:
    allowed = f"127.0.0.1:{recorder.port}"
    fetch = (
        f"python3 -c \"import urllib.request as u; print(u.urlopen('{recorder.url}/data').read().decode())\"; "
        "env; cat /proc/*/environ | tr '\\0' '\\n'"
    )
    out = await run_command(layout, fetch, allow_hosts=[allowed], private_hosts=[allowed], key_for=recorder.key_for)
    assert "hello from the allowed host" in out
    assert recorder.headers[0]["authorization"] == f"Bearer {BOUND_SECRET}"
    assert BOUND_SECRET not in out


async def test_no_network_at_all_without_allowed_hosts(layout: Layout) -> None:
    out = await run_command(
        layout,
        "python3 -c \"import socket\ntry: socket.create_connection(('1.1.1.1', 80), timeout=3); print('CONNECTED')\n"
        "except OSError as e: print('unreachable', e.errno)\"",
    )
    assert "unreachable" in out
