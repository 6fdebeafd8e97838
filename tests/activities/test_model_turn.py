"""The model-turn activity against the fake provider server, through the real SDKs."""

import json

import pytest

from activities import model_turn
from activities.model_turn import ModelActivities
from activities.providers.simulated import decide
from paperclip import pricing
from paperclip.models import Message, ModelConfig, Provider, ToolCall
from tests.activities.conftest import FakeStore
from tests.activities.helpers import ASSIGNMENT, keys_for, run_turn, turn_input
from tests.fakes import FakeModelServer


def openai_model(server: FakeModelServer, model: str = "gpt-4o-mini") -> ModelConfig:
    return ModelConfig(provider=Provider.OPENAI, model=model, base_url=server.base_url_openai)


def anthropic_model(server: FakeModelServer, model: str = "claude-haiku-4-5-20251001") -> ModelConfig:
    return ModelConfig(provider=Provider.ANTHROPIC, model=model, base_url=server.base_url_anthropic)


@pytest.mark.parametrize("make_model", [openai_model, anthropic_model], ids=["openai", "anthropic"])
async def test_a_leaf_turn_returns_the_text_reply(server, store, make_model) -> None:
    acts = ModelActivities(store, keys=keys_for(server))
    inp = turn_input(make_model(server), team=[])
    inp.tools = []  # no tools at all: a plain text answer

    result = await run_turn(acts, inp)

    assert result.reply.role == "assistant"
    assert result.reply.content == "[fake] Done: Build a landing page."
    assert result.reply.tool_calls == []
    assert result.reply.author == "ceo"
    assert result.stop_reason in ("stop", "end_turn")
    assert not result.simulated


@pytest.mark.parametrize("make_model", [openai_model, anthropic_model], ids=["openai", "anthropic"])
async def test_streamed_tool_calls_usage_and_cost_are_what_the_server_sent(server, store, make_model) -> None:
    server.cached_input_tokens = 40
    acts = ModelActivities(store, keys=keys_for(server))
    beats: list = []
    cfg = make_model(server)

    result = await run_turn(acts, turn_input(cfg), beats)

    assert [c.name for c in result.reply.tool_calls] == ["delegate_task", "delegate_task"]
    assert [c.arguments for c in result.reply.tool_calls] == [
        {
            "agent": "eng",
            "title": "engineer part of: Build a landing page",
            "brief": "Do the engineer part of this task and report the result: Build a landing page",
        },
        {
            "agent": "qa",
            "title": "qa part of: Build a landing page",
            "brief": "Do the qa part of this task and report the result: Build a landing page",
        },
    ]
    assert len({c.id for c in result.reply.tool_calls}) == 2
    assert result.usage == server.usages[-1]
    assert result.usage.cached_input_tokens == 40
    assert result.cost_usd == pricing.cost_usd(cfg.provider, cfg.model, server.usages[-1])
    assert result.cost_usd is not None and result.cost_usd > 0
    assert beats and beats[0] == {"chunks": 0, "chars": 0}
    # The reply and its cost event are written back for this session and seq.
    assert store.turns[("acme", "ACME-1", "ceo")][1] == [ASSIGNMENT, result.reply]
    event = store.costs[("acme", "ACME-1", "ceo", 1)]
    assert (event.usage, event.cost_usd, event.provider, event.seq) == (result.usage, result.cost_usd, cfg.provider, 1)


async def test_heartbeats_carry_stream_progress(server, store, monkeypatch) -> None:
    monkeypatch.setattr(model_turn, "HEARTBEAT_EVERY_SECONDS", 0.0)
    beats: list = []

    await run_turn(ModelActivities(store, keys=keys_for(server)), turn_input(openai_model(server)), beats)

    assert len(beats) > 10
    assert beats[-1]["chunks"] == len(beats) - 1
    assert beats[-1]["chars"] > 100


async def test_heartbeats_are_throttled_to_about_one_a_second(server, store) -> None:
    beats: list = []
    await run_turn(ModelActivities(store, keys=keys_for(server)), turn_input(openai_model(server)), beats)
    assert len(beats) == 1  # the stream-start beat; the whole stream took far less than a second


def _seed_first_turn(store: FakeStore) -> list[Message]:
    """Turn 1 as the store has it: the assignment and a reply delegating twice."""
    reply = Message(
        role="assistant",
        content="Delegating.",
        author="ceo",
        tool_calls=[
            ToolCall(id="call_a", name="delegate_task", arguments={"agent": "eng", "title": "t", "brief": "b"}),
            ToolCall(id="call_b", name="delegate_task", arguments={"agent": "qa", "title": "t", "brief": "b"}),
        ],
    )
    store.turns[("acme", "ACME-1", "ceo")] = {1: [ASSIGNMENT, reply]}
    return [ASSIGNMENT, reply]


NEW_AFTER_DELEGATION = [
    Message(role="tool", tool_call_id="call_a", content="Started ACME-1.1"),
    Message(role="tool", tool_call_id="call_b", content="Started ACME-1.2"),
    Message(role="user", author="ACME-1.1", content="Subtask ACME-1.1 (eng) finished: done. Result: page built"),
    Message(role="user", author="ACME-1.2", content="Subtask ACME-1.2 (qa) finished: done. Result: all green"),
]


async def test_openai_receives_the_stored_messages_then_the_new_ones(server, store) -> None:
    earlier = _seed_first_turn(store)
    acts = ModelActivities(store, keys=keys_for(server))

    result = await run_turn(acts, turn_input(openai_model(server), seq=2, new=NEW_AFTER_DELEGATION))

    sent = server.requests[-1]
    assert sent["messages"][0] == {"role": "system", "content": "You are the CEO of Acme."}
    assert [m["role"] for m in sent["messages"][1:]] == ["user", "assistant", "tool", "tool", "user", "user"]
    assert sent["messages"][2]["tool_calls"][1] == {
        "id": "call_b",
        "type": "function",
        "function": {"name": "delegate_task", "arguments": json.dumps(earlier[1].tool_calls[1].arguments)},
    }
    assert sent["messages"][3] == {"role": "tool", "tool_call_id": "call_a", "content": "Started ACME-1.1"}
    assert sent["stream"] is True and sent["stream_options"] == {"include_usage": True}
    assert sent["tools"][0]["type"] == "function" and sent["tools"][0]["function"]["name"] == "delegate_task"
    assert [c.name for c in result.reply.tool_calls] == ["complete_task"]
    assert "ACME-1.1: done. Result: page built" in result.reply.tool_calls[0].arguments["result"]
    assert store.turns[("acme", "ACME-1", "ceo")][2] == [*NEW_AFTER_DELEGATION, result.reply]


async def test_anthropic_gets_tool_results_and_reports_in_one_user_message(server, store) -> None:
    _seed_first_turn(store)
    acts = ModelActivities(store, keys=keys_for(server))

    result = await run_turn(acts, turn_input(anthropic_model(server), seq=2, new=NEW_AFTER_DELEGATION))

    sent = server.requests[-1]
    assert sent["system"] == [
        {"type": "text", "text": "You are the CEO of Acme.", "cache_control": {"type": "ephemeral"}}
    ]
    assert [m["role"] for m in sent["messages"]] == ["user", "assistant", "user"]
    assert [b["type"] for b in sent["messages"][1]["content"]] == ["text", "tool_use", "tool_use"]
    assert [b["type"] for b in sent["messages"][2]["content"]] == ["tool_result", "tool_result", "text", "text"]
    assert sent["messages"][2]["content"][0] == {
        "type": "tool_result",
        "tool_use_id": "call_a",
        "content": "Started ACME-1.1",
    }
    assert sent["tools"][0]["name"] == "delegate_task" and "input_schema" in sent["tools"][0]
    assert [c.name for c in result.reply.tool_calls] == ["complete_task"]
    assert result.stop_reason == "tool_use"


async def test_a_retried_turn_overwrites_its_own_record(server, store) -> None:
    acts = ModelActivities(store, keys=keys_for(server))
    first = await run_turn(acts, turn_input(openai_model(server)))
    again = await run_turn(acts, turn_input(openai_model(server)))
    assert list(store.turns[("acme", "ACME-1", "ceo")]) == [1]
    assert store.turns[("acme", "ACME-1", "ceo")][1][-1] == again.reply
    assert [c.arguments for c in first.reply.tool_calls] == [c.arguments for c in again.reply.tool_calls]
    assert server.requests[-1]["messages"] == server.requests[-2]["messages"]


async def test_the_fake_server_answers_like_the_simulated_brain(server, store) -> None:
    result = await run_turn(ModelActivities(store, keys=keys_for(server)), turn_input(openai_model(server)))
    expected = decide(turn_input(openai_model(server)).tools, [ASSIGNMENT], id_prefix="x", label="[fake]")
    assert [c.arguments for c in result.reply.tool_calls] == [c.arguments for c in expected.tool_calls]
    assert server.calls_for("ACME-1") == 1 and server.calls_for("ACME-99") == 0


async def test_an_unknown_model_has_no_cost_but_keeps_its_tokens(server, store) -> None:
    cfg = openai_model(server, model="llama3.1:8b")
    result = await run_turn(ModelActivities(store, keys=keys_for(server)), turn_input(cfg))
    assert result.cost_usd is None
    assert result.usage.input_tokens > 0 and result.usage.output_tokens > 0
    assert store.costs[("acme", "ACME-1", "ceo", 1)].cost_usd is None


async def test_turns_round_trip_through_the_real_store(server, tmp_path) -> None:
    from paperclip.store import Store

    real = Store(f"sqlite:///{tmp_path / 'paperclip.db'}")
    real.migrate()
    acts = ModelActivities(real, keys=keys_for(server))
    first = await run_turn(acts, turn_input(openai_model(server)))
    new = [Message(role="tool", tool_call_id=c.id, content="started") for c in first.reply.tool_calls]
    new.append(Message(role="user", content="Subtask ACME-1.1 (eng) finished: done. Result: ok"))

    second = await run_turn(acts, turn_input(openai_model(server), seq=2, new=new))

    assert [m["role"] for m in server.requests[-1]["messages"]] == [
        "system",
        "user",
        "assistant",
        "tool",
        "tool",
        "user",
    ]
    assert second.reply.tool_calls[0].name == "complete_task"
    assert real.load_messages(turn_input(openai_model(server)).session, before_seq=3)[-1] == second.reply
