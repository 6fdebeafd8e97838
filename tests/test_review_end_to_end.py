"""Review before done against the fake provider server (OpenAI's wire format): the board sends a
model agent's work back once with a note, which is in the agent's next request to the provider,
then approves it (docs/review.md).

Everything is real but the model: the API over HTTP, the workers on a Temporal dev server, the
store; the model is the fake provider server, scripted.
"""

import asyncio
import json
import uuid
from pathlib import Path

import httpx

from tests.fakes import FakeModelServer
from tests.test_agents_that_act_end_to_end import api, model_server, repositories
from tests.test_end_to_end import TEST_KEY

__all__ = ["api", "model_server", "repositories"]  # fixtures shared with the acting agents' test

NOTE = "Cite the launch date"


def complete(result: str) -> str:
    return json.dumps({"result": result, "work_products": [{"kind": "url", "value": f"https://example.com/{result}"}]})


async def decide_review(api: httpx.AsyncClient, company: str, decision: str, note: str = "") -> dict[str, str]:
    for _ in range(300):
        pending = (await api.get(f"/api/companies/{company}/approvals", params={"status": "pending"})).json()["data"]
        if pending:
            [approval] = pending
            assert approval["kind"] == "review", approval
            body = {"decision": decision, "note": note}
            decided = await api.post(f"/api/companies/{company}/approvals/{approval['id']}/decision", json=body)
            assert decided.status_code == 200, decided.text
            return dict(approval)
        await asyncio.sleep(0.1)
    raise AssertionError("no review approval came")


async def test_the_boards_note_is_in_the_agents_next_request_to_the_provider(
    api: httpx.AsyncClient, model_server: FakeModelServer, repositories: tuple[Path, Path]
) -> None:
    company = f"rv-{uuid.uuid4().hex[:8]}"
    model = {"provider": "openai", "model": "fake-1", "base_url": model_server.base_url_openai, "credential": TEST_KEY}
    founded = await api.post(
        "/api/companies",
        json={
            "id": company,
            "name": "Acme",
            "prefix": "ACME",
            "goals": ["Launch well"],
            "agents": [{"name": "writer", "role": "engineer", "model": model}],
            "review": {"reviewer": "board", "max_cycles": 2},
        },
    )
    assert founded.status_code == 201, founded.text
    model_server.call_next("complete_task", complete("draft-1"))
    model_server.call_next("complete_task", complete("draft-2"))
    made = await api.post(f"/api/companies/{company}/tasks", json={"title": "Announce it", "assignee": "writer"})
    assert made.status_code == 201, made.text

    first = await decide_review(api, company, "revision_requested", NOTE)
    assert "draft-1" in first["details"]
    second = await decide_review(api, company, "approved")
    assert "draft-2" in second["details"]
    for _ in range(300):
        record = (await api.get(f"/api/companies/{company}/tasks/ACME-1")).json()
        if record["status"] == "done":
            break
        await asyncio.sleep(0.1)
    assert record["status"] == "done" and record["result"] == "draft-2", record

    asked = [json.dumps(body.get("messages", [])) for body in model_server.requests]
    assert len(asked) == 2, asked
    assert NOTE not in asked[0] and NOTE in asked[1] and "review 1 of at most 2" in asked[1]
