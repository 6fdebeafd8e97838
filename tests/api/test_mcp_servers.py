"""A company's MCP servers over real HTTP, on SQLite and PostgreSQL: attached, listed, tested by a
worker of the tools queue (a real server from PyPI), removed; and every bad request a 4xx that
says why — an entry not in the allow-list, a stdio server by a non-owner, a link-local URL, a
credential that is unknown or bound elsewhere, a name taken twice."""

from pathlib import Path

import httpx
import pytest
from temporalio.testing import WorkflowEnvironment

from paperclip.settings import Settings
from tests.api.conftest import assert_error
from tests.api.helpers import bind_fake_key, company_body, create_company
from tests.mcp.conftest import ALLOW


@pytest.fixture
def settings(tmp_path: Path, dev_env: WorkflowEnvironment) -> Settings:
    """The API's and the workers' settings, with the tests' allow-list of stdio servers."""
    return Settings(
        home=tmp_path, temporal_address=dev_env.client.service_client.config.target_host, mcp_stdio_allow=ALLOW
    )


def servers(company: str) -> str:
    return f"/api/companies/{company}/mcp-servers"


async def test_a_stdio_server_is_attached_listed_tested_by_a_worker_and_removed(api: httpx.AsyncClient) -> None:
    company = (await create_company(api))["id"]
    body = {"name": "time", "transport": "stdio", "command": "time", "timeout_seconds": 30}
    added = await api.post(servers(company), json=body)
    assert added.status_code == 201, added.text
    assert added.json()["command"] == "time"
    listed = (await api.get(servers(company))).json()
    assert listed["count"] == 1 and listed["data"][0]["name"] == "time"

    tested = await api.post(f"{servers(company)}/time/test")
    assert tested.status_code == 200, tested.text
    answer = tested.json()
    assert answer["ok"] and [t["name"] for t in answer["tools"]] == ["time__get_current_time", "time__convert_time"]
    assert all(len(t["description_hash"]) == 64 for t in answer["tools"])

    assert (await api.delete(f"{servers(company)}/time")).status_code == 204
    assert (await api.get(servers(company))).json()["count"] == 0
    assert_error(await api.get(f"{servers(company)}/time"), 404, "not_found")


async def test_a_test_of_a_server_that_will_not_start_says_why(api: httpx.AsyncClient) -> None:
    company = (await create_company(api))["id"]
    body = {"name": "broken", "transport": "stdio", "command": "missing", "timeout_seconds": 10}
    assert (await api.post(servers(company), json=body)).status_code == 201
    answer = (await api.post(f"{servers(company)}/broken/test")).json()
    assert answer["ok"] is False and answer["tools"] == []
    assert "MCP server 'broken': could not start: No such file or directory" in answer["reason"]


async def test_bad_servers_are_refused_with_the_reason(api: httpx.AsyncClient) -> None:
    company = (await create_company(api))["id"]
    url = servers(company)

    def stdio(name: str, command: str) -> dict[str, object]:
        return {"name": name, "transport": "stdio", "command": command}

    error = assert_error(await api.post(url, json=stdio("latest", "npx-latest")), 422, "unknown_command")
    assert "not in the deployment's MCP allow-list" in error["message"] and "time" in error["details"]["allowed"]
    for bad in (
        stdio("Bad Name", "time"),
        stdio("a__b", "time"),
        {"name": "x", "transport": "stdio"},
        {"name": "x", "transport": "http"},
        {"name": "x", "transport": "http", "url": "https://h/mcp", "command": "time"},
        {"name": "x", "transport": "ftp", "url": "https://h/mcp"},
        {"name": "x", "transport": "http", "url": "https://h/mcp", "timeout_seconds": 0},
    ):
        assert (await api.post(url, json=bad)).status_code == 422, bad
    for where in ("http://169.254.169.254/mcp", "http://metadata.google.internal/mcp", "ftp://h/mcp", "https://u:p@h/"):
        body = {"name": "web", "transport": "http", "url": where}
        assert_error(await api.post(url, json=body), 422, "invalid_url")

    http = {"name": "web", "transport": "http", "url": "https://mcp.example.com/mcp", "credential": "nope"}
    assert_error(await api.post(url, json=http), 422, "unknown_credential")
    await bind_fake_key(api, "https://other.example.com/v1", name="other-key")
    error = assert_error(await api.post(url, json=http | {"credential": "other-key"}), 422, "credential_not_bound")
    assert "bound to https://other.example.com/v1" in error["message"]
    await bind_fake_key(api, "https://mcp.example.com", name="mcp-key")
    added = await api.post(url, json=http | {"credential": "mcp-key"})
    assert added.status_code == 201, added.text
    assert "test-key" not in added.text and "test-key" not in (await api.get(url)).text
    assert_error(await api.post(url, json=http | {"credential": "mcp-key"}), 409, "conflict")
    assert_error(await api.post(f"{url}/nope/test"), 404, "not_found")
    assert_error(await api.delete(f"{url}/nope"), 404, "not_found")


async def test_only_owners_attach_stdio_servers_and_other_teams_see_nothing(api: httpx.AsyncClient) -> None:
    for team in ("red", "blue"):
        assert (await api.post("/api/teams", json={"name": team})).status_code == 201
    keys = {}
    for user, team, role in (("olga", "red", "owner"), ("alice", "red", "operator"), ("bob", "blue", "owner")):
        assert (await api.put(f"/api/teams/{team}/members", json={"user": user, "role": role})).status_code == 200
        token = (await api.post("/api/tokens", json={"user": user, "label": "test"})).json()["token"]
        keys[user] = {"Authorization": f"Bearer {token}"}
    company = (await api.post("/api/companies", json=company_body(team="red"))).json()["id"]
    url = servers(company)
    stdio = {"name": "time", "transport": "stdio", "command": "time"}

    error = assert_error(await api.post(url, json=stdio, headers=keys["alice"]), 403, "forbidden")
    assert "only the board or an owner" in error["message"]
    assert (await api.post(url, json=stdio, headers=keys["olga"])).status_code == 201
    http = {"name": "web", "transport": "http", "url": "https://mcp.example.com/mcp"}
    assert (await api.post(url, json=http, headers=keys["alice"])).status_code == 201  # an operator's HTTP server
    assert_error(await api.delete(f"{url}/time", headers=keys["alice"]), 403, "forbidden")
    assert (await api.get(url, headers=keys["alice"])).json()["count"] == 2
    assert_error(await api.get(url, headers=keys["bob"]), 404, "not_found")
    assert_error(await api.post(url, json=http | {"name": "b"}, headers=keys["bob"]), 404, "not_found")
