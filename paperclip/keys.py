"""Where a key may be sent: every credential is bound to the base URL(s) it may go to.

A URL is compared in its normalised form — scheme, host, port (explicit, the scheme's default
filled in) and path prefix, lowercased where the URL standard says case does not matter — so
`HTTPS://API.openai.com:443/v1/` and `https://api.openai.com/v1` are the same binding, and a
request URL is allowed when it is under a bound one (`https://host/v1` allows
`https://host/v1/chat/completions`, not `https://host/v10` nor `https://host.evil/v1`).

The activity that sends a key resolves it with a `KeyResolver` and checks `url_allowed` right
before the request; the API checks the same at hire time so a mistake is a 4xx, not a failed task.
"""

import string
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import urlsplit

from paperclip.models import Provider

OFFICIAL_URLS: dict[Provider, str] = {
    Provider.OPENAI: "https://api.openai.com/v1",
    Provider.ANTHROPIC: "https://api.anthropic.com",
}
"""Where a provider's own key goes when the deployment binds it nowhere else."""

_DEFAULT_PORTS = {"http": 80, "https": 443}
_PRINTABLE = frozenset(string.printable) - frozenset("\t\n\r\x0b\x0c")


class UrlError(ValueError):
    """Not a URL a key may be bound to or sent to."""


def normalise_url(url: str) -> str:
    """`url` as `scheme://host:port/path` with no trailing slash, query or fragment.

    Raises:
        UrlError: not http(s), no host, user info, spaces or control characters.
    """
    if not isinstance(url, str) or not url or any(c not in _PRINTABLE or c == " " for c in url):
        raise UrlError(f"{url!r} is not a URL: it holds spaces or control characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as err:
        raise UrlError(f"{url!r} is not a URL: {err}") from None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise UrlError(f"{url!r}: only http and https URLs")
    if not parts.hostname:
        raise UrlError(f"{url!r}: the URL has no host")
    if parts.username is not None or parts.password is not None:
        raise UrlError(f"{url!r}: no user or password in the URL (a key is given as a credential)")
    if parts.query or parts.fragment:
        raise UrlError(f"{url!r}: a base URL has no query or fragment")
    if any(segment in (".", "..") for segment in parts.path.split("/")):
        raise UrlError(f"{url!r}: no '.' or '..' in the path")
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    path = parts.path.rstrip("/")
    return f"{scheme}://{host}:{port or _DEFAULT_PORTS[scheme]}{path}"


def url_allowed(url: str, bound: Iterable[str]) -> bool:
    """Whether a request to `url` stays under one of the `bound` base URLs (normalised first)."""
    try:
        target = normalise_url(url)
    except UrlError:
        return False
    for base in bound:
        try:
            allowed = normalise_url(base)
        except UrlError:
            continue
        if target == allowed or target.startswith(allowed + "/"):
            return True
    return False


@dataclass(frozen=True)
class BoundKey:
    """A resolved credential: its secret and where it may go. Never logged (`repr` hides it)."""

    name: str
    secret: str = field(repr=False)
    urls: tuple[str, ...]
    """Normalised base URLs the secret may be sent to."""
    bucket: str
    """What its rate limits and queue are keyed by: `<team>/<name>` for a team's credential,
    `<name>` for the deployment's (a stored one, or an allowed environment variable)."""
    team: str | None = None
    """The team it belongs to; None: the deployment's."""

    def allows(self, url: str) -> bool:
        return url_allowed(url, self.urls)


class KeyResolver(Protocol):
    """Resolves a credential name for a company's agent: the company's team's credential of that
    name, else the deployment's, else an allowed environment variable; None when none is found."""

    def __call__(self, company_id: str, name: str) -> BoundKey | None: ...


def target_url(provider: Provider, base_url: str | None) -> str:
    """Where a model call goes: its `base_url`, else the provider's official URL."""
    if base_url:
        return base_url
    if provider not in OFFICIAL_URLS:
        raise UrlError(f"{provider} has no URL")
    return OFFICIAL_URLS[provider]
