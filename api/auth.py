"""Who calls: the board, or an agent with a task token.

A request without credentials is the board's (the API binds to loopback by default). A request
with `Authorization: Bearer <task token>` is the agent's of that token (`paperclip.tokens`),
and may only read and act on its own task: another company's routes answer 404 (they are not
there for it), any other route 403. A bad or expired token is a 401.
"""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.deps import SettingsDep
from api.errors import ApiError
from api.governance import BOARD
from paperclip.secrets import SecretError
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

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="task token",
    description="A task token (`PAPERCLIP_TASK_TOKEN`), for an agent calling back about its task.",
)


@dataclass(frozen=True)
class Caller:
    scope: TaskScope | None = None
    """The task token's scope; None: the board."""

    @property
    def actor(self) -> str:
        return self.scope.agent if self.scope is not None else BOARD


def _unauthorized(message: str) -> ApiError:
    return ApiError(401, "unauthorized", message)


async def authorize(
    request: Request,
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Caller:
    """The caller, checked against the route it asks for (every route depends on this)."""
    if credentials is None:
        if "authorization" in request.headers:
            raise _unauthorized("the Authorization header must be 'Bearer <token>'")
        return Caller()
    token = credentials.credentials.strip()
    if not is_task_token(token):
        raise _unauthorized("unknown token: only task tokens are accepted here")
    try:
        scope = task_tokens(settings.home_dir, settings.secret_key).verify(token)
    except TokenError as err:
        raise _unauthorized(str(err)) from None
    except SecretError as err:
        raise ApiError(500, "secret_key", str(err)) from None
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
    return Caller(scope)


CallerDep = Annotated[Caller, Depends(authorize)]
