"""Stored credentials over HTTP, and every door a model config enters by: a hire, a hire by
template, a company's founding team, an import. A key named where it is not bound is a 400 that
names both URLs, and nothing is sent: the fake provider, which logs every request's headers,
sees no key."""

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from paperclip.store import Store
from tests.api.conftest import assert_error
from tests.api.helpers import bind_fake_key, company_body, create_company
from tests.fakes import FakeModelServer

ELSEWHERE = "https://llm.example/v1"


@pytest.fixture
def server() -> Iterator[FakeModelServer]:
    with FakeModelServer() as fake:
        yield fake


async def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.content else None


async def test_a_credential_is_kept_encrypted_bound_to_its_urls_and_never_answered(api, store: Store) -> None:
    body = {"name": "OPENAI_TEAM", "urls": ["HTTPS://Llm.example:443/v1/", "http://127.0.0.1:8080"], "api_key": "sk-1"}
    created = await ok(await api.post("/api/credentials", json=body), 201)
    assert {k: created[k] for k in ("name", "team", "urls", "has_key", "endpoint")} == {
        "name": "OPENAI_TEAM",
        "team": None,
        "urls": [ELSEWHERE, "http://127.0.0.1:8080"],
        "has_key": True,
        "endpoint": False,
    }
    for answer in (await api.get("/api/credentials"), await api.get("/api/credentials/OPENAI_TEAM")):
        assert answer.status_code == 200 and "sk-1" not in answer.text
    stored = store.get_credential(None, "OPENAI_TEAM")
    assert stored is not None and stored.sealed is not None and b"sk-1" not in stored.sealed
    await ok(await api.delete("/api/credentials/OPENAI_TEAM"), 204)
    assert_error(await api.get("/api/credentials/OPENAI_TEAM"), 404, "not_found")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"name": "a/b"}, "name: a credential name must be 1-63 letters, digits, '-', '_' or '.'"),
        ({"name": "x@y"}, "a credential name must be"),
        ({"urls": []}, "urls:"),
        ({"urls": ["http://a\x00/v1"]}, "holds spaces or control characters"),
        ({"urls": ["http://169.254.169.254"]}, "169.254.169.254 is a cloud metadata address"),
        ({"api_key": "sk-\u00e9"}, "the key must be 1-10,000 printable ASCII characters"),
    ],
)
async def test_a_bad_credential_is_refused_with_a_sentence(api, change, message) -> None:
    body = {"name": "k", "urls": [ELSEWHERE], "api_key": "sk-1"} | change
    error = assert_error(await api.post("/api/credentials", json=body), 422, "invalid_input")
    assert message in error["message"] and "pydantic" not in error["message"], error


async def test_an_endpoints_credential_changes_only_with_its_endpoint(api) -> None:
    endpoint = {"name": "my-llm", "type": "openai-compatible", "url": ELSEWHERE, "api_key": "sk-1"}
    await ok(await api.post("/api/endpoints", json=endpoint), 201)
    listed = (await ok(await api.get("/api/credentials")))["data"]
    assert [(c["name"], c["urls"], c["endpoint"]) for c in listed] == [("my-llm", [ELSEWHERE], True)]
    again = {"name": "my-llm", "urls": ["https://evil.example"], "api_key": "sk-2"}
    assert_error(await api.post("/api/credentials", json=again), 409, "conflict")
    assert_error(await api.delete("/api/credentials/my-llm"), 409, "conflict")
    await ok(await api.post("/api/credentials", json=again | {"name": "plain"}), 201)
    assert_error(await api.post("/api/endpoints", json=endpoint | {"name": "plain"}), 409, "conflict")


def on(server: FakeModelServer, **fields: Any) -> dict[str, Any]:
    return {"provider": "openai", "model": "gpt-4o-mini", "base_url": server.base_url_openai} | fields


async def refused(response: httpx.Response, code: str, message: str) -> None:
    error = assert_error(response, 400, code)
    assert error["message"] == message, error


async def test_every_door_of_a_hire_refuses_a_key_not_bound_where_its_model_is(api, server: FakeModelServer) -> None:
    await bind_fake_key(api, ELSEWHERE, "elsewhere-key")
    company = (await create_company(api))["id"]
    hire = f"/api/companies/{company}/agents"
    fake = server.base_url_openai
    bound_elsewhere = f"credential 'elsewhere-key' is bound to {ELSEWHERE}"

    # A stored credential sent to another URL.
    await refused(
        await api.post(
            hire, json={"name": "dev", "reports_to": "cto", "model": on(server, credential="elsewhere-key")}
        ),
        "credential_not_bound",
        f"dev: {bound_elsewhere}; this agent's model is at {fake}",
    )
    # The deployment's key (no credential named: OPENAI_API_KEY) sent to a model of one's choosing.
    await refused(
        await api.post(hire, json={"name": "dev", "reports_to": "cto", "model": on(server)}),
        "credential_not_bound",
        f"dev: credential 'OPENAI_API_KEY' is bound to https://api.openai.com/v1; this agent's model is at {fake}",
    )
    # Any environment variable of the worker by its name.
    error = assert_error(
        await api.post(
            hire, json={"name": "dev", "reports_to": "cto", "model": on(server, credential="PAPERCLIP_SECRET_KEY")}
        ),
        400,
        "unknown_credential",
    )
    assert error["message"].startswith("dev: model: there is no credential 'PAPERCLIP_SECRET_KEY' here")
    assert "OPENAI_API_KEY, ANTHROPIC_API_KEY" in error["message"]
    # A fallback model and a wake model.
    await refused(
        await api.post(hire, json={"name": "dev", "reports_to": "cto", "fallback_models": [on(server)]}),
        "credential_not_bound",
        "dev: credential 'OPENAI_API_KEY' is bound to https://api.openai.com/v1;"
        f" this agent's fallback models[0] is at {fake}",
    )
    await refused(
        await api.post(hire, json={"name": "dev", "reports_to": "cto", "wake_model": on(server)}),
        "credential_not_bound",
        f"dev: credential 'OPENAI_API_KEY' is bound to https://api.openai.com/v1; this agent's wake model is at {fake}",
    )
    await refused(
        await api.post(hire, json={"name": "dev", "reports_to": "cto", "compaction_model": on(server)}),
        "credential_not_bound",
        "dev: credential 'OPENAI_API_KEY' is bound to https://api.openai.com/v1;"
        f" this agent's compaction model is at {fake}",
    )
    # An HTTP agent's credential.
    http = {"url": f"{server.base_url}/run", "credential": "elsewhere-key"}
    await refused(
        await api.post(hire, json={"name": "ext", "reports_to": "cto", "adapter": "http", "http": http}),
        "credential_not_bound",
        f"ext: {bound_elsewhere}; this HTTP agent's URL is at {server.base_url}/run",
    )
    # A hire by template whose model is given.
    await refused(
        await api.post(hire, json={"name": "dev", "template": "coder", "reports_to": "cto", "model": on(server)}),
        "credential_not_bound",
        f"dev: credential 'OPENAI_API_KEY' is bound to https://api.openai.com/v1; this agent's model is at {fake}",
    )
    # A company's founding team.
    founders = company_body()["agents"]
    founders[1]["model"] = on(server, credential="elsewhere-key")
    await refused(
        await api.post("/api/companies", json=company_body(agents=founders)),
        "credential_not_bound",
        f"cto: {bound_elsewhere}; this agent's model is at {fake}",
    )
    # An imported document.
    document = await ok(await api.get(f"/api/companies/{company}/export"))
    document["agents"][2]["spec"]["fallback_models"] = [on(server, credential="elsewhere-key")]
    await refused(
        await api.post("/api/companies/import", json=document, params={"id": "imported"}),
        "credential_not_bound",
        f"cmo: {bound_elsewhere}; this agent's fallback models[0] is at {fake}",
    )
    assert_error(await api.get("/api/companies/imported"), 404)

    snapshot = await ok(await api.get(f"/api/companies/{company}"))
    assert [a["spec"]["name"] for a in snapshot["agents"]] == ["ceo", "cto", "cmo"]  # nobody was hired
    assert server.seen == []


async def test_a_hire_within_its_bindings_is_taken(api, server: FakeModelServer) -> None:
    await bind_fake_key(api, server.base_url, "fake-key")
    company = (await create_company(api))["id"]
    spec = {"name": "dev", "reports_to": "cto", "model": on(server, credential="fake-key")}
    hired = await ok(await api.post(f"/api/companies/{company}/agents", json=spec), 201)
    assert hired["spec"]["model"]["credential"] == "fake-key"


async def test_another_teams_credential_is_no_credential_at_all(api, server: FakeModelServer) -> None:
    for team in ("red", "blue"):
        await ok(await api.post("/api/teams", json={"name": team}), 201)
    await bind_fake_key(api, server.base_url, "team-key", team="blue")
    red = (await ok(await api.post("/api/companies", json=company_body(team="red")), 201))["id"]
    blue = (await ok(await api.post("/api/companies", json=company_body(team="blue")), 201))["id"]
    spec = {"name": "dev", "reports_to": "cto", "model": on(server, credential="team-key")}
    error = assert_error(await api.post(f"/api/companies/{red}/agents", json=spec), 400, "unknown_credential")
    assert "there is no credential 'team-key' here" in error["message"]
    await ok(await api.post(f"/api/companies/{blue}/agents", json=spec), 201)
