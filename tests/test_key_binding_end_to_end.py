"""Specs that never met the API — a company started on Temporal directly, so its tasks carry them —
are refused by the activities themselves: the task fails at once with a non-retryable error that
says where the key is bound, and the fake provider, which logs every request's headers, sees no
key it was not bound to. Hires by agents are checked as the API checks them. A team's
rate-limited credential has a model queue of its own, which the workers poll."""

import asyncio
import dataclasses
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment, WorkflowEnvironment

from activities.templates import TemplateActivities
from paperclip.constants import company_workflow_id, llm_queue, task_workflow_id
from paperclip.keyring import Keyring
from paperclip.keys import normalise_url
from paperclip.models import (
    AgentFromTemplateInput,
    AgentSpec,
    CompanyInput,
    CompanySpec,
    CreateTaskInput,
    HttpConfig,
    ModelConfig,
    Provider,
    RateLimit,
    TaskRecord,
    TaskStatus,
)
from paperclip.secrets import SecretBox, load_key
from paperclip.settings import Settings
from paperclip.store import Store
from tests.fakes import FakeModelServer
from tests.test_end_to_end import TEST_KEY, bound_settings, in_process_workers
from tests.workflows.helpers import wait_for
from workflows.company import CompanyWorkflow

DEPLOYMENT_SECRET = "sk-deployment-7c1e"
ELSEWHERE = "https://llm.example/v1"


@pytest.fixture
def model_server() -> Iterator[FakeModelServer]:
    with FakeModelServer() as server:
        yield server


@pytest.fixture
def store(tmp_path: Path) -> Store:
    store = Store(f"sqlite:///{tmp_path / 'paperclip.db'}")
    store.migrate()
    return store


@pytest.fixture
def settings(model_server: FakeModelServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Workers whose `TEST_PROVIDER_KEY` is bound to the fake server, and whose deployment key
    `OPENAI_API_KEY` is set (bound to OpenAI's URL alone)."""
    monkeypatch.setenv(TEST_KEY, "test-key")
    monkeypatch.setenv("OPENAI_API_KEY", DEPLOYMENT_SECRET)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    return bound_settings(model_server, home=tmp_path / "home", env_credentials=[TEST_KEY, "OPENAI_API_KEY"])


async def run_one_task(
    env: WorkflowEnvironment, store: Store, settings: Settings, agent: AgentSpec, *, company_id: str | None = None
) -> tuple[str, TaskRecord]:
    """Found a company of `agent` on Temporal directly, give it a task, wait for it to end: the
    company's id and the task."""
    company_id = company_id or f"kb-{uuid.uuid4().hex[:8]}"
    async with in_process_workers(env.client, store, settings=settings) as queue:
        company = await env.client.start_workflow(
            CompanyWorkflow.run,
            CompanyInput(spec=CompanySpec(id=company_id, name="Acme", prefix="ACME"), agents=[agent]),
            id=company_workflow_id(company_id),
            task_queue=queue,
        )
        await company.execute_update(CompanyWorkflow.create_task, CreateTaskInput(title="Ship it", assignee=agent.name))
        snap = await wait_for(company, lambda s: len(s.tasks) == 1 and s.tasks[0].status.is_terminal, timeout=60)
        await asyncio.sleep(0.3)  # the last store batch
    return company_id, snap.tasks[0]


async def failed_attempts(env: WorkflowEnvironment, company_id: str) -> list[tuple[str, bool, int]]:
    """(type, non_retryable, attempt) of each failed activity of the company's task ACME-1."""
    history = await env.client.get_workflow_handle(task_workflow_id(company_id, "ACME-1")).fetch_history()
    failed = []
    for event in history.events:
        if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED:
            failure = event.activity_task_failed_event_attributes.failure
            info = failure.application_failure_info
            started = history.events[event.activity_task_failed_event_attributes.started_event_id - 1]
            failed.append((info.type, info.non_retryable, started.activity_task_started_event_attributes.attempt))
    return failed


def red_company(store: Store, settings: Settings, name: str, secret: str, url: str) -> str:
    """A company id of team red, whose credential `name` (`secret`) is bound to `url`."""
    if not store.team_exists("red"):
        store.create_team("red")
    company = f"rocket-{uuid.uuid4().hex[:8]}"
    store.set_company_team(company, "red")
    sealed = SecretBox(load_key(settings.home_dir)).seal(f"red/{name}", secret)
    store.put_credential("red", name, sealed, [normalise_url(url)])
    return company


def at_fake(server: FakeModelServer, **fields: object) -> ModelConfig:
    return ModelConfig.model_validate(
        {"provider": "openai", "model": "gpt-4o-mini", "base_url": server.base_url_openai} | fields
    )


async def test_the_deployment_key_is_not_sent_to_a_model_of_the_specs_choosing(
    dev_env: WorkflowEnvironment, model_server: FakeModelServer, store: Store, settings: Settings
) -> None:
    agent = AgentSpec(name="ceo", role="ceo", model=at_fake(model_server))  # no credential: OPENAI_API_KEY

    company_id, task = await run_one_task(dev_env, store, settings, agent)

    assert task.status is TaskStatus.FAILED
    assert task.result == (
        "model call failed: credential 'OPENAI_API_KEY' is bound to https://api.openai.com/v1;"
        f" this agent's model is at {model_server.base_url_openai}"
    )
    assert await failed_attempts(dev_env, company_id) == [("CredentialNotBound", True, 1)]
    assert model_server.seen == []


async def test_a_teams_stored_key_is_not_sent_elsewhere_nor_an_unallowed_variable_read(
    dev_env: WorkflowEnvironment, model_server: FakeModelServer, store: Store, settings: Settings
) -> None:
    rocket = red_company(store, settings, "red-key", "sk-red", ELSEWHERE)

    agent = AgentSpec(name="ceo", role="ceo", model=at_fake(model_server, credential="red-key"))
    company_id, task = await run_one_task(dev_env, store, settings, agent, company_id=rocket)
    assert task.result == (
        f"model call failed: credential 'red-key' is bound to {ELSEWHERE};"
        f" this agent's model is at {model_server.base_url_openai}"
    )
    assert await failed_attempts(dev_env, company_id) == [("CredentialNotBound", True, 1)]

    agent = AgentSpec(name="ceo", role="ceo", model=at_fake(model_server, credential="PAPERCLIP_HOME"))
    company_id, task = await run_one_task(dev_env, store, settings, agent)
    assert task.status is TaskStatus.FAILED and "no credential 'PAPERCLIP_HOME' for openai" in (task.result or "")
    assert await failed_attempts(dev_env, company_id) == [("MissingCredential", True, 1)]
    assert model_server.seen == []


async def test_a_fallback_model_elsewhere_gets_no_key_when_the_bound_model_fails(
    dev_env: WorkflowEnvironment, model_server: FakeModelServer, store: Store, settings: Settings
) -> None:
    model_server.fail_next(1, status=400)  # the bound model refuses for good: the fallback's turn
    agent = AgentSpec(
        name="ceo",
        role="ceo",
        model=at_fake(model_server, credential=TEST_KEY),
        fallback_models=[at_fake(model_server)],  # the deployment's key, at the fake server
    )

    company_id, task = await run_one_task(dev_env, store, settings, agent)

    assert task.status is TaskStatus.FAILED and "credential 'OPENAI_API_KEY' is bound to" in (task.result or "")
    assert await failed_attempts(dev_env, company_id) == [
        ("ProviderRejected", True, 1),
        ("CredentialNotBound", True, 1),
    ]
    assert [r.headers["authorization"] for r in model_server.seen] == ["Bearer test-key"]  # the bound call only


async def test_an_http_agents_key_is_not_sent_to_a_url_it_is_not_bound_to(
    dev_env: WorkflowEnvironment, model_server: FakeModelServer, store: Store, settings: Settings
) -> None:
    http = HttpConfig(url=f"{model_server.base_url}/run", credential="OPENAI_API_KEY")
    agent = AgentSpec(name="ext", role="ceo", adapter="http", http=http)

    company_id, task = await run_one_task(dev_env, store, settings, agent)

    assert task.status is TaskStatus.FAILED
    assert task.result == (
        "HTTP turn failed: credential 'OPENAI_API_KEY' is bound to https://api.openai.com/v1;"
        f" this HTTP agent is at {model_server.base_url}/run"
    )
    assert model_server.seen == []


async def test_an_agents_hire_from_a_template_is_checked_for_its_company(
    store: Store, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The template's own model needs a key this worker lacks, so the hire falls back to the
    hirer's model — which names the team's key at a URL it is not bound to."""
    monkeypatch.delenv("OPENAI_API_KEY")
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    rocket = red_company(store, settings, "red-key", "sk-red", ELSEWHERE)
    hires = TemplateActivities(Keyring(store, settings, SecretBox(load_key(settings.home_dir)), cache_seconds=0))
    env = ActivityEnvironment()
    env.info = dataclasses.replace(env.info, workflow_id=task_workflow_id(rocket, "ACME-1"))
    request = AgentFromTemplateInput(
        template="coder",
        name="dev",
        reports_to="ceo",
        fallback=ModelConfig(
            provider=Provider.OPENAI, model="m", base_url="https://evil.example/v1", credential="red-key"
        ),
    )

    with pytest.raises(ApplicationError) as refused:
        await env.run(hires.agent_from_template, request)

    assert (refused.value.type, refused.value.non_retryable) == ("CredentialNotBound", True)
    assert refused.value.message == (
        f"dev: credential 'red-key' is bound to {ELSEWHERE}; this agent's model is at https://evil.example/v1"
    )
    bound = request.model_copy(update={"fallback": request.fallback.model_copy(update={"base_url": ELSEWHERE})})
    hired = await env.run(hires.agent_from_template, bound)
    assert (hired.model.credential, hired.model.base_url) == ("red-key", ELSEWHERE)


async def test_a_teams_rate_limited_key_has_a_model_queue_of_its_own(
    dev_env: WorkflowEnvironment, model_server: FakeModelServer, store: Store, settings: Settings
) -> None:
    rocket = red_company(store, settings, "fake", "test-key", model_server.base_url)
    limited = settings.model_copy(update={"rate_limits": {"red/fake": RateLimit(requests_per_minute=600)}})
    agent = AgentSpec(name="ceo", role="ceo", model=at_fake(model_server, credential="fake"))

    async with in_process_workers(dev_env.client, store, settings=limited, rate_limits=limited.rate_limits) as queue:
        company = await dev_env.client.start_workflow(
            CompanyWorkflow.run,
            CompanyInput(spec=CompanySpec(id=rocket, name="Rocket", prefix="ACME"), agents=[agent]),
            id=company_workflow_id(rocket),
            task_queue=queue,
        )
        await company.execute_update(CompanyWorkflow.create_task, CreateTaskInput(title="Ship it", assignee="ceo"))
        snap = await wait_for(company, lambda s: len(s.tasks) == 1 and s.tasks[0].status.is_terminal, timeout=60)

    assert snap.tasks[0].status is TaskStatus.DONE
    history = await dev_env.client.get_workflow_handle(task_workflow_id(rocket, "ACME-1")).fetch_history()
    queues = [
        e.activity_task_scheduled_event_attributes.task_queue.name
        for e in history.events
        if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
        and e.activity_task_scheduled_event_attributes.activity_type.name == "model_turn"
    ]
    assert queues == [llm_queue(queue, "red/fake")]
    assert model_server.keys_seen() == [("/v1/chat/completions", "authorization")]
