"""Cost summaries from the ledger, on SQLite and PostgreSQL."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.engine import make_url

from paperclip.models import Message, Provider, RecordInput, SessionRef, Usage
from paperclip.store import CostGroup, CostLine, Store
from tests.store.factories import cost_event, task_record

NIGHT = datetime(2025, 3, 1, 23, 30, tzinfo=UTC)
"""Half an hour before midnight UTC: another date in most other zones."""


def spend(store: Store, *events: dict[str, object]) -> None:
    """Save one turn per event (fields over the factory's), seq numbered per task."""
    seqs: dict[str, int] = {}
    for fields in events:
        task = str(fields.get("task", "ACME-1"))
        seqs[task] = seqs.get(task, 0) + 1
        event = cost_event(seqs[task], **fields)
        session = SessionRef(company_id=event.company_id, task=event.task, agent=event.agent, goal=event.goal)
        store.save_turn(session, seq=event.seq, new_messages=[], reply=Message(role="assistant"), cost=event)


def usage(n: int) -> Usage:
    return Usage(input_tokens=100 * n, output_tokens=10 * n, cached_input_tokens=n)


LEDGER: list[dict[str, object]] = [
    # ceo on gpt-4o, ACME-1 (G1): two calls on 1 March, late at night.
    {"agent": "ceo", "task": "ACME-1", "goal": "G1", "provider": Provider.OPENAI, "model": "gpt-4o",
     "usage": usage(1), "cost_usd": 0.25, "at": NIGHT},
    {"agent": "ceo", "task": "ACME-1", "goal": "G1", "provider": Provider.OPENAI, "model": "gpt-4o",
     "usage": usage(2), "cost_usd": 0.5, "at": NIGHT + timedelta(minutes=10)},
    # cto on a model without a price, ACME-1.1 (G1), 2 March.
    {"agent": "cto", "task": "ACME-1.1", "goal": "G1", "provider": Provider.OPENAI, "model": "my-model",
     "usage": usage(4), "cost_usd": None, "at": NIGHT + timedelta(hours=1)},
    # cto on claude, ACME-2 (no goal), 2 March.
    {"agent": "cto", "task": "ACME-2", "goal": None, "provider": Provider.ANTHROPIC, "model": "claude-haiku-4-5",
     "usage": usage(8), "cost_usd": 0.125, "at": NIGHT + timedelta(hours=2)},
    # Another company's spend is never counted.
    {"company_id": "globex", "agent": "ceo", "task": "GLOB-1", "provider": Provider.OPENAI, "model": "gpt-4o",
     "usage": usage(16), "cost_usd": 99.0, "at": NIGHT},
]  # fmt: skip


def line(key: str | None, *ns: int, cost: float = 0.0, unpriced: int = 0) -> CostLine:
    total = Usage()
    for n in ns:
        total += usage(n)
    return CostLine(key=key, calls=len(ns), usage=total, cost_usd=cost, unpriced_calls=unpriced)


@pytest.mark.parametrize(
    ("group", "expected"),
    [
        (CostGroup.AGENT, [line("ceo", 1, 2, cost=0.75), line("cto", 4, 8, cost=0.125, unpriced=1)]),
        (
            CostGroup.MODEL,
            [
                line("openai:gpt-4o", 1, 2, cost=0.75),
                line("anthropic:claude-haiku-4-5", 8, cost=0.125),
                line("openai:my-model", 4, unpriced=1),
            ],
        ),
        (
            CostGroup.TASK,
            [line("ACME-1", 1, 2, cost=0.75), line("ACME-2", 8, cost=0.125), line("ACME-1.1", 4, unpriced=1)],
        ),
        (CostGroup.GOAL, [line("G1", 1, 2, 4, cost=0.75, unpriced=1), line(None, 8, cost=0.125)]),
        (CostGroup.DAY, [line("2025-03-01", 1, 2, cost=0.75), line("2025-03-02", 4, 8, cost=0.125, unpriced=1)]),
    ],
    ids=lambda value: value.value if isinstance(value, CostGroup) else "",
)
def test_spend_is_summed_by_each_group(store: Store, group: CostGroup, expected: list[CostLine]) -> None:
    spend(store, *LEDGER)

    summary = store.cost_summary("acme", group_by=group)

    assert summary.group_by is group
    assert summary.data == expected
    assert summary.total == line(None, 1, 2, 4, 8, cost=0.875, unpriced=1)
    assert summary.unpriced_models == [(Provider.OPENAI, "my-model")]


def test_since_and_until_bound_the_calls_counted(store: Store) -> None:
    spend(store, *LEDGER)

    late = store.cost_summary("acme", group_by=CostGroup.AGENT, since=NIGHT + timedelta(minutes=10))
    early = store.cost_summary("acme", group_by=CostGroup.AGENT, until=NIGHT + timedelta(hours=1))
    window = store.cost_summary(
        "acme", group_by=CostGroup.DAY, since=NIGHT + timedelta(minutes=5), until=NIGHT + timedelta(hours=2)
    )

    assert late.data == [line("ceo", 2, cost=0.5), line("cto", 4, 8, cost=0.125, unpriced=1)]
    assert early.data == [line("ceo", 1, 2, cost=0.75)] and early.unpriced_models == []
    assert window.data == [line("2025-03-01", 2, cost=0.5), line("2025-03-02", 4, unpriced=1)]


def test_a_company_without_calls_sums_to_zero(store: Store) -> None:
    summary = store.cost_summary("acme", group_by=CostGroup.MODEL)
    assert (summary.data, summary.total, summary.unpriced_models) == ([], CostLine(key=None), [])


def test_days_are_utc_dates_whatever_the_sessions_time_zone(store: Store, database: str) -> None:
    spend(store, *LEDGER)
    if store.dialect == "postgresql":
        # A session in Auckland (UTC+13 in March) would put every call a day later.
        url = make_url(store.url).update_query_dict({"options": "-c timezone=Pacific/Auckland"})
        store = Store(url.render_as_string(hide_password=False))
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("SHOW timezone").scalar_one() == "Pacific/Auckland"
    try:
        days = store.cost_summary("acme", group_by=CostGroup.DAY).data
    finally:
        store.dispose()
    assert [(d.key, d.calls) for d in days] == [("2025-03-01", 2), ("2025-03-02", 2)]


def test_cost_events_keep_their_goal(store: Store) -> None:
    spend(store, *LEDGER[:4])
    assert [e.goal for e in store.list_cost_events("acme")] == ["G1", "G1", "G1", None]


def test_calls_of_cli_and_http_agents_are_rows_of_their_own_provider(store: Store) -> None:
    """The ledger names a CLI tool or adapter as the provider of its calls (not a `Provider`):
    each is its own row, its unpriced models named as they were kept."""
    tools = [
        {"agent": "dev", "provider": "codex", "model": "gpt-5-codex", "usage": usage(1), "cost_usd": None},
        {"agent": "dev", "provider": "claude-code", "model": "claude-sonnet-4-5", "usage": usage(2), "cost_usd": 0.5},
        {"agent": "ops", "provider": "process", "model": "default", "usage": Usage(), "cost_usd": None},
        {"agent": "ext", "provider": "http", "model": "default", "usage": usage(4), "cost_usd": None},
        {"agent": "dev", "provider": "opencode", "model": "fake/coder", "usage": usage(8), "cost_usd": 0.25},
    ]
    spend(store, *({"simulated": False, "task": f"ACME-{n}"} | call for n, call in enumerate(tools, start=1)))

    summary = store.cost_summary("acme", group_by=CostGroup.MODEL)

    assert summary.data == [
        line("claude-code:claude-sonnet-4-5", 2, cost=0.5),
        line("opencode:fake/coder", 8, cost=0.25),
        line("http:default", 4, unpriced=1),
        line("codex:gpt-5-codex", 1, unpriced=1),
        CostLine(key="process:default", calls=1, unpriced_calls=1),
    ]
    assert summary.total == CostLine(
        key=None, calls=5, usage=usage(1) + usage(2) + usage(4) + usage(8), cost_usd=0.75, unpriced_calls=3
    )
    assert summary.unpriced_models == [("codex", "gpt-5-codex"), ("http", "default"), ("process", "default")]
    by_agent = store.cost_summary("acme", group_by=CostGroup.AGENT).data
    assert [(a.key, a.calls, a.cost_usd, a.unpriced_calls) for a in by_agent] == [
        ("dev", 3, 0.75, 1),
        ("ext", 1, 0.0, 1),
        ("ops", 1, 0.0, 1),
    ]


def test_spend_is_summed_by_project_through_the_task_records(store: Store) -> None:
    spend(store, *LEDGER)
    store.record(
        RecordInput(
            tasks=[
                task_record("ACME-1", project="WEB", labels=["bug", "ui"]),
                task_record("ACME-1.1", parent="ACME-1", project="WEB"),
                task_record("ACME-2"),
                task_record("GLOB-1", company_id="globex", project="WEB"),
            ]
        )
    )

    summary = store.cost_summary("acme", group_by=CostGroup.PROJECT)

    assert summary.data == [line("WEB", 1, 2, 4, cost=0.75, unpriced=1), line(None, 8, cost=0.125)]
    assert summary.total == line(None, 1, 2, 4, 8, cost=0.875, unpriced=1)
    kept = store.get_task("acme", "ACME-1")
    assert kept is not None and (kept.project, kept.labels) == ("WEB", ["bug", "ui"])
    assert store.get_task("acme", "ACME-2").labels == []  # type: ignore[union-attr]
