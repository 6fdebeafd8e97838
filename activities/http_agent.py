"""The `http` agent's turn activity, on the `paperclip-cli` queue.

A turn POSTs the task to the agent's URL with a task token; a 2xx means the agent took it,
and it answers later by calling the API back (complete, delegate, ask for approval, comment),
which reaches the task as an update. The token is minted here, so it is never in history.
"""

import asyncio
import json
import string
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import httpx
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.model_turn import TurnStore, turn_cost
from activities.providers.errors import credential_not_bound, missing_credential
from paperclip.constants import Activity
from paperclip.keys import KeyResolver, not_bound_message
from paperclip.models import HttpConfig, HttpTurnInput, HttpTurnResult, Message, Usage
from paperclip.netguard import HostRefused, resolve
from paperclip.tokens import TaskTokens

HTTP_REFUSED = "HttpAgentRefused"
"""The agent answered 4xx (not 429): the same request would be refused again (final)."""
HTTP_UNAVAILABLE = "HttpAgentUnavailable"
"""No answer, a 5xx or a 429 (retried)."""
TOKEN_SLACK = timedelta(minutes=5)
"""A task token outlives the wait for the agent's answer by this much."""
ANSWER_CHARS = 2_000


def task_url(api_url: str, company_id: str, task: str) -> str:
    return f"{api_url.rstrip('/')}/api/companies/{company_id}/tasks/{task}"


def render(http: HttpConfig, values: dict[str, str]) -> bytes:
    """The request body: the template with each placeholder's value JSON-escaped, or the
    default JSON document."""
    if http.template is not None:
        escaped = {name: json.dumps(value)[1:-1] for name, value in values.items()}
        return string.Template(http.template).substitute(escaped).encode()
    document = {
        "company_id": values["company_id"],
        "agent": values["agent"],
        "turn": int(values["turn"]),
        "task": {"id": values["task_id"], "title": values["title"], "url": values["task_url"]},
        "prompt": values["prompt"],
        "callback": {
            "api_url": values["api_url"],
            "token": values["token"],
            "expires_at": values["expires_at"],
            "complete": values["task_url"] + "/complete",
            "comments": values["task_url"] + "/comments",
            "subtasks": values["task_url"] + "/subtasks",
            "approval_requests": values["task_url"] + "/approval-requests",
        },
    }
    return json.dumps(document).encode()


def _retry_after(response: httpx.Response) -> timedelta | None:
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        return timedelta(seconds=max(0.0, float(value)))
    except ValueError:
        try:
            return max(timedelta(0), parsedate_to_datetime(value) - datetime.now(UTC))
        except (TypeError, ValueError):
            return None


class HttpAgentActivities:
    """`http` agent turns.

    Args:
        store: where the turn's prompt goes (the agent's answer comes later, through the API).
        keys: a company's credential name → its key and where it may go
            (`paperclip.keyring.Keyring`); the key is sent only if `http.url` is where it is bound.
        tokens: the task-token signer, made on first use.
        api_url: the API the agent calls back.
        private_hosts: `host[:port]` on this machine or a link-local network the deployment lets
            agents be at (`Settings.allow_private_hosts`); every other loopback, link-local or
            metadata address is refused (`paperclip.netguard`).
    """

    def __init__(
        self,
        store: TurnStore,
        *,
        keys: KeyResolver,
        tokens: Callable[[], TaskTokens],
        api_url: str,
        client: httpx.AsyncClient | None = None,
        private_hosts: list[str] | None = None,
    ) -> None:
        self.store = store
        self.private_hosts = list(private_hosts or [])
        self.keys = keys
        self.tokens = tokens
        self.api_url = api_url
        self._client = client

    @property
    def client(self) -> httpx.AsyncClient:
        """One connection pool for the worker's life, made on the first turn. It follows no
        redirect: a key is sent to the agent's URL, never on to wherever it points."""
        if self._client is None:
            self._client = httpx.AsyncClient(follow_redirects=False)
        return self._client

    @activity.defn(name=Activity.HTTP_TURN)
    async def http_turn(self, input: HttpTurnInput) -> HttpTurnResult:
        """POST the turn to the agent.

        Raises:
            ApplicationError: `HttpAgentUnavailable` (retried), `HttpAgentRefused` (an answer
                of 4xx, or a URL on this machine, a link-local network or a metadata service),
                `MissingCredential` or `CredentialNotBound` (final).
        """
        http, session = input.http, input.session
        ttl = timedelta(seconds=http.reply_timeout_seconds) + TOKEN_SLACK
        expires = datetime.now(UTC) + ttl
        token = self.tokens().mint(company_id=session.company_id, task=session.task, agent=session.agent, ttl=ttl)
        url = task_url(self.api_url, session.company_id, session.task)
        values = {
            "prompt": input.prompt,
            "task_id": session.task,
            "title": input.title,
            "company_id": session.company_id,
            "agent": session.agent,
            "turn": str(input.seq),
            "api_url": self.api_url,
            "task_url": url,
            "token": token,
            "expires_at": expires.isoformat(),
        }
        info = activity.info()
        headers = {
            "content-type": http.content_type,
            "user-agent": "paperclip",
            # The same on every attempt of this turn (each one an activity of its own since the
            # task retries the POST itself): an agent can tell a retry from a new turn.
            "idempotency-key": f"{info.workflow_id}/turn-{input.seq}",
            "x-paperclip-task": session.task,
        } | http.headers
        if http.credential:
            key = await asyncio.to_thread(self.keys, session.company_id, http.credential)
            if key is None:
                raise missing_credential("the HTTP agent", http.credential)
            if not key.allows(http.url):
                raise credential_not_bound(not_bound_message(http.credential, key.urls, http.url, "this HTTP agent"))
            headers["authorization"] = f"Bearer {key.secret}"
        target = httpx.URL(http.url)
        try:
            address = await resolve(
                target.host, target.port or (443 if target.scheme == "https" else 80), private_ok=self.private_hosts
            )
        except HostRefused as err:
            raise ApplicationError(
                f"{http.url}: {err} (a deployment allows such a host with PAPERCLIP_ALLOW_PRIVATE_HOSTS)",
                type=HTTP_REFUSED,
                non_retryable=True,
            ) from None
        except (OSError, UnicodeError) as err:
            raise ApplicationError(f"{http.url}: cannot resolve {target.host}: {err}", type=HTTP_UNAVAILABLE) from None
        # To the address that was checked; the name stays for `Host` and TLS.
        headers["host"] = target.netloc.decode("ascii")
        extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
        try:
            response = await self.client.send(
                self.client.build_request(
                    "POST",
                    target.copy_with(host=str(address)),
                    content=render(http, values),
                    headers=headers,
                    timeout=http.timeout_seconds,
                    extensions=extensions,
                )
            )
        except httpx.HTTPError as err:
            raise ApplicationError(
                f"{http.url}: {type(err).__name__}: {err}".rstrip(": "), type=HTTP_UNAVAILABLE
            ) from None
        answer = response.text[:ANSWER_CHARS]
        if response.status_code == 429 or response.status_code >= 500:
            raise ApplicationError(
                f"{http.url} answered {response.status_code}: {answer[:300]}",
                type=HTTP_UNAVAILABLE,
                next_retry_delay=_retry_after(response),
            )
        if response.is_redirect:
            raise ApplicationError(
                f"{http.url} answered a redirect ({response.status_code}): not followed",
                type=HTTP_REFUSED,
                non_retryable=True,
            )
        if not response.is_success:
            raise ApplicationError(
                f"{http.url} refused the task ({response.status_code}): {answer[:300]}",
                type=HTTP_REFUSED,
                non_retryable=True,
            )
        prompt = Message(role="user", content=input.prompt, author="paperclip")
        accepted = Message(
            role="assistant",
            content=f"(accepted by {http.url}, HTTP {response.status_code}; the answer comes through the API)",
            author=session.agent,
        )
        cost = turn_cost(session, input.seq, provider="http", model=http.url, usage=Usage(), cost_usd=None)
        await asyncio.to_thread(
            self.store.save_turn, session, seq=input.seq, new_messages=[prompt], reply=accepted, cost=cost
        )
        return HttpTurnResult(status_code=response.status_code, answer=answer)
