"""The real Codex CLI (@openai/codex, pinned in `tests.cli_contract.npm`) through the product's CLI
turn, against the fake model server's Responses API: its thread, answer and usage (the ledger
equal to what the fake provider counted, each resumed turn booked what it added), a stream it
reconnects, the reasons it fails for, and what each permission profile lets its commands do,
inside the worker's sandbox and without it. Offline once the CLI is in the cache."""

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment, WorkflowEnvironment

from activities.sandbox.bwrap import bwrap_path
from paperclip.constants import company_workflow_id
from paperclip.models import (
    Adapter,
    AgentSpec,
    CliConfig,
    CliPermissions,
    CompanyInput,
    CompanySpec,
    CreateTaskInput,
    CreateTasksInput,
    TaskStatus,
    Usage,
)
from paperclip.store import Store
from tests.cli_contract.codex_setup import MODEL, activities, events, recorded, shape, turn, work_folder
from tests.cli_contract.record_codex import PROMPT, REFUSAL, record
from tests.fakes.model_server import FakeModelServer
from tests.test_end_to_end import in_process_workers
from tests.workflows.helpers import wait_for
from workflows.company import CompanyWorkflow


@pytest.fixture(scope="module")
def model_server() -> Iterator[FakeModelServer]:
    with FakeModelServer() as server:
        yield server


@pytest.fixture
def server(model_server: FakeModelServer) -> FakeModelServer:
    model_server.reset()
    return model_server


@pytest.fixture
def folder() -> Iterator[Path]:
    yield from work_folder()


def new_store(folder: Path) -> Store:
    store = Store(f"sqlite:///{folder / 'paperclip.db'}")
    store.migrate()
    return store


def total(usages: list[Usage]) -> Usage:
    return sum(usages, Usage())


async def test_a_thread_is_resumed_and_each_turn_books_what_the_provider_counted(
    server: FakeModelServer, folder: Path
) -> None:
    env, store = ActivityEnvironment(), new_store(folder)
    one = await env.run(activities(store, folder, server).cli_turn, turn(server, PROMPT))
    assert uuid.UUID(one.session_id or "")  # Codex's thread id
    assert (one.reply.content, one.tool, one.model) == ("[fake] Done: Write the release notes.", "codex", MODEL)
    assert one.usage == total(server.usages) and one.usage.input_tokens > 1000

    two = await env.run(
        activities(store, folder, server).cli_turn, turn(server, "Now the changelog.", seq=2, resume=one.session_id)
    )
    assert two.session_id == one.session_id
    assert "Write the release notes" in json.dumps(server.requests[-1]["input"])  # the thread went on
    assert two.usage == server.usages[-1]  # not the thread's total, which Codex reports
    # The task moves to another worker: its own process, its own connection to the store.
    three = await env.run(
        activities(new_store(folder), folder, server).cli_turn,
        turn(server, "And the docs.", seq=3, resume=one.session_id),
    )
    assert three.usage == server.usages[-1]

    ledger = store.list_cost_events("acme")
    assert [e.usage for e in sorted(ledger, key=lambda e: e.seq)] == server.usages
    assert total([e.usage for e in ledger]) == total(server.usages)
    print(f"\ncodex ledger {total([e.usage for e in ledger])} == fake provider {total(server.usages)}")


async def test_a_dropped_stream_is_reconnected_and_the_turn_succeeds(server: FakeModelServer, folder: Path) -> None:
    server.responses.drop_next(1)
    result = await ActivityEnvironment().run(
        activities(new_store(folder), folder, server).cli_turn, turn(server, PROMPT)
    )
    assert server.responses.dropped == 1 and len(server.requests) == 2
    assert result.reply.content == "[fake] Done: Write the release notes."
    assert result.usage == total(server.usages)


async def test_a_refused_request_fails_with_the_providers_message(server: FakeModelServer, folder: Path) -> None:
    server.fail_next(1, status=400, message=REFUSAL)
    with pytest.raises(ApplicationError) as failed:
        await ActivityEnvironment().run(activities(new_store(folder), folder, server).cli_turn, turn(server, PROMPT))
    assert failed.value.message == f"codex failed (exit code 1): {REFUSAL}"
    assert failed.value.type == "CliAgentFailed" and uuid.UUID(failed.value.details[0]["session_id"])


async def test_a_full_context_window_fails_with_codexs_words(server: FakeModelServer, folder: Path) -> None:
    server.responses.fail_in_stream(1, code="context_length_exceeded", message="Your input exceeds the window.")
    with pytest.raises(ApplicationError) as failed:
        await ActivityEnvironment().run(activities(new_store(folder), folder, server).cli_turn, turn(server, PROMPT))
    assert failed.value.message.startswith(
        "codex failed (exit code 1): Codex ran out of room in the model's context window."
    )


async def test_resuming_a_thread_codex_does_not_have_fails_with_its_error_line(
    server: FakeModelServer, folder: Path
) -> None:
    lost = str(uuid.uuid4())
    with pytest.raises(ApplicationError) as failed:
        await ActivityEnvironment().run(
            activities(new_store(folder), folder, server).cli_turn, turn(server, PROMPT, resume=lost)
        )
    assert failed.value.message == (
        f"codex failed (exit code 1): Error: thread/resume: thread/resume failed: no rollout found for thread id "
        f"{lost} (code -32600)"
    )
    assert server.requests == []


def test_the_live_streams_are_shaped_as_the_recorded_ones() -> None:
    for scenario, stdout in record().items():
        assert shape(events(stdout)) == shape(events(recorded(scenario).read_text())), scenario


SANDBOXES = [
    pytest.param(False, id="codex-sandbox-only"),
    pytest.param(
        True,
        id="inside-the-workers-sandbox",
        marks=pytest.mark.skipif(bwrap_path() is None, reason="needs bubblewrap (apt-get install bubblewrap)"),
    ),
]
WRITE = "echo written > made.txt && cat made.txt"
CALL_BACK = (
    'python3 -c "import os, urllib.request as u, urllib.error as e\n'
    "try: u.urlopen(os.environ['PAPERCLIP_API_URL'] + '/v1/models')\n"
    "except e.HTTPError as err: print('reached', err.code)\n"
    "except OSError as err: print('unreachable', err)\""
)
WRITE_HOME = 'echo x > "$HOME/outside.txt" && echo wrote-home'


async def run_command(
    server: FakeModelServer, folder: Path, sandbox: bool, permissions: CliPermissions, command: str
) -> str:
    """One turn in which the model runs `command` (Codex's `exec_command`); what Codex told it."""
    server.call_next("exec_command", json.dumps({"cmd": command}))
    acts = activities(new_store(folder), folder, server, sandbox=sandbox)
    result = await ActivityEnvironment().run(acts.cli_turn, turn(server, "Run it", permissions=permissions))
    assert result.reply.content == "[fake] Done: Run it."
    (output,) = [i["output"] for i in server.requests[-1]["input"] if i.get("type") == "function_call_output"]
    return str(output)


def workspace(folder: Path) -> Path:
    return folder / "home" / "workspaces" / "acme" / "dev"


@pytest.mark.parametrize("sandbox", SANDBOXES)
async def test_workspace_write_edits_its_workspace_and_read_only_cannot(
    server: FakeModelServer, folder: Path, sandbox: bool
) -> None:
    said = await run_command(server, folder, sandbox, CliPermissions.READ_ONLY, WRITE)
    assert "Read-only file system" in said and not (workspace(folder) / "made.txt").exists()
    said = await run_command(server, folder, sandbox, CliPermissions.WORKSPACE_WRITE, WRITE)
    assert "Process exited with code 0" in said and (workspace(folder) / "made.txt").read_text() == "written\n"


@pytest.mark.parametrize("sandbox", SANDBOXES)
async def test_only_the_network_profile_reaches_the_api(server: FakeModelServer, folder: Path, sandbox: bool) -> None:
    assert "unreachable" in await run_command(server, folder, sandbox, CliPermissions.WORKSPACE_WRITE, CALL_BACK)
    said = await run_command(server, folder, sandbox, CliPermissions.WORKSPACE_WRITE_NETWORK, CALL_BACK)
    assert "reached 401" in said  # the server answered (the probe sent no key)


@pytest.mark.parametrize("sandbox", SANDBOXES)
async def test_only_full_writes_outside_the_workspace(server: FakeModelServer, folder: Path, sandbox: bool) -> None:
    said = await run_command(server, folder, sandbox, CliPermissions.WORKSPACE_WRITE_NETWORK, WRITE_HOME)
    assert "wrote-home" not in said and "Read-only file system" in said
    assert "wrote-home" in await run_command(server, folder, sandbox, CliPermissions.FULL, WRITE_HOME)


async def test_a_codex_agent_finishes_its_task_and_the_ledger_is_what_the_provider_counted(
    dev_env: WorkflowEnvironment, server: FakeModelServer, folder: Path
) -> None:
    store = new_store(folder)
    fake = turn(server, PROMPT).cli
    agent = AgentSpec(name="dev", role="engineer", adapter=Adapter.CODEX_LOCAL, cli=CliConfig(**fake.model_dump()))
    company_id = f"codex-{uuid.uuid4().hex[:8]}"
    async with in_process_workers(dev_env.client, store, cli=activities(store, folder, server, sandbox=False)) as queue:
        company = await dev_env.client.start_workflow(
            CompanyWorkflow.run,
            CompanyInput(spec=CompanySpec(id=company_id, name="Acme", prefix="ACME"), agents=[agent]),
            id=company_workflow_id(company_id),
            task_queue=queue,
        )
        await company.execute_update(
            CompanyWorkflow.create_tasks,
            CreateTasksInput(tasks=[CreateTaskInput(title="Fix the login bug", assignee="dev")]),
        )
        snap = await wait_for(company, lambda s: s.tasks[0].status.is_terminal, timeout=120)
    assert snap.tasks[0].status is TaskStatus.DONE
    assert snap.tasks[0].result.startswith("[fake] Done: ")
    ledger = store.list_cost_events(company_id)
    assert [(e.provider, e.model, e.usage) for e in ledger] == [("codex", MODEL, total(server.usages))]
    assert snap.tasks[0].usage == total(server.usages)
    print(f"\ncodex task ledger {ledger[0].usage} == fake provider {total(server.usages)}")


async def test_what_a_failed_turn_used_is_booked_with_the_threads_next_turn(
    server: FakeModelServer, folder: Path
) -> None:
    env, store = ActivityEnvironment(), new_store(folder)
    server.call_next("exec_command", json.dumps({"cmd": "true"}))  # answered and billed
    server.responses.fail_in_stream(6, code="server_error", message="Boom.", after=1)  # then 1 + 5 retries fail
    with pytest.raises(ApplicationError) as failed:
        await env.run(activities(store, folder, server).cli_turn, turn(server, PROMPT))
    assert failed.value.message == "codex failed (exit code 1): stream disconnected before completion: Boom."
    assert len(server.usages) == 1 and store.list_cost_events("acme") == []
    thread = failed.value.details[0]["session_id"]
    again = await env.run(activities(store, folder, server).cli_turn, turn(server, PROMPT, resume=thread))
    assert again.usage == total(server.usages)  # the failed attempt's answered call, and this one's
    assert total([e.usage for e in store.list_cost_events("acme")]) == total(server.usages)


async def test_after_a_full_context_window_codex_counts_afresh_and_is_booked_so(
    server: FakeModelServer, folder: Path
) -> None:
    env, store = ActivityEnvironment(), new_store(folder)
    one = await env.run(activities(store, folder, server).cli_turn, turn(server, PROMPT))
    server.call_next("exec_command", json.dumps({"cmd": "true"}))
    server.responses.fail_in_stream(1, code="context_length_exceeded", message="Too long.", after=1)
    with pytest.raises(ApplicationError):
        await env.run(activities(store, folder, server).cli_turn, turn(server, "Two", seq=2, resume=one.session_id))
    three = await env.run(
        activities(store, folder, server).cli_turn, turn(server, "Three", seq=3, resume=one.session_id)
    )
    first, lost, third = server.usages
    # Codex zeroes its thread's count at a full window: the next total is that turn's alone.
    assert three.usage == third
    # What the failed turn's answered call used is in no event Codex wrote: the ledger lacks it.
    assert [e.usage for e in sorted(store.list_cost_events("acme"), key=lambda e: e.seq)] == [first, third]
    assert lost.input_tokens > 0
