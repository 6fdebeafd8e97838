"""Model endpoints registered by name: their keys kept encrypted, resolved for model calls, and
a probe that says in one line whether an endpoint answers."""

import os
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from paperclip.models import Endpoint, EndpointKind
from paperclip.secrets import SecretBox
from paperclip.store import Store

PROBE_TIMEOUT_SECONDS = 10.0
KEYLESS = "no-key"
"""What a model call sends as the key of an endpoint registered without one (a local server)."""
CACHE_SECONDS = 60.0


class StoredCredentials:
    """Resolves a credential name to its secret: a stored credential (decrypted), else an
    environment variable of that name. Cached for a minute, so a model call rarely reads the store."""

    def __init__(self, store: Store, box: SecretBox | Callable[[], SecretBox]) -> None:
        self.store = store
        self._box = box
        self._cache: dict[str, tuple[float, str | None]] = {}

    @property
    def box(self) -> SecretBox:
        """The box, made on first use (a worker with no stored credential reads no key)."""
        if not isinstance(self._box, SecretBox):
            self._box = self._box()
        return self._box

    def __call__(self, name: str) -> str | None:
        cached = self._cache.get(name)
        if cached is not None and time.monotonic() - cached[0] < CACHE_SECONDS:
            return cached[1]
        sealed = self.store.get_credential(name)
        if sealed is not None:
            secret: str | None = self.box.open(name, sealed)
        else:
            endpoint = self.store.get_endpoint(name)
            secret = KEYLESS if endpoint is not None else (os.environ.get(name) or None)
        self._cache[name] = (time.monotonic(), secret)
        return secret


@dataclass(frozen=True)
class Probe:
    ok: bool
    latency_ms: float | None = None
    model: str | None = None
    reason: str | None = None

    def line(self) -> str:
        if self.ok:
            return f"OK (latency: {self.latency_ms:.0f}ms, model: {self.model or 'unknown'})"
        return f"FAILED: {self.reason}"


def _models_request(endpoint: Endpoint, key: str | None) -> tuple[str, dict[str, str]]:
    base = endpoint.url.rstrip("/")
    if endpoint.kind is EndpointKind.ANTHROPIC:
        headers = {"anthropic-version": "2023-06-01"} | ({"x-api-key": key} if key else {})
        return f"{base}/v1/models", headers
    return f"{base}/models", {"authorization": f"Bearer {key}"} if key else {}


async def probe(endpoint: Endpoint, key: str | None, *, timeout: float = PROBE_TIMEOUT_SECONDS) -> Probe:
    """List the endpoint's models: it answers, takes the key, and serves the model it is registered
    with (or any, when none is)."""
    url, headers = _models_request(endpoint, key)
    started = time.perf_counter()
    try:
        async with httpx.AsyncClient(timeout=timeout) as client:
            answer = await client.get(url, headers=headers)
    except httpx.TimeoutException:
        return Probe(False, reason=f"no answer from {url} within {timeout:g} s")
    except httpx.HTTPError as err:
        return Probe(False, reason=f"cannot connect to {url}: {err or type(err).__name__}")
    latency = (time.perf_counter() - started) * 1000
    if answer.status_code in (401, 403):
        return Probe(False, latency, reason=f"{url} refused the key ({answer.status_code})")
    if answer.status_code >= 400:
        detail = " ".join(answer.text.split())[:200]
        return Probe(False, latency, reason=f"{url} answered {answer.status_code}: {detail}")
    try:
        served = [str(m["id"]) for m in answer.json()["data"]]
    except (ValueError, KeyError, TypeError):
        return Probe(False, latency, reason=f"{url} did not answer with a list of models")
    if endpoint.model is not None:
        if endpoint.model not in served:
            listed = ", ".join(served[:5]) or "none"
            return Probe(False, latency, reason=f"{endpoint.model} is not served there (it serves: {listed})")
        return Probe(True, latency, endpoint.model)
    return Probe(True, latency, served[0] if served else None)
