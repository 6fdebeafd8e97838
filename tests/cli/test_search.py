"""`paperclip search` against the real API (dev server), over conversations written to its store."""

import asyncio
import io

import httpx
import pytest
from rich.console import Console
from typer.testing import CliRunner, Result

from cli import app
from paperclip.models import RecordInput
from paperclip.store import Store
from tests.api.conftest import api, settings, store, task_queue, workers  # noqa: F401 — the real-API fixtures
from tests.api.helpers import create_company
from tests.store.factories import task_record
from tests.store.test_search import say

runner = CliRunner()


async def cli(http: httpx.AsyncClient, *args: str) -> Result:
    argv = ["search", *args, "--api-url", str(http.base_url)]
    return await asyncio.to_thread(runner.invoke, app, argv, env={"COLUMNS": "200"})


def rows(output: str) -> list[list[str]]:
    """The table's rows that start with a cell (box characters dropped)."""
    found = []
    for text in output.splitlines():
        cells = [c.strip() for c in text.replace("│", "┃").split("┃")[1:-1]]
        if cells and cells[0]:
            found.append(cells)
    return found


async def test_search_everywhere_then_in_one_company(api: httpx.AsyncClient, store: Store) -> None:  # noqa: F811
    acme, rival = (await create_company(api))["id"], (await create_company(api))["id"]
    store.record(RecordInput(tasks=[task_record("ACME-1", company_id=acme, title="Launch the rocket")]))
    say(store, "ACME-1", 1, "Fuel the rockets", "The rockets need fuel", company=acme)
    say(store, "ACME-7", 1, "Steal the rocket", company=rival)

    everywhere = await cli(api, "rocket", "fuel")
    in_rival = await cli(api, "rocket", "--company", rival)

    assert everywhere.exit_code == 0, everywhere.output
    assert sorted(row[:4] for row in rows(everywhere.stdout)[1:]) == [
        [acme, "ACME-1", "message", "board"],
        [acme, "ACME-1", "message", "ceo"],
    ]
    assert "Launch the rocket" in everywhere.stdout
    assert in_rival.exit_code == 0, in_rival.output
    assert [row[:3] + row[4:] for row in rows(in_rival.stdout)] == [
        ["Task", "Kind", "Who", "Match"],
        ["ACME-7", "message", "ceo", "Steal the rocket"],
    ]


async def test_the_matched_words_are_highlighted(
    api: httpx.AsyncClient,  # noqa: F811
    store: Store,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    company = (await create_company(api))["id"]
    say(store, "ACME-1", 1, "Fuel the rocket", company=company)
    written = io.StringIO()
    terminal = Console(file=written, force_terminal=True, color_system="standard", width=200)
    monkeypatch.setattr("cli.search.console", terminal)

    assert (await cli(api, "rocket", "-c", company)).exit_code == 0

    assert "Fuel the \x1b[1;33mrocket\x1b[0m" in written.getvalue()


async def test_nothing_found_and_a_blank_query_say_so(api: httpx.AsyncClient) -> None:  # noqa: F811
    company = (await create_company(api))["id"]

    nothing = await cli(api, '"NEAR(*', "-c", company)
    blank = await cli(api, " ")

    assert nothing.exit_code == 0, nothing.output
    assert nothing.stdout.strip() == f'Nothing matches "NEAR(* in {company}.'
    assert blank.exit_code == 1
    assert blank.stderr.strip() == "error: q: say what to search for (400 invalid_input)"
