"""The tools agents may be given, over real HTTP: `GET /api/tools` lists the registry's tools with
their schema and default policy; an unknown tool is a 422 naming it at hire, at founding and at
import; a repository must be under the workspace roots (or an https URL with a credential the team
has); only the board or an owner sets a repository or tool rules (403 for an operator)."""

from pathlib import Path
from typing import Any

import httpx
import pytest
from temporalio.testing import WorkflowEnvironment

from paperclip.models import Message, SessionRef
from paperclip.settings import Settings
from paperclip.store import Store
from tests.api.conftest import assert_error
from tests.api.helpers import company_body
from tests.api.tool_stand_ins import stand_in_tools  # noqa: F401 — the fixture

pytestmark = pytest.mark.usefixtures("stand_in_tools")


@pytest.fixture
def settings(tmp_path: Path, dev_env: WorkflowEnvironment) -> Settings:
    """The API's settings, with one workspace root of the deployment's: `tmp_path/repos`."""
    (tmp_path / "repos" / "app").mkdir(parents=True)
    return Settings(
        home=tmp_path / "home",
        temporal_address=dev_env.client.service_client.config.target_host,
        workspace_roots=[tmp_path / "repos"],
    )


@pytest.fixture
async def red(api: httpx.AsyncClient) -> dict[str, Any]:
    """Team red's company, and its members' headers: olga operates it, oscar owns it."""
    assert (await api.post("/api/teams", json={"name": "red"})).status_code == 201
    headers = {}
    for user, role in (("olga", "operator"), ("oscar", "owner")):
        assert (await api.put("/api/teams/red/members", json={"user": user, "role": role})).status_code == 200
        token = (await api.post("/api/tokens", json={"user": user, "label": "test"})).json()["token"]
        headers[user] = {"Authorization": f"Bearer {token}"}
    created = await api.post("/api/companies", json=company_body(team="red"))
    assert created.status_code == 201, created.text
    return {"id": created.json()["id"], **headers}


async def hire(api: httpx.AsyncClient, company: str, headers: dict | None = None, **spec: Any) -> httpx.Response:
    body = {"name": "dev", "role": "engineer", "reports_to": "cto", **spec}
    return await api.post(f"/api/companies/{company}/agents", json=body, headers=headers or {})


async def test_the_list_shows_each_tool_with_its_schema_policy_and_how_it_runs(
    api: httpx.AsyncClient, database: str
) -> None:
    answer = (await api.get("/api/tools")).json()
    tools = {tool["name"]: tool for tool in answer["data"]}
    assert answer["count"] == len(answer["data"]) >= 2 and answer["max_tools"] == 128
    run = tools["stand_in_run"]
    assert (run["policy"], run["risky"], run["runs"]) == ("ask", True, "activity")
    assert (tools["git"]["policy"], tools["git"]["note"]) == ("allow", "push: asks by default, risky")
    assert run["description"].startswith("Run a command in the task's workspace.")
    assert run["parameters"]["required"] == ["command"]
    assert run["parameters"]["properties"]["timeout_seconds"] == {
        "default": 60,
        "description": "Killed after this long.",
        "maximum": 3600,
        "minimum": 1,
        "type": "integer",
    }
    assert (tools["stand_in_read"]["policy"], tools["stand_in_read"]["risky"]) == ("allow", False)
    for name in ("comment", "read_task"):  # the tools on tasks run in the task workflow
        assert (tools[name]["policy"], tools[name]["risky"], tools[name]["runs"]) == ("allow", False, "workflow")
    assert tools["comment"]["parameters"]["required"] == ["body"]
    assert [t["name"] for t in answer["data"]] == sorted(tools)


async def test_an_unknown_tool_is_a_422_naming_it_and_the_known_ones(api: httpx.AsyncClient, database: str) -> None:
    company = (await api.post("/api/companies", json=company_body())).json()["id"]
    error = assert_error(await hire(api, company, tools=["stand_in_read", "shell"]), 422, "unknown_tool")
    assert error["message"].startswith("agent dev: tools: unknown tool 'shell' (known tools: ")
    assert "stand_in_read" in error["message"] and "stand_in_run" in error["message"]
    assert {"stand_in_read", "stand_in_run"} <= set(error["details"]["known"])
    rule = {"tool": "filesystem", "policy": "allow"}
    error = assert_error(await hire(api, company, tool_policy=[rule]), 422, "unknown_tool")
    assert "tool_policy[0]: unknown tool 'filesystem'" in error["message"]
    twice = assert_error(await hire(api, company, tools=["stand_in_read", "stand_in_read"]), 422, "unknown_tool")
    assert "listed twice: stand_in_read" in twice["message"]
    assert_error(await hire(api, company, tools=["github__"]), 422, "unknown_tool")

    mcp = ["stand_in_read", "stand_in_run", "github__create_issue", "time__*"]
    hired = await hire(
        api, company, tools=mcp, tool_policy=[{"tool": "stand_in_run", "policy": "allow", "pattern": "pytest*"}]
    )
    assert hired.status_code == 201, hired.text
    assert hired.json()["spec"]["tools"] == mcp


async def test_founding_or_importing_with_an_unknown_tool_founds_nothing(api: httpx.AsyncClient, database: str) -> None:
    body = company_body()
    body["agents"][1]["tools"] = ["web_search"]
    error = assert_error(await api.post("/api/companies", json=body), 422, "unknown_tool")
    assert "agent cto: tools: unknown tool 'web_search'" in error["message"]
    assert (await api.get(f"/api/companies/{body['id']}")).status_code == 404
    body = company_body(tool_policy=[{"tool": "svn", "policy": "deny"}])
    error = assert_error(await api.post("/api/companies", json=body), 422, "unknown_tool")
    assert error["message"].startswith(f"company {body['id']}: tool_policy[0]: unknown tool 'svn'")

    company = (await api.post("/api/companies", json=company_body())).json()["id"]
    document = (await api.get(f"/api/companies/{company}/export")).json()
    document["agents"][1]["spec"]["tools"] = ["file_read"]
    error = assert_error(await api.post("/api/companies/import", params={"id": "copy"}, json=document), 422)
    assert "unknown tool 'file_read'" in error["message"]


async def test_only_the_board_or_an_owner_sets_tool_rules_or_a_repository(
    api: httpx.AsyncClient, red: dict[str, Any], settings: Settings, database: str
) -> None:
    rules = [{"tool": "stand_in_run", "policy": "allow", "pattern": "pytest*"}]
    refused = assert_error(await hire(api, red["id"], red["olga"], tool_policy=rules), 403, "forbidden")
    assert refused["message"] == "agent dev: only the board or an owner of team red may set tool rules (olga is not)"
    assert (await hire(api, red["id"], red["olga"], tools=["stand_in_read"])).status_code == 201
    assert (await hire(api, red["id"], red["oscar"], name="dev2", tool_policy=rules)).status_code == 201

    path = f"/api/companies/{red['id']}/tool-policy"
    body = {"tool_policy": rules, "repository": {"source": str(settings.workspace_roots[0] / "app")}}
    refused = assert_error(await api.put(path, json=body, headers=red["olga"]), 403, "forbidden")
    assert "may set a repository (olga is not)" in refused["message"]
    saved = await api.put(path, json=body, headers=red["oscar"])
    assert saved.status_code == 200, saved.text
    assert (await api.get(path, headers=red["olga"])).json() == {
        "repository": {"source": body["repository"]["source"], "credential": None, "push_url": None, "base": ""},
        "tool_policy": [rules[0] | {"untrusted": False}],
    }
    listed = (await api.get("/api/companies")).json()["data"]
    assert next(c for c in listed if c["id"] == red["id"])["tool_policy"][0]["pattern"] == "pytest*"
    running = (await api.get(f"/api/companies/{red['id']}")).json()["spec"]  # the workflow's: new tasks get them
    assert (running["repository"]["source"], running["tool_policy"][0]["pattern"]) == (
        body["repository"]["source"],
        "pytest*",
    )
    assert_error(await api.put(path, json={"tool_policy": [{"tool": "nope", "policy": "ask"}]}), 422, "unknown_tool")
    assert_error(await api.put("/api/companies/nowhere/tool-policy", json={}), 404)


@pytest.mark.parametrize(
    ("repository", "why"),
    [
        ({"source": "repos/app"}, "is not an absolute path under the deployment's workspace roots"),
        ({"source": "/etc"}, "is not an absolute path under the deployment's workspace roots"),
        ({"source": "{root}/../../etc"}, "is not an absolute path under the deployment's workspace roots"),
        ({"source": "ssh://git@example.com/app.git"}, "only https:// URLs"),
        ({"source": "http://example.com/app.git"}, "only https:// URLs"),
        ({"source": "https://github.com/acme/app.git", "credential": "gh"}, "there is no credential 'gh'"),
        ({"source": "{root}/app", "push_url": "file:///tmp/x"}, "repository.push_url"),
    ],
)
async def test_a_repository_outside_the_roots_or_with_an_unknown_credential_is_a_422(
    api: httpx.AsyncClient, settings: Settings, repository: dict[str, str], why: str, database: str
) -> None:
    root = str(settings.workspace_roots[0])
    repository = {k: v.replace("{root}", root) for k, v in repository.items()}
    company = (await api.post("/api/companies", json=company_body())).json()["id"]
    error = assert_error(await hire(api, company, repository=repository), 422, "invalid_input")
    assert why in error["message"], error
    error = assert_error(await api.put(f"/api/companies/{company}/tool-policy", json={"repository": repository}), 422)
    assert why in error["message"]


async def test_a_repository_under_the_roots_or_an_https_url_with_a_credential_is_taken(
    api: httpx.AsyncClient, settings: Settings, database: str
) -> None:
    key = {"name": "gh", "urls": ["https://github.com"], "api_key": "ghp_test"}
    assert (await api.post("/api/credentials", json=key)).status_code == 201
    url = {"source": "https://github.com/acme/app.git", "credential": "gh"}
    body = company_body(repository=url)
    created = await api.post("/api/companies", json=body)
    assert created.status_code == 201, created.text
    assert created.json()["repository"]["credential"] == "gh"
    own = settings.home_dir / "workspaces" / body["id"] / "repo"
    hired = await hire(api, body["id"], repository={"source": str(own)})
    assert hired.status_code == 201, hired.text
    hired = await hire(api, body["id"], name="dev2", repository={"source": str(settings.workspace_roots[0] / "app")})
    assert hired.status_code == 201, hired.text


async def test_search_finds_a_tool_output_by_its_words(api: httpx.AsyncClient, store: Store) -> None:
    company = (await api.post("/api/companies", json=company_body())).json()["id"]
    session = SessionRef(company_id=company, task="ACME-1", agent="cto")
    output = Message(
        role="tool", content="FAILED: the quaternion spline norm is negative", tool_call_id="c1", author="stand_in_run"
    )
    store.save_turn(
        session, seq=2, new_messages=[output], reply=Message(role="assistant", content="Fixing it"), cost=None
    )
    found = (await api.get(f"/api/companies/{company}/search", params={"q": "quaternion spline"})).json()["data"]
    assert [(hit["kind"], hit["task"], hit["author"], hit["seq"]) for hit in found] == [
        ("message", "ACME-1", "stand_in_run", 2)
    ]
