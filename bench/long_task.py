"""What a long task costs in input tokens, with and without context management.

    python bench/long_task.py [--turns 300] [--file-kb 6] [--provider openai|anthropic]

A model agent with `read_file` does one task of `--turns` turns: each turn reads one of twenty
files of `--file-kb` KB in its workspace (a large tool output every turn), then it completes. The
fake provider server (tests/fakes) answers in the provider's real wire format and counts every
request's prompt. The task runs twice on the workers `paperclip up` runs (dev server, SQLite):

1. **unmanaged** (the floor of what is sent today): the agent's model is given a window so large
   that nothing is ever trimmed or compacted, and the fake enforces no limit;
2. **managed**: the model's own window (`--window`, 128k tokens by default) and everything that
   keeps a conversation inside it.

Prints input tokens per turn (first, median, last, largest), the total, and its cost at the
model's prices (cached reads and cache writes as billed). Figures go to docs/benchmarks.md.
"""

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from temporalio.contrib.pydantic import pydantic_data_converter  # noqa: E402
from temporalio.testing import WorkflowEnvironment  # noqa: E402

from paperclip import pricing  # noqa: E402
from paperclip.binaries import temporal_cli  # noqa: E402
from paperclip.cli_rules import company_folder  # noqa: E402
from paperclip.constants import company_workflow_id  # noqa: E402
from paperclip.devserver import dynamic_config_args  # noqa: E402
from paperclip.models import (  # noqa: E402
    AgentSpec,
    CompanyInput,
    CompanySpec,
    CreateTaskInput,
    ModelConfig,
    Provider,
    RepositoryConfig,
    TaskStatus,
    Usage,
)
from paperclip.settings import Settings  # noqa: E402
from paperclip.store import Store  # noqa: E402
from tests.fakes.model_server import FakeModelServer  # noqa: E402
from workers.main import build_workers  # noqa: E402
from workflows.company import CompanyWorkflow  # noqa: E402

KEY = "BENCH_LONG_TASK_KEY"
MODELS = {Provider.OPENAI: "gpt-4o-mini", Provider.ANTHROPIC: "claude-3-5-haiku-latest"}
FILES = 20
UNMANAGED_WINDOW = 100_000_000


def repository(home: Path, company: str, file_kb: int) -> RepositoryConfig:
    project = company_folder(home, company) / "project"
    project.mkdir(parents=True)
    line = "The quick brown fox jumps over the lazy dog; measurements follow. 0123456789\n"
    for i in range(FILES):
        (project / f"data_{i:02d}.txt").write_text(f"file {i}\n" + line * (file_kb * 1024 // len(line)))
    for argv in (["init", "-q", "-b", "main"], ["add", "."], ["commit", "-q", "-m", "data"]):
        subprocess.run(["git", "-c", "user.name=b", "-c", "user.email=b@b", "-C", str(project), *argv], check=True)
    return RepositoryConfig(source=str(project))


def model_config(server: FakeModelServer, provider: Provider, window: int | None) -> ModelConfig:
    base = server.base_url_openai if provider is Provider.OPENAI else server.base_url_anthropic
    fields: dict[str, object] = {"provider": provider, "model": MODELS[provider], "base_url": base, "credential": KEY}
    if window is not None and "context_window" in ModelConfig.model_fields:
        fields["context_window"] = window
    return ModelConfig.model_validate(fields)


async def one_task(
    env: WorkflowEnvironment, queue: str, home: Path, server: FakeModelServer, args: argparse.Namespace, window: int
) -> tuple[list[Usage], float, str]:
    """Run the task; answers the usage of each model request it made, its seconds and its end."""
    company_id = f"l{uuid.uuid4().hex[:10]}"
    cfg = model_config(server, args.provider, window)
    agent = AgentSpec(name="dev", role="engineer", model=cfg, tools=["read_file"], max_turns=args.turns + 50)
    spec = CompanySpec(id=company_id, name="Long", prefix="L", repository=repository(home, company_id, args.file_kb))
    server.reset()
    before = len(server.usages)
    for i in range(args.turns - 1):
        server.call_next("read_file", json.dumps({"path": f"data_{i % FILES:02d}.txt", "limit": 5000}))
    server.call_next("complete_task", json.dumps({"result": "read them all"}))
    company = await env.client.start_workflow(
        CompanyWorkflow.run,
        CompanyInput(spec=spec, agents=[agent]),
        id=company_workflow_id(company_id),
        task_queue=queue,
    )
    started = time.perf_counter()
    await company.execute_update(CompanyWorkflow.create_task, CreateTaskInput(title="Read the data", assignee="dev"))
    while True:
        snap = await company.query(CompanyWorkflow.snapshot)
        if snap.tasks and snap.tasks[0].status.is_terminal:
            break
        await asyncio.sleep(0.2)
    seconds = time.perf_counter() - started
    await company.terminate("benchmark done")
    task = snap.tasks[0]
    end = "done" if task.status is TaskStatus.DONE else f"{task.status.value}: {(task.result or '')[:160]}"
    usages = list(server.usages[before:])
    server.reset()  # leftover scripted answers, if it ended early
    return usages, seconds, end


def report(label: str, usages: list[Usage], seconds: float, end: str, cfg: ModelConfig) -> int:
    tokens = [u.input_tokens for u in usages]  # cached reads and cache writes included, as billed
    total = sum(tokens)
    cost = sum(pricing.cost_usd(cfg, u) for u in usages)
    if not tokens:
        print(f"{label}: no model requests ({end})")
        return 0
    print(
        f"{label:<10} {len(tokens):4d} requests in {seconds:6.1f} s ({end}); input tokens per request: "
        f"first {tokens[0]:,}, median {int(statistics.median(tokens)):,}, last {tokens[-1]:,}, "
        f"largest {max(tokens):,}; total {total:,}, {sum(u.cached_input_tokens for u in usages):,} of them cached "
        f"(${cost:.4f})"
    )
    return total


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--turns", type=int, default=300)
    parser.add_argument("--file-kb", type=int, default=6)
    parser.add_argument("--window", type=int, default=128_000)
    parser.add_argument("--provider", type=Provider, default=Provider.OPENAI, choices=list(MODELS))
    args = parser.parse_args()
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=temporal_cli(),
        data_converter=pydantic_data_converter,
        dev_server_extra_args=dynamic_config_args(),
    )
    with FakeModelServer() as server, tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        os.environ[KEY] = server.openai_key
        settings = Settings(home=home, env_credentials=[KEY], credential_urls={KEY: [server.base_url]})
        store = Store(f"sqlite:///{home}/bench.db")
        store.migrate()
        queue = f"long-{uuid.uuid4().hex}"
        workers = build_workers(env.client, store, task_queue=queue, settings=settings)
        runs = [asyncio.ensure_future(w.run()) for w in workers]
        try:
            print(f"{args.turns} turns, a {args.file_kb} KB tool output each, on {MODELS[args.provider]}")
            cfg = model_config(server, args.provider, None)
            results = {}
            for label, window in (("unmanaged", UNMANAGED_WINDOW), ("managed", args.window)):
                usages, seconds, end = await one_task(env, queue, home, server, args, window)
                results[label] = report(label, usages, seconds, end, cfg)
            if results.get("unmanaged"):
                share = results["managed"] / results["unmanaged"]
                print(f"managed / unmanaged input tokens: {share:.1%}")
        finally:
            await asyncio.gather(*(w.shutdown() for w in workers))
            await asyncio.gather(*runs, return_exceptions=True)
            store.dispose()
    await env.shutdown()


if __name__ == "__main__":
    asyncio.run(main())
