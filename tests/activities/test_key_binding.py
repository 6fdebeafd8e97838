"""A key goes only where it is bound: the model and HTTP turns check the very URL they send to,
follow no redirect, and read no environment variable the deployment did not allow. Each refusal
is checked on the servers' side too: they log every request's headers, and see no key."""

from collections.abc import Iterator
from functools import partial
from pathlib import Path

import httpx
import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.http_agent import HttpAgentActivities
from activities.model_turn import ModelActivities
from paperclip.keyring import Keyring
from paperclip.keys import KeyResolver
from paperclip.models import HttpConfig, HttpTurnInput, ModelConfig, Provider, SessionRef
from paperclip.settings import Settings
from paperclip.tokens import task_tokens
from tests.activities.conftest import FakeStore
from tests.activities.helpers import NoStoredKeys, keys_for, run_turn, turn_input
from tests.fakes import FakeModelServer

BOTH = pytest.mark.parametrize("provider", [Provider.OPENAI, Provider.ANTHROPIC], ids=["openai", "anthropic"])


@pytest.fixture(scope="module")
def elsewhere_server() -> Iterator[FakeModelServer]:
    with FakeModelServer() as fake:
        yield fake


@pytest.fixture
def elsewhere(elsewhere_server: FakeModelServer) -> FakeModelServer:
    """A second server: where a key is bound, or where a redirect points."""
    elsewhere_server.reset()
    return elsewhere_server


def model_at(server: FakeModelServer, provider: Provider, **fields: object) -> ModelConfig:
    base = server.base_url_openai if provider is Provider.OPENAI else server.base_url_anthropic
    return ModelConfig.model_validate({"provider": provider, "model": "m", "base_url": base} | fields)


async def refused_turn(store: FakeStore, keys: KeyResolver, model: ModelConfig, **options: object) -> ApplicationError:
    acts = ModelActivities(store, keys=keys, **options)  # type: ignore[arg-type]
    with pytest.raises(ApplicationError) as info:
        await run_turn(acts, turn_input(model))
    await acts.aclose()
    return info.value


@BOTH
async def test_a_key_bound_to_another_url_is_not_sent(server, elsewhere, store, provider) -> None:
    err = await refused_turn(store, keys_for(elsewhere), model_at(server, provider))

    assert (err.type, err.non_retryable) == ("CredentialNotBound", True)
    credential = "OPENAI_API_KEY" if provider is Provider.OPENAI else "ANTHROPIC_API_KEY"
    target = model_at(server, provider).base_url
    assert (
        err.message == f"credential '{credential}' is bound to {elsewhere.base_url}; this agent's model is at {target}"
    )
    assert "test-key" not in err.message
    assert server.seen == [] and elsewhere.seen == []


@BOTH
async def test_the_deployment_key_goes_to_the_official_url_not_to_a_model_of_its_choosing(
    server, store, provider
) -> None:
    environ = {"OPENAI_API_KEY": "sk-deployment", "ANTHROPIC_API_KEY": "sk-deployment"}
    keys = Keyring(NoStoredKeys(), Settings(), environ=environ, cache_seconds=0)

    err = await refused_turn(store, keys, model_at(server, provider), environ=environ)

    official = "https://api.openai.com/v1" if provider is Provider.OPENAI else "https://api.anthropic.com"
    assert err.type == "CredentialNotBound" and f"is bound to {official};" in err.message
    assert server.seen == []


@BOTH
async def test_the_base_url_variable_binds_the_deployment_key_and_is_where_the_call_goes(
    server, elsewhere, store, provider
) -> None:
    """With no `base_url` the SDKs would read their variable themselves: the activity reads it,
    checks it and hands it to the client, so the URL checked is the URL used."""
    variable = "OPENAI_BASE_URL" if provider is Provider.OPENAI else "ANTHROPIC_BASE_URL"
    base = server.base_url_openai if provider is Provider.OPENAI else server.base_url_anthropic
    environ = {"OPENAI_API_KEY": "test-key", "ANTHROPIC_API_KEY": "test-key", variable: base}
    keys = Keyring(NoStoredKeys(), Settings(), environ=environ, cache_seconds=0)
    acts = ModelActivities(store, keys=keys, environ=environ)

    result = await run_turn(acts, turn_input(ModelConfig(provider=provider, model="m")))
    await acts.aclose()

    assert result.reply.tool_calls and server.calls == 1
    # A stored key bound elsewhere is refused for the same URL, which the call never reaches.
    err = await refused_turn(store, keys_for(elsewhere), ModelConfig(provider=provider, model="m"), environ=environ)
    assert err.type == "CredentialNotBound"
    assert server.calls == 1


async def test_an_environment_variable_outside_the_allow_list_is_never_read(server, store) -> None:
    environ = {"PAPERCLIP_SECRET_KEY": "c2VjcmV0", "DATABASE_PASSWORD": "hunter2", "OPENAI_API_KEY": "test-key"}
    keys = Keyring(NoStoredKeys(), Settings(), environ=environ, cache_seconds=0)

    for name in ("PAPERCLIP_SECRET_KEY", "DATABASE_PASSWORD"):
        err = await refused_turn(
            store, keys, model_at(server, Provider.OPENAI, credential=name), env_credentials=Settings().env_credentials
        )
        assert (err.type, err.non_retryable) == ("MissingCredential", True)
        assert f"no credential '{name}'" in err.message
        assert "only OPENAI_API_KEY, ANTHROPIC_API_KEY may be credentials" in err.message
    assert server.seen == []


@BOTH
async def test_a_redirect_to_another_host_carries_no_key_there(server, elsewhere, store, provider) -> None:
    server.redirect_to = elsewhere.base_url

    err = await refused_turn(store, keys_for(server), model_at(server, provider))

    assert (err.type, err.non_retryable) == ("ProviderRejected", True)
    assert f"answered a redirect (307) to {elsewhere.base_url}" in err.message
    assert len(server.seen) == 1  # the bound server got the call (and its key) ...
    assert elsewhere.seen == []  # ... and nothing was sent on


def http_turn(url: str, credential: str | None = "agent-key") -> HttpTurnInput:
    return HttpTurnInput(
        session=SessionRef(company_id="acme", task="ACME-1", agent="ext"),
        seq=1,
        title="Fix the bug",
        http=HttpConfig(url=url, credential=credential),
        prompt="Fix the bug",
    )


def http_agents(
    store: FakeStore, keys: KeyResolver, home: Path, private_hosts: list[str] | None = None
) -> HttpAgentActivities:
    """The HTTP-agent activities; the test servers on 127.0.0.1 are allowed unless `private_hosts`
    says which are."""
    return HttpAgentActivities(
        store,
        keys=keys,
        tokens=partial(task_tokens, home),
        api_url="http://127.0.0.1:1",
        private_hosts=["127.0.0.1"] if private_hosts is None else private_hosts,
    )


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://127.0.0.1:{port}/run", "is a loopback address (this machine)"),
        ("http://localhost:{port}/run", "localhost is this machine"),
        ("http://169.254.169.254/latest/meta-data", "is a cloud metadata address"),
        ("http://169.254.10.1:8080/run", "is a link-local address"),
        ("http://metadata.google.internal/computeMetadata/v1/", "is a cloud metadata service"),
        ("http://[::ffff:127.0.0.1]:{port}/run", "is a loopback address (this machine)"),
    ],
)
async def test_an_http_agent_on_this_machine_or_a_metadata_service_is_refused_unless_allowed(
    server, store, tmp_path, url: str, why: str
) -> None:
    port = httpx.URL(server.base_url).port
    agents = http_agents(store, keys_for(server), tmp_path, private_hosts=[])

    with pytest.raises(ApplicationError) as info:
        await ActivityEnvironment().run(agents.http_turn, http_turn(url.format(port=port), credential=None))

    assert (info.value.type, info.value.non_retryable) == ("HttpAgentRefused", True)
    assert why in info.value.message and "PAPERCLIP_ALLOW_PRIVATE_HOSTS" in info.value.message
    allowed = http_agents(store, keys_for(server), tmp_path, private_hosts=[f"127.0.0.1:{port}"])
    with pytest.raises(ApplicationError) as reached:  # the model server has no agent there: it says 404
        await ActivityEnvironment().run(allowed.http_turn, http_turn(f"{server.base_url}/run", credential=None))
    assert "refused the task (404)" in reached.value.message


async def test_an_http_agents_key_bound_elsewhere_is_not_sent(server, elsewhere, store, tmp_path) -> None:
    agents = http_agents(store, keys_for(elsewhere), tmp_path)

    with pytest.raises(ApplicationError) as info:
        await ActivityEnvironment().run(agents.http_turn, http_turn(f"{server.base_url}/run"))

    assert (info.value.type, info.value.non_retryable) == ("CredentialNotBound", True)
    assert info.value.message == (
        f"credential 'agent-key' is bound to {elsewhere.base_url}; this HTTP agent is at {server.base_url}/run"
    )
    assert server.seen == [] and elsewhere.seen == []


async def test_an_http_agent_that_redirects_gets_the_key_but_nothing_is_sent_on(
    server, elsewhere, store, tmp_path
) -> None:
    server.redirect_to = elsewhere.base_url
    agents = http_agents(store, keys_for(server), tmp_path)

    with pytest.raises(ApplicationError) as info:
        await ActivityEnvironment().run(agents.http_turn, http_turn(f"{server.base_url}/run"))

    assert (info.value.type, info.value.non_retryable) == ("HttpAgentRefused", True)
    assert server.keys_seen() == [("/run", "authorization")]
    assert elsewhere.seen == []
