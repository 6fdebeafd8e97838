"""A fake agent behind a URL, for the `http` adapter: an app with `POST /agents/{name}` that
records each request and answers with the status codes it was told for that name, in order
(202 once none are left)."""

import asyncio
import json
import time
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse


@dataclass(frozen=True)
class Received:
    name: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class FakeHttpAgent:
    statuses: dict[str, list[int]] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/agents/{name}")
        async def take(name: str, request: Request) -> JSONResponse:
            self.received.append(Received(name, dict(request.headers), await request.body()))
            queue = self.statuses.get(name) or []
            status = queue.pop(0) if queue else 202
            return JSONResponse({"queued": status < 300}, status_code=status, headers={"retry-after": "0"})

        return app

    def of(self, name: str) -> list[Received]:
        return [r for r in self.received if r.name == name]

    async def until(self, name: str, count: int = 1, timeout: float = 30) -> Received:
        """The `count`-th request for `name`, once it has come."""
        deadline = time.monotonic() + timeout
        while len(self.of(name)) < count:
            assert time.monotonic() < deadline, f"{name} got {len(self.of(name))} requests, not {count}"
            await asyncio.sleep(0.05)
        return self.of(name)[count - 1]
