"""A provider key and base URL written in a `.env` file reach the model call, bound to that URL,
and nothing else: not the process environment, not a CLI agent's processes, and not a model
naming a URL of its own."""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from temporalio.exceptions import ApplicationError

from activities.cli.activity import CliActivities
from activities.model_turn import ModelActivities
from paperclip.envfile import ENV_FILE_VARIABLE
from paperclip.keyring import Keyring
from paperclip.keys import KeyRefused
from paperclip.models import Adapter, AgentSpec, ModelConfig, Provider
from paperclip.settings import Settings, get_settings
from tests.activities.cli_helpers import fake_cli, script, turn
from tests.activities.conftest import FakeStore
from tests.activities.helpers import NoStoredKeys, run_turn, turn_input
from tests.activities.test_cli_environment import PROCESS, environ_while_running
from tests.fakes import FakeModelServer

__all__ = ["fake_cli"]  # fixtures

KEY = "sk-from-dotenv-4b7e19"
PROVIDER_VARIABLES = ("OPENAI_API_KEY", "OPENAI_BASE_URL", "ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL", ENV_FILE_VARIABLE)


@pytest.fixture
def dotenv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, server: FakeModelServer) -> Iterator[Settings]:
    """The process's settings read from a `.env` in the current directory that binds the OpenAI
    key to the fake server (which accepts only that key); no provider variable in the environment."""
    project = tmp_path / "project"
    project.mkdir()
    (project / ".env").write_text(f"OPENAI_API_KEY={KEY}\nOPENAI_BASE_URL={server.base_url_openai}\n")
    monkeypatch.chdir(project)
    for name in PROVIDER_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(server, "openai_key", KEY)
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()


def bearer_seen(server: FakeModelServer) -> list[str | None]:
    return [seen.headers.get("authorization") for seen in server.seen]


async def test_the_key_in_the_env_file_reaches_the_url_it_binds_and_stays_out_of_the_environment(
    dotenv: Settings, server: FakeModelServer, store: FakeStore
) -> None:
    before = dict(os.environ)
    # As a worker wires them: the keyring and the model activities read the process settings.
    acts = ModelActivities(store, keys=Keyring(NoStoredKeys(), dotenv, cache_seconds=0))

    result = await run_turn(acts, turn_input(ModelConfig(provider=Provider.OPENAI, model="m")))
    await acts.aclose()

    assert result.reply.tool_calls and server.calls == 1
    assert bearer_seen(server) == [f"Bearer {KEY}"]
    assert dict(os.environ) == before and "OPENAI_API_KEY" not in os.environ


async def test_a_model_naming_another_url_does_not_get_the_env_files_key(
    dotenv: Settings, server: FakeModelServer, store: FakeStore
) -> None:
    elsewhere = "http://127.0.0.1:9/v1"
    acts = ModelActivities(store, keys=Keyring(NoStoredKeys(), dotenv, cache_seconds=0))

    with pytest.raises(ApplicationError) as refused:
        await run_turn(acts, turn_input(ModelConfig(provider=Provider.OPENAI, model="m", base_url=elsewhere)))
    await acts.aclose()

    assert (refused.value.type, refused.value.non_retryable) == ("CredentialNotBound", True)
    bound = f"https://api.openai.com/v1 and {server.base_url_openai}"
    assert refused.value.message == (
        f"credential 'OPENAI_API_KEY' is bound to {bound}; this agent's model is at {elsewhere}"
    )
    assert KEY not in refused.value.message and server.seen == []


async def test_a_hire_is_checked_against_the_env_files_binding(dotenv: Settings) -> None:
    """The hire-time check reads the same `.env` binding: no base URL is the file's, allowed."""
    keyring = Keyring(NoStoredKeys(), dotenv)
    keyring.check_agent(None, AgentSpec(name="ceo", role="ceo", model=ModelConfig(provider=Provider.OPENAI, model="m")))
    other = ModelConfig(provider=Provider.OPENAI, model="m", base_url="https://llm.example/v1")
    with pytest.raises(KeyRefused, match="credential 'OPENAI_API_KEY' is bound to https://api.openai.com/v1 and "):
        keyring.check_agent(None, AgentSpec(name="ceo", role="ceo", model=other))


@pytest.mark.parametrize("adapter", [Adapter.CLAUDE_LOCAL, Adapter.PROCESS])
async def test_a_cli_agents_processes_see_nothing_of_the_env_file(
    adapter: Adapter, dotenv: Settings, fake_cli: Path, tmp_path: Path
) -> None:
    acts = CliActivities(
        FakeStore(),
        home=tmp_path / "home",
        keys=Keyring(NoStoredKeys(), dotenv),
        workspace_roots=[tmp_path],
        sandbox=False,
    )
    script(fake_cli, "hang")
    cli = {"command": PROCESS} if adapter is Adapter.PROCESS else {}

    seen = await environ_while_running(acts, turn(adapter, **cli))

    assert "PATH" in seen  # it is the running tool's environment
    assert not [name for name, value in seen.items() if KEY in value or name == "OPENAI_API_KEY"]
    assert "OPENAI_BASE_URL" not in seen
