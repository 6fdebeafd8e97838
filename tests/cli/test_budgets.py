"""`paperclip budget show|set` and `company create --budget-usd/--budget-tokens` against the
real API (dev server)."""

import asyncio
import uuid
from typing import Any

import httpx

from tests.api.conftest import api, settings, store, task_queue, workers  # noqa: F401 — the real-API fixtures
from tests.api.helpers import create_company, wait_for_task
from tests.cli.test_goals import cells
from tests.cli.test_governance import failed, ok, run


def rows(table: str) -> list[list[str]]:
    """The body rows of the table, each cell stripped (Share is right-aligned)."""
    return [[cell.strip() for cell in row] for row in cells(table)]


async def _budget(http: httpx.AsyncClient, company: str, scope: str) -> dict[str, Any]:
    report = (await http.get(f"/api/companies/{company}/budgets")).json()
    line: dict[str, Any] = next(line for line in report["data"] if line["scope"] == scope)
    return line


async def test_company_create_with_a_budget(api: httpx.AsyncClient) -> None:  # noqa: F811
    company = f"co-{uuid.uuid4().hex[:10]}"
    out = ok(
        await run(api, "company", "create", "Acme", "--id", company, "-g", "Ship",
                  "--budget-usd", "50", "--budget-tokens", "2000000")
    )  # fmt: skip
    assert f"Created company {company} (Acme, prefix ACME), 1 goal, budget $50.00, 2,000,000 tokens a month" in out
    spec = (await api.get(f"/api/companies/{company}")).json()["spec"]
    assert spec["budget"] == {"monthly_usd": 50.0, "monthly_tokens": 2_000_000}
    assert (await run(api, "company", "create", "X", "-g", "x", "--budget-usd", "-1")).exit_code == 1


async def test_budget_set_changes_only_the_caps_it_names_and_show_lists_every_scope(
    api: httpx.AsyncClient,  # noqa: F811
) -> None:
    company = (await create_company(api))["id"]
    out = ok(await run(api, "budget", "set", "cto", "-c", company, "--tokens", "100000"))
    assert f"Budget of cto in {company}: 100,000 tokens a month; spent $0.00, 0 tokens (0%), ok" in out
    out = ok(await run(api, "budget", "set", "cto", "-c", company, "--usd", "5"))
    assert "Budget of cto in" in out and ": $5.00, 100,000 tokens a month" in out
    line = await _budget(api, company, "cto")
    assert (line["monthly_usd"], line["monthly_tokens"]) == (5.0, 100_000)
    ok(await run(api, "budget", "set", "cto", "-c", company, "--no-tokens"))
    line = await _budget(api, company, "cto")
    assert (line["monthly_usd"], line["monthly_tokens"]) == (5.0, None)
    out = ok(await run(api, "budget", "set", "-c", company, "--usd", "0.5"))  # the company by default
    assert f"Budget of company in {company}: $0.5000 a month" in out

    show = ok(await run(api, "budget", "show", "-c", company))
    assert f"Budgets of {company} in " in show and "warned at 80%" in show
    assert rows(show) == [
        ["company", "$0.5000", "$0.00, 0 tokens", "$0.00, 0 tokens", "0%", "ok"],
        ["ceo", "no cap", "$0.00, 0 tokens", "$0.00, 0 tokens", "-", "ok"],
        ["cto", "$5.00", "$0.00, 0 tokens", "$0.00, 0 tokens", "0%", "ok"],
        ["cmo", "no cap", "$0.00, 0 tokens", "$0.00, 0 tokens", "-", "ok"],
    ]


async def test_budget_show_marks_a_scope_its_budget_paused_and_prints_the_warning(
    api: httpx.AsyncClient,  # noqa: F811
) -> None:
    company = (await create_company(api))["id"]
    ok(await run(api, "budget", "set", "cto", "-c", company, "--tokens", "10"))
    ok(await run(api, "task", "assign", "cto", "Build it", "-c", company))
    for _ in range(300):
        if (await _budget(api, company, "cto"))["status"] == "paused":
            break
        await asyncio.sleep(0.1)
    show = ok(await run(api, "budget", "show", "-c", company))
    assert ["cto", "10 tokens", "$0.00, 0 tokens", "$0.00, 0 tokens", "0%", "paused"] in rows(show)
    assert show.rstrip().splitlines()[-1] == "cto is paused: its monthly budget is spent"
    # Why its task waits, and why the agent stops, shows in the task list, the agents and the chart.
    assert "held: budget" in ok(await run(api, "task", "list", "-c", company))
    assert "paused (budget)" in ok(await run(api, "agent", "list", "-c", company))
    assert "paused (budget)" in ok(await run(api, "org", "-c", company))

    out = ok(await run(api, "budget", "set", "cto", "-c", company, "--tokens", "1000000"))
    assert out.rstrip().endswith(", ok")
    await wait_for_task(api, company, "ACME-1")


async def test_budget_errors_are_one_line(api: httpx.AsyncClient) -> None:  # noqa: F811
    company = (await create_company(api))["id"]
    assert failed(await run(api, "budget", "set", "ghost", "-c", company, "--usd", "5")) == (
        "error: agent 'ghost' not found (404 not_found)"
    )
    assert failed(await run(api, "budget", "show", "-c", "no-such-co")) == (
        "error: company 'no-such-co' not found (404 not_found)"
    )
    assert failed(await run(api, "budget", "set", "cto", "-c", company)) == (
        "error: nothing to change: give --usd, --tokens, --no-usd or --no-tokens"
    )
    assert "not both" in failed(await run(api, "budget", "set", "-c", company, "--usd", "5", "--no-usd"))
    ok(await run(api, "agent", "terminate", "cmo", "-c", company))
    assert failed(await run(api, "budget", "set", "cmo", "-c", company, "--usd", "5")) == (
        "error: agent 'cmo' is terminated (409 conflict)"
    )
    assert (await run(api, "budget", "set", "cto", "-c", company, "--tokens", "-3")).exit_code == 1


async def test_a_task_assigned_with_a_lifetime_cap_shows_it_and_budget_set_raises_or_drops_it(
    api: httpx.AsyncClient,  # noqa: F811
) -> None:
    company = (await create_company(api))["id"]
    out = ok(await run(api, "task", "assign", "cto", "Build it", "-c", company, "--budget-tokens", "10"))
    assert "Assigned ACME-1 to cto" in out
    for _ in range(300):
        report = (await api.get(f"/api/companies/{company}/budgets")).json()
        if report["caps"] and report["caps"][0]["status"] == "paused":
            break
        await asyncio.sleep(0.1)
    show = ok(await run(api, "budget", "show", "-c", company))
    assert ["task:ACME-1", "10 tokens", "$0.00, 0 tokens", "$0.00, 0 tokens", "0%", "paused"] in rows(show)
    assert "task:ACME-1 is held: its budget is spent" in show

    out = ok(await run(api, "budget", "set", "task:ACME-1", "-c", company, "--usd", "5"))
    assert f"Cap of task:ACME-1 in {company}: $5.00, 10 tokens in all;" in out  # --tokens kept
    out = ok(await run(api, "budget", "set", "task:ACME-1", "-c", company, "--no-tokens"))
    assert out.rstrip().endswith(", ok") and "$5.00 in all" in out
    await wait_for_task(api, company, "ACME-1")
    out = ok(await run(api, "budget", "set", "task:ACME-1", "-c", company, "--no-usd"))
    assert f"task:ACME-1 in {company} has no cap now" in out
    assert "goal 'G7' not found" in failed(await run(api, "budget", "set", "goal:G7", "-c", company, "--usd", "1"))
