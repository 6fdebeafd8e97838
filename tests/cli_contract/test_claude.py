"""The real Claude Code (pinned, from npm) through the product's turn activity, against the fake
Anthropic API: the session it starts and resumes, its answer, the usage booked (equal to what the
provider counted, the new session's title call included), its cost (the list price of those
tokens), and the reasons it gives when a turn fails or stops."""

import uuid

import pytest
from temporalio.exceptions import ApplicationError

from paperclip.models import Provider, ToolDenial, Usage
from paperclip.pricing import call_cost, price
from tests.cli_contract.conftest import ClaudeTurns, provider_usage

MODEL = "claude-sonnet-4-5"


def list_price(usage: Usage) -> float:
    listed = price(Provider.ANTHROPIC, MODEL)
    assert listed is not None
    return call_cost(listed, usage)


async def test_a_turn_answers_in_a_new_session_and_books_what_the_provider_counted(
    claude_turns: ClaudeTurns,
) -> None:
    server = claude_turns.server
    server.say_next("Hello there.")
    result = await claude_turns.run(model=MODEL)
    assert result.reply.content == "[fake] Hello there."
    assert uuid.UUID(result.session_id or "")
    assert (result.tool, result.model) == ("claude-code", MODEL)
    # Two calls: the turn's, and the title of the new session (which the result's own `usage` leaves out).
    assert len(server.usages) == 2
    assert set(server.keys_seen()) == {("/v1/messages", "x-api-key")}  # its key went nowhere else
    assert {s.headers["x-api-key"] for s in server.seen if "x-api-key" in s.headers} == {server.anthropic_key}
    counted = provider_usage(server)
    assert result.usage == counted
    booked = claude_turns.store.costs[("acme", "ACME-1", "dev", 1)]
    assert (booked.provider, booked.model, booked.usage) == ("claude-code", MODEL, counted)
    assert booked.cost_usd == result.cost_usd == pytest.approx(list_price(counted))
    assert [m.content for m in claude_turns.store.turns[("acme", "ACME-1", "dev")][1]] == [
        "Task ACME-1: say hello",
        "[fake] Hello there.",
    ]


async def test_the_next_turn_resumes_the_session_with_its_conversation(claude_turns: ClaudeTurns) -> None:
    server = claude_turns.server
    server.say_next("First answer.")
    first = await claude_turns.run("Task ACME-1: write the notes", model=MODEL)
    before = len(server.usages)
    server.say_next("Second answer.")
    second = await claude_turns.run("The board says: add a summary.", seq=2, resume=first.session_id, model=MODEL)
    assert second.session_id == first.session_id
    assert second.reply.content == "[fake] Second answer."
    texts = [
        block["text"] if isinstance(block, dict) else block
        for message in server.requests[-1]["messages"]
        for block in (message["content"] if isinstance(message["content"], list) else [message["content"]])
        if not isinstance(block, dict) or block.get("type") == "text"
    ]
    # The resumed conversation: the first prompt, its answer, then this turn's prompt.
    assert texts[-3:] == ["Task ACME-1: write the notes", "[fake] First answer.", "The board says: add a summary."]
    counted = sum(server.usages[before:], Usage())
    assert second.usage == counted  # no title call for a resumed session: one call
    assert claude_turns.store.costs[("acme", "ACME-1", "dev", 2)].usage == counted


async def test_resuming_a_session_it_does_not_have_fails_with_its_reason(claude_turns: ClaudeTurns) -> None:
    missing = "00000000-0000-4000-8000-000000000000"
    with pytest.raises(ApplicationError) as failed:
        await claude_turns.run(resume=missing)
    assert failed.value.type == "CliAgentFailed"
    assert failed.value.message == (
        f"claude-code failed (exit code 1): No conversation found with session ID: {missing}"
    )
    assert claude_turns.server.usages == []


async def test_a_provider_error_fails_the_turn_with_the_providers_message(claude_turns: ClaudeTurns) -> None:
    claude_turns.server.fail_next(1, status=400, message="messages: this request is not valid")
    with pytest.raises(ApplicationError) as failed:
        await claude_turns.run(model=MODEL)
    assert failed.value.type == "CliAgentFailed"
    assert failed.value.message == (
        "claude-code failed (exit code 1): API Error: 400 messages: this request is not valid"
    )


async def test_a_stop_at_the_turn_budget_books_what_the_turn_spent(claude_turns: ClaudeTurns) -> None:
    server = claude_turns.server
    server.call_next("Read", '{"file_path": "README.md"}')  # more work after the first call
    result = await claude_turns.run(model=MODEL, turn_budget_usd=0.01)
    counted = provider_usage(server)
    assert counted.output_tokens > 0
    # Claude Code stopped itself there and reported zero `usage`: what it spent is in `modelUsage`.
    assert result.usage == counted
    assert result.cost_usd == pytest.approx(list_price(counted))
    assert claude_turns.store.costs[("acme", "ACME-1", "dev", 1)].usage == counted
    assert result.reply.content.endswith(
        f"[stopped: this turn passed its per-turn budget (${result.cost_usd:.4f} of $0.01)]"
    )


async def test_a_call_its_permissions_refuse_is_recorded_and_the_turn_goes_on(claude_turns: ClaudeTurns) -> None:
    server = claude_turns.server
    outside = claude_turns.workspace.parent.parent / "outside.txt"  # not its workspace
    server.call_next("Write", f'{{"file_path": "{outside}", "content": "hello"}}')
    server.say_next("I could not write it.")
    result = await claude_turns.run(model=MODEL)
    assert not outside.exists()
    assert result.denials == [ToolDenial(tool="Write", detail=str(outside))]
    # Not a clean success: the reply says what was refused; the turn was not failed nor run again.
    assert result.reply.content == (
        f"[fake] I could not write it.\n\n[refused by its permissions (workspace-write-network): Write {outside}]"
    )
    assert len(server.usages) == 3  # the title, the call of Write, the answer: one run
    assert result.usage == provider_usage(server)
