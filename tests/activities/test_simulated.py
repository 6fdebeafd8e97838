"""The offline provider: deterministic, labelled, free; delegates once, then completes."""

from activities.model_turn import ModelActivities
from paperclip.keys import BoundKey
from paperclip.models import Message, ModelConfig
from paperclip.tools import tools_for
from tests.activities.helpers import ASSIGNMENT, TEAM, run_turn, turn_input

SIMULATED = ModelConfig()


def no_credentials(company_id: str, name: str) -> BoundKey | None:
    raise AssertionError("the simulated provider needs no credential")


async def test_a_manager_delegates_to_each_member_of_its_team_once(store) -> None:
    result = await run_turn(ModelActivities(store, keys=no_credentials), turn_input(SIMULATED))

    assert result.simulated and result.provider == "simulated" and result.cost_usd == 0.0
    assert result.reply.content.startswith("[simulated]")
    assert [(c.id, c.name, c.arguments["agent"]) for c in result.reply.tool_calls] == [
        ("sim-1-0", "delegate_task", "eng"),
        ("sim-1-1", "delegate_task", "qa"),
    ]
    assert result.reply.tool_calls[0].arguments["title"] == "engineer part of: Build a landing page"
    assert result.usage.input_tokens > 0 and result.usage.output_tokens > 0
    assert store.costs[("acme", "ACME-1", "ceo", 1)].simulated


async def test_after_its_subtasks_report_the_manager_completes_naming_their_results(store) -> None:
    acts = ModelActivities(store, keys=no_credentials)
    first = await run_turn(acts, turn_input(SIMULATED))
    new = [Message(role="tool", tool_call_id=c.id, content="started") for c in first.reply.tool_calls] + [
        Message(role="user", content="Subtask ACME-1.1 (eng) finished: done. Result: page built"),
        Message(role="user", content="Subtask ACME-1.2 (qa) finished: done. Result: all green"),
    ]

    second = await run_turn(acts, turn_input(SIMULATED, seq=2, new=new))

    [call] = second.reply.tool_calls
    assert (call.id, call.name) == ("sim-2-0", "complete_task")
    assert call.arguments["result"].startswith("[simulated] Done: Build a landing page. ")
    assert "\n- eng (ACME-1.1): page built.\n- qa (ACME-1.2): all green.\n" in call.arguments["result"]


async def test_a_leaf_completes_at_once_with_written_content(store) -> None:
    result = await run_turn(ModelActivities(store, keys=no_credentials), turn_input(SIMULATED, team=[]))
    [call] = result.reply.tool_calls
    assert call.name == "complete_task" and list(call.arguments) == ["result"]
    said = call.arguments["result"]
    assert said.startswith("[simulated] Done: Build a landing page. ") and said.endswith(".")
    assert "landing page" in said.split("\n")[0].removeprefix("[simulated] Done: Build a landing page.")


async def test_the_same_conversation_gets_the_same_reply(store) -> None:
    a = await run_turn(ModelActivities(store, keys=no_credentials), turn_input(SIMULATED))
    b = await run_turn(ModelActivities(store, keys=no_credentials), turn_input(SIMULATED))
    assert a == b and a.reply.content == "[simulated] Delegating 'Build a landing page' to eng, qa."
    assert ASSIGNMENT in store.turns[("acme", "ACME-1", "ceo")][1]


async def test_where_the_plan_needs_approval_a_manager_asks_once_then_delegates(store) -> None:
    acts = ModelActivities(store, keys=no_credentials)
    ask = turn_input(SIMULATED).model_copy(update={"tools": tools_for(TEAM, strategy=True)})
    first = await run_turn(acts, ask)

    [call] = first.reply.tool_calls
    assert (call.name, call.arguments["kind"]) == ("request_approval", "strategy")
    assert call.arguments["title"] == "Plan for: Build a landing page"
    assert "eng (engineer)" in call.arguments["details"] and call.arguments["details"].startswith("[simulated]")
    answer = [
        Message(role="tool", tool_call_id=call.id, content="Asked the board."),
        Message(role="user", content="The board approved your strategy request: go ahead."),
    ]
    second = await run_turn(acts, ask.model_copy(update={"seq": 2, "new_messages": answer}))
    assert [(c.name, c.arguments["agent"]) for c in second.reply.tool_calls] == [
        ("delegate_task", "eng"),
        ("delegate_task", "qa"),
    ]
