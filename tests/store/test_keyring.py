"""A credential name leads, for a company's agent, to its team's stored credential, else the
deployment's, else an allowed environment variable: each bound to where it may go, keyed by its
team so that two teams' credentials of one name are two keys with two limits."""

import pytest
from temporalio.testing import ActivityEnvironment

from activities.limits import CredentialLimits
from paperclip.keyring import KEYLESS, Keyring
from paperclip.keys import BoundKey, KeyRefused, normalise_url
from paperclip.models import AgentSpec, Endpoint, EndpointKind, ModelQueueInput, RateLimit
from paperclip.secrets import SecretBox
from paperclip.settings import Settings
from paperclip.store import Store

BOX = SecretBox(b"s" * 32)
RED_URL, BLUE_URL, DEPLOYMENT_URL = "https://red.example/v1", "https://blue.example/v1", "https://llm.example/v1"


@pytest.fixture
def teams(store: Store) -> Store:
    """Teams red and blue with companies `rocket` and `bluebird`, and `solo` of no team; a
    credential `shared` for each team and the deployment, each with its own key and URL."""
    for team, company in (("red", "rocket"), ("blue", "bluebird")):
        store.create_team(team)
        store.set_company_team(company, team)
    for team, url in (("red", RED_URL), ("blue", BLUE_URL), (None, DEPLOYMENT_URL)):
        bucket = "shared" if team is None else f"{team}/shared"
        store.put_credential(team, "shared", BOX.seal(bucket, f"sk-{team or 'deployment'}"), [normalise_url(url)])
    return store


def keyring(store: Store, settings: Settings | None = None, environ: dict[str, str] | None = None) -> Keyring:
    return Keyring(store, settings or Settings(), BOX, environ=environ or {}, cache_seconds=0)


def test_a_company_gets_its_teams_credential_before_the_deployments(teams: Store) -> None:
    keys = keyring(teams)
    red, blue, solo = (keys(company, "shared") for company in ("rocket", "bluebird", "solo"))
    assert red == BoundKey(
        name="shared", secret="sk-red", urls=("https://red.example:443/v1",), bucket="red/shared", team="red"
    )
    assert blue is not None and (blue.secret, blue.bucket, blue.team) == ("sk-blue", "blue/shared", "blue")
    assert solo is not None and (solo.secret, solo.bucket, solo.team) == ("sk-deployment", "shared", None)
    assert red.allows(RED_URL + "/chat/completions") and not red.allows(BLUE_URL)
    teams.delete_credential("red", "shared")
    fallen_back = keys("rocket", "shared")
    assert fallen_back is not None and fallen_back.bucket == "shared"  # the deployment's, never blue's


def test_a_name_nobody_stored_or_allowed_leads_nowhere(teams: Store) -> None:
    keys = keyring(teams, environ={"PAPERCLIP_SECRET_KEY": "x", "HOME": "/root", "OPENAI_API_KEY": "sk-env"})
    assert keys("rocket", "PAPERCLIP_SECRET_KEY") is None
    assert keys("rocket", "HOME") is None
    assert keys("rocket", "nope") is None
    env = keys("rocket", "OPENAI_API_KEY")
    assert env == BoundKey(
        name="OPENAI_API_KEY", secret="sk-env", urls=("https://api.openai.com:443/v1",), bucket="OPENAI_API_KEY"
    )


def test_a_keyless_endpoint_is_a_credential_bound_to_its_url(teams: Store) -> None:
    endpoint = Endpoint(name="ollama", team="red", kind=EndpointKind.OPENAI_COMPATIBLE, url="http://127.0.0.1:11434/v1")
    teams.put_endpoint(endpoint, None, "http://127.0.0.1:11434/v1")
    key = keyring(teams)("rocket", "ollama")
    assert key is not None and (key.secret, key.urls, key.bucket) == (
        KEYLESS,
        ("http://127.0.0.1:11434/v1",),
        "red/ollama",
    )
    assert keyring(teams)("bluebird", "ollama") is None


def test_a_resolution_is_kept_for_a_minute_by_team_and_name(teams: Store) -> None:
    keys = Keyring(teams, Settings(), BOX, environ={})
    assert keys("rocket", "shared").secret == "sk-red"  # type: ignore[union-attr]
    teams.put_credential("red", "shared", BOX.seal("red/shared", "sk-red-2"), [normalise_url(RED_URL)])
    assert keys("rocket", "shared").secret == "sk-red"  # type: ignore[union-attr]
    assert keys("bluebird", "shared").secret == "sk-blue"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("spec", "code", "message"),
    [
        (
            {"model": {"provider": "openai", "model": "m", "base_url": BLUE_URL, "credential": "shared"}},
            "credential_not_bound",
            f"dev: credential 'shared' is bound to https://red.example/v1; this agent's model is at {BLUE_URL}",
        ),
        (
            {"wake_model": {"provider": "openai", "model": "m", "base_url": "https://evil.example/v1"}},
            "credential_not_bound",
            "dev: credential 'OPENAI_API_KEY' is bound to https://api.openai.com/v1;"
            " this agent's wake model is at https://evil.example/v1",
        ),
        (
            {"fallback_models": [{"provider": "anthropic", "model": "m", "base_url": "http://127.0.0.1:9"}]},
            "credential_not_bound",
            "dev: credential 'ANTHROPIC_API_KEY' is bound to https://api.anthropic.com;"
            " this agent's fallback models[0] is at http://127.0.0.1:9",
        ),
        (
            {"adapter": "http", "http": {"url": "https://evil.example/run", "credential": "shared"}},
            "credential_not_bound",
            "dev: credential 'shared' is bound to https://red.example/v1; this HTTP agent's URL is at"
            " https://evil.example/run",
        ),
        (
            {"model": {"provider": "openai", "model": "m", "credential": "PAPERCLIP_HOME"}},
            "unknown_credential",
            "dev: model: there is no credential 'PAPERCLIP_HOME' here",
        ),
        (
            {"model": {"provider": "openai", "model": "m", "base_url": "http://a b/v1", "credential": "shared"}},
            "invalid_url",
            "dev: model: 'http://a b/v1' is not a URL",
        ),
    ],
)
def test_a_hire_that_would_send_a_key_elsewhere_is_refused_naming_both_urls(
    teams: Store, spec: dict, code: str, message: str
) -> None:
    with pytest.raises(KeyRefused) as refused:
        keyring(teams).check_agent("red", AgentSpec.model_validate({"name": "dev"} | spec))
    assert refused.value.code == code
    assert refused.value.message.startswith(message), refused.value.message


def test_a_hire_within_its_bindings_passes(teams: Store) -> None:
    keys = keyring(teams, environ={"OPENAI_BASE_URL": "http://127.0.0.1:8080/v1"})
    for spec in (
        {"model": {"provider": "openai", "model": "m", "base_url": RED_URL, "credential": "shared"}},
        {"model": {"provider": "openai", "model": "m"}},  # the official URL, key set or not
        {"model": {"provider": "openai", "model": "m", "base_url": "http://127.0.0.1:8080/v1"}},
        {"model": {"provider": "simulated"}},
    ):
        keys.check_agent("red", AgentSpec.model_validate({"name": "dev"} | spec))


async def test_two_teams_same_named_credentials_have_two_queues_and_buckets(teams: Store) -> None:
    limits = CredentialLimits(
        teams,
        {"red/shared": RateLimit(requests_per_minute=60), "shared": RateLimit(requests_per_minute=30)},
        keys=keyring(teams),
    )
    env = ActivityEnvironment()
    queues = [
        await env.run(limits.model_queue, ModelQueueInput(company_id=company, credential="shared"))
        for company in ("rocket", "bluebird", "solo")
    ]
    assert queues == ["red/shared", None, "shared"]  # blue's has no limit: the shared model queue
    assert await env.run(limits.model_queue, ModelQueueInput(company_id="rocket", credential="nope")) is None
    assert await env.run(limits.credential_queue, "shared") is True  # histories from before: by name
