"""Where an agent's credential name leads: a key bound to the URLs it may be sent to.

For a company's agent a name resolves to, in order:

1. the company's team's stored credential of that name (bucket `<team>/<name>`);
2. the deployment's stored credential of that name (bucket `<name>`);
3. an environment variable of the worker (or of its `.env` file: `Settings.environ`), only if
   the settings allow that name (`PAPERCLIP_ENV_CREDENTIALS`, by default `OPENAI_API_KEY` and
   `ANTHROPIC_API_KEY`), bound to its provider's official URL, to the base URL the environment
   (or the `.env` file) gives that provider
   (`OPENAI_BASE_URL`, `ANTHROPIC_BASE_URL`) and to the URLs `PAPERCLIP_CREDENTIAL_URLS` lists.

Any other name resolves to nothing. The API checks a hire against the same bindings
(`Keyring.check_agent`), without opening any key; the activities resolve the key itself and
check its URL again right before sending.
"""

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Protocol

from paperclip.keys import (
    BASE_URL_VARIABLES,
    OFFICIAL_URLS,
    BoundKey,
    UrlError,
    check_agent_keys,
    normalise_url,
)
from paperclip.models import DEFAULT_CREDENTIALS, AgentSpec
from paperclip.secrets import SecretBox
from paperclip.settings import Settings
from paperclip.store.credentials import StoredCredential, bucket

CACHE_SECONDS = 60.0
"""How long a worker keeps a resolved key (or the absence of one) and a company's team."""
KEYLESS = "no-key"
"""What a model call sends as the key of an endpoint registered without one (a local server)."""
_PROVIDER_OF = {name: provider for provider, name in DEFAULT_CREDENTIALS.items()}


class KeyStore(Protocol):
    """The part of `paperclip.store.Store` the keyring reads (blocking calls)."""

    def get_credential(self, team: str | None, name: str) -> StoredCredential | None: ...

    def company_team(self, company_id: str) -> str | None: ...


class Keyring:
    """Credentials by name for a company's agents: a `paperclip.keys.KeyResolver`.

    Args:
        store: where stored credentials are, and which team owns each company.
        settings: which environment variables may be credentials, and where they may go.
        box: opens stored keys; a callable makes it on first need (a worker with no stored
            credential never reads the secret key). None: stored keys cannot be opened (the API,
            which checks bindings only).
        environ: the worker's environment; by default the settings' (`Settings.environ`: the
            process environment over the `.env` file).
        cache_seconds: how long a resolution is kept (0: never).
    """

    def __init__(
        self,
        store: KeyStore,
        settings: Settings,
        box: SecretBox | Callable[[], SecretBox] | None = None,
        *,
        environ: Mapping[str, str] | None = None,
        cache_seconds: float = CACHE_SECONDS,
    ) -> None:
        self.store = store
        self.settings = settings
        self._box = box
        self.environ = settings.environ if environ is None else environ
        self.cache_seconds = cache_seconds
        self._keys: dict[tuple[str | None, str], tuple[float, BoundKey | None]] = {}
        self._teams: dict[str, tuple[float, str | None]] = {}

    @property
    def box(self) -> SecretBox:
        if self._box is None:
            raise RuntimeError("this keyring was given no secret key: it cannot open stored credentials")
        if not isinstance(self._box, SecretBox):
            self._box = self._box()
        return self._box

    def __call__(self, company_id: str, name: str) -> BoundKey | None:
        """The key `name` is for the company's agents, and where it may go; None: there is none."""
        return self.resolve(self.team_of(company_id), name)

    def team_of(self, company_id: str) -> str | None:
        """The team that owns the company (None: the board's alone), kept for a minute."""
        cached = self._teams.get(company_id)
        if cached is not None and time.monotonic() - cached[0] < self.cache_seconds:
            return cached[1]
        team = self.store.company_team(company_id)
        self._teams[company_id] = (time.monotonic(), team)
        return team

    def resolve(self, team: str | None, name: str) -> BoundKey | None:
        """`name` for a company of `team` (None: a company of no team), kept for a minute."""
        cached = self._keys.get((team, name))
        if cached is not None and time.monotonic() - cached[0] < self.cache_seconds:
            return cached[1]
        key = self._resolve(team, name)
        self._keys[(team, name)] = (time.monotonic(), key)
        return key

    def _resolve(self, team: str | None, name: str) -> BoundKey | None:
        stored = self._stored(team, name)
        if stored is not None:
            secret = KEYLESS if stored.sealed is None else self.box.open(stored.bucket, stored.sealed)
            return BoundKey(name=name, secret=secret, urls=stored.urls, bucket=stored.bucket, team=stored.team)
        urls = self.env_urls(name)
        value = self.environ.get(name) if urls is not None else None  # never read unless allowed
        if urls is None or not value:
            return None
        return BoundKey(name=name, secret=value, urls=urls, bucket=bucket(None, name))

    def _stored(self, team: str | None, name: str) -> StoredCredential | None:
        found = self.store.get_credential(team, name) if team is not None else None
        return found or self.store.get_credential(None, name)

    def env_urls(self, name: str) -> tuple[str, ...] | None:
        """Where the environment variable `name` may be sent; None when it is not allowed as a
        credential (then it is never read)."""
        if name not in self.settings.env_credentials:
            return None
        urls = list(self.settings.credential_urls.get(name, ()))
        provider = _PROVIDER_OF.get(name)
        if provider is not None:
            urls.append(OFFICIAL_URLS[provider])
            urls.append(self.environ.get(BASE_URL_VARIABLES[provider], ""))
        bound: list[str] = []
        for url in urls:
            try:
                normalised = normalise_url(url)
            except UrlError:
                continue  # unset, or not a URL: binds nothing
            if normalised not in bound:
                bound.append(normalised)
        return tuple(bound)

    def bound_urls(self, team: str | None, name: str) -> tuple[str, ...] | None:
        """Where `name` may be sent for a company of `team`, read afresh and without opening any
        key; None when the name leads to no credential."""
        stored = self._stored(team, name)
        return stored.urls if stored is not None else self.env_urls(name)

    def check_agent(self, team: str | None, spec: AgentSpec) -> None:
        """Refuse an agent of a company of `team` that would send a key where it is not bound.

        Raises:
            paperclip.keys.KeyRefused: naming the field, the credential and both URLs.
        """
        allowed = ", ".join(self.settings.env_credentials) or "none"
        hint = (
            f"register an endpoint or credential of that name, or name one of the environment variables"
            f" the deployment allows: {allowed}"
        )

        def bound(name: str) -> Sequence[str] | None:
            return self.bound_urls(team, name)

        check_agent_keys(spec, bound, environ=self.environ, unknown_hint=hint)
