"""The templates shipped in the package: every one loads, and every company is a valid org chart."""

import tomllib
from fnmatch import fnmatch
from pathlib import Path

import pytest

from paperclip import pricing
from paperclip.models import AgentState, Provider
from paperclip.org import check_hire
from paperclip.templates import AgentTemplate, CompanyTemplate, builtin_registry, load_registry
from tests.api.tool_stand_ins import WORKSPACE_TOOLS
from tests.templates.tools import CODER_TOOLS

ROOT = Path(__file__).resolve().parents[2]
REGISTRY = builtin_registry()


def test_at_least_twelve_agent_and_three_company_templates_ship() -> None:
    assert len(REGISTRY.agents) >= 12
    assert len(REGISTRY.companies) >= 3
    for name in ("ceo", "cto", "coder", "reviewer", "security-reviewer", "researcher", "deployer", "qa", "pm"):
        assert name in REGISTRY.agents
    for name in ("designer", "marketer", "summarizer"):
        assert name in REGISTRY.agents
    assert {"software-studio", "content-agency", "research-lab"} <= REGISTRY.companies.keys()


def test_every_yaml_file_is_a_template_named_after_it_and_packaged() -> None:
    package_data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    files = sorted((ROOT / "paperclip" / "templates").glob("*/*.y*ml"))
    assert len(files) == len(REGISTRY.agents) + len(REGISTRY.companies)
    for file in files:
        relative = file.relative_to(ROOT / "paperclip").as_posix()
        assert any(fnmatch(relative, pattern) for pattern in package_data["paperclip"]), relative
        table = REGISTRY.agents if file.parent.name == "agents" else REGISTRY.companies
        assert table[file.stem].template.name == file.stem
        assert table[file.stem].source == f"built-in:{file.parent.name}/{file.name}"


@pytest.mark.parametrize("name", sorted(REGISTRY.agents))
def test_agent_template_hires_a_complete_agent_on_a_priced_real_model(name: str) -> None:
    template = REGISTRY.agent(name)
    assert isinstance(template, AgentTemplate)
    spec = template.to_agent_spec("someone", reports_to="boss")
    assert spec.template == name and spec.name == "someone" and spec.reports_to == "boss"
    assert spec.role == template.role and spec.title and spec.capabilities
    assert "complete_task" in spec.system_prompt and len(spec.system_prompt) > 300
    assert spec.model.provider in (Provider.OPENAI, Provider.ANTHROPIC)
    assert pricing.price(spec.model.provider, spec.model.model) is not None
    assert spec.budget.monthly_usd is not None and spec.budget.monthly_usd > 0
    assert (template.reports_to is None) == (template.role == "ceo")


@pytest.mark.parametrize("name", sorted(REGISTRY.companies))
def test_company_template_is_one_tree_that_the_org_rules_accept(name: str) -> None:
    template = REGISTRY.company(name)
    assert isinstance(template, CompanyTemplate)
    assert template.goals and template.mission and template.prefix
    team = REGISTRY.company_agents(template)
    chart: dict[str, AgentState] = {}
    for spec in team:
        check_hire(chart, spec)  # raises OrgError on a broken chart
        chart[spec.name] = AgentState(spec=spec)
    roots = [s for s in team if s.reports_to is None]
    assert len(roots) == 1 and roots[0].role == "ceo"
    assert [m.name for m in template.agents] == [s.name for s in team]
    assert all(s.template == m.template for s, m in zip(team, template.agents, strict=True))


def test_company_overrides_change_only_what_they_name() -> None:
    lab = {s.name: s for s in REGISTRY.company_agents(REGISTRY.company("research-lab"))}
    assert lab["director"].title == "Lab Director"
    assert lab["director"].system_prompt == REGISTRY.agent("ceo").system_prompt.strip()
    assert lab["reviewer"].system_prompt.startswith("You are the lab's peer reviewer")
    assert lab["engineer"].reports_to == "analyst" and lab["engineer"].tools == CODER_TOOLS


def test_without_custom_templates_the_registry_is_the_built_ins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PAPERCLIP_TEMPLATES", raising=False)
    registry = load_registry()
    assert registry.agents.keys() == REGISTRY.agents.keys()
    assert all(entry.builtin for entry in registry.entries())


@pytest.mark.parametrize(
    ("name", "tools"),
    [
        ("coder", CODER_TOOLS),
        ("reviewer", ["read_file", "list_files", "search_files", "git"]),
        ("security-reviewer", ["read_file", "list_files", "search_files", "git"]),
        ("researcher", ["http_fetch", "read_file"]),
        ("qa", ["read_file", "list_files", "search_files", "run_command"]),
        ("deployer", ["read_file", "run_command", "git", "http_fetch", "read_task"]),
        ("ceo", ["comment", "read_task"]),
        ("cto", ["read_file", "list_files", "search_files", "git", "comment", "read_task"]),
        ("pm", ["comment", "read_task"]),
        ("writer", []),
    ],
)
def test_each_template_gets_the_tools_its_prompt_promises(name: str, tools: list[str]) -> None:
    assert REGISTRY.agent(name).tools == tools


def test_every_tool_a_built_in_names_is_a_workspace_tool_or_a_tool_on_tasks() -> None:
    named = {tool for template in REGISTRY.agents.values() for tool in template.template.tools}
    assert named <= {*WORKSPACE_TOOLS, "comment", "read_task"}, named - {*WORKSPACE_TOOLS, "comment", "read_task"}
