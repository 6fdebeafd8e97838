"""`--json` on every command that lists or shows (issue 21 item 4): the API's answer, as the API
gave it, on stdout and nothing else; an error stays one line on stderr and exit 1. Against the
real API (dev server, workers) over HTTP."""

import asyncio
import json
from typing import Any

import httpx
from typer.testing import CliRunner, Result

from cli import app
from cli.lazy import load
from cli.registry import COMMANDS
from tests.api.conftest import api, settings, store, task_queue, workers  # noqa: F401 — the real-API fixtures
from tests.api.helpers import create_company
from tests.cli.fake_api import FakeApi, serve, task_json

runner = CliRunner()

LISTS_AND_SHOWS = {"list", "show", "runs", "reviews", "revisions", "attachments", "products", "history"}
"""The names of the subcommands that list or show (`history` of a document; `task doc show` too)."""
VIEWS = {"activity", "org", "costs", "search", "artifacts"}
"""The top-level commands that list or show."""
NOT_API_JSON = {"history"}
"""`paperclip history` prints a trace as Markdown or JSON already (`--format json`)."""


def _leaves(command: Any, path: list[str]) -> list[tuple[list[str], Any]]:
    children = getattr(command, "commands", None)
    if not children:
        return [(path, command)]
    return [leaf for name, child in children.items() for leaf in _leaves(child, [*path, name])]


def test_every_command_that_lists_or_shows_has_json() -> None:
    leaves = [leaf for name in COMMANDS for leaf in _leaves(load(name), [name])]
    listing = [
        (path, command)
        for path, command in leaves
        if (path[-1] in LISTS_AND_SHOWS and len(path) > 1) or (path == [path[0]] and path[0] in VIEWS)
    ]
    assert len(listing) > 30  # the enumeration found them (company list … monitor reviews)
    missing = [
        " ".join(path)
        for path, command in listing
        if " ".join(path) not in NOT_API_JSON and "--json" not in {o for p in command.params for o in p.opts}
    ]
    assert missing == []


async def _cli(http: httpx.AsyncClient, *argv: str) -> Result:
    return await asyncio.to_thread(runner.invoke, app, [*argv, "--api-url", str(http.base_url)])


async def _same(http: httpx.AsyncClient, path: str, argv: list[str]) -> None:
    """The command's `--json` is the API's answer to `path`, read just before or just after it
    (the company's workflow may move on between two reads)."""
    before = (await http.get(path)).json()
    result = await _cli(http, *argv, "--json")
    after = (await http.get(path)).json()
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert json.loads(result.stdout) in (before, after), result.stdout


async def test_lists_and_shows_print_the_apis_answer(api: httpx.AsyncClient) -> None:  # noqa: F811
    company = (await create_company(api))["id"]
    base = f"/api/companies/{company}"

    await _same(api, "/api/companies", ["company", "list"])
    await _same(api, base, ["company", "show", company])
    await _same(api, f"{base}/agents?limit=1000", ["agent", "list", "-c", company])
    await _same(api, f"{base}/agents/cto", ["agent", "show", "cto", "-c", company])
    await _same(api, f"{base}/tasks", ["task", "list", "-c", company])
    await _same(api, f"{base}/goals", ["goal", "list", "-c", company])
    await _same(api, f"{base}/org", ["org", "-c", company])
    await _same(api, f"{base}/budgets", ["budget", "show", "-c", company])
    shown = json.loads((await _cli(api, "company", "show", company, "--json")).stdout)
    assert {agent["spec"]["name"] for agent in shown["agents"]} == {"ceo", "cto", "cmo"}


async def test_a_json_command_that_fails_prints_one_line_on_stderr(api: httpx.AsyncClient) -> None:  # noqa: F811
    result = await _cli(api, "company", "show", "no-such-company", "--json")

    assert result.exit_code == 1
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1 and result.stderr.startswith("error: ")


def test_json_is_the_answer_verbatim_not_the_tables_text() -> None:
    listed = {"data": [task_json("ACME-1", title="Plan the launch ünïcode", cost_usd=0.0123)], "count": 1, "total": 1}
    with serve(FakeApi(routes={"GET /api/companies/acme/tasks": (200, listed)})) as fake:
        result = runner.invoke(app, ["task", "list", "-c", "acme", "--json", "--api-url", fake.url])

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == listed
    assert "ünïcode" in result.stdout and "$0.0123" not in result.stdout  # raw numbers, no table
