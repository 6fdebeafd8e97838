"""Stand-in programs for the deployment scripts' tests: shell scripts first on PATH that record
each call (its pid, its name, its arguments) and answer as the test tells them."""

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

RECORD = """#!/bin/sh
"{python}" -c 'import json, sys; print(json.dumps(sys.argv[1:]))' "$$" "$(basename "$0")" "$@" >> "{log}"
"""


@dataclass
class Call:
    pid: int
    name: str
    args: list[str]


class Stubs:
    """A folder of stub programs, first on PATH for the scripts `run` runs."""

    def __init__(self, folder: Path) -> None:
        self.bin = folder / "bin"
        self.bin.mkdir()
        self.log = folder / "calls.jsonl"
        self.log.touch()

    def add(self, name: str, then: str = "exit 0") -> None:
        """A program `name` that records its call, then runs the shell text `then` (`$1`… are
        its arguments)."""
        path = self.bin / name
        path.write_text(RECORD.format(python=sys.executable, log=self.log) + then + "\n")
        path.chmod(0o755)

    def calls(self, name: str | None = None) -> list[Call]:
        entries = [json.loads(line) for line in self.log.read_text().splitlines()]
        calls = [Call(int(pid), program, args) for pid, program, *args in entries]
        return [c for c in calls if name is None or c.name == name]

    def run(self, argv: list[str], env: dict[str, str] | None = None) -> subprocess.Popen[str]:
        """Start `argv` with the stubs first on PATH; the caller waits (`communicate`)."""
        path = f"{self.bin}{os.pathsep}{os.environ['PATH']}"
        return subprocess.Popen(
            argv,
            env={**os.environ, **(env or {}), "PATH": path},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )


def finish(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    """Wait for `process`: its exit code, stdout and stderr."""
    out, err = process.communicate(timeout=60)
    return process.returncode, out, err
