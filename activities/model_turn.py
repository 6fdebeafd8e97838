"""The model-turn activity: one LLM call with tools, on the `paperclip-llm` queue.

Only the new messages travel in the input; the earlier ones come from the store, and the reply
goes back to it (idempotent by session + seq), so history grows linearly.

Each activity is one attempt (the task workflow retries). Before the call is sent its ledger row
is written unconfirmed at the call's worst case; the moment the provider answers, the row is
confirmed and the reply stored. An attempt that follows attempts lost with their worker first
reads what became of them in the ledger, and answers with a lost attempt's stored reply for the
same input instead of calling again.
"""

import asyncio
import hashlib
import json
import math
import time
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.limits import CredentialLimits
from activities.prompt_fit import Calibration, measured_fit, plain
from activities.providers import AnthropicMessages, ModelProvider, OpenAIChat, ProviderReply, ProviderRequest, Simulated
from activities.providers.errors import RATE_LIMITED, credential_not_bound, missing_credential
from paperclip import context, pricing
from paperclip.constants import Activity
from paperclip.keys import BoundKey, KeyResolver, client_base_url, not_bound_message
from paperclip.models import (
    AttemptRef,
    CliSessionTotal,
    CostEvent,
    Message,
    ModelConfig,
    ModelTurnInput,
    ModelTurnResult,
    Provider,
    SessionRef,
    SettledAttempt,
    Standing,
    Usage,
    WorstCase,
)
from paperclip.settings import get_settings

HEARTBEAT_EVERY_SECONDS = 1.0
STANDING_CACHED = 256
"""Tasks' standing instructions a worker keeps in memory (each read once from the store)."""
IDLE_BEAT_SECONDS = 1.0
"""A call with no piece for this long still beats: a model thinking before its first token is alive."""


class TurnStore(Protocol):
    """The part of `paperclip.store.Store` a turn uses (every call is blocking)."""

    def load_messages(self, session: SessionRef, *, before_seq: int) -> list[Message]: ...

    def save_turn(
        self,
        session: SessionRef,
        *,
        seq: int,
        new_messages: list[Message],
        reply: Message,
        cost: CostEvent,
        input_hash: str | None = None,
        session_total: CliSessionTotal | None = None,
    ) -> None: ...

    def cli_session_total(self, company_id: str, tool: str, session_id: str) -> Usage | None: ...

    def begin_call(self, cost: CostEvent, *, input_hash: str | None = None) -> None: ...

    def book_attempt(self, cost: CostEvent) -> None: ...

    def settle_attempts(self, session: SessionRef, seq: int, lost: Sequence[AttemptRef]) -> list[SettledAttempt]: ...

    def stored_reply(
        self, session: SessionRef, seq: int, lost: Sequence[AttemptRef], input_hash: str
    ) -> tuple[AttemptRef, Message] | None: ...

    def get_standing(self, digest: str) -> Standing | None: ...


def input_hash(request: ProviderRequest) -> str:
    """A digest of everything the provider is asked: the same digest, the same question."""
    document = {
        "model": request.model.model_dump(mode="json", include={"provider", "model", "base_url", "max_tokens"})
        | {"temperature": request.model.temperature},
        "system": request.system_prompt,
        "tools": [t.model_dump(mode="json") for t in request.tools],
        "messages": [m.model_dump(mode="json") for m in request.messages],
    }
    return hashlib.sha256(json.dumps(document, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def turn_cost(session: SessionRef, seq: int, **fields: Any) -> CostEvent:
    """A ledger row of turn `seq` of `session`, made now (`fields`: provider, model, usage, …)."""
    return CostEvent(
        company_id=session.company_id,
        agent=session.agent,
        task=session.task,
        goal=session.goal,
        seq=seq,
        at=datetime.now(UTC),
        **fields,
    )


def pending_cost(session: SessionRef, seq: int, worst: WorstCase, **fields: Any) -> CostEvent:
    """The unconfirmed row an attempt writes before its call is sent: its worst case."""
    usage = Usage(input_tokens=worst.input_tokens, output_tokens=worst.output_tokens)
    return turn_cost(session, seq, usage=usage, cost_usd=worst.usd, confirmed=False, **fields)


class _Heartbeat:
    """Progress of a streamed reply, heartbeated at stream start, then at most once a second as
    pieces come, and every second while none does (a model that thinks long before its first
    token is not taken for a lost worker)."""

    def __init__(self) -> None:
        self.chunks = 0
        self.chars = 0
        self._last = 0.0

    def beat(self) -> None:
        self._last = time.monotonic()
        activity.heartbeat({"chunks": self.chunks, "chars": self.chars})

    def __call__(self, piece: str) -> None:
        self.chunks += 1
        self.chars += len(piece)
        if time.monotonic() - self._last >= HEARTBEAT_EVERY_SECONDS:
            self.beat()

    async def keep_beating(self) -> None:
        """Beat every second that passed without a beat, until cancelled."""
        while True:
            await asyncio.sleep(IDLE_BEAT_SECONDS)
            if time.monotonic() - self._last >= IDLE_BEAT_SECONDS:
                self.beat()


class ModelActivities:
    """Model turns, with provider clients reused across turns of one worker.

    Args:
        store: where conversations and cost events are kept (`paperclip.store.Store`).
        keys: resolves a company's credential name to its key and where it may go
            (`paperclip.keyring.Keyring`); a blocking call.
        limits: the credentials' shared limits (`activities.limits`); None: none are kept.
        environ: where the deployment's provider base URLs are read (`OPENAI_BASE_URL`,
            `ANTHROPIC_BASE_URL`); by default the process settings' (`Settings.environ`).
        env_credentials: the environment variables allowed as credentials, named in the error
            when a credential is not found (None: not named).
    """

    def __init__(
        self,
        store: TurnStore,
        *,
        keys: KeyResolver,
        limits: CredentialLimits | None = None,
        environ: Mapping[str, str] | None = None,
        env_credentials: Collection[str] | None = None,
    ) -> None:
        self.store = store
        self._keys = keys
        self._limits = limits
        self._environ = get_settings().environ if environ is None else environ
        self._env_credentials = env_credentials
        self._clients: dict[tuple[Provider, str, str, str], ModelProvider] = {}
        self._standing: dict[str, Standing] = {}
        """Standing instructions and tools read back by hash: the same for every turn of a task."""
        self.calibration = Calibration()
        """How the provider's token counts compare with the estimate, per model (`activities.prompt_fit`)."""

    async def _provider(self, cfg: ModelConfig, company_id: str) -> tuple[ModelProvider, BoundKey | None]:
        """The client for a call on `cfg` by a company's agent, and the key it sends, once the
        key is found and bound to the very URL the client sends to.

        Raises:
            ApplicationError: `MissingCredential` or `CredentialNotBound` (non-retryable).
        """
        if cfg.provider is Provider.SIMULATED:
            return Simulated(), None
        name = cfg.credential_name or ""
        key = await asyncio.to_thread(self._keys, company_id, name)
        if key is None or not key.secret:
            raise missing_credential(cfg.provider.value, name, self._env_credentials)
        # The client is given this URL itself: with none, an SDK would read its own variable.
        url = client_base_url(cfg.provider, cfg.base_url, self._environ)
        if not key.allows(url):
            raise credential_not_bound(not_bound_message(name, key.urls, url))
        # Keyed by a digest, so a rotated key gets a fresh client and no secret sits in a key;
        # and by the endpoint's name, which the client's failures name.
        found = (cfg.provider, url, hashlib.sha256(key.secret.encode()).hexdigest(), key.name)
        client = self._clients.get(found)
        if client is None:
            cls = OpenAIChat if cfg.provider is Provider.OPENAI else AnthropicMessages
            client = self._clients[found] = cls(api_key=key.secret, base_url=url, endpoint=key.name)
        return client, key

    async def aclose(self) -> None:
        """Close the provider clients (at worker shutdown)."""
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            await client.aclose()

    async def _standing_of(self, input: ModelTurnInput) -> Standing:
        """The call's system prompt and tools: in its input, or stored under `input.standing`."""
        if input.standing is None:
            return Standing.model_construct(system_prompt=input.system_prompt, tools=input.tools)
        found = self._standing.get(input.standing)
        if found is None:
            found = await asyncio.to_thread(self.store.get_standing, input.standing)
            if found is None:  # the workflow stores it before the call: a store that lost it
                raise ApplicationError(
                    f"no stored instructions {input.standing[:12]}", type="StandingMissing", non_retryable=True
                )
            if len(self._standing) >= STANDING_CACHED:
                self._standing.pop(next(iter(self._standing)))
            self._standing[input.standing] = found
        return found

    async def fitted_request(
        self, provider: ModelProvider, cfg: ModelConfig, standing: Standing, messages: list[Message], seq: int
    ) -> ProviderRequest:
        """The request for `messages`, trimmed to fit `cfg`'s window (`activities.prompt_fit`).

        Raises:
            ApplicationError: `ContextTooLong` (non-retryable) when what must be kept does not fit.
        """
        try:
            return await measured_fit(provider, cfg, standing, messages, self.calibration, seq=seq)
        except context.ContextTooLong as err:
            raise ApplicationError(str(err), type=context.CONTEXT_TOO_LONG, non_retryable=True) from err

    async def call(
        self,
        provider: ModelProvider,
        key: BoundKey | None,
        request: ProviderRequest,
        *,
        before_send: Callable[[], Awaitable[None]] | None = None,
    ) -> ProviderReply:
        """Send `request`, within its credential's limits, heartbeating as the reply streams in;
        `before_send` runs once the limits admit it (the ledger row of a call about to go out).
        The reply's usage calibrates later estimates."""
        cfg = request.model
        # Limits are the bucket's: a team's credential is not another team's of the same name.
        credential = key.bucket if key is not None else None
        limits = self._limits if credential is not None else None
        took = used = 0
        estimated = plain(request)
        if limits is not None and credential is not None:
            if limits.tokens_per_minute(credential) is not None:
                # The worst case, as the providers count it: the prompt (calibrated) and all of `max_tokens`.
                took = math.ceil(estimated * (self.calibration.ratio(cfg) or 1.0)) + cfg.max_tokens
            await limits.admit(credential, took)
        try:
            if before_send is not None:
                await before_send()
            heartbeat = _Heartbeat()
            heartbeat.beat()
            beating = asyncio.ensure_future(heartbeat.keep_beating())
            try:
                reply = await provider.complete(request, heartbeat)
            finally:
                beating.cancel()
            used = reply.usage.input_tokens + reply.usage.output_tokens
        except ApplicationError as err:
            if limits is not None and credential is not None and err.type == RATE_LIMITED and err.next_retry_delay:
                await limits.cool_down(credential, err.next_retry_delay)
            raise
        finally:
            if limits is not None and credential is not None:
                await limits.settle(credential, took, used)
        self.calibration.observe(cfg, reply.usage.input_tokens, estimated)
        return reply

    @activity.defn(name=Activity.MODEL_TURN)
    async def model_turn(self, input: ModelTurnInput) -> ModelTurnResult:
        """Run one model call for `input.session` at turn `input.seq` and record it.

        Raises:
            ApplicationError: `ProviderRateLimited` / `ProviderUnavailable` (retryable, with the
                provider's `retry-after` as `next_retry_delay`), `ProviderRejected`,
                `MissingCredential`, `CredentialNotBound` or `ContextTooLong` (non-retryable).
        """
        cfg = input.model
        provider, key = await self._provider(cfg, input.session.company_id)
        standing = await self._standing_of(input)
        earlier = await asyncio.to_thread(self.store.load_messages, input.session, before_seq=input.seq)
        # Never sent over the model's window: old tool outputs stubbed, else the oldest middle left out.
        request = await self.fitted_request(provider, cfg, standing, [*earlier, *input.new_messages], input.seq)
        digest = input_hash(request)
        settled: list[SettledAttempt] = []
        if input.lost:
            settled = await asyncio.to_thread(self.store.settle_attempts, input.session, input.seq, input.lost)
            stored = await asyncio.to_thread(self.store.stored_reply, input.session, input.seq, input.lost, digest)
            if stored is not None:
                attempt, reply_message = stored
                activity.logger.info(
                    "%s turn %s: the reply of attempt %s (lost with its worker) is reused; nothing is sent",
                    input.session.task,
                    input.seq,
                    attempt.attempt,
                )
                return ModelTurnResult(
                    reply=reply_message,
                    usage=Usage(),
                    cost_usd=0.0,
                    provider=cfg.provider,
                    model=cfg.model,
                    simulated=cfg.is_simulated,
                    settled=settled,
                    reused=attempt,
                )

        async def begin() -> None:
            if input.worst is not None:
                pending = pending_cost(
                    input.session,
                    input.seq,
                    input.worst,
                    provider=cfg.provider,
                    model=cfg.model,
                    simulated=cfg.is_simulated,
                    model_index=input.model_index,
                    attempt=input.attempt,
                )
                await asyncio.to_thread(self.store.begin_call, pending, input_hash=digest)

        reply = await self.call(provider, key, request, before_send=begin)
        cost = pricing.cost_usd(cfg, reply.usage)
        if cost is None:
            # Said on every call, not once: each is a call the spend caps could not count in USD.
            activity.logger.warning(pricing.no_price_warning(cfg.provider, cfg.model))
        message = Message(
            role="assistant",
            content=reply.content,
            tool_calls=reply.tool_calls,
            author=input.session.agent,
        )
        event = turn_cost(
            input.session,
            input.seq,
            provider=cfg.provider,
            model=cfg.model,
            usage=reply.usage,
            cost_usd=cost,
            simulated=cfg.is_simulated,
            model_index=input.model_index,
            attempt=input.attempt,
        )
        await asyncio.to_thread(
            self.store.save_turn,
            input.session,
            seq=input.seq,
            new_messages=input.new_messages,
            reply=message,
            cost=event,
            input_hash=digest,
        )
        return ModelTurnResult(
            reply=message,
            usage=reply.usage,
            cost_usd=cost,
            provider=cfg.provider,
            model=cfg.model,
            simulated=cfg.is_simulated,
            stop_reason=reply.stop_reason,
            settled=settled,
        )
