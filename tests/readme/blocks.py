"""Run a README command block as a newcomer would: in bash, on a fresh `paperclip up`.

A block is a fenced `bash` block of the README, named by the heading above it and its number
under that heading (`Goals and approvals #2`). It runs with `bash -e`, in a home of its own (`~`
is the test's folder, so `~/repos` is too), with the project's `paperclip` first on the PATH and
the stack's ports free ones. A newcomer's steps that the test stands in for are rewritten, each
for a reason:

- `paperclip up` ("in another terminal") starts the real stack in the background with the
  variables the line sets and waits until it is ready; the stack is stopped with SIGTERM when the
  session ends, as Ctrl-C would;
- `pip install -e .` is left out: the test runs in the installed checkout (installing again
  would point the shared environment at the test's home);
- a line marked `# terminal 2` runs in the background from the checkout, and the block goes on
  once it has printed its first line; it is stopped with the stack;
- the README's default ports (the API's 8000, the fake GitHub's 9876) become the free ones;
- a file the README shows (a fenced block whose first line is `# path/of/file.yaml`) is in the
  home, saved as the reader would.
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

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
# `VAR=value … paperclip up [--demo]   # comment`: the line that starts the stack.
UP_LINE = re.compile(r"^((?:[A-Z_]+=\S+\s+)*)paperclip up\b([^#]*)(#.*)?$")
# `pip install -e .` alone or before `&&`: the checkout is installed already.
PIP_LINE = re.compile(r"^pip install -e \.\s*(&&\s*)?")
# A process the README runs in a second terminal: `command   # terminal 2, …`.
TERMINAL_2 = re.compile(r"^([^#]+?)\s*#\s*terminal 2\b")
# The README's default ports, each replaced by the stack's free one.
PORTS = {"8000": "PAPERCLIP_API_PORT", "9876": "FAKE_GITHUB_PORT"}
PORT = re.compile(r"(localhost:|127\.0\.0\.1:|--port )(8000|9876)\b")

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
started() {  # wait for the second terminal's process ($1) to print a line, or fail with its output
  for _ in $(seq 300); do
    [ -s "$1.log" ] && { head -1 "$1.log"; return 0; }
    kill -0 "$2" 2>/dev/null || { cat "$1.log" >&2; return 1; }
    sleep 0.1
  done
  cat "$1.log" >&2; return 1
}
"""


@dataclass(frozen=True)
class Block:
    """One ```bash block of the README."""

    heading: str
    number: int
    """Its place among the blocks under its heading, from 1."""
    line: int
    text: str

    @property
    def id(self) -> str:
        return f"{self.heading} #{self.number}"

    @property
    def starts_stack(self) -> bool:
        return any(UP_LINE.match(PIP_LINE.sub("", line.strip())) for line in self.text.splitlines())


def blocks() -> list[Block]:
    """Every ```bash block of the README, in order, each under the nearest heading above it."""
    found: list[Block] = []
    heading, start = "", 0
    fence: str | None = None
    lines: list[str] = []
    for number, line in enumerate(README.read_text().splitlines(), 1):
        if fence is None and (title := re.match(r"^#+ (.*\S)\s*$", line)):
            heading = title.group(1)
        elif fence is None and line.startswith("```"):
            fence, start, lines = line[3:].strip(), number, []
        elif fence is not None and line.startswith("```"):
            if fence == "bash":
                under = sum(b.heading == heading for b in found) + 1
                found.append(Block(heading, under, start, "\n".join(lines) + "\n"))
            fence = None
        elif fence is not None:
            lines.append(line)
    return found


def files() -> dict[str, str]:
    """The files the README shows, by path: each non-`bash` fenced block that opens with `# PATH`."""
    fence = re.compile(r"^```(\w+)\n# ([\w./-]+\.\w+)\n(.*?)^```", re.MULTILINE | re.DOTALL)
    return {m.group(2): m.group(3) for m in fence.finditer(README.read_text()) if m.group(1) != "bash"}


def block(heading: str) -> str:
    """The first ```bash block under `## heading` (or any level) of the README."""
    text = README.read_text()
    start = re.search(rf"^#+ {re.escape(heading)}\s*$", text, re.MULTILINE)
    assert start, f"no heading {heading!r} in the README"
    fence = re.compile(r"^```bash\n(.*?)^```", re.MULTILINE | re.DOTALL).search(text, start.end())
    assert fence, f"no bash block under {heading!r}"
    return fence.group(1)


def script(text: str) -> str:
    """The block with the newcomer's steps the test stands in for rewritten (see the module)."""
    lines = []
    for line in text.splitlines():
        line = PORT.sub(lambda m: f"{m.group(1)}${{{PORTS[m.group(2)]}}}", line)
        line = PIP_LINE.sub("", line)
        up = UP_LINE.match(line.strip())
        second = TERMINAL_2.match(line)
        if up:
            assignments, arguments = up.group(1).strip(), up.group(2).strip()
            start = f'(cd ~ && exec env {assignments} paperclip up {arguments} > "$UP_LOG" 2>&1) &'
            lines.append(f'{start} echo $! > "$UP_PID"; ready')
        elif second:
            log = f"$HOME/terminal-2-{len(lines)}"
            start = f'(cd "$CHECKOUT" && exec {second.group(1)} > "{log}.log" 2>&1) &'
            lines.append(f'{start} echo $! >> "$HOME/background.pids"; started "{log}" $!')
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


class Session:
    """A home with its free ports, where blocks run one after another on the stack the first
    started (a block's variables and `cd` do not carry over, as in a new terminal's tab)."""

    def __init__(self, home: Path) -> None:
        home.mkdir(parents=True, exist_ok=True)
        for path, text in files().items():
            (home / path).parent.mkdir(parents=True, exist_ok=True)
            (home / path).write_text(text)
        self.home = home
        self.up_log, self.up_pid = home / "up.log", home / "up.pid"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PAPERCLIP_", "TEMPORAL_"))}
        env |= {"OPENAI_API_KEY": "", "ANTHROPIC_API_KEY": "", "COLUMNS": "200"}
        self.ports = {p: free_port() for p in ("TEMPORAL", "TEMPORAL_UI", "API", "UI")}
        env |= {f"PAPERCLIP_{p}_PORT": str(port) for p, port in self.ports.items()}
        env["FAKE_GITHUB_PORT"] = str(free_port())
        self.env = env | {
            "HOME": str(home),
            "PAPERCLIP_HOME": str(home / ".paperclip"),
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
            "PYTHONPATH": str(ROOT),  # this checkout's code, whichever the environment installed
            "CHECKOUT": str(ROOT),
            "UP_LOG": str(self.up_log),
            "UP_PID": str(self.up_pid),
            "GIT_AUTHOR_NAME": "Owner",
            "GIT_AUTHOR_EMAIL": "owner@example.com",
            "GIT_COMMITTER_NAME": "Owner",
            "GIT_COMMITTER_EMAIL": "owner@example.com",
        }

    def run(self, text: str, *, timeout: float = 600) -> Ran:
        done = subprocess.run(
            ["bash", "-c", script(text)], cwd=self.home, env=self.env, capture_output=True, text=True, timeout=timeout
        )
        return Ran(
            done.returncode,
            done.stdout + done.stderr,
            self.home,
            api=f"http://127.0.0.1:{self.ports['API']}",
            dashboard=f"http://127.0.0.1:{self.ports['UI']}",
            up_log=self.up_log,
        )

    def close(self) -> None:
        """Stop the second terminal's processes and the stack, as Ctrl-C in each would."""
        background = self.home / "background.pids"
        for pid in background.read_text().split() if background.exists() else []:
            stop(int(pid))
        if self.up_pid.exists():
            stop(int(self.up_pid.read_text()))


@contextmanager
def session(home: Path) -> Iterator[Session]:
    opened = Session(home)
    try:
        yield opened
    finally:
        opened.close()


@contextmanager
def ran(heading: str, home: Path, *, timeout: float = 600) -> Iterator[Ran]:
    """Run the block under `heading` with `home` as `~`; the stack it started stays up until the
    `with` ends, for the test to look at."""
    with session(home) as opened:
        yield opened.run(block(heading), timeout=timeout)


def run(heading: str, home: Path, *, timeout: float = 600) -> Ran:
    """Run the block under `heading` and stop the stack it started."""
    with ran(heading, home, timeout=timeout) as result:
        return result


def stop(pid: int) -> None:
    """SIGTERM to a process this session started, and wait for it (`paperclip up` stops its children)."""
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
