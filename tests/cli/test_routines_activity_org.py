"""`paperclip routine`, `paperclip activity` and `paperclip org` against the real API (dev server)."""

import asyncio
from typing import Any

import httpx
from typer.testing import CliRunner, Result

from cli import app
from tests.api.conftest import api, settings, store, task_queue, workers  # noqa: F401 — the real-API fixtures
from tests.api.helpers import create_company, wait_for_task

runner = CliRunner()


async def cli(http: httpx.AsyncClient, company: str, *args: str) -> Result:
    """Run a command in a thread (the API serves on this loop) with the company and API URL set."""
    argv = [*args, "--company", company, "--api-url", str(http.base_url)]
    return await asyncio.to_thread(runner.invoke, app, argv, env={"COLUMNS": "200"})


def ok(result: Result) -> str:
    assert result.exit_code == 0, result.output
    return result.output


async def eventually(fetch: Any, done: Any, timeout: float = 30) -> Any:
    for _ in range(int(timeout / 0.2)):
        value = await fetch()
        if done(value):
            return value
        await asyncio.sleep(0.2)
    raise AssertionError(f"condition not met; last: {value}")


async def test_routine_add_list_trigger_pause_resume_delete(api: httpx.AsyncClient) -> None:  # noqa: F811
    company = (await create_company(api))["id"]
    out = ok(
        await cli(
            api, company, "routine", "add", "--cron", "0 9 * * 1-5", "--agent", "cmo", "--title", "Daily stand-up"
        )
    )
    assert "Added routine daily-stand-up: cron 0 9 * * 1-5 → cmo 'Daily stand-up'; next run 20" in out
    ok(
        await cli(
            api,
            company,
            "routine",
            "add",
            "weekly",
            "--every",
            "7d",
            "--agent",
            "cto",
            "--title",
            "Weekly",
            "--allow-overlap",
            "--catchup",
            "1h",
        )
    )

    listing = await eventually(
        lambda: cli(api, company, "routine", "list"), lambda r: "weekly" in r.output and "daily-stand-up" in r.output
    )
    rows = {line.split("│")[1].strip(): line for line in ok(listing).splitlines() if line.count("│") > 5}
    assert "every 7d" in rows["weekly"] and "allow" in rows["weekly"] and "active" in rows["weekly"]
    assert "cron 0 9 * * 1-5" in rows["daily-stand-up"] and "skip if open" in rows["daily-stand-up"]

    assert "Triggered routine daily-stand-up" in ok(await cli(api, company, "routine", "trigger", "daily-stand-up"))
    tasks = await eventually(
        lambda: api.get(f"/api/companies/{company}/tasks"), lambda r: any(t["routine"] for t in r.json()["data"])
    )
    assert [t["routine"] for t in tasks.json()["data"]] == ["daily-stand-up"]

    assert "Paused routine weekly" in ok(await cli(api, company, "routine", "pause", "weekly"))
    assert (await api.get(f"/api/companies/{company}/routines/weekly")).json()["paused"] is True
    assert "Resumed routine weekly; next run 20" in ok(await cli(api, company, "routine", "resume", "weekly"))
    assert "Deleted routine weekly" in ok(await cli(api, company, "routine", "delete", "weekly"))
    assert (await api.get(f"/api/companies/{company}/routines/weekly")).status_code == 404


async def test_routine_errors_are_one_line(api: httpx.AsyncClient) -> None:  # noqa: F811
    company = (await create_company(api))["id"]
    result = await cli(api, company, "routine", "add", "--cron", "0 9 * * *", "--agent", "ghost", "--title", "x")
    assert result.exit_code == 1
    assert result.output.strip() == f"error: unknown agent 'ghost' in company '{company}' (400 invalid_input)"
    result = await cli(api, company, "routine", "delete", "nope")
    assert result.exit_code == 1 and "routine 'nope' not found" in result.output
    result = await cli(api, company, "routine", "add", "--cron", "0 0 9 * * 1-5 *", "--agent", "cmo", "--title", "x")
    assert result.exit_code == 1
    assert result.output.strip().startswith("error: invalid timing (cron '0 0 9 * * 1-5 *'): a cron is five fields")
    assert result.output.strip().endswith("(400 invalid_input)") and len(result.output.strip().splitlines()) == 1


async def test_activity_shows_the_latest_entries_filtered(api: httpx.AsyncClient) -> None:  # noqa: F811
    company = (await create_company(api))["id"]
    await api.post(f"/api/companies/{company}/tasks", json={"title": "Launch", "assignee": "ceo"})
    await wait_for_task(api, company, "ACME-1")
    out = ok(
        await eventually(
            lambda: cli(api, company, "activity", "--kind", "task.finished"),
            lambda r: r.output.count("task.finished") == 3,
        )
    )
    assert "ACME-1.1" in out and "agent.hired" not in out
    out = ok(await cli(api, company, "activity", "--agent", "cto", "--kind", "agent.*"))
    assert "agent.hired" in out and "cto hired" in out and "ceo hired" not in out
    assert "No activity" in ok(await cli(api, company, "activity", "--actor", "nobody"))


async def test_org_prints_the_chart_as_a_tree(api: httpx.AsyncClient) -> None:  # noqa: F811
    company = (await create_company(api))["id"]
    await api.post(f"/api/companies/{company}/agents", json={"name": "eng", "role": "engineer", "reports_to": "cto"})
    out = ok(await cli(api, company, "org"))
    lines = out.splitlines()
    assert f"{company} (4 agents)" in lines[0]
    ceo, cto, eng, cmo = (
        next(i for i, line in enumerate(lines) if f" {n} " in line) for n in ("ceo", "cto", "eng", "cmo")
    )
    assert ceo < cto < eng < cmo
    indent = [len(lines[i]) - len(lines[i].lstrip("│├└─ ")) for i in (ceo, cto, eng)]
    assert indent == sorted(indent) and len(set(indent)) == 3
    assert "Chief Executive" in lines[ceo] and "simulated" in lines[ceo] and "active" in lines[ceo]
