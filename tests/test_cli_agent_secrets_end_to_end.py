"""A `paperclip worker` process whose environment holds the deployment's secrets runs CLI agents
(dev server, the fake tools): the running tool's environment, read from `/proc`, holds none of
them; a tool whose credential is bound to the model server's URL reaches it with the key; one
whose spec sends the key elsewhere, or sets the base-URL variable itself, is refused before
anything starts, and the other server hears nothing."""

import asyncio
import base64
import signal
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from paperclip.constants import company_workflow_id
from paperclip.models import (
    Adapter,
    AgentSpec,
    CliConfig,
    CompanyInput,
    CompanySpec,
    CreateTaskInput,
    CreateTasksInput,
    TaskActionInput,
    TaskStatus,
)
from paperclip.settings import Settings
from paperclip.store import Store
from paperclip.temporal import data_converter
from tests.activities.cli_helpers import runs
from tests.fakes import FakeModelServer
from tests.test_cli_agents_end_to_end import fake_cli, until_gone
from tests.test_end_to_end import worker_process
from tests.workflows.helpers import wait_for
from workflows.company import CompanyWorkflow

__all__ = ["fake_cli"]  # a fixture

PAYLOAD_KEY = base64.b64encode(b"p" * 32).decode()
SECRETS = {
    "PAPERCLIP_SECRET_KEY": base64.b64encode(b"s" * 32).decode(),
    "PAPERCLIP_PAYLOAD_KEY": PAYLOAD_KEY,
    "OPENAI_API_KEY": "sk-openai-worker-secret",
    "ANTHROPIC_API_KEY": "test-key",  # the fake model server's
    "STRIPE_LIVE_SECRET": "sk_live_unrelated_secret",
}


class Listener:
    """A server that answers 404 to everything and remembers what it was sent (path, headers)."""

    def __init__(self) -> None:
        self.heard: list[tuple[str, dict[str, str]]] = []
        heard = self.heard

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 — the stdlib's name
                heard.append((self.path, dict(self.headers)))
                self.send_response(404)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()


@pytest.fixture
def model_server() -> Iterator[FakeModelServer]:
    with FakeModelServer() as server:
        yield server


@pytest.fixture
def elsewhere() -> Iterator[Listener]:
    listener = Listener()
    yield listener
    listener.close()


async def until_hanging(log: Path) -> dict:
    """The run of the fake in `hang` mode, once it has logged itself."""
    deadline = time.monotonic() + 30
    while not (hanging := [r for r in runs(log) if r["mode"] == "hang"]):
        assert time.monotonic() < deadline, "the tool never started"
        await asyncio.sleep(0.05)
    return hanging[0]


def agent(name: str, adapter: Adapter, script: Path, log: Path, **cli: object) -> AgentSpec:
    env = {"FAKE_CLI_LOG": str(log), "FAKE_CLI_SCRIPT": str(script)}
    return AgentSpec(
        name=name, role="engineer", adapter=adapter, cli=CliConfig(heartbeat_timeout_seconds=5, env=env, **cli)
    )


async def test_a_worker_process_gives_its_agents_none_of_its_secrets_and_keys_only_where_bound(
    dev_env: WorkflowEnvironment, fake_cli: Path, tmp_path: Path, model_server: FakeModelServer, elsewhere: Listener
) -> None:
    db = tmp_path / "paperclip.db"
    Store(f"sqlite:///{db}").migrate()
    queue = f"cli-secrets-{uuid.uuid4().hex}"
    scripts = {name: tmp_path / f"{name}.script" for name in ("watch", "dev", "stray", "sneak")}
    scripts["watch"].write_text("hang")
    scripts["dev"].write_text("model")
    # The deployment's Anthropic key, bound by the deployment to the model server (its proxy).
    # Unsandboxed: what the worker's environment gives the tool itself is the point here, and the
    # fakes log outside any workspace (tests/activities/test_cli_sandbox.py runs turns sandboxed).
    extra = SECRETS | {
        "PAPERCLIP_HOME": str(tmp_path / "home"),
        "ANTHROPIC_BASE_URL": model_server.base_url_anthropic,
        "PAPERCLIP_CLI_SANDBOX": "false",
    }
    # What the API refuses at hire (tests/api/test_agent_powers.py), as if it had been bypassed.
    sneaky = CliConfig(
        env={
            "FAKE_CLI_LOG": str(fake_cli),
            "FAKE_CLI_SCRIPT": str(scripts["sneak"]),
            "ANTHROPIC_BASE_URL": elsewhere.url,
        }
    )
    agents = [
        # No key (a URL of its own, no credential): the one whose environment is read.
        agent("watch", Adapter.CLAUDE_LOCAL, scripts["watch"], fake_cli, base_url="http://127.0.0.1:9"),
        agent(
            "dev",
            Adapter.CLAUDE_LOCAL,
            scripts["dev"],
            fake_cli,
            base_url=model_server.base_url_anthropic,
            credential="ANTHROPIC_API_KEY",
        ),
        agent(
            "stray",
            Adapter.CLAUDE_LOCAL,
            scripts["stray"],
            fake_cli,
            base_url=elsewhere.url,
            credential="ANTHROPIC_API_KEY",
        ),
        AgentSpec(name="sneak", role="engineer", adapter=Adapter.CLAUDE_LOCAL, cli=sneaky),
    ]
    client = await Client.connect(
        dev_env.client.service_client.config.target_host,
        namespace=dev_env.client.namespace,
        data_converter=data_converter(Settings(payload_key=PAYLOAD_KEY)),  # the worker seals payloads
    )
    worker = worker_process(dev_env, db, queue, tmp_path / "worker.log", extra)
    try:
        company_id = f"cli-{uuid.uuid4().hex[:8]}"
        company = await client.start_workflow(
            CompanyWorkflow.run,
            CompanyInput(spec=CompanySpec(id=company_id, name="Acme", prefix="ACME"), agents=agents),
            id=company_workflow_id(company_id),
            task_queue=queue,
        )
        tasks = [CreateTaskInput(title=f"Work for {a.name}", assignee=a.name) for a in agents]
        await company.execute_update(CompanyWorkflow.create_tasks, CreateTasksInput(tasks=tasks))
        watch = await until_hanging(fake_cli)
        seen = dict(e.split("=", 1) for e in Path(f"/proc/{watch['pid']}/environ").read_text().split("\0") if e)
        assert not set(SECRETS) & set(seen) and "PAPERCLIP_DATABASE_URL" not in seen
        assert not [n for n, v in seen.items() if any(secret in v for secret in SECRETS.values())]
        assert seen["HOME"] == str(tmp_path / "home" / "homes" / company_id / "watch")
        assert seen["ANTHROPIC_BASE_URL"] == "http://127.0.0.1:9" and "ANTHROPIC_API_KEY" not in seen
        assert seen["PAPERCLIP_TASK_TOKEN"].startswith("ptt1.") and seen["PAPERCLIP_COMPANY_ID"] == company_id

        snap = await wait_for(company, lambda s: sum(t.status.is_terminal for t in s.tasks) == 3, timeout=60)
        await company.execute_update(CompanyWorkflow.cancel_task, TaskActionInput(identifier="ACME-1"))
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=30)
    status = {t.assignee: t.status for t in snap.tasks}
    result = {t.assignee: t.result or "" for t in snap.tasks}
    assert status == {"watch": TaskStatus.RUNNING, "dev": TaskStatus.DONE} | {
        n: TaskStatus.FAILED for n in ("stray", "sneak")
    }
    assert f"credential 'ANTHROPIC_API_KEY' may not be sent to {elsewhere.url}" in result["stray"]
    assert "CLI turn failed: claude_local agent sneak was not started: cli.env.ANTHROPIC_BASE_URL:" in result["sneak"]
    # The bound key reached the model server (it answers 200 to its own key only); the other heard nothing.
    dev = next(r for r in runs(fake_cli) if r["environ"]["PAPERCLIP_AGENT_ID"] == "dev")
    assert dev["model_call"] == {"url": f"{model_server.base_url_anthropic}/v1/messages", "status": 200}
    assert elsewhere.heard == []
    assert {r["environ"]["PAPERCLIP_AGENT_ID"] for r in runs(fake_cli)} == {"watch", "dev"}
    assert await until_gone(watch["pgid"]) < 30
