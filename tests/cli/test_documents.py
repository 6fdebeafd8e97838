"""`paperclip task doc …` against the real API (dev server): save, show, list, history,
restore, and a stale save or a bad key as one line and exit 1."""

import asyncio
from pathlib import Path

import httpx
from typer.testing import CliRunner, Result

from cli import app
from paperclip.models import RecordInput
from paperclip.store import Store
from tests.api.conftest import api, settings, store, task_queue, workers  # noqa: F401 — the real-API fixtures
from tests.api.helpers import create_company
from tests.cli.test_search import rows
from tests.store.factories import task_record

runner = CliRunner()


async def doc(http: httpx.AsyncClient, company: str, *args: str, stdin: str | None = None) -> Result:
    argv = ["task", "doc", *args, "-c", company, "--api-url", str(http.base_url)]
    return await asyncio.to_thread(runner.invoke, app, argv, input=stdin, env={"COLUMNS": "200"})


async def company_with_task(api: httpx.AsyncClient, store: Store) -> str:  # noqa: F811
    company = (await create_company(api))["id"]
    store.record(RecordInput(tasks=[task_record("ACME-1", company_id=company)]))
    return company


async def test_save_show_list_history_and_restore(api: httpx.AsyncClient, store: Store, tmp_path: Path) -> None:  # noqa: F811
    company = await company_with_task(api, store)
    plan = tmp_path / "plan.md"
    plan.write_text("# Plan\n\n1. fuel\n")

    first = await doc(api, company, "save", "ACME-1", "plan", str(plan))
    second = await doc(api, company, "save", "ACME-1", "plan", "-", stdin="# Plan\n\n1. fuel\n2. launch\n")
    shown = await doc(api, company, "show", "ACME-1", "plan")
    old = await doc(api, company, "show", "ACME-1", "plan", "--revision", "1")
    listed = await doc(api, company, "list", "ACME-1")
    restored = await doc(api, company, "restore", "ACME-1", "plan", "1")
    history = await doc(api, company, "history", "ACME-1", "plan")

    for result in (first, second, shown, old, listed, restored, history):
        assert result.exit_code == 0, result.output
    assert first.stdout.startswith("Saved ACME-1 plan: revision 1 by board at ")
    assert second.stdout.startswith("Saved ACME-1 plan: revision 2 by board at ")
    assert shown.stdout == "# Plan\n\n1. fuel\n2. launch\n"
    assert shown.stderr.startswith("ACME-1 plan: revision 2 by board")
    assert old.stdout == "# Plan\n\n1. fuel\n"
    assert [row[:3] for row in rows(listed.stdout)] == [["Key", "Revision", "By"], ["plan", "2", "board"]]
    assert restored.stdout.startswith("Restored ACME-1 plan: revision 3 by board at ")
    assert "restoring revision 1" in restored.stdout
    assert [(row[0], row[3]) for row in rows(history.stdout)] == [
        ("Revision", "Restored from"),
        ("3", "1"),
        ("2", "-"),
        ("1", "-"),
    ]


async def test_a_stale_save_a_bad_key_and_a_missing_file_are_one_line_and_exit_1(
    api: httpx.AsyncClient,  # noqa: F811
    store: Store,  # noqa: F811
    tmp_path: Path,
) -> None:
    company = await company_with_task(api, store)
    await doc(api, company, "save", "ACME-1", "plan", "-", stdin="one")
    await doc(api, company, "save", "ACME-1", "plan", "-", stdin="two")

    stale = await doc(api, company, "save", "ACME-1", "plan", "-", "--base", "1", stdin="my edit of one")
    bad_key = await doc(api, company, "save", "ACME-1", "Plan!", "-", stdin="x")
    missing = await doc(api, company, "save", "ACME-1", "plan", str(tmp_path / "nope.md"))
    unknown = await doc(api, company, "show", "ACME-1", "design")

    for result in (stale, bad_key, missing, unknown):
        assert result.exit_code == 1 and result.stdout == "", result.output
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "is at revision 2 (by board), not 1" in stale.stderr
    assert "document key must be 1-63 lowercase letters" in bad_key.stderr
    assert f"cannot read {tmp_path / 'nope.md'}: No such file or directory" in missing.stderr
    assert "document 'design' of task ACME-1 not found" in unknown.stderr
    assert store.get_document(company, "ACME-1", "plan") is not None
    assert store.get_document(company, "ACME-1", "plan").body == "two"  # type: ignore[union-attr]
