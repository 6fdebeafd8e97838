"""The dashboard's pure row and figure builders."""

from datetime import UTC, datetime, timedelta

from paperclip.models import (
    Adapter,
    AgentSpec,
    AgentState,
    BudgetLine,
    BudgetReport,
    CliConfig,
    CompanySnapshot,
    CompanySpec,
    HttpConfig,
    ModelConfig,
    Provider,
    RetryState,
    Role,
    TaskRecord,
    Usage,
)
from ui.board import card_caption, card_notes
from ui.money import budget_rows
from ui.rows import RETRYING_COLOUR, SIMULATED_LABEL, model_label, org_dot, runs_on_label


def snapshot(*agents: AgentSpec) -> CompanySnapshot:
    return CompanySnapshot(
        spec=CompanySpec(id="acme", name="Acme", prefix="ACME"),
        agents=[AgentState(spec=spec) for spec in agents],
        tasks=[],
        queue=[],
        recent=[],
        usage=Usage(),
        cost_usd=0.0,
        archived=False,
        generation=0,
        simulated_agents=[],
    )


def test_org_dot_escapes_what_graphviz_would_misread() -> None:
    title = 'The "tech" one\\nC:\\dir\nsecond line'
    dot = org_dot(snapshot(AgentSpec(name="cto", role=Role.CTO, title=title)))
    assert '"cto\\nThe \\"tech\\" one\\\\nC:\\\\dir second line · cto\\n' in dot


def test_org_dot_shows_the_role_without_a_title_labels_the_simulated_model_and_draws_no_loop() -> None:
    dot = org_dot(snapshot(AgentSpec(name="solo", role=Role.QA, reports_to="solo")))
    assert f'[label="solo\\nqa\\n0.0000 USD this month\\n{SIMULATED_LABEL}"' in dot  # the default model
    assert "->" not in dot


def test_model_label_names_a_real_model_and_never_passes_a_simulated_one_for_real() -> None:
    real = ModelConfig(provider=Provider.OPENAI, model="gpt-4o-mini")
    assert model_label(real) == "openai:gpt-4o-mini"
    assert model_label(ModelConfig()) == SIMULATED_LABEL  # the default model is the offline one
    assert model_label(real, simulated=True) == SIMULATED_LABEL  # the company runs it simulated


def test_a_cli_or_http_agent_runs_on_its_tool_never_on_the_simulated_model() -> None:
    claude = AgentSpec(name="dev", role=Role.ENGINEER, adapter=Adapter.CLAUDE_LOCAL)
    assert runs_on_label(claude) == "claude"
    assert runs_on_label(claude.model_copy(update={"cli": CliConfig(model="opus")})) == "claude (opus)"
    ext = AgentSpec(name="ext", role=Role.ENGINEER, adapter=Adapter.HTTP, http=HttpConfig(url="https://a.example/x"))
    assert runs_on_label(ext) == "http (https://a.example/x)"
    assert runs_on_label(AgentSpec(name="ceo", role=Role.CEO)) == SIMULATED_LABEL


def test_a_card_says_why_its_task_holds_and_that_it_is_retrying() -> None:
    at = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
    task = TaskRecord(
        company_id="acme", identifier="ACME-1", title="Build", assignee="cto", created_at=at, updated_at=at
    )
    assert card_caption(task, now=at + timedelta(minutes=3)) == "cto · $0.00 · opened 3 min ago"
    assert card_notes(task) == ""
    held = task.model_copy(
        update={"held": "budget", "retry": RetryState(attempt=3, of=10, at=at, error="503", model="m")}
    )
    assert card_notes(held) == "⏸ held: budget · ↻ retrying 3/10: 503"


def test_an_agent_whose_task_retries_is_drawn_so_with_the_attempt_and_the_last_failure() -> None:
    at = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
    error = "openai endpoint 'local' at http://10.0.0.9:8000/v1 could not be reached: Connection error."
    retry = RetryState(attempt=4, of=10, at=at, error=error, model="gpt-4o-mini", since=at)
    task = TaskRecord(
        company_id="acme",
        identifier="ACME-1",
        title="Build",
        assignee="cto",
        status="running",
        retry=retry,
        created_at=at,
        updated_at=at,
    )
    cto = AgentSpec(name="cto", role=Role.CTO, model=ModelConfig(provider=Provider.OPENAI, model="gpt-4o-mini"))
    dot = org_dot(snapshot(cto).model_copy(update={"tasks": [task]}))
    assert "↻ ACME-1 retrying 4/10: openai endpoint 'local' at http…" in dot
    assert f'fillcolor="{RETRYING_COLOUR}"' in dot  # not the green of a plain `running`
    assert retry.describe() == f"attempt 4 of 10 at 12:00:00 UTC, failing since 12:00:00: {error}"


def test_a_budget_row_says_how_much_of_its_spend_is_unconfirmed() -> None:
    line = BudgetLine(
        scope="company",
        monthly_usd=1.0,
        monthly_tokens=None,
        month="2026-12",
        spent_usd=0.25,
        spent_tokens=3_000,
        unconfirmed_usd=0.05,
        unconfirmed_tokens=1_800,
        reserved_usd=0.0,
        reserved_tokens=0,
        share=0.25,
        status="ok",
    )
    (row,) = budget_rows(BudgetReport(data=[line], count=1, soft_limit=0.8, warnings=[]))
    assert row["spent"] == "$0.2500, 3,000 tokens (of which $0.0500 unconfirmed)"
    plain_line = line.model_copy(update={"unconfirmed_tokens": 0})
    (plain,) = budget_rows(BudgetReport(data=[plain_line], count=1, soft_limit=0.8, warnings=[]))
    assert plain["spent"] == "$0.2500, 3,000 tokens"


def test_the_spend_table_says_no_cap_where_a_budget_is_unset() -> None:
    from paperclip.models import Budget
    from ui.rows import NO_CAP, spend_rows

    company = snapshot()
    company.spec.budget = Budget(monthly_tokens=100_000)
    [row] = spend_rows(company)
    assert (row["budget (USD)"], row["token budget"]) == (NO_CAP, "100,000")
