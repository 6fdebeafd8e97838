"""`paperclip pipeline validate|add|list|show` against the real API (dev server), and offline."""

import asyncio
import re
from pathlib import Path

import httpx
from typer.testing import CliRunner, Result

from cli import app
from tests.api.conftest import api, settings, store, task_queue, workers  # noqa: F401 — the real-API fixtures
from tests.api.test_pipelines import review_company
from tests.pipelines.test_parse import GUIDE

runner = CliRunner()


def run(*args: str) -> Result:
    return runner.invoke(app, list(args), env={"COLUMNS": "200"})


async def cli(http: httpx.AsyncClient, *args: str) -> Result:
    """Run a command in a thread (the API serves on this loop) with the API URL set."""
    return await asyncio.to_thread(run, *args, "--api-url", str(http.base_url))


def guide_file(tmp_path: Path, text: str = GUIDE, name: str = "code-review.yaml") -> str:
    path = tmp_path / "workflows" / name
    path.parent.mkdir(exist_ok=True)
    path.write_text(text)
    return str(path)


def test_validate_offline_accepts_the_guides_file_and_the_built_in(tmp_path: Path) -> None:
    result = run("pipeline", "validate", guide_file(tmp_path))
    assert result.exit_code == 0, result.output
    assert result.output.strip() == (
        "OK: pipeline full-code-review, 4 steps (linter → security → reviewer → summarizer), inputs: git_diff"
        " (agents not checked: give --company)"
    )
    result = run("pipeline", "validate", "code-review")
    assert result.exit_code == 0 and "OK: pipeline code-review, 4 steps" in result.output


def test_validate_offline_prints_one_line_then_each_problem_at_its_line(tmp_path: Path) -> None:
    text = GUIDE.replace('input: "review_comments"', 'input: "review_comments"\n      needs: [ghost]').replace(
        'task: "Comprehensive code review"', 'task: "Review ${inputs.nothing}"'
    )
    file = guide_file(tmp_path, text)
    result = run("pipeline", "validate", file)
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0] == f"error: {file}: invalid pipeline (2 problems)"
    assert lines[1].startswith(f"  {file}:13:13: steps[2].task: ${{inputs.nothing}}: no run input 'nothing'")
    assert lines[2].startswith(f"  {file}:19:15: steps[3].needs[0]: no step 'ghost'")
    assert len(lines) == 3


def test_a_missing_file_or_broken_yaml_is_one_line(tmp_path: Path) -> None:
    result = run("pipeline", "validate", str(tmp_path / "nope.yaml"))
    assert result.exit_code == 1
    assert (
        result.output.strip()
        == f"error: no file {tmp_path / 'nope.yaml'}, and no built-in pipeline of that name (built-in: code-review)"
    )
    result = run("pipeline", "validate", guide_file(tmp_path, "workflow:\n  name: [x\n"))
    assert result.exit_code == 1 and ":3:1: invalid YAML" in result.output


async def test_add_list_show_and_validate_against_a_company(api: httpx.AsyncClient, tmp_path: Path) -> None:  # noqa: F811
    company = await review_company(api)
    file = guide_file(tmp_path)
    result = await cli(api, "pipeline", "add", file, "--company", company)
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"Added pipeline full-code-review version 1 to {company} (sha256 ")
    result = await cli(api, "pipeline", "add", file, "--company", company)
    assert result.output.strip() == f"Unchanged: pipeline full-code-review version 1 of {company} has this text already"
    result = await cli(api, "pipeline", "add", "code-review", "--company", company)
    assert result.exit_code == 0 and "Added pipeline code-review version 1" in result.output

    result = await cli(api, "pipeline", "list", "--company", company)
    assert result.exit_code == 0, result.output
    assert "code-review" in result.output and "full-code-review" in result.output and "board" in result.output

    result = await cli(api, "pipeline", "show", "full-code-review", "--company", company)
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"full-code-review version 1 of {company} (sha256 ")
    row = r"review_comments\s*│\s*reviewer\s*│\s*security_findings, git_diff\s*│\s*review_comments\s*│"
    assert re.search(row, result.output), result.output
    assert result.output.rstrip().endswith('output: "pr_comment"')
    result = await cli(api, "pipeline", "show", "full-code-review", "--company", company, "--version", "3")
    assert result.exit_code == 1
    assert result.output.strip().startswith("error: version 3 of pipeline 'full-code-review' not found")

    wrong = guide_file(tmp_path, GUIDE.replace("agent: summarizer", "agent: scribe"), "wrong.yaml")
    for command in ("validate", "add"):
        result = await cli(api, "pipeline", command, wrong, "--company", company)
        assert result.exit_code == 1, result.output
        lines = result.output.splitlines()
        assert lines[0] == f"error: {wrong}: invalid pipeline (1 problem)"
        assert lines[1].startswith(f"  {wrong}:16:14: steps[3].agent: unknown agent 'scribe'")
    result = await cli(api, "pipeline", "validate", file, "--company", company)
    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith(f"(agents of {company} checked)")
