"""The ledger as model turns write it: real store, real model activity and SDKs, fake provider server."""

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from temporalio.testing import ActivityEnvironment

from activities.model_turn import ModelActivities
from paperclip.models import Message, ModelConfig, ModelTurnInput, Provider, SessionRef, Usage
from paperclip.store import CostGroup, Store
from paperclip.store.store import MIGRATIONS
from tests.activities.helpers import keys_for
from tests.fakes import FakeModelServer

GPT_4O_MINI = (0.15, 0.60, 0.075, 0.15)
HAIKU = (1.00, 5.00, 0.10, 1.25)
"""Their list prices (USD per million input, output, cached input, cache-write tokens), written out by hand."""


@pytest.fixture(scope="module")
def server() -> Iterator[FakeModelServer]:
    with FakeModelServer() as fake:
        yield fake


def usd(usage: Usage, price: tuple[float, float, float, float]) -> float:
    fresh = usage.input_tokens - usage.cached_input_tokens - usage.cache_write_tokens
    written = usage.cache_write_tokens * price[3]
    return (fresh * price[0] + usage.output_tokens * price[1] + usage.cached_input_tokens * price[2] + written) / 1e6


async def test_the_ledger_holds_what_the_provider_reported(store: Store, server: FakeModelServer) -> None:
    server.reset()
    server.cached_input_tokens = 10
    turns = ModelActivities(store, keys=keys_for(server))
    openai = ModelConfig(provider=Provider.OPENAI, model="gpt-4o-mini-2024-07-18", base_url=server.base_url_openai)
    anthropic = ModelConfig(provider=Provider.ANTHROPIC, model="claude-haiku-4-5", base_url=server.base_url_anthropic)
    unpriced = ModelConfig(provider=Provider.OPENAI, model="my-model", base_url=server.base_url_openai)
    calls = [
        ("ceo", "ACME-1", "G1", openai),
        ("ceo", "ACME-1", "G1", openai),
        ("cto", "ACME-1.1", "G1", anthropic),
        ("cmo", "ACME-2", "G2", unpriced),
    ]
    for n, (agent, task, goal, model) in enumerate(calls):
        await ActivityEnvironment().run(
            turns.model_turn,
            ModelTurnInput(
                session=SessionRef(company_id="acme", task=task, agent=agent, goal=goal),
                seq=1 if n != 1 else 2,
                model=model,
                system_prompt=f"You are the {agent} of Acme. " * 200,
                tools=[],
                new_messages=[Message(role="user", content=f"Task {task}: write the launch plan, part {n}")],
            ),
        )
    await turns.aclose()

    reported = server.usages
    assert len(reported) == 4 and all(u.cached_input_tokens >= 10 for u in reported)
    # The long system prompt is over the cache minimum: Anthropic writes it (a first call), and
    # OpenAI reads the prefix the same agent's earlier call sent.
    assert reported[2].cache_write_tokens > 0 and reported[1].cached_input_tokens > 10
    by_agent = {line.key: line for line in store.cost_summary("acme", group_by=CostGroup.AGENT).data}
    assert by_agent["ceo"].usage == reported[0] + reported[1]
    assert by_agent["cto"].usage == reported[2]
    assert by_agent["cmo"].usage == reported[3]
    ceo_usd = usd(reported[0], GPT_4O_MINI) + usd(reported[1], GPT_4O_MINI)
    assert by_agent["ceo"].cost_usd == pytest.approx(ceo_usd, abs=1e-9) and ceo_usd > 0
    assert by_agent["cto"].cost_usd == pytest.approx(usd(reported[2], HAIKU), abs=1e-9)
    assert (by_agent["cmo"].cost_usd, by_agent["cmo"].unpriced_calls) == (0.0, 1)

    by_goal = store.cost_summary("acme", group_by=CostGroup.GOAL)
    assert [(g.key, g.calls) for g in by_goal.data] == [("G1", 3), ("G2", 1)]
    total = by_goal.total
    assert total.usage == reported[0] + reported[1] + reported[2] + reported[3]
    assert round(total.cost_usd, 2) == round(ceo_usd + usd(reported[2], HAIKU), 2)
    assert total.cost_usd == pytest.approx(ceo_usd + usd(reported[2], HAIKU), abs=1e-9)
    assert by_goal.unpriced_models == [(Provider.OPENAI, "my-model")]
    assert [(e.agent, e.goal, e.model) for e in store.list_cost_events("acme", task="ACME-2")] == [
        ("cmo", "G2", "my-model")
    ]


def test_migrating_gives_earlier_cost_events_their_tasks_goal(database: str) -> None:
    store = Store(database)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with store.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0003")
    event = "INSERT INTO cost_events (company_id, task, seq, agent, provider, model, input_tokens, output_tokens,"
    event += " cached_input_tokens, cost_usd, simulated, at) VALUES ('acme', :task, 1, 'ceo', 'openai', 'gpt-4o',"
    event += " 10, 1, 0, 0.5, false, '2025-01-01 12:00:00')"
    task = "INSERT INTO tasks (company_id, identifier, title, brief, assignee, priority, status, turns, input_tokens,"
    task += " output_tokens, cached_input_tokens, cost_usd, created_at, updated_at, goal) VALUES ('acme', :task, 't',"
    task += " '', 'ceo', 'medium', 'done', 1, 10, 1, 0, 0.5, '2025-01-01 12:00:00', '2025-01-01 12:00:00', :goal)"
    with store.engine.begin() as conn:
        conn.execute(sa.text(task), [{"task": "ACME-1", "goal": "G3"}, {"task": "ACME-2", "goal": None}])
        conn.execute(sa.text(event), [{"task": "ACME-1"}, {"task": "ACME-2"}, {"task": "ACME-9"}])

    store.migrate()

    assert [(e.task, e.goal) for e in store.list_cost_events("acme")] == [
        ("ACME-1", "G3"),
        ("ACME-2", None),
        ("ACME-9", None),
    ]
    # Rows from before cache writes were counted wrote none.
    assert all(e.usage.cache_write_tokens == 0 for e in store.list_cost_events("acme"))
    with store.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0015")
    assert "cache_write_tokens" not in {c["name"] for c in sa.inspect(store.engine).get_columns("cost_events")}
    store.dispose()
