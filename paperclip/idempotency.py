"""Idempotency keys: how a request's `Idempotency-Key` becomes the id of what it does in Temporal,
and what a company remembers of the updates it answered.

The API scopes a key to the caller and the route (`key_scope`) and hashes the request it came
with (`request_hash`). Every update made for the request is sent with `update_id(...)`: Temporal
answers a repeat of the same update id within a run, and the company workflow remembers the
latest answers across continue-as-new (`Answered`, `workflows/company_idempotency.py`), so a
retry never acts twice. The same key with another request is refused.
"""

import hashlib

from pydantic import BaseModel

HEADER = "Idempotency-Key"
UPDATE_ID_PREFIX = "idempotency:"
"""Update ids that carry a key start with this; any other update id is Temporal's own (a uuid)."""
DIGEST_CHARS = 32
"""Hex characters kept of each SHA-256 digest (128 bits)."""
MAX_KEY_CHARS = 255


def _digest(*parts: bytes) -> str:
    hasher = hashlib.sha256()
    for part in parts:
        hasher.update(len(part).to_bytes(8, "big"))  # so no two splits of one text hash alike
        hasher.update(part)
    return hasher.hexdigest()[:DIGEST_CHARS]


def valid_key(key: str) -> bool:
    """A key is 1 to 255 visible ASCII characters (a uuid is the usual choice)."""
    return 0 < len(key) <= MAX_KEY_CHARS and all(33 <= ord(c) <= 126 for c in key)


def key_scope(*, caller: str, method: str, path: str, key: str) -> str:
    """The key as seen by one caller on one route: two callers, or two routes, never share it."""
    return _digest(caller.encode(), method.upper().encode(), path.encode(), key.encode())


def request_hash(*, query: str, body: bytes) -> str:
    """What the request asked for (its query and body), to tell a repeat from a reuse of the key."""
    return _digest(query.encode(), body)


def update_id(update: str, *, scope: str, request: str) -> str:
    """The id of update `update` sent for the request with this key scope and request hash."""
    return f"{UPDATE_ID_PREFIX}{update}:{scope}:{request}"


def parse_update_id(update_id: str) -> tuple[str, str] | None:
    """(what the company remembers it by, the request hash) of an id made by `update_id`, else None."""
    if not update_id.startswith(UPDATE_ID_PREFIX):
        return None
    name, _, rest = update_id.removeprefix(UPDATE_ID_PREFIX).partition(":")
    scope, _, request = rest.partition(":")
    if not (name and len(scope) == DIGEST_CHARS and len(request) == DIGEST_CHARS):
        return None
    return f"{name}:{scope}", request


class Answered(BaseModel):
    """An update the company answered (or is answering) for a request with an idempotency key."""

    request: str
    """The request's hash: the same key with another request is refused."""
    done: bool = False
    """False while its handler runs."""
    answer: str | None = None
    """The answer as JSON; None once dropped to keep the carried state small (the key stays)."""


class RequestKey(BaseModel):
    """A request's idempotency key, as the API scoped it, and what the request asked for."""

    scope: str
    """`key_scope(...)`: the key, its caller and its route."""
    request: str
    """`request_hash(...)`."""

    def update_id(self, update: str) -> str:
        """The id of update `update` made for this request."""
        return update_id(update, scope=self.scope, request=self.request)

    @property
    def marker(self) -> str:
        """What a workflow started for this request keeps (in its memo) to know the request again."""
        return f"{self.scope}:{self.request}"
