"""Run a README command block as a newcomer would: in bash, on a fresh `paperclip up`.

A block is the first fenced `bash` block under a README heading. It runs with `bash -e`, in a
home of its own (`~` is the test's folder, so `~/repos` is too), with the project's `paperclip`
first on the PATH and the stack's ports free ones. Its `paperclip up` line ("in another
terminal") starts the real stack in the background with the variables the line sets and waits
until it is ready; the stack is stopped with SIGTERM when the block ends, as Ctrl-C would.
"""

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from paperclip import board
from tests.cli.fake_api import free_port

README = Path(__file__).resolve().parents[2] / "README.md"
# `VAR=value … paperclip up [--demo]   # comment`: the line that starts the stack.
UP_LINE = re.compile(r"^((?:[A-Z_]+=\S+\s+)*)paperclip up\b([^#]*)(#.*)?$")

PRELUDE = r"""
set -eo pipefail
ready() {  # wait for `paperclip up` to print that it is ready, or fail with its output
  for _ in $(seq 600); do
    grep -q "Press Ctrl-C" "$UP_LOG" && return 0
    kill -0 "$(cat "$UP_PID")" 2>/dev/null || { cat "$UP_LOG" >&2; return 1; }
    sleep 0.2
  done
  cat "$UP_LOG" >&2; return 1
}
"""


def block(heading: str) -> str:
    """The first ```bash block under `## heading` (or any level) of the README."""
    text = README.read_text()
    start = re.search(rf"^#+ {re.escape(heading)}\s*$", text, re.MULTILINE)
    assert start, f"no heading {heading!r} in the README"
    fence = re.compile(r"^```bash\n(.*?)^```", re.MULTILINE | re.DOTALL).search(text, start.end())
    assert fence, f"no bash block under {heading!r}"
    return fence.group(1)


def script(text: str) -> str:
    """The block with its `paperclip up` line made a background start and a wait."""
    lines = []
    for line in text.splitlines():
        up = UP_LINE.match(line.strip())
        if up:
            assignments, arguments = up.group(1).strip(), up.group(2).strip()
            start = f'(cd ~ && exec env {assignments} paperclip up {arguments} > "$UP_LOG" 2>&1) &'
            lines.append(f'{start} echo $! > "$UP_PID"; ready')
        else:
            lines.append(line)
    return PRELUDE + "\n".join(lines) + "\n"


@dataclass
class Ran:
    code: int
    output: str
    home: Path
    api: str
    """The stack's API, still up while the `ran` block is open."""
    dashboard: str
    up_log: Path

    @property
    def board(self) -> dict[str, str]:
        """The board's credential (the token `paperclip up` made in the home)."""
        return {"Authorization": f"Bearer {board.read_token(self.home / '.paperclip')}"}


@contextmanager
def ran(heading: str, home: Path, *, timeout: float = 600) -> Iterator[Ran]:
    """Run the block under `heading` with `home` as `~`; the stack it started stays up until the
    `with` ends, for the test to look at."""
    home.mkdir(parents=True, exist_ok=True)
    up_log, up_pid = home / "up.log", home / "up.pid"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PAPERCLIP_", "TEMPORAL_"))}
    env |= {"OPENAI_API_KEY": "", "ANTHROPIC_API_KEY": "", "COLUMNS": "200"}
    ports = {p: free_port() for p in ("TEMPORAL", "TEMPORAL_UI", "API", "UI")}
    env |= {f"PAPERCLIP_{p}_PORT": str(port) for p, port in ports.items()}
    env |= {
        "HOME": str(home),
        "PAPERCLIP_HOME": str(home / ".paperclip"),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
        "UP_LOG": str(up_log),
        "UP_PID": str(up_pid),
        "GIT_AUTHOR_NAME": "Owner",
        "GIT_AUTHOR_EMAIL": "owner@example.com",
        "GIT_COMMITTER_NAME": "Owner",
        "GIT_COMMITTER_EMAIL": "owner@example.com",
    }
    try:
        done = subprocess.run(
            ["bash", "-c", script(block(heading))], cwd=home, env=env, capture_output=True, text=True, timeout=timeout
        )
        yield Ran(
            done.returncode,
            done.stdout + done.stderr,
            home,
            api=f"http://127.0.0.1:{ports['API']}",
            dashboard=f"http://127.0.0.1:{ports['UI']}",
            up_log=up_log,
        )
    finally:
        if up_pid.exists():
            stop(int(up_pid.read_text()))


def run(heading: str, home: Path, *, timeout: float = 600) -> Ran:
    """Run the block under `heading` and stop the stack it started."""
    with ran(heading, home, timeout=timeout) as result:
        return result


def stop(pid: int) -> None:
    """SIGTERM to the `paperclip up` this block started, and wait for it (it stops its children)."""
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    for _ in range(600):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
