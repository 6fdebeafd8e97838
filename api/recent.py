"""What the API answers readers of a busy company from: a company's snapshot and its merged
task list, each made at most once per `TTL_SECONDS` however many readers ask (one query, one
store scan, shared by the requests in flight), and forgotten as soon as a request through this
API changes the company. A reader may see the company up to `TTL_SECONDS` behind its own
progress (a task finishing), never behind a change made through the API."""

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from typing import Any

TTL_SECONDS = 0.5
MAX_ENTRIES = 256


class Recent:
    """A single-flight cache: the first caller of a key makes the value, the others wait for it;
    it serves for `ttl` seconds, and a failure is not kept."""

    def __init__(self, ttl: float = TTL_SECONDS) -> None:
        self.ttl = ttl
        self._entries: dict[Hashable, tuple[float, asyncio.Future[Any]]] = {}

    async def get(self, key: Hashable, make: Callable[[], Awaitable[Any]]) -> Any:
        now = time.monotonic()
        if len(self._entries) > MAX_ENTRIES:  # companies nobody reads any more
            for old in [k for k, (at, f) in self._entries.items() if f.done() and now - at >= self.ttl]:
                del self._entries[old]
        entry = self._entries.get(key)
        if entry is None or (entry[1].done() and now - entry[0] >= self.ttl):
            future: asyncio.Future[Any] = asyncio.ensure_future(make())
            entry = (now, future)
            self._entries[key] = entry
        try:
            return await asyncio.shield(entry[1])
        except Exception:
            if self._entries.get(key) is entry:
                del self._entries[key]
            raise

    def forget(self, company_id: str) -> None:
        """Drop every value of the company (keys are tuples whose first item is its id)."""
        for key in [k for k in self._entries if isinstance(k, tuple) and k and k[0] == company_id]:
            del self._entries[key]


RECENT = Recent()


class Kept:
    """The encoded answers that can no longer change (a finished task's trace), the most recently
    read first, up to `max_bytes` in all."""

    def __init__(self, max_bytes: int = 64 * 1024 * 1024) -> None:
        self.max_bytes = max_bytes
        self._bodies: OrderedDict[Hashable, bytes] = OrderedDict()
        self._size = 0

    def get(self, key: Hashable) -> bytes | None:
        body = self._bodies.get(key)
        if body is not None:
            self._bodies.move_to_end(key)
        return body

    def put(self, key: Hashable, body: bytes) -> None:
        if len(body) > self.max_bytes // 4 or key in self._bodies:
            return
        self._bodies[key] = body
        self._size += len(body)
        while self._size > self.max_bytes:
            _, dropped = self._bodies.popitem(last=False)
            self._size -= len(dropped)


FINISHED = Kept()
