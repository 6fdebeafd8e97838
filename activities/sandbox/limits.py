"""What one sandboxed run may use: resource limits set in the child before it execs, and a pids
cgroup of its own where the machine lets us make one.

`RLIMIT_NPROC` counts every process of the user, and the kernel does not apply it to root at
all: a worker running as root (as in a container) bounds a fork bomb by the cgroup's
`pids.max` instead, which counts only the run's own processes.
"""

import ctypes
import os
import resource
import signal
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

GIB = 1024**3
PR_SET_PDEATHSIG = 1
PREFIX = "paperclip-sandbox-"
"""The name of each run's cgroup: this prefix and a random suffix."""
STALE_SECONDS = 600.0
"""How old an empty run cgroup must be to be swept: a live run's is empty only for the moment
between its making and its first process joining it."""


def _find_prctl() -> Any:
    """libc's `prctl`, looked up once here: the child, between fork and exec, only calls it (no
    loading a library there, where another thread of the worker may have held a lock at the fork)."""
    if sys.platform != "linux":
        return None
    try:
        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None


_PRCTL = _find_prctl()


def _die_with_parent() -> None:
    """In the child, before exec (Linux): SIGKILL when the worker that started it dies, so a
    killed worker leaves no tool running on with nobody to read it (its retry starts another)."""
    _PRCTL(PR_SET_PDEATHSIG, int(signal.SIGKILL))


@dataclass(frozen=True)
class SandboxLimits:
    """Sane bounds for a command a model chose; each process of the run gets the rlimits."""

    cpu_seconds: int = 600
    """CPU time of each process (RLIMIT_CPU): SIGXCPU, then SIGKILL."""
    memory_bytes: int = 4 * GIB
    """Address space of each process (RLIMIT_AS): an allocation beyond it fails."""
    processes: int = 256
    """Processes (and threads) at once: the run's pids cgroup, and RLIMIT_NPROC."""
    file_bytes: int = 1 * GIB
    """The largest file a process may write (RLIMIT_FSIZE): SIGXFSZ beyond it."""
    open_files: int = 1024
    """Open file descriptors of each process (RLIMIT_NOFILE)."""
    output_bytes: int = 1024 * 1024
    """Output kept (stdout and stderr together); beyond it the run is killed and marked truncated."""
    grace_seconds: float = 2.0
    """Between SIGTERM and SIGKILL when a run times out."""


def apply_limits(limits: SandboxLimits, cgroup_procs: str | None) -> None:
    """In the child, before exec: the rlimits, its own cgroup, and death with the worker.

    Only system calls and a file write here: the worker may have other threads, and the child
    of a fork must not take a lock one of them held.
    """
    if cgroup_procs is not None:
        with open(cgroup_procs, "w") as procs:  # "0": the writing process itself
            procs.write("0")
    for which, value in (
        (resource.RLIMIT_CPU, limits.cpu_seconds),
        (resource.RLIMIT_AS, limits.memory_bytes),
        (resource.RLIMIT_NPROC, limits.processes),
        (resource.RLIMIT_FSIZE, limits.file_bytes),
        (resource.RLIMIT_NOFILE, limits.open_files),
    ):
        _, hard = resource.getrlimit(which)
        value = value if hard == resource.RLIM_INFINITY else min(value, hard)
        resource.setrlimit(which, (value, value))
    if _PRCTL is not None:
        _die_with_parent()


class PidsCgroup:
    """A pids cgroup for one run (cgroup v2 under the worker's own, or v1's pids hierarchy).

    Every process of the run is in it, so `pids.max` bounds them together, and `kill_all` finds
    every one of them, whatever session or process group it made for itself.
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    @classmethod
    def create(cls, limit: int) -> "PidsCgroup | None":
        """A new cgroup allowing `limit` processes; None when the machine gives us none. Empty
        ones a killed worker left behind are removed on the way (`sweep`)."""
        name = f"{PREFIX}{uuid.uuid4().hex[:12]}"
        for parent in _parents():
            sweep(parent)
            path = parent / name
            try:
                path.mkdir()
            except OSError:
                continue
            try:
                (path / "pids.max").write_text(str(limit))
            except OSError:
                path.rmdir()
                continue
            return cls(path)
        return None

    @property
    def procs(self) -> str:
        return str(self.path / "cgroup.procs")

    def pids(self) -> list[int]:
        try:
            return [int(p) for p in (self.path / "cgroup.procs").read_text().split()]
        except OSError:
            return []

    def kill_all(self) -> None:
        """SIGKILL to every process left in it (a forking loop is caught by repeating)."""
        deadline = time.monotonic() + 5
        while (pids := self.pids()) and time.monotonic() < deadline:
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.01)  # a dying process stays listed until it has exited

    def remove(self) -> None:
        """Kill what is left and remove the cgroup (it can be removed once empty)."""
        self.kill_all()
        deadline = time.monotonic() + 5
        while True:  # a killed process leaves it only once it is reaped
            try:
                self.path.rmdir()
                return
            except FileNotFoundError:
                return
            except OSError:
                if time.monotonic() > deadline:
                    return
                time.sleep(0.02)


def sweep(parent: Path, older_than: float = STALE_SECONDS) -> None:
    """Remove the empty sandbox cgroups under `parent` made more than `older_than` seconds ago:
    a worker killed mid-run never removed its own (its processes died with it)."""
    try:
        entries = list(parent.glob(f"{PREFIX}*"))
    except OSError:
        return
    for path in entries:
        try:
            if time.time() - path.stat().st_mtime > older_than and not (path / "cgroup.procs").read_text().split():
                path.rmdir()  # refused while a process is in it
        except OSError:
            continue


def _parents() -> list[Path]:
    root = Path("/sys/fs/cgroup")
    parents: list[Path] = []
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return parents
    for line in lines:
        _, controllers, path = line.split(":", 2)
        if controllers == "" and "pids" in _read(root / "cgroup.controllers"):  # v2
            own = root / path.lstrip("/")
            if "pids" in _read(own / "cgroup.subtree_control"):
                parents.append(own)
        elif "pids" in controllers.split(","):  # v1
            parents.append(root / "pids" / path.lstrip("/"))
    return parents


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""
