"""`paperclip agent pause|resume|terminate`, `company pause|resume|archive` and
`task cancel|reassign|comment` against the real API (dev server)."""

import asyncio

import httpx
from typer.testing import CliRunner, Result

from cli import app
from tests.api.conftest import api, settings, store, task_queue, workers  # noqa: F401 — the real-API fixtures
from tests.api.helpers import create_company, wait_for_task

runner = CliRunner()


async def run(http: httpx.AsyncClient, *args: str) -> Result:
    """Run a command in a thread (the API serves on this loop) against the test API."""
    argv = [*args, "--api-url", str(http.base_url)]
    return await asyncio.to_thread(runner.invoke, app, argv, env={"COLUMNS": "200"})


def ok(result: Result) -> str:
    assert result.exit_code == 0, result.output
    return result.output


def failed(result: Result) -> str:
    """The command failed with exit 1 and one `error:` line; returns that line."""
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    return lines[0]


async def test_agent_pause_resume_terminate(api: httpx.AsyncClient) -> None:  # noqa: F811
    company = (await create_company(api))["id"]
    out = ok(await run(api, "agent", "pause", "cto", "--company", company, "--reason", "budget review"))
    assert f"Paused cto in {company}, now paused: budget review" in out
    out = ok(await run(api, "agent", "resume", "cto", "-c", company))
    assert f"Resumed cto in {company}, now " in out
    out = ok(await run(api, "agent", "terminate", "cmo", "-c", company))
    assert f"Terminated cmo in {company}, now terminated" in out

    assert failed(await run(api, "agent", "resume", "cto", "-c", company)).endswith("(409 conflict)")
    assert failed(await run(api, "agent", "pause", "ghost", "-c", company)) == (
        "error: agent 'ghost' not found (404 not_found)"
    )


async def test_company_pause_resume_archive(api: httpx.AsyncClient) -> None:  # noqa: F811
    company = (await create_company(api))["id"]
    assert f"Paused company {company}: audit" in ok(await run(api, "company", "pause", company, "-r", "audit"))
    assert failed(await run(api, "company", "pause", company)) == (
        "error: the company is already paused (409 conflict)"
    )
    assert f"Resumed company {company}" in ok(await run(api, "company", "resume", company))
    assert f"Archived company {company}" in ok(await run(api, "company", "archive", company))
    assert failed(await run(api, "company", "resume", company)) == (
        f"error: company '{company}' is archived (409 conflict)"
    )


async def test_task_reassign_comment_cancel(api: httpx.AsyncClient) -> None:  # noqa: F811
    company = (await create_company(api))["id"]
    ok(await run(api, "agent", "pause", "cto", "-c", company))
    ok(await run(api, "agent", "pause", "cmo", "-c", company))
    ok(await run(api, "task", "assign", "cto", "Build the engine", "-c", company))

    out = ok(await run(api, "task", "comment", "ACME-1", "Any news?", "-c", company))
    assert "Commented on ACME-1; reached ACME-1" in out
    assert failed(await run(api, "task", "comment", "ACME-9", "hi", "-c", company)) == (
        "error: task 'ACME-9' not found (404 not_found)"
    )
    assert "body" in failed(await run(api, "task", "comment", "ACME-1", " ", "-c", company))

    assert "Reassigned ACME-1 to cmo" in ok(await run(api, "task", "reassign", "ACME-1", "cmo", "-c", company))
    assert failed(await run(api, "task", "reassign", "ACME-1", "ghost", "-c", company)) == (
        "error: unknown agent 'ghost' (400 invalid_input)"
    )
    assert "Cancelled ACME-1: scrapped" in ok(
        await run(api, "task", "cancel", "ACME-1", "-c", company, "--reason", "scrapped")
    )
    await wait_for_task(api, company, "ACME-1", "cancelled")
    assert failed(await run(api, "task", "cancel", "ACME-1", "-c", company)) == (
        "error: task ACME-1 is cancelled (409 conflict)"
    )
