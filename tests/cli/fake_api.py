"""A tiny real HTTP server that answers like the Paperclip API, for client-side tests."""

import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit


@dataclass
class FakeApi:
    """Canned answers by `METHOD /path`; records what it was sent."""

    routes: dict[str, tuple[int, Any]] = field(default_factory=dict)
    sse: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """`/path` → activity entries streamed as Server-Sent Events (after `Last-Event-ID`, when sent)."""
    sse_drop_after: int | None = None
    """The first stream breaks off after this many events; once none is left to send (a reconnect
    after the last event, or any stream after the first when there are none), 404."""
    last_event_ids: list[str | None] = field(default_factory=list)
    received: list[tuple[str, str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    """The headers of each request received (names in lower case), in order."""
    url: str = ""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve(api: FakeApi) -> Iterator[FakeApi]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def _answer(self, method: str) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("content-length") or 0)
            body = json.loads(self.rfile.read(length)) if length else None
            api.received.append((method, self.path, body))
            api.headers.append({name.lower(): value for name, value in self.headers.items()})
            if method == "GET" and parts.path in api.sse:
                last = self.headers.get("Last-Event-ID")
                api.last_event_ids.append(last)
                entries = list(enumerate(api.sse[parts.path], start=1))[int(last or 0) :]
                reconnect = len(api.last_event_ids) > 1
                if not entries and (last is not None or (reconnect and api.sse_drop_after is not None)):
                    self._send(404, {"error": {"code": "not_found", "message": "company gone", "details": None}})
                    return
                if api.sse_drop_after is not None and last is None:
                    entries = entries[: api.sse_drop_after]
                self.send_response(200)
                self.send_header("content-type", "text/event-stream")
                self.end_headers()
                self.wfile.write(b": keep-alive\n\n")
                for n, entry in entries:
                    self.wfile.write(f"id: {n}\nevent: activity\ndata: {json.dumps(entry)}\n\n".encode())
                return
            status, payload = api.routes.get(
                f"{method} {parts.path}",
                (404, {"error": {"code": "not_found", "message": f"no route {parts.path}", "details": None}}),
            )
            self._send(status, payload)

        def _send(self, status: int, payload: Any) -> None:
            data = payload.encode() if isinstance(payload, str) else json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("content-type", "text/plain" if isinstance(payload, str) else "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            self._answer("GET")

        def do_POST(self) -> None:
            self._answer("POST")

        def do_PUT(self) -> None:
            self._answer("PUT")

        def do_PATCH(self) -> None:
            self._answer("PATCH")

        def do_DELETE(self) -> None:
            self._answer("DELETE")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    api.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield api
    finally:
        server.shutdown()
        server.server_close()


NOW = "2026-01-01T12:00:00Z"


def company_json(company_id: str = "acme", name: str = "Acme Robotics") -> dict[str, Any]:
    return {"id": company_id, "name": name, "mission": "Robots", "prefix": "ACME"}


def task_json(identifier: str = "ACME-1", status: str = "done", **extra: Any) -> dict[str, Any]:
    return {
        "company_id": "acme",
        "identifier": identifier,
        "title": "Plan the launch",
        "brief": "",
        "assignee": "ceo",
        "status": status,
        "priority": "high",
        "turns": 2,
        "cost_usd": 0.0125,
        "created_at": NOW,
        "updated_at": NOW,
        **extra,
    }


def agent_json(name: str, provider: str = "simulated", reports_to: str | None = None) -> dict[str, Any]:
    model = {"provider": provider, "model": "simulated" if provider == "simulated" else "gpt-4o-mini"}
    return {
        "spec": {"name": name, "role": "general", "title": name.upper(), "model": model, "reports_to": reports_to},
        "status": "active",
        "running": 0,
        "cost_usd": 0.0,
    }


def snapshot_json(agents: list[dict[str, Any]], tasks: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "spec": company_json(),
        "agents": agents,
        "tasks": tasks,
        "queue": [],
        "recent": [],
        "usage": {"input_tokens": 10, "output_tokens": 5},
        "cost_usd": 0.0125,
        "archived": False,
        "generation": 0,
        "simulated_agents": [a["spec"]["name"] for a in agents if a["spec"]["model"]["provider"] == "simulated"],
    }
