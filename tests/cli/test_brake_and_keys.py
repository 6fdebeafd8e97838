"""`paperclip pause --all` / `resume --all` against the real API, and the Idempotency-Key every
command sends with its change (one per invocation; `PAPERCLIP_IDEMPOTENCY_KEY` to run it again)."""

import asyncio
import uuid

import httpx
import sqlalchemy as sa
from typer.testing import CliRunner, Result

from cli import app
from paperclip.settings import get_settings
from paperclip.store import Store
from paperclip.store.tables import idempotency_keys
from tests.api.conftest import api, settings, store, task_queue, workers  # noqa: F401 — the real-API fixtures
from tests.api.helpers import create_company
from tests.cli.fake_api import FakeApi, serve

runner = CliRunner()


async def run(http: httpx.AsyncClient, *args: str, env: dict[str, str] | None = None) -> Result:
    """Run a command in a thread (the API serves on this loop), reading its settings afresh as a
    new process would."""
    argv = [*args, "--api-url", str(http.base_url)]
    get_settings.cache_clear()
    return await asyncio.to_thread(runner.invoke, app, argv, env={"COLUMNS": "200", **(env or {})})


async def test_pause_all_and_resume_all(api: httpx.AsyncClient) -> None:  # noqa: F811
    companies = sorted([(await create_company(api))["id"] for _ in range(2)])
    by_hand = (await create_company(api))["id"]
    await api.post(f"/api/companies/{by_hand}/pause")

    result = await run(api, "pause", "--all", "--reason", "incident 42")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        f"Paused 2 companies: {', '.join(companies)}",
        f"  {by_hand}: left as it was (the company is already paused)",
    ]
    for company in companies:
        assert (await api.get(f"/api/companies/{company}")).json()["pause_reason"] == "brake"

    result = await run(api, "resume", "--all")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        f"Resumed 2 companies: {', '.join(companies)}",
        f"  {by_hand}: left as it was (the company was paused by hand, not by the emergency brake)",
    ]
    assert (await api.get(f"/api/companies/{by_hand}")).json()["paused"] is True

    for command in ("pause", "resume"):
        result = await run(api, command)
        assert result.exit_code == 1
        assert result.output.strip() == (
            f"error: say --all to {command} every company (one company: paperclip company {command} ID)"
        )


async def test_a_command_sends_one_key_for_its_change_and_may_be_run_again_with_it(
    api: httpx.AsyncClient,  # noqa: F811
    store: Store,  # noqa: F811
) -> None:
    company = (await create_company(api))["id"]
    assign = ("task", "assign", "cto", "Build the engine", "-c", company)
    for _ in range(2):  # two invocations, two keys: two tasks
        assert (await run(api, *assign)).exit_code == 0
    with store.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(idempotency_keys)).scalar_one() == 2

    key = {"PAPERCLIP_IDEMPOTENCY_KEY": str(uuid.uuid4())}
    outputs = [(await run(api, *assign, env=key)).output for _ in range(2)]
    assert outputs[0] == outputs[1] and "ACME-3" in outputs[0]
    assert (await api.get(f"/api/companies/{company}/tasks")).json()["total"] == 3


def test_a_change_with_no_answer_says_how_to_run_it_again_without_doing_it_twice() -> None:
    error = {
        "error": {
            "code": "no_answer",
            "message": "no worker answered within 10 s: the outcome is unknown and the change may still be applied",
            "details": None,
        }
    }
    with serve(FakeApi(routes={"POST /api/companies/acme/tasks": (503, error)})) as fake:
        result = runner.invoke(app, ["task", "assign", "-c", "acme", "ceo", "Do it", "--api-url", fake.url])
    assert result.exit_code == 1
    sent = fake.headers[-1]["idempotency-key"]
    assert result.output.strip() == (
        "error: no worker answered within 10 s: the outcome is unknown and the change may still be applied "
        f"(503 no_answer); to retry without doing it twice, run the command again with PAPERCLIP_IDEMPOTENCY_KEY={sent}"
    )
