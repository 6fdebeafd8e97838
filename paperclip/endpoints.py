"""Model endpoints registered by name: what may be registered (a URL, a key, a name), and a
probe that says in one line whether an endpoint answers.

The probe is a request the API makes to a URL a user chose, so it refuses hosts that are
link-local (169.254.0.0/16, fe80::/10) or a cloud's metadata service — checking every address
the host resolves to, and then connecting to the address it checked — and follows no redirect.
Loopback and private addresses stay allowed: a model server on this machine or this network is
the common case.
"""

import asyncio
import ipaddress
import socket
import string
import time
from dataclasses import dataclass
from typing import Any

import httpx

from paperclip import netguard
from paperclip.errors import InvalidInput
from paperclip.keys import UrlError, normalise_url
from paperclip.models import Endpoint, EndpointKind
from paperclip.netguard import METADATA_HOSTS, Address, literal_address

PROBE_TIMEOUT_SECONDS = 10.0
MAX_KEY_CHARS = 10_000
_KEY_CHARACTERS = frozenset(string.ascii_letters + string.digits + string.punctuation)


class EndpointRefused(InvalidInput):
    """Not something an endpoint may be registered with, or probed at."""


def check_key(key: str) -> str:
    """`key` if it is printable ASCII without spaces (what an HTTP header can carry), else
    EndpointRefused (saying so, never echoing the key)."""
    if not key or len(key) > MAX_KEY_CHARS or any(c not in _KEY_CHARACTERS for c in key):
        raise EndpointRefused(
            f"the key must be 1-{MAX_KEY_CHARS:,} printable ASCII characters with no spaces or control characters"
        )
    return key


def refused_address(address: Address) -> str | None:
    """Why a request may not go to `address`: link-local or a metadata service (this machine and
    private networks are where model servers run); None: it may."""
    return netguard.refused_address(address, loopback=False, unspecified=False)


def check_url(url: str) -> str:
    """`url`, normalised, if an endpoint may be registered there: http(s), a host, no spaces or
    control characters, and not a literal link-local or metadata address.

    Raises:
        EndpointRefused: saying why.
    """
    try:
        normalised = normalise_url(url)
        host = httpx.URL(normalised).host
    except UrlError as err:
        raise EndpointRefused(str(err)) from None
    except httpx.InvalidURL as err:
        raise EndpointRefused(f"{url!r} is not a URL: {err}") from None
    if host.rstrip(".") in METADATA_HOSTS:
        raise EndpointRefused(f"{host} is a cloud metadata service, not a model server")
    literal = literal_address(host.rstrip("."))
    if literal is None:
        return normalised
    why = refused_address(literal)
    if why is not None:
        raise EndpointRefused(f"{why}, not a model server")
    return normalised


async def checked_address(url: str) -> Address:
    """The address a probe of `url` connects to: the first its host resolves to, once every one
    of them is checked.

    Raises:
        EndpointRefused: the URL is refused (`check_url`) or one of its addresses is.
        OSError: the host does not resolve.
    """
    parsed = httpx.URL(check_url(url))
    infos = await asyncio.get_running_loop().getaddrinfo(parsed.host, parsed.port, type=socket.SOCK_STREAM)
    addresses: list[Address] = []
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        why = refused_address(address)
        if why is not None:
            raise EndpointRefused(f"{parsed.host} resolves to {why}: the probe does not call it")
        addresses.append(address)
    if not addresses:
        raise OSError(f"{parsed.host} resolves to no address")
    return addresses[0]


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
    with (or any, when none is). It connects only to an address it checked, and follows no redirect.

    Raises:
        EndpointRefused: the URL or the key is not one an endpoint may have, or the host
            resolves to a link-local or metadata address.
    """
    if key is not None:
        check_key(key)
    url, headers = _models_request(endpoint, key)
    started = time.perf_counter()
    try:
        address = await checked_address(url)
    except OSError as err:
        return Probe(False, reason=f"cannot connect to {url}: {err.strerror or err}")
    except UnicodeError:  # the resolver's IDNA codec: an empty or overlong label
        return Probe(False, reason=f"cannot connect to {url}: its host is not a valid name")
    target = httpx.URL(url)
    extensions: dict[str, Any] = {"sni_hostname": target.host} if target.scheme == "https" else {}
    request = httpx.Request(
        "GET",
        target.copy_with(host=str(address)),
        headers={"host": target.netloc.decode("ascii"), **headers},
        extensions=extensions,
    )
    try:
        async with httpx.AsyncClient(timeout=timeout, follow_redirects=False) as client:
            answer = await client.send(request)
    except httpx.TimeoutException:
        return Probe(False, reason=f"no answer from {url} within {timeout:g} s")
    except httpx.HTTPError as err:
        return Probe(False, reason=f"cannot connect to {url}: {err or type(err).__name__}")
    latency = (time.perf_counter() - started) * 1000
    if answer.is_redirect:
        where = answer.headers.get("location", "elsewhere")
        return Probe(False, latency, reason=f"{url} redirects to {where[:200]}: the probe does not follow it")
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
