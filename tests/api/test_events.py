import asyncio
import json
from typing import Any

import httpx

from tests.api.conftest import assert_error
from tests.api.helpers import create_company, wait_for_task


def parse_sse(text: str) -> list[dict[str, Any]]:
    """The events of an SSE body, each as {id, event, data}; comments and `retry` skipped."""
    events = []
    for block in text.split("\n\n"):
        fields: dict[str, Any] = {}
        for line in block.splitlines():
            name, _, value = line.partition(": ")
            if name in ("id", "event", "data"):
                fields[name] = value
        if "data" in fields:
            fields["data"] = json.loads(fields["data"])
            events.append(fields)
    return events


async def read_events(api: httpx.AsyncClient, company: str, *, want: int, **kwargs: Any) -> list[dict[str, Any]]:
    """Poll the non-following stream until it holds `want` events (the store is written async)."""
    for _ in range(100):
        response = await api.get(f"/api/companies/{company}/events", **kwargs)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("text/event-stream")
        events = parse_sse(response.text)
        if len(events) >= want:
            return events
        await asyncio.sleep(0.1)
    raise AssertionError(f"only {len(events)} events: {events}")


async def test_events_replay_the_activity_log_and_resume_after_last_event_id(api: httpx.AsyncClient) -> None:
    company = (await create_company(api))["id"]
    events = await read_events(api, company, want=4, params={"follow": "false"})
    assert [e["event"] for e in events] == ["activity"] * len(events)
    assert [e["data"]["kind"] for e in events[:4]] == ["company.created", "agent.hired", "agent.hired", "agent.hired"]
    assert all(e["data"]["company_id"] == company for e in events)
    ids = [int(e["id"]) for e in events]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)

    rest = parse_sse(
        (
            await api.get(
                f"/api/companies/{company}/events", params={"follow": "false"}, headers={"Last-Event-ID": str(ids[1])}
            )
        ).text
    )
    assert [e["id"] for e in rest] == [str(i) for i in ids[2:]]
    after = parse_sse(
        (await api.get(f"/api/companies/{company}/events", params={"follow": "false", "after": ids[2]})).text
    )
    assert [e["id"] for e in after] == [str(i) for i in ids[3:]]


async def test_a_followed_stream_delivers_new_entries(api: httpx.AsyncClient) -> None:
    company = (await create_company(api))["id"]
    events = await read_events(api, company, want=4, params={"follow": "false"})
    last = events[-1]["id"]
    received: list[dict[str, Any]] = []

    async def follow() -> None:
        async with api.stream("GET", f"/api/companies/{company}/events", headers={"Last-Event-ID": last}) as response:
            buffer = ""
            async for chunk in response.aiter_text():
                buffer += chunk
                received.extend(parse_sse(buffer.rpartition("\n\n")[0]))
                buffer = buffer.rpartition("\n\n")[2]
                if any(e["data"]["kind"] == "agent.hired" for e in received):
                    return

    listener = asyncio.ensure_future(follow())
    await asyncio.sleep(0.2)
    response = await api.post(f"/api/companies/{company}/agents", json={"name": "newbie", "reports_to": "ceo"})
    assert response.status_code == 201
    await asyncio.wait_for(listener, 15)
    assert received[0]["data"]["agent"] == "newbie"
    assert int(received[0]["id"]) > int(last)


async def test_a_bad_last_event_id_is_rejected(api: httpx.AsyncClient) -> None:
    company = (await create_company(api))["id"]
    response = await api.get(f"/api/companies/{company}/events", headers={"Last-Event-ID": "abc"})
    assert_error(response, 400, "invalid_input")


async def test_the_stream_tells_each_agent_turn_task_status_approval_and_budget_alert(api: httpx.AsyncClient) -> None:
    company = (await create_company(api))["id"]
    await api.post(f"/api/companies/{company}/tasks", json={"title": "Build it", "assignee": "ceo"})
    await wait_for_task(api, company, "ACME-1")
    events = await read_events(api, company, want=1, params={"follow": "false"})
    kinds = [e["data"]["kind"] for e in events]
    assert {"task.created", "task.status", "agent.turn", "task.finished"} <= set(kinds)
    turns = [e["data"] for e in events if e["data"]["kind"] == "agent.turn"]
    first = next(t for t in turns if t["task"] == "ACME-1")
    assert first["actor"] == "ceo" and first["data"]["seq"] == 1 and first["data"]["input_tokens"] > 0
    assert first["data"]["tool_calls"] == ["delegate_task", "delegate_task"]
    assert first["summary"].startswith("ACME-1 turn 1: ") and "called delegate_task" in first["summary"]
    assert {t["task"] for t in turns} == {"ACME-1", "ACME-1.1", "ACME-1.2"}  # the reports' turns too

    capped = (await create_company(api, budget_tokens=10))["id"]
    await api.post(f"/api/companies/{capped}/tasks", json={"title": "Build it", "assignee": "cto"})
    for _ in range(100):
        kinds = [e["data"]["kind"] for e in await read_events(api, capped, want=1, params={"follow": "false"})]
        if "approval.requested" in kinds:
            break
        await asyncio.sleep(0.1)
    assert kinds.index("budget.exhausted") < kinds.index("approval.requested")


async def test_a_stream_may_start_at_the_logs_tail(api: httpx.AsyncClient) -> None:
    """`tail=N` starts with the company's last N entries (0: none, only new ones), whatever other
    companies logged meanwhile; a reconnect's Last-Event-ID still wins, and a tail past the limit
    is a 422."""
    company = (await create_company(api))["id"]
    await create_company(api)  # another company's entries interleave in the shared sequence
    everything = await read_events(api, company, want=4, params={"follow": "false"})
    ids = [e["id"] for e in everything]
    url = f"/api/companies/{company}/events"
    last_two = parse_sse((await api.get(url, params={"follow": "false", "tail": 2})).text)
    assert [e["id"] for e in last_two] == ids[-2:]
    assert parse_sse((await api.get(url, params={"follow": "false", "tail": 0})).text) == []
    assert [e["id"] for e in parse_sse((await api.get(url, params={"follow": "false", "tail": 500})).text)] == ids
    resumed = await api.get(url, params={"follow": "false", "tail": 0}, headers={"Last-Event-ID": ids[0]})
    assert [e["id"] for e in parse_sse(resumed.text)] == ids[1:]
    assert_error(await api.get(url, params={"follow": "false", "tail": 1001}), 422)
