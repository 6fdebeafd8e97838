"""`paperclip task attach`, `task attachments` and `task download` against the real API (dev server)."""

import asyncio
from pathlib import Path

import httpx
from typer.testing import CliRunner, Result

from cli import app
from tests.api.conftest import api, settings, store, task_queue, workers  # noqa: F401 — the real-API fixtures
from tests.api.helpers import create_company

runner = CliRunner()


async def cli(http: httpx.AsyncClient, *args: str) -> Result:
    argv = ["task", *args, "--api-url", str(http.base_url)]
    return await asyncio.to_thread(runner.invoke, app, argv, env={"COLUMNS": "200"})


async def test_a_file_is_attached_listed_and_downloaded(api: httpx.AsyncClient, tmp_path: Path) -> None:  # noqa: F811
    company = (await create_company(api))["id"]
    made = await api.post(f"/api/companies/{company}/tasks", json={"title": "Ship it", "assignee": "ceo"})
    assert made.status_code == 201, made.text
    report = tmp_path / "report.csv"
    report.write_text("a,b\n1,2\n")
    attached = await cli(api, "attach", "ACME-1", str(report), "-c", company)
    assert attached.exit_code == 0, attached.output
    assert (
        attached.output.startswith("attached report.csv to ACME-1: att-") and "(text/csv, 8 bytes)" in attached.output
    )
    attachment_id = attached.output.split(": ", 1)[1].split()[0]

    listed = await cli(api, "attachments", "ACME-1", "-c", company)
    assert listed.exit_code == 0 and attachment_id in listed.output and "report.csv" in listed.output

    out = tmp_path / "out"
    out.mkdir()
    saved = await cli(api, "download", "ACME-1", attachment_id, "-c", company, "-o", str(out))
    assert saved.exit_code == 0, saved.output
    assert (out / "report.csv").read_text() == "a,b\n1,2\n"
    again = await cli(api, "download", "ACME-1", attachment_id, "-c", company, "-o", str(out))
    assert again.exit_code == 1 and again.output.count("\n") == 1 and "exists" in again.output

    missing = await cli(api, "attach", "ACME-1", str(tmp_path / "nope.txt"), "-c", company)
    assert missing.exit_code == 1 and missing.output.count("\n") == 1
    assert f"cannot read {tmp_path / 'nope.txt'}" in missing.output
    html = tmp_path / "page.html"
    html.write_text("<html><script>x()</script></html>")
    refused = await cli(api, "attach", "ACME-1", str(html), "-c", company)
    assert refused.exit_code == 1 and refused.output.count("\n") == 1 and "415" in refused.output
    gone = await cli(api, "download", "ACME-1", "att-" + "0" * 32, "-c", company)
    assert gone.exit_code == 1 and "no attachment" in gone.output
