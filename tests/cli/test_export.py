"""`paperclip company export` and `company import` against the real API (dev server)."""

import asyncio
import json
from pathlib import Path

import httpx
from typer.testing import CliRunner, Result

from cli import app
from tests.api.conftest import api, settings, store, task_queue, workers  # noqa: F401 — the real-API fixtures
from tests.api.helpers import create_company

runner = CliRunner()


async def cli(http: httpx.AsyncClient, *args: str) -> Result:
    argv = ["company", *args, "--api-url", str(http.base_url)]
    return await asyncio.to_thread(runner.invoke, app, argv, env={"COLUMNS": "200"})


async def test_a_company_is_exported_to_a_file_and_imported_as_a_new_one(
    api: httpx.AsyncClient,  # noqa: F811
    tmp_path: Path,
) -> None:
    company = (await create_company(api))["id"]
    file = tmp_path / "acme.json"
    exported = await cli(api, "export", company, "-o", str(file))
    assert exported.exit_code == 0, exported.output
    assert exported.output.strip() == f"Exported {company} to {file}"
    assert json.loads(file.read_text())["company"]["id"] == company

    markdown = await cli(api, "export", company, "--format", "md")
    assert markdown.exit_code == 0 and markdown.output.startswith(f"# Acme Rockets ({company})\n")

    imported = await cli(api, "import", str(file), "--id", "acme-copy", "--name", "Acme Copy", "--prefix", "COPY")
    assert imported.exit_code == 0, imported.output
    assert imported.output.strip() == (
        f"Imported acme-copy (Acme Copy, prefix COPY) from {company}:"
        " 3 agents, 1 goals, 0 finished tasks, 0 model calls"
    )
    assert [a["spec"]["name"] for a in (await api.get("/api/companies/acme-copy")).json()["agents"]] == [
        "ceo",
        "cto",
        "cmo",
    ]

    again = await cli(api, "import", str(file))  # under the exported company's own id
    assert again.exit_code == 1 and f"company '{company}' already exists (409 conflict)" in again.output
    (tmp_path / "bad.json").write_text("{not json")
    bad = await cli(api, "import", str(tmp_path / "bad.json"))
    assert bad.exit_code == 1 and "cannot read" in bad.output
    missing = await cli(api, "export", "nope")
    assert missing.exit_code == 1 and "company 'nope' not found" in missing.output
