"""Who may put which CLI agent in a company, over real HTTP: a `process` agent, a custom command or
settings or permission flags only by the board or an owner (403 for an operator, with the reason); a workspace
outside the roots for nobody, however the path gets there; `cli.env` naming a key, a base URL, a
proxy or a loader variable for nobody (422) — at hire, at founding and at import."""

from pathlib import Path
from typing import Any

import httpx
import pytest
from temporalio.testing import WorkflowEnvironment

from paperclip.settings import Settings
from tests.api.conftest import assert_error
from tests.api.helpers import company_body

PROCESS = {"adapter": "process", "cli": {"command": ["python3", "-c", "print('hi')"]}}


@pytest.fixture
def settings(tmp_path: Path, dev_env: WorkflowEnvironment) -> Settings:
    """The API's settings, with one workspace root of the deployment's: `tmp_path/repos`."""
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


async def hire(
    api: httpx.AsyncClient, company: str, name: str, headers: dict | None = None, **spec: Any
) -> httpx.Response:
    body = {"name": name, "role": "engineer", "reports_to": "cto", **spec}
    return await api.post(f"/api/companies/{company}/agents", json=body, headers=headers or {})


@pytest.mark.parametrize(
    ("spec", "why"),
    [
        (PROCESS, "a `process` agent runs any command on the worker"),
        (
            {"adapter": "claude_local", "cli": {"command": ["/opt/my-claude"]}},
            "`cli.command` '/opt/my-claude' runs a program of its own choosing on the worker",
        ),
        (
            {"adapter": "claude_local", "cli": {"args": ["--settings", '{"env": {}}']}},
            "`cli.args` '--settings' gives the tool other settings or directories than its own",
        ),
        (
            {"adapter": "codex_local", "cli": {"args": ["-cmodel_provider=mine"]}},
            "`cli.args` '-cmodel_provider=mine' gives the tool other settings",
        ),
        (
            {
                "adapter": "claude_local",
                "cli": {"permissions": "read-only", "args": ["--dangerously-skip-permissions"]},
            },
            "`cli.args` '--dangerously-skip-permissions' gives the tool other permissions than its profile's",
        ),
        (
            {"adapter": "codex_local", "cli": {"permissions": "full"}},
            "`cli.permissions` 'full' lets the tool do whatever it can without asking",
        ),
        (
            {"adapter": "codex_local", "cli": {"args": ["--dangerously-bypass-approvals-and-sandbox"]}},
            "`cli.args` '--dangerously-bypass-approvals-and-sandbox' gives the tool other settings",
        ),
        (  # approves whatever its permission profile would refuse
            {"adapter": "opencode_local", "cli": {"args": ["--auto"]}},
            "`cli.args` '--auto' gives the tool other settings",
        ),
        (  # runs the turn on another server
            {"adapter": "opencode_local", "cli": {"args": ["--attach=http://elsewhere:4096"]}},
            "`cli.args` '--attach=http://elsewhere:4096' gives the tool other settings",
        ),
        (
            {"adapter": "gemini_local", "cli": {"args": ["--approval-mode", "yolo"]}},
            "`cli.args` '--approval-mode' gives the tool other settings",
        ),
    ],
)
async def test_owner_only_powers_are_refused_to_an_operator_and_granted_to_an_owner_and_the_board(
    api: httpx.AsyncClient, red: dict[str, Any], spec: dict[str, Any], why: str
) -> None:
    refused = assert_error(await hire(api, red["id"], "runner", red["olga"], **spec), 403, "forbidden")
    assert why in refused["message"]
    assert refused["message"].endswith("so only the board or an owner of team red may hire it (olga is not)")
    assert (await hire(api, red["id"], "runner", red["oscar"], **spec)).status_code == 201
    assert (await hire(api, red["id"], "runner2", **spec)).status_code == 201  # the board
    listed = (await api.get(f"/api/companies/{red['id']}/agents")).json()
    assert [a["spec"]["name"] for a in listed["data"]][-2:] == ["runner", "runner2"]


async def test_an_operator_hires_a_cli_agent_with_its_own_variables_and_a_keyless_url(
    api: httpx.AsyncClient, red: dict[str, Any]
) -> None:
    cli = {"env": {"GIT_AUTHOR_NAME": "Dev Bot", "LANG": "C.UTF-8"}, "base_url": "http://127.0.0.1:11434"}
    answer = await hire(api, red["id"], "dev", red["olga"], adapter="claude_local", cli=cli)
    assert answer.status_code == 201, answer.text
    assert answer.json()["spec"]["cli"]["env"] == cli["env"]


@pytest.mark.parametrize(
    ("env", "rule"),
    [
        ({"ANTHROPIC_BASE_URL": "http://evil.example"}, "names a secret or where a key is sent"),
        ({"OPENAI_API_KEY": "sk-mine"}, "names a secret or where a key is sent"),
        ({"GITHUB_TOKEN": "ghp_x"}, "names a secret or where a key is sent"),
        ({"https_proxy": "http://evil.example:3128"}, "changes what the tool runs or trusts"),
        ({"NO_PROXY": "*"}, "changes what the tool runs or trusts"),
        ({"LD_PRELOAD": "/tmp/x.so"}, "changes what the tool runs or trusts"),
        ({"NODE_OPTIONS": "--require /tmp/x.js"}, "changes what the tool runs or trusts"),
        ({"HOME": "/root"}, "changes what the tool runs or trusts"),
        ({"OPENCODE_CONFIG_CONTENT": "{}"}, "changes what the tool runs or trusts"),
        ({"OPENCODE_PERMISSION": '{"*": "allow"}'}, "changes what the tool runs or trusts"),
        ({"GEMINI_CLI_HOME": "/tmp/elsewhere"}, "changes what the tool runs or trusts"),
        ({"GOOGLE_GEMINI_BASE_URL": "http://evil.example"}, "names a secret or where a key is sent"),
        ({"1BAD": "x"}, "is not an environment variable name"),
    ],
)
async def test_cli_env_naming_a_key_a_url_or_a_loader_is_refused_to_everyone(
    api: httpx.AsyncClient, red: dict[str, Any], env: dict[str, str], rule: str
) -> None:
    (name,) = env
    for headers in (red["oscar"], None):  # an owner, the board
        answer = await hire(api, red["id"], "dev", headers, adapter="claude_local", cli={"env": env})
        error = assert_error(answer, 422, "invalid_input")
        assert error["message"].startswith(f"agent dev: cli.env.{name}: ") and rule in error["message"]


async def test_a_credential_or_url_for_a_tool_that_takes_no_key_is_refused(
    api: httpx.AsyncClient, red: dict[str, Any]
) -> None:
    spec = PROCESS | {"cli": PROCESS["cli"] | {"credential": "OPENAI_API_KEY"}}
    assert (
        "a `process` agent is given no provider key"
        in assert_error(await hire(api, red["id"], "p", **spec), 422)["message"]
    )
    bad_url = {"adapter": "codex_local", "cli": {"base_url": "http://api.example.com/v1?x=1"}}
    assert "no query or fragment" in assert_error(await hire(api, red["id"], "c", **bad_url), 422)["message"]


async def test_a_workspace_outside_the_roots_is_refused_to_everyone_however_the_path_gets_there(
    api: httpx.AsyncClient, red: dict[str, Any], tmp_path: Path
) -> None:
    own = tmp_path / "home" / "workspaces" / red["id"]
    own.mkdir(parents=True)
    (tmp_path / "outside").mkdir()
    (own / "link").symlink_to(tmp_path / "outside")
    for workspace in (
        "/etc",
        f"{own}/../../workspaces/other-co",
        f"{tmp_path}/repos/../outside",
        str(own / "link"),
        str(own / "link" / "deeper"),
        "repos/shop",
    ):
        for who in ("olga", "oscar"):
            answer = await hire(api, red["id"], "dev", red[who], adapter="codex_local", cli={"workspace": workspace})
            error = assert_error(answer, 403, "forbidden")
            assert "is outside the deployment's workspace roots" in error["message"], workspace
            assert "PAPERCLIP_WORKSPACE_ROOTS" in error["message"]
    for name, workspace in (("dev", own / "shop"), ("dev2", tmp_path / "repos" / "shop")):
        answer = await hire(api, red["id"], name, red["olga"], adapter="codex_local", cli={"workspace": str(workspace)})
        assert answer.status_code == 201, answer.text


async def test_founding_or_importing_a_company_with_a_process_agent_takes_an_owner(
    api: httpx.AsyncClient, red: dict[str, Any]
) -> None:
    agents = company_body()["agents"] + [{"name": "runner", "role": "engineer", "reports_to": "cto", **PROCESS}]
    refused = await api.post("/api/companies", json=company_body(team="red", agents=agents), headers=red["olga"])
    assert "a `process` agent runs any command" in assert_error(refused, 403, "forbidden")["message"]
    founded = await api.post("/api/companies", json=company_body(team="red", agents=agents), headers=red["oscar"])
    assert founded.status_code == 201, founded.text

    document = (await api.get(f"/api/companies/{founded.json()['id']}/export", headers=red["oscar"])).json()
    path = "/api/companies/import?id=copy-1&team=red"
    refused = await api.post(path, json=document, headers=red["olga"])
    assert "agent runner: a `process` agent" in assert_error(refused, 403, "forbidden")["message"]
    imported = await api.post(path, json=document, headers=red["oscar"])
    assert imported.status_code == 201, imported.text
