"""`paperclip template`, `company create --template` and `agent hire --template` against the running API."""

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import Result
from typer.testing import CliRunner

from cli import app
from paperclip.settings import Settings, get_settings

runner = CliRunner()


@pytest.fixture(autouse=True)
def no_provider_keys(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> Iterator[None]:
    for name in (
        "OPENAI_API_KEY",
        "ANTHROPIC_API_KEY",
        "PAPERCLIP_TEMPLATES",
        "PAPERCLIP_COMPANY",
        "PAPERCLIP_API_KEY",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PAPERCLIP_HOME", str(settings.home_dir))  # the API's: the CLI sends its board token
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


async def cli(api: httpx.AsyncClient, *args: str) -> Result:
    """Run the CLI in a thread: the API it calls is served by this test's event loop."""
    return await asyncio.to_thread(runner.invoke, app, [*args, "--api-url", str(api.base_url)])


async def test_template_list_shows_agents_and_companies(api: httpx.AsyncClient) -> None:
    result = await cli(api, "template", "list")
    assert result.exit_code == 0, result.output
    for name in ("coder", "security-reviewer", "software-studio", "research-lab"):
        assert name in result.output
    result = await cli(api, "template", "list", "--kind", "company")
    assert "software-studio" in result.output and "security-reviewer" not in result.output


async def test_template_show_prints_yaml_and_the_org_chart(api: httpx.AsyncClient) -> None:
    result = await cli(api, "template", "show", "coder")
    assert result.exit_code == 0, result.output
    assert "coder (agent template, built-in)" in result.output
    assert "system_prompt: |" in result.output and "reports_to: cto" in result.output
    result = await cli(api, "template", "show", "software-studio")
    assert result.exit_code == 0, result.output
    assert "Org chart" in result.output and "security (reviewer, Security Reviewer)" in result.output


async def test_template_show_of_an_unknown_name_is_one_line(api: httpx.AsyncClient) -> None:
    result = await cli(api, "template", "show", "wizard")
    assert result.exit_code == 1
    assert result.output.strip() == "error: no template 'wizard': `paperclip template list` shows them"
    result = await cli(api, "template", "show", "wizard", "--kind", "agent")
    assert result.exit_code == 1 and len(result.output.strip().splitlines()) == 1
    assert result.output.startswith("error: no agent template 'wizard'")


async def test_company_create_and_agent_hire_from_templates(api: httpx.AsyncClient) -> None:
    company = f"cli-{uuid.uuid4().hex[:8]}"
    result = await cli(api, "company", "create", "Studio", "--id", company, "--template", "software-studio")
    assert result.exit_code == 0, result.output
    assert f"Created company {company} (Studio, prefix DEV) from template software-studio with 9 agents" in (
        " ".join(result.output.split())
    )
    assert "note: ceo: openai:gpt-4o-mini needs OPENAI_API_KEY" in " ".join(result.output.split())
    result = await cli(api, "agent", "hire", "coder-2", "--template", "coder", "--company", company)
    assert result.exit_code == 0, result.output
    assert " ".join(result.output.split()) == (
        f"Hired coder-2 into {company} from template coder on simulated, reporting to cto"
    )
    result = await cli(api, "agent", "hire", "qa-2", "--template", "qa", "--reports-to", "ceo", "--company", company)
    assert result.exit_code == 0 and "reporting to ceo" in result.output
    result = await cli(api, "agent", "hire", "x", "--template", "wizard", "--company", company)
    assert result.exit_code == 1 and result.output.startswith("error: no agent template 'wizard'")
    assert "(404 not_found)" in result.output


def test_template_validate_checks_files_locally(tmp_path: Path) -> None:
    good = tmp_path / "good"
    good.mkdir()
    (good / "scribe.yaml").write_text(
        "kind: agent\ndescription: d\nrole: general\ntitle: Scribe\ncapabilities: c\nsystem_prompt: p\n"
    )
    result = runner.invoke(app, ["template", "validate", str(good)])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "OK: 1 agent and 0 company templates"
    bad = tmp_path / "bad.yaml"
    bad.write_text("kind: agent\nname: x\n  role: [\n")
    result = runner.invoke(app, ["template", "validate", str(bad)])
    assert result.exit_code == 1
    assert result.output.startswith(f"error: {bad}:3:") and "invalid YAML" in result.output


def test_template_validate_reports_an_unknown_tool(tmp_path: Path) -> None:
    (tmp_path / "scribe.yaml").write_text(
        "kind: agent\ndescription: d\nrole: general\ntitle: Scribe\ncapabilities: c\nsystem_prompt: p\n"
        "tools: [read_file, fs]\n"
    )
    result = runner.invoke(app, ["template", "validate", str(tmp_path)], env={"COLUMNS": "300"})
    assert result.exit_code == 1
    assert result.output.startswith(f"error: {tmp_path / 'scribe.yaml'}: tools: unknown tool 'fs' (known tools: ")
