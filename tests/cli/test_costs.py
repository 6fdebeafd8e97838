"""`paperclip costs` against the real API (dev server), over a ledger written to its store."""

import asyncio
import io
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from rich.console import Console
from typer.testing import CliRunner, Result

from cli import app
from paperclip.models import Message, Provider, SessionRef, Usage
from paperclip.store import Store
from tests.api.conftest import api, settings, store, task_queue, workers  # noqa: F401 — the real-API fixtures
from tests.api.helpers import create_company
from tests.store.factories import cost_event

runner = CliRunner()
DAY = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


async def cli(http: httpx.AsyncClient, company: str, *args: str) -> Result:
    argv = ["costs", *args, "--company", company, "--api-url", str(http.base_url)]
    return await asyncio.to_thread(runner.invoke, app, argv, env={"COLUMNS": "200"})


def spend(ledger: Store, company: str) -> None:
    calls = [
        ("ceo", "ACME-1", Provider.OPENAI, "gpt-4o", 0.5, DAY),
        ("ceo", "ACME-1", Provider.OPENAI, "gpt-4o", 0.25, DAY + timedelta(hours=1)),
        ("cto", "ACME-1.1", Provider.OPENAI, "my-model", None, DAY + timedelta(days=1)),
    ]
    for seq, (agent, task, provider, model, usd, at) in enumerate(calls, start=1):
        event = cost_event(
            seq,
            company_id=company,
            agent=agent,
            task=task,
            goal="G1",
            provider=provider,
            model=model,
            usage=Usage(input_tokens=1000 * seq, output_tokens=100, cached_input_tokens=10, cache_write_tokens=5 * seq),
            cost_usd=usd,
            simulated=False,
            at=at,
        )
        session = SessionRef(company_id=company, task=task, agent=agent, goal="G1")
        ledger.save_turn(session, seq=seq, new_messages=[], reply=Message(role="assistant"), cost=event)


def rows(output: str) -> dict[str, list[str]]:
    """Table rows by their first cell (box characters dropped)."""
    found: dict[str, list[str]] = {}
    for text in output.splitlines():
        cells = [c.strip() for c in text.replace("│", "┃").split("┃") if c.strip()]
        if len(cells) == 9:
            found[cells[0]] = cells[1:]
    return found


async def test_costs_by_agent_with_a_total_and_a_warning(api: httpx.AsyncClient, store: Store) -> None:  # noqa: F811
    company = (await create_company(api))["id"]
    spend(store, company)

    result = await cli(api, company)

    assert result.exit_code == 0, result.output
    table = rows(result.stdout)
    assert table["ceo"] == ["2", "3,000", "20", "15", "200", "$0.7500", "0", "0"]
    assert table["cto"] == ["1", "3,000", "10", "15", "100", "-", "1", "0"]
    assert table["Total"] == ["3", "6,000", "30", "30", "300", "$0.7500", "1", "0"]
    assert "warning: openai:my-model has no price: token-only accounting" in result.stderr


async def test_the_warning_is_yellow(api: httpx.AsyncClient, store: Store, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    company = (await create_company(api))["id"]
    spend(store, company)
    terminal = Console(file=io.StringIO(), force_terminal=True, color_system="standard")
    monkeypatch.setattr("cli.costs.err_console", terminal)

    assert (await cli(api, company)).exit_code == 0

    written = terminal.file.getvalue()
    assert "\x1b[33mwarning: openai:my-model has no price: token-only accounting" in written


async def test_costs_by_model_and_by_day_in_a_window(api: httpx.AsyncClient, store: Store) -> None:  # noqa: F811
    company = (await create_company(api))["id"]
    spend(store, company)

    by_model = await cli(api, company, "--by", "model")
    by_day = await cli(api, company, "--by", "day", "--since", "2025-03-01T09:30:00Z")

    assert by_model.exit_code == 0, by_model.output
    assert list(rows(by_model.stdout)) == ["Model", "openai:gpt-4o", "openai:my-model", "Total"]
    assert by_day.exit_code == 0, by_day.output
    days = rows(by_day.stdout)
    assert list(days) == ["Day", "2025-03-01", "2025-03-02", "Total"]
    assert days["Total"][0] == "2"


async def test_costs_of_an_unknown_company_fail_in_one_line(api: httpx.AsyncClient) -> None:  # noqa: F811
    result = await cli(api, "no-such-co")
    assert result.exit_code == 1
    assert result.stderr.strip() == "error: company 'no-such-co' not found (404 not_found)"


async def test_costs_before_any_call_say_so(api: httpx.AsyncClient) -> None:  # noqa: F811
    company = (await create_company(api))["id"]
    result = await cli(api, company, "--by", "goal")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"No model calls in {company} yet."


async def test_costs_of_cli_and_http_agents_are_rows_of_their_own(api: httpx.AsyncClient, store: Store) -> None:  # noqa: F811
    """The ledger names the tool as the provider of a CLI or HTTP agent's calls (`codex`, `process`)."""
    company = (await create_company(api))["id"]
    calls = [
        ("cto", "codex", "gpt-5-codex", None),
        ("cto", "claude-code", "claude-sonnet-4-5", 0.125),
        ("cmo", "process", "default", None),
        ("cmo", "http", "default", None),
    ]
    for seq, (agent, provider, model, usd) in enumerate(calls, start=1):
        event = cost_event(seq, company_id=company, agent=agent, provider=provider, model=model, cost_usd=usd,
                           usage=Usage(input_tokens=1000, output_tokens=100), simulated=False, at=DAY)  # fmt: skip
        session = SessionRef(company_id=company, task=event.task, agent=agent)
        store.save_turn(session, seq=seq, new_messages=[], reply=Message(role="assistant"), cost=event)

    result = await cli(api, company, "--by", "model")

    assert result.exit_code == 0, result.output
    table = rows(result.stdout)
    assert table["claude-code:claude-sonnet-4-5"] == ["1", "1,000", "0", "0", "100", "$0.1250", "0", "0"]
    for key in ("codex:gpt-5-codex", "process:default", "http:default"):
        assert table[key] == ["1", "1,000", "0", "0", "100", "-", "1", "0"]
    assert table["Total"] == ["4", "4,000", "0", "0", "400", "$0.1250", "3", "0"]
    assert "warning: codex:gpt-5-codex has no price: token-only accounting" in result.stderr
