"""Configuring an agent after hiring, over real HTTP (`PATCH /companies/{c}/agents/{name}`): the
change is a merge patch checked as a hire is, logged with its diff and counted as a revision; bad
input is a 4xx naming the field; who may change what follows the rules of hiring, on what changes."""

from pathlib import Path
from typing import Any

import httpx
import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from paperclip.constants import company_workflow_id
from paperclip.models import AgentSpec, ConfigureAgentInput
from paperclip.settings import Settings
from tests.api.conftest import assert_error
from tests.api.helpers import company_body, create_company
from workflows.company import CompanyWorkflow

PROCESS = {"adapter": "process", "cli": {"command": ["python3", "-c", "print('hi')"]}}


@pytest.fixture
def settings(tmp_path: Path, dev_env: WorkflowEnvironment) -> Settings:
    """The API's settings, with one workspace root of the deployment's: `tmp_path/repos`."""
    return Settings(
        home=tmp_path / "home",
        temporal_address=dev_env.client.service_client.config.target_host,
        workspace_roots=[tmp_path / "repos"],
    )


async def configure(
    api: httpx.AsyncClient, company: str, agent: str, patch: Any, headers: dict[str, str] | None = None
) -> httpx.Response:
    return await api.patch(f"/api/companies/{company}/agents/{agent}", json=patch, headers=headers or {})


async def configured(api: httpx.AsyncClient, company: str, agent: str, patch: Any, **kw: Any) -> dict[str, Any]:
    response = await configure(api, company, agent, patch, **kw)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def changed(body: dict[str, Any]) -> dict[str, tuple[Any, Any, bool]]:
    return {c["field"]: (c["before"], c["after"], c["live"]) for c in body["changes"]}


async def test_a_configure_changes_the_spec_logs_its_diff_and_counts_a_revision(api: httpx.AsyncClient) -> None:
    company = (await create_company(api))["id"]
    body = await configured(
        api,
        company,
        "cto",
        {
            "system_prompt": "You are the CTO. Be brief.",
            "model": {"max_tokens": 400},
            "tools": ["read_task", "comment"],
            "heartbeat": {"interval_seconds": 3600},
            "max_turns": 12,
        },
    )
    assert body["revision"] == 2 and body["reached"] == []
    assert changed(body) == {
        "system_prompt": ("", "You are the CTO. Be brief.", False),
        "model.max_tokens": (1024, 400, False),
        "max_turns": (20, 12, False),
        "tools": (None, ["read_task", "comment"], True),
        "heartbeat.interval_seconds": (None, 3600, True),
    }
    spec = body["agent"]["spec"]
    assert spec["model"]["max_tokens"] == 400 and spec["model"]["provider"] == "simulated"  # merged, not replaced
    shown = (await api.get(f"/api/companies/{company}/agents/cto")).json()
    assert shown["revision"] == 2 and shown["spec"]["system_prompt"] == "You are the CTO. Be brief."
    assert shown["spec"]["reports_to"] == "ceo"

    # `null` puts a field back to its default; the log says who changed what.
    body = await configured(api, company, "cto", {"tools": None, "heartbeat": {"interval_seconds": None}})
    assert body["revision"] == 3
    assert changed(body) == {
        "tools": (["read_task", "comment"], None, True),
        "heartbeat.interval_seconds": (3600, None, True),
    }
    log = (await api.get(f"/api/companies/{company}/activity", params={"kind": "agent.configured"})).json()["data"]
    assert [e["data"]["revision"] for e in log] == [2, 3]
    assert log[0]["actor"] == "board" and log[0]["agent"] == "cto"
    assert "cto configured (revision 2): system_prompt" in log[0]["summary"]
    assert {c["field"] for c in log[1]["data"]["changes"]} == {"tools", "heartbeat.interval_seconds"}


async def test_a_patch_that_changes_nothing_answers_without_a_revision(api: httpx.AsyncClient) -> None:
    company = (await create_company(api))["id"]
    body = await configured(api, company, "cto", {"max_turns": 20, "cli": {}})
    assert (body["revision"], body["changes"]) == (1, [])
    log = (await api.get(f"/api/companies/{company}/activity", params={"kind": "agent.configured"})).json()
    assert log["data"] == []


@pytest.mark.parametrize(
    ("patch", "status", "words"),
    [
        ({"cli": {"modle": "gpt-5"}}, 422, "cli.modle: no such field"),
        ({"tool_policy": [{"tool": "run_command", "policy": "allow", "patern": "*"}]}, 422, "tool_policy[0].patern"),
        ({"name": "boss"}, 422, "name: cannot be configured: it is the agent's identity"),
        ({"reports_to": "cmo"}, 422, "reports_to: cannot be configured: it places the agent in the org chart"),
        ({"max_turns": 0}, 422, "max_turns: Input should be greater than or equal to 1"),
        ({"model": {"provider": "gemini"}}, 422, "model.provider"),
        ({"adapter": "process"}, 422, "a `process` agent needs `cli.command`"),
        ({"tools": ["no_such_tool"]}, 422, "no_such_tool"),
        ({"adapter": "claude_local", "cli": {"env": {"OPENAI_API_KEY": "sk-1"}}}, 422, "cli.env.OPENAI_API_KEY"),
        ({"adapter": "claude_local", "cli": {"env": {"NODE_OPTIONS": "-r x"}}}, 422, "cli.env.NODE_OPTIONS"),
        ([{"max_turns": 3}], 422, None),
        ("max_turns=3", 422, None),
    ],
)
async def test_bad_changes_are_refused_naming_the_field_and_change_nothing(
    api: httpx.AsyncClient, patch: Any, status: int, words: str | None
) -> None:
    company = (await create_company(api))["id"]
    error = assert_error(await configure(api, company, "cto", patch), status)
    if words is not None:
        assert words in error["message"], error
    agent = (await api.get(f"/api/companies/{company}/agents/cto")).json()
    assert agent["revision"] == 1 and agent["spec"]["max_turns"] == 20 and agent["spec"]["adapter"] == "model"


async def test_unknown_agents_terminated_agents_and_stale_changes_are_refused(
    api: httpx.AsyncClient, dev_env: WorkflowEnvironment
) -> None:
    company = (await create_company(api))["id"]
    assert_error(await configure(api, company, "ghost", {"max_turns": 3}), 404, "not_found")
    assert_error(await configure(api, "no-such-co", "cto", {"max_turns": 3}), 404, "not_found")
    assert (await api.post(f"/api/companies/{company}/agents/cmo/terminate", json={})).status_code == 200
    error = assert_error(await configure(api, company, "cmo", {"max_turns": 3}), 409, "conflict")
    assert error["message"] == "agent 'cmo' is terminated"

    # A change made from a revision the agent has left is a conflict, not a silent undo.
    await configured(api, company, "cto", {"max_turns": 5})
    handle = dev_env.client.get_workflow_handle_for(CompanyWorkflow.run, company_workflow_id(company))
    stale = ConfigureAgentInput(agent=AgentSpec(name="cto", role="cto", reports_to="ceo", max_turns=9), revision=1)
    with pytest.raises(WorkflowUpdateFailedError) as failure:
        await handle.execute_update(CompanyWorkflow.configure_agent, stale)
    assert "was changed meanwhile (it is at revision 2" in str(failure.value.cause)
    assert (await api.get(f"/api/companies/{company}/agents/cto")).json()["spec"]["max_turns"] == 5


async def test_a_cli_agent_under_a_budget_keeps_a_per_turn_budget(api: httpx.AsyncClient) -> None:
    company = (await create_company(api, budget_usd=50))["id"]
    hired = await api.post(
        f"/api/companies/{company}/agents",
        json={"name": "dev", "reports_to": "cto", "adapter": "claude_local", "cli": {"turn_budget_usd": 0.5}},
    )
    assert hired.status_code == 201, hired.text
    error = assert_error(await configure(api, company, "dev", {"cli": {"turn_budget_usd": None}}), 400)
    assert "works under a budget: give it a per-turn budget" in error["message"]
    body = await configured(api, company, "dev", {"cli": {"turn_budget_usd": 0.25, "model": "claude-sonnet-4-5"}})
    assert changed(body) == {"cli.model": (None, "claude-sonnet-4-5", False), "cli.turn_budget_usd": (0.5, 0.25, True)}


# ---------------------------------------------------------------------- who may change what


@pytest.fixture
async def red(api: httpx.AsyncClient) -> dict[str, Any]:
    """Team red's company, and its members' headers: olga operates it, oscar owns it, vic views it."""
    assert (await api.post("/api/teams", json={"name": "red"})).status_code == 201
    headers = {}
    for user, role in (("olga", "operator"), ("oscar", "owner"), ("vic", "viewer")):
        assert (await api.put("/api/teams/red/members", json={"user": user, "role": role})).status_code == 200
        token = (await api.post("/api/tokens", json={"user": user, "label": "test"})).json()["token"]
        headers[user] = {"Authorization": f"Bearer {token}"}
    created = await api.post("/api/companies", json=company_body(team="red"))
    assert created.status_code == 201, created.text
    return {"id": created.json()["id"], **headers}


async def test_an_operator_configures_what_it_could_hire_and_an_owner_the_rest(
    api: httpx.AsyncClient, red: dict[str, Any]
) -> None:
    company = red["id"]
    olga, oscar = red["olga"], red["oscar"]
    body = await configured(api, company, "cto", {"model": {"max_tokens": 300}}, headers=olga)
    assert body["agent"]["spec"]["model"]["max_tokens"] == 300
    log = (await api.get(f"/api/companies/{company}/activity", params={"kind": "agent.configured"})).json()
    assert log["data"][-1]["actor"] == "olga"

    viewer = assert_error(await configure(api, company, "cto", {"max_turns": 3}, headers=red["vic"]), 403)
    assert "vic is a viewer in team red" in viewer["message"]

    rules = {"tool_policy": [{"tool": "run_command", "policy": "allow"}]}
    refused = assert_error(await configure(api, company, "cto", rules, headers=olga), 403, "forbidden")
    assert refused["message"] == "agent cto: only the board or an owner of team red may change tool rules (olga is not)"
    await configured(api, company, "cto", rules, headers=oscar)
    # An operator may change the rest of an agent an owner gave rules to, but not take them away.
    await configured(api, company, "cto", {"max_turns": 7}, headers=olga)
    assert_error(await configure(api, company, "cto", {"tool_policy": []}, headers=olga), 403, "forbidden")

    refused = assert_error(await configure(api, company, "cto", PROCESS, headers=olga), 403, "forbidden")
    assert refused["message"] == (
        "agent cto: a `process` agent runs any command on the worker, so only the board or an owner of team red"
        " may configure it (olga is not)"
    )
    await configured(api, company, "cto", PROCESS, headers=oscar)
    # What the owner gave it stays while an operator changes something else; what it runs, not.
    await configured(api, company, "cto", {"cli": {"turn_timeout_seconds": 60}}, headers=olga)
    swap = {"cli": {"command": ["sh", "-c", "curl evil"]}}
    assert_error(await configure(api, company, "cto", swap, headers=olga), 403, "forbidden")
    args = {"cli": {"args": ["--extra"]}}
    assert_error(await configure(api, company, "cto", args, headers=olga), 403, "forbidden")
    assert (await api.get(f"/api/companies/{company}/agents/cto")).json()["spec"]["cli"]["command"][0] == "python3"


async def test_a_workspace_outside_the_roots_is_refused_to_everyone(api: httpx.AsyncClient, tmp_path: Path) -> None:
    company = (await create_company(api))["id"]
    hired = await api.post(
        f"/api/companies/{company}/agents", json={"name": "dev", "reports_to": "cto", "adapter": "codex_local"}
    )
    assert hired.status_code == 201, hired.text
    for place in ("/etc", str(tmp_path / "repos" / ".." / "elsewhere")):
        error = assert_error(await configure(api, company, "dev", {"cli": {"workspace": place}}), 403, "forbidden")
        assert "is outside the deployment's workspace roots" in error["message"]
    (tmp_path / "repos" / "shop").mkdir(parents=True)
    body = await configured(api, company, "dev", {"cli": {"workspace": str(tmp_path / "repos" / "shop")}})
    assert changed(body)["cli.workspace"][2] is False  # from its next task
