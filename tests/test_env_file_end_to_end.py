"""The deployment's OpenAI key and base URL written in a `.env` file, through real workers on a real
Temporal: an `openai` agent with no `base_url` of its own calls the file's `OPENAI_BASE_URL` with
the file's key, an agent whose model names another URL fails without the key being sent, and the
process environment never holds either."""

import os
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment

from paperclip.envfile import ENV_FILE_VARIABLE
from paperclip.models import AgentSpec, ModelConfig, Provider, TaskStatus
from paperclip.settings import Settings
from paperclip.store import Store
from tests.fakes import FakeModelServer
from tests.test_end_to_end import model_server, store
from tests.test_key_binding_end_to_end import ELSEWHERE, failed_attempts, run_one_task

__all__ = ["model_server", "store"]  # fixtures

KEY = "sk-dotenv-e2e-5d20c8"


@pytest.fixture
def settings(model_server: FakeModelServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """A worker started in a folder whose `.env` holds the OpenAI key and a base URL, the fake's."""
    project = tmp_path / "project"
    project.mkdir()
    (project / ".env").write_text(f"OPENAI_API_KEY={KEY}\nOPENAI_BASE_URL={model_server.base_url_openai}\n")
    monkeypatch.chdir(project)
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", ENV_FILE_VARIABLE):
        monkeypatch.delenv(name, raising=False)
    model_server.openai_key = KEY  # the fake answers this key only
    return Settings(home=tmp_path / "home")


async def test_an_agent_calls_the_env_files_base_url_with_its_key(
    dev_env: WorkflowEnvironment, model_server: FakeModelServer, store: Store, settings: Settings
) -> None:
    before = dict(os.environ)
    agent = AgentSpec(name="ceo", role="ceo", model=ModelConfig(provider=Provider.OPENAI, model="gpt-4o-mini"))

    _, task = await run_one_task(dev_env, store, settings, agent)

    assert task.status is TaskStatus.DONE, task.result
    assert model_server.seen and {r.headers["authorization"] for r in model_server.seen} == {f"Bearer {KEY}"}
    assert dict(os.environ) == before


async def test_a_model_naming_another_url_gets_no_key_from_the_env_file(
    dev_env: WorkflowEnvironment, model_server: FakeModelServer, store: Store, settings: Settings
) -> None:
    model = ModelConfig(provider=Provider.OPENAI, model="gpt-4o-mini", base_url=ELSEWHERE)

    company_id, task = await run_one_task(dev_env, store, settings, AgentSpec(name="ceo", role="ceo", model=model))

    assert task.status is TaskStatus.FAILED
    assert task.result == (
        "model call failed: credential 'OPENAI_API_KEY' is bound to https://api.openai.com/v1 and"
        f" {model_server.base_url_openai}; this agent's model is at {ELSEWHERE}"
    )
    assert await failed_attempts(dev_env, company_id) == [("CredentialNotBound", True, 1)]
    assert model_server.seen == []
