"""The real coding CLIs from npm, at pinned versions, installed once into a cache folder kept
between runs (`PAPERCLIP_TEST_CACHE`, default `~/.cache/paperclip-tests`): the first run
downloads them, later runs are offline.

An install is one folder per package and version (`npm/<name>@<version>`), made under a file
lock (parallel test workers share it) and marked complete only once npm succeeded, so an
interrupted install is redone rather than half-used.
"""

import fcntl
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Package:
    name: str
    version: str
    bin: str
    """The executable the package installs (`node_modules/.bin/<bin>`)."""


PINNED: dict[str, Package] = {
    "claude": Package("@anthropic-ai/claude-code", "2.1.197", "claude"),
    "codex": Package("@openai/codex", "0.171.0", "codex"),
    "opencode": Package("opencode-ai", "1.18.33", "opencode"),
    "gemini": Package("@google/gemini-cli", "0.61.0", "gemini"),
}
"""The versions the contract tests check (the ones tried end to end through the product)."""


def cache_root() -> Path:
    return Path(os.environ.get("PAPERCLIP_TEST_CACHE") or Path.home() / ".cache" / "paperclip-tests")


class NpmMissing(RuntimeError):
    """No `npm` on PATH: the contract tests cannot install the CLIs (scripts/test installs it)."""


def installed(tool: str) -> Path:
    """The executable of `tool`'s pinned package (a key of `PINNED`), installing it on first use.

    Raises:
        NpmMissing: npm is not installed.
        subprocess.CalledProcessError: npm failed (its output is in the error).
    """
    package = PINNED[tool]
    folder = cache_root() / "npm" / f"{package.name.replace('/', '+')}@{package.version}"
    executable = folder / "node_modules" / ".bin" / package.bin
    done = folder / ".complete"
    if done.exists() and executable.exists():
        return executable
    npm = shutil.which("npm")
    if npm is None:
        raise NpmMissing(
            "npm is not installed: the CLI contract tests need Node.js and npm (scripts/test installs them)"
        )
    folder.parent.mkdir(parents=True, exist_ok=True)
    with open(folder.parent / f".{folder.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if done.exists() and executable.exists():
            return executable
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()
        subprocess.run(
            [
                npm,
                "install",
                "--prefix",
                str(folder),
                "--no-audit",
                "--no-fund",
                "--loglevel=error",
                f"{package.name}@{package.version}",
            ],
            check=True,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if not executable.exists():
            raise FileNotFoundError(f"{package.name}@{package.version} installed no {package.bin}")
        done.touch()
    return executable
