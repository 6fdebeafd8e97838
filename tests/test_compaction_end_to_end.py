"""A task whose conversation nears its model's context window is compacted: a model call writes a
summary, later requests carry it instead of the older messages, its cost is in the ledger and
its trace shows it; over the real SDKs, from the fake provider server, on the real workers."""

import json
from typing import Any

import pytest
from temporalio.testing import WorkflowEnvironment

from api.traces import build_trace
from paperclip.compaction import SUMMARY_AUTHOR, SUMMARY_HEADING, SUMMARY_REQUEST
from paperclip.constants import CompanySignal, task_workflow_id
from paperclip.models import AgentSpec, Budget, BudgetRequest, CreateTaskInput, ModelConfig, Provider, TaskStatus
from paperclip.pricing import worst_case
from paperclip.store import Store
from tests.fakes import FakeModelServer
from tests.test_end_to_end import (
    MODELS,
    TEST_KEY,
    all_done,
    bound_settings,
    in_process_workers,
    model_server,  # noqa: F401 - a fixture
    start_company,
    store,  # noqa: F401 - a fixture
)
from tests.workflows.helpers import wait_for
from workflows.company import CompanyWorkflow

WINDOW = 10_000
"""The agent's model's context window, in tokens."""
SHARE = 0.5
"""Compaction from half of it (5,000): well before trimming (85 % of it, less the reply, estimated
with a margin) would leave older messages out."""
NOTES = 14
"""Turns that each add a long call to the conversation (about 500 tokens) before the task ends."""


def note_arguments(n: int) -> str:
    return json.dumps({"text": f"note-{n} " + "lorem ipsum dolor sit amet " * 70})


def is_compaction(body: dict[str, Any]) -> bool:
    """Whether the request asks for a summary (Anthropic's merges it into the last user message)."""
    last = body["messages"][-1]
    return last.get("role") == "user" and SUMMARY_REQUEST in json.dumps(last.get("content"))


async def run_long_task(
    dev_env: WorkflowEnvironment, server: FakeModelServer, kept: Store, agent: AgentSpec
) -> tuple[str, Any]:
    for n in range(NOTES):
        server.call_next("write_notes", note_arguments(n))
    async with in_process_workers(dev_env.client, kept, settings=bound_settings(server)) as queue:
        company_id, company = await start_company(dev_env.client, queue, [agent])
        await company.execute_update(CompanyWorkflow.create_task, CreateTaskInput(title="Keep notes", assignee="solo"))
        snap = await wait_for(company, all_done(1), timeout=60)
    return company_id, snap.tasks[0]


def agent_on(server: FakeModelServer, provider: Provider = Provider.OPENAI, **fields: Any) -> AgentSpec:
    model = ModelConfig(
        provider=provider,
        model=MODELS[provider],
        base_url=server.base_url_openai if provider is Provider.OPENAI else server.base_url_anthropic,
        credential=TEST_KEY,
        context_window=WINDOW,
        max_tokens=256,
    )
    return AgentSpec(name="solo", model=model, max_turns=40, compaction_share=SHARE, **fields)


@pytest.mark.parametrize("provider", [Provider.OPENAI, Provider.ANTHROPIC])
async def test_a_long_conversation_is_compacted_at_the_threshold_and_later_requests_carry_the_summary(
    dev_env: WorkflowEnvironment,
    model_server: FakeModelServer,  # noqa: F811
    store: Store,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    provider: Provider,
) -> None:
    monkeypatch.setenv(TEST_KEY, model_server.openai_key)
    company_id, task = await run_long_task(dev_env, model_server, store, agent_on(model_server, provider))

    assert task.status is TaskStatus.DONE, task.result
    bodies, usages = model_server.requests, model_server.usages
    compactions = [i for i, body in enumerate(bodies) if is_compaction(body)]
    assert compactions, "no compaction request reached the provider"
    first = compactions[0]
    # The turn before it measured a prompt (with its reply) past the share of the window; none before did.
    measured = [u.input_tokens + u.output_tokens for u in usages]
    assert measured[first - 1] >= SHARE * WINDOW
    assert all(m < SHARE * WINDOW for m in measured[: first - 1])
    # It was asked about the whole conversation: every note so far.
    asked = json.dumps(bodies[first]["messages"])
    assert all(f"note-{n} " in asked for n in range(first))
    # After it, the requests carry the brief and the summary, not the older notes.
    after = bodies[first + 1]
    text = json.dumps(after["messages"])
    assert SUMMARY_HEADING in text and "Keep notes" in text
    assert not any(f"note-{n} " in text for n in range(first))
    # The system prompt, the brief, the summary (Anthropic's: one user message of both, as it wants).
    roles = ["system", "user", "user"] if provider is Provider.OPENAI else ["user"]
    assert [m["role"] for m in after["messages"]] == roles
    assert after.get("tools"), "the agent's tools are offered after the compaction too"
    assert measured[first + 1] < measured[first - 1] / 2

    # The store keeps every message; the summary is one of them.
    kept = store.list_messages(company_id, "ACME-1")
    assert all(f"note-{n} " in json.dumps([m.model_dump() for m in kept]) for n in range(NOTES))
    summaries = [m for m in kept if m.author == SUMMARY_AUTHOR]
    assert len(summaries) == len(compactions)

    # Its cost is in the ledger, as a turn of its own, and in the task's.
    costs = {c.seq: c for c in store.list_cost_events(company_id, task="ACME-1")}
    assert len(costs) == task.turns == len(bodies)
    seq = first + 1
    assert costs[seq].confirmed and costs[seq].usage.input_tokens == usages[first].input_tokens
    assert costs[seq].cost_usd is not None and costs[seq].cost_usd > 0
    assert task.cost_usd == pytest.approx(sum(c.cost_usd or 0.0 for c in costs.values()))

    # The trace shows it, with the summary.
    trace = await build_trace(dev_env.client, company_id, "ACME-1")
    shown = [e for e in trace.events if e.kind == "compaction"]
    assert [e.turn for e in shown] == [i + 1 for i in compactions]
    assert shown[0].content.startswith(SUMMARY_HEADING) and shown[0].cost_usd == costs[seq].cost_usd


async def budget_requests(dev_env: WorkflowEnvironment, company_id: str, task: str) -> list[BudgetRequest]:
    """The budget requests the task sent its company, from its history."""
    history = await dev_env.client.get_workflow_handle(task_workflow_id(company_id, task)).fetch_history()
    converter = dev_env.client.data_converter
    found = []
    for event in history.events:
        attrs = event.signal_external_workflow_execution_initiated_event_attributes
        if event.HasField("signal_external_workflow_execution_initiated_event_attributes") and (
            attrs.signal_name == CompanySignal.REQUEST_BUDGET
        ):
            [request] = await converter.decode(attrs.input.payloads, [BudgetRequest])
            found.append(request)
    return found


async def test_the_compaction_model_writes_the_summary_reserved_from_the_budget_at_its_price(
    dev_env: WorkflowEnvironment,
    model_server: FakeModelServer,  # noqa: F811
    store: Store,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(TEST_KEY, model_server.openai_key)
    cheap = ModelConfig(
        provider=Provider.OPENAI, model="gpt-4.1-nano", base_url=model_server.base_url_openai, credential=TEST_KEY
    )
    agent = agent_on(model_server, compaction_model=cheap, budget=Budget(monthly_usd=10))
    company_id, task = await run_long_task(dev_env, model_server, store, agent)

    assert task.status is TaskStatus.DONE, task.result
    # Every turn, the compaction too, was reserved first; the compaction at the cheaper model's price.
    requests = {r.seq: r for r in await budget_requests(dev_env, company_id, "ACME-1")}
    assert sorted(requests) == list(range(1, task.turns + 1))
    seq = next(i for i, body in enumerate(model_server.requests) if is_compaction(body)) + 1
    asked = requests[seq].tokens - cheap.max_tokens
    before = model_server.usages[seq - 2]  # the turn before it: the prompt measured, with its reply
    assert asked > before.input_tokens + before.output_tokens
    assert requests[seq].usd == pytest.approx(worst_case(cheap, asked)[0])
    models = [(is_compaction(body), body["model"]) for body in model_server.requests]
    assert (True, "gpt-4.1-nano") in models
    assert {model for compacting, model in models if compacting} == {"gpt-4.1-nano"}
    assert {model for compacting, model in models if not compacting} == {MODELS[Provider.OPENAI]}


async def test_a_failed_compaction_leaves_the_conversation_whole_and_the_task_goes_on(
    dev_env: WorkflowEnvironment,
    model_server: FakeModelServer,  # noqa: F811
    store: Store,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(TEST_KEY, model_server.openai_key)
    gone = ModelConfig(
        provider=Provider.OPENAI, model="gpt-4.1-nano", base_url=model_server.base_url_openai, credential="GONE_KEY"
    )
    company_id, task = await run_long_task(dev_env, model_server, store, agent_on(model_server, compaction_model=gone))

    assert task.status is TaskStatus.DONE, task.result
    bodies = model_server.requests
    assert not any(is_compaction(body) for body in bodies)
    assert SUMMARY_HEADING not in json.dumps(bodies[-1]["messages"])  # nothing summarised: trimming alone
    # The try took a seq (and failed before a call); none again within `RETRY_AFTER_TURNS`.
    assert task.turns == len(bodies) + 1
    assert not [m for m in store.list_messages(company_id, "ACME-1") if m.author == SUMMARY_AUTHOR]
    trace = await build_trace(dev_env.client, company_id, "ACME-1")
    errors = [e for e in trace.events if e.kind == "error"]
    assert len(errors) == 1 and errors[0].content.startswith("compaction failed") and "GONE_KEY" in errors[0].content


async def test_a_compaction_answered_with_no_summary_replaces_nothing_and_stays_charged(
    dev_env: WorkflowEnvironment,
    model_server: FakeModelServer,  # noqa: F811
    store: Store,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(TEST_KEY, model_server.openai_key)
    model_server.empty_summaries = 1
    company_id, task = await run_long_task(dev_env, model_server, store, agent_on(model_server))

    assert task.status is TaskStatus.DONE, task.result
    asked = [i for i, body in enumerate(model_server.requests) if is_compaction(body)]
    assert asked  # the model was asked, and answered with nothing
    first = asked[0] + 1
    summaries = [m for m in store.list_messages(company_id, "ACME-1") if m.author == SUMMARY_AUTHOR]
    assert all(m.content.strip() != SUMMARY_HEADING for m in summaries)  # no empty summary kept
    # Its call was answered and may be billed: its ledger row stays at its worst case, unconfirmed.
    row = next(e for e in store.list_cost_events(company_id, task="ACME-1") if e.seq == first)
    assert not row.confirmed and row.cost_usd > 0
    # The requests after it still carry the messages before it (nothing was replaced by it).
    assert SUMMARY_HEADING not in json.dumps(model_server.requests[first]["messages"])
    trace = await build_trace(dev_env.client, company_id, "ACME-1")
    errors = [e for e in trace.events if e.kind == "error"]
    assert len(errors) == 1 and "wrote no summary" in errors[0].content
