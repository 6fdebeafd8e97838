"""Who calls, and what they may touch. Every route depends on `authorize`.

- **The board token** (`Authorization: Bearer pcb_…`, kept in `$PAPERCLIP_HOME/board.token`,
  `paperclip.board`): the board, in either mode. Being on this machine is not enough: anything
  running here (an agent's command, too) could otherwise act as the board.
- **No credentials**: 401, with a hint on how to get in when the request comes from this machine
  and `PAPERCLIP_AUTH=local` (the default). Only the health check (`PUBLIC`) and, in local mode,
  the codec routes called from this machine by an allowed Web UI (`_codec_from_web_ui`) answer;
  a webhook's delivery (`HOOK_DOOR`) is checked by its signature instead.
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
import logging
import time
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.deps import SettingsDep, StoreDep
from api.errors import ApiError
from api.governance import BOARD
from paperclip import apikeys, board
from paperclip.models import TeamRole
from paperclip.secrets import SecretError
from paperclip.settings import Settings
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
        ("GET", f"{TASK}/documents"),
        ("GET", f"{TASK}/documents/{{key}}"),
        ("GET", f"{TASK}/documents/{{key}}/revisions"),
        ("PUT", f"{TASK}/documents/{{key}}"),
        ("GET", f"{TASK}/attachments"),
        ("POST", f"{TASK}/attachments"),
        ("GET", f"{TASK}/attachments/{{attachment_id}}"),
    }
)
"""What a task token may call, on its own task only (paths below the `/api` prefix)."""
READS = frozenset({"GET", "HEAD", "OPTIONS"})
PUBLIC = frozenset({"/health"})
"""Routes anyone may call: whether the API and Temporal are up (`paperclip up` waits on it)."""
HOOK_DOOR = "/hooks/{company}/{hook}"
"""The door of incoming webhooks (`api.routes.hooks`): a POST there is authenticated by its
signature, checked by the route, and carries no other credential (any it sends is ignored)."""
CODEC_ROUTES = frozenset({"/codec/encode", "/codec/decode"})
"""The codec server's routes, which the Temporal Web UI calls from the browser (`_codec_from_web_ui`)."""
CHECKED_KEYS_SECONDS = 300.0
"""How long a key whose secret matched is not hashed again (its row is still read each time)."""

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="API key, board token or task token",
    description=(
        "An API key (`paperclip token create`), the board token (`$PAPERCLIP_HOME/board.token`), "
        "or a task token (`PAPERCLIP_TASK_TOKEN`)."
    ),
)
LOCAL_HINT = (
    "the board token or an API key is needed (Authorization: Bearer …): the paperclip CLI and the "
    "dashboard on this machine send the board token themselves when they use the API's PAPERCLIP_HOME; "
    "otherwise ask the board for an API key (paperclip token create)"
)
"""The 401 for a request from this machine without credentials: how to get in, never the token."""
KEY_NEEDED = "an API key is needed: Authorization: Bearer <key> (paperclip token create)"

log = logging.getLogger("paperclip.api")


@dataclass(frozen=True)
class Caller:
    scope: TaskScope | None = None
    """A task token's scope."""
    user: str | None = None
    """An API key's user."""
    roles: dict[str, TeamRole] = field(default_factory=dict)
    """The user's role in each of its teams."""
    anonymous: bool = False
    """No credentials, on a route that needs none (the health check, the Web UI's codec calls)."""

    @property
    def is_board(self) -> bool:
        return self.scope is None and self.user is None and not self.anonymous

    @property
    def actor(self) -> str:
        if self.scope is not None:
            return self.scope.agent
        if self.anonymous:
            return "anonymous"
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


ANONYMOUS = Caller(anonymous=True)


def _loopback(request: Request) -> bool:
    host = request.client.host if request.client else ""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _codec_from_web_ui(request: Request, settings: Settings, path: str) -> bool:
    """A codec call by the Temporal Web UI on this machine, which needs no credentials.

    The Web UI calls `--ui-codec-endpoint` from the browser and cannot send the board token, so
    in local mode the codec routes answer a loopback request whose `Origin` is one of
    `PAPERCLIP_CODEC_ORIGINS` (what the browser sends for the UI's page) without one. They change
    nothing and grant no power: they seal and open payloads, which is what the Temporal server on
    this machine, reachable by the same processes, holds anyway. The origin check keeps other web
    pages the browser opens from using them. With `PAPERCLIP_AUTH=required` they need a key.
    """
    return (
        path in CODEC_ROUTES
        and settings.auth == "local"
        and _loopback(request)
        and request.headers.get("origin") in settings.codec_origins
    )


def _board(settings: Settings, token: str) -> Caller:
    """The board, when `token` is this deployment's board token (made now if it was deleted)."""
    try:
        expected = board.ensure_token(settings.home_dir)
    except board.BoardTokenError as err:
        log.error("%s", err)
        raise ApiError(500, "board_token", "the API cannot read its board token: see its log") from None
    if not board.matches(token, expected):
        raise _unauthorized("not this deployment's board token")
    return Caller()


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
    path = str(getattr(route, "path", "")).removeprefix("/api")
    if path == HOOK_DOOR and request.method == "POST":
        return ANONYMOUS
    if credentials is None:
        if path in PUBLIC:
            return ANONYMOUS
        if "authorization" in request.headers:
            raise _unauthorized("the Authorization header must be 'Bearer <token>'")
        if _codec_from_web_ui(request, settings, path):
            return ANONYMOUS
        if settings.auth == "local" and _loopback(request):
            raise _unauthorized(LOCAL_HINT)
        raise _unauthorized(KEY_NEEDED)
    token = credentials.credentials.strip()
    if board.is_board_token(token):
        return _board(settings, token)
    if is_task_token(token):
        try:
            scope = task_tokens(settings.home_dir, settings.secret_key).verify(token)
        except TokenError as err:
            raise _unauthorized(str(err)) from None
        except SecretError as err:
            raise ApiError(500, "secret_key", str(err)) from None
        return _task_caller(request, scope)
    if not apikeys.is_api_key(token):
        raise _unauthorized("unknown token: an API key (pck_…), the board token (pcb_…) or a task token (ptt1.…)")
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
