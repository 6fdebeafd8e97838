"""What asking a person costs a tool call, besides the person's own time.

    python bench/ask.py [--tasks 10]

An engineer on the offline `simulated` model does one task: writes a module and its test, runs
the test (`run_command`), stages, commits and pushes (`git push`) — seven turns, six tool calls.
Each task runs twice on the workers `paperclip up` runs (dev server, SQLite store):

1. with company rules allowing `run_command` and `git`: nothing asks (the floor);
2. with the defaults: the command and the push each wait for an approval, which a bot standing in
   for the person decides the moment it sees it (polling the company's snapshot every 10 ms, as
   fast as a dashboard could, far faster than a person).

The difference over the two asks is an ask's round trip: the approval opened and recorded, seen,
decided by an update, answered to the task, and the call run from there. Figures go to
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
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from temporalio.client import Client, WorkflowHandle  # noqa: E402
from temporalio.contrib.pydantic import pydantic_data_converter  # noqa: E402
from temporalio.testing import WorkflowEnvironment  # noqa: E402

from paperclip.binaries import temporal_cli  # noqa: E402
from paperclip.cli_rules import company_folder  # noqa: E402
from paperclip.constants import company_workflow_id  # noqa: E402
from paperclip.devserver import dynamic_config_args  # noqa: E402
from paperclip.models import (  # noqa: E402
    AgentSpec,
    ApprovalKind,
    ApprovalStatus,
    CompanyInput,
    CompanySpec,
    CreateTaskInput,
    DecideApprovalInput,
    ModelConfig,
    Provider,
    RepositoryConfig,
    TaskStatus,
    ToolPolicy,
    ToolRule,
)
from paperclip.settings import Settings  # noqa: E402
from paperclip.store import Store  # noqa: E402
from workers.main import build_workers  # noqa: E402
from workflows.company import CompanyWorkflow  # noqa: E402

TOOLS = ["read_file", "write_file", "run_command", "git"]
ALLOW_ALL = [ToolRule(tool="run_command", policy=ToolPolicy.ALLOW), ToolRule(tool="git", policy=ToolPolicy.ALLOW)]


def git(*argv: str) -> None:
    subprocess.run(["git", "-c", "user.name=b", "-c", "user.email=b@b", *argv], check=True, capture_output=True)


def repositories(home: Path, company: str) -> RepositoryConfig:
    """A project with one commit and the bare remote its tasks push to, in the company's folder."""
    root = company_folder(home, company)
    project, origin = root / "project", root / "origin.git"
    project.mkdir(parents=True)
    (project / "README.md").write_text("# bench\n")
    git("-C", str(project), "init", "-q", "-b", "main")
    git("-C", str(project), "add", ".")
    git("-C", str(project), "commit", "-q", "-m", "start")
    git("clone", "-q", "--bare", str(project), str(origin))
    return RepositoryConfig(source=str(project), push_url=str(origin))


async def approver(company: WorkflowHandle, stop: asyncio.Event, poll: float) -> int:
    """Approve every pending tool call as soon as it shows; answers how many it approved."""
    approved: set[str] = set()
    while not stop.is_set():
        snap = await company.query(CompanyWorkflow.snapshot)
        for a in snap.approvals:
            if a.kind is ApprovalKind.TOOL_CALL and a.status is ApprovalStatus.PENDING and a.id not in approved:
                approved.add(a.id)
                await company.execute_update(
                    CompanyWorkflow.decide_approval, DecideApprovalInput(id=a.id, decision=ApprovalStatus.APPROVED)
                )
        await asyncio.sleep(poll)
    return len(approved)


async def one_task(client: Client, queue: str, home: Path, *, ask: bool, poll: float) -> tuple[float, int]:
    """A company with one engineer does one task; answers its seconds (assigned to done) and the
    approvals it waited for."""
    company_id = f"b{uuid.uuid4().hex[:10]}"
    spec = CompanySpec(
        id=company_id,
        name="Bench",
        prefix="B",
        repository=repositories(home, company_id),
        tool_policy=[] if ask else ALLOW_ALL,
    )
    engineer = AgentSpec(name="engineer", role="engineer", model=ModelConfig(provider=Provider.SIMULATED), tools=TOOLS)
    company = await client.start_workflow(
        CompanyWorkflow.run,
        CompanyInput(spec=spec, agents=[engineer]),
        id=company_workflow_id(company_id),
        task_queue=queue,
    )
    stop = asyncio.Event()
    bot = asyncio.ensure_future(approver(company, stop, poll))
    started = time.perf_counter()
    await company.execute_update(
        CompanyWorkflow.create_task, CreateTaskInput(title="Add a slugify helper with a test", assignee="engineer")
    )
    while True:
        snap = await company.query(CompanyWorkflow.snapshot)
        if snap.tasks and snap.tasks[0].status.is_terminal:
            break
        await asyncio.sleep(poll)
    seconds = time.perf_counter() - started
    stop.set()
    approvals = await bot
    assert snap.tasks[0].status is TaskStatus.DONE, snap.tasks[0].result
    await company.terminate("benchmark done")
    return seconds, approvals


def line(label: str, seconds: list[float]) -> None:
    ms = sorted(s * 1000 for s in seconds)
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    print(f"{label:<52} p50 {statistics.median(ms):8.1f} ms   p95 {p95:8.1f} ms")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tasks", type=int, default=10)
    parser.add_argument("--poll", type=float, default=0.01, help="seconds between the bot's looks")
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
        queue = f"bench-{uuid.uuid4().hex}"
        workers = build_workers(env.client, store, task_queue=queue, settings=settings)
        runs = [asyncio.ensure_future(w.run()) for w in workers]
        try:
            await one_task(env.client, queue, home, ask=False, poll=args.poll)  # warm up
            allowed, asked, asks = [], [], 0
            for _ in range(args.tasks):  # interleaved, so a slow spell of the machine hits both
                allowed.append((await one_task(env.client, queue, home, ask=False, poll=args.poll))[0])
                seconds, approvals = await one_task(env.client, queue, home, ask=True, poll=args.poll)
                asked.append(seconds)
                asks = approvals
        finally:
            await asyncio.gather(*(w.shutdown() for w in workers))
            await asyncio.gather(*runs, return_exceptions=True)
            store.dispose()
    await env.shutdown()
    print(f"{args.tasks} tasks each way; 6 tool calls a task; {asks} of them asked in the second")
    line("task, every call allowed by a rule (floor)", allowed)
    line(f"task, {asks} calls approved by a bot at once", asked)
    per_ask = (statistics.median(asked) - statistics.median(allowed)) / max(asks, 1)
    print(f"{'an ask round trip (difference / asks)':<52} p50 {per_ask * 1000:8.1f} ms")


if __name__ == "__main__":
    asyncio.run(main())
