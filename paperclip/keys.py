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
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import urlsplit

from paperclip.errors import InvalidInput
from paperclip.models import Adapter, AgentSpec, Provider

OFFICIAL_URLS: dict[Provider, str] = {
    Provider.OPENAI: "https://api.openai.com/v1",
    Provider.ANTHROPIC: "https://api.anthropic.com",
}
"""Where a provider's own key goes when the deployment binds it nowhere else."""

_DEFAULT_PORTS = {"http": 80, "https": 443}
_PRINTABLE = frozenset(string.printable) - frozenset("\t\n\r\x0b\x0c")


class UrlError(InvalidInput):
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


BASE_URL_VARIABLES: dict[Provider, str] = {
    Provider.OPENAI: "OPENAI_BASE_URL",
    Provider.ANTHROPIC: "ANTHROPIC_BASE_URL",
}
"""The variable each provider's SDK reads its base URL from when it is given none: where the
deployment binds that provider's own key (besides the official URL)."""

UNKNOWN_CREDENTIAL = "unknown_credential"
CREDENTIAL_NOT_BOUND = "credential_not_bound"
INVALID_URL = "invalid_url"


class KeyRefused(InvalidInput):
    """A model or an HTTP agent names a credential it may not use there.

    Attributes:
        code: `unknown_credential` (no credential of that name is within reach),
            `credential_not_bound` (it is bound elsewhere) or `invalid_url`.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def display_url(url: str) -> str:
    """A normalised URL as people write it: the scheme's default port left out."""
    for scheme, port in _DEFAULT_PORTS.items():
        prefix = f"{scheme}://"
        if url.startswith(prefix):
            host, sep, path = url[len(prefix) :].partition("/")
            host = host.removesuffix(f":{port}")
            return f"{prefix}{host}{sep}{path}"
    return url


def not_bound_message(name: str, urls: Iterable[str], url: str, what: str = "this agent's model") -> str:
    """`credential 'x' is bound to https://a/v1; this agent's model is at https://b/v1`."""
    bound = " and ".join(display_url(u) for u in urls) or "no URL"
    return f"credential '{name}' is bound to {bound}; {what} is at {url}"


def client_base_url(provider: Provider, base_url: str | None, environ: Mapping[str, str]) -> str:
    """The base URL a provider's SDK client really sends to: `base_url`, else the one its SDK reads
    from the environment (`OPENAI_BASE_URL`, `ANTHROPIC_BASE_URL`), else the official one. The
    model activity gives the client this URL itself, so what is checked is what is used."""
    if base_url:
        return base_url
    variable = BASE_URL_VARIABLES.get(provider)
    from_env = environ.get(variable) if variable else None
    return from_env or target_url(provider, None)


def key_targets(spec: AgentSpec, environ: Mapping[str, str]) -> list[tuple[str, str, str]]:
    """Every (where, credential, URL) the agent's spec would send a key to: its model, wake
    model, compaction model and fallback models (simulated ones need none), and an `http`
    agent's credential."""
    found: list[tuple[str, str, str]] = []
    models = [("model", spec.model), ("wake_model", spec.wake_model), ("compaction_model", spec.compaction_model)]
    models += [(f"fallback_models[{i}]", m) for i, m in enumerate(spec.fallback_models)]
    for where, model in models:
        if model is None or model.credential_name is None:
            continue
        found.append((where, model.credential_name, client_base_url(model.provider, model.base_url, environ)))
    if spec.adapter is Adapter.HTTP and spec.http is not None and spec.http.credential:
        found.append(("http", spec.http.credential, spec.http.url))
    return found


def check_agent_keys(
    spec: AgentSpec,
    bound_urls: Callable[[str], Sequence[str] | None],
    *,
    environ: Mapping[str, str],
    unknown_hint: str = "",
) -> None:
    """Refuse an agent that would send a key where it is not bound.

    Args:
        bound_urls: a credential name → the URLs it is bound to, None when there is no such
            credential for the agent (its company's team's, the deployment's, an allowed
            environment variable).
        environ: where the SDKs would read a provider's base URL from (see `client_base_url`).
        unknown_hint: said after an unknown name (which names are allowed, and how to add one).

    Raises:
        KeyRefused: naming the field, the credential and both URLs.
    """
    for where, name, url in key_targets(spec, environ):
        try:
            normalise_url(url)
        except UrlError as err:
            raise KeyRefused(INVALID_URL, f"{spec.name}: {where}: {err}") from None
        urls = bound_urls(name)
        if urls is None:
            message = f"{spec.name}: {where}: there is no credential '{name}' here"
            raise KeyRefused(UNKNOWN_CREDENTIAL, message + (f" ({unknown_hint})" if unknown_hint else ""))
        if not url_allowed(url, urls):
            what = "this HTTP agent's URL" if where == "http" else f"this agent's {where.replace('_', ' ')}"
            raise KeyRefused(CREDENTIAL_NOT_BOUND, f"{spec.name}: {not_bound_message(name, urls, url, what)}")
