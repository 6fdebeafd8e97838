"""The CLI-agent turn against fake `claude`, `codex`, `opencode` and `gemini` executables that speak the
real stream formats: answers, sessions resumed, usage and cost, failures, cancel and timeout."""

import asyncio
import time

import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.cli.runner import group_alive
from paperclip.models import Adapter, Usage
from tests.activities.cli_helpers import EACH, TOOLS, fake_cli, runs, script, turn, turns

__all__ = ["fake_cli", "turns"]  # fixtures


EXPECTED = {
    Adapter.CLAUDE_LOCAL: (Usage(input_tokens=1200, output_tokens=80, cached_input_tokens=200), 0.0123),
    Adapter.CODEX_LOCAL: (Usage(input_tokens=1200, output_tokens=80, cached_input_tokens=200), None),
    Adapter.OPENCODE_LOCAL: (Usage(input_tokens=1200, output_tokens=80, cached_input_tokens=200), 0.004),
    Adapter.GEMINI_LOCAL: (Usage(input_tokens=1200, output_tokens=80, cached_input_tokens=200), None),
}


@EACH
async def test_a_turn_answers_and_the_next_resumes_its_session(adapter, fake_cli, turns) -> None:
    acts, store = turns
    env = ActivityEnvironment()
    first = await env.run(acts.cli_turn, turn(adapter, model="m-1"))
    assert first.reply.content == f"[fake {TOOLS[adapter]}] done: Write the release notes"
    assert first.session_id and first.session_id.startswith(TOOLS[adapter])
    usage, cost = EXPECTED[adapter]
    assert (first.usage, first.cost_usd) == (usage, pytest.approx(cost) if cost else None)

    second = await env.run(acts.cli_turn, turn(adapter, seq=2, resume=first.session_id))
    assert second.session_id == first.session_id
    assert second.reply.content.endswith(f"(resumed {first.session_id})")

    one, two = runs(fake_cli)
    assert "m-1" in one["argv"] and first.session_id not in one["argv"]
    assert first.session_id in two["argv"]
    assert one["prompt"] == "Write the release notes\nfor version 2."
    # Its own process group, in the agent's workspace, told where to call back.
    assert one["pgid"] == one["pid"]
    assert one["cwd"] == str(acts.home / "workspaces" / "acme" / "dev")
    told = {
        "PAPERCLIP_API_URL": "http://127.0.0.1:8000",
        "PAPERCLIP_COMPANY_ID": "acme",
        "PAPERCLIP_AGENT_ID": "dev",
        "PAPERCLIP_TASK_ID": "ACME-7",
        "PAPERCLIP_TURN": "test/test",  # the workflow and activity ids: marks the turn's processes
    }
    assert {name: one["env"].get(name) for name in told} == told
    # The store has the prompt, the answer and the cost event of each turn.
    assert [m.role for m in store.turns[("acme", "ACME-7", "dev")][1]] == ["user", "assistant"]
    cost_event = store.costs[("acme", "ACME-7", "dev", 2)]
    assert (cost_event.provider, cost_event.usage, cost_event.goal) == (first.tool, usage, "G1")


async def test_a_process_agent_answers_with_its_stdout(fake_cli, turns, tmp_path) -> None:
    acts, store = turns
    program = "import sys; print('echo: ' + sys.stdin.read().upper())"
    result = await ActivityEnvironment().run(
        acts.cli_turn, turn(Adapter.PROCESS, command=["python3", "-c", program], workspace=str(tmp_path / "ws"))
    )
    assert result.reply.content == "echo: WRITE THE RELEASE NOTES\nFOR VERSION 2."
    assert (result.tool, result.session_id, result.cost_usd) == ("process", None, None)
    assert (tmp_path / "ws").is_dir()


@EACH
async def test_a_failed_turn_says_why_and_may_be_retried(adapter, fake_cli, turns) -> None:
    acts, _ = turns
    script(fake_cli, "fail")
    with pytest.raises(ApplicationError) as failed:
        await ActivityEnvironment().run(acts.cli_turn, turn(adapter))
    assert failed.value.type == "CliAgentFailed" and not failed.value.non_retryable
    assert "the model refused" in failed.value.message


async def test_a_crash_reports_the_last_line_of_stderr(fake_cli, turns) -> None:
    acts, _ = turns
    script(fake_cli, "crash")
    with pytest.raises(ApplicationError) as failed:
        await ActivityEnvironment().run(acts.cli_turn, turn(Adapter.CLAUDE_LOCAL))
    assert failed.value.message == "claude-code failed (exit code 3): fake: the connection to the model broke"


async def test_a_missing_tool_fails_for_good_in_one_line(turns) -> None:
    acts, _ = turns
    with pytest.raises(ApplicationError) as failed:
        await ActivityEnvironment().run(acts.cli_turn, turn(Adapter.CLAUDE_LOCAL, command=["no-such-claude"]))
    assert failed.value.non_retryable and failed.value.type == "CliAgentMissing"
    assert failed.value.message == "claude-code: `no-such-claude` is not installed on this worker (not on its PATH)"


async def test_a_retry_resumes_the_session_the_lost_attempt_heartbeated(fake_cli, turns) -> None:
    acts, _ = turns
    script(fake_cli, "crash")  # the lost attempt: its session started, then it died
    with pytest.raises(ApplicationError) as lost:
        await ActivityEnvironment().run(acts.cli_turn, turn(Adapter.CLAUDE_LOCAL))
    session = lost.value.details[0]["session_id"]
    env = ActivityEnvironment()
    env.info = env.info.__class__(**{**env.info.__dict__, "attempt": 2, "heartbeat_details": [{"session_id": session}]})
    result = await env.run(acts.cli_turn, turn(Adapter.CLAUDE_LOCAL))
    assert result.session_id == session
    assert runs(fake_cli)[1]["argv"][-2:] == ["--resume", session]
    assert result.reply.content.endswith(f"(resumed {session})")


@EACH
async def test_a_long_answer_travels_cut_short_and_whole_in_the_store(adapter, fake_cli, turns) -> None:
    acts, store = turns
    script(fake_cli, "big")
    result = await ActivityEnvironment().run(acts.cli_turn, turn(adapter, max_output_chars=10_000))
    assert len(result.reply.content) < 10_200
    assert "cut at 10,000 of 200,000 characters" in result.reply.content
    assert len(store.turns[("acme", "ACME-7", "dev")][1][1].content) == 200_000


async def test_cancelling_a_turn_kills_its_whole_process_group(fake_cli, turns) -> None:
    acts, _ = turns
    script(fake_cli, "hang")
    env = ActivityEnvironment()
    beats: list = []
    env.on_heartbeat = lambda *d: beats.append(d[0])
    running = asyncio.ensure_future(env.run(acts.cli_turn, turn(Adapter.CODEX_LOCAL)))
    while not beats or not beats[-1].get("session_id"):
        await asyncio.sleep(0.05)
    pgid = runs(fake_cli)[0]["pgid"]
    assert group_alive(pgid)
    assert beats[-1]["last_event"] == "thread.started" and beats[-1]["events"] == 1
    started = time.monotonic()
    env.cancel()
    with pytest.raises(asyncio.CancelledError):
        await running
    gone = time.monotonic() - started
    assert not group_alive(pgid)  # the tool and the child it started
    assert gone < 5


async def test_a_turn_past_its_timeout_is_stopped_and_fails_for_good(fake_cli, turns) -> None:
    acts, _ = turns
    script(fake_cli, "hang")
    with pytest.raises(ApplicationError) as failed:
        await ActivityEnvironment().run(
            # Long enough for the fake to start and say so on a loaded machine (it had not at 1 s).
            acts.cli_turn,
            turn(Adapter.OPENCODE_LOCAL, turn_timeout_seconds=4, grace_seconds=0.5),
        )
    assert failed.value.type == "CliTurnTimeout" and failed.value.non_retryable
    assert not group_alive(runs(fake_cli)[0]["pgid"])


async def test_a_turn_past_its_budget_is_stopped_and_counted_with_what_it_spent(fake_cli, turns) -> None:
    acts, store = turns
    script(fake_cli, "spendy")  # 50 steps of $0.002, 0.1 s apart: $0.10 over 5 s if not stopped
    started = time.monotonic()
    result = await ActivityEnvironment().run(
        acts.cli_turn, turn(Adapter.OPENCODE_LOCAL, turn_budget_usd=0.005, grace_seconds=1)
    )
    assert time.monotonic() - started < 4
    assert not group_alive(runs(fake_cli)[0]["pgid"])
    # Stopped at the first step past $0.005: it passed the turn's budget by less than one step.
    assert result.cost_usd == pytest.approx(0.006)
    assert "[stopped: this turn passed its per-turn budget ($0.0060 of $0.005)]" in result.reply.content
    assert store.costs[("acme", "ACME-7", "dev", 1)].cost_usd == pytest.approx(0.006)


async def test_a_token_budget_stops_a_turn_too(fake_cli, turns) -> None:
    acts, _ = turns
    script(fake_cli, "spendy")  # each step reports 640 tokens
    result = await ActivityEnvironment().run(
        acts.cli_turn, turn(Adapter.OPENCODE_LOCAL, turn_budget_tokens=2_000, grace_seconds=1)
    )
    assert result.usage.input_tokens + result.usage.output_tokens == 4 * 640
    assert "2,560 of 2,000 tokens" in result.reply.content


async def test_claude_code_is_given_the_turn_budget(fake_cli, turns) -> None:
    acts, _ = turns
    await ActivityEnvironment().run(acts.cli_turn, turn(Adapter.CLAUDE_LOCAL, turn_budget_usd=0.5))
    argv = runs(fake_cli)[0]["argv"]
    assert argv[argv.index("--max-budget-usd") + 1] == "0.500000"
