"""A workspace among neighbours it must not reach, a context for the tools' runners, and a
plain HTTP server on loopback that records what it was sent."""

import http.server
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from activities.tools import ToolContext
from paperclip.keys import BoundKey, normalise_url
from paperclip.models import SessionRef

BOUND_SECRET = "sk-bound-0123456789abcdef"


@dataclass
class Recorder:
    port: int
    headers: list[dict[str, str]] = field(default_factory=list)
    body: bytes = b"hello from the allowed host\n"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def key_for(self, url: str) -> BoundKey | None:
        key = BoundKey(name="SERVICE_KEY", secret=BOUND_SECRET, urls=(normalise_url(self.url),), bucket="SERVICE_KEY")
        return key if key.allows(url) else None


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    state: dict[str, Any] = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            rec: Recorder = state["recorder"]
            rec.headers.append({k.lower(): v for k, v in self.headers.items()})
            self.send_response(200)
            self.send_header("content-type", "text/plain")
            self.send_header("content-length", str(len(rec.body)))
            self.end_headers()
            self.wfile.write(rec.body)

        do_POST = do_GET

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state["recorder"] = Recorder(port=server.server_address[1])
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state["recorder"]
    server.shutdown()
    server.server_close()


@dataclass
class Layout:
    workspace: Path
    home: Path
    outside: Path
    """A secret file outside the workspace."""
    sibling: Path
    """Another task's worktree, next to this one."""


@pytest.fixture
def layout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Layout:
    home = tmp_path / "paperclip-home"
    home.mkdir()
    (home / "secret.key").write_text("home-secret-7f3a\n")
    monkeypatch.setenv("PAPERCLIP_HOME", str(home))
    workspaces = home / "workspaces" / "acme"
    workspace, sibling = workspaces / "ACME-1", workspaces / "ACME-2"
    workspace.mkdir(parents=True)
    sibling.mkdir(parents=True)
    (sibling / "notes.txt").write_text("sibling-secret-91c2\n")
    outside = tmp_path / "outside" / "secret.txt"
    outside.parent.mkdir()
    outside.write_text("outside-secret-5b1e\n")
    return Layout(workspace=workspace, home=home, outside=outside, sibling=sibling)


def context(workspace: Path, home: Path, **fields: Any) -> ToolContext:
    session = SessionRef(company_id="acme", task="ACME-1", agent="coder")
    return ToolContext(workspace=workspace, home=home, session=session, **fields)
