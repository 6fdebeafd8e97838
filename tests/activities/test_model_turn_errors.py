"""How provider failures reach Temporal: retryable with the provider's delay, or final and clear."""

import asyncio
import socket
from datetime import UTC, datetime, timedelta

import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.model_turn import ModelActivities
from activities.providers.errors import retry_delay
from paperclip.keyring import Keyring
from paperclip.keys import BoundKey, normalise_url
from paperclip.models import ModelConfig, Provider
from paperclip.settings import Settings
from tests.activities.helpers import NoStoredKeys, keys_for, run_turn, turn_input
from tests.fakes import FakeModelServer


def model(server: FakeModelServer, provider: Provider) -> ModelConfig:
    if provider is Provider.OPENAI:
        return ModelConfig(provider=provider, model="gpt-4.1-mini", base_url=server.base_url_openai)
    return ModelConfig(provider=provider, model="claude-haiku-4-5", base_url=server.base_url_anthropic)


def who(server: FakeModelServer, provider: Provider) -> str:
    """How a failure names the endpoint: its credential (the provider's default here) and its URL."""
    credential = "OPENAI_API_KEY" if provider is Provider.OPENAI else "ANTHROPIC_API_KEY"
    url = server.base_url_openai if provider is Provider.OPENAI else server.base_url_anthropic
    return f"{provider.value} endpoint '{credential}' at {url}"


BOTH = pytest.mark.parametrize("provider", [Provider.OPENAI, Provider.ANTHROPIC], ids=["openai", "anthropic"])


async def failing_turn(server: FakeModelServer, store, provider: Provider, **kwargs) -> ApplicationError:
    acts = ModelActivities(store, keys=kwargs.pop("keys", None) or keys_for(server))
    with pytest.raises(ApplicationError) as info:
        await run_turn(acts, turn_input(model(server, provider)))
    return info.value


@BOTH
async def test_rate_limit_is_retryable_after_the_providers_delay(server, store, provider) -> None:
    server.fail_next(1, status=429, retry_after=7)
    err = await failing_turn(server, store, provider)
    assert err.type == "ProviderRateLimited"
    assert not err.non_retryable
    assert err.next_retry_delay == timedelta(seconds=7)
    assert err.message.startswith(f"{who(server, provider)} rate limited the request (429): ")
    assert store.turns == {}  # nothing recorded for a failed call


@BOTH
async def test_retry_after_ms_wins_over_retry_after(server, store, provider) -> None:
    server.fail_next(1, status=429, retry_after=7, retry_after_ms=1500)
    err = await failing_turn(server, store, provider)
    assert err.next_retry_delay == timedelta(milliseconds=1500)


@BOTH
@pytest.mark.parametrize("status", [500, 503, 529, 408, 409])
async def test_server_errors_are_retryable(server, store, provider, status) -> None:
    server.fail_next(1, status=status)
    err = await failing_turn(server, store, provider)
    assert (err.type, err.non_retryable, err.next_retry_delay) == ("ProviderUnavailable", False, None)
    assert err.message.startswith(f"{who(server, provider)} is unavailable ({status}): ")


@BOTH
@pytest.mark.parametrize("status", [400, 403, 404, 422])
async def test_client_errors_are_final_with_a_one_line_reason(server, store, provider, status) -> None:
    server.fail_next(1, status=status, message="messages: bad\nthing")
    err = await failing_turn(server, store, provider)
    assert err.type == "ProviderRejected" and err.non_retryable
    assert err.message == f"{who(server, provider)} rejected the request ({status}): messages: bad thing"


async def test_a_wrong_openai_key_is_rejected_without_leaking_it(server, store) -> None:
    err = await failing_turn(server, store, Provider.OPENAI, keys=keys_for(server, "sk-wrong-secret"))
    assert err.non_retryable and err.type == "ProviderRejected"
    assert err.message == f"{who(server, Provider.OPENAI)} rejected the request (401): Incorrect API key provided."
    assert "sk-wrong-secret" not in str(err) and "sk-wrong-secret" not in repr(err.details)


async def test_a_wrong_anthropic_key_is_rejected(server, store) -> None:
    err = await failing_turn(server, store, Provider.ANTHROPIC, keys=keys_for(server, "sk-ant-wrong"))
    assert err.non_retryable
    assert err.message == f"{who(server, Provider.ANTHROPIC)} rejected the request (401): invalid x-api-key"


@BOTH
async def test_a_missing_key_names_the_credential_and_the_allowed_variables(server, store, provider) -> None:
    acts = ModelActivities(store, keys=lambda company, name: None, env_credentials=["OPENAI_API_KEY"])
    with pytest.raises(ApplicationError) as info:
        await run_turn(acts, turn_input(model(server, provider)))
    err = info.value
    assert err.type == "MissingCredential" and err.non_retryable
    assert f"no credential '{'OPENAI_API_KEY' if provider is Provider.OPENAI else 'ANTHROPIC_API_KEY'}'" in err.message
    assert "only OPENAI_API_KEY may be credentials" in err.message
    assert server.calls == 0


async def test_an_allowed_environment_credential_is_read_where_it_is_bound(server, store, monkeypatch) -> None:
    monkeypatch.setenv("ACME_OPENAI", "test-key")
    settings = Settings(env_credentials=["ACME_OPENAI"], credential_urls={"ACME_OPENAI": [server.base_url_openai]})
    keys = Keyring(NoStoredKeys(), settings, cache_seconds=0)
    cfg = model(server, Provider.OPENAI).model_copy(update={"credential": "ACME_OPENAI"})
    result = await run_turn(ModelActivities(store, keys=keys), turn_input(cfg))
    assert result.reply.tool_calls
    monkeypatch.delenv("ACME_OPENAI")
    with pytest.raises(ApplicationError, match="no credential 'ACME_OPENAI'"):
        await run_turn(ModelActivities(store, keys=keys), turn_input(cfg))


@BOTH
async def test_an_unreachable_endpoint_is_retryable(store, provider) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}" + ("/v1" if provider is Provider.OPENAI else "")
    cfg = ModelConfig(provider=provider, model="m", base_url=url)
    bound = BoundKey(name="local-llm", secret="test-key", urls=(normalise_url(url),), bucket="local-llm")
    with pytest.raises(ApplicationError) as info:
        await run_turn(ModelActivities(store, keys=lambda company, name: bound), turn_input(cfg))
    assert info.value.type == "ProviderUnavailable" and not info.value.non_retryable
    # Which endpoint, and where: the board reads this while the task retries.
    assert info.value.message.startswith(f"{provider.value} endpoint 'local-llm' at {url} could not be reached: ")


async def test_a_hung_call_is_cancelled_through_its_heartbeat(server, store) -> None:
    server.hang_next(1)
    env = ActivityEnvironment()
    acts = ModelActivities(store, keys=keys_for(server))
    run = asyncio.create_task(env.run(acts.model_turn, turn_input(model(server, Provider.OPENAI))))
    while server.calls == 0:
        await asyncio.sleep(0.01)
    env.cancel()
    with pytest.raises(asyncio.CancelledError):
        await run
    assert store.turns == {}


async def test_a_failure_is_followed_by_a_normal_answer(server, store) -> None:
    server.fail_next(1, status=500)
    acts = ModelActivities(store, keys=keys_for(server))
    with pytest.raises(ApplicationError):
        await run_turn(acts, turn_input(model(server, Provider.OPENAI)))
    result = await run_turn(acts, turn_input(model(server, Provider.OPENAI)))
    assert result.reply.tool_calls and server.calls == 2 and len(server.usages) == 1


def test_retry_after_reads_seconds_http_dates_and_milliseconds() -> None:
    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert retry_delay({"retry-after": "3"}) == timedelta(seconds=3)
    assert retry_delay({"retry-after": "Thu, 01 Jan 2026 12:00:30 GMT"}, now=now) == timedelta(seconds=30)
    assert retry_delay({"retry-after": "Thu, 01 Jan 2026 11:00:00 GMT"}, now=now) == timedelta(0)
    assert retry_delay({"retry-after-ms": "250"}) == timedelta(milliseconds=250)
    assert retry_delay({"retry-after": "soon"}) is None
    assert retry_delay({}) is None
