"""A task whose tool outputs outgrow a small context window completes: the model activity trims
what it sends (old outputs stubbed by reference), and the fake provider, enforcing the same
window as the real ones do (a 400 past it), never refuses a request. Real Temporal, real store,
real SDKs on both wires."""

import json
from typing import Any

import pytest
from temporalio import activity
from temporalio.testing import WorkflowEnvironment

from paperclip.constants import Activity, company_workflow_id
from paperclip.context import conversation_text, estimate_tokens
from paperclip.models import (
    AgentSpec,
    CompanyInput,
    CompanySpec,
    CreateTaskInput,
    ModelConfig,
    Provider,
    RepositoryConfig,
    SessionRef,
    TaskStatus,
    ToolRunInput,
    ToolRunResult,
)
from paperclip.store import Store
from tests.fakes import FakeModelServer
from tests.fakes.model_server import _anthropic_conversation, _openai_conversation
from tests.test_end_to_end import MODELS, TEST_KEY, bound_settings, in_process_workers, model_server, store
from tests.workflows.helpers import wait_for
from tests.workflows.tool_stand_ins import PROBE_READ, TOOLS, ToolHost, tool_workers
from workflows.company import CompanyWorkflow

__all__ = ["model_server", "store"]  # the fixtures

WINDOW = 8192
MAX_TOKENS = 512
READS = 14
OUTPUT_CHARS = 2400


def ref_of(path: str) -> str:
    return f"to-{sum(map(ord, path)):032d}"


class BigOutputs(ToolHost):
    """Answers each read with `OUTPUT_CHARS` characters of the file; every third file is longer
    than that, its whole output stored by reference (as the real tools do past `INLINE_LIMIT`)."""

    def __init__(self, chars: int = OUTPUT_CHARS) -> None:
        super().__init__()
        self.chars = chars

    @activity.defn(name=Activity.RUN_TOOL)
    async def run_tool(self, input: ToolRunInput) -> ToolRunResult:
        self.runs.append(input)
        path = str(input.arguments.get("path"))
        body = (f"# {path}\n" + "def handler(event):\n    return event\n" * self.chars)[: self.chars]
        number = int(path.removeprefix("src/f").removesuffix(".py") or 0)
        if number % 3 == 0:
            return ToolRunResult(content=body, ref=ref_of(path), size=self.chars * 4)
        return ToolRunResult(content=body, size=len(body))


async def run_task(
    client: Any, store: Store, server: FakeModelServer, provider: Provider, host: BigOutputs, window: int
) -> tuple[str, Any]:
    base_url = server.base_url_openai if provider is Provider.OPENAI else server.base_url_anthropic
    model = ModelConfig(
        provider=provider,
        model=MODELS[provider],
        base_url=base_url,
        credential=TEST_KEY,
        max_tokens=MAX_TOKENS,
        context_window=window,
    )
    # Trimming alone: the prompts it sends stay under 85 % of the window, never reaching a compaction.
    agent = AgentSpec(name="dev", role="engineer", model=model, tools=TOOLS, compaction_share=0.95)
    async with (
        in_process_workers(client, store, settings=bound_settings(server), tools=False) as queue,
        tool_workers(client, host, queue),
    ):
        company_id = f"ctx-{provider}-{queue[-8:]}"
        spec = CompanySpec(id=company_id, name="Acme", prefix="ACME", repository=RepositoryConfig(source="/r"))
        company = await client.start_workflow(
            CompanyWorkflow.run,
            CompanyInput(spec=spec, agents=[agent]),
            id=company_workflow_id(company_id),
            task_queue=queue,
        )
        await company.execute_update(
            CompanyWorkflow.create_task, CreateTaskInput(title="Read every file", assignee="dev")
        )
        snap = await wait_for(company, lambda s: bool(s.tasks) and s.tasks[0].status.is_terminal, timeout=90)
        await company.terminate("the test is over")
    return company_id, snap.tasks[0]


def parsed(provider: Provider, body: dict[str, Any]) -> tuple[str, list[Any], list[Any]]:
    """A request as the provider reads it (raises on a tool result without its call)."""
    return (_openai_conversation if provider is Provider.OPENAI else _anthropic_conversation)(body)


@pytest.mark.parametrize("provider", [Provider.OPENAI, Provider.ANTHROPIC])
async def test_a_task_whose_tool_outputs_outgrow_the_window_completes_within_it(
    dev_env: WorkflowEnvironment,
    model_server: FakeModelServer,
    store: Store,
    provider: Provider,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(TEST_KEY, model_server.openai_key)
    model_server.context_window = WINDOW
    for n in range(1, READS + 1):
        model_server.call_next(PROBE_READ, json.dumps({"path": f"src/f{n}.py"}))
    host = BigOutputs()
    company_id, task = await run_task(dev_env.client, store, model_server, provider, host, WINDOW)

    assert task.status is TaskStatus.DONE, task.result
    assert len(host.runs) == READS
    assert model_server.too_long == 0
    assert model_server.calls == READS + 1
    # Every request fit the window as the provider counts it, reply included.
    sent = [u.input_tokens for u in model_server.usages]
    assert max(sent) + MAX_TOKENS <= WINDOW
    # The store kept everything: the whole conversation would not have fit.
    session = SessionRef(company_id=company_id, task=task.identifier, agent="dev")
    whole = store.load_messages(session, before_seq=10_000)
    assert sum(m.role == "tool" and len(m.content) >= OUTPUT_CHARS for m in whole) == READS
    last = model_server.requests[-1]
    system, tools, sent_messages = parsed(provider, last)
    assert estimate_tokens(conversation_text(system, tools, whole)) + MAX_TOKENS > WINDOW
    # Old outputs went as stubs (those stored by reference naming it); the last six turns whole.
    results = [m for m in sent_messages if m.role == "tool"]
    assert len(results) == READS
    stubs = [m.content for m in results if m.content.startswith("[output of probe_read")]
    assert stubs and all(len(m.content) >= OUTPUT_CHARS for m in results[-6:])
    assert f"stored whole as {ref_of('src/f3.py')}" in stubs[2]
    assert "call the tool again (or read_file)" in stubs[0]
    # Each request's tool results follow their calls (the fake refuses one that does not).
    for body in model_server.requests:
        parsed(provider, body)
    print(f"\n{provider}: prompt tokens per turn sent {sent}")


@pytest.mark.parametrize("provider", [Provider.OPENAI, Provider.ANTHROPIC])
async def test_a_kept_part_over_the_window_fails_the_task_with_a_clear_error(
    dev_env: WorkflowEnvironment,
    model_server: FakeModelServer,
    store: Store,
    provider: Provider,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(TEST_KEY, model_server.openai_key)
    model_server.context_window = 2048
    model_server.call_next(PROBE_READ, json.dumps({"path": "src/f1.py"}))
    host = BigOutputs(chars=20_000)  # ~5 k tokens in the last turn: it must stay, and cannot fit
    _, task = await run_task(dev_env.client, store, model_server, provider, host, 2048)

    assert task.status is not TaskStatus.DONE
    assert "context window of 2048 tokens" in (task.result or ""), task.result
    assert "plus max_tokens 512" in (task.result or "")
    assert model_server.calls == 1 and model_server.too_long == 0  # never sent


@pytest.mark.parametrize("provider", [Provider.OPENAI, Provider.ANTHROPIC])
async def test_a_denser_tokenizer_than_the_estimate_is_measured_not_overrun(
    dev_env: WorkflowEnvironment,
    model_server: FakeModelServer,
    store: Store,
    provider: Provider,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The provider counts 2.5 characters a token, 39 % more than the estimate with its margin
    thinks: Anthropic's prompts near the window are counted by its `count_tokens` before they go,
    OpenAI's estimate is calibrated by the usage of its earlier replies; no request passes the window."""
    monkeypatch.setenv(TEST_KEY, model_server.openai_key)
    model_server.context_window = WINDOW
    model_server.chars_per_token = 2.5
    for n in range(1, READS + 1):
        model_server.call_next(PROBE_READ, json.dumps({"path": f"src/f{n}.py"}))
    _, task = await run_task(dev_env.client, store, model_server, provider, BigOutputs(), WINDOW)

    assert task.status is TaskStatus.DONE, task.result
    assert model_server.too_long == 0
    sent = [u.input_tokens for u in model_server.usages]
    assert max(sent) + MAX_TOKENS <= WINDOW
    if provider is Provider.ANTHROPIC:
        # Counted near the window (free), not on every turn.
        assert 0 < len(model_server.counted) < model_server.calls
    else:
        assert model_server.counted == []
    print(f"\n{provider}: prompt tokens per turn sent {sent}; counted {model_server.counted}")
