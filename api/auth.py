"""Who calls, and what they may touch. Every route depends on `authorize`.

- **No credentials**: the board, when `PAPERCLIP_AUTH=local` (the default) and the request comes
  from this machine; otherwise 401.
- **An API key** (`Authorization: Bearer pck_…`, `paperclip token create`): a user, with a role in
  each of its teams. A company belongs to one team: other users get 404 for it, as if it did not
  exist; a viewer may only read (403 for anything else). Routes of no company: any user reads,
  an operator or owner of some team changes.
- **A task token** (`Authorization: Bearer ptt1.…`, minted for a CLI or HTTP agent): only the
  calls about its own task (`TASK_TOKEN_ROUTES`): 404 for another company, 403 for the rest.

A bad, expired or revoked credential is a 401.
"""

import asyncio
import hashlib
import ipaddress
import time
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.deps import SettingsDep, StoreDep
from api.errors import ApiError
from api.governance import BOARD
from paperclip import apikeys
from paperclip.models import TeamRole
from paperclip.secrets import SecretError
from paperclip.store import Store
from paperclip.tokens import TaskScope, TokenError, is_task_token, task_tokens

TASK = "/companies/{company}/tasks/{identifier}"
TASK_TOKEN_ROUTES = frozenset(
    {
        ("GET", TASK),
        ("GET", f"{TASK}/trace"),
        ("POST", f"{TASK}/comments"),
        ("POST", f"{TASK}/subtasks"),
        ("POST", f"{TASK}/approval-requests"),
        ("POST", f"{TASK}/escalate"),
        ("POST", f"{TASK}/complete"),
    }
)
"""What a task token may call, on its own task only (paths below the `/api` prefix)."""
READS = frozenset({"GET", "HEAD", "OPTIONS"})
PUBLIC = frozenset({"/health"})
"""Routes anyone may call: whether the API and Temporal are up (`paperclip up` waits on it)."""
CHECKED_KEYS_SECONDS = 300.0
"""How long a key whose secret matched is not hashed again (its row is still read each time)."""

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="API key or task token",
    description="An API key (`paperclip token create`), or a task token (`PAPERCLIP_TASK_TOKEN`).",
)


@dataclass(frozen=True)
class Caller:
    scope: TaskScope | None = None
    """A task token's scope."""
    user: str | None = None
    """An API key's user."""
    roles: dict[str, TeamRole] = field(default_factory=dict)
    """The user's role in each of its teams."""

    @property
    def is_board(self) -> bool:
        return self.scope is None and self.user is None

    @property
    def actor(self) -> str:
        if self.scope is not None:
            return self.scope.agent
        return self.user or BOARD

    def may_change(self, team: str | None = None) -> bool:
        """Whether the caller may change things (in `team`'s companies, or anywhere for None)."""
        if self.is_board:
            return True
        changers = {t for t, r in self.roles.items() if r is not TeamRole.VIEWER}
        return team in changers if team is not None else bool(changers)


_checked: dict[str, float] = {}
"""sha256 of a key whose secret matched its digest → when."""


def _unauthorized(message: str) -> ApiError:
    return ApiError(401, "unauthorized", message)


def _loopback(request: Request) -> bool:
    host = request.client.host if request.client else ""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "testclient"


def _check_key(store: Store, token: str) -> tuple[str, dict[str, TeamRole]]:
    """The key's user and roles (a blocking call: the store, and scrypt once in a while)."""
    try:
        key_id, secret = apikeys.parse(token)
    except apikeys.ApiKeyError:
        raise _unauthorized("not a valid API key") from None
    found = store.get_api_key(key_id)
    if found is None:
        raise _unauthorized("unknown API key")
    info, salt, digest = found
    if info.revoked_at is not None:
        raise _unauthorized(f"API key {key_id} was revoked")
    fingerprint = hashlib.sha256(token.encode()).hexdigest()
    if time.monotonic() - _checked.get(fingerprint, -CHECKED_KEYS_SECONDS) >= CHECKED_KEYS_SECONDS:
        if not apikeys.matches(secret, salt, digest):
            raise _unauthorized("unknown API key")
        _checked[fingerprint] = time.monotonic()
    return info.user, store.roles_of(info.user)


def _task_caller(request: Request, scope: TaskScope) -> Caller:
    params = request.path_params
    company = params.get("company")
    if company is not None and company != scope.company_id:
        raise ApiError(404, "not_found", f"company '{company}' not found")
    route = request.scope.get("route")
    path = str(getattr(route, "path", request.url.path)).removeprefix("/api")
    if (request.method, path) not in TASK_TOKEN_ROUTES:
        raise ApiError(403, "forbidden", f"a task token may only read and act on its own task ({scope.task})")
    if params.get("identifier") != scope.task:
        raise ApiError(403, "forbidden", f"this token is for task {scope.task} only")
    return Caller(scope=scope)


async def authorize(
    request: Request,
    settings: SettingsDep,
    store: StoreDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Caller:
    """The caller, checked against the route it asks for."""
    route = request.scope.get("route")
    if credentials is None and str(getattr(route, "path", "")).removeprefix("/api") in PUBLIC:
        return Caller()
    if credentials is None:
        if "authorization" in request.headers:
            raise _unauthorized("the Authorization header must be 'Bearer <token>'")
        if settings.auth == "local" and _loopback(request):
            return Caller()
        raise _unauthorized("an API key is needed: Authorization: Bearer <key> (paperclip token create)")
    token = credentials.credentials.strip()
    if is_task_token(token):
        try:
            scope = task_tokens(settings.home_dir, settings.secret_key).verify(token)
        except TokenError as err:
            raise _unauthorized(str(err)) from None
        except SecretError as err:
            raise ApiError(500, "secret_key", str(err)) from None
        return _task_caller(request, scope)
    if not apikeys.is_api_key(token):
        raise _unauthorized("unknown token: an API key (pck_…) or a task token (ptt1.…)")
    user, roles = await asyncio.to_thread(_check_key, store, token)
    caller = Caller(user=user, roles=roles)
    company = request.path_params.get("company")
    if company is not None:
        team = await asyncio.to_thread(store.company_team, company)
        if team is None or team not in roles:
            raise ApiError(404, "not_found", f"company '{company}' not found")
        if request.method not in READS and not caller.may_change(team):
            raise ApiError(403, "forbidden", f"{user} is a viewer in team {team}: it may only read")
    elif request.method not in READS and not caller.may_change():
        raise ApiError(403, "forbidden", f"{user} is a viewer in every team: it may only read")
    return caller


CallerDep = Annotated[Caller, Depends(authorize)]
