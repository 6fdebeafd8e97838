"""`paperclip company delete` against the real API (dev server), and `paperclip purge --expired`
on a home's store."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner, Result

from cli import app
from paperclip.store import Store
from paperclip.store.tables import activity_log, messages, tasks, tool_outputs
from tests.api.conftest import api, settings, store, task_queue, workers  # noqa: F401 — the real-API fixtures
from tests.api.helpers import create_company
from tests.cli.test_governance import failed, ok, run
from tests.lifecycle.rows import insert

runner = CliRunner()


async def test_company_delete_needs_yes_then_deletes_it(api: httpx.AsyncClient) -> None:  # noqa: F811
    company = (await create_company(api))["id"]
    line = failed(await run(api, "company", "delete", company))
    assert line == f"error: deleting company {company} cannot be undone: run it again with --yes"
    assert (await api.get(f"/api/companies/{company}")).status_code == 200

    out = ok(await run(api, "company", "delete", company, "--yes"))

    assert out.startswith(f"Deleted company {company}: ") and "workflows with their histories" in out
    assert (await api.get(f"/api/companies/{company}")).status_code == 404
    line = failed(await run(api, "company", "delete", company, "--yes"))
    assert f"company '{company}' not found" in line


def purge(*args: str) -> Result:
    return runner.invoke(app, ["purge", *args], env={"COLUMNS": "200"})


def test_purge_expired_removes_what_the_settings_no_longer_keep_and_says_how_much(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PAPERCLIP_TOOL_OUTPUTS_KEEP_DAYS", "0")
    home = Store(f"sqlite:///{tmp_path / 'paperclip.db'}")
    home.migrate()
    old = datetime.now(UTC) - timedelta(days=400)
    insert(home, tasks, "acme", identifier="ACME-1", status="done", updated_at=old)
    for seq in (1, 2, 3):
        insert(home, messages, "acme", task="ACME-1", seq=seq, idx=0, created_at=old)
    insert(home, activity_log, "acme", id="a-old", at=old)
    insert(home, tool_outputs, "acme", ref="to-old", created_at=old)

    assert purge().exit_code == 1 and "--expired" in purge().output
    result = purge("--expired")

    assert result.exit_code == 0, result.output
    cells = [line.replace("│", " ").split() for line in result.output.splitlines()]
    rows = {words[0]: words[1:] for words in cells if len(words) == 3}
    assert rows["conversations"] == ["365", "3"]
    assert rows["tool_outputs"] == ["forever", "0"]
    assert rows["activity"] == ["365", "1"]
    with home.engine.connect() as conn:
        assert conn.execute(tool_outputs.select()).first() is not None
    home.dispose()


def test_purge_of_a_store_never_migrated_is_one_line(tmp_path: Path) -> None:
    result = purge("--expired")
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: the store could not be purged"), result.output
