"""`paperclip replay-check`: recorded and exported histories replayed against this code, one line
each, exit 1 on any that does not replay."""

import asyncio
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

from temporalio.common import SearchAttributePair, TypedSearchAttributes
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

import tests.workflows.tool_stand_ins  # noqa: F401  (registers the tools the tool loop's histories call)
from paperclip.constants import SA_COMPANY, company_workflow_id
from paperclip.models import CompanyInput, CompanySpec, CreateTaskInput
from paperclip.replay_check import export_query, replay
from tests.workflows.helpers import org, wait_for
from tests.workflows.stand_ins import STARTED, ScriptedModel, stand_in_workers
from workers.main import WORKFLOWS
from workflows.company import CompanyWorkflow

ROOT = Path(__file__).parent.parent
CORPUS = ROOT / "tests" / "histories"


def cli_env(**extra: str) -> dict[str, str]:
    return {**os.environ, "PYTHONUNBUFFERED": "1", **extra}


def replay_check(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cli", "replay-check", *args],
        capture_output=True, text=True, timeout=180, cwd=ROOT, env=env or cli_env(),
    )  # fmt: skip


async def test_the_recorded_corpus_replays_on_this_code() -> None:
    files = sorted(CORPUS.glob("*.json"))
    outcomes = await replay(files, workflows=WORKFLOWS, data_converter=pydantic_data_converter)
    assert len(outcomes) == len(files) > 50
    assert [o for o in outcomes if not o.ok] == []
    assert {o.workflow_type for o in outcomes} >= {"CompanyWorkflow", "TaskWorkflow", "PipelineWorkflow"}


def test_a_history_the_code_cannot_replay_fails_with_a_line_naming_it(tmp_path: Path) -> None:
    good = CORPUS / "v1-ACME-1.json"
    shutil.copy(good, tmp_path / good.name)
    text = good.read_text()
    assert text.count('"name": "model_turn"') >= 1
    (tmp_path / "renamed-activity.json").write_text(text.replace('"name": "model_turn"', '"name": "model_call"'))

    done = replay_check(str(tmp_path))

    assert done.returncode == 1, done.stderr
    lines = done.stdout.splitlines()
    assert "OK    v1-ACME-1.json (TaskWorkflow)" in lines
    failed = [line for line in lines if line.startswith("FAIL  renamed-activity.json (TaskWorkflow): ")]
    assert len(failed) == 1 and "Nondeterminism" in failed[0] and "model_call" in failed[0]
    assert lines[-1] == "1 of 2 histories replay; 1 do not"


def test_the_corpus_from_the_command_line_exits_zero(tmp_path: Path) -> None:
    for name in ("v1-company.json", "v1-ACME-1.json", "v10-compaction-ACME-1.json"):
        shutil.copy(CORPUS / name, tmp_path / name)
    done = replay_check(str(tmp_path / "v1-company.json"), str(tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines()[-1] == "4 of 4 histories replay"


def test_bad_input_is_one_line_and_exit_one(tmp_path: Path) -> None:
    (tmp_path / "not-a-history.json").write_text('{"hello": 1}')
    missing = replay_check(str(tmp_path / "nowhere.json"))
    assert missing.returncode == 1 and "nowhere.json: no such file or folder" in missing.stderr
    nothing = replay_check()
    assert nothing.returncode == 1 and "name history files or folders, or --from-temporal" in nothing.stderr
    junk = replay_check(str(tmp_path))
    assert junk.returncode == 1 and "FAIL  not-a-history.json" in junk.stdout
    stray = replay_check(str(tmp_path), "--company", "x")
    assert stray.returncode == 1 and "go with --from-temporal" in stray.stderr


def test_the_company_filter_takes_no_query_syntax() -> None:
    assert export_query(company="co-1") == '(ExecutionStatus = "Running") AND PaperclipCompany = "co-1"'
    bad = replay_check("--from-temporal", "--company", 'x" OR "1"="1')
    assert bad.returncode == 1 and "is not a company id" in bad.stderr


async def test_histories_exported_from_temporal_replay(dev_env: WorkflowEnvironment, tmp_path: Path) -> None:
    client = dev_env.client
    company_id = f"co-{uuid.uuid4().hex[:10]}"
    async with stand_in_workers(client, ScriptedModel()) as queue:
        company = await client.start_workflow(
            CompanyWorkflow.run,
            CompanyInput(spec=CompanySpec(id=company_id, name="Acme", prefix="ACME"), agents=org(reports=1)),
            id=company_workflow_id(company_id),
            task_queue=queue,
            search_attributes=TypedSearchAttributes([SearchAttributePair(SA_COMPANY, company_id)]),
        )
        STARTED.setdefault(queue, []).append(company)
        await company.execute_update(CompanyWorkflow.create_task, CreateTaskInput(title="Ship", assignee="ceo"))
        await wait_for(company, lambda s: bool(s.tasks) and all(t.status.is_terminal for t in s.tasks))
        query = export_query(company=company_id)
        for _ in range(100):  # visibility is eventually consistent
            if [w async for w in client.list_workflows(query)]:
                break
            await asyncio.sleep(0.1)
        env = cli_env(TEMPORAL_ADDRESS=dev_env.client.service_client.config.target_host)
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "cli", "replay-check", "--from-temporal", "--company", company_id,
            "--save", str(tmp_path / "saved"),
            cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, err = await asyncio.wait_for(process.communicate(), timeout=120)

    assert process.returncode == 0, out.decode() + err.decode()
    lines = out.decode().splitlines()
    assert lines[0].startswith("exported 1 histories") and company_id in lines[0]
    assert lines[1].startswith(f"OK    company_{company_id}.") and lines[1].endswith("(CompanyWorkflow)")
    assert [p.name.split(".")[0] for p in (tmp_path / "saved").iterdir()] == [f"company_{company_id}"]
