"""Claude Code's turns against the fake `claude` (its events shaped as the real tool's, checked in
tests/cli_contract): a stop at its own budget is booked with what `modelUsage` says it spent,
calls its permissions refused are recorded without failing the turn, and a failure's reason is
read from the result's `errors`. The real tool does the same in tests/cli_contract/test_claude.py."""

import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from paperclip.models import Adapter, CliPermissions, ToolDenial, Usage
from tests.activities.cli_helpers import fake_cli, runs, script, turn, turns

__all__ = ["fake_cli", "turns"]  # fixtures

SPENT = Usage(input_tokens=1200, output_tokens=80, cached_input_tokens=200)
"""What the fake reports in `modelUsage`: its turn's calls and the new session's title."""


async def test_a_stop_at_its_own_budget_is_the_turn_stopped_and_booked_with_what_it_spent(fake_cli, turns) -> None:
    acts, store = turns
    script(fake_cli, "budget")
    result = await ActivityEnvironment().run(acts.cli_turn, turn(Adapter.CLAUDE_LOCAL, turn_budget_usd=0.01))
    assert (result.usage, result.cost_usd) == (SPENT, pytest.approx(0.0123))
    assert (
        result.reply.content == "Working on it.\n\n[stopped: this turn passed its per-turn budget ($0.0123 of $0.01)]"
    )
    assert store.costs[("acme", "ACME-7", "dev", 1)].usage == SPENT
    assert len(runs(fake_cli)) == 1


async def test_refused_calls_are_recorded_and_said_and_the_turn_is_not_failed(fake_cli, turns) -> None:
    acts, store = turns
    script(fake_cli, "denied")
    result = await ActivityEnvironment().run(
        acts.cli_turn, turn(Adapter.CLAUDE_LOCAL, permissions=CliPermissions.WORKSPACE_WRITE)
    )
    assert result.denials == [ToolDenial(tool="Bash", detail="curl -s https://example.com")]
    assert result.reply.content == (
        "[fake claude] done: Write the release notes\n\n"
        "[refused by its permissions (workspace-write): Bash curl -s https://example.com]"
    )
    # The whole answer in the store says so too; the turn ran once and was booked.
    assert store.turns[("acme", "ACME-7", "dev")][1][1].content == result.reply.content
    assert store.costs[("acme", "ACME-7", "dev", 1)].usage == SPENT
    assert len(runs(fake_cli)) == 1


async def test_a_failures_reason_is_read_from_its_errors(fake_cli, turns) -> None:
    acts, _ = turns
    script(fake_cli, "fail")
    with pytest.raises(ApplicationError) as failed:
        await ActivityEnvironment().run(acts.cli_turn, turn(Adapter.CLAUDE_LOCAL))
    assert failed.value.message == "claude-code failed (exit code 1): the model refused"


async def test_a_failed_turn_books_what_its_tool_spent_and_says_so(fake_cli, turns) -> None:
    acts, store = turns
    script(fake_cli, "fail-spent")
    with pytest.raises(ApplicationError) as failed:
        await ActivityEnvironment().run(acts.cli_turn, turn(Adapter.CLAUDE_LOCAL))
    [booked] = store.booked
    assert (booked.usage, booked.cost_usd, booked.seq, booked.attempt) == (SPENT, pytest.approx(0.0123), 1, 1)
    assert failed.value.details[0]["usage"] == SPENT.model_dump()  # the task adds it to its spend
    assert failed.value.details[0]["cost_usd"] == pytest.approx(0.0123)


async def test_a_failed_turn_that_spent_nothing_books_nothing(fake_cli, turns) -> None:
    acts, store = turns
    script(fake_cli, "fail")
    with pytest.raises(ApplicationError) as failed:
        await ActivityEnvironment().run(acts.cli_turn, turn(Adapter.CLAUDE_LOCAL))
    assert store.booked == [] and "usage" not in failed.value.details[0]
