"""Templates over real HTTP: listing, showing, founding a company and hiring from a template."""

import uuid
from pathlib import Path

import httpx
import pytest

from tests.api.conftest import assert_error
from tests.api.helpers import wait_for_task
from tests.templates.tools import CODER_TOOLS


@pytest.fixture(autouse=True)
def no_provider_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """The API (served in this process) sees no provider key: templated agents fall back to simulated."""
    for name in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "PAPERCLIP_TEMPLATES"):
        monkeypatch.delenv(name, raising=False)


def company_id() -> str:
    return f"tpl-{uuid.uuid4().hex[:10]}"


async def found(api: httpx.AsyncClient, template: str, **fields: object) -> dict:
    response = await api.post(
        "/api/companies", json={"id": company_id(), "name": "Templated", "template": template, **fields}
    )
    assert response.status_code == 201, response.text
    return response.json()


async def test_list_and_filter_templates(api: httpx.AsyncClient) -> None:
    listed = (await api.get("/api/templates")).json()
    assert listed["count"] == len(listed["data"]) >= 15
    coder = next(t for t in listed["data"] if t["name"] == "coder")
    assert coder == {
        "kind": "agent",
        "name": "coder",
        "description": coder["description"],
        "role": "engineer",
        "agents": None,
        "builtin": True,
        "source": "built-in:agents/coder.yaml",
    }
    companies = (await api.get("/api/templates", params={"kind": "company"})).json()
    assert {t["kind"] for t in companies["data"]} == {"company"} and companies["count"] >= 3


async def test_show_a_template_and_a_company_team(api: httpx.AsyncClient) -> None:
    coder = (await api.get("/api/templates/agent/coder")).json()
    assert coder["template"]["model"] == {"provider": "openai", "model": "gpt-4o-mini", **coder["template"]["model"]}
    assert coder["template"]["reports_to"] == "cto" and coder["team"] is None
    studio = (await api.get("/api/templates/company/software-studio")).json()
    team = {a["name"]: a["reports_to"] for a in studio["team"]}
    assert team["ceo"] is None and team["coder"] == "cto" and team["designer"] == "pm"


async def test_unknown_template_is_404_and_unknown_kind_422(api: httpx.AsyncClient) -> None:
    error = assert_error(await api.get("/api/templates/agent/wizard"), 404, "not_found")
    assert error["message"].startswith("no agent template 'wizard' (known: ceo,")
    assert error["details"] == {"kind": "agent", "name": "wizard"}
    assert_error(await api.get("/api/templates/robot/coder"), 422, "invalid_input")


async def test_a_broken_custom_template_is_400_naming_its_file(
    api: httpx.AsyncClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "bad.yaml").write_text("kind: agent\nname: bad\nrole: wizard\n")
    monkeypatch.setenv("PAPERCLIP_TEMPLATES", str(tmp_path))
    error = assert_error(await api.get("/api/templates"), 400, "invalid_template")
    assert f"{tmp_path / 'bad.yaml'}: role: Input should be 'ceo'" in "\n".join(error["details"])


async def test_a_custom_template_is_listed_and_hired(
    api: httpx.AsyncClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "scribe.yaml").write_text(
        "kind: agent\nname: scribe\ndescription: Takes notes.\nrole: general\ntitle: Scribe\n"
        "capabilities: Minutes.\nsystem_prompt: Take minutes, then complete_task.\nreports_to: ceo\n"
    )
    monkeypatch.setenv("PAPERCLIP_TEMPLATES", str(tmp_path))
    scribe = (await api.get("/api/templates/agent/scribe")).json()
    assert scribe["builtin"] is False and scribe["source"] == str(tmp_path / "scribe.yaml")
    company = (await found(api, "research-lab"))["id"]
    hired = await api.post(f"/api/companies/{company}/agents", json={"name": "minutes", "template": "scribe"})
    assert hired.status_code == 201, hired.text
    assert hired.json()["spec"]["reports_to"] == "director" and hired.json()["spec"]["title"] == "Scribe"


async def test_found_a_company_from_a_template(api: httpx.AsyncClient) -> None:
    created = await found(api, "software-studio")
    assert created["prefix"] == "DEV" and created["mission"].startswith("Build and ship reliable software")
    agents = {a["name"]: a for a in created["agents"]}
    assert len(agents) == 9 and agents["coder"]["template"] == "coder" and agents["coder"]["reports_to"] == "cto"
    assert all(a["model"]["provider"] == "simulated" for a in agents.values())
    assert any("OPENAI_API_KEY" in note for note in created["notes"])
    assert any("ANTHROPIC_API_KEY" in note and note.startswith("reviewer:") for note in created["notes"])
    snapshot = (await api.get(f"/api/companies/{created['id']}")).json()
    assert sorted(snapshot["simulated_agents"]) == sorted(agents)
    assert snapshot["spec"]["prefix"] == "DEV"


async def test_explicit_fields_win_over_the_template(api: httpx.AsyncClient) -> None:
    created = await found(
        api, "content-agency", mission="Explain science simply.", prefix="SCI", agents=[{"name": "boss", "role": "ceo"}]
    )
    assert created["mission"] == "Explain science simply." and created["prefix"] == "SCI"
    assert [a["name"] for a in created["agents"]] == ["boss"] and created["notes"] == []


async def test_a_templated_company_runs_a_task_to_done(api: httpx.AsyncClient) -> None:
    company = (await found(api, "research-lab"))["id"]
    response = await api.post(
        f"/api/companies/{company}/tasks", json={"title": "How fast do glaciers move?", "assignee": "director"}
    )
    assert response.status_code == 201, response.text
    done = await wait_for_task(api, company, response.json()["identifier"], timeout=60)
    assert {t["assignee"] for t in done["subtasks"]} >= {"researcher", "analyst", "reviewer", "summarizer"}


async def test_unknown_company_template_is_404_and_founds_nothing(api: httpx.AsyncClient) -> None:
    body = {"id": company_id(), "name": "Nope", "template": "moon-base"}
    error = assert_error(await api.post("/api/companies", json=body), 404, "not_found")
    assert "no company template 'moon-base'" in error["message"]
    assert_error(await api.get(f"/api/companies/{body['id']}"), 404, "not_found")


async def test_hire_from_a_template_under_the_default_manager(api: httpx.AsyncClient) -> None:
    company = (await found(api, "software-studio"))["id"]
    response = await api.post(f"/api/companies/{company}/agents", json={"name": "coder-2", "template": "coder"})
    assert response.status_code == 201, response.text
    spec = response.json()["spec"]
    assert spec["reports_to"] == "cto" and spec["template"] == "coder" and spec["role"] == "engineer"
    assert spec["model"]["provider"] == "simulated" and spec["tools"] == CODER_TOOLS


async def test_hire_from_a_template_with_explicit_fields(api: httpx.AsyncClient) -> None:
    company = (await found(api, "software-studio"))["id"]
    body = {
        "name": "sec-2",
        "template": "security-reviewer",
        "reports_to": "ceo",
        "title": "Security Lead",
        "model": {"provider": "anthropic"},
    }
    spec = (await api.post(f"/api/companies/{company}/agents", json=body)).json()["spec"]
    assert spec["reports_to"] == "ceo" and spec["title"] == "Security Lead"
    assert spec["model"]["provider"] == "anthropic" and spec["model"]["model"] == "claude-haiku-4-5"


async def test_hire_errors(api: httpx.AsyncClient) -> None:
    company = (await found(api, "research-lab"))["id"]
    error = assert_error(
        await api.post(f"/api/companies/{company}/agents", json={"name": "dev", "template": "coder"}), 400
    )
    assert error["message"] == (
        f"template 'coder' reports to a cto by default and company '{company}' has none: give reports_to"
    )
    error = assert_error(
        await api.post(f"/api/companies/{company}/agents", json={"name": "dev", "template": "wizard"}), 404
    )
    assert "no agent template 'wizard'" in error["message"]
    error = assert_error(
        await api.post(f"/api/companies/{company}/agents", json={"name": "ceo-2", "template": "ceo"}), 400
    )
    assert "already has a CEO" in error["message"]
