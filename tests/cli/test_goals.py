"""`paperclip company create --goal`, `paperclip goal list|add|set` and `task assign --goal`
against the real API (dev server)."""

import uuid

import httpx

from tests.api.conftest import api, settings, store, task_queue, workers  # noqa: F401 — the real-API fixtures
from tests.api.helpers import create_company, wait_for_task
from tests.cli.test_governance import failed, ok, run


def cells(table: str) -> list[list[str]]:
    """The body rows of a rich table, cell by cell (padding stripped, indentation kept)."""
    rows = [line.split("│")[1:-1] for line in table.splitlines() if line.startswith("│")]
    return [[cell[1:].rstrip() for cell in row] for row in rows]


async def test_company_create_with_goals_and_an_approval_policy(api: httpx.AsyncClient) -> None:  # noqa: F811
    company = f"co-{uuid.uuid4().hex[:10]}"
    out = ok(
        await run(
            api, "company", "create", "Acme Rockets", "--id", company, "--prefix", "ACME",
            "--goal", "Reach orbit", "-g", "Stay solvent",
            "--require-hire-approval", "--approval-timeout", "3600",
        )
    )  # fmt: skip
    assert f"Created company {company} (Acme Rockets, prefix ACME), 2 goals" in out
    spec = (await api.get(f"/api/companies/{company}")).json()["spec"]
    assert (spec["require_hire_approval"], spec["require_strategy_approval"]) == (True, False)
    assert spec["approval_timeout_seconds"] == 3600
    listed = ok(await run(api, "goal", "list", "-c", company))
    assert "G1" in listed and "Reach orbit" in listed and "G2" in listed and "Stay solvent" in listed

    assert failed(await run(api, "company", "create", "No Goals", "--id", f"{company}-2")) == (
        "error: a company needs at least one goal: give goals or a template (400 invalid_input)"
    )
    assert (
        "--approval-timeout" in (await run(api, "company", "create", "X", "-g", "x", "--approval-timeout", "5")).output
    )


async def test_goal_add_list_and_set(api: httpx.AsyncClient) -> None:  # noqa: F811
    company = (await create_company(api))["id"]
    out = ok(
        await run(api, "goal", "add", "Build the engine", "-c", company, "--level", "team", "--parent", "G1",
                  "--owner", "cto", "--description", "Two stages")
    )  # fmt: skip
    assert "Added G2 (team goal under G1, owned by cto, active): Build the engine" in out
    out = ok(await run(api, "goal", "add", "Sell rides", "-c", company, "--status", "planned"))
    assert "Added G3 (company goal, planned): Sell rides" in out

    rows = cells(ok(await run(api, "goal", "list", "-c", company)))
    assert rows == [
        ["G1", "Reach orbit by next year", "company", "active", "-", "-"],
        ["G2", "  Build the engine", "team", "active", "cto", "G1"],  # indented under G1
        ["G3", "Sell rides", "company", "planned", "-", "-"],
    ]
    planned = ok(await run(api, "goal", "list", "-c", company, "--status", "planned"))
    assert "Sell rides" in planned and "Build the engine" not in planned
    assert f"No goals in {company} match." in ok(await run(api, "goal", "list", "-c", company, "--status", "achieved"))

    out = ok(await run(api, "goal", "set", "G2", "-c", company, "--status", "achieved", "--note", "it fires"))
    assert "Updated G2 (team goal under G1, owned by cto, achieved): Build the engine" in out
    out = ok(await run(api, "goal", "set", "G3", "-c", company, "--title", "Sell rides to the Moon"))
    assert "Updated G3 (company goal, planned): Sell rides to the Moon" in out

    assert failed(await run(api, "goal", "set", "G9", "-c", company, "--status", "achieved")) == (
        "error: goal 'G9' not found (404 not_found)"
    )
    assert "nothing to change" in failed(await run(api, "goal", "set", "G1", "-c", company, "--note", "hm"))
    assert failed(await run(api, "goal", "add", "Orphan", "-c", company, "--level", "team", "--owner", "cto")) == (
        "error: a team goal needs a parent goal (400 invalid_input)"
    )
    assert (await run(api, "goal", "add", "x", "-c", company, "--level", "galaxy")).exit_code == 1


async def test_task_assign_with_a_goal_and_the_goal_in_task_list(api: httpx.AsyncClient) -> None:  # noqa: F811
    company = (await create_company(api))["id"]
    out = ok(await run(api, "task", "assign", "cmo", "Write the launch post", "-c", company, "--goal", "G1"))
    assert "Assigned ACME-1 to cmo (serves G1): Write the launch post" in out
    await wait_for_task(api, company, "ACME-1")
    [row] = [line for line in ok(await run(api, "task", "list", "-c", company)).splitlines() if "ACME-1" in line]
    assert " G1 " in row
    assert failed(await run(api, "task", "assign", "cmo", "x", "-c", company, "--goal", "G7")) == (
        "error: goal 'G7' not found (400 invalid_input)"
    )
