"""A small supervisor of child processes: the embedded stack behind `paperclip up`.

Each child runs in its own process group with its output in a log file. Children start in
order, each waited for until it is ready; on SIGINT / SIGTERM they stop in reverse order
(SIGTERM to the group, a grace period, then SIGKILL). If one dies unexpectedly the
supervisor names it, shows the end of its log and stops the rest.
"""

import os
import signal
import socket
import subprocess
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

import httpx
from rich.console import Console

from paperclip.errors import PaperclipError

Probe = Callable[[], bool]
"""Answers True once a child is ready (called repeatedly, must return quickly)."""


@dataclass(frozen=True)
class ChildSpec:
    """One supervised process."""

    name: str
    argv: Sequence[str]
    env: dict[str, str] | None = None
    """The whole environment of the child; None inherits the supervisor's."""
    ready: Probe | None = None
    """None: ready as soon as it has started."""
    ready_timeout: float = 60.0
    cwd: str | None = None


@dataclass(frozen=True)
class PortCheck:
    """A port the stack needs, and the setting that moves it."""

    host: str
    port: int
    setting: str


class SupervisorError(PaperclipError, RuntimeError):
    """The stack could not start or a child failed; the message is one readable line (or a log tail)."""

    kind = "unavailable"


class PortInUse(SupervisorError):
    kind = "conflict"

    def __init__(self, check: PortCheck) -> None:
        super().__init__(f"port {check.port} is in use: set {check.setting} to another port")
        self.check = check


def port_is_free(host: str, port: int) -> bool:
    """True when nothing listens on `host:port` and it can be bound."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return not port_answers(host, port)


def check_ports(checks: Sequence[PortCheck]) -> None:
    """Raise `PortInUse` for the first port that is taken."""
    for check in checks:
        if not port_is_free(check.host, check.port):
            raise PortInUse(check)


def port_answers(host: str, port: int, *, timeout: float = 0.5) -> bool:
    """True when something accepts a TCP connection on `host:port`."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def http_ok(url: str, *, timeout: float = 2.0) -> bool:
    """True when `GET url` answers 200."""
    try:
        return httpx.get(url, timeout=timeout).status_code == 200
    except httpx.HTTPError:
        return False


def tail(path: Path, lines: int = 20) -> str:
    """The last `lines` lines of a text file ("" when missing)."""
    try:
        with path.open(encoding="utf-8", errors="replace") as handle:
            return "".join(deque(handle, maxlen=lines))
    except OSError:
        return ""


@dataclass
class _Running:
    spec: ChildSpec
    process: subprocess.Popen[bytes]
    log: Path


class _Stop(Exception):
    """Raised inside waits when SIGINT / SIGTERM arrived."""


@dataclass
class Supervisor:
    """Start `children` in order, keep them running, stop them in reverse order."""

    children: Sequence[ChildSpec]
    log_dir: Path
    console: Console = field(default_factory=lambda: Console(stderr=True))
    grace: float = 10.0
    """Seconds between SIGTERM and SIGKILL of a child's process group."""
    poll: float = 0.2
    _running: list[_Running] = field(default_factory=list, init=False)
    _stop_signal: int | None = field(default=None, init=False)

    # ----------------------------------------------------------------- public

    def run(self, on_ready: Callable[[], None] | None = None) -> int:
        """Start everything, call `on_ready`, then supervise until a signal or a failure.

        Returns the exit code: 0 after SIGINT / SIGTERM, 1 when a child failed to start or died.
        """
        previous = {sig: signal.signal(sig, self._on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            try:
                for spec in self.children:
                    self._start(spec)
                if on_ready is not None:
                    on_ready()
                while True:
                    self._check_alive()
                    self._sleep()
            except _Stop:
                return 0
            except SupervisorError as error:
                self.console.print(f"[red]{error}[/red]", highlight=False)
                return 1
            finally:
                self.stop()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def stop(self) -> None:
        """Stop every running child, last started first; safe to call twice."""
        while self._running:
            child = self._running.pop()
            _stop_group(child.process, self.grace)

    @property
    def pids(self) -> list[int]:
        return [child.process.pid for child in self._running]

    # ----------------------------------------------------------------- internals

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self._stop_signal = signum

    def _sleep(self) -> None:
        if self._stop_signal is not None:
            raise _Stop
        time.sleep(self.poll)
        if self._stop_signal is not None:
            raise _Stop

    def _start(self, spec: ChildSpec) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = self.log_dir / f"{spec.name}.log"
        with log.open("ab") as handle:
            try:
                process = subprocess.Popen(
                    list(spec.argv),
                    stdin=subprocess.DEVNULL,
                    stdout=handle,
                    stderr=subprocess.STDOUT,
                    env=spec.env,
                    cwd=spec.cwd,
                    start_new_session=True,
                )
            except OSError as error:
                raise SupervisorError(f"{spec.name} could not start: {error}") from error
        running = _Running(spec, process, log)
        self._running.append(running)
        deadline = time.monotonic() + spec.ready_timeout
        while spec.ready is not None and not spec.ready():
            self._check_alive()
            if time.monotonic() > deadline:
                raise SupervisorError(
                    f"{spec.name} was not ready after {spec.ready_timeout:.0f}s; end of {log}:\n{tail(log)}"
                )
            self._sleep()

    def _check_alive(self) -> None:
        for child in self._running:
            code = child.process.poll()
            if code is not None:
                self._running.remove(child)
                raise SupervisorError(
                    f"{child.spec.name} exited unexpectedly (code {code}); end of {child.log}:\n"
                    f"{tail(child.log).rstrip()}"
                )


def _stop_group(process: subprocess.Popen[bytes], grace: float) -> None:
    """SIGTERM the child's process group, wait `grace` s, then SIGKILL the group."""
    pgid = process.pid  # start_new_session: the child leads its own group
    try:
        os.killpg(pgid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        pass
    try:
        os.killpg(pgid, signal.SIGKILL)  # stragglers of the group, or the child itself
    except (ProcessLookupError, PermissionError):
        pass
    process.wait()
