"""Codex turns as Codex really behaves, with the hand-written fake (checked against recorded real
streams here; the real CLI is in tests/cli_contract/test_codex.py): its usage is its thread's
running total, booked per turn against the total the store keeps, on any worker; a stream it
reconnects is not a failure; a failure says why; permission profiles become its sandbox flags."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.cli.activity import CliActivities
from activities.cli.base import Stream
from activities.cli.codex import Codex
from activities.cli.failure import stderr_reason
from activities.cli.outcome import turn_usage
from paperclip.models import Adapter, CliConfig, CliPermissions, Usage
from paperclip.store import Store
from tests.activities.cli_helpers import BIN, fake_cli, runs, script, turn, turns
from tests.cli_contract.codex_setup import events, recorded, shape
from tests.fakes.cli_agent import BACKTRACE_ERROR

__all__ = ["fake_cli", "turns"]  # fixtures

ONE_TURN = Usage(input_tokens=1200, output_tokens=80, cached_input_tokens=200)
"""What each turn of the fake costs (it reports the thread's total: one of these per turn)."""


def worker(tmp_path: Path) -> CliActivities:
    """A worker's CLI turns, on the store in `tmp_path` and the same `PAPERCLIP_HOME` as any other."""
    store = Store(f"sqlite:///{tmp_path / 'paperclip.db'}")
    store.migrate()
    return CliActivities(store, home=tmp_path / "home", sandbox=False)


async def test_each_turn_books_what_it_added_to_its_threads_total_on_any_worker(fake_cli, tmp_path) -> None:
    first_worker, env = worker(tmp_path), ActivityEnvironment()
    one = await env.run(first_worker.cli_turn, turn(Adapter.CODEX_LOCAL))
    two = await env.run(first_worker.cli_turn, turn(Adapter.CODEX_LOCAL, seq=2, resume=one.session_id))
    # The task moves to another worker (another process, its own connection to the store).
    three = await env.run(worker(tmp_path).cli_turn, turn(Adapter.CODEX_LOCAL, seq=3, resume=one.session_id))

    assert one.session_id == two.session_id == three.session_id
    assert [one.usage, two.usage, three.usage] == [ONE_TURN] * 3  # the fake said 1x, 2x, then 3x
    ledger = worker(tmp_path).store.list_cost_events("acme")  # type: ignore[attr-defined]
    assert sorted((e.seq, e.usage) for e in ledger) == [(1, ONE_TURN), (2, ONE_TURN), (3, ONE_TURN)]
    assert worker(tmp_path).store.cli_session_total("acme", "codex", one.session_id) == Usage(  # type: ignore[attr-defined]
        input_tokens=3600, output_tokens=240, cached_input_tokens=600
    )


def test_a_total_below_the_booked_one_is_a_fresh_count() -> None:
    booked = Usage(input_tokens=3000, output_tokens=90, cached_input_tokens=100)
    assert turn_usage(Usage(input_tokens=3500, output_tokens=100, cached_input_tokens=100), booked) == Usage(
        input_tokens=500, output_tokens=10
    )
    assert turn_usage(ONE_TURN, None) == ONE_TURN
    assert turn_usage(ONE_TURN, booked) == ONE_TURN  # the tool lost count: all it says is this turn's
    # Codex after a full context window: counted afresh, though no count fell below the booked one.
    after_reset = Usage(input_tokens=8859, output_tokens=10, cached_input_tokens=8832)
    assert turn_usage(after_reset, Usage(input_tokens=8807, output_tokens=10)) == after_reset
    assert turn_usage(Usage(input_tokens=3100, output_tokens=90), booked) == Usage(input_tokens=3100, output_tokens=90)


async def test_a_stream_codex_reconnects_and_then_completes_is_not_a_failure(fake_cli, turns) -> None:
    acts, store = turns
    script(fake_cli, "reconnect")
    result = await ActivityEnvironment().run(acts.cli_turn, turn(Adapter.CODEX_LOCAL))
    assert result.reply.content == "[fake codex] done: Write the release notes"
    assert result.usage == ONE_TURN
    assert store.costs[("acme", "ACME-7", "dev", 1)].usage == ONE_TURN


async def test_a_failure_says_the_tools_error_not_its_backtrace_or_colours(fake_cli, turns) -> None:
    acts, _ = turns
    script(fake_cli, "backtrace")
    with pytest.raises(ApplicationError) as failed:
        await ActivityEnvironment().run(acts.cli_turn, turn(Adapter.CODEX_LOCAL))
    assert failed.value.message == f"codex failed (exit code 1): Error: {BACKTRACE_ERROR}"


def test_a_reason_is_found_in_noisy_stderr() -> None:
    node = "Error: connect ECONNREFUSED 127.0.0.1:9\n    at TCPConnectWrap.afterConnect (node:net:1555:16)\n"
    assert stderr_reason(node) == "Error: connect ECONNREFUSED 127.0.0.1:9"
    assert stderr_reason("\x1b[2m2026-12-03\x1b[0m \x1b[33mWARN\x1b[0m slow\n\x1b]0;title\x07done\n") == "done"
    assert stderr_reason("  9: <unknown>\n") is None


def read(scenario: str) -> Stream:
    stream, codex = Stream(), Codex()
    for line in recorded(scenario).read_text().splitlines():
        codex.feed(line, stream)
    return stream


def test_the_adapter_reads_the_real_codexs_recorded_streams() -> None:
    turn_, resumed, reconnect, failed = (read(s) for s in ("turn", "resumed", "reconnect", "failed"))
    assert turn_.session_id == resumed.session_id and len(turn_.session_id or "") == 36
    assert turn_.answer() == "[fake] Done: Write the release notes." and turn_.error is None
    assert turn_.session_total == Usage(input_tokens=8807, output_tokens=10)
    # Resumed, it reports the thread's total: both turns.
    assert resumed.session_total == Usage(input_tokens=17629, output_tokens=20, cached_input_tokens=8704)
    assert turn_usage(resumed.session_total, turn_.session_total) == Usage(
        input_tokens=8822, output_tokens=10, cached_input_tokens=8704
    )
    assert reconnect.error is None and reconnect.answer() == "[fake] Done: Write the release notes."
    assert failed.error == "The model refused the request."  # not the provider's raw JSON body
    assert failed.session_total is None


def fake_stream(home: Path, *args: str, mode: str = "ok") -> list[dict]:
    script = home / "script"
    script.write_text(mode)
    done = subprocess.run(
        [sys.executable, str(BIN / "codex"), "exec", "--json", *args, "-"],
        input="Write the release notes",
        capture_output=True,
        text=True,
        env={"HOME": str(home), "FAKE_CLI_SCRIPT": str(script), "PATH": os.environ["PATH"]},
        cwd=home,
    )
    return events(done.stdout)


def test_the_fake_codex_speaks_as_the_recorded_real_one(tmp_path: Path) -> None:
    first = fake_stream(tmp_path)
    assert shape(first) == shape(events(recorded("turn").read_text()))
    resumed = fake_stream(tmp_path, "resume", first[0]["thread_id"])
    assert shape(resumed) == shape(events(recorded("resumed").read_text()))
    assert resumed[-1]["usage"]["input_tokens"] == 2 * first[-1]["usage"]["input_tokens"]  # the thread's total
    assert shape(fake_stream(tmp_path, mode="reconnect")) == shape(events(recorded("reconnect").read_text()))
    assert shape(fake_stream(tmp_path, mode="fail")) == shape(events(recorded("failed").read_text()))


@pytest.mark.parametrize(
    ("permissions", "flags"),
    [
        (CliPermissions.READ_ONLY, ["--sandbox", "read-only"]),
        (CliPermissions.WORKSPACE_WRITE, ["--sandbox", "workspace-write"]),
        (
            CliPermissions.WORKSPACE_WRITE_NETWORK,
            ["--sandbox", "workspace-write", "-c", "sandbox_workspace_write.network_access=true"],
        ),
        (CliPermissions.FULL, ["--sandbox", "danger-full-access"]),
        (None, ["--sandbox", "workspace-write", "-c", "sandbox_workspace_write.network_access=true"]),
    ],
)
def test_a_permission_profile_becomes_codexs_sandbox_and_no_approvals(
    permissions: CliPermissions | None, flags: list[str]
) -> None:
    argv, _ = Codex().argv(CliConfig(permissions=permissions), "go", "t-1")
    head = ["codex", "exec", "--json", "--skip-git-repo-check", *flags, "-c", 'approval_policy="never"']
    # The options before `resume` hold for the resumed thread (the real CLI is tested on that).
    assert argv == [*head, "resume", "t-1", "-"]


def test_a_base_url_becomes_a_model_provider_with_the_key_only_when_one_is_named() -> None:
    url = "http://127.0.0.1:9/v1"
    keyless, _ = Codex().argv(CliConfig(base_url=url), "go", None)
    keyed, _ = Codex().argv(CliConfig(base_url=url, credential="LOCAL_KEY"), "go", None)
    table = f'name = "paperclip", base_url = "{url}", wire_api = "responses"'
    assert keyless[-5:-1] == ["-c", 'model_provider="paperclip"', "-c", f"model_providers.paperclip={{{table}}}"]
    assert keyed[-2] == f'model_providers.paperclip={{{table}, env_key = "OPENAI_API_KEY"}}'
    assert "model_provider" not in " ".join(Codex().argv(CliConfig(), "go", None)[0])  # the official URL: its own


async def test_the_permission_flags_reach_the_tool(fake_cli, turns) -> None:
    acts, _ = turns
    await ActivityEnvironment().run(acts.cli_turn, turn(Adapter.CODEX_LOCAL, permissions="read-only"))
    argv = runs(fake_cli)[0]["argv"]
    assert argv[argv.index("--sandbox") + 1] == "read-only"
