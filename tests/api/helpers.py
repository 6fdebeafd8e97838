"""Request bodies and polling shared by the API tests."""

import asyncio
import uuid
from typing import Any

import httpx


def company_body(**fields: Any) -> dict[str, Any]:
    """A company with a goal, a simulated CEO and two reports, unique per call."""
    body: dict[str, Any] = {
        "id": f"co-{uuid.uuid4().hex[:10]}",
        "name": "Acme Rockets",
        "mission": "Reach orbit cheaply",
        "prefix": "ACME",
        "goals": ["Reach orbit by next year"],
        "agents": [
            {"name": "ceo", "role": "ceo", "title": "Chief Executive"},
            {"name": "cto", "role": "cto", "reports_to": "ceo"},
            {"name": "cmo", "role": "cmo", "reports_to": "ceo"},
        ],
    }
    body.update(fields)
    return body


async def create_company(api: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    response = await api.post("/api/companies", json=company_body(**fields))
    assert response.status_code == 201, response.text
    return response.json()


async def bind_fake_key(
    api: httpx.AsyncClient, url: str, name: str = "fake-key", *, key: str = "test-key", team: str | None = None
) -> str:
    """Store `key` as credential `name` (of `team`, else the deployment's) bound to `url` (a fake
    server's base URL, which covers its OpenAI and Anthropic routes); returns the name."""
    body = {"name": name, "urls": [url], "api_key": key, "team": team}
    response = await api.post("/api/credentials", json=body)
    assert response.status_code == 201, response.text
    return name


async def wait_for_task(
    api: httpx.AsyncClient, company: str, identifier: str, status: str = "done", *, timeout: float = 30
) -> dict[str, Any]:
    """Poll the task until it has `status`; fail with its last state otherwise."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        response = await api.get(f"/api/companies/{company}/tasks/{identifier}")
        if response.status_code == 200 and response.json()["status"] == status:
            return response.json()
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{identifier} never reached {status}: {response.text}")
        await asyncio.sleep(0.1)
